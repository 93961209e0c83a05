package main

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// The root package's tests run the command line: run() as main calls it,
// and (crash_test.go, replicas_test.go, static_binary_test.go) the built
// binary as a separate process. Tests of the app itself boot it in-process
// through internal/apptest, beside the code they test.

// binaryEnv is the environment of a rollcall binary pointed at fake, plus
// the settings in extra ("NAME=value").
func binaryEnv(fake *zoomtest.Server, extra ...string) []string {
	env := extra
	for k, v := range apptest.ZoomSettings(fake) {
		env = append(env, k+"="+v)
	}
	return env
}

func TestRunRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name, key, val, want string
	}{
		{"duration", "ROLLCALL_FETCH_DELAY", "soon", "ROLLCALL_FETCH_DELAY"},
		{"zone", "ROLLCALL_TIMEZONE", "Mars/Olympus", "ROLLCALL_TIMEZONE"},
		{"percent", "ROLLCALL_PRESENT_PERCENT", "120", "ROLLCALL_PRESENT_PERCENT"},
		{"source", "ZOOM_PARTICIPANTS_SOURCE", "magic", "ZOOM_PARTICIPANTS_SOURCE"},
		{"url", "ZOOM_API_URL", "ftp://x", "ZOOM_API_URL"},
		{"proxies", "ROLLCALL_TRUSTED_PROXIES", "10.0.0.0/8, my-proxy", "ROLLCALL_TRUSTED_PROXIES"},
		{"bool", "ROLLCALL_STORE_NETWORK_IDS", "perhaps", "ROLLCALL_STORE_NETWORK_IDS"},
		{"rate", "ZOOM_RATE_HEAVY", "0", "ZOOM_RATE_HEAVY"},
		{"sweep every", "ROLLCALL_SWEEP_EVERY", "500ms", "ROLLCALL_SWEEP_EVERY"},
		{"sweep lookback", "ROLLCALL_SWEEP_LOOKBACK", "a while", "ROLLCALL_SWEEP_LOOKBACK"},
		{"missing secret", "ZOOM_WEBHOOK_SECRET_TOKEN", "", "ZOOM_WEBHOOK_SECRET_TOKEN is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{
				"ROLLCALL_DATABASE": filepath.Join(t.TempDir(), "x.db"), "ROLLCALL_ADDR": "127.0.0.1:0",
				"ZOOM_ACCOUNT_ID": "a", "ZOOM_CLIENT_ID": "b", "ZOOM_CLIENT_SECRET": "c", "ZOOM_WEBHOOK_SECRET_TOKEN": "d",
			}
			env[tc.key] = tc.val
			err := run(context.Background(), []string{"rollcall"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n\n")
		})
	}
}

func TestRunVersionAndHelp(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"rollcall", "version"}, func(string) string { return "" }, nil, &out, io.Discard))
	assert.Contains(t, out.String(), "rollcall ")
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"rollcall", "--help"}, func(string) string { return "" }, nil, &out, io.Discard))
	assert.Contains(t, out.String(), "rollcall migrate")
	err := run(context.Background(), []string{"rollcall", "frobnicate"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	assert.ErrorContains(t, err, `unknown command "frobnicate"`)
}

func TestUsersCommand(t *testing.T) {
	env := map[string]string{"ROLLCALL_DATABASE": filepath.Join(t.TempDir(), "u.db")}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out strings.Builder
	err := run(ctx, []string{"rollcall", "users", "add", "--email", "Boss@Example.com", "--role", "admin"},
		getenv, strings.NewReader("a long password\n"), &out, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "added boss@example.com (admin)\n", out.String())

	err = run(ctx, []string{"rollcall", "users", "add", "--email", "v@example.com"},
		getenv, strings.NewReader(""), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "password on stdin")
	err = run(ctx, []string{"rollcall", "users", "add", "--email", "v@example.com", "--role", "boss"},
		getenv, strings.NewReader("a long password\n"), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "role")

	out.Reset()
	require.NoError(t, run(ctx, []string{"rollcall", "users", "list"}, getenv, nil, &out, io.Discard))
	assert.Contains(t, out.String(), "boss@example.com")
	assert.NotContains(t, out.String(), "$2a$")

	out.Reset()
	require.NoError(t, run(ctx, []string{"rollcall", "users", "remove", "--email", "boss@example.com"}, getenv, nil, &out, io.Discard))
	assert.Equal(t, "removed boss@example.com\n", out.String())
	err = run(ctx, []string{"rollcall", "users", "remove", "--email", "boss@example.com"}, getenv, nil, io.Discard, io.Discard)
	assert.ErrorIs(t, err, models.ErrNotFound)
}

func TestTokensCommand(t *testing.T) {
	env := map[string]string{"ROLLCALL_DATABASE": filepath.Join(t.TempDir(), "t.db")}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	require.NoError(t, run(ctx, []string{"rollcall", "users", "add", "--email", "boss@example.com", "--role", "admin"},
		getenv, strings.NewReader("a long password\n"), io.Discard, io.Discard))

	var out strings.Builder
	require.NoError(t, run(ctx, []string{"rollcall", "tokens", "add", "--email", "Boss@example.com", "--name", "grade book", "--expires", "720h"},
		getenv, nil, &out, io.Discard))
	secret := strings.TrimSuffix(out.String(), "\n")
	assert.Regexp(t, `^rc_[A-Za-z0-9_-]{43}$`, secret, "only the token, on one line")

	store, err := models.Open(ctx, env["ROLLCALL_DATABASE"], nil)
	require.NoError(t, err)
	defer store.Close()
	u, tok, err := store.TokenUser(ctx, secret, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "boss@example.com", u.Email)
	require.NotNil(t, tok.ExpiresAt)
	assert.WithinDuration(t, time.Now().Add(720*time.Hour), *tok.ExpiresAt, time.Minute)

	out.Reset()
	require.NoError(t, run(ctx, []string{"rollcall", "tokens", "list"}, getenv, nil, &out, io.Discard))
	assert.Contains(t, out.String(), "boss@example.com")
	assert.Contains(t, out.String(), `"grade book"`)
	assert.NotContains(t, out.String(), secret[3:], "list never shows a token")

	err = run(ctx, []string{"rollcall", "tokens", "add", "--email", "nobody@example.com"}, getenv, nil, io.Discard, io.Discard)
	assert.ErrorIs(t, err, models.ErrNotFound)
	err = run(ctx, []string{"rollcall", "tokens", "add", "--email", "boss@example.com", "--expires", "soon"}, getenv, nil, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "invalid value")
	err = run(ctx, []string{"rollcall", "tokens", "add", "--email", "boss@example.com", "--expires", "-1h"}, getenv, nil, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "negative")

	out.Reset()
	require.NoError(t, run(ctx, []string{"rollcall", "tokens", "revoke", "--id", strconv.FormatUint(tok.ID, 10)}, getenv, nil, &out, io.Discard))
	assert.Equal(t, "revoked token "+strconv.FormatUint(tok.ID, 10)+"\n", out.String())
	_, _, err = store.TokenUser(ctx, secret, time.Now())
	assert.ErrorIs(t, err, models.ErrNotFound, "a revoked token is refused")
	err = run(ctx, []string{"rollcall", "tokens", "revoke", "--id", strconv.FormatUint(tok.ID, 10)}, getenv, nil, io.Discard, io.Discard)
	assert.ErrorIs(t, err, models.ErrNotFound)
}

func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--help"}, {"migrate", "-h"}, {"users", "add", "--help"}, {"version", "--help"},
		{"demo", "--help"}, {"healthcheck", "--help"}, {"migrate-data", "--help"}, {"tokens", "add", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out strings.Builder
			// No settings at all: help must not need them, nor touch a database.
			err := run(context.Background(), append([]string{"rollcall"}, args...), func(string) string { return "" }, nil, &out, io.Discard)
			require.NoError(t, err)
			assert.Contains(t, out.String(), "Usage")
		})
	}
}

// The commands that live in their own packages get their arguments.
func TestRunDispatchesSubcommands(t *testing.T) {
	getenv := func(string) string { return "" }
	err := run(context.Background(), []string{"rollcall", "migrate-data", "--from", "x.db", "--to", "x.db"}, getenv, nil, io.Discard, io.Discard)
	assert.EqualError(t, err, "migrate-data: --to must be a postgres:// URL")
	err = run(context.Background(), []string{"rollcall", "demo", "--password", "a long enough password"}, getenv, nil, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "flag provided but not defined: -password")
}

func TestMigrateCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	var out strings.Builder
	err := run(context.Background(), []string{"rollcall", "migrate"},
		func(k string) string { return map[string]string{"ROLLCALL_DATABASE": db}[k] }, nil, &out, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "migrated "+db+"\n", out.String())
	s, err := models.Open(context.Background(), db, nil)
	require.NoError(t, err)
	defer s.Close()
	n, err := s.CountUsers(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n)
	var jobs int64
	require.NoError(t, testdb.Open(t, db).QueryRow("SELECT COUNT(*) FROM river_job").Scan(&jobs), "the queue's tables exist")
}
