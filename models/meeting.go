package models

import "time"

// Fetch states of a meeting instance.
const (
	FetchPending  = "pending"  // waiting for its fetch job
	FetchFetching = "fetching" // a worker is pulling participants
	FetchFetched  = "fetched"  // every segment is stored
	FetchFailed   = "failed"   // gave up; LastError says why
)

// How a meeting instance reached rollcall (Meeting.ArrivedVia).
const (
	ArrivedWebhook  = "webhook"  // Zoom's meeting.ended (or a live event)
	ArrivedSweep    = "sweep"    // the periodic sweep of Zoom's past-meeting lists
	ArrivedBackfill = "backfill" // `rollcall backfill`
)

// Meeting is one instance of a Zoom meeting or webinar, keyed by its UUID.
// The meeting number groups instances into a series.
type Meeting struct {
	ID            uint64 `gorm:"primaryKey"`
	UUID          string `gorm:"not null;uniqueIndex"`
	MeetingNumber int64  `gorm:"not null;index"`
	Webinar       bool   `gorm:"not null;default:false"`
	Topic         string
	HostID        string
	HostName      string
	HostEmail     string
	Type          int
	StartTime     time.Time  `gorm:"not null;index"`
	EndTime       *time.Time // nil while live or unknown
	Timezone      string
	AccountID     string

	FetchStatus   string `gorm:"size:16;not null;default:pending;index:idx_meetings_status_updated,priority:1"`
	FetchAttempts int    `gorm:"not null;default:0"`
	LastError     string
	Source        string `gorm:"size:16"` // participants API that answered
	FetchedAt     *time.Time
	People        int `gorm:"not null;default:0"` // distinct persons, set on fetch
	SegmentCount  int `gorm:"not null;default:0"`

	CreatedAt time.Time
	// The (fetch_status, updated_at) index serves the admin queue and the
	// reconciler, which look for the few meetings not fetched.
	UpdatedAt time.Time `gorm:"index:idx_meetings_status_updated,priority:2"`

	// ArrivedVia is how rollcall learned of the meeting: ArrivedWebhook,
	// ArrivedSweep or ArrivedBackfill (schema version 2, hence last). Only
	// InsertDiscovered writes it; the column's default, webhook, covers
	// every other insert, so the Store's other writes also run on a
	// database still at version 1.
	ArrivedVia string `gorm:"size:16;not null;default:webhook;index;<-:false"`
	// PracticeSession marks a webinar's practice session (schema version
	// 4). Only UpsertEndedMeeting writes it, for the same reason as
	// ArrivedVia.
	PracticeSession bool `gorm:"not null;default:false;<-:false"`
	// RawKeys is the JSON array of the distinct top-level keys of the
	// segments' Raw objects, sorted (schema version 8); nil when unknown.
	// Only ReplaceSegments writes it (SegmentRawKeys reads it).
	RawKeys *string `gorm:"<-:false"`
}
