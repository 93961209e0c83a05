package models

import (
	"context"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

// migrationFiles holds the versioned schema migrations, one folder per
// engine: migrations/<engine>/NNNNN_name.sql, applied in version order by
// goose (github.com/pressly/goose/v3), which records each applied version in
// versionTable.
//
// Version 1 is the schema GORM's AutoMigrate made before migrations were
// versioned. A database made that way has version 1's tables but no
// versionTable; Migrate adopts it by recording version 1 (adoptUnversioned)
// without touching its tables, then applies the versions after 1.
//
// A new release that changes the schema adds 00002_what.sql (and so on) to
// BOTH folders, each with a "-- +goose Up" section in the engine's SQL,
// changes the models to match, and leaves every older file as it is: they
// have run on people's databases. TestMigrationsMatchModels then fails until
// the newest schema of each engine equals the one AutoMigrate derives from
// the models, and TestUpgradeKeepsEveryRow fills a database at every older
// version and migrates it.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// versionTable is goose's record of the applied migrations.
const versionTable = "goose_db_version"

// migrationLockID is the PostgreSQL advisory lock that makes replicas
// starting together migrate one after the other.
const migrationLockID int64 = 0x726f6c6c63616c6c // "rollcall"

// v1Tables are the tables of schema version 1 and their columns: a database
// that has them all but no versionTable was made by AutoMigrate before
// migrations were versioned, and is adopted as version 1.
// TestAdoptionListMatchesVersion1 keeps this list equal to version 1.
var v1Tables = map[string][]string{
	"meetings": {"id", "uuid", "meeting_number", "webinar", "topic", "host_id", "host_name", "host_email",
		"type", "start_time", "end_time", "timezone", "account_id", "fetch_status", "fetch_attempts",
		"last_error", "source", "fetched_at", "people", "segment_count", "created_at", "updated_at"},
	"segments": {"id", "meeting_id", "seq", "source", "person_key", "participant_id", "user_id",
		"participant_uuid", "participant_user_id", "registrant_id", "customer_key", "name", "email",
		"join_time", "leave_time", "leave_reason", "status", "role", "device", "os", "location",
		"ip_address", "raw"},
	"webhook_events": {"id", "dedup_key", "event", "meeting_uuid", "event_ts", "received_at", "deliveries", "body"},
	"users":          {"id", "email", "role", "password_hash", "timezone", "created_at", "updated_at"},
	"sessions":       {"id", "token_hash", "user_id", "expires_at", "created_at", "last_seen"},
}

// Migrate brings rollcall's tables to the newest schema version by applying
// the embedded migrations it lacks. It is idempotent, and safe to run from
// several processes on one PostgreSQL database at once. A database made
// before migrations were versioned is first adopted as version 1 (see
// migrationFiles). The job queue's tables are not rollcall's: the jobs
// package migrates them.
func (s *Store) Migrate(ctx context.Context) error {
	unlock, err := s.lockMigrations(ctx)
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	defer unlock()
	if err := s.adoptUnversioned(ctx); err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	p, err := s.migrations()
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	srcs := p.ListSources()
	if latest := srcs[len(srcs)-1].Version; current > latest {
		return fmt.Errorf("models: migrate: the database is at schema version %d, newer than this rollcall's %d: "+
			"run the release that migrated it, or a newer one", current, latest)
	}
	results, err := p.Up(ctx)
	s.rawKeys.state.Store(0) // the schema may have changed
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	for _, r := range results {
		s.log.Info("schema migration applied", "version", r.Source.Version,
			"source", r.Source.Path, "duration_ms", r.Duration.Milliseconds())
	}
	if s.dialect == DialectPostgres {
		s.checkSearchIndexes(ctx)
	}
	return nil
}

// SchemaVersion returns the newest schema version applied to the database,
// 0 for one never migrated.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := s.migrations()
	if err != nil {
		return 0, fmt.Errorf("models: schema version: %w", err)
	}
	exists, err := s.hasTable(ctx, versionTable)
	if err != nil {
		return 0, fmt.Errorf("models: schema version: %w", err)
	}
	if !exists {
		return 0, nil // GetDBVersion would create the table
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: schema version: %w", err)
	}
	return v, nil
}

// migrations returns the goose provider of this engine's migrations.
func (s *Store) migrations() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if s.dialect == DialectPostgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
	}
	fsys, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, s.sqlDB, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithSlog(s.log))
}

// lockMigrations keeps other migrations out until the returned func is
// called: on PostgreSQL other processes, with a session advisory lock held
// on a connection of its own; on SQLite other goroutines of this process,
// with the writer queue (one process owns a SQLite file).
func (s *Store) lockMigrations(ctx context.Context) (unlock func(), err error) {
	if s.writeSem != nil {
		select {
		case s.writeSem <- struct{}{}:
			return func() { <-s.writeSem }, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the database: %w", ctx.Err())
		}
	}
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		conn.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	return func() {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
		if err != nil {
			// A pooled connection must not keep the lock: drop it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			s.log.Warn("migration lock not released", "error", err)
		}
		conn.Close()
	}, nil
}

// adoptUnversioned records schema version 1 in a database that has
// version 1's tables but no versionTable: one made by GORM's AutoMigrate
// before migrations were versioned, whose schema version 1 reproduces.
// Nothing is created or changed but the version record. A database with
// only some of those tables, or tables lacking columns, is refused rather
// than guessed at.
func (s *Store) adoptUnversioned(ctx context.Context) error {
	versioned, err := s.hasTable(ctx, versionTable)
	if err != nil || versioned {
		return err
	}
	var present, missing []string
	for table := range v1Tables {
		ok, err := s.hasTable(ctx, table)
		if err != nil {
			return err
		}
		if ok {
			present = append(present, table)
		} else {
			missing = append(missing, table)
		}
	}
	if len(present) == 0 {
		return nil // a new database: the migrations make everything
	}
	slices.Sort(present)
	slices.Sort(missing)
	if len(missing) > 0 {
		return fmt.Errorf("the database has the tables %s but not %s: it is not a rollcall database of a known version",
			strings.Join(present, ", "), strings.Join(missing, ", "))
	}
	for _, table := range present {
		cols, err := s.columns(ctx, table)
		if err != nil {
			return err
		}
		for _, c := range v1Tables[table] {
			if !slices.Contains(cols, c) {
				return fmt.Errorf("table %s lacks column %s: the database predates schema version 1; "+
					"open it once with the rollcall release before versioned migrations", table, c)
			}
		}
	}
	dialect := database.DialectSQLite3
	if s.dialect == DialectPostgres {
		dialect = database.DialectPostgres
	}
	store, err := database.NewStore(dialect, versionTable)
	if err != nil {
		return err
	}
	tx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return fmt.Errorf("adopt: %w", err)
	}
	for _, v := range []int64{0, 1} { // goose starts every record with version 0
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return fmt.Errorf("adopt: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("adopt: %w", err)
	}
	s.log.Info("database made before versioned migrations adopted as schema version 1")
	return nil
}

// hasTable reports whether rollcall's schema has a table named name.
func (s *Store) hasTable(ctx context.Context, name string) (bool, error) {
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if s.dialect == DialectPostgres {
		q = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1"
	}
	var n int
	if err := s.sqlDB.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, fmt.Errorf("table %s: %w", name, err)
	}
	return n > 0, nil
}

// columns returns the names of table's columns.
func (s *Store) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := s.sqlDB.QueryContext(ctx, "SELECT * FROM "+table+" WHERE 1 = 0")
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	return cols, rows.Close()
}

// searchIndexes are the trigram indexes of the meetings search on
// PostgreSQL, made by version 1 where pg_trgm is available.
var searchIndexes = []string{"idx_meetings_host_email_trgm", "idx_meetings_host_name_trgm", "idx_meetings_topic_trgm"}

// checkSearchIndexes warns when the meetings search has no trigram indexes
// (pg_trgm could not be created), as the search then reads every meeting.
func (s *Store) checkSearchIndexes(ctx context.Context) {
	var n int
	err := s.sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY($1)",
		searchIndexes).Scan(&n)
	if err != nil {
		s.log.Warn("meeting search indexes not checked", "error", err)
		return
	}
	if n < len(searchIndexes) {
		s.log.Warn("pg_trgm unavailable: meeting search reads every meeting", "indexes", n)
	}
}
