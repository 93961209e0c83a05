package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CoverageRun records one sweep or backfill: a pass over Zoom's lists of
// past meetings that queued a fetch for every instance rollcall lacked.
type CoverageRun struct {
	ID uint64 `gorm:"primaryKey"`
	// Kind is ArrivedSweep or ArrivedBackfill.
	Kind string `gorm:"size:16;not null"`
	// DryRun runs counted but queued nothing.
	DryRun bool `gorm:"not null;default:false"`
	// StartedAt and FinishedAt bound the run.
	StartedAt  time.Time `gorm:"not null;index"`
	FinishedAt time.Time `gorm:"not null"`
	// WindowFrom and WindowTo bound the end times looked for, [from, to).
	WindowFrom time.Time `gorm:"not null"`
	WindowTo   time.Time `gorm:"not null"`
	// Lister is the list that answered: "dashboard" or "report" ("" when
	// none did).
	Lister string `gorm:"size:16"`
	// Found is how many instances ended in the window; AlreadyStored of
	// them rollcall had, Queued it now fetches. Refused counts the list
	// requests Zoom refused for plan or scope that nothing made up for.
	Found         int `gorm:"not null;default:0"`
	AlreadyStored int `gorm:"not null;default:0"`
	Queued        int `gorm:"not null;default:0"`
	Refused       int `gorm:"not null;default:0"`
	// Errors holds the errors met, one a line ("" for none).
	Errors string
}

// RecordCoverageRun stores run (its ID is set).
func (s *Store) RecordCoverageRun(ctx context.Context, run *CoverageRun) error {
	run.StartedAt, run.FinishedAt = run.StartedAt.UTC(), run.FinishedAt.UTC()
	run.WindowFrom, run.WindowTo = run.WindowFrom.UTC(), run.WindowTo.UTC()
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(run).Error }); err != nil {
		return fmt.Errorf("models: record coverage run: %w", err)
	}
	return nil
}

// CoverageRuns returns the latest limit sweeps and backfills, newest first.
func (s *Store) CoverageRuns(ctx context.Context, limit int) ([]CoverageRun, error) {
	var runs []CoverageRun
	err := s.db.WithContext(ctx).Order("started_at DESC, id DESC").Limit(limit).Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("models: coverage runs: %w", err)
	}
	return runs, nil
}

// MissedWebhookMeetings returns the latest limit meetings that reached
// rollcall through a sweep or a backfill rather than a webhook, newest
// start first.
func (s *Store) MissedWebhookMeetings(ctx context.Context, limit int) ([]Meeting, error) {
	var ms []Meeting
	err := s.db.WithContext(ctx).Where("arrived_via IN ?", []string{ArrivedSweep, ArrivedBackfill}).
		Order("start_time DESC, id DESC").Limit(limit).Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("models: meetings without a webhook: %w", err)
	}
	return ms, nil
}

// StoredUUIDs returns which of uuids rollcall has a meeting instance for;
// one still live (known only from its live events) does not count.
func (s *Store) StoredUUIDs(ctx context.Context, uuids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(uuids))
	for start := 0; start < len(uuids); start += 500 {
		var got []string
		err := s.db.WithContext(ctx).Model(&Meeting{}).
			Where("uuid IN ? AND fetch_status <> ?", uuids[start:min(start+500, len(uuids))], FetchLive).Pluck("uuid", &got).Error
		if err != nil {
			return nil, fmt.Errorf("models: stored meetings: %w", err)
		}
		for _, u := range got {
			out[u] = true
		}
	}
	return out, nil
}

// Discovered is a meeting instance found in Zoom's lists of past meetings.
type Discovered struct {
	MeetingEnded
	HostName, HostEmail string
	// Via is ArrivedSweep or ArrivedBackfill.
	Via string
}

// InsertDiscovered stores the instance d as pending, arrived via d.Via,
// unless one with its UUID exists (a webhook got there first): then it
// returns that one with inserted false and changes nothing. The exception
// is an instance known only from its live events (FetchLive) whose
// meeting.ended never came: d ends it (pending, with d's start and end) and
// inserted is true, so that its fetch is queued.
func (s *Store) InsertDiscovered(ctx context.Context, d Discovered) (m Meeting, inserted bool, err error) {
	if d.Via != ArrivedSweep && d.Via != ArrivedBackfill {
		return Meeting{}, false, fmt.Errorf("models: discovered meeting %s: arrival %q is not sweep or backfill", d.UUID, d.Via)
	}
	m = Meeting{
		UUID: cleanText(d.UUID), MeetingNumber: d.MeetingNumber, Webinar: d.Webinar, Topic: d.Topic,
		HostID: d.HostID, HostName: d.HostName, HostEmail: d.HostEmail, Type: d.Type,
		StartTime: d.StartTime.UTC(), Timezone: d.Timezone, AccountID: d.AccountID, FetchStatus: FetchPending,
	}
	if d.EndTime != nil {
		end := d.EndTime.UTC()
		m.EndTime = &end
	}
	err = s.Tx(ctx, func(tx *Tx) error {
		db := tx.db.WithContext(ctx)
		res := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "uuid"}}, DoNothing: true}).Create(&m)
		if res.Error == nil && res.RowsAffected == 0 && d.EndTime != nil {
			// Known only from live events, its meeting.ended missed: it ends now.
			res = db.Model(&Meeting{}).Where("uuid = ? AND fetch_status = ?", m.UUID, FetchLive).Updates(map[string]any{
				"fetch_status": FetchPending, "start_time": m.StartTime, "end_time": *m.EndTime,
			})
			inserted = res.Error == nil && res.RowsAffected > 0
			return res.Error
		}
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		inserted = true
		return db.Exec("UPDATE meetings SET arrived_via = ? WHERE id = ?", d.Via, m.ID).Error
	})
	if err != nil {
		return Meeting{}, false, fmt.Errorf("models: insert discovered meeting %s: %w", d.UUID, err)
	}
	if !inserted || m.ID == 0 {
		m, err = s.MeetingByUUID(ctx, m.UUID)
		return m, inserted, err
	}
	m.ArrivedVia = d.Via
	return m, true, nil
}
