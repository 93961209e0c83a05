// Package handlers is rollcall's HTTP surface on Gin: the Zoom webhook, the
// health probes and (later) the managers' pages. Every route is in routes.go.
package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
)

// Queue is what the handlers need of the job queue: *jobs.Queue.
type Queue interface {
	// AcceptWithin stores a verified webhook event, waiting at most wait.
	AcceptWithin(ctx context.Context, ev zoom.Event, wait time.Duration) (jobs.Intake, error)
	Refetch(ctx context.Context, meetingID uint64) (bool, error)
	JobCounts(ctx context.Context) (map[string]int64, error)
	// Redeliver queues an outbound webhook delivery again.
	Redeliver(ctx context.Context, deliveryID uint64) error
	// AttendanceChanged announces meeting.attendance_updated for a meeting
	// whose attendance changed without a new fetch (identity links).
	AttendanceChanged(ctx context.Context, meetingID uint64) error
}

var _ Queue = (*jobs.Queue)(nil)

// Config is what the handlers need of rollcall's settings.
type Config struct {
	// WebhookSecret is the Zoom app's Secret Token that signs webhooks.
	WebhookSecret string
	// WebhookTimeout bounds storing one webhook, so Zoom (which waits 3 s)
	// gets a 503 to redeliver rather than a timeout. Default 2.5s.
	WebhookTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// TrustedProxies are the reverse proxies (CIDRs or addresses) whose
	// X-Forwarded-For names the real client, for login throttling and
	// logs. Empty trusts no one: the client is the peer, whatever headers
	// it sends.
	TrustedProxies []string
	// WriteTimeout bounds writing one response, so a client that stops
	// reading cannot hold a rendered page in memory. Streamed downloads
	// get it anew at every flush, so a slow but steady reader finishes.
	// Default 60s.
	WriteTimeout time.Duration
	// SecureCookies marks the session cookie Secure (ROLLCALL_BASE_URL is https).
	SecureCookies bool
	// SweepEvery and SweepLookback are the sweep's settings, shown on
	// /admin/coverage (SweepEvery 0: sweeps are off).
	SweepEvery, SweepLookback time.Duration
	// Timezone is the default zone pages show times in (ROLLCALL_TIMEZONE);
	// nil means UTC. A user's own zone, or ?tz=, takes precedence.
	Timezone *time.Location
	// BaseURL is where browsers reach rollcall (ROLLCALL_BASE_URL, no
	// trailing slash): single sign-on's callbacks are under it.
	BaseURL string
	// SSO is single sign-on and whether the password form stays.
	SSO SSOConfig
	// Thresholds decide late, left early and present; nil means
	// models.DefaultThresholds. (A pointer, so that thresholds of zero —
	// anyone who joins counts as on time and present — stay zero.)
	Thresholds *models.Thresholds
}

// Handlers serves rollcall's routes.
type Handlers struct {
	store *models.Store
	queue Queue
	cfg   Config
	log   *slog.Logger

	metrics *promMetrics
	cop     *http.CrossOriginProtection
	// Sign-in limits; see login.
	loginByAddress     *throttle     // attempts per client address (IPv6: /64)
	loginByAccountHere *throttle     // attempts per account from one address
	loginFailures      *throttle     // failures per account, from anywhere
	loginSlow          *slowdown     // pacing of an account past loginAccountSlowAfter
	ssoStarts          *throttle     // single sign-ons begun per client address
	oidc               *oidcClient   // nil: no OpenID Connect provider
	bulk               chan struct{} // slots for exports over many meetings
	bulkWait           time.Duration // how long a bulk export waits for a slot
	// attendance remembers fetched meetings' attendance for the home page.
	attendance *models.AttendanceCache
	// failLogs budgets the "request failed" lines of refusals; see fail.
	failLogs *rate.Limiter
	unlogged atomic.Int64 // refusals failLogs held back since its last line
}

// A stranger's flood of bad requests (unsigned webhooks, unknown paths)
// must not fill the disk: refusals are logged at most failLogsPerSecond a
// second, in bursts of failLogsBurst, and the next line logged says how
// many were not. Internal errors (500) are always logged: each has a
// reference a person may quote.
const (
	failLogsPerSecond = 10
	failLogsBurst     = 100
)

// Sign-in limits. A window of loginWindow; an address may make
// loginPerAddress attempts, and loginPerAccountHere on one account. An
// account that failed loginAccountSlowAfter times from anywhere (many
// addresses guessing together) is then tried at most once per
// loginSlowInterval, except from browsers that signed in to it before.
const (
	loginWindow           = 15 * time.Minute
	loginPerAddress       = 20
	loginPerAccountHere   = 5
	loginAccountSlowAfter = 20
	loginSlowInterval     = 3 * time.Second

	// maxEmailLength is the longest email address SMTP allows; a longer
	// one is refused before it is hashed, stored as a key or logged.
	maxEmailLength = 254
	// maxPasswordInput bounds the password read: bcrypt reads 72 bytes.
	maxPasswordInput = 1024
)

// New returns the handlers over store and queue.
func New(store *models.Store, queue Queue, cfg Config, log *slog.Logger) *Handlers {
	if cfg.WebhookTimeout <= 0 {
		cfg.WebhookTimeout = 2500 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 60 * time.Second
	}
	h := &Handlers{
		store: store, queue: queue, cfg: cfg, log: log,
		metrics:            newMetrics(store, queue),
		attendance:         models.NewAttendanceCache(homeCacheMeetings),
		cop:                http.NewCrossOriginProtection(),
		loginByAddress:     newThrottle(loginPerAddress, loginWindow, cfg.Now),
		loginByAccountHere: newThrottle(loginPerAccountHere, loginWindow, cfg.Now),
		loginFailures:      newThrottle(math.MaxInt, loginWindow, cfg.Now),
		loginSlow:          newSlowdown(loginSlowInterval, cfg.Now),
		bulk:               make(chan struct{}, maxBulkExports),
		bulkWait:           bulkExportWait,
		ssoStarts:          newThrottle(ssoStartsPerAddress, loginWindow, cfg.Now),
		failLogs:           rate.NewLimiter(failLogsPerSecond, failLogsBurst),
	}
	if cfg.SSO.OIDC != nil {
		h.oidc = newOIDCClient(*cfg.SSO.OIDC, cfg.Now)
	}
	return h
}

// httpError is an error with the status and the message its client sees.
type httpError struct {
	status int
	msg    string
	cause  error
	// code is the API's error code (apiError); "" takes the status's.
	code string
}

func (e *httpError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *httpError) Unwrap() error { return e.cause }

func errStatus(status int, msg string, cause error) error {
	return &httpError{status: status, msg: msg, cause: cause}
}

// route adapts a handler that returns an error: nil means it answered;
// an error is answered by fail. Every route's handler goes through it.
func (h *Handlers) route(fn func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			h.fail(c, err)
		}
	}
}

// fail is the one error path: it maps err to a status — an errStatus as
// given, models.ErrNotFound 404, a *models.ValidationError 400 with its
// text, models.ErrExists 409, anything else 500 with a reference that is
// also logged — and answers with a short message: the HTML error page on
// browser routes, {"error": {"code", "message"}} on the API, and
// {"error": "..."} elsewhere (CSV, webhook, operators). Its log line is
// budgeted (failLogsPerSecond), except for internal errors.
func (h *Handlers) fail(c *gin.Context, err error) {
	status, msg := classify(err)
	attrs := []any{"method", clip(c.Request.Method), "path", clip(c.Request.URL.Path), "status", status, "error", err}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
		if status == http.StatusInternalServerError {
			ref := errorRef()
			msg += " (reference " + ref + ")"
			attrs = append(attrs, "error_ref", ref)
		}
	}
	if status == http.StatusInternalServerError || h.failLogs.AllowN(h.cfg.Now(), 1) {
		if n := h.unlogged.Swap(0); n > 0 {
			attrs = append(attrs, "refusals_not_logged_before", n)
		}
		h.log.Log(c.Request.Context(), level, "request failed", attrs...)
	} else {
		h.unlogged.Add(1)
	}
	if c.Writer.Written() {
		// Too late for a status: the answer is under way. Cut it short so
		// that the client sees a broken answer, not a complete-looking one.
		c.Abort()
		panic(http.ErrAbortHandler)
	}
	if c.GetBool(apiKey) {
		c.AbortWithStatusJSON(status, apiErrorBody(err, status, msg))
		return
	}
	if c.GetBool(pageKey) && wantsHTML(c) {
		h.renderError(c, status, msg) // a person reads it: a page, not JSON
		return
	}
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}

// classify returns the status of err and the message its client sees.
func classify(err error) (int, string) {
	var he *httpError
	var verr *models.ValidationError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, "not found"
	case errors.As(err, &verr):
		return http.StatusBadRequest, verr.Error()
	case errors.Is(err, models.ErrExists):
		return http.StatusConflict, "already exists"
	}
	return http.StatusInternalServerError, "internal error"
}

// errorRef returns a short random reference that ties a 500 a person sees
// to its log line.
func errorRef() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
