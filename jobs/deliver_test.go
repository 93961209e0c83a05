package jobs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
	"rollcall/zoom"
)

// TestSignWebhookMatchesTheStandardVector checks SignWebhook against the
// test vector the Standard Webhooks reference libraries publish (the Go
// library's TestWebhookSign and the Python library's test_sign_function
// share it): an implementation that is not ours computed the expected value.
func TestSignWebhookMatchesTheStandardVector(t *testing.T) {
	got, err := SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	require.NoError(t, err)
	assert.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", got)

	_, err = SignWebhook("whsec_not base64!", "msg_1", time.Unix(1, 0), nil)
	assert.Error(t, err)
	_, err = SignWebhook("whsec_", "msg_1", time.Unix(1, 0), nil)
	assert.Error(t, err)
}

func TestNewWebhookSecret(t *testing.T) {
	a, b := NewWebhookSecret(), NewWebhookSecret()
	assert.NotEqual(t, a, b)
	require.True(t, strings.HasPrefix(a, "whsec_"))
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	require.NoError(t, err)
	assert.Len(t, key, 32)
}

// verifyStandardWebhook checks a received request as a receiver following
// the Standard Webhooks spec does (written from the spec, independently of
// SignWebhook): the signed content is id.timestamp.body, the key is the
// secret's base64 after whsec_, the header may hold several space-separated
// "v1,<sig>" of which one must match, and the timestamp must be recent.
func verifyStandardWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return errors.New("bad timestamp")
	}
	key, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, b64, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no matching signature")
}

// receiver is a webhook receiver on loopback that answers each request
// with the next of its codes (the last one repeats) and records what it got.
type receiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	codes  []int
	got    []received
}

type received struct {
	header http.Header
	body   []byte
	verify error
}

func newReceiver(t *testing.T, clock func() time.Time, codes ...int) *receiver {
	t.Helper()
	r := &receiver{codes: codes}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		code := r.codes[min(len(r.got), len(r.codes)-1)]
		r.got = append(r.got, received{header: req.Header.Clone(), body: body,
			verify: verifyStandardWebhook(r.secret, req.Header, body, clock())})
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// deliveryEnv is a test environment with a queue (enqueue only) and a
// delivery worker whose HTTP attempts time out after timeout.
type deliveryEnv struct {
	*testEnv
	queue  *Queue
	worker *DeliverWorker
}

func newDeliveryEnv(t *testing.T, timeout time.Duration) *deliveryEnv {
	t.Helper()
	e := newTestEnv(t, Config{WebhookTimeout: timeout, BaseURL: "https://rollcall.example/"})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)
	return &deliveryEnv{testEnv: e, queue: q, worker: newDeliverWorker(e.store, e.cfg, slogDiscard())}
}

// endpoint registers url with a fresh secret and points r at the secret.
func (e *deliveryEnv) endpoint(t *testing.T, url string, r *receiver) models.WebhookEndpoint {
	t.Helper()
	ep, err := e.store.CreateWebhookEndpoint(context.Background(), url, NewWebhookSecret())
	require.NoError(t, err)
	if r != nil {
		r.secret = ep.Secret
	}
	return ep
}

// announce queues attendance_ready for a fresh meeting and returns the
// deliveries made.
func (e *deliveryEnv) announce(t *testing.T, uuid string) []models.WebhookDelivery {
	t.Helper()
	ctx := context.Background()
	m := e.meeting(t, uuid, false)
	var ds []models.WebhookDelivery
	require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error {
		if err := e.queue.AnnounceTx(ctx, tx, models.EventAttendanceReady, m, "dashboard", 3); err != nil {
			return err
		}
		var err error
		ds, err = e.allDeliveries(ctx, tx.Store)
		return err
	}))
	return ds
}

func (e *deliveryEnv) allDeliveries(ctx context.Context, s *models.Store) ([]models.WebhookDelivery, error) {
	eps, err := s.WebhookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	var out []models.WebhookDelivery
	for _, ep := range eps {
		ds, err := s.WebhookDeliveries(ctx, ep.ID, 100)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// attempt works delivery d once as River's attempt number n of a job
// queued at the start of the test.
func (e *deliveryEnv) attempt(t *testing.T, d models.WebhookDelivery, n int) error {
	t.Helper()
	job := &river.Job[DeliverWebhookArgs]{
		JobRow: &rivertype.JobRow{ID: int64(d.ID), Attempt: n, MaxAttempts: len(deliveryRetries) + 1, CreatedAt: start},
		Args:   DeliverWebhookArgs{DeliveryID: d.ID},
	}
	return e.worker.Work(context.Background(), job)
}

func (e *deliveryEnv) delivery(t *testing.T, id uint64) models.WebhookDelivery {
	t.Helper()
	d, err := e.store.WebhookDelivery(context.Background(), id)
	require.NoError(t, err)
	return d
}

func isCancel(err error) bool {
	var c *river.JobCancelError
	return errors.As(err, &c)
}

func TestDeliverySignedAndRecorded(t *testing.T) {
	e := newDeliveryEnv(t, 5*time.Second)
	r := newReceiver(t, e.clock.Now, http.StatusNoContent)
	ep := e.endpoint(t, r.srv.URL+"/hooks/rollcall?x=1", r)
	ds := e.announce(t, "sync==")
	require.Len(t, ds, 1)
	d := ds[0]
	assert.Equal(t, ep.ID, d.EndpointID)
	assert.Equal(t, models.DeliveryPending, d.State)
	assert.True(t, strings.HasPrefix(d.MessageID, "msg_"))

	require.NoError(t, e.attempt(t, d, 1))
	got := r.requests()
	require.Len(t, got, 1)
	require.NoError(t, got[0].verify, "the receiver verifies the signature")
	assert.Equal(t, d.MessageID, got[0].header.Get("webhook-id"))
	assert.Equal(t, strconv.FormatInt(start.Unix(), 10), got[0].header.Get("webhook-timestamp"))
	assert.Equal(t, "application/json", got[0].header.Get("Content-Type"))
	assert.JSONEq(t, d.Payload, string(got[0].body))

	var ev struct {
		Type string `json:"type"`
		Data struct {
			MeetingID     uint64 `json:"meeting_id"`
			MeetingUUID   string `json:"meeting_uuid"`
			Segments      int    `json:"segments"`
			AttendanceURL string `json:"attendance_url"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(got[0].body, &ev))
	assert.Equal(t, models.EventAttendanceReady, ev.Type)
	assert.Equal(t, "sync==", ev.Data.MeetingUUID)
	assert.Equal(t, 3, ev.Data.Segments)
	assert.Equal(t, "https://rollcall.example/api/v1/meetings/"+strconv.FormatUint(ev.Data.MeetingID, 10)+"/attendance", ev.Data.AttendanceURL)

	d = e.delivery(t, d.ID)
	assert.Equal(t, models.DeliverySucceeded, d.State)
	assert.Equal(t, http.StatusNoContent, d.LastCode)
	assert.Equal(t, 1, d.Attempts)
	require.NotNil(t, d.LastAt)
	assert.True(t, start.Equal(*d.LastAt))

	// A tampered body fails the receiver's check: the check can fail.
	assert.Error(t, verifyStandardWebhook(r.secret, got[0].header, append(got[0].body, ' '), start))
}

func TestDeliveryRetriesA500ThenSucceeds(t *testing.T) {
	e := newDeliveryEnv(t, 5*time.Second)
	r := newReceiver(t, e.clock.Now, http.StatusInternalServerError, http.StatusOK)
	e.endpoint(t, r.srv.URL, r)
	d := e.announce(t, "retry==")[0]

	err := e.attempt(t, d, 1)
	require.Error(t, err)
	assert.False(t, isCancel(err), "a 500 is retried")
	after := e.delivery(t, d.ID)
	assert.Equal(t, models.DeliveryRetrying, after.State)
	assert.Equal(t, 500, after.LastCode)
	assert.Contains(t, after.LastError, "500")
	next := e.worker.NextRetry(&river.Job[DeliverWebhookArgs]{JobRow: &rivertype.JobRow{Attempt: 1}})
	assert.WithinDuration(t, time.Now().Add(5*time.Second), next, 2*time.Second)

	e.clock.Advance(5 * time.Second)
	require.NoError(t, e.attempt(t, d, 2))
	after = e.delivery(t, d.ID)
	assert.Equal(t, models.DeliverySucceeded, after.State)
	assert.Equal(t, 200, after.LastCode)
	assert.Equal(t, 2, after.Attempts)
	assert.Empty(t, after.LastError)
	got := r.requests()
	require.Len(t, got, 2)
	assert.Equal(t, got[0].header.Get("webhook-id"), got[1].header.Get("webhook-id"), "one message, two attempts")
	assert.NotEqual(t, got[0].header.Get("webhook-timestamp"), got[1].header.Get("webhook-timestamp"))
	for _, g := range got {
		assert.NoError(t, g.verify)
	}
}

func TestDeliveryToAReceiverThatIsDown(t *testing.T) {
	e := newDeliveryEnv(t, 5*time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + ln.Addr().String() + "/hook"
	require.NoError(t, ln.Close()) // nothing listens there now
	e.endpoint(t, url, nil)
	d := e.announce(t, "down==")[0]

	err = e.attempt(t, d, 1)
	require.Error(t, err)
	assert.False(t, isCancel(err))
	after := e.delivery(t, d.ID)
	assert.Equal(t, models.DeliveryRetrying, after.State)
	assert.Zero(t, after.LastCode)
	assert.Contains(t, after.LastError, "refused")
}

func TestDeliveryToASlowReceiverTimesOut(t *testing.T) {
	e := newDeliveryEnv(t, 200*time.Millisecond)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	e.endpoint(t, slow.URL, nil)
	d := e.announce(t, "slow==")[0]

	err := e.attempt(t, d, 1)
	require.Error(t, err)
	assert.False(t, isCancel(err))
	after := e.delivery(t, d.ID)
	assert.Equal(t, models.DeliveryRetrying, after.State)
	assert.Equal(t, "no answer within 200ms", after.LastError)
}

func TestDeliveryGoneDisablesTheEndpoint(t *testing.T) {
	e := newDeliveryEnv(t, 5*time.Second)
	r := newReceiver(t, e.clock.Now, http.StatusGone)
	ep := e.endpoint(t, r.srv.URL, r)
	d := e.announce(t, "gone==")[0]

	err := e.attempt(t, d, 1)
	require.Error(t, err)
	assert.True(t, isCancel(err), "410 stops the retries")
	after := e.delivery(t, d.ID)
	assert.Equal(t, models.DeliveryFailed, after.State)
	assert.Equal(t, 410, after.LastCode)
	got, err := e.store.WebhookEndpoint(context.Background(), ep.ID)
	require.NoError(t, err)
	assert.False(t, got.Enabled)
	assert.Contains(t, got.DisabledReason, "410")

	// A disabled endpoint gets no new deliveries, and a queued one stops.
	assert.Len(t, e.announce(t, "later=="), 1, "still only the first delivery")
	err = e.attempt(t, d, 2)
	assert.True(t, isCancel(err))
	assert.Len(t, r.requests(), 1)
}

func TestDeliveryGivesUpAfter24Hours(t *testing.T) {
	e := newDeliveryEnv(t, 5*time.Second)
	r := newReceiver(t, e.clock.Now, http.StatusServiceUnavailable)
	e.endpoint(t, r.srv.URL, r)
	d := e.announce(t, "late==")[0]
	e.clock.Advance(deliveryWindow)

	err := e.attempt(t, d, 4)
	assert.True(t, isCancel(err))
	after := e.delivery(t, d.ID)
	assert.Equal(t, models.DeliveryFailed, after.State)
	assert.Equal(t, 503, after.LastCode)

	// The schedule's retries all fall within the window.
	var total time.Duration
	for _, w := range deliveryRetries {
		total += w
	}
	assert.Less(t, total, deliveryWindow)
}

func TestDeliveryRefusesRedirectsToInternalAddresses(t *testing.T) {
	e := newDeliveryEnv(t, 5*time.Second)
	// inside is another loopback service: the admin never configured it.
	inside := newReceiver(t, e.clock.Now, http.StatusOK)
	mux := http.NewServeMux()
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inside.srv.URL+"/admin", http.StatusTemporaryRedirect)
	})
	var sameHost int
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) {
		sameHost++
		w.WriteHeader(http.StatusOK)
	})
	configured := httptest.NewServer(mux)
	t.Cleanup(configured.Close)

	e.endpoint(t, configured.URL+"/elsewhere", nil)
	d := e.announce(t, "ssrf==")[0]
	err := e.attempt(t, d, 1)
	require.Error(t, err)
	after := e.delivery(t, d.ID)
	assert.Equal(t, models.DeliveryRetrying, after.State)
	assert.Contains(t, after.LastError, "internal address")
	assert.Empty(t, inside.requests(), "the redirect target was never reached")

	// A redirect within the configured host and port is followed.
	ctx := context.Background()
	eps, err := e.store.WebhookEndpoints(ctx)
	require.NoError(t, err)
	require.NoError(t, e.store.DeleteWebhookEndpoint(ctx, eps[0].ID))
	e.endpoint(t, configured.URL+"/moved", nil)
	d = e.announce(t, "moved==")[0]
	require.NoError(t, e.attempt(t, d, 1))
	assert.Equal(t, 1, sameHost)
}

func TestInternalAddr(t *testing.T) {
	for _, tc := range []struct {
		ip       string
		internal bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"0.0.0.0", true}, {"100.64.0.1", true}, {"::1", true},
		{"fd00::1", true}, {"fe80::1", true}, {"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true},
		{"93.184.216.34", false}, {"2606:4700::1111", false}, {"8.8.8.8", false},
	} {
		assert.Equal(t, tc.internal, internalAddr(netip.MustParseAddr(tc.ip)), tc.ip)
	}
}

func TestValidateWebhookURL(t *testing.T) {
	for _, ok := range []string{"https://hooks.example.com/rollcall", "http://127.0.0.1:9000/x?y=1", " https://a.example "} {
		_, err := ValidateWebhookURL(ok)
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "ftp://x.example/", "javascript:alert(1)", "file:///etc/passwd", "https://",
		"https://user:pw@x.example/", "//x.example/", "https://x.example/#frag", "https://x.example/" + strings.Repeat("a", 2001)} {
		_, err := ValidateWebhookURL(bad)
		assert.Error(t, err, bad)
	}
}

func TestRedeliverQueuesTheSameMessageAgain(t *testing.T) {
	e := newDeliveryEnv(t, 5*time.Second)
	r := newReceiver(t, e.clock.Now, http.StatusGone, http.StatusOK)
	ep := e.endpoint(t, r.srv.URL, r)
	d := e.announce(t, "again==")[0]
	require.True(t, isCancel(e.attempt(t, d, 1)))
	ctx := context.Background()
	require.NoError(t, e.store.SetWebhookEndpointEnabled(ctx, ep.ID, true, ""))

	require.NoError(t, e.queue.Redeliver(ctx, d.ID))
	assert.Equal(t, models.DeliveryPending, e.delivery(t, d.ID).State)
	jobs := e.deliverJobs(t)
	require.Len(t, jobs, 2, "the announcement's job and the redelivery's")
	assert.Equal(t, d.ID, jobs[1].Args.DeliveryID)
	assert.Equal(t, len(deliveryRetries)+1, jobs[1].MaxAttempts)

	require.NoError(t, e.attempt(t, d, 1))
	after := e.delivery(t, d.ID)
	assert.Equal(t, models.DeliverySucceeded, after.State)
	assert.Equal(t, 2, after.Attempts, "the log counts every attempt")
	got := r.requests()
	assert.Equal(t, got[0].header.Get("webhook-id"), got[1].header.Get("webhook-id"))

	assert.ErrorIs(t, e.queue.Redeliver(ctx, 999999), models.ErrNotFound)
}

// deliverJob is a queued deliver_webhook job.
type deliverJob struct {
	Args        DeliverWebhookArgs
	MaxAttempts int
}

// deliverJobs lists the deliver_webhook jobs inserted, oldest first.
func (e *testEnv) deliverJobs(t *testing.T) []deliverJob {
	t.Helper()
	dialect, pool := e.store.QueuePool()
	args := "args"
	if dialect == models.DialectSQLite {
		args = "json(args)" // River's SQLite driver keeps JSONB
	}
	rows, err := pool.Query("SELECT " + args + ", max_attempts FROM river_job WHERE kind = 'deliver_webhook' ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	var out []deliverJob
	for rows.Next() {
		var args []byte
		var j deliverJob
		require.NoError(t, rows.Scan(&args, &j.MaxAttempts))
		require.NoError(t, json.Unmarshal(args, &j.Args))
		out = append(out, j)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestFetchAnnouncesInItsTransaction stores a meeting's participants
// through the fetch worker: attendance_ready is queued with them, in the
// same transaction, for each enabled endpoint only; the refetch announces
// attendance_updated; a failed fetch announces nothing.
func TestFetchAnnouncesInItsTransaction(t *testing.T) {
	e := newTestEnv(t, Config{BaseURL: "https://rollcall.example"})
	ctx := context.Background()
	on, err := e.store.CreateWebhookEndpoint(ctx, "https://a.example/hook", NewWebhookSecret())
	require.NoError(t, err)
	off, err := e.store.CreateWebhookEndpoint(ctx, "https://b.example/hook", NewWebhookSecret())
	require.NoError(t, err)
	require.NoError(t, e.store.SetWebhookEndpointEnabled(ctx, off.ID, false, ""))
	m := e.meeting(t, "announce==", false)

	fetchOnce := func() (*rivertest.WorkResult, error) {
		var (
			res  *rivertest.WorkResult
			werr error
		)
		e.inTx(t, func(tx *models.Tx) {
			drv, err := driverFor(tx.Store)
			require.NoError(t, err)
			q, err := New(tx.Store, nil, e.cfg, nil)
			require.NoError(t, err)
			w := newFetchWorker(tx.Store, e.zoom, e.cfg, nil)
			w.outbound = q
			res, werr = rivertest.NewWorker[FetchParticipantsArgs, *sql.Tx](t, drv, e.riverConfig(), w).
				Work(ctx, t, tx.SQLTx(), FetchParticipantsArgs{MeetingID: m.ID, UUID: m.UUID}, nil)
		})
		return res, werr
	}

	e.zoom.answer(nil, errors.New("zoom: 502 bad gateway"))
	_, err = fetchOnce()
	require.Error(t, err)
	ds, err := e.store.WebhookDeliveries(ctx, on.ID, 10)
	require.NoError(t, err)
	assert.Empty(t, ds, "nothing stored, nothing announced")

	leave := start.Add(-2 * time.Minute)
	e.zoom.answer([]zoom.Participant{
		{UserName: "Ada", Email: "ada@example.com", JoinTime: start.Add(-time.Hour), LeaveTime: &leave},
		{UserName: "Bob", JoinTime: start.Add(-50 * time.Minute), LeaveTime: &leave},
	}, nil)
	res, err := fetchOnce()
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateCompleted, res.Job.State)
	ds, err = e.store.WebhookDeliveries(ctx, on.ID, 10)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, models.EventAttendanceReady, ds[0].EventType)
	assert.Equal(t, m.ID, ds[0].MeetingID)
	assert.Contains(t, ds[0].Payload, `"segments":2`)
	assert.Contains(t, ds[0].Payload, `"topic":"Weekly sync"`)
	offDs, err := e.store.WebhookDeliveries(ctx, off.ID, 10)
	require.NoError(t, err)
	assert.Empty(t, offDs, "a disabled endpoint gets nothing")
	jobs := e.deliverJobs(t)
	require.Len(t, jobs, 1)
	assert.Equal(t, ds[0].ID, jobs[0].Args.DeliveryID)

	_, err = fetchOnce() // an admin's refetch
	require.NoError(t, err)
	ds, err = e.store.WebhookDeliveries(ctx, on.ID, 10)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	assert.Equal(t, models.EventAttendanceUpdated, ds[0].EventType, "newest first")

	// After an identity change, the other engineer's code calls AttendanceChanged.
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)
	require.NoError(t, q.AttendanceChanged(ctx, m.ID))
	ds, err = e.store.WebhookDeliveries(ctx, on.ID, 10)
	require.NoError(t, err)
	require.Len(t, ds, 3)
	assert.Equal(t, models.EventAttendanceUpdated, ds[0].EventType)
	assert.ErrorIs(t, q.AttendanceChanged(ctx, 999999), models.ErrNotFound)
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
