// Package handlers is rollcall's HTTP surface on Gin: the Zoom webhook, the
// health probes and (later) the managers' pages. Every route is in routes.go.
package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
)

// Queue is what the handlers need of the job queue: *jobs.Queue.
type Queue interface {
	Accept(ctx context.Context, ev zoom.Event) (jobs.Intake, error)
	Refetch(ctx context.Context, meetingID uint64) (bool, error)
	JobCounts(ctx context.Context) (map[string]int64, error)
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
	// TrustedProxies are the peers (CIDRs or addresses) whose
	// X-Forwarded-For names the real client, for login throttling and
	// logs. nil means loopback and the private ranges, where a reverse
	// proxy usually sits; an empty non-nil slice trusts no one.
	TrustedProxies []string
	// SecureCookies marks the session cookie Secure (ROLLCALL_BASE_URL is https).
	SecureCookies bool
	// Timezone is the default zone pages show times in (ROLLCALL_TIMEZONE);
	// nil means UTC. A user's own zone, or ?tz=, takes precedence.
	Timezone *time.Location
	// Thresholds decide late, left early and present; the zero value means
	// models.DefaultThresholds.
	Thresholds models.Thresholds
}

// DefaultTrustedProxies are loopback and the private address ranges.
var DefaultTrustedProxies = []string{
	"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
}

// Handlers serves rollcall's routes.
type Handlers struct {
	store *models.Store
	queue Queue
	cfg   Config
	log   *slog.Logger

	metrics        *promMetrics
	cop            *http.CrossOriginProtection
	loginByIP      *throttle // failed sign-ins per client address
	loginByAccount *throttle // failed sign-ins per email
}

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
	if cfg.TrustedProxies == nil {
		cfg.TrustedProxies = DefaultTrustedProxies
	}
	return &Handlers{
		store: store, queue: queue, cfg: cfg, log: log,
		metrics:        newMetrics(store, queue),
		cop:            http.NewCrossOriginProtection(),
		loginByIP:      newThrottle(20, 15*time.Minute, cfg.Now),
		loginByAccount: newThrottle(5, 15*time.Minute, cfg.Now),
	}
}

// httpError is an error with the status and the message its client sees.
type httpError struct {
	status int
	msg    string
	cause  error
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

// fail is the one error path: it maps err to a status, logs what the client
// does not see, and answers with a short message.
func (h *Handlers) fail(c *gin.Context, err error) {
	status, msg := http.StatusInternalServerError, "internal error"
	var he *httpError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.Is(err, models.ErrNotFound):
		status, msg = http.StatusNotFound, "not found"
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	h.log.Log(c.Request.Context(), level, "request failed",
		"method", c.Request.Method, "path", c.Request.URL.Path, "status", status, "error", err)
	if c.GetBool(pageKey) && wantsHTML(c) {
		h.renderError(c, status, msg) // a person reads it: a page, not JSON
		return
	}
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}
