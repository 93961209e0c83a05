package jobs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"rollcall/models"
)

// Outbound webhooks (docs/ARCHITECTURE.md, "Outbound webhooks"). When a
// meeting's participants are stored, announce (called by the fetch worker
// in the transaction that stores them) writes one delivery per enabled
// endpoint and queues one deliver_webhook job per delivery, in that same
// transaction: a stored meeting is always announced, and an announcement
// never precedes its data. The worker posts the event signed as the
// Standard Webhooks spec says, retries on a fixed schedule for up to 24
// hours, and records each attempt on the delivery (the log an admin reads
// at /admin/webhooks).

// DeliverWebhookArgs asks for one attempt at one delivery.
type DeliverWebhookArgs struct {
	DeliveryID uint64 `json:"delivery_id"`
}

// Kind is the job's stable name in the queue table.
func (DeliverWebhookArgs) Kind() string { return "deliver_webhook" }

// deliveryRetries are the waits after each failed attempt: the first retry
// 5 s after the first attempt, the last about 23.6 h after it. A delivery
// gets len(deliveryRetries)+1 attempts, within deliveryWindow.
var deliveryRetries = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 8 * time.Hour, 8 * time.Hour,
}

// deliveryWindow is how long after it was queued a delivery is retried.
const deliveryWindow = 24 * time.Hour

// maxReadResponse is how much of a receiver's answer is read (and thrown
// away) so that the connection ends cleanly; the rest is never read.
const maxReadResponse = 64 << 10

// maxRedirects bounds the redirects a delivery follows.
const maxRedirects = 3

// secretPrefix opens a Standard Webhooks signing secret.
const secretPrefix = "whsec_"

// NewWebhookSecret returns a fresh signing secret: "whsec_" and the base64
// of 32 random bytes.
func NewWebhookSecret() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	return secretPrefix + base64.StdEncoding.EncodeToString(key)
}

// SignWebhook returns the webhook-signature header of a message: "v1," and
// the base64 of HMAC-SHA256 over "<msgID>.<unix seconds>.<body>", keyed
// with the base64-decoded part of secret after "whsec_".
func SignWebhook(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(key) == 0 {
		return "", errors.New("jobs: webhook secret is not whsec_ and base64")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// newMessageID returns a webhook-id: "msg_" and 16 random bytes.
func newMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "msg_" + base64.RawURLEncoding.EncodeToString(b)
}

// attendanceEvent is the body of both events: what happened to which
// meeting, and where to read its attendance. People's data stays behind
// the API, which checks a token.
type attendanceEvent struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      attendanceData `json:"data"`
}

type attendanceData struct {
	MeetingID     uint64     `json:"meeting_id"`
	MeetingUUID   string     `json:"meeting_uuid"`
	MeetingNumber int64      `json:"meeting_number"`
	Webinar       bool       `json:"webinar"`
	Topic         string     `json:"topic"`
	StartTime     time.Time  `json:"start_time"`
	EndTime       *time.Time `json:"end_time"`
	Source        string     `json:"source"`
	Segments      int        `json:"segments"`
	AttendanceURL string     `json:"attendance_url"`
	PageURL       string     `json:"page_url"`
}

// eventBody is the JSON of event about meeting m, whose stored
// participants came from source in segments rows.
func (q *Queue) eventBody(event string, m models.Meeting, source string, segments int) string {
	base := strings.TrimSuffix(q.cfg.BaseURL, "/")
	id := strconv.FormatUint(m.ID, 10)
	ev := attendanceEvent{Type: event, Timestamp: q.cfg.Now().UTC().Truncate(time.Second), Data: attendanceData{
		MeetingID: m.ID, MeetingUUID: m.UUID, MeetingNumber: m.MeetingNumber, Webinar: m.Webinar, Topic: m.Topic,
		StartTime: m.StartTime.UTC(), EndTime: utcPtr(m.EndTime), Source: source, Segments: segments,
		AttendanceURL: base + "/api/v1/meetings/" + id + "/attendance", PageURL: base + "/meetings/" + id,
	}}
	b, _ := json.Marshal(ev) // plain values: cannot fail
	return string(b)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// AnnounceTx queues event (models.EventAttendanceReady or
// models.EventAttendanceUpdated) about meeting m to every enabled endpoint,
// inside tx, so that it is sent exactly when tx commits. source and
// segments describe what is stored.
func (q *Queue) AnnounceTx(ctx context.Context, tx *models.Tx, event string, m models.Meeting, source string, segments int) error {
	body := q.eventBody(event, m, source, segments)
	ds, err := tx.CreateWebhookDeliveries(ctx, event, m.ID, func(models.WebhookEndpoint) (string, string) {
		return body, newMessageID()
	})
	if err != nil || len(ds) == 0 {
		return err
	}
	return q.enqueueDeliveriesTx(ctx, tx, ds)
}

// AttendanceChanged announces meeting.attendance_updated for meeting id:
// call it after anything that changes the attendance computed from stored
// segments without storing new ones (such as linking two identities).
func (q *Queue) AttendanceChanged(ctx context.Context, id uint64) error {
	return q.store.Tx(ctx, func(tx *models.Tx) error {
		return q.AttendanceChangedTx(ctx, tx, id)
	})
}

// AttendanceChangedTx is AttendanceChanged inside tx.
func (q *Queue) AttendanceChangedTx(ctx context.Context, tx *models.Tx, id uint64) error {
	m, err := tx.Meeting(ctx, id)
	if err != nil {
		return err
	}
	return q.AnnounceTx(ctx, tx, models.EventAttendanceUpdated, m, m.Source, m.SegmentCount)
}

// Redeliver queues delivery id again (an admin's button): one more round
// of attempts with the same webhook-id, retried for another 24 hours.
func (q *Queue) Redeliver(ctx context.Context, id uint64) error {
	return q.store.Tx(ctx, func(tx *models.Tx) error {
		d, err := tx.RequeueDelivery(ctx, id)
		if err != nil {
			return err
		}
		return q.enqueueDeliveriesTx(ctx, tx, []models.WebhookDelivery{d})
	})
}

func (q *Queue) enqueueDeliveriesTx(ctx context.Context, tx *models.Tx, ds []models.WebhookDelivery) error {
	params := make([]river.InsertManyParams, len(ds))
	for i, d := range ds {
		params[i] = river.InsertManyParams{Args: DeliverWebhookArgs{DeliveryID: d.ID},
			InsertOpts: &river.InsertOpts{MaxAttempts: len(deliveryRetries) + 1}}
	}
	if _, err := q.river.InsertManyTx(ctx, tx.SQLTx(), params); err != nil {
		return fmt.Errorf("jobs: enqueue webhook deliveries: %w", err)
	}
	return nil
}

// announce is the fetch worker's call, in the transaction that stores
// meeting m's participants: attendance_ready the first time they are
// stored, attendance_updated when they replace earlier ones (a refetch).
func (w *FetchWorker) announce(ctx context.Context, tx *models.Tx, m models.Meeting, source string, segments int) error {
	if w.outbound == nil {
		return nil
	}
	event := models.EventAttendanceReady
	if m.FetchedAt != nil { // m as it was before this fetch
		event = models.EventAttendanceUpdated
	}
	cur, err := tx.Meeting(ctx, m.ID) // with the details this fetch filled in
	if err != nil {
		return err
	}
	return w.outbound.AnnounceTx(ctx, tx, event, cur, source, segments)
}

// DeliverWorker makes one attempt at one delivery.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverWebhookArgs]
	store  *models.Store
	cfg    Config
	log    *slog.Logger
	client *http.Client
}

func newDeliverWorker(store *models.Store, cfg Config, log *slog.Logger) *DeliverWorker {
	return &DeliverWorker{store: store, cfg: cfg, log: log, client: deliveryClient(cfg.WebhookTimeout)}
}

// Timeout bounds one attempt: the HTTP timeout and time to record it.
func (w *DeliverWorker) Timeout(*river.Job[DeliverWebhookArgs]) time.Duration {
	return w.cfg.WebhookTimeout + 30*time.Second
}

// NextRetry follows deliveryRetries, whatever River's default backoff is.
func (w *DeliverWorker) NextRetry(job *river.Job[DeliverWebhookArgs]) time.Time {
	i := min(max(job.Attempt-1, 0), len(deliveryRetries)-1)
	return time.Now().Add(deliveryRetries[i])
}

// Work posts the delivery once. 2xx: done. 410 Gone: the receiver wants no
// more, so the endpoint is disabled and the job stops. Anything else (an
// error status, a refused connection, a timeout, a refused redirect) is
// recorded and returned for River to retry, until deliveryWindow after the
// job was queued or the last attempt, when the delivery is failed.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverWebhookArgs]) error {
	d, err := w.store.WebhookDelivery(ctx, job.Args.DeliveryID)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(err) // its endpoint was deleted
	}
	if err != nil {
		return err
	}
	if d.State == models.DeliverySucceeded {
		return nil
	}
	ep, err := w.store.WebhookEndpoint(ctx, d.EndpointID)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	log := w.log.With("job_id", job.ID, "delivery_id", d.ID, "endpoint_id", ep.ID, "attempt", d.Attempts+1)
	rec := models.DeliveryAttempt{Attempt: d.Attempts + 1, At: w.cfg.Now()}
	if !ep.Enabled {
		rec.State, rec.Error = models.DeliveryFailed, "endpoint disabled"
		return w.finish(ctx, d, rec, river.JobCancel(errors.New("endpoint disabled")))
	}
	rec.Code, err = w.post(ctx, ep, d)
	switch {
	case err == nil && rec.Code >= 200 && rec.Code < 300:
		rec.State = models.DeliverySucceeded
		log.Info("webhook delivered", "status", rec.Code)
		return w.finish(ctx, d, rec, nil)
	case err == nil && rec.Code == http.StatusGone:
		rec.State, rec.Error = models.DeliveryFailed, "410 Gone: endpoint disabled"
		log.Warn("webhook receiver answered 410 Gone; disabling the endpoint")
		if err := w.store.SetWebhookEndpointEnabled(ctx, ep.ID, false, "the receiver answered 410 Gone"); err != nil {
			return err
		}
		return w.finish(ctx, d, rec, river.JobCancel(errors.New("receiver answered 410 Gone")))
	case err == nil:
		err = fmt.Errorf("receiver answered %d", rec.Code)
	}
	rec.Error = err.Error()
	if w.cfg.Now().Sub(job.CreatedAt) >= deliveryWindow || job.Attempt >= job.MaxAttempts {
		rec.State = models.DeliveryFailed
		log.Warn("webhook delivery failed for good", "error", err)
		return w.finish(ctx, d, rec, river.JobCancel(err))
	}
	rec.State = models.DeliveryRetrying
	log.Info("webhook delivery failed, will retry", "error", err)
	return w.finish(ctx, d, rec, err)
}

// finish records the attempt and returns jobErr.
func (w *DeliverWorker) finish(ctx context.Context, d models.WebhookDelivery, rec models.DeliveryAttempt, jobErr error) error {
	if err := w.store.RecordDeliveryAttempt(ctx, d.ID, rec); err != nil {
		return err
	}
	return jobErr
}

// post sends the delivery, signed now, and returns the receiver's status.
func (w *DeliverWorker) post(ctx context.Context, ep models.WebhookEndpoint, d models.WebhookDelivery) (int, error) {
	target, err := url.Parse(ep.URL)
	if err != nil {
		return 0, fmt.Errorf("bad endpoint URL: %w", err)
	}
	now := w.cfg.Now()
	sig, err := SignWebhook(ep.Secret, d.MessageID, now, []byte(d.Payload))
	if err != nil {
		return 0, err
	}
	ctx = context.WithValue(ctx, configuredAddrKey{}, hostPort(target))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader([]byte(d.Payload)))
	if err != nil {
		return 0, fmt.Errorf("bad endpoint URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "rollcall-webhooks")
	req.Header.Set("webhook-id", d.MessageID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	res, err := w.client.Do(req)
	if err != nil {
		return 0, deliveryError(err, w.cfg.WebhookTimeout)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxReadResponse))
	return res.StatusCode, nil
}

// deliveryError words a failed request for the log.
func deliveryError(err error, timeout time.Duration) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no answer within %s", timeout)
	}
	return err
}

// configuredAddrKey carries, in a request's context, the host:port of the
// endpoint URL the admin configured: the one address a delivery may dial
// whatever it resolves to.
type configuredAddrKey struct{}

// hostPort is u's host and port, the default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// deliveryClient is the HTTP client of deliveries. The admin's configured
// URL is dialled as given (a receiver on the same host or network is a
// legitimate choice), but a redirect elsewhere must not reach the
// loopback, private or link-local networks: the dialler checks the address
// a redirect target resolved to at the moment it connects (so a DNS answer
// that changes between a check and the connection cannot slip through).
// Connections are not kept alive, so a connection dialled for one endpoint
// is never reused by another endpoint's redirect. No proxy from the
// environment; at most maxRedirects redirects, http(s) only; timeout bounds
// the whole attempt.
func deliveryClient(timeout time.Duration) *http.Client {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: min(timeout, 10*time.Second)}
		if configured, _ := ctx.Value(configuredAddrKey{}).(string); addr != configured {
			d.Control = refuseInternal
		}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dial,
			DisableKeepAlives:      true,
			TLSHandshakeTimeout:    timeout,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: 64 << 10,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to a %s URL", req.URL.Scheme)
			}
			return nil
		},
	}
}

// internalPrefixes are the networks beyond netip's own predicates that a
// redirect must not reach: "this network", shared address space (CGNAT),
// IETF protocol assignments, benchmarking, NAT64.
var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("64:ff9b::/96"),
}

// errInternalAddress is a redirect target on an internal network.
var errInternalAddress = errors.New("redirect to an internal address refused")

// refuseInternal is the dialler's check of the resolved address.
func refuseInternal(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", errInternalAddress, address)
	}
	if internalAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", errInternalAddress, ap.Addr())
	}
	return nil
}

// internalAddr reports whether a is loopback, private, link-local,
// multicast, unspecified or in internalPrefixes.
func internalAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range internalPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ValidateWebhookURL checks an endpoint URL an admin typed: absolute http
// or https, a host, no user name or password, at most 2,000 bytes.
func ValidateWebhookURL(raw string) (*url.URL, error) {
	if len(raw) > 2000 {
		return nil, errors.New("the URL is longer than 2,000 characters")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("the URL must start with http:// or https://")
	}
	if u.Hostname() == "" {
		return nil, errors.New("the URL has no host")
	}
	if u.User != nil {
		return nil, errors.New("the URL must not hold a user name or password")
	}
	if u.Fragment != "" {
		return nil, errors.New("the URL must not have a #fragment")
	}
	return u, nil
}
