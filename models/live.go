package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FetchLive is the fetch state of a meeting instance known only from its
// live participant events: it has started and not ended (EndTime is nil).
// meeting.ended turns it into FetchPending.
const FetchLive = "live"

// SourceWebhooks is the Source of a meeting whose segments were built from
// its live participant events ("from live events"), beside the Zoom APIs'
// "dashboard" and "report".
const SourceWebhooks = "webhooks"

// Statuses of segments built from live events.
const (
	// StatusInMeeting is the status of an in-meeting segment.
	StatusInMeeting = "in_meeting"
)

// ParticipantEvent is one live participant event Zoom posted
// (meeting.participant_joined, ..._left, the waiting-room, breakout and
// join-before-host events, and the webinar twins), reduced to what live
// attendance needs; the raw body is the WebhookEvent's. One event is one
// row however often it is delivered: rows are unique on (MeetingUUID,
// ParticipantKey, Event, EventTime).
type ParticipantEvent struct {
	ID          uint64 `gorm:"primaryKey"`
	MeetingUUID string `gorm:"not null;uniqueIndex:idx_participant_events_dedup,priority:1"`
	// ParticipantKey pairs a participant's events: "p:" and the
	// participant_uuid, else the person key (EventParticipantKey).
	ParticipantKey string `gorm:"not null;uniqueIndex:idx_participant_events_dedup,priority:2"`
	// Event is Zoom's event name, such as meeting.participant_joined.
	Event string `gorm:"not null;uniqueIndex:idx_participant_events_dedup,priority:3"`
	// EventTime is the participant's join_time, leave_time or date_time
	// (event_ts when the event has none of them).
	EventTime time.Time `gorm:"not null;uniqueIndex:idx_participant_events_dedup,priority:4"`

	ParticipantUUID   string
	UserID            string // per-meeting participant number
	ParticipantID     string // "id"
	ParticipantUserID string
	RegistrantID      string
	CustomerKey       string
	Name              string
	Email             string
	LeaveReason       string
	ReceivedAt        time.Time `gorm:"not null"`
}

// EventParticipantKey returns the key that pairs one participant's live
// events within a meeting: "p:" and the participant_uuid when there is one,
// else the person key of PersonKey; a participant with no identity at all
// is keyed by Zoom's per-meeting user_id ("a:uid:").
func EventParticipantKey(participantUUID, registrantID, participantUserID, id, email, name, userID string) string {
	if v := strings.TrimSpace(participantUUID); v != "" {
		return "p:" + v
	}
	k := PersonKey(registrantID, participantUserID, id, email, name)
	if k == KeyPrefixAnonymous {
		return KeyPrefixAnonymous + "uid:" + strings.TrimSpace(userID)
	}
	return k
}

// liveKind is what an event means for live attendance.
type liveKind int

const (
	kindOther      liveKind = iota // breakout rooms, jbh_joined: kept, not attendance
	kindJoin                       // opens an in-meeting segment
	kindLeave                      // closes it
	kindWaitingIn                  // opens a waiting-room segment
	kindWaitingOut                 // closes it
)

// kindOf classifies Zoom's event names.
func kindOf(event string) liveKind {
	switch event {
	case "meeting.participant_joined", "webinar.participant_joined":
		return kindJoin
	case "meeting.participant_left", "webinar.participant_left":
		return kindLeave
	case "meeting.participant_joined_waiting_room", "meeting.participant_put_in_waiting_room",
		"meeting.participant_jbh_waiting":
		return kindWaitingIn
	case "meeting.participant_left_waiting_room", "meeting.participant_admitted",
		"meeting.participant_jbh_waiting_left":
		return kindWaitingOut
	}
	return kindOther
}

// IsParticipantEvent reports whether Zoom's event name is one of the live
// participant events that ParticipantEvent stores.
func IsParticipantEvent(event string) bool {
	return strings.HasPrefix(event, "meeting.participant_") || strings.HasPrefix(event, "webinar.participant_")
}

// LiveSegments builds a meeting's segments from its live participant events,
// by event time and never by arrival order, so that the same set of events
// in any order and with any duplicates gives the same segments (rows equal
// on MeetingUUID, ParticipantKey, Event and EventTime are one event; of such
// rows the one with the smallest fields is used).
//
// Per participant key, a join opens an in-meeting segment and the earliest
// leave at or after it closes it (several open joins are closed first in,
// first out); a join and a leave at the same instant make a segment of no
// length. A leave with no open join before it is kept as a segment from
// start (the meeting's start; from the leave itself when start is zero or
// later), since the participant was there before it. A join with no leave
// yet is a segment with no LeaveTime: still in while live, until the end
// once the meeting has ended. Waiting-room events (joined/left waiting room,
// put in waiting room, admitted, join-before-host waiting) pair the same way
// into segments of status StatusWaitingRoom, which never count as attended
// time. Breakout-room and other events make no segment.
//
// A segment takes the identity fields of its opening event, filling empty
// ones from its closing event, the leave reason of its closing event, and
// its PersonKey from Segment.Key, as a fetched segment does; Source is
// SourceWebhooks and Seq numbers the segments in order of join time. It does
// no I/O and cannot fail; evs is not modified.
func LiveSegments(evs []ParticipantEvent, start time.Time) []Segment {
	type item struct {
		ev   *ParticipantEvent
		kind liveKind
	}
	items := make([]item, 0, len(evs))
	for i := range evs {
		if k := kindOf(evs[i].Event); k != kindOther {
			items = append(items, item{&evs[i], k})
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := strings.Compare(a.ev.ParticipantKey, b.ev.ParticipantKey); c != 0 {
			return c
		}
		if c := a.ev.EventTime.Compare(b.ev.EventTime); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kind, b.kind); c != 0 { // opens before closes at one instant
			return c
		}
		if c := strings.Compare(a.ev.Event, b.ev.Event); c != 0 {
			return c
		}
		return compareEventFields(a.ev, b.ev)
	})

	var segs []Segment
	open := map[bool][]*ParticipantEvent{} // waiting? -> open events, oldest first
	flush := func() {
		for _, waiting := range []bool{false, true} {
			for _, o := range open[waiting] {
				segs = append(segs, liveSegment(o, nil, o.EventTime, waiting))
			}
		}
		clear(open)
	}
	for i, it := range items {
		ev := it.ev
		if i > 0 {
			prev := items[i-1].ev
			if prev.ParticipantKey != ev.ParticipantKey {
				flush()
			} else if prev.Event == ev.Event && prev.EventTime.Equal(ev.EventTime) {
				continue // the same event again
			}
		}
		waiting := it.kind == kindWaitingIn || it.kind == kindWaitingOut
		switch it.kind {
		case kindJoin, kindWaitingIn:
			open[waiting] = append(open[waiting], ev)
		case kindLeave, kindWaitingOut:
			if q := open[waiting]; len(q) > 0 {
				segs = append(segs, liveSegment(q[0], ev, q[0].EventTime, waiting))
				open[waiting] = q[1:]
				continue
			}
			join := start
			if join.IsZero() || join.After(ev.EventTime) {
				join = ev.EventTime
			}
			segs = append(segs, liveSegment(ev, ev, join, waiting))
		}
	}
	flush()

	slices.SortStableFunc(segs, func(a, b Segment) int {
		if c := a.JoinTime.Compare(b.JoinTime); c != 0 {
			return c
		}
		if c := strings.Compare(a.PersonKey, b.PersonKey); c != 0 {
			return c
		}
		return strings.Compare(a.ParticipantUUID, b.ParticipantUUID)
	})
	for i := range segs {
		segs[i].Seq = i
	}
	return segs
}

// compareEventFields orders two rows of one event by their other fields, so
// that a choice between copies is the same whatever their order.
func compareEventFields(a, b *ParticipantEvent) int {
	for _, p := range [][2]string{
		{a.ParticipantUUID, b.ParticipantUUID}, {a.UserID, b.UserID}, {a.ParticipantID, b.ParticipantID},
		{a.ParticipantUserID, b.ParticipantUserID}, {a.RegistrantID, b.RegistrantID},
		{a.CustomerKey, b.CustomerKey}, {a.Name, b.Name}, {a.Email, b.Email}, {a.LeaveReason, b.LeaveReason},
	} {
		if c := strings.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	return 0
}

// liveSegment makes the segment opened by from (the closing event when
// there was no opening one) and closed by to (nil: not yet), joined at join.
func liveSegment(from, to *ParticipantEvent, join time.Time, waiting bool) Segment {
	s := Segment{
		Source:            SourceWebhooks,
		ParticipantID:     from.ParticipantID,
		UserID:            from.UserID,
		ParticipantUUID:   from.ParticipantUUID,
		ParticipantUserID: from.ParticipantUserID,
		RegistrantID:      from.RegistrantID,
		CustomerKey:       from.CustomerKey,
		Name:              from.Name,
		Email:             from.Email,
		JoinTime:          join.UTC(),
		Status:            StatusInMeeting,
		Raw:               "{}",
	}
	if waiting {
		s.Status = StatusWaitingRoom
	}
	if to != nil {
		fill := func(dst *string, v string) {
			if strings.TrimSpace(*dst) == "" {
				*dst = v
			}
		}
		fill(&s.ParticipantID, to.ParticipantID)
		fill(&s.UserID, to.UserID)
		fill(&s.ParticipantUUID, to.ParticipantUUID)
		fill(&s.ParticipantUserID, to.ParticipantUserID)
		fill(&s.RegistrantID, to.RegistrantID)
		fill(&s.CustomerKey, to.CustomerKey)
		fill(&s.Name, to.Name)
		fill(&s.Email, to.Email)
		leave := to.EventTime.UTC()
		s.LeaveTime = &leave
		s.LeaveReason = to.LeaveReason
	}
	s.PersonKey = s.Key()
	return s
}

// LiveMeeting is what a meeting.started or participant event tells about
// the meeting instance it belongs to.
type LiveMeeting struct {
	UUID          string
	MeetingNumber int64
	Webinar       bool
	Topic         string
	HostID        string
	Type          int
	// StartTime is payload.object.start_time, else the event's time.
	StartTime time.Time
	Timezone  string
	AccountID string
}

// EnsureLiveMeetings creates, in one statement, the meeting instance of
// each of ms that is not stored yet, as live (FetchLive, no end). An
// instance already stored, live or ended, is left as it is, but for a topic
// or host it lacked. Of several entries for one UUID the first is used.
func (s *Tx) EnsureLiveMeetings(ctx context.Context, ms []LiveMeeting) error {
	if len(ms) == 0 {
		return nil
	}
	rows := make([]LiveMeeting, 0, len(ms))
	seen := map[string]bool{}
	for _, m := range ms {
		m.UUID = cleanText(m.UUID)
		if m.UUID == "" || seen[m.UUID] {
			continue
		}
		seen[m.UUID] = true
		rows = append(rows, m)
	}
	now := time.Now().UTC()
	err := s.insertRows(ctx, &liveMeetingInsert, len(rows), func(i int, args []any) []any {
		m := rows[i]
		return append(args, m.UUID, m.MeetingNumber, m.Webinar, m.Topic, m.HostID, "", "", m.Type,
			m.StartTime.UTC(), m.Timezone, m.AccountID, FetchLive, "", "", now, now)
	}, nil)
	if err != nil {
		return fmt.Errorf("models: live meetings: %w", err)
	}
	return nil
}

// liveMeetingInsert creates live meeting instances (EnsureLiveMeetings):
// the columns GORM's Create of a Meeting writes, with the same values, and
// the topic and host of a stored instance filled in where empty (and the
// row not written at all when neither is).
var liveMeetingInsert = rowInsert{
	table: "meetings",
	cols: []string{"uuid", "meeting_number", "webinar", "topic", "host_id", "host_name", "host_email", "type",
		"start_time", "timezone", "account_id", "fetch_status", "last_error", "source", "created_at", "updated_at"},
	suffix: "ON CONFLICT (uuid) DO UPDATE SET " +
		"topic = CASE WHEN meetings.topic = '' THEN excluded.topic ELSE meetings.topic END, " +
		"host_id = CASE WHEN meetings.host_id = '' THEN excluded.host_id ELSE meetings.host_id END " +
		// A stored instance with both is left unwritten: each batch of a
		// live meeting's events would otherwise rewrite its row.
		"WHERE meetings.topic = '' OR meetings.host_id = ''",
}

// participantEventInsert stores live participant events; one stored
// already is left as it is.
var participantEventInsert = rowInsert{
	table: "participant_events",
	cols: []string{"meeting_uuid", "participant_key", "event", "event_time", "participant_uuid", "user_id",
		"participant_id", "participant_user_id", "registrant_id", "customer_key", "name", "email",
		"leave_reason", "received_at"},
	suffix: "ON CONFLICT DO NOTHING",
}

// RecordParticipantEvents stores evs, one row per distinct (MeetingUUID,
// ParticipantKey, Event, EventTime), in as few statements as the engine
// allows; events stored already are left as they are.
func (s *Tx) RecordParticipantEvents(ctx context.Context, evs []ParticipantEvent) error {
	if len(evs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	for i := range evs {
		evs[i].ID = 0
		evs[i].EventTime = evs[i].EventTime.UTC()
		if evs[i].ReceivedAt.IsZero() {
			evs[i].ReceivedAt = now
		}
	}
	err := s.insertRows(ctx, &participantEventInsert, len(evs), func(i int, args []any) []any {
		e := &evs[i]
		return append(args, e.MeetingUUID, e.ParticipantKey, e.Event, e.EventTime, e.ParticipantUUID, e.UserID,
			e.ParticipantID, e.ParticipantUserID, e.RegistrantID, e.CustomerKey, e.Name, e.Email,
			e.LeaveReason, e.ReceivedAt)
	}, nil)
	if err != nil {
		return fmt.Errorf("models: record %d participant events: %w", len(evs), err)
	}
	return nil
}

// ParticipantEvents returns the stored live participant events of the
// meeting instance with the Zoom UUID uuid, in no particular order.
func (s *Store) ParticipantEvents(ctx context.Context, uuid string) ([]ParticipantEvent, error) {
	var evs []ParticipantEvent
	if err := s.db.WithContext(ctx).Where("meeting_uuid = ?", uuid).Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("models: participant events of %s: %w", uuid, err)
	}
	return evs, nil
}

// EventSegments returns the segments of meeting m built from its live
// participant events (LiveSegments); none when it has no events.
func (s *Store) EventSegments(ctx context.Context, m Meeting) ([]Segment, error) {
	evs, err := s.ParticipantEvents(ctx, m.UUID)
	if err != nil {
		return nil, err
	}
	segs := LiveSegments(evs, m.StartTime)
	for i := range segs {
		segs[i].MeetingID = m.ID
	}
	return segs, nil
}

// OrEventSegments returns stored, the segments read for meeting m, or,
// when m is not fetched and has none stored (live, or ended and still
// waiting for Zoom), the segments its live participant events make
// (fromEvents): what a page, a download or the API shows provisionally
// until the fetch replaces it.
func (s *Store) OrEventSegments(ctx context.Context, m Meeting, stored []Segment) (segs []Segment, fromEvents bool, err error) {
	if m.FetchStatus == FetchFetched || len(stored) > 0 {
		return stored, false, nil
	}
	evSegs, err := s.EventSegments(ctx, m)
	if err != nil {
		return nil, false, err
	}
	if len(evSegs) == 0 {
		return stored, false, nil
	}
	return evSegs, true, nil
}

// LiveMeetings returns up to limit meeting instances that are live (known
// from their live events, not ended yet), latest start first.
func (s *Store) LiveMeetings(ctx context.Context, limit int) ([]Meeting, error) {
	var ms []Meeting
	err := s.db.WithContext(ctx).Select(listColumns).Where("fetch_status = ?", FetchLive).
		Order("start_time DESC, id DESC").Limit(limit).Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("models: live meetings: %w", err)
	}
	return ms, nil
}
