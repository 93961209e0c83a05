package zoom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Webhook event names (the "event" field).
const (
	EventURLValidation     = "endpoint.url_validation"
	EventMeetingStarted    = "meeting.started"
	EventMeetingEnded      = "meeting.ended"
	EventParticipantJoined = "meeting.participant_joined"
	EventParticipantLeft   = "meeting.participant_left"
	EventWebinarStarted    = "webinar.started"
	EventWebinarEnded      = "webinar.ended"
	// EventWebinarParticipantJoined and EventWebinarParticipantLeft are the
	// webinar twins of EventParticipantJoined and EventParticipantLeft.
	EventWebinarParticipantJoined = "webinar.participant_joined"
	EventWebinarParticipantLeft   = "webinar.participant_left"
	// Waiting-room events carry participant.date_time instead of join/leave times.
	EventParticipantJoinedWaitingRoom = "meeting.participant_joined_waiting_room"
	EventParticipantLeftWaitingRoom   = "meeting.participant_left_waiting_room"
	EventParticipantAdmitted          = "meeting.participant_admitted"
	EventParticipantPutInWaitingRoom  = "meeting.participant_put_in_waiting_room"
	// Breakout-room events carry payload.object.breakout_room_uuid and the
	// participant's join_time or leave_time; ParseEvent parses them on a
	// best-effort basis, as events it does not check strictly.
	EventParticipantJoinedBreakoutRoom = "meeting.participant_joined_breakout_room"
	EventParticipantLeftBreakoutRoom   = "meeting.participant_left_breakout_room"
)

// MeetingNumber is a Zoom meeting (or webinar) number: 9 to 11+ digits.
// Zoom sends it as a JSON string in some events and a JSON number in others;
// UnmarshalJSON accepts both (digits only, no float rounding; "" and null are
// 0). MarshalJSON writes a JSON number.
type MeetingNumber int64

// UnmarshalJSON accepts "85123456789", 85123456789, "" and null.
func (n *MeetingNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		s = s[1 : len(s)-1] // no escapes: the string is what the quotes hold
		if s == "" {
			*n = 0
			return nil
		}
	} else if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("zoom: meeting number: %w", err)
		}
		if s == "" {
			*n = 0
			return nil
		}
	}
	v, err := parseDigits(s)
	if err != nil {
		return fmt.Errorf("zoom: meeting number %.40q: %w", s, err)
	}
	*n = MeetingNumber(v)
	return nil
}

func parseDigits(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a string of digits")
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// MarshalJSON writes the number as a JSON number.
func (n MeetingNumber) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(n), 10), nil
}

// String returns the number's digits.
func (n MeetingNumber) String() string { return strconv.FormatInt(int64(n), 10) }

// Event is a webhook event body. Times are UTC.
type Event struct {
	// Name is the "event" field, such as EventMeetingEnded.
	Name string
	// EventTS is "event_ts": when the event happened, in Unix milliseconds.
	EventTS int64
	// AccountID is payload.account_id, the host's account.
	AccountID string
	// Object is payload.object (zero for endpoint.url_validation).
	Object EventObject
	// PlainToken is payload.plainToken of an endpoint.url_validation event.
	PlainToken string
	// Raw is the exact body that was parsed.
	Raw json.RawMessage
}

// EventObject is payload.object of meeting and webinar events.
type EventObject struct {
	// ID is the meeting number (the PMI for meetings started on a PMI).
	ID MeetingNumber
	// UUID identifies the meeting instance; fetch participants with it.
	UUID string
	// HostID is the host's Zoom user ID.
	HostID string
	// Topic is the meeting's title.
	Topic string
	// Type is Zoom's meeting type.
	Type int
	// StartTime is when the instance started.
	StartTime time.Time
	// EndTime is when it ended (meeting.ended, webinar.ended); nil otherwise.
	EndTime *time.Time
	// Timezone is the meeting's display time zone (IANA), possibly empty.
	Timezone string
	// Duration is the scheduled length in minutes.
	Duration int
	// PracticeSession reports a webinar's practice session (webinar.ended's
	// practice_session); false when absent.
	PracticeSession bool
	// BreakoutRoomUUID is set on breakout-room participant events.
	BreakoutRoomUUID string
	// Participant is set for participant events.
	Participant *EventParticipant
}

// EventParticipant is payload.object.participant of participant events.
type EventParticipant struct {
	// UserID is the per-meeting participant number; it changes on rejoin.
	UserID string
	// UserName is the display name.
	UserName string
	// ID is the Zoom user ID when signed in (deprecated by Zoom).
	ID string
	// ParticipantUUID identifies this join.
	ParticipantUUID string
	// ParticipantUserID is the Zoom user ID when signed in.
	ParticipantUserID string
	// RegistrantID is set for registered attendees.
	RegistrantID string
	// CustomerKey is the Meeting SDK customer key.
	CustomerKey string
	// Email may be empty for guests and external users.
	Email string
	// PhoneNumber is set for phone participants.
	PhoneNumber string
	// LeaveReason is set on participant_left; it may contain HTML.
	LeaveReason string
	// JoinTime is set on participant_joined.
	JoinTime *time.Time
	// LeaveTime is set on participant_left.
	LeaveTime *time.Time
	// DateTime is set on waiting-room events.
	DateTime *time.Time
}

// IsMeetingEnd reports whether e is meeting.ended or webinar.ended.
func (e Event) IsMeetingEnd() bool {
	return e.Name == EventMeetingEnded || e.Name == EventWebinarEnded
}

// Time returns event_ts as a UTC time; zero if event_ts was absent.
func (e Event) Time() time.Time {
	if e.EventTS == 0 {
		return time.Time{}
	}
	return time.UnixMilli(e.EventTS).UTC()
}

type eventJSON struct {
	Event   *string         `json:"event"`
	EventTS json.RawMessage `json:"event_ts"`
	Payload *struct {
		AccountID  string          `json:"account_id"`
		Object     json.RawMessage `json:"object"`
		PlainToken string          `json:"plainToken"`
	} `json:"payload"`
}

type eventObjectJSON struct {
	ID           MeetingNumber `json:"id"`
	UUID         string        `json:"uuid"`
	HostID       string        `json:"host_id"`
	Topic        string        `json:"topic"`
	Type         int           `json:"type"`
	StartTime    *string       `json:"start_time"`
	EndTime      *string       `json:"end_time"`
	Timezone     string        `json:"timezone"`
	Duration     int           `json:"duration"`
	Practice     bool          `json:"practice_session"`
	BreakoutRoom string        `json:"breakout_room_uuid"`
	Participant  *struct {
		UserID            string  `json:"user_id"`
		UserName          string  `json:"user_name"`
		ID                string  `json:"id"`
		ParticipantUUID   string  `json:"participant_uuid"`
		ParticipantUserID string  `json:"participant_user_id"`
		RegistrantID      string  `json:"registrant_id"`
		CustomerKey       string  `json:"customer_key"`
		Email             string  `json:"email"`
		PhoneNumber       string  `json:"phone_number"`
		LeaveReason       string  `json:"leave_reason"`
		JoinTime          *string `json:"join_time"`
		LeaveTime         *string `json:"leave_time"`
		DateTime          *string `json:"date_time"`
	} `json:"participant"`
}

// isKnownEvent reports the events whose payload.object ParseEvent checks strictly.
func isKnownEvent(name string) bool {
	switch name {
	case EventMeetingStarted, EventMeetingEnded, EventParticipantJoined, EventParticipantLeft,
		EventWebinarStarted, EventWebinarEnded, EventWebinarParticipantJoined, EventWebinarParticipantLeft,
		EventParticipantJoinedWaitingRoom, EventParticipantLeftWaitingRoom,
		EventParticipantAdmitted, EventParticipantPutInWaitingRoom:
		return true
	}
	return false
}

// ParseEvent parses a webhook body (verify it first with VerifyWebhook).
// It fails for a body that is not a JSON object, lacks a non-empty "event",
// or has an event_ts that is not an integer. For the meeting and webinar
// events named by this package's Event* constants, a malformed meeting id or
// time in payload.object is an error too; a field of an unexpected JSON type
// elsewhere is left zero. Any other event is parsed on a best-effort basis
// and never fails because of its payload.object; Raw always keeps the body.
func ParseEvent(body []byte) (Event, error) {
	if e, ok := parseEventFast(body); ok {
		return e, nil
	}
	return parseEventSlow(body)
}

// eventFastJSON is a webhook body decoded in one pass, payload.object
// included.
type eventFastJSON struct {
	Event   *string       `json:"event"`
	EventTS MeetingNumber `json:"event_ts"` // same rules: digits as a JSON number or string
	Payload *struct {
		AccountID  string           `json:"account_id"`
		Object     *eventObjectJSON `json:"object"`
		PlainToken string           `json:"plainToken"`
	} `json:"payload"`
}

// parseEventFast is ParseEvent for a well-formed body, in one decoding
// pass: ok is false for anything it does not take as it comes (any
// decoding error, a missing event name, a time that does not parse), and
// parseEventSlow then decides, with its exact errors and its leniency.
func parseEventFast(body []byte) (Event, bool) {
	var env eventFastJSON
	if err := json.Unmarshal(body, &env); err != nil || env.Event == nil || *env.Event == "" {
		return Event{}, false
	}
	e := Event{Name: *env.Event, EventTS: int64(env.EventTS), Raw: bytes.Clone(body)}
	if env.Payload == nil {
		return e, true
	}
	e.AccountID = env.Payload.AccountID
	e.PlainToken = env.Payload.PlainToken
	if j := env.Payload.Object; j != nil {
		o, err := eventObject(j)
		if err != nil {
			return Event{}, false
		}
		e.Object = o
	}
	return e, true
}

// parseEventSlow is ParseEvent in two passes: the envelope, then
// payload.object on its own, so that what is wrong in the object can be
// told from what is wrong in the envelope.
func parseEventSlow(body []byte) (Event, error) {
	var env eventJSON
	if err := json.Unmarshal(body, &env); err != nil {
		return Event{}, fmt.Errorf("zoom: webhook body: %w", err)
	}
	if env.Event == nil || *env.Event == "" {
		return Event{}, errors.New(`zoom: webhook body: no "event"`)
	}
	e := Event{Name: *env.Event, Raw: bytes.Clone(body)}
	if len(env.EventTS) > 0 && string(env.EventTS) != "null" {
		var ts MeetingNumber // same rules: digits as a JSON number or string
		if err := ts.UnmarshalJSON(env.EventTS); err != nil {
			return Event{}, fmt.Errorf("zoom: webhook body: event_ts: %w", err)
		}
		e.EventTS = int64(ts)
	}
	if env.Payload == nil {
		return e, nil
	}
	e.AccountID = env.Payload.AccountID
	e.PlainToken = env.Payload.PlainToken
	if obj := bytes.TrimSpace(env.Payload.Object); len(obj) > 0 && string(obj) != "null" {
		o, err := parseEventObject(obj)
		if err != nil && isKnownEvent(e.Name) {
			return Event{}, fmt.Errorf("zoom: webhook %s: payload.object: %w", e.Name, err)
		}
		e.Object = o
	}
	return e, nil
}

func parseEventObject(b []byte) (EventObject, error) {
	var j eventObjectJSON
	if err := json.Unmarshal(b, &j); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || typeErr.Field == "" {
			return EventObject{}, err
		}
	}
	return eventObject(&j)
}

// eventObject converts a decoded payload.object; the error is the first
// time that does not parse (that field is left zero).
func eventObject(j *eventObjectJSON) (EventObject, error) {
	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	o := EventObject{ID: j.ID, UUID: j.UUID, HostID: j.HostID, Topic: j.Topic, Type: j.Type,
		Timezone: j.Timezone, Duration: j.Duration, PracticeSession: j.Practice, BreakoutRoomUUID: j.BreakoutRoom}
	if j.StartTime != nil {
		t, err := parseTime(*j.StartTime)
		keep(field("start_time", err))
		o.StartTime = t
	}
	o.EndTime = optTime(j.EndTime, "end_time", keep)
	if p := j.Participant; p != nil {
		o.Participant = &EventParticipant{
			UserID: p.UserID, UserName: p.UserName, ID: p.ID, ParticipantUUID: p.ParticipantUUID,
			ParticipantUserID: p.ParticipantUserID, RegistrantID: p.RegistrantID,
			CustomerKey: p.CustomerKey, Email: p.Email, PhoneNumber: p.PhoneNumber,
			LeaveReason: p.LeaveReason,
			JoinTime:    optTime(p.JoinTime, "participant.join_time", keep),
			LeaveTime:   optTime(p.LeaveTime, "participant.leave_time", keep),
			DateTime:    optTime(p.DateTime, "participant.date_time", keep),
		}
	}
	return o, firstErr
}

func field(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// optTime parses an optional time; "" and absent give nil.
func optTime(s *string, name string, keep func(error)) *time.Time {
	if s == nil || *s == "" {
		return nil
	}
	t, err := parseTime(*s)
	if err != nil {
		keep(field(name, err))
		return nil
	}
	return &t
}
