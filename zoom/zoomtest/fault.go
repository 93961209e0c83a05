package zoomtest

import (
	"net/http"
	"strings"
	"time"
)

// Fault describes one injected misbehaviour. Give it to FailNext.
//
// A Fault with Status answers that status instead of serving the request,
// with Zoom's error body {"code":Code,"message":Message} (or Body verbatim).
// A Fault with only Delay serves the request normally, late. Hangup drops
// the connection without an answer (a transport error for the client).
type Fault struct {
	// Path limits the fault to requests whose decoded path begins with it,
	// e.g. "/v2/metrics/" (Dashboard), "/v2/report/", "/v2/past_meetings/",
	// "/oauth/token". "" matches every request.
	Path string
	// Query, when set, limits the fault to requests whose raw query string
	// contains it, e.g. "next_page_token=" (pages after the first) or
	// "type=pastOne".
	Query string
	// Delay holds the answer back this long (a slow Zoom); the request's
	// context cancels the wait.
	Delay time.Duration
	// Status is the HTTP status to answer; 0 serves normally after Delay.
	Status int
	// Code is the "code" of Zoom's error body (0 for none).
	Code int
	// Message is the "message" of Zoom's error body.
	Message string
	// Body, when set, is sent verbatim instead of the JSON error body.
	Body string
	// RetryAfter is the Retry-After header: seconds ("2") or a date
	// ("2030-01-02T00:00:00Z"), as Zoom sends on daily limits.
	RetryAfter string
	// RateLimitType and RateLimitCategory are the X-RateLimit-Type ("QPS",
	// "Daily-limit") and X-RateLimit-Category ("Heavy"...) headers.
	RateLimitType, RateLimitCategory string
	// Hangup closes the connection without answering.
	Hangup bool
}

type faultRule struct {
	Fault
	left int
}

// FailNext makes the next n requests matching f.Path and f.Query misbehave
// as f says.
// Rules are consumed in the order they were added; each request takes at
// most one fault. It is safe to call while the server is serving.
func (s *Server) FailNext(n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{Fault: f, left: n})
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault consumes the first rule matching the request; s.mu must be held.
func (s *Server) takeFault(path, rawQuery string) *Fault {
	for i, r := range s.faults {
		if !strings.HasPrefix(path, r.Path) || !strings.Contains(rawQuery, r.Query) {
			continue
		}
		r.left--
		if r.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		f := r.Fault
		return &f
	}
	return nil
}

// serve answers the fault; false means "serve the request normally".
func (f *Fault) serve(w http.ResponseWriter) bool {
	if f.Hangup {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close() //nolint:errcheck // dropping it is the point
				return true
			}
		}
		panic(http.ErrAbortHandler) // aborts the response without an answer
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.RateLimitType != "" {
		w.Header().Set("X-RateLimit-Type", f.RateLimitType)
	}
	if f.RateLimitCategory != "" {
		w.Header().Set("X-RateLimit-Category", f.RateLimitCategory)
	}
	if f.Body != "" {
		writeJSON(w, f.Status, []byte(f.Body))
		return true
	}
	writeError(w, f.Status, f.Code, f.Message)
	return true
}

// RateLimited returns a 429 Fault for the API (Path "/v2/") as Zoom sends
// it, with X-RateLimit-Category Heavy. limitType is "QPS" or
// "Daily-limit"; retryAfter is seconds or an RFC 3339 date ("" omits it).
func RateLimited(limitType, retryAfter string) Fault {
	msg := "You have reached the maximum per-second rate limit for this API. Try again later."
	if limitType == "Daily-limit" {
		msg = "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."
	}
	return Fault{Path: "/v2/", Status: http.StatusTooManyRequests, Code: 429, Message: msg, RetryAfter: retryAfter,
		RateLimitType: limitType, RateLimitCategory: LabelHeavy}
}

// ServerError returns a Fault for the API (Path "/v2/") answering HTTP
// status (5xx) with a Zoom-like body.
func ServerError(status int) Fault {
	return Fault{Path: "/v2/", Status: status, Code: status, Message: http.StatusText(status)}
}

// PlanError returns a Fault for the Dashboard (Path "/v2/metrics/") that
// answers HTTP 400, code 200, as Zoom does when the plan lacks the Dashboard.
func PlanError() Fault {
	return Fault{Path: "/v2/metrics/", Status: http.StatusBadRequest, Code: 200,
		Message: "Only available for Business or higher accounts with the Dashboard feature enabled."}
}
