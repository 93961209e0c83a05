package testdb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// DB is a test's own connection pool on a rollcall database, opened on the
// same DSN as the Store under test but independent of it: what it reads is
// what the app committed, and what it plants goes in as any other client's
// writes would. Tests use it to count and plant rows, not the Store's
// handles, which models keeps to itself.
type DB struct {
	*sql.DB
	postgres bool
}

// Open opens tb's own connection to the database dsn names (a SQLite file
// path or a postgres:// URL, as DSN returns), closed when tb ends.
func Open(tb testing.TB, dsn string) *DB {
	tb.Helper()
	driver, name, postgres := "sqlite3", sqliteDSN(dsn), false
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		driver, name, postgres = "pgx", dsn, true
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		tb.Fatalf("testdb: open %s: %v", dsn, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		tb.Fatalf("testdb: open %s: %v", dsn, err)
	}
	tb.Cleanup(func() { db.Close() })
	return &DB{DB: db, postgres: postgres}
}

// sqliteDSN opens path waiting for the app's writers instead of failing
// with "database is locked"; the file's own settings (WAL) persist in it.
func sqliteDSN(path string) string {
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_busy_timeout=10000"
}

// Count runs query, which must return one integer (a COUNT), and returns
// it. Placeholders are written ? on both engines. An error fails tb with
// Errorf and returns -1, so Count may be called from any goroutine, such
// as a require.Eventually condition.
func (db *DB) Count(tb testing.TB, query string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := db.QueryRow(db.rebind(query), args...).Scan(&n); err != nil {
		tb.Errorf("testdb: %s: %v", query, err)
		return -1
	}
	return n
}

// Exec runs statement, its placeholders written ? on both engines, and
// fails tb if it fails.
func (db *DB) Exec(tb testing.TB, statement string, args ...any) {
	tb.Helper()
	if _, err := db.DB.Exec(db.rebind(statement), args...); err != nil {
		tb.Fatalf("testdb: %s: %v", statement, err)
	}
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, ...
func (db *DB) rebind(query string) string {
	if !db.postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// HoldWrites takes, on a connection of its own, the lock that writing to
// table needs — SQLite's write lock (the whole file), or on PostgreSQL an
// EXCLUSIVE lock on table, which still lets reads through — and holds it
// until the function it returns is called (at the latest when tb ends).
// Tests use it to make the app's writes wait.
func (db *DB) HoldWrites(tb testing.TB, table string) (release func()) {
	tb.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		tb.Fatalf("testdb: hold writes: %v", err)
	}
	lock := "BEGIN IMMEDIATE"
	if db.postgres {
		lock = "BEGIN; LOCK TABLE " + table + " IN EXCLUSIVE MODE"
	}
	if _, err := conn.ExecContext(ctx, lock); err != nil {
		conn.Close()
		tb.Fatalf("testdb: hold writes: %v", err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				tb.Errorf("testdb: release writes: %v", err)
			}
			conn.Close()
		})
	}
	tb.Cleanup(release)
	return release
}
