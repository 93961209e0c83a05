package zoom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"rollcall/zoom"
)

// FuzzVerifyWebhook checks VerifyWebhook never panics, always classifies a
// failure under ErrUnverified, and accepts exactly what Sign produced.
func FuzzVerifyWebhook(f *testing.F) {
	f.Add("secret", "1739923528", []byte(`{"event":"meeting.ended"}`), "v0=00", int64(0))
	f.Add("", "", []byte(nil), "", int64(-1))
	f.Add("s", "-9223372036854775808", []byte("\x00\xff"), "v0=", int64(301))
	f.Add("k", "1e9", []byte("{}"), "V0=ABCDEF", int64(-301))
	f.Fuzz(func(t *testing.T, secret, ts string, body []byte, sig string, skew int64) {
		now := time.Unix(1739923528, 0)
		h := http.Header{}
		h.Set(zoom.HeaderTimestamp, ts)
		h.Set(zoom.HeaderSignature, sig)
		err := zoom.VerifyWebhook(secret, h, body, now)
		switch {
		case err != nil && !errors.Is(err, zoom.ErrUnverified):
			t.Fatalf("error %v does not wrap ErrUnverified", err)
		case err == nil && (secret == "" || !equalFoldASCII(strings.TrimSpace(sig), zoom.Sign(secret, ts, body))):
			t.Fatalf("accepted a signature that Sign did not produce: %q", sig)
		}

		// A genuine signature verifies exactly when the timestamp is in the window.
		if secret == "" {
			return
		}
		sent := now.Add(time.Duration(skew%1000) * time.Second)
		ts2 := strconv.FormatInt(sent.Unix(), 10)
		h.Set(zoom.HeaderTimestamp, ts2)
		h.Set(zoom.HeaderSignature, zoom.Sign(secret, ts2, body))
		err = zoom.VerifyWebhook(secret, h, body, now)
		inWindow := now.Sub(sent).Abs() <= zoom.MaxTimestampSkew
		switch {
		case inWindow && err != nil:
			t.Fatalf("genuine request %s off rejected: %v", now.Sub(sent), err)
		case !inWindow && !errors.Is(err, zoom.ErrStaleTimestamp):
			t.Fatalf("request %s off: got %v, want ErrStaleTimestamp", now.Sub(sent), err)
		}
	})
}

func equalFoldASCII(a, b string) bool {
	return bytes.EqualFold([]byte(a), []byte(b))
}

// FuzzParseEvent checks ParseEvent never panics, keeps the body in Raw,
// rejects what is not a JSON object with an event, and that a parsed
// meeting number survives a marshal round trip.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"event":"meeting.ended","event_ts":1626230691572,"payload":{"account_id":"A","object":{"id":"85123456789","uuid":"u==","start_time":"2021-07-13T21:44:51Z","end_time":"2021-07-13T23:00:51Z"}}}`))
	f.Add([]byte(`{"event":"meeting.participant_left","payload":{"object":{"id":85123456789,"participant":{"user_id":"1","leave_time":"2021-07-13T22:00:00Z","leave_reason":"a<br>b"}}}}`))
	f.Add([]byte(`{"event":"endpoint.url_validation","payload":{"plainToken":"x"}}`))
	f.Add([]byte(`{"event":"user.created","payload":{"object":{"id":"abc"}}}`))
	f.Add([]byte(`{"event":"x","event_ts":"12"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := zoom.ParseEvent(body)
		if err != nil {
			if e.Name != "" || e.Raw != nil {
				t.Fatalf("error %v with a non-zero event", err)
			}
			return
		}
		if e.Name == "" {
			t.Fatal("parsed an event without a name")
		}
		if !bytes.Equal(e.Raw, body) {
			t.Fatal("Raw is not the body")
		}
		if !json.Valid(body) {
			t.Fatal("parsed invalid JSON")
		}
		b, err := json.Marshal(e.Object.ID)
		if err != nil {
			t.Fatal(err)
		}
		var back zoom.MeetingNumber
		if err := json.Unmarshal(b, &back); err != nil || back != e.Object.ID {
			t.Fatalf("meeting number %d did not round-trip: %s, %v", e.Object.ID, b, err)
		}
		_ = e.Time()
		_ = e.IsMeetingEnd()
	})
}
