package zoom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"time"
)

// Sentinel errors that callers branch on with errors.Is. The client never
// returns them bare: they are wrapped by an *APIError (or *RateLimitError)
// whose message carries Zoom's HTTP status, code and message.
var (
	// ErrMeetingNotReady reports Zoom code 3001: the meeting does not exist,
	// or it has not ended, or Zoom has not finished processing it yet. Zoom
	// answers 3001 for a while after meeting.ended; snooze and try again.
	ErrMeetingNotReady = errors.New("zoom: meeting not found or not ready")
	// ErrPageTokenExpired reports Zoom code 300 on a page after the first:
	// the next_page_token expired (after 15 minutes) or is invalid. The
	// client restarts pagination a bounded number of times before returning it.
	ErrPageTokenExpired = errors.New("zoom: next page token expired")
	// ErrUnauthorized reports bad credentials at the token endpoint, or an
	// API answer of HTTP 401 / code 124 that persisted after one token refresh.
	ErrUnauthorized = errors.New("zoom: unauthorized")
	// ErrPermission reports that the account's plan or the app's scopes do
	// not allow the call: code 200, code 4700, or HTTP 403.
	ErrPermission = errors.New("zoom: not permitted by plan or scope")
	// ErrRateLimited reports HTTP 429. The concrete error is a *RateLimitError.
	ErrRateLimited = errors.New("zoom: rate limited")
)

// APIError is a non-success answer from Zoom's API or token endpoint.
// Error() reads like `zoom: GET /past_meetings/{uuid}: HTTP 404, code 3001:
// Meeting does not exist.`. Where a sentinel applies (ErrMeetingNotReady,
// ErrPermission, ErrUnauthorized, ErrRateLimited, ErrPageTokenExpired),
// errors.Is on the APIError matches it; the classification is derived from
// Status and Code, so an APIError built by hand (in a fake) behaves the same.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is Zoom's error code from the body ({"code":...}); 0 if absent.
	Code int
	// Message is Zoom's error message from the body, or the body itself
	// (shortened) when it was not Zoom's JSON error shape.
	Message string
	// TrackingID is the x-zm-trackingid response header; quote it to Zoom support.
	TrackingID string
	// Method and Path say which request failed (path without host, escaped).
	Method, Path string

	// sentinel, when set by the client, overrides the classification by
	// Status and Code: ErrPageTokenExpired for code 300 on a page after the
	// first, ErrUnauthorized for a 4xx from the token endpoint.
	sentinel error
}

// Error formats the failed request with Zoom's status, code and message.
func (e *APIError) Error() string {
	where := "zoom: "
	if e.Method != "" || e.Path != "" {
		where = "zoom: " + e.Method + " " + e.Path + ": "
	}
	if e.Code != 0 {
		return fmt.Sprintf("%sHTTP %d, code %d: %s", where, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("%sHTTP %d: %s", where, e.Status, e.Message)
}

// Unwrap returns the sentinel error that classifies e, or nil.
func (e *APIError) Unwrap() error {
	switch {
	case e.sentinel != nil:
		return e.sentinel
	case e.Code == 3001:
		return ErrMeetingNotReady
	case e.Status == 429 || e.Code == 429:
		return ErrRateLimited
	case e.Code == 200 || e.Code == 4700 || e.Status == 403:
		return ErrPermission
	case e.Status == 401 || e.Code == 124:
		return ErrUnauthorized
	}
	return nil
}

// RateLimitError is an HTTP 429 from Zoom. The client does not retry it: the
// caller (a durable job queue) should snooze until Until, or for RetryAfter.
// Zoom sends Retry-After as integer seconds on some answers and as an RFC 3339
// date on daily-limit answers; both are parsed. When Zoom sent no usable
// Retry-After, RetryAfter is 0 and Until is the zero time: back off with jitter.
type RateLimitError struct {
	// RetryAfter is how long to wait, measured from when the answer arrived.
	RetryAfter time.Duration
	// Until is when the limit lifts (arrival time + RetryAfter, or the date Zoom sent).
	Until time.Time
	// Type is the X-RateLimit-Type header: "QPS" or "Daily-limit" (or empty).
	Type string
	// Category is the X-RateLimit-Category header: "Light", "Medium", "Heavy",
	// "Resource-intensive" (or empty).
	Category string
	// Err is the underlying API answer (status, code, message, tracking id).
	Err *APIError
}

// Error describes the limit and includes Zoom's code and message.
func (e *RateLimitError) Error() string {
	s := "zoom: rate limited"
	if e.Type != "" || e.Category != "" {
		s += " (" + joinNonEmpty(e.Type, e.Category) + ")"
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying *APIError, so errors.As finds it and
// errors.Is(err, ErrRateLimited) holds.
func (e *RateLimitError) Unwrap() error {
	if e.Err == nil {
		return ErrRateLimited
	}
	return e.Err
}

// Is reports ErrRateLimited even when Err is nil.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ", " + b
}

// IsTransient reports whether err is worth retrying soon: an HTTP 5xx from
// Zoom, a timeout, a refused or reset connection, or a response cut short.
// It is false for rate limits, 3001, permission and credential errors, and for
// a canceled context. The client already retries transient errors
// Config.MaxRetries times before returning them.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status >= 500 || apiErr.Status == 408
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// A client-side request timeout (http.Client.Timeout) rather than the
		// caller's own deadline: the client checks ctx.Err() before retrying.
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) && errors.Is(urlErr.Err, io.EOF) {
		return true // server closed an idle keep-alive connection
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}
