package zoom

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseEventPassesAgree checks the one-pass decoding against the
// two-pass one it short-cuts: whenever parseEventFast takes a body, it
// gives what parseEventSlow gives. Bodies that repeat a key are left out:
// encoding/json merges a repeated object into a struct but replaces a raw
// one, and Zoom signs no such body.
func FuzzParseEventPassesAgree(f *testing.F) {
	for _, body := range []string{
		`{"event":"meeting.participant_left","event_ts":1741017600000,"payload":{"account_id":"2RFWC-2e9E4z6kpI-in19j","object":{"id":"88217570014","uuid":"zXeE0Zwwuk0UlKdzF71jYA==","host_id":"yfK_FqiAMNQMpwA4_2FR4V","topic":"Lecture 12: Graphs","type":2,"start_time":"2025-03-03T15:00:00Z","timezone":"America/New_York","duration":60,"participant":{"user_id":"16779264","user_name":"Hana Host","id":"yfK_FqiAMNQMpwA4_2FR4V","participant_uuid":"E93EF574-3163-6F26-A118-25F5B8B47EAA","leave_time":"2025-03-03T16:00:00Z","leave_reason":"Hana Host left the meeting.<br>Reason: Host ended the meeting.","email":"hana.host@example.com","participant_user_id":"yfK_FqiAMNQMpwA4_2FR4V"}}}}`,
		`{"event":"meeting.ended","event_ts":"1626230691572","payload":{"account_id":"A","object":{"id":85123456789,"uuid":"u==","start_time":"2021-07-13T21:44:51Z","end_time":"2021-07-13T23:00:51Z"}}}`,
		`{"event":"webinar.ended","payload":{"object":{"id":"\u00385123456789","uuid":"w==","practice_session":true}}}`,
		`{"event":"meeting.started","event_ts":"","payload":{"object":null}}`,
		`{"event":"meeting.started","payload":{"object":{"id":"12a"}}}`,
		`{"event":"meeting.started","payload":{"object":{"start_time":"yesterday"}}}`,
		`{"event":"user.created","payload":{"object":{"start_time":"yesterday","id":"abc"}}}`,
		`{"event":"meeting.participant_joined","payload":{"object":{"participant":{"join_time":"2021-07-13T21:44:51+02:00","user_id":5}}}}`,
		`{"event":"meeting.participant_joined","payload":{"object":"not an object"}}`,
		`{"event":"endpoint.url_validation","payload":{"plainToken":"x"}}`,
		`{"event":"x","event_ts":1.5}`,
		`{"event":"","payload":{}}`,
		`{"EVENT":"meeting.ended","Payload":{"Object":{"UUID":"case"}}}`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := parseEventFast(body)
		if !ok || repeatsAKey(body) {
			return
		}
		slow, err := parseEventSlow(body)
		if err != nil {
			t.Fatalf("one pass took a body that two passes refuse (%v)", err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("the passes disagree:\n one: %+v\n two: %+v", fast, slow)
		}
	})
}

// repeatsAKey reports whether some JSON object in body (which must be
// valid JSON) names a key twice, comparing keys as encoding/json matches
// them to fields: without regard to case.
func repeatsAKey(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.object {
					top.key = true // the object or array was a value
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, key: v == '{'})
				continue
			default:
				stack = stack[:len(stack)-1]
				continue
			}
		case string:
			if top != nil && top.object && top.key {
				k := string(bytes.ToLower([]byte(v)))
				if top.keys[k] {
					return true
				}
				top.keys[k] = true
				top.key = false
				continue
			}
		}
		if top != nil && top.object {
			top.key = true
		}
	}
}
