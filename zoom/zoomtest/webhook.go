package zoomtest

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
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
	ID          string            `json:"id"`
	UUID        string            `json:"uuid"`
	HostID      string            `json:"host_id"`
	Topic       string            `json:"topic"`
	Type        int               `json:"type"`
	StartTime   string            `json:"start_time"`
	EndTime     string            `json:"end_time,omitempty"`
	Timezone    string            `json:"timezone,omitempty"`
	Duration    int               `json:"duration"`
	Participant *eventParticipant `json:"participant,omitempty"`
}

type eventParticipant struct {
	UserID            string `json:"user_id"`
	UserName          string `json:"user_name"`
	ID                string `json:"id,omitempty"`
	ParticipantUUID   string `json:"participant_uuid,omitempty"`
	JoinTime          string `json:"join_time,omitempty"`
	LeaveTime         string `json:"leave_time,omitempty"`
	LeaveReason       string `json:"leave_reason,omitempty"`
	Email             string `json:"email"`
	RegistrantID      string `json:"registrant_id,omitempty"`
	ParticipantUserID string `json:"participant_user_id,omitempty"`
	CustomerKey       string `json:"customer_key,omitempty"`
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
	obj.EndTime = zoomTime(m.End)
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
	return &eventParticipant{
		UserID: p.UserID, UserName: p.Name, ID: p.ParticipantUserID, ParticipantUUID: p.ParticipantUUID,
		Email: p.Email, RegistrantID: p.RegistrantID, ParticipantUserID: p.ParticipantUserID,
		CustomerKey: p.CustomerKey,
	}
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
