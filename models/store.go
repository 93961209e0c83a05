// Package models holds rollcall's data: the GORM models, the Store that owns
// every query, the versioned schema migrations (migrate.go,
// migrations/<engine>/), and the attendance rules.
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

// Store owns rollcall's database: every query goes through it. Its
// database handles are unexported, so that no query can be written outside
// models; the one handle that crosses the boundary is QueuePool's, for the
// job queue's own tables.
type Store struct {
	// db is the GORM handle for rollcall's own tables.
	db *gorm.DB
	// sqlDB is the pool behind db.
	sqlDB *sql.DB
	// queueDB is the pool the job queue uses. On SQLite it is a separate pool
	// of one connection on the same file (River does its own locking dance
	// and must not starve the web requests); on PostgreSQL it is sqlDB.
	queueDB *sql.DB
	// dialect is DialectSQLite or DialectPostgres.
	dialect string

	log *slog.Logger
	// writeSem admits one transaction at a time on SQLite, in arrival order
	// and honouring the caller's context, instead of leaving writers to
	// SQLite's busy polling, whose waits grow to 100 ms and starve the tail.
	// nil on PostgreSQL.
	writeSem chan struct{}
	// rawKeys knows whether the schema has meetings.raw_keys (version 8);
	// shared by the Store and its Txs.
	rawKeys *rawKeysColumn
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
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
	if err == nil {
		err = registerTextCleaning(gdb)
	}
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("models: open postgres: %w", err)
	}
	// PostgreSQL runs concurrent writers itself: one pool serves all, and
	// River locks its own rows.
	return &Store{db: gdb, sqlDB: sqlDB, queueDB: sqlDB, dialect: DialectPostgres, log: log,
		rawKeys: &rawKeysColumn{}}, nil
}

// gormConfig is the GORM configuration of both engines. TranslateError
// turns the engines' duplicate-key errors into gorm.ErrDuplicatedKey (and
// foreign-key ones into gorm.ErrForeignKeyViolated), so that callers test
// them with errors.Is instead of matching message texts.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

// sqliteDSN builds a mattn/go-sqlite3 DSN for path with the settings rollcall
// relies on: WAL (readers never block the writer), a busy timeout (writers
// wait for each other instead of failing), foreign keys, and immediate
// transactions (a transaction takes the write lock when it begins, so it
// never has to upgrade a read lock, which cannot wait on the busy timeout),
// and the driver's statement cache: without it every query is prepared
// anew, which costs as much as running a small insert (issue 16's A/B run:
// ×1.41 webhook intake).
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
	set("_stmt_cache_size", "64") // per connection
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
	gdb, err := gorm.Open(sqlite.Dialector{Conn: sqlDB}, gormConfig())
	if err == nil {
		err = registerTextCleaning(gdb)
	}
	if err != nil {
		sqlDB.Close()
		queueDB.Close()
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	return &Store{db: gdb, sqlDB: sqlDB, queueDB: queueDB, dialect: DialectSQLite, log: log,
		writeSem: make(chan struct{}, 1), rawKeys: &rawKeysColumn{}}, nil
}

// Dialect returns the engine the Store runs on: DialectSQLite or
// DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// QueuePool returns the engine's name and the pool the job queue runs on,
// for the job queue's own tables only: jobs builds River's driver on it and
// reads River's tables (river_job) through it. rollcall's own tables are
// reached through the Store's methods, never through this pool. On SQLite
// it is a pool of one connection, separate from the Store's; on PostgreSQL
// it is the Store's pool.
func (s *Store) QueuePool() (dialect string, db *sql.DB) { return s.dialect, s.queueDB }

// Close closes the database pools.
func (s *Store) Close() error {
	err := s.sqlDB.Close()
	if s.queueDB != s.sqlDB {
		err = errors.Join(err, s.queueDB.Close())
	}
	return err
}

// Ping checks that the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.db.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error
}

// Tx is a Store inside one database transaction: the function given to
// Store.Tx gets one, and every Store method called on it runs in that
// transaction. Methods that only make sense in a transaction (SQLTx,
// ReplaceSegments) are Tx's, so calling them outside one does not compile.
type Tx struct {
	*Store
	sqlTx *sql.Tx
}

// Tx runs fn in one database transaction, committed when fn returns nil and
// rolled back when it returns an error or panics. Every write transaction
// goes through Tx: on SQLite it waits in the writer queue (one transaction
// at a time, in arrival order), a wait that ends with ctx. Called on a Tx,
// it runs fn in a nested transaction (a savepoint) of that one.
func (s *Store) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	release, err := s.waitTurn(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error {
		sqlTx, ok := gtx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return fmt.Errorf("models: transaction on %T, not *sql.Tx", gtx.Statement.ConnPool)
		}
		inner := *s
		inner.db = gtx
		inner.writeSem = nil // held
		return fn(&Tx{Store: &inner, sqlTx: sqlTx})
	})
}

// waitTurn waits for SQLite's writer queue (one writer at a time, in
// arrival order) and returns the function that leaves it; on PostgreSQL,
// and on a Tx (which holds the queue already), it returns at once.
func (s *Store) waitTurn(ctx context.Context) (release func(), err error) {
	if s.writeSem == nil {
		return func() {}, nil
	}
	select {
	case s.writeSem <- struct{}{}:
		return func() { <-s.writeSem }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("models: waiting for the database: %w", ctx.Err())
	}
}

// write runs a write of one statement outside a transaction (fn gets the
// handle to write with). On SQLite it waits its turn in the writer queue
// like a transaction does, instead of leaving SQLite's busy polling to
// decide; on PostgreSQL, and on a Tx (which holds the queue already), it
// runs at once.
func (s *Store) write(ctx context.Context, fn func(db *gorm.DB) error) error {
	release, err := s.waitTurn(ctx)
	if err != nil {
		return err
	}
	defer release()
	return fn(s.db.WithContext(ctx))
}

// SQLTx returns the *sql.Tx of the transaction, so that the job queue can
// enqueue in it.
func (tx *Tx) SQLTx() *sql.Tx { return tx.sqlTx }

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("models: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("models: %s: %w", what, err)
}
