package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// copiedTables names rollcall's own tables in the order CopyInto copies them
// (every table after the ones its rows refer to). The job queue's tables
// are not among them.
var copiedTables = []string{"users", "sessions", "meetings", "segments", "webhook_events", "coverage_runs", "participant_events", "identities", "api_tokens", "webhook_endpoints",
	"roster_entries", "roster_uploads", "registrants", "registrant_fetches", "identity_links", "dismissed_suggestions"}

// TableRows is how many rows one of rollcall's tables holds.
type TableRows struct {
	Table string
	Rows  int64
}

// RowCounts returns how many rows each of rollcall's own tables holds, in
// the order CopyInto copies them.
func (s *Store) RowCounts(ctx context.Context) ([]TableRows, error) {
	out := make([]TableRows, 0, len(copiedTables))
	for _, table := range copiedTables {
		var n int64
		if err := s.db.WithContext(ctx).Table(table).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("models: count %s: %w", table, err)
		}
		out = append(out, TableRows{Table: table, Rows: n})
	}
	return out, nil
}

// CopyInto copies every row of rollcall's own tables from s into dst,
// keeping ids, in one transaction of dst, and on PostgreSQL moves each id
// sequence past the copied ids so that new rows insert. dst must be
// migrated and empty (see RowCounts): copied ids would collide with its
// rows. progress, if not nil, is called after each table with its name and
// the number of rows copied. The job queue is not copied.
func (s *Store) CopyInto(ctx context.Context, dst *Store, progress func(table string, rows int64)) error {
	return dst.Tx(ctx, func(tx *Tx) error {
		steps := []struct {
			table string
			copy  func() (int64, error)
			// noSerial: the table's key is not a serial id (no sequence).
			noSerial bool
		}{
			{"users", func() (int64, error) { return copyTable[User](ctx, s, tx, 1000) }, false},
			{"sessions", func() (int64, error) { return copyTable[Session](ctx, s, tx, 1000) }, false},
			{"meetings", func() (int64, error) { return copyTable[Meeting](ctx, s, tx, 1000) }, false},
			{"segments", func() (int64, error) { return copyTable[Segment](ctx, s, tx, 2000) }, false},
			{"webhook_events", func() (int64, error) { return copyTable[WebhookEvent](ctx, s, tx, 1000) }, false},
			{"coverage_runs", func() (int64, error) { return copyTable[CoverageRun](ctx, s, tx, 1000) }, false},
			{"participant_events", func() (int64, error) { return copyTable[ParticipantEvent](ctx, s, tx, 1000) }, false},
			{"identities", func() (int64, error) { return copyTable[Identity](ctx, s, tx, 1000) }, false},
			{"api_tokens", func() (int64, error) { return copyTable[APIToken](ctx, s, tx, 1000) }, false},
			// Outbound webhook endpoints, not their delivery log: a pending
			// delivery's job stays in the old queue.
			{"webhook_endpoints", func() (int64, error) { return copyTable[WebhookEndpoint](ctx, s, tx, 1000) }, false},
			{"roster_entries", func() (int64, error) { return copyTable[RosterEntry](ctx, s, tx, 1000) }, false},
			{"roster_uploads", func() (int64, error) { return copyKeyed[RosterUpload](ctx, s, tx, "meeting_number") }, true},
			{"registrants", func() (int64, error) { return copyTable[Registrant](ctx, s, tx, 1000) }, false},
			{"registrant_fetches", func() (int64, error) { return copyKeyed[RegistrantFetch](ctx, s, tx, "meeting_id") }, true},
			{"identity_links", func() (int64, error) { return copyTable[IdentityLink](ctx, s, tx, 1000) }, false},
			{"dismissed_suggestions", func() (int64, error) { return copyTable[DismissedSuggestion](ctx, s, tx, 1000) }, false},
		}
		for _, st := range steps {
			n, err := st.copy()
			if err == nil && st.table == "meetings" {
				err = copyArrivals(ctx, s, tx)
			}
			if err != nil {
				return fmt.Errorf("models: copy %s: %w", st.table, err)
			}
			if tx.dialect == DialectPostgres && !st.noSerial {
				err = tx.db.Exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)`,
					st.table, st.table)).Error
				if err != nil {
					return fmt.Errorf("models: sequence of %s: %w", st.table, err)
				}
			}
			if progress != nil {
				progress(st.table, n)
			}
		}
		return nil
	})
}

// copyTable copies every row of T from src into tx in batches of size,
// keeping ids, and returns how many it copied.
func copyTable[T any](ctx context.Context, src *Store, tx *Tx, size int) (int64, error) {
	var total int64
	var batch []T
	res := src.db.WithContext(ctx).Order("id").FindInBatches(&batch, size, func(_ *gorm.DB, _ int) error {
		if err := tx.db.Omit("User").Create(&batch).Error; err != nil {
			return err
		}
		total += int64(len(batch))
		return nil
	})
	return total, res.Error
}

// copyKeyed copies every row of T, a table keyed by column key rather
// than a serial id, from src into tx in batches of 1,000.
func copyKeyed[T any](ctx context.Context, src *Store, tx *Tx, key string) (int64, error) {
	var total int64
	for offset := 0; ; offset += 1000 {
		var batch []T
		if err := src.db.WithContext(ctx).Order(key).Offset(offset).Limit(1000).Find(&batch).Error; err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		if err := tx.db.Create(&batch).Error; err != nil {
			return total, err
		}
		total += int64(len(batch))
	}
}

// UnfetchedMeetings returns every meeting whose participants are not
// stored yet (pending, fetching or failed), by id: after a copy, each needs
// a fresh fetch, as the job queue is not copied.
func (s *Store) UnfetchedMeetings(ctx context.Context) ([]Meeting, error) {
	var ms []Meeting
	err := s.db.WithContext(ctx).Where("fetch_status <> ?", FetchFetched).Order("id").Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("models: unfetched meetings: %w", err)
	}
	return ms, nil
}

// copyArrivals sets, in tx, how each meeting arrived that did not arrive by
// webhook, and which are practice sessions: copyTable leaves those columns
// at their defaults, as only InsertDiscovered and UpsertEndedMeeting write
// them.
func copyArrivals(ctx context.Context, src *Store, tx *Tx) error {
	var rows []Meeting
	err := src.db.WithContext(ctx).Select("id", "arrived_via").
		Where("arrived_via <> ?", ArrivedWebhook).Order("id").Find(&rows).Error
	if err != nil {
		return err
	}
	for _, m := range rows {
		if err := tx.db.Exec("UPDATE meetings SET arrived_via = ? WHERE id = ?", m.ArrivedVia, m.ID).Error; err != nil {
			return err
		}
	}
	// Practice sessions, likewise written only by UpsertEndedMeeting.
	var practice []uint64
	if err := src.db.WithContext(ctx).Model(&Meeting{}).Where("practice_session = ?", true).
		Order("id").Pluck("id", &practice).Error; err != nil {
		return err
	}
	if len(practice) > 0 {
		if err := tx.db.Exec("UPDATE meetings SET practice_session = ? WHERE id IN ?", true, practice).Error; err != nil {
			return err
		}
	}
	return nil
}
