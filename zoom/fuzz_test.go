package zoom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
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

// FuzzParticipant checks a participant row from Zoom never panics the
// decoder, that Raw keeps the row, and that the typed view survives a
// marshal round trip.
func FuzzParticipant(f *testing.F) {
	f.Add([]byte(`{"id":"d52f","user_id":"1","user_name":"dojo","join_time":"2019-09-07T13:15:02.837Z","leave_time":"2019-09-07T13:15:09Z","internal_ip_addresses":["10.0.0.1"],"audio_call":[{"call_number":"1"}]}`))
	f.Add([]byte(`{"name":"N","user_email":"e","duration":"x","leave_time":null}`))
	f.Add([]byte(`{"join_time":"0000-01-01T00:00:00+01:00"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, row []byte) {
		var p zoom.Participant
		if err := json.Unmarshal(row, &p); err != nil {
			return
		}
		if len(p.Raw) > 0 && !bytes.Equal(p.Raw, bytes.TrimSpace(row)) {
			t.Fatalf("Raw %q is not the row %q", p.Raw, row)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("typed view does not marshal: %v", err)
		}
		var back zoom.Participant
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("typed view does not decode: %v\n%s", err, b)
		}
		back.Raw, p.Raw = nil, nil
		if !reflect.DeepEqual(normalize(p), normalize(back)) {
			t.Fatalf("round trip changed the row:\n%+v\n%+v", p, back)
		}
	})
}

// normalize makes nil and empty slices compare equal.
func normalize(p zoom.Participant) zoom.Participant {
	if len(p.InternalIPAddresses) == 0 {
		p.InternalIPAddresses = nil
	}
	if len(p.AudioCall) == 0 {
		p.AudioCall = nil
	}
	return p
}
