package models

import "time"

// Segment is one participant row as Zoom reported it: one join..leave of one
// device. Segments are stored verbatim (Raw holds the whole JSON object Zoom
// sent) and the fields rollcall queries, computes with or shows are copied
// into columns beside it.
type Segment struct {
	ID        uint64 `gorm:"primaryKey"`
	MeetingID uint64 `gorm:"not null;index:idx_segments_meeting_join,priority:1"`
	// Seq is the row's position in Zoom's answer, which keeps the original order.
	Seq int `gorm:"not null"`
	// Source is the Zoom API the row came from: "dashboard" or "report".
	Source string `gorm:"size:16;not null"`
	// PersonKey identifies the person within the meeting (docs/ARCHITECTURE.md), e.g.
	// "r:<registrant_id>", "u:<participant_user_id>", "e:<email>" or "n:<name>".
	PersonKey string `gorm:"not null;index"`

	ParticipantID     string // "id": the Zoom user id, empty for guests
	UserID            string // "user_id": per-meeting participant number
	ParticipantUUID   string
	ParticipantUserID string
	RegistrantID      string
	CustomerKey       string
	Name              string // "user_name" (Dashboard) or "name" (Report)
	Email             string // "email" (Dashboard) or "user_email" (Report)

	JoinTime    time.Time  `gorm:"not null;index:idx_segments_meeting_join,priority:2"`
	LeaveTime   *time.Time // nil while the person is still in the meeting
	LeaveReason string     // raw, unsanitized, as Zoom sent it
	Status      string     // "in_meeting" or "in_waiting_room"
	Role        string

	Device    string
	OS        string
	Location  string
	IPAddress string

	// Raw is the participant object exactly as Zoom sent it (compact JSON).
	Raw string `gorm:"not null"`
}
