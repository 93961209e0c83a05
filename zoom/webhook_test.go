package zoom_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

func TestSignKnownVector(t *testing.T) {
	assert.Equal(t, wantSig, zoom.Sign("secret", "1739923528", []byte(`{"a":1}`)))
}

// wantSig is printf 'v0:1739923528:{"a":1}' | openssl dgst -sha256 -hmac secret.
const wantSig = "v0=220676373f55d4e38f23e70db18b0684bfadeb3b7c8517cabd7b508588746d40"

func TestAnswerURLValidation(t *testing.T) {
	got := zoom.AnswerURLValidation("secret", "qgg8vlvZRS6UYooatFL8Aw")
	assert.Equal(t, "qgg8vlvZRS6UYooatFL8Aw", got.PlainToken)
	assert.Equal(t, wantEncrypted, got.EncryptedToken)
	b, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, `{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"`+wantEncrypted+`"}`, string(b))
}

// wantEncrypted is printf qgg8vlvZRS6UYooatFL8Aw | openssl dgst -sha256 -hmac secret.
const wantEncrypted = "72cef096bfd47c0b8664df30d07721641e4abd7e885ba432204260db477a9a3e"

func TestVerifyWebhook(t *testing.T) {
	const secret = "s3cret"
	now := time.Unix(1739923528, 0)
	body := []byte(`{"event":"meeting.ended","payload":{"object":{"topic":"<b>x</b> & y"}}}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	signed := func(ts string, body []byte) http.Header {
		h := http.Header{}
		h.Set(zoom.HeaderTimestamp, ts)
		h.Set(zoom.HeaderSignature, zoom.Sign(secret, ts, body))
		return h
	}
	tests := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		now    time.Time
		want   error // nil = verified
	}{
		{"valid", secret, signed(ts, body), body, now, nil},
		{"valid 4m59s later", secret, signed(ts, body), body, now.Add(4*time.Minute + 59*time.Second), nil},
		{"valid, clock 4m59s behind", secret, signed(ts, body), body, now.Add(-(4*time.Minute + 59*time.Second)), nil},
		{"lower-case header keys", secret, http.Header{
			"x-zm-request-timestamp": {ts},
			"x-zm-signature":         {zoom.Sign(secret, ts, body)},
		}, body, now, nil},
		{"no secret configured", "", signed(ts, body), body, now, zoom.ErrNoSecret},
		{"no headers", secret, http.Header{}, body, now, zoom.ErrMissingSignature},
		{"no timestamp", secret, http.Header{"X-Zm-Signature": {zoom.Sign(secret, ts, body)}}, body, now, zoom.ErrMissingSignature},
		{"no signature", secret, http.Header{"X-Zm-Request-Timestamp": {ts}}, body, now, zoom.ErrMissingSignature},
		{"wrong secret", "other", signed(ts, body), body, now, zoom.ErrBadSignature},
		{"tampered body", secret, signed(ts, body), append([]byte(" "), body...), now, zoom.ErrBadSignature},
		{"re-marshalled body", secret, signed(ts, body), []byte(`{"event":"meeting.ended","payload":{"object":{"topic":"\u003cb\u003ex\u003c/b\u003e \u0026 y"}}}`), now, zoom.ErrBadSignature},
		{"timestamp swapped", secret, func() http.Header {
			h := signed(ts, body)
			h.Set(zoom.HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return h
		}(), body, now, zoom.ErrBadSignature},
		{"no v0 prefix", secret, func() http.Header {
			h := signed(ts, body)
			h.Set(zoom.HeaderSignature, h.Get(zoom.HeaderSignature)[3:])
			return h
		}(), body, now, zoom.ErrBadSignature},
		{"not hex", secret, func() http.Header {
			h := signed(ts, body)
			h.Set(zoom.HeaderSignature, "v0=zz")
			return h
		}(), body, now, zoom.ErrBadSignature},
		{"stale by 5m01s", secret, signed(ts, body), body, now.Add(5*time.Minute + time.Second), zoom.ErrStaleTimestamp},
		{"future by 5m01s", secret, signed(ts, body), body, now.Add(-(5*time.Minute + time.Second)), zoom.ErrStaleTimestamp},
		{"milliseconds timestamp", secret, signed(ts+"000", body), body, now, zoom.ErrStaleTimestamp},
		{"signed non-numeric timestamp", secret, signed("soon", body), body, now, zoom.ErrStaleTimestamp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := zoom.VerifyWebhook(tc.secret, tc.header, tc.body, tc.now)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.ErrorIs(t, err, zoom.ErrUnverified)
			for _, other := range []error{zoom.ErrNoSecret, zoom.ErrMissingSignature, zoom.ErrBadSignature, zoom.ErrStaleTimestamp} {
				if other != tc.want {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

func TestSignedWebhookRoundTrip(t *testing.T) {
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 3, Seed: 21})
	now := time.Date(2025, 3, 3, 16, 1, 0, 0, time.UTC)
	body := zoomtest.MeetingEndedBody(m, now)
	req, err := zoomtest.SignedWebhook("http://127.0.0.1:1/webhooks/zoom", "sekrit", body, now)
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "application/json; charset=utf-8", req.Header.Get("Content-Type"))
	assert.Equal(t, strconv.FormatInt(now.Unix(), 10), req.Header.Get(zoom.HeaderTimestamp))
	assert.Regexp(t, `^v0=[0-9a-f]{64}$`, req.Header.Get(zoom.HeaderSignature))
	require.NoError(t, zoom.VerifyWebhook("sekrit", req.Header, body, now.Add(time.Minute)))

	e, err := zoom.ParseEvent(body)
	require.NoError(t, err)
	assert.Equal(t, zoom.EventMeetingEnded, e.Name)
	assert.True(t, e.IsMeetingEnd())
	assert.Equal(t, now, e.Time())
	assert.Equal(t, m.AccountID, e.AccountID)
	assert.Equal(t, zoom.MeetingNumber(m.ID), e.Object.ID)
	assert.Equal(t, m.UUID, e.Object.UUID)
	assert.Equal(t, m.Topic, e.Object.Topic)
	assert.Equal(t, m.Start, e.Object.StartTime)
	require.NotNil(t, e.Object.EndTime)
	assert.Equal(t, m.End, *e.Object.EndTime)
	assert.Contains(t, string(body), `"id":"`+strconv.FormatInt(m.ID, 10)+`"`, "id is a JSON string as Zoom sends it")

	w := zoomtest.Generate(zoomtest.GenOptions{Participants: 3, Seed: 21, Webinar: true})
	e, err = zoom.ParseEvent(zoomtest.MeetingEndedBody(w, now))
	require.NoError(t, err)
	assert.Equal(t, zoom.EventWebinarEnded, e.Name)
	assert.True(t, e.IsMeetingEnd())

	p := m.Participants[1]
	e, err = zoom.ParseEvent(zoomtest.ParticipantJoinedBody(m, p, p.Join))
	require.NoError(t, err)
	assert.Equal(t, zoom.EventParticipantJoined, e.Name)
	assert.False(t, e.IsMeetingEnd())
	require.NotNil(t, e.Object.Participant)
	assert.Equal(t, p.UserID, e.Object.Participant.UserID)
	assert.Equal(t, p.Name, e.Object.Participant.UserName)
	require.NotNil(t, e.Object.Participant.JoinTime)
	assert.Equal(t, p.Join, *e.Object.Participant.JoinTime)

	e, err = zoom.ParseEvent(zoomtest.URLValidationBody("tok123", now))
	require.NoError(t, err)
	assert.Equal(t, zoom.EventURLValidation, e.Name)
	assert.Equal(t, "tok123", e.PlainToken)
}
