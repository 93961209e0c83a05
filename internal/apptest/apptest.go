// Package apptest boots rollcall for tests, in the manner of httptest: Start
// runs the real app (app.New and app.Serve) on a loopback listener against
// a fake Zoom, with a fresh database from testdb. It also holds the checks
// the end-to-end tests share: waiting for a fetch, comparing what was stored
// with what Zoom listed, and signing in through the login form.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/app"
	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// App is rollcall serving on a free loopback port.
type App struct {
	// URL is where it answers, http://127.0.0.1:port.
	URL string
	// DSN is its database: a SQLite file or a postgres:// URL (testdb).
	DSN string

	app    *app.App
	fake   *zoomtest.Server
	cancel context.CancelFunc
	done   chan error
}

// Start boots the real app against fake with the settings env on top of
// test defaults (a fresh database, no fetch delay, no sweeps, short "not
// ready" retries, warnings only in the log), and stops it when tb ends. It fails
// tb when the settings are refused or the app cannot start.
func Start(tb testing.TB, fake *zoomtest.Server, env map[string]string) *App {
	tb.Helper()
	return Serve(tb, Listen(tb), fake, env)
}

// Listen opens the loopback listener an app will Serve on, for a test that
// must know the app's URL before it starts (a single sign-on provider
// registers its callback).
func Listen(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err, "listen")
	return ln
}

// Serve is Start on ln; ROLLCALL_BASE_URL defaults to ln's URL.
func Serve(tb testing.TB, ln net.Listener, fake *zoomtest.Server, env map[string]string) *App {
	tb.Helper()
	vars := ZoomSettings(fake)
	maps.Copy(vars, map[string]string{
		"ROLLCALL_DATABASE":        testdb.DSN(tb),
		"ROLLCALL_FETCH_DELAY":     "0s",
		"ROLLCALL_SWEEP_EVERY":     "0",
		"ROLLCALL_NOT_READY_RETRY": "50ms",
		"ROLLCALL_LOG_LEVEL":       "warn",
		"ROLLCALL_BASE_URL":        "http://" + ln.Addr().String(),
	})
	maps.Copy(vars, env)
	cfg, err := app.LoadConfig(func(k string) string { return vars[k] })
	if err != nil {
		ln.Close()
		require.NoError(tb, err, "settings")
	}
	a, err := app.New(context.Background(), cfg, Logger(tb, cfg.LogLevel))
	if err != nil {
		ln.Close()
		require.NoError(tb, err, "app.New")
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &App{URL: "http://" + ln.Addr().String(), DSN: cfg.Database, app: a, fake: fake,
		cancel: cancel, done: make(chan error, 1)}
	go func() { t.done <- a.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		if err := t.Stop(); err != nil {
			tb.Errorf("rollcall did not stop cleanly: %v", err)
		}
	})
	return t
}

// Stop shuts the app down as SIGTERM would and returns Serve's error. Calls
// after the first return nil.
func (a *App) Stop() error {
	if a.cancel == nil {
		return nil
	}
	a.cancel()
	a.cancel = nil
	return <-a.done
}

// Store is the app's own store, for checking what it stored. It is closed
// when the app stops.
func (a *App) Store() *models.Store { return a.app.Store() }

// PostEnded posts a signed meeting.ended (webinar.ended for a webinar) for
// m, as Zoom would, and returns the status.
func (a *App) PostEnded(tb testing.TB, m zoomtest.Meeting) int {
	tb.Helper()
	return a.PostEvent(tb, zoomtest.MeetingEndedBody(m, m.End))
}

// PostEvent posts body as a signed webhook, as Zoom would, and returns the
// status.
func (a *App) PostEvent(tb testing.TB, body []byte) int {
	tb.Helper()
	req, err := zoomtest.SignedWebhook(a.URL+"/webhooks/zoom", a.fake.WebhookSecret, body, time.Now())
	require.NoError(tb, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// ZoomSettings are the settings (environment variables) that point
// rollcall at fake: its credentials, webhook secret and URLs.
func ZoomSettings(fake *zoomtest.Server) map[string]string {
	return app.ZoomSettings(fake.ClientConfig(), fake.WebhookSecret)
}

// LogWriter sends what is written to it (a log, a process's stderr) to
// tb's log, line by line.
func LogWriter(tb testing.TB) io.Writer { return logWriter{tb} }

// Logger is a text logger at level that writes to tb's log.
func Logger(tb testing.TB, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewTextHandler(LogWriter(tb), &slog.HandlerOptions{Level: level}))
}

type logWriter struct{ tb testing.TB }

// Buffer collects what an app writes (its log, the demo's output) from
// many goroutines while a test reads it.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (w logWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// WaitFetched waits until the meeting with uuid is fetched or failed, and
// returns it; it fails tb after within.
func WaitFetched(tb testing.TB, s *models.Store, uuid string, within time.Duration) models.Meeting {
	tb.Helper()
	var m models.Meeting
	var err error
	done := func() bool {
		m, err = s.MeetingByUUID(context.Background(), uuid)
		return err == nil && (m.FetchStatus == models.FetchFetched || m.FetchStatus == models.FetchFailed)
	}
	if !assert.Eventually(tb, done, within, 20*time.Millisecond) {
		tb.Fatalf("meeting %s not fetched in %s: err=%v, state %s, last error %q, attempts %d",
			uuid, within, err, m.FetchStatus, m.LastError, m.FetchAttempts)
	}
	return m
}

// AssertStoredExactly checks that the stored segments of m are exactly the
// fake's participant rows, each once, in Zoom's order.
func AssertStoredExactly(tb testing.TB, s *models.Store, m zoomtest.Meeting) {
	tb.Helper()
	ctx := context.Background()
	stored, err := s.MeetingByUUID(ctx, m.UUID)
	require.NoError(tb, err)
	require.Equal(tb, models.FetchFetched, stored.FetchStatus, "last error: %s", stored.LastError)
	segs, err := s.Segments(ctx, stored.ID)
	require.NoError(tb, err)
	require.Len(tb, segs, len(m.Participants))
	assert.Equal(tb, len(m.Participants), stored.SegmentCount)
	for i, seg := range segs {
		assert.Equal(tb, m.Participants[i].Join.UTC(), seg.JoinTime.UTC(), "segment %d", i)
		assert.NotEmpty(tb, seg.Raw)
		assert.NotEmpty(tb, seg.PersonKey)
	}
}

// SignIn posts the login form at base and returns a client holding the
// session.
func SignIn(tb testing.TB, base, email, password string) *http.Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(tb, err)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	require.NoError(tb, err)
	defer res.Body.Close()
	require.Equal(tb, http.StatusOK, res.StatusCode, "sign-in should land on a page")
	require.Equal(tb, "/", res.Request.URL.Path, "sign-in should go on to the home page")
	return c
}

// GetDoc gets u with c, requires 200, and parses the page.
func GetDoc(tb testing.TB, c *http.Client, u string) *goquery.Document {
	tb.Helper()
	res, err := c.Get(u)
	require.NoError(tb, err)
	defer res.Body.Close()
	require.Equal(tb, http.StatusOK, res.StatusCode, u)
	doc, err := goquery.NewDocumentFromReader(res.Body)
	require.NoError(tb, err)
	return doc
}
