// Package migratedata is `rollcall migrate-data`: it copies rollcall's
// SQLite database into an empty PostgreSQL one.
package migratedata

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"gorm.io/gorm"

	"rollcall/jobs"
	"rollcall/models"
)

// Run runs `rollcall migrate-data --from SQLITE --to POSTGRES` with args
// (the words after migrate-data): it copies every table of rollcall's
// SQLite database into an empty PostgreSQL database, keeping ids, re-queues
// fetches that were not finished, and checks the row counts. It reports
// progress on stdout.
func Run(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("migrate-data", flag.ContinueOnError)
	fs.SetOutput(stdout)
	from := fs.String("from", "", "the SQLite database file to copy from")
	to := fs.String("to", "", "the postgres:// URL of an empty database to copy into")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("migrate-data: %w", err)
	}
	if *from == "" || models.IsPostgres(*from) {
		return errors.New("migrate-data: --from must name a SQLite database file")
	}
	if !models.IsPostgres(*to) {
		return errors.New("migrate-data: --to must be a postgres:// URL")
	}
	src, err := models.Open(ctx, *from, log)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := src.Migrate(ctx); err != nil { // brings an older file up to date
		return err
	}
	dst, err := models.Open(ctx, *to, log)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := dst.Migrate(ctx); err != nil {
		return err
	}
	if err := jobs.Migrate(ctx, dst, log); err != nil {
		return err
	}
	for _, m := range []any{&models.User{}, &models.Meeting{}, &models.WebhookEvent{}} {
		var n int64
		if err := dst.DB.WithContext(ctx).Model(m).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errors.New("migrate-data: the PostgreSQL database is not empty; give an empty one")
		}
	}

	err = dst.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		steps := []struct {
			name  string
			copy  func() (int64, error)
			table string
		}{
			{"users", func() (int64, error) { return copyTable[models.User](ctx, src, tx, 1000) }, "users"},
			{"sessions", func() (int64, error) { return copyTable[models.Session](ctx, src, tx, 1000) }, "sessions"},
			{"meetings", func() (int64, error) { return copyTable[models.Meeting](ctx, src, tx, 1000) }, "meetings"},
			{"segments", func() (int64, error) { return copyTable[models.Segment](ctx, src, tx, 2000) }, "segments"},
			{"webhook events", func() (int64, error) { return copyTable[models.WebhookEvent](ctx, src, tx, 1000) }, "webhook_events"},
			{"coverage runs", func() (int64, error) { return copyTable[models.CoverageRun](ctx, src, tx, 1000) }, "coverage_runs"},
			{"arrivals by sweep or backfill", func() (int64, error) { return copyArrivals(ctx, src, tx) }, "meetings"},
		}
		for _, st := range steps {
			n, err := st.copy()
			if err != nil {
				return fmt.Errorf("migrate-data: copy %s: %w", st.name, err)
			}
			// Ids were copied: move each sequence past them.
			err = tx.Exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)`,
				st.table, st.table)).Error
			if err != nil {
				return fmt.Errorf("migrate-data: sequence of %s: %w", st.table, err)
			}
			fmt.Fprintf(stdout, "copied %d %s\n", n, st.name)
		}
		return nil
	})
	if err != nil {
		return err
	}

	// The queue is not copied: every meeting not yet fetched gets a fresh fetch.
	q, err := jobs.New(dst, nil, jobs.Config{}, log)
	if err != nil {
		return err
	}
	var unfinished []models.Meeting
	if err := dst.DB.WithContext(ctx).Where("fetch_status <> ?", models.FetchFetched).Find(&unfinished).Error; err != nil {
		return err
	}
	for _, m := range unfinished {
		if err := dst.Tx(ctx, func(tx *models.Tx) error {
			_, err := q.EnqueueFetchTx(ctx, tx, m, 0)
			return err
		}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "queued %d unfinished fetches\n", len(unfinished))

	for _, m := range []struct {
		name  string
		model any
	}{{"users", &models.User{}}, {"sessions", &models.Session{}}, {"meetings", &models.Meeting{}},
		{"segments", &models.Segment{}}, {"webhook events", &models.WebhookEvent{}}, {"coverage runs", &models.CoverageRun{}}} {
		var a, b int64
		if err := src.DB.WithContext(ctx).Model(m.model).Count(&a).Error; err != nil {
			return err
		}
		if err := dst.DB.WithContext(ctx).Model(m.model).Count(&b).Error; err != nil {
			return err
		}
		if a != b {
			return fmt.Errorf("migrate-data: %s: %d in SQLite but %d in PostgreSQL", m.name, a, b)
		}
	}
	_, err = fmt.Fprintln(stdout, "verified: every table has the same number of rows in both databases")
	return err
}

// copyTable copies every row of T from src into tx in batches of size,
// keeping ids, and returns how many it copied.
func copyTable[T any](ctx context.Context, src *models.Store, tx *gorm.DB, size int) (int64, error) {
	var total int64
	var batch []T
	res := src.DB.WithContext(ctx).Order("id").FindInBatches(&batch, size, func(_ *gorm.DB, _ int) error {
		if err := tx.Omit("User").Create(&batch).Error; err != nil {
			return err
		}
		total += int64(len(batch))
		return nil
	})
	return total, res.Error
}

// copyArrivals sets how each meeting arrived that did not arrive by webhook
// (the column only the Store's discovery writes, so copyTable leaves it at
// its default), and returns how many it set.
func copyArrivals(ctx context.Context, src *models.Store, tx *gorm.DB) (int64, error) {
	var rows []models.Meeting
	err := src.DB.WithContext(ctx).Select("id", "arrived_via").
		Where("arrived_via <> ?", models.ArrivedWebhook).Order("id").Find(&rows).Error
	if err != nil {
		return 0, err
	}
	for _, m := range rows {
		if err := tx.Exec("UPDATE meetings SET arrived_via = ? WHERE id = ?", m.ArrivedVia, m.ID).Error; err != nil {
			return 0, err
		}
	}
	return int64(len(rows)), nil
}
