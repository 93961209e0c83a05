// Package testdb gives each test a fresh, empty rollcall database: a SQLite
// file by default, or a new PostgreSQL database when ROLLCALL_TEST_POSTGRES
// names a server, so that the whole suite runs on either engine.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvPostgres names the variable holding a postgres:// URL of a server on
// which the tests may create and drop databases.
const EnvPostgres = "ROLLCALL_TEST_POSTGRES"

// Postgres reports whether the tests run against PostgreSQL.
func Postgres() bool { return os.Getenv(EnvPostgres) != "" }

// DSN returns the ROLLCALL_DATABASE value of a fresh database for tb,
// removed when tb ends. With ROLLCALL_TEST_POSTGRES set but the server
// unreachable, the test fails: it never silently falls back to SQLite.
func DSN(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		return filepath.Join(tb.TempDir(), "rollcall.db")
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatalf("testdb: %s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "rollcall_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("testdb: create database on %s: %v", EnvPostgres, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Logf("testdb: drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("testdb: %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}
