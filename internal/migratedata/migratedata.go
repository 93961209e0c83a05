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
	"strings"

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
	counts, err := dst.RowCounts(ctx)
	if err != nil {
		return err
	}
	for _, c := range counts {
		if c.Rows > 0 {
			return errors.New("migrate-data: the PostgreSQL database is not empty; give an empty one")
		}
	}

	err = src.CopyInto(ctx, dst, func(table string, n int64) {
		fmt.Fprintf(stdout, "copied %d %s\n", n, displayName(table))
	})
	if err != nil {
		return fmt.Errorf("migrate-data: %w", err)
	}

	// The queue is not copied: every meeting not yet fetched gets a fresh fetch.
	q, err := jobs.New(dst, nil, jobs.Config{}, log)
	if err != nil {
		return err
	}
	unfinished, err := dst.UnfetchedMeetings(ctx)
	if err != nil {
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

	copied, err := src.RowCounts(ctx)
	if err != nil {
		return err
	}
	stored, err := dst.RowCounts(ctx)
	if err != nil {
		return err
	}
	for i, c := range copied {
		if c.Rows != stored[i].Rows {
			return fmt.Errorf("migrate-data: %s: %d in SQLite but %d in PostgreSQL", displayName(c.Table), c.Rows, stored[i].Rows)
		}
	}
	_, err = fmt.Fprintln(stdout, "verified: every table has the same number of rows in both databases")
	return err
}

// displayName is how the progress report names table: "webhook events"
// for webhook_events.
func displayName(table string) string { return strings.ReplaceAll(table, "_", " ") }
