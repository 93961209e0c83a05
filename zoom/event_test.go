package zoom_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
)

func TestMeetingNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    zoom.MeetingNumber
		wantErr bool
	}{
		{`"85123456789"`, 85123456789, false},
		{`85123456789`, 85123456789, false},
		{`9007199254740993`, 9007199254740993, false}, // 2^53+1: a float64 would round it
		{`"9223372036854775807"`, 9223372036854775807, false},
		{`""`, 0, false},
		{`null`, 0, false},
		{`"9223372036854775808"`, 0, true},
		{`8.5123456789e10`, 0, true},
		{`851234567.5`, 0, true},
		{`-5`, 0, true},
		{`"12a"`, 0, true},
		{`" 123"`, 0, true},
		{`true`, 0, true},
		{`{}`, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var v struct {
				ID zoom.MeetingNumber `json:"id"`
			}
			err := json.Unmarshal([]byte(`{"id":`+tc.in+`}`), &v)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, v.ID)
			b, err := json.Marshal(v)
			require.NoError(t, err)
			assert.Equal(t, `{"id":`+v.ID.String()+`}`, string(b), "marshals as a JSON number")
		})
	}
}

func TestParseEvent(t *testing.T) {
	ts := time.Date(2021, 7, 14, 2, 44, 51, 572_000_000, time.UTC)
	tests := []struct {
		name    string
		body    string
		wantErr string
		check   func(t *testing.T, e zoom.Event)
	}{
		{
			name: "meeting.ended with id as string",
			body: `{"event":"meeting.ended","event_ts":1626230691572,"payload":{"account_id":"AAAAAABBBB","object":{
				"id":"85123456789","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"x1yCzABCDEfg23HiJKl4mN","topic":"My <b>Meeting</b>",
				"type":2,"start_time":"2021-07-13T21:44:51Z","end_time":"2021-07-13T23:00:51Z","timezone":"America/Los_Angeles","duration":60}}}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.Equal(t, zoom.EventMeetingEnded, e.Name)
				assert.True(t, e.IsMeetingEnd())
				assert.Equal(t, int64(1626230691572), e.EventTS)
				assert.Equal(t, ts, e.Time())
				assert.Equal(t, "AAAAAABBBB", e.AccountID)
				assert.Equal(t, zoom.EventObject{
					ID: 85123456789, UUID: "4444AAAiAAAAAiAiAiiAii==", HostID: "x1yCzABCDEfg23HiJKl4mN",
					Topic: "My <b>Meeting</b>", Type: 2,
					StartTime: time.Date(2021, 7, 13, 21, 44, 51, 0, time.UTC),
					EndTime:   ptrTime(time.Date(2021, 7, 13, 23, 0, 51, 0, time.UTC)),
					Timezone:  "America/Los_Angeles", Duration: 60,
				}, e.Object)
			},
		},
		{
			name: "webinar.ended with id as a 12-digit number",
			body: `{"event":"webinar.ended","event_ts":1626230691572,"payload":{"account_id":"A","object":{"id":851234567890,"uuid":"u","type":5,"start_time":"2021-07-13T21:44:51Z","timezone":"UTC","duration":0}}}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.True(t, e.IsMeetingEnd())
				assert.Equal(t, zoom.MeetingNumber(851234567890), e.Object.ID)
				assert.Nil(t, e.Object.EndTime)
			},
		},
		{
			name: "meeting.started",
			body: `{"event":"meeting.started","event_ts":1,"payload":{"object":{"id":"1","uuid":"u","start_time":"2021-07-13T21:44:51Z"}}}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.False(t, e.IsMeetingEnd())
				assert.Nil(t, e.Object.Participant)
			},
		},
		{
			name: "participant_joined",
			body: `{"event":"meeting.participant_joined","event_ts":1626230691572,"payload":{"account_id":"A","object":{
				"id":"85123456789","uuid":"u==","host_id":"h","topic":"t","type":8,"start_time":"2021-07-13T21:44:51Z","duration":30,
				"participant":{"user_id":"16778240","user_name":"Zoë 🎉","id":"","participant_uuid":"67C1A429-1476","join_time":"2021-07-13T21:45:00Z",
				"email":"","registrant_id":"r1","participant_user_id":"","customer_key":"ck","phone_number":"+15551234"}}}}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.Equal(t, zoom.EventParticipantJoined, e.Name)
				assert.Equal(t, &zoom.EventParticipant{
					UserID: "16778240", UserName: "Zoë 🎉", ParticipantUUID: "67C1A429-1476",
					RegistrantID: "r1", CustomerKey: "ck", PhoneNumber: "+15551234",
					JoinTime: ptrTime(time.Date(2021, 7, 13, 21, 45, 0, 0, time.UTC)),
				}, e.Object.Participant)
			},
		},
		{
			name: "participant_left with HTML leave reason",
			body: `{"event":"meeting.participant_left","event_ts":1626230691572,"payload":{"object":{"id":85123456789,"uuid":"u",
				"participant":{"user_id":"1","user_name":"<script>x</script>","leave_time":"2021-07-13T22:00:00Z",
				"leave_reason":"<script>x</script> left the meeting.<br>Reason: Host ended the meeting.","email":"a@b.c"}}}}`,
			check: func(t *testing.T, e zoom.Event) {
				p := e.Object.Participant
				require.NotNil(t, p)
				assert.Equal(t, "<script>x</script> left the meeting.<br>Reason: Host ended the meeting.", p.LeaveReason)
				require.NotNil(t, p.LeaveTime)
				assert.Nil(t, p.JoinTime)
				assert.Equal(t, "a@b.c", p.Email)
			},
		},
		{
			name: "webinar participant_left without leave_time",
			body: `{"event":"webinar.participant_left","event_ts":1,"payload":{"object":{"id":"1","uuid":"u","participant":{"user_id":"1","id":"z8"}}}}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.Nil(t, e.Object.Participant.LeaveTime)
				assert.Equal(t, "z8", e.Object.Participant.ID)
			},
		},
		{
			name: "waiting room event has date_time",
			body: `{"event":"meeting.participant_joined_waiting_room","event_ts":1,"payload":{"object":{"id":"1","uuid":"u","participant":{"user_id":"1","date_time":"2021-07-13T21:40:00Z"}}}}`,
			check: func(t *testing.T, e zoom.Event) {
				require.NotNil(t, e.Object.Participant.DateTime)
				assert.Equal(t, time.Date(2021, 7, 13, 21, 40, 0, 0, time.UTC), *e.Object.Participant.DateTime)
			},
		},
		{
			name: "url_validation",
			body: `{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.Equal(t, zoom.EventURLValidation, e.Name)
				assert.Equal(t, "qgg8vlvZRS6UYooatFL8Aw", e.PlainToken)
				assert.Equal(t, zoom.EventObject{}, e.Object)
			},
		},
		{
			name: "unknown event with a non-numeric object id is accepted",
			body: `{"event":"user.created","event_ts":1,"payload":{"account_id":"A","object":{"id":"KDcuGIm1QgePTO8WbOqwIQ","email":"x@y"}}}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.Equal(t, "user.created", e.Name)
				assert.Equal(t, "A", e.AccountID)
			},
		},
		{
			name: "unexpected field type in a known event is tolerated",
			body: `{"event":"meeting.ended","event_ts":"1626230691572","payload":{"object":{"id":"1","uuid":"u","duration":"60","type":"2"}}}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.Equal(t, ts, e.Time(), "event_ts as a string of digits")
				assert.Equal(t, "u", e.Object.UUID)
				assert.Zero(t, e.Object.Duration)
			},
		},
		{
			name: "no event_ts",
			body: `{"event":"meeting.ended"}`,
			check: func(t *testing.T, e zoom.Event) {
				assert.True(t, e.Time().IsZero())
			},
		},
		{name: "not JSON", body: `event=meeting.ended`, wantErr: "webhook body"},
		{name: "empty", body: ``, wantErr: "webhook body"},
		{name: "array", body: `[{"event":"meeting.ended"}]`, wantErr: "webhook body"},
		{name: "no event", body: `{"event_ts":1,"payload":{}}`, wantErr: `no "event"`},
		{name: "empty event", body: `{"event":""}`, wantErr: `no "event"`},
		{name: "event not a string", body: `{"event":5}`, wantErr: "webhook body"},
		{name: "float event_ts", body: `{"event":"x","event_ts":1.5}`, wantErr: "event_ts"},
		{name: "bad meeting id", body: `{"event":"meeting.ended","payload":{"object":{"id":"12a"}}}`, wantErr: "payload.object"},
		{name: "bad start_time", body: `{"event":"meeting.ended","payload":{"object":{"id":"1","start_time":"13:00"}}}`, wantErr: "start_time"},
		{name: "bad join_time", body: `{"event":"meeting.participant_joined","payload":{"object":{"participant":{"join_time":"now"}}}}`, wantErr: "participant.join_time"},
		{name: "truncated", body: `{"event":"meeting.ended","payload":{"object":{`, wantErr: "webhook body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := zoom.ParseEvent([]byte(tc.body))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Equal(t, zoom.Event{}, e)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.body, string(e.Raw))
			tc.check(t, e)
		})
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
