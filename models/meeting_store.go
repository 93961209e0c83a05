package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// MeetingEnded is what a meeting.ended (or webinar.ended) webhook tells about
// a meeting instance.
type MeetingEnded struct {
	UUID          string
	MeetingNumber int64
	Webinar       bool
	Topic         string
	HostID        string
	Type          int
	StartTime     time.Time
	EndTime       *time.Time
	Timezone      string
	AccountID     string
	// PracticeSession marks a webinar's practice session.
	PracticeSession bool
}

// UpsertEndedMeeting creates the meeting instance of e, or fills in what an
// existing row lacks. It returns the stored meeting. A meeting already being
// fetched or fetched keeps its fetch state; a live one (FetchLive, made by
// its participant events) ends: it becomes pending, with e's start and end.
func (s *Store) UpsertEndedMeeting(ctx context.Context, e MeetingEnded) (Meeting, error) {
	e.UUID = cleanText(e.UUID) // it is looked up below, not only written
	m := Meeting{
		UUID:          e.UUID,
		MeetingNumber: e.MeetingNumber,
		Webinar:       e.Webinar,
		Topic:         e.Topic,
		HostID:        e.HostID,
		Type:          e.Type,
		StartTime:     e.StartTime.UTC(),
		Timezone:      e.Timezone,
		AccountID:     e.AccountID,
		FetchStatus:   FetchPending,
	}
	if e.EndTime != nil {
		end := e.EndTime.UTC()
		m.EndTime = &end
	}
	err := s.write(ctx, func(db *gorm.DB) error {
		err := db.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "uuid"}},
			DoUpdates: clause.Assignments(map[string]any{
				"end_time":   gorm.Expr("COALESCE(meetings.end_time, excluded.end_time)"),
				"start_time": gorm.Expr("CASE WHEN meetings.fetch_status = ? THEN excluded.start_time ELSE meetings.start_time END", FetchLive),
				"fetch_status": gorm.Expr("CASE WHEN meetings.fetch_status = ? THEN ? ELSE meetings.fetch_status END",
					FetchLive, FetchPending),
				"topic":      gorm.Expr("CASE WHEN meetings.topic = '' THEN excluded.topic ELSE meetings.topic END"),
				"updated_at": time.Now().UTC(),
			}),
		}, upsertReturning).Create(&m).Error // the stored row, inserted or updated, comes back
		if err != nil || !e.PracticeSession {
			return err
		}
		m.PracticeSession = true
		return db.Exec("UPDATE meetings SET practice_session = ? WHERE id = ?", true, m.ID).Error
	})
	if err != nil {
		return Meeting{}, fmt.Errorf("models: upsert meeting %s: %w", e.UUID, err)
	}
	return m, nil
}

// upsertReturning names the columns UpsertEndedMeeting reads back, every
// one of them present since schema version 1. Not RETURNING *: during a
// rolling upgrade on PostgreSQL a replica still running the old release
// would find its cached plan's result type changed by a new column.
var upsertReturning = func() clause.Returning {
	var r clause.Returning
	for _, c := range strings.Split(listColumns+", account_id", ",") {
		r.Columns = append(r.Columns, clause.Column{Name: strings.TrimSpace(c)})
	}
	return r
}()

// MeetingByUUID returns the meeting instance with the Zoom UUID uuid.
func (s *Store) MeetingByUUID(ctx context.Context, uuid string) (Meeting, error) {
	var m Meeting
	err := s.db.WithContext(ctx).Where("uuid = ?", uuid).Take(&m).Error
	if err != nil {
		return Meeting{}, notFound(err, "meeting "+uuid)
	}
	return m, nil
}

// Meeting returns the meeting instance with rollcall's id.
func (s *Store) Meeting(ctx context.Context, id uint64) (Meeting, error) {
	var m Meeting
	err := s.db.WithContext(ctx).Take(&m, id).Error
	if err != nil {
		return Meeting{}, notFound(err, fmt.Sprintf("meeting %d", id))
	}
	return m, nil
}

// MeetingDetails are the facts of a meeting instance that the Zoom API can
// fill in when the webhook lacked them.
type MeetingDetails struct {
	Topic, HostID, HostName, HostEmail string
	Type                               int
	StartTime, EndTime                 time.Time
}

// FillMeetingDetails sets the fields of meeting id that are still empty.
func (s *Store) FillMeetingDetails(ctx context.Context, id uint64, d MeetingDetails) error {
	m, err := s.Meeting(ctx, id)
	if err != nil {
		return err
	}
	upd := map[string]any{}
	if m.Topic == "" && d.Topic != "" {
		upd["topic"] = d.Topic
	}
	if m.HostID == "" && d.HostID != "" {
		upd["host_id"] = d.HostID
	}
	if m.HostName == "" && d.HostName != "" {
		upd["host_name"] = d.HostName
	}
	if m.HostEmail == "" && d.HostEmail != "" {
		upd["host_email"] = d.HostEmail
	}
	if m.Type == 0 && d.Type != 0 {
		upd["type"] = d.Type
	}
	if m.StartTime.IsZero() && !d.StartTime.IsZero() {
		upd["start_time"] = d.StartTime.UTC()
	}
	if m.EndTime == nil && !d.EndTime.IsZero() {
		upd["end_time"] = d.EndTime.UTC()
	}
	if len(upd) == 0 {
		return nil
	}
	err = s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&Meeting{}).Where("id = ?", id).Updates(upd).Error
	})
	if err != nil {
		return fmt.Errorf("models: fill meeting %d: %w", id, err)
	}
	return nil
}

// MarkFetching records that a worker started fetching meeting id.
func (s *Store) MarkFetching(ctx context.Context, id uint64) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&Meeting{}).Where("id = ?", id).Updates(map[string]any{
			"fetch_status":   FetchFetching,
			"fetch_attempts": gorm.Expr("fetch_attempts + 1"),
		}).Error
	})
	if err != nil {
		return fmt.Errorf("models: mark meeting %d fetching: %w", id, err)
	}
	return nil
}

// MarkPending puts meeting id back to pending, keeping why in LastError (a
// snooze or a retry: the fetch will run again).
func (s *Store) MarkPending(ctx context.Context, id uint64, reason string) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&Meeting{}).Where("id = ?", id).Updates(map[string]any{
			"fetch_status": FetchPending,
			"last_error":   reason,
		}).Error
	})
	if err != nil {
		return fmt.Errorf("models: mark meeting %d pending: %w", id, err)
	}
	return nil
}

// MarkFailed records that fetching meeting id was given up, and why.
func (s *Store) MarkFailed(ctx context.Context, id uint64, reason string) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&Meeting{}).Where("id = ?", id).Updates(map[string]any{
			"fetch_status": FetchFailed,
			"last_error":   reason,
		}).Error
	})
	if err != nil {
		return fmt.Errorf("models: mark meeting %d failed: %w", id, err)
	}
	return nil
}

// ReplaceSegments stores segs as the complete participant list of meeting id,
// replacing whatever an earlier fetch stored, and marks the meeting fetched
// from source, in one transaction so that readers never see half a list.
// With the segments it stores their raw keys (Meeting.RawKeys), which
// sessions.csv needs before its first row; another goroutine collects them
// while this one inserts.
func (s *Tx) ReplaceSegments(ctx context.Context, id uint64, source string, segs []Segment) error {
	people := make(map[string]struct{}, len(segs)/2)
	for i := range segs {
		segs[i].ID = 0
		segs[i].MeetingID = id
		segs[i].Seq = i
		segs[i].Source = source
		if segs[i].PersonKey == "" {
			segs[i].PersonKey = segs[i].Key()
		}
		people[segs[i].PersonKey] = struct{}{}
	}
	keys := make(chan string, 1)
	go func() { keys <- encodeRawKeys(segs) }()
	err := s.insertSegments(ctx, id, segs)
	rawKeys := <-keys
	if err != nil {
		return fmt.Errorf("models: replace segments of meeting %d: %w", id, err)
	}
	now := time.Now().UTC()
	set := "fetch_status = ?, last_error = '', source = ?, fetched_at = ?, people = ?, segment_count = ?, updated_at = ?"
	args := []any{FetchFetched, cleanText(source), now, len(people), len(segs), now}
	if s.hasRawKeysColumn(ctx) {
		set += ", raw_keys = ?"
		args = append(args, rawKeys)
	}
	_, err = s.sqlTx.ExecContext(ctx, s.rebind("UPDATE meetings SET "+set+" WHERE id = ?"), append(args, id)...)
	if err != nil {
		return fmt.Errorf("models: mark meeting %d fetched: %w", id, err)
	}
	return nil
}

// segmentInsert stores segments: every column but the id, which nobody
// reads back.
var segmentInsert = rowInsert{
	table: "segments",
	cols: []string{"meeting_id", "seq", "source", "person_key", "participant_id", "user_id", "participant_uuid",
		"participant_user_id", "registrant_id", "customer_key", "name", "email", "join_time", "leave_time",
		"leave_reason", "status", "role", "device", "os", "location", "ip_address", "raw"},
}

// insertSegments deletes meeting id's segments and inserts segs.
func (s *Tx) insertSegments(ctx context.Context, id uint64, segs []Segment) error {
	if _, err := s.sqlTx.ExecContext(ctx, s.rebind("DELETE FROM segments WHERE meeting_id = ?"), id); err != nil {
		return err
	}
	return s.insertRows(ctx, &segmentInsert, len(segs), func(i int, args []any) []any {
		g := &segs[i]
		return append(args, g.MeetingID, g.Seq, g.Source, g.PersonKey, g.ParticipantID, g.UserID, g.ParticipantUUID,
			g.ParticipantUserID, g.RegistrantID, g.CustomerKey, g.Name, g.Email, g.JoinTime, g.LeaveTime,
			g.LeaveReason, g.Status, g.Role, g.Device, g.OS, g.Location, g.IPAddress, g.Raw)
	}, nil)
}

// Segments returns the stored segments of meeting id in Zoom's order.
func (s *Store) Segments(ctx context.Context, id uint64) ([]Segment, error) {
	var segs []Segment
	err := s.db.WithContext(ctx).Where("meeting_id = ?", id).Order("seq").Find(&segs).Error
	if err != nil {
		return nil, fmt.Errorf("models: segments of meeting %d: %w", id, err)
	}
	return segs, nil
}

// StaleMeetings returns meetings that are pending or fetching and have not
// changed since before, so that a reconciler can make sure a fetch is queued.
func (s *Store) StaleMeetings(ctx context.Context, before time.Time, limit int) ([]Meeting, error) {
	var ms []Meeting
	err := s.db.WithContext(ctx).
		Where("fetch_status IN ? AND updated_at < ?", []string{FetchPending, FetchFetching}, before).
		Order("id").Limit(limit).Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("models: stale meetings: %w", err)
	}
	return ms, nil
}

// DeleteMeeting removes meeting id with its segments and the webhook events
// that named it.
func (s *Store) DeleteMeeting(ctx context.Context, id uint64) error {
	return s.Tx(ctx, func(tx *Tx) error {
		m, err := tx.Meeting(ctx, id)
		if err != nil {
			return err
		}
		return tx.deleteMeetings(ctx, []Meeting{m})
	})
}

// PurgeMeetingsBefore deletes every meeting that started before t, with its
// segments and webhook events, in batches; it returns how many it deleted.
func (s *Store) PurgeMeetingsBefore(ctx context.Context, t time.Time) (int, error) {
	total := 0
	for {
		var batch []Meeting
		err := s.db.WithContext(ctx).Select("id", "uuid").Where("start_time < ?", t.UTC()).
			Order("id").Limit(200).Find(&batch).Error
		if err != nil {
			return total, fmt.Errorf("models: purge meetings: %w", err)
		}
		if len(batch) == 0 {
			return total, nil
		}
		if err := s.Tx(ctx, func(tx *Tx) error { return tx.deleteMeetings(ctx, batch) }); err != nil {
			return total, err
		}
		total += len(batch)
	}
}

func (s *Tx) deleteMeetings(ctx context.Context, ms []Meeting) error {
	ids := make([]uint64, len(ms))
	uuids := make([]string, len(ms))
	for i, m := range ms {
		ids[i], uuids[i] = m.ID, m.UUID
	}
	db := s.db.WithContext(ctx)
	if err := db.Where("meeting_id IN ?", ids).Delete(&Segment{}).Error; err != nil {
		return fmt.Errorf("models: delete segments: %w", err)
	}
	if err := db.Where("meeting_uuid IN ?", uuids).Delete(&WebhookEvent{}).Error; err != nil {
		return fmt.Errorf("models: delete webhook events: %w", err)
	}
	if err := db.Where("meeting_uuid IN ?", uuids).Delete(&ParticipantEvent{}).Error; err != nil {
		return fmt.Errorf("models: delete participant events: %w", err)
	}
	if err := db.Where("id IN ?", ids).Delete(&Meeting{}).Error; err != nil {
		return fmt.Errorf("models: delete meetings: %w", err)
	}
	return nil
}
