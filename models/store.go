// Package models holds rollcall's data: the GORM models, the Store that owns
// every query, the migrations, and the attendance rules of DESIGN.md §6.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "github.com/mattn/go-sqlite3"    // registers the "sqlite3" driver
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("not found")

// Dialects the Store runs on.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Store owns rollcall's database: every query goes through it.
type Store struct {
	// DB is the GORM handle for rollcall's own tables.
	DB *gorm.DB
	// SQL is the pool behind DB.
	SQL *sql.DB
	// QueueSQL is the pool the job queue uses. On SQLite it is a separate pool
	// of one connection on the same file (River does its own locking dance
	// and must not starve the web requests); on PostgreSQL it is SQL.
	QueueSQL *sql.DB
	// Dialect is DialectSQLite or DialectPostgres.
	Dialect string

	log *slog.Logger
	// writeSem admits one transaction at a time on SQLite, in arrival order
	// and honouring the caller's context, instead of leaving writers to
	// SQLite's busy polling, whose waits grow to 100 ms and starve the tail.
	// nil on PostgreSQL.
	writeSem chan struct{}
}

// Open connects to the database named by dsn: a SQLite file path (or a
// "file:" URI), or a postgres:// URL. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn, log)
	}
	return openSQLite(ctx, dsn, log)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openPostgres(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	sqlDB, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("models: open postgres: %w", err)
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("models: open postgres: %w", err)
	}
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err == nil {
		err = registerTextCleaning(gdb)
	}
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("models: open postgres: %w", err)
	}
	// PostgreSQL runs concurrent writers itself: one pool serves all, and
	// River locks its own rows.
	return &Store{DB: gdb, SQL: sqlDB, QueueSQL: sqlDB, Dialect: DialectPostgres, log: log}, nil
}

// sqliteDSN builds a mattn/go-sqlite3 DSN for path with the settings rollcall
// relies on: WAL (readers never block the writer), a busy timeout (writers
// wait for each other instead of failing), foreign keys, and immediate
// transactions (a transaction takes the write lock when it begins, so it
// never has to upgrade a read lock, which cannot wait on the busy timeout).
func sqliteDSN(path string) string {
	if path == ":memory:" {
		path = "file::memory:?cache=shared"
	}
	u, q, _ := strings.Cut(path, "?")
	vals, _ := url.ParseQuery(q)
	set := func(k, v string) {
		if vals.Get(k) == "" {
			vals.Set(k, v)
		}
	}
	set("_journal_mode", "WAL")
	set("_busy_timeout", "10000")
	set("_foreign_keys", "on")
	set("_txlock", "immediate")
	set("_synchronous", "NORMAL")
	if !strings.HasPrefix(u, "file:") {
		u = "file:" + u
	}
	return u + "?" + vals.Encode()
}

func openSQLite(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	dsn := sqliteDSN(path)
	sqlDB, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	// SQLite has one writer at a time; a few connections serve concurrent readers.
	sqlDB.SetMaxOpenConns(8)
	sqlDB.SetMaxIdleConns(8)
	sqlDB.SetConnMaxIdleTime(0)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	queueDB, err := sql.Open("sqlite3", dsn)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	queueDB.SetMaxOpenConns(1)
	gdb, err := gorm.Open(sqlite.Dialector{Conn: sqlDB}, &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		sqlDB.Close()
		queueDB.Close()
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	return &Store{DB: gdb, SQL: sqlDB, QueueSQL: queueDB, Dialect: DialectSQLite, log: log,
		writeSem: make(chan struct{}, 1)}, nil
}

// Close closes the database pools.
func (s *Store) Close() error {
	err := s.SQL.Close()
	if s.QueueSQL != s.SQL {
		err = errors.Join(err, s.QueueSQL.Close())
	}
	return err
}

// Ping checks that the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.DB.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error
}

// allModels lists every table rollcall owns, in dependency order.
func allModels() []any {
	return []any{&Meeting{}, &Segment{}, &WebhookEvent{}, &User{}, &Session{}}
}

// Migrate creates or updates rollcall's tables. It is idempotent.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.DB.WithContext(ctx).AutoMigrate(allModels()...); err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	if s.Dialect == DialectPostgres {
		s.migrateSearchIndexes(ctx)
	}
	return nil
}

// migrateSearchIndexes gives PostgreSQL trigram indexes for the meetings
// search (ILIKE '%term%' on topic, host name and host email), which otherwise
// reads every meeting: 180 ms at 100,000 meetings (bench/explain). pg_trgm is
// a trusted extension the database owner may create; where it is not
// available the search still works, only slower, so a failure is logged and
// migration goes on.
func (s *Store) migrateSearchIndexes(ctx context.Context) {
	db := s.DB.WithContext(ctx)
	if err := db.Exec("CREATE EXTENSION IF NOT EXISTS pg_trgm").Error; err != nil {
		s.log.Warn("pg_trgm unavailable: meeting search reads every meeting", "error", err)
		return
	}
	for _, col := range []string{"topic", "host_name", "host_email"} {
		err := db.Exec("CREATE INDEX IF NOT EXISTS idx_meetings_" + col + "_trgm ON meetings USING gin (" + col + " gin_trgm_ops)").Error
		if err != nil {
			s.log.Warn("meeting search index not created", "column", col, "error", err)
		}
	}
}

// Tx runs fn in one database transaction, committed when fn returns nil.
// Waiting for SQLite's single writer ends with ctx.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.writeSem != nil {
		select {
		case s.writeSem <- struct{}{}:
			defer func() { <-s.writeSem }()
		case <-ctx.Done():
			return fmt.Errorf("models: waiting for the database: %w", ctx.Err())
		}
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inner := *s
		inner.DB = tx
		inner.writeSem = nil // held
		return fn(&inner)
	})
}

// SQLTx returns the *sql.Tx behind a Store handed out by Tx, so that the job
// queue can enqueue inside the same transaction. It panics outside Tx.
func (s *Store) SQLTx() *sql.Tx {
	tx, ok := s.DB.Statement.ConnPool.(*sql.Tx)
	if !ok {
		panic("models: SQLTx called outside Store.Tx")
	}
	return tx
}

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("models: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("models: %s: %w", what, err)
}
