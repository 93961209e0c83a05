package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/app"
	"rollcall/internal/apptest"
	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// config is the settings of a test app against fake, plus env.
func config(t *testing.T, fake *zoomtest.Server, env map[string]string) app.Config {
	t.Helper()
	vars := apptest.ZoomSettings(fake)
	vars["ROLLCALL_DATABASE"] = testdb.DSN(t)
	vars["ROLLCALL_SWEEP_EVERY"] = "0"
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := app.LoadConfig(func(k string) string { return vars[k] })
	require.NoError(t, err)
	return cfg
}

func TestFirstAdminFromSettings(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL": "first@example.com", "ROLLCALL_ADMIN_PASSWORD": "first admin password",
	})
	db := a.Store()
	u, err := db.UserByEmail(context.Background(), "first@example.com")
	require.NoError(t, err)
	assert.True(t, u.IsAdmin())
	_, err = db.Authenticate(context.Background(), "first@example.com", "first admin password")
	assert.NoError(t, err)
}

func TestNewRefusesABadFirstAdmin(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	cfg := config(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL": "first@example.com", "ROLLCALL_ADMIN_PASSWORD": "short",
	})
	_, err := app.New(context.Background(), cfg, nil)
	assert.ErrorContains(t, err, "ROLLCALL_ADMIN_PASSWORD: must be at least 10 characters")
}

func TestNewRequiresZoomSettings(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	cfg := config(t, fake, nil)
	cfg.Zoom.ClientID = ""
	_, err := app.New(context.Background(), cfg, nil)
	assert.EqualError(t, err, "ZOOM_CLIENT_ID is not set (see README: Deploying)")
}

// The handler works without Serve (for tests that drive it directly), and
// Close without Serve releases the store.
func TestHandlerWithoutServe(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a, err := app.New(context.Background(), config(t, fake, nil), nil)
	require.NoError(t, err)
	for _, path := range []string{"/healthz", "/readyz"} {
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		assert.Equal(t, http.StatusOK, rec.Code, path)
	}
	require.NoError(t, a.Close())
	require.NoError(t, a.Close(), "a second Close does nothing")
	assert.Error(t, a.Store().Ping(context.Background()), "the store is closed")
}

// Serve answers on the listener it is given until its context ends, then
// returns nil having stopped HTTP and closed the store.
func TestServeUntilContextEnds(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a, err := app.New(context.Background(), config(t, fake, nil), nil)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	cancel()
	require.NoError(t, <-served)
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "the listener is closed")
	assert.Error(t, a.Store().Ping(context.Background()), "the store is closed")
	assert.NoError(t, a.Close())
}

func TestLocalAddr(t *testing.T) {
	for in, want := range map[string]string{
		":8080":            "127.0.0.1:8080",
		"0.0.0.0:8080":     "127.0.0.1:8080",
		"[::]:9090":        "127.0.0.1:9090",
		"127.0.0.1:8080":   "127.0.0.1:8080",
		"10.1.2.3:80":      "10.1.2.3:80",
		"rollcall.lan:443": "rollcall.lan:443",
		"[::1]:8080":       "[::1]:8080",
		"no port":          "no port",
	} {
		assert.Equal(t, want, app.LocalAddr(in), in)
	}
}

// Serving starts by computing the home page's week in the background, so
// that the first manager to open / after a start does not wait for it.
func TestServeWarmsTheHomePageCache(t *testing.T) {
	ctx := context.Background()
	fake := zoomtest.NewServer()
	defer fake.Close()
	cfg := config(t, fake, nil)
	seed, err := app.OpenStore(ctx, cfg.Database, nil)
	require.NoError(t, err)
	for i := range 3 {
		start := time.Now().Add(-time.Duration(i+1) * 20 * time.Hour)
		end := start.Add(time.Hour)
		_, err := seed.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: fmt.Sprint("week-", i, "=="),
			MeetingNumber: 81234567890, Topic: "Weekly", StartTime: start, EndTime: &end})
		require.NoError(t, err)
	}
	old := time.Now().AddDate(0, 0, -30)
	_, err = seed.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: "last-month==", StartTime: old})
	require.NoError(t, err)
	require.NoError(t, seed.Close())

	var logs apptest.Buffer
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serveCtx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(serveCtx, ln) }()

	// The week's three meetings (the series' latest instances are the same
	// three); last month's is not the home page's.
	require.Eventually(t, func() bool {
		return strings.Contains(logs.String(), `msg="home page cache warmed" meetings=3 `)
	}, 15*time.Second, 10*time.Millisecond, "log: %s", &logs)
	cancel()
	require.NoError(t, <-served)
}
