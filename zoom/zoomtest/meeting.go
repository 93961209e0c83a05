package zoomtest

import (
	"slices"
	"time"
)

// Meeting is one ended meeting (or webinar) instance held by the Server.
type Meeting struct {
	// UUID identifies the instance (base64-like, may contain "/", "+", "=").
	UUID string
	// ID is the meeting number.
	ID int64
	// Topic is the meeting's title.
	Topic string
	// HostID, HostName and HostEmail describe the host.
	HostID, HostName, HostEmail string
	// AccountID is the host's account (payload.account_id in webhooks).
	AccountID string
	// Timezone is the display time zone (IANA).
	Timezone string
	// Type is Zoom's meeting type (2 scheduled, 8 recurring, 5 webinar...).
	Type int
	// Webinar serves the instance under the webinar endpoints and events.
	Webinar bool
	// Start and End bound the instance; a zero End is a meeting that has not
	// ended (its participants are never served).
	Start, End time.Time
	// Participants are the rows served, in order.
	Participants []Participant
}

func (m Meeting) clone() Meeting {
	m.Participants = slices.Clone(m.Participants)
	for i := range m.Participants {
		m.Participants[i] = m.Participants[i].clone()
	}
	return m
}

// durationMinutes is the meeting's length in whole minutes, rounded up.
func (m Meeting) durationMinutes() int {
	if m.End.IsZero() {
		return 0
	}
	return int((m.End.Sub(m.Start) + time.Minute - 1) / time.Minute)
}

func pastMeetingJSON(m Meeting) []byte {
	total := time.Duration(0)
	for _, p := range m.Participants {
		if p.Leave != nil && p.Status != "in_waiting_room" {
			total += p.Leave.Sub(p.Join)
		}
	}
	return mustJSON(struct {
		UUID              string `json:"uuid"`
		ID                int64  `json:"id"`
		HostID            string `json:"host_id"`
		Type              int    `json:"type"`
		Topic             string `json:"topic"`
		UserName          string `json:"user_name"`
		UserEmail         string `json:"user_email"`
		StartTime         string `json:"start_time"`
		EndTime           string `json:"end_time"`
		Duration          int    `json:"duration"`
		TotalMinutes      int    `json:"total_minutes"`
		ParticipantsCount int    `json:"participants_count"`
		Source            string `json:"source"`
	}{
		UUID: m.UUID, ID: m.ID, HostID: m.HostID, Type: m.Type, Topic: m.Topic,
		UserName: m.HostName, UserEmail: m.HostEmail,
		StartTime: zoomTime(m.Start), EndTime: zoomTime(m.End), Duration: m.durationMinutes(),
		TotalMinutes: int(total / time.Minute), ParticipantsCount: len(m.Participants), Source: "Zoom",
	})
}
