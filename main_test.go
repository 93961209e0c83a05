package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// app is rollcall started by run() on a free loopback port.
type app struct {
	URL    string
	DBPath string
	fake   *zoomtest.Server
	cancel context.CancelFunc
	done   chan error
}

// startApp boots the real app against fake with the settings env (on top
// of test defaults), and waits until /readyz answers.
func startApp(t *testing.T, fake *zoomtest.Server, env map[string]string) *app {
	t.Helper()
	dbPath := testdb.DSN(t)
	vars := fakeZoomSettings(fake)
	maps.Copy(vars, map[string]string{
		"ROLLCALL_ADDR":            "127.0.0.1:0",
		"ROLLCALL_DATABASE":        dbPath,
		"ROLLCALL_FETCH_DELAY":     "0s",
		"ROLLCALL_NOT_READY_RETRY": "50ms",
		"ROLLCALL_LOG_LEVEL":       "warn",
	})
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	a := &app{DBPath: dbPath, fake: fake, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := run(ctx, []string{"rollcall", "serve"}, func(k string) string { return vars[k] }, pw, testLogWriter{t})
		pw.Close()
		a.done <- err
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "rollcall listening on "); ok {
				urls <- u
			}
		}
	}()
	select {
	case a.URL = <-urls:
	case err := <-a.done:
		t.Fatalf("rollcall exited at start: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("rollcall did not start in 20s")
	}
	t.Cleanup(a.stop)
	require.Eventually(t, func() bool {
		res, err := http.Get(a.URL + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)
	return a
}

func (a *app) stop() {
	if a.cancel == nil {
		return
	}
	a.cancel()
	a.cancel = nil
	<-a.done
}

// binaryEnv is the environment of a rollcall binary pointed at fake, plus
// the settings in extra ("NAME=value").
func binaryEnv(fake *zoomtest.Server, extra ...string) []string {
	env := extra
	for k, v := range fakeZoomSettings(fake) {
		env = append(env, k+"="+v)
	}
	return env
}

// testLogWriter sends the app's log to the test log.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// postEnded posts a signed meeting.ended for m and returns the status.
func (a *app) postEnded(t *testing.T, m zoomtest.Meeting) int {
	t.Helper()
	req, err := zoomtest.SignedWebhook(a.URL+"/webhooks/zoom", a.fake.WebhookSecret,
		zoomtest.MeetingEndedBody(m, m.End), time.Now())
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// openDB opens the app's database beside it (WAL lets both read).
func (a *app) openDB(t *testing.T) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), a.DBPath, nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// waitFetched waits until the meeting with uuid is fetched or failed.
func waitFetched(t *testing.T, s *models.Store, uuid string, within time.Duration) models.Meeting {
	t.Helper()
	var m models.Meeting
	var err error
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		m, err = s.MeetingByUUID(context.Background(), uuid)
		if err == nil && (m.FetchStatus == models.FetchFetched || m.FetchStatus == models.FetchFailed) {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("meeting %s not fetched in %s: err=%v, state %s, last error %q, attempts %d",
		uuid, within, err, m.FetchStatus, m.LastError, m.FetchAttempts)
	return m
}

// assertStoredExactly checks that the stored segments of uuid are exactly
// the fake's participant rows, each once, in Zoom's order.
func assertStoredExactly(t *testing.T, s *models.Store, m zoomtest.Meeting) {
	t.Helper()
	ctx := context.Background()
	stored, err := s.MeetingByUUID(ctx, m.UUID)
	require.NoError(t, err)
	require.Equal(t, models.FetchFetched, stored.FetchStatus, "last error: %s", stored.LastError)
	segs, err := s.Segments(ctx, stored.ID)
	require.NoError(t, err)
	require.Len(t, segs, len(m.Participants))
	assert.Equal(t, len(m.Participants), stored.SegmentCount)
	for i, seg := range segs {
		assert.Equal(t, m.Participants[i].Join.UTC(), seg.JoinTime.UTC(), "segment %d", i)
		assert.NotEmpty(t, seg.Raw)
		assert.NotEmpty(t, seg.PersonKey)
	}
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
		{"missing secret", "ZOOM_WEBHOOK_SECRET_TOKEN", "", "ZOOM_WEBHOOK_SECRET_TOKEN is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{
				"ROLLCALL_DATABASE": filepath.Join(t.TempDir(), "x.db"), "ROLLCALL_ADDR": "127.0.0.1:0",
				"ZOOM_ACCOUNT_ID": "a", "ZOOM_CLIENT_ID": "b", "ZOOM_CLIENT_SECRET": "c", "ZOOM_WEBHOOK_SECRET_TOKEN": "d",
			}
			env[tc.key] = tc.val
			err := run(context.Background(), []string{"rollcall"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n\n")
		})
	}
}

func TestRunVersionAndHelp(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"rollcall", "version"}, func(string) string { return "" }, &out, io.Discard))
	assert.Contains(t, out.String(), "rollcall ")
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"rollcall", "--help"}, func(string) string { return "" }, &out, io.Discard))
	assert.Contains(t, out.String(), "rollcall migrate")
	err := run(context.Background(), []string{"rollcall", "frobnicate"}, func(string) string { return "" }, io.Discard, io.Discard)
	assert.ErrorContains(t, err, `unknown command "frobnicate"`)
}

func TestIngestEndToEnd(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := startApp(t, fake, nil)
	db := a.openDB(t)

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 40, Seed: 1})
	fake.AddMeeting(m)
	require.Equal(t, http.StatusOK, a.postEnded(t, m))
	waitFetched(t, db, m.UUID, 20*time.Second)
	assertStoredExactly(t, db, m)
}

func TestIngestConcurrentDuplicateDeliveries(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := startApp(t, fake, nil)
	db := a.openDB(t)

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 25, Seed: 2})
	fake.AddMeeting(m)
	var wg sync.WaitGroup
	statuses := make([]int, 3)
	for i := range statuses {
		wg.Add(1)
		go func() { defer wg.Done(); statuses[i] = a.postEnded(t, m) }()
	}
	wg.Wait()
	assert.Equal(t, []int{200, 200, 200}, statuses)
	waitFetched(t, db, m.UUID, 20*time.Second)
	assertStoredExactly(t, db, m)

	var meetings, events, fetchJobs int64
	require.NoError(t, db.DB.Model(&models.Meeting{}).Count(&meetings).Error)
	require.NoError(t, db.DB.Model(&models.WebhookEvent{}).Count(&events).Error)
	require.NoError(t, db.DB.Raw("SELECT COUNT(*) FROM river_job WHERE kind = 'fetch_participants'").Scan(&fetchJobs).Error)
	assert.Equal(t, int64(1), meetings)
	assert.Equal(t, int64(1), events)
	assert.Equal(t, int64(1), fetchJobs, "duplicate deliveries queued more than one fetch")

	// A late redelivery, after the fetch, changes nothing.
	require.Equal(t, http.StatusOK, a.postEnded(t, m))
	require.NoError(t, db.DB.Raw("SELECT COUNT(*) FROM river_job WHERE kind = 'fetch_participants'").Scan(&fetchJobs).Error)
	assert.Equal(t, int64(1), fetchJobs)
	assertStoredExactly(t, db, m)
}

func TestIngestManyMeetings(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := startApp(t, fake, nil)
	db := a.openDB(t)
	var ms []zoomtest.Meeting
	for i := range 20 {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: 1 + i*7, Seed: int64(100 + i)})
		fake.AddMeeting(m)
		ms = append(ms, m)
		require.Equal(t, http.StatusOK, a.postEnded(t, m), fmt.Sprint(i))
	}
	for _, m := range ms {
		waitFetched(t, db, m.UUID, 30*time.Second)
		assertStoredExactly(t, db, m)
	}
}

func TestUsersCommand(t *testing.T) {
	env := map[string]string{"ROLLCALL_DATABASE": filepath.Join(t.TempDir(), "u.db")}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out strings.Builder
	err := runWithInput(ctx, []string{"rollcall", "users", "add", "--email", "Boss@Example.com", "--role", "admin"},
		getenv, strings.NewReader("a long password\n"), &out, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "added boss@example.com (admin)\n", out.String())

	err = runWithInput(ctx, []string{"rollcall", "users", "add", "--email", "v@example.com"},
		getenv, strings.NewReader(""), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "password on stdin")
	err = runWithInput(ctx, []string{"rollcall", "users", "add", "--email", "v@example.com", "--role", "boss"},
		getenv, strings.NewReader("a long password\n"), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "role")

	out.Reset()
	require.NoError(t, runWithInput(ctx, []string{"rollcall", "users", "list"}, getenv, nil, &out, io.Discard))
	assert.Contains(t, out.String(), "boss@example.com")
	assert.NotContains(t, out.String(), "$2a$")

	out.Reset()
	require.NoError(t, runWithInput(ctx, []string{"rollcall", "users", "remove", "--email", "boss@example.com"}, getenv, nil, &out, io.Discard))
	assert.Equal(t, "removed boss@example.com\n", out.String())
	err = runWithInput(ctx, []string{"rollcall", "users", "remove", "--email", "boss@example.com"}, getenv, nil, io.Discard, io.Discard)
	assert.ErrorIs(t, err, models.ErrNotFound)
}

func TestFirstAdminFromSettings(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := startApp(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL": "first@example.com", "ROLLCALL_ADMIN_PASSWORD": "first admin password",
	})
	db := a.openDB(t)
	u, err := db.UserByEmail(context.Background(), "first@example.com")
	require.NoError(t, err)
	assert.True(t, u.IsAdmin())
	_, err = db.Authenticate(context.Background(), "first@example.com", "first admin password")
	assert.NoError(t, err)
}
