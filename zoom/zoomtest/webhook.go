package zoomtest

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"rollcall/zoom"
)

type eventEnvelope struct {
	Event   string       `json:"event"`
	EventTS int64        `json:"event_ts"`
	Payload eventPayload `json:"payload"`
}

type eventPayload struct {
	AccountID string      `json:"account_id"`
	Object    eventObject `json:"object"`
}

// eventObject is payload.object with id as a JSON string, as Zoom sends it
// for meeting.ended, webinar.ended and participant events.
type eventObject struct {
	ID               string            `json:"id"`
	UUID             string            `json:"uuid"`
	BreakoutRoomUUID string            `json:"breakout_room_uuid,omitempty"`
	HostID           string            `json:"host_id"`
	Topic            string            `json:"topic"`
	Type             int               `json:"type"`
	StartTime        string            `json:"start_time"`
	EndTime          string            `json:"end_time,omitempty"`
	Timezone         string            `json:"timezone,omitempty"`
	Duration         int               `json:"duration"`
	Practice         *bool             `json:"practice_session,omitempty"`
	Participant      *eventParticipant `json:"participant,omitempty"`
}

type eventParticipant struct {
	UserID            string  `json:"user_id"`
	ParentUserID      string  `json:"parent_user_id,omitempty"`
	UserName          string  `json:"user_name"`
	ID                *string `json:"id,omitempty"`
	ParticipantUUID   string  `json:"participant_uuid,omitempty"`
	JoinTime          string  `json:"join_time,omitempty"`
	LeaveTime         string  `json:"leave_time,omitempty"`
	DateTime          string  `json:"date_time,omitempty"`
	LeaveReason       string  `json:"leave_reason,omitempty"`
	Email             string  `json:"email"`
	RegistrantID      string  `json:"registrant_id,omitempty"`
	ParticipantUserID string  `json:"participant_user_id,omitempty"`
	CustomerKey       string  `json:"customer_key,omitempty"`
	PhoneNumber       string  `json:"phone_number,omitempty"`
}

func baseObject(m Meeting) eventObject {
	return eventObject{
		ID: strconv.FormatInt(m.ID, 10), UUID: m.UUID, HostID: m.HostID, Topic: m.Topic,
		Type: m.Type, StartTime: zoomTime(m.Start), Timezone: m.Timezone, Duration: m.durationMinutes(),
	}
}

func eventName(m Meeting, meeting, webinar string) string {
	if m.Webinar {
		return webinar
	}
	return meeting
}

// MeetingEndedBody returns a meeting.ended webhook body for m (webinar.ended
// when m.Webinar), with event_ts in milliseconds and payload.object.id as a
// JSON string of digits, as Zoom sends it. The bytes are what Zoom would
// sign: pass them unchanged to SignedWebhook.
func MeetingEndedBody(m Meeting, eventTS time.Time) []byte {
	obj := baseObject(m)
	if !m.EndTimeUnsent {
		obj.EndTime = zoomTime(m.End)
	}
	if m.Webinar && m.PracticeSession {
		t := true
		obj.Practice = &t
	}
	return mustJSON(eventEnvelope{
		Event:   eventName(m, zoom.EventMeetingEnded, zoom.EventWebinarEnded),
		EventTS: eventTS.UnixMilli(),
		Payload: eventPayload{AccountID: m.AccountID, Object: obj},
	})
}

// MeetingStartedBody returns a meeting.started (or webinar.started) body.
func MeetingStartedBody(m Meeting, eventTS time.Time) []byte {
	return mustJSON(eventEnvelope{
		Event:   eventName(m, zoom.EventMeetingStarted, zoom.EventWebinarStarted),
		EventTS: eventTS.UnixMilli(),
		Payload: eventPayload{AccountID: m.AccountID, Object: baseObject(m)},
	})
}

// ParticipantJoinedBody returns a meeting.participant_joined (or webinar
// twin) body for row p of m, at p.Join.
func ParticipantJoinedBody(m Meeting, p Participant, eventTS time.Time) []byte {
	obj := baseObject(m)
	obj.Participant = eventPart(p)
	obj.Participant.JoinTime = zoomTime(p.Join)
	if m.Webinar && obj.Participant.ID == nil {
		// The webinar event's participant.id is required: "" for guests.
		obj.Participant.ID = new(string)
	}
	return mustJSON(eventEnvelope{
		Event:   eventName(m, zoom.EventParticipantJoined, zoom.EventWebinarParticipantJoined),
		EventTS: eventTS.UnixMilli(),
		Payload: eventPayload{AccountID: m.AccountID, Object: obj},
	})
}

// ParticipantLeftBody returns a meeting.participant_left (or webinar twin)
// body for row p of m, at p.Leave (omitted when nil).
func ParticipantLeftBody(m Meeting, p Participant, eventTS time.Time) []byte {
	obj := baseObject(m)
	obj.Participant = eventPart(p)
	if p.Leave != nil {
		obj.Participant.LeaveTime = zoomTime(*p.Leave)
	}
	obj.Participant.LeaveReason = p.LeaveReason
	return mustJSON(eventEnvelope{
		Event:   eventName(m, zoom.EventParticipantLeft, zoom.EventWebinarParticipantLeft),
		EventTS: eventTS.UnixMilli(),
		Payload: eventPayload{AccountID: m.AccountID, Object: obj},
	})
}

func eventPart(p Participant) *eventParticipant {
	e := &eventParticipant{
		UserID: p.UserID, UserName: p.Name, ParticipantUUID: p.ParticipantUUID,
		Email: p.Email, RegistrantID: p.RegistrantID, ParticipantUserID: p.ParticipantUserID,
		CustomerKey: p.CustomerKey, PhoneNumber: p.PhoneNumber,
	}
	if p.ParticipantUserID != "" {
		id := p.ParticipantUserID
		e.ID = &id
	}
	return e
}

// WaitingRoomBody returns a waiting-room event body for row p of meeting m:
// event is zoom.EventParticipantJoinedWaitingRoom,
// EventParticipantLeftWaitingRoom, EventParticipantAdmitted or
// EventParticipantPutInWaitingRoom. The participant carries date_time (at)
// instead of join_time or leave_time, as Zoom sends it.
func WaitingRoomBody(event string, m Meeting, p Participant, at, eventTS time.Time) []byte {
	obj := baseObject(m)
	obj.Participant = eventPart(p)
	obj.Participant.DateTime = zoomTime(at)
	return mustJSON(eventEnvelope{
		Event: event, EventTS: eventTS.UnixMilli(),
		Payload: eventPayload{AccountID: m.AccountID, Object: obj},
	})
}

// BreakoutRoomBody returns a meeting.participant_joined_breakout_room body
// (joined) at p.Join, or a meeting.participant_left_breakout_room body at
// p.Leave, for row p of m; payload.object.breakout_room_uuid is
// p.BOMeetingID.
func BreakoutRoomBody(joined bool, m Meeting, p Participant, eventTS time.Time) []byte {
	obj := baseObject(m)
	obj.BreakoutRoomUUID = p.BOMeetingID
	obj.Participant = eventPart(p)
	obj.Participant.ParentUserID = p.ParentUserID
	event := zoom.EventParticipantJoinedBreakoutRoom
	if joined {
		obj.Participant.JoinTime = zoomTime(p.Join)
	} else {
		event = zoom.EventParticipantLeftBreakoutRoom
		if p.Leave != nil {
			obj.Participant.LeaveTime = zoomTime(*p.Leave)
		}
		obj.Participant.LeaveReason = p.LeaveReason
	}
	return mustJSON(eventEnvelope{
		Event: event, EventTS: eventTS.UnixMilli(),
		Payload: eventPayload{AccountID: m.AccountID, Object: obj},
	})
}

// WebhookEvent is one webhook Zoom would send: its name, when it happened
// (event_ts) and the exact body to sign.
type WebhookEvent struct {
	// Name is the "event" field.
	Name string
	// Time is when the event happened; event_ts in the body is its milliseconds.
	Time time.Time
	// Body is the JSON body, as Zoom would sign it.
	Body []byte
}

// Signed returns the event as a signed POST to url, as SignedWebhook does.
func (e WebhookEvent) Signed(url, secret string, now time.Time) (*http.Request, error) {
	return SignedWebhook(url, secret, e.Body, now)
}

// MeetingEvents returns the webhooks Zoom would send for m, in the order of
// their times (stable for equal times): meeting.started; per row, the
// waiting-room events of an in_waiting_room row (joined_waiting_room at
// Join, then participant_admitted when its leave reason is "Leave waiting
// room." or left_waiting_room otherwise), the breakout-room events of a row
// with a BOMeetingID, or participant_joined and participant_left (left only
// when the row has a Leave); then meeting.ended. A webinar gets the
// webinar.* twins and no waiting-room or breakout events, which Zoom does
// not send for webinars. Every body carries participant_uuid,
// participant_user_id, email, phone_number, join_time or leave_time and
// leave_reason as the row has them.
func MeetingEvents(m Meeting) []WebhookEvent {
	var evs []WebhookEvent
	add := func(name string, at time.Time, body func(time.Time) []byte) {
		evs = append(evs, WebhookEvent{Name: name, Time: at, Body: body(at)})
	}
	add(eventName(m, zoom.EventMeetingStarted, zoom.EventWebinarStarted), m.Start,
		func(at time.Time) []byte { return MeetingStartedBody(m, at) })
	for _, p := range m.Participants {
		switch {
		case p.Status == "in_waiting_room":
			if m.Webinar {
				continue
			}
			add(zoom.EventParticipantJoinedWaitingRoom, p.Join, func(at time.Time) []byte {
				return WaitingRoomBody(zoom.EventParticipantJoinedWaitingRoom, m, p, p.Join, at)
			})
			if p.Leave != nil {
				name := zoom.EventParticipantLeftWaitingRoom
				if strings.Contains(p.LeaveReason, "Leave waiting room.") {
					name = zoom.EventParticipantAdmitted
				}
				add(name, *p.Leave, func(at time.Time) []byte { return WaitingRoomBody(name, m, p, at, at) })
			}
		case p.BOMeetingID != "" && !m.Webinar:
			add(zoom.EventParticipantJoinedBreakoutRoom, p.Join,
				func(at time.Time) []byte { return BreakoutRoomBody(true, m, p, at) })
			if p.Leave != nil {
				add(zoom.EventParticipantLeftBreakoutRoom, *p.Leave,
					func(at time.Time) []byte { return BreakoutRoomBody(false, m, p, at) })
			}
		default:
			add(eventName(m, zoom.EventParticipantJoined, zoom.EventWebinarParticipantJoined), p.Join,
				func(at time.Time) []byte { return ParticipantJoinedBody(m, p, at) })
			if p.Leave != nil {
				add(eventName(m, zoom.EventParticipantLeft, zoom.EventWebinarParticipantLeft), *p.Leave,
					func(at time.Time) []byte { return ParticipantLeftBody(m, p, at) })
			}
		}
	}
	if !m.End.IsZero() {
		add(eventName(m, zoom.EventMeetingEnded, zoom.EventWebinarEnded), m.End,
			func(at time.Time) []byte { return MeetingEndedBody(m, at) })
	}
	slices.SortStableFunc(evs, func(a, b WebhookEvent) int { return a.Time.Compare(b.Time) })
	return evs
}

// URLValidationBody returns an endpoint.url_validation body with plainToken.
func URLValidationBody(plainToken string, eventTS time.Time) []byte {
	return mustJSON(struct {
		Event   string `json:"event"`
		EventTS int64  `json:"event_ts"`
		Payload struct {
			PlainToken string `json:"plainToken"`
		} `json:"payload"`
	}{Event: zoom.EventURLValidation, EventTS: eventTS.UnixMilli(), Payload: struct {
		PlainToken string `json:"plainToken"`
	}{plainToken}})
}

// SignedWebhook returns a POST of body to url signed as Zoom signs webhooks:
// x-zm-request-timestamp is now in Unix seconds and x-zm-signature is
// zoom.Sign(secret, timestamp, body); content-type and user-agent are
// Zoom's. Send it with an http.Client, or serve it to a handler directly
// (httptest.NewRecorder).
func SignedWebhook(url, secret string, body []byte, now time.Time) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("zoomtest: signed webhook: %w", err)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Zoom Marketplace/1.0a")
	req.Header.Set(zoom.HeaderTimestamp, ts)
	req.Header.Set(zoom.HeaderSignature, zoom.Sign(secret, ts, body))
	return req, nil
}
