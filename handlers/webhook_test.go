package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/handlers"
	"rollcall/internal/testdb"
	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
)

const secret = "webhook-secret-token"

// env is the handlers over a real SQLite file and a real queue (with no
// workers: intake only), served over loopback HTTP.
type env struct {
	store *models.Store
	// db is the test's own connection to the store's database.
	db  *testdb.DB
	srv *httptest.Server
	now time.Time
}

func newEnv(t testing.TB) *env {
	e, _ := newEnvWith(t, envOptions{})
	return e
}

// envOptions vary newEnvWith: a logger (nil discards) and the webhook's
// timeout (500 ms by default, short so that tests of a locked database end
// quickly).
type envOptions struct {
	log            *slog.Logger
	webhookTimeout time.Duration
	trustedProxies []string
	writeTimeout   time.Duration
	thresholds     *models.Thresholds
	sso            handlers.SSOConfig
}

// newEnvWith builds an env and returns its router too.
func newEnvWith(t testing.TB, o envOptions) (*env, http.Handler) {
	t.Helper()
	if o.webhookTimeout == 0 {
		o.webhookTimeout = 500 * time.Millisecond
	}
	ctx := context.Background()
	dsn := testdb.DSN(t)
	store, err := models.Open(ctx, dsn, o.log)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, jobs.Migrate(ctx, store, o.log))
	q, err := jobs.New(store, nil, jobs.Config{FetchDelay: time.Minute}, o.log)
	require.NoError(t, err)
	e := &env{store: store, db: testdb.Open(t, dsn), now: time.Now()}
	h := handlers.New(store, q, handlers.Config{
		WebhookSecret:  secret,
		WebhookTimeout: o.webhookTimeout,
		Now:            func() time.Time { return e.now },
		TrustedProxies: o.trustedProxies,
		WriteTimeout:   o.writeTimeout,
		Thresholds:     o.thresholds,
		SSO:            o.sso,
		BaseURL:        "http://rollcall.test",
	}, o.log)
	router := h.Router()
	e.srv = httptest.NewServer(router)
	t.Cleanup(e.srv.Close)
	return e, router
}

// post sends body to the webhook with headers, returning status and body.
func (e *env) post(t *testing.T, body []byte, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/webhooks/zoom", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func signed(body []byte, ts time.Time, key string) http.Header {
	h := http.Header{}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	h.Set(zoom.HeaderTimestamp, stamp)
	h.Set(zoom.HeaderSignature, zoom.Sign(key, stamp, body))
	return h
}

func (e *env) counts(t *testing.T) (meetings, events, jobs int64) {
	t.Helper()
	return e.db.Count(t, "SELECT COUNT(*) FROM meetings"),
		e.db.Count(t, "SELECT COUNT(*) FROM webhook_events"),
		e.db.Count(t, "SELECT COUNT(*) FROM river_job")
}

const endedBody = `{"event":"meeting.ended","event_ts":1739923528123,"payload":{"account_id":"acct",` +
	`"object":{"id":"85912345678","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"h1","topic":"Weekly <b>sync</b>",` +
	`"type":8,"start_time":"2026-11-20T10:00:00Z","end_time":"2026-11-20T11:00:00Z","timezone":"Europe/Berlin","duration":60}}}`

func TestWebhookStoresMeetingEnded(t *testing.T) {
	e := newEnv(t)
	status, body := e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	require.Equal(t, http.StatusOK, status, body)

	m, err := e.store.MeetingByUUID(context.Background(), "4444AAAiAAAAAiAiAiiAii==")
	require.NoError(t, err)
	assert.Equal(t, int64(85912345678), m.MeetingNumber)
	assert.Equal(t, "Weekly <b>sync</b>", m.Topic)
	assert.Equal(t, models.FetchPending, m.FetchStatus)
	require.NotNil(t, m.EndTime)
	assert.Equal(t, time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC), m.EndTime.UTC())
	meetings, events, queued := e.counts(t)
	assert.Equal(t, [3]int64{1, 1, 1}, [3]int64{meetings, events, queued})

	// Redelivered (Zoom retries): still one of each.
	status, _ = e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	require.Equal(t, http.StatusOK, status)
	meetings, events, queued = e.counts(t)
	assert.Equal(t, [3]int64{1, 1, 1}, [3]int64{meetings, events, queued})
}

func TestWebhookAnswersURLValidation(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`)
	status, res := e.post(t, body, signed(body, e.now, secret))
	require.Equal(t, http.StatusOK, status)
	var got zoom.URLValidation
	require.NoError(t, json.Unmarshal([]byte(res), &got))
	assert.Equal(t, "qgg8vlvZRS6UYooatFL8Aw", got.PlainToken)
	// HMAC-SHA256("qgg8vlvZRS6UYooatFL8Aw") keyed with the secret, in hex.
	assert.Equal(t, zoom.AnswerURLValidation(secret, "qgg8vlvZRS6UYooatFL8Aw"), got)
	assert.Len(t, got.EncryptedToken, 64)
}

func TestWebhookAcceptsUnknownVerifiedEvents(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"event":"meeting.sharing_started","event_ts":1,"payload":{"object":{"id":123,"uuid":"x"}}}`)
	status, _ := e.post(t, body, signed(body, e.now, secret))
	assert.Equal(t, http.StatusOK, status)
	meetings, events, queued := e.counts(t)
	assert.Equal(t, [3]int64{0, 1, 0}, [3]int64{meetings, events, queued})
}

func TestWebhookRefusals(t *testing.T) {
	good := []byte(endedBody)
	huge := []byte(`{"event":"meeting.ended","pad":"` + strings.Repeat("x", handlers.MaxWebhookBody) + `"}`)
	for _, tc := range []struct {
		name   string
		body   []byte
		header func(now time.Time, body []byte) http.Header
		status int
	}{
		{"no headers", good, func(time.Time, []byte) http.Header { return http.Header{} }, 401},
		{"no signature", good, func(now time.Time, b []byte) http.Header {
			h := signed(b, now, secret)
			h.Del(zoom.HeaderSignature)
			return h
		}, 401},
		{"no timestamp", good, func(now time.Time, b []byte) http.Header {
			h := signed(b, now, secret)
			h.Del(zoom.HeaderTimestamp)
			return h
		}, 401},
		{"wrong secret", good, func(now time.Time, b []byte) http.Header { return signed(b, now, "other") }, 401},
		{"signature of other body", good, func(now time.Time, b []byte) http.Header {
			return signed([]byte(strings.Replace(string(b), "Weekly", "Daily", 1)), now, secret)
		}, 401},
		{"stale timestamp", good, func(now time.Time, b []byte) http.Header {
			return signed(b, now.Add(-6*time.Minute), secret)
		}, 401},
		{"future timestamp", good, func(now time.Time, b []byte) http.Header {
			return signed(b, now.Add(6*time.Minute), secret)
		}, 401},
		{"timestamp in milliseconds", good, func(now time.Time, b []byte) http.Header {
			h := http.Header{}
			stamp := strconv.FormatInt(now.UnixMilli(), 10)
			h.Set(zoom.HeaderTimestamp, stamp)
			h.Set(zoom.HeaderSignature, zoom.Sign(secret, stamp, b))
			return h
		}, 401},
		{"garbage signature", good, func(now time.Time, b []byte) http.Header {
			h := signed(b, now, secret)
			h.Set(zoom.HeaderSignature, "v0=zz")
			return h
		}, 401},
		{"signed but not JSON", []byte(`{"event":`), func(now time.Time, b []byte) http.Header { return signed(b, now, secret) }, 400},
		{"signed but no event", []byte(`{"payload":{}}`), func(now time.Time, b []byte) http.Header { return signed(b, now, secret) }, 400},
		{"signed end without uuid", []byte(`{"event":"meeting.ended","event_ts":1,"payload":{"object":{"id":"1"}}}`),
			func(now time.Time, b []byte) http.Header { return signed(b, now, secret) }, 400},
		{"over 1 MiB, signed", huge, func(now time.Time, b []byte) http.Header { return signed(b, now, secret) }, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			status, body := e.post(t, tc.body, tc.header(e.now, tc.body))
			assert.Equal(t, tc.status, status, body)
			meetings, events, queued := e.counts(t)
			assert.Equal(t, [3]int64{0, 0, 0}, [3]int64{meetings, events, queued}, "a refused request reached the database")
		})
	}
}

func TestWebhookRefusesOversizedChunkedBody(t *testing.T) {
	e := newEnv(t)
	// No Content-Length: the limit must hold while reading.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"event":"meeting.ended","pad":"`))
		chunk := bytes.Repeat([]byte("y"), 64<<10)
		for range 20 {
			if _, err := pw.Write(chunk); err != nil {
				break
			}
		}
		pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/webhooks/zoom", pr)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
}

func TestWebhookAnswers503WhenTheDatabaseCannotStore(t *testing.T) {
	e := newEnv(t)
	// Another writer holds the lock the webhook needs past its timeout:
	// SQLite's write lock, or on PostgreSQL a lock on the events table.
	release := e.db.HoldWrites(t, "webhook_events")

	status, _ := e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	assert.Equal(t, http.StatusServiceUnavailable, status)

	release()

	// Zoom redelivers; the attempt that timed out may have committed once
	// the lock was gone, but either way the event is stored exactly once.
	status, _ = e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	assert.Equal(t, http.StatusOK, status)
	require.Eventually(t, func() bool {
		m, ev, q := e.counts(t)
		return m == 1 && ev == 1 && q == 1
	}, 15*time.Second, 20*time.Millisecond)
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(e.srv.URL + path)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, path)
	}
}

// rollcall_webhooks_total counts webhooks by event and outcome.
func TestWebhookMetricCountsOutcomes(t *testing.T) {
	e := newEnv(t)
	for range 2 { // stored, then the redelivery is a duplicate
		status, _ := e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
		require.Equal(t, http.StatusOK, status)
	}
	status, _ := e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, "not the secret"))
	require.Equal(t, http.StatusUnauthorized, status)
	res, err := http.Get(e.srv.URL + "/metrics")
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, line := range []string{
		`rollcall_webhooks_total{event="meeting.ended",outcome="stored"} 1`,
		`rollcall_webhooks_total{event="meeting.ended",outcome="duplicate"} 1`,
		`rollcall_webhooks_total{event="unknown",outcome="401"} 1`,
	} {
		assert.Contains(t, string(b), line)
	}
}

// A webinar's practice session (webinar.ended with practice_session: true)
// is kept and shown on its page.
func TestWebhookKeepsAPracticeSession(t *testing.T) {
	e := newEnv(t)
	body := `{"event":"webinar.ended","event_ts":1739923528123,"payload":{"account_id":"acct",` +
		`"object":{"id":"95912345678","uuid":"practice-run==","host_id":"h1","topic":"Launch (rehearsal)",` +
		`"type":5,"practice_session":true,"start_time":"2026-11-20T10:00:00Z","end_time":"2026-11-20T11:00:00Z","duration":60}}}`
	code, _ := e.post(t, []byte(body), signed([]byte(body), e.now, secret))
	require.Equal(t, http.StatusOK, code)
	m, err := e.store.MeetingByUUID(context.Background(), "practice-run==")
	require.NoError(t, err)
	assert.True(t, m.PracticeSession)
	assert.True(t, m.Webinar)

	c := e.client(t, models.RoleViewer)
	code, page := status(t, c, http.MethodGet, e.srv.URL+"/meetings/"+strconv.FormatUint(m.ID, 10))
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `data-testid="practice-session">practice session<`)

	// An ordinary end leaves it unmarked.
	code, _ = e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	require.Equal(t, http.StatusOK, code)
	m, err = e.store.MeetingByUUID(context.Background(), "4444AAAiAAAAAiAiAiiAii==")
	require.NoError(t, err)
	assert.False(t, m.PracticeSession)
}
