package zoom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// countRequests counts recorded requests whose path begins with prefix.
func countRequests(srv *zoomtest.Server, prefix string) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// TestParticipantsErrorPaths drives every error path of Participants over
// real HTTP against zoomtest: what is returned, how it classifies, and how
// many requests it cost (retried or not).
func TestParticipantsErrorPaths(t *testing.T) {
	daily := time.Date(2031, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		setup  func(*zoomtest.Server)
		config func(*zoom.Config)
		uuid   string // "" = the generated meeting
		// wantErr is nil for success; otherwise each sentinel must match.
		wantIs       []error
		wantNotIs    []error
		wantStatus   int
		wantCode     int
		wantInMsg    []string
		wantSource   zoom.Source
		wantAPICalls int // requests to /v2/
		wantTokens   int // tokens issued (-1: don't check)
		check        func(t *testing.T, err error)
	}{
		{
			name:         "unknown meeting is 3001, not retried",
			uuid:         "no-such-meeting==",
			wantIs:       []error{zoom.ErrMeetingNotReady},
			wantStatus:   404,
			wantCode:     3001,
			wantInMsg:    []string{"3001", "does not exist"},
			wantAPICalls: 2, // type=past, then type=pastOne
			wantTokens:   1,
		},
		{
			name: "meeting not processed yet is 3001",
			setup: func(s *zoomtest.Server) {
				s.SetNotReadyFor(10 * time.Minute)
				s.SetNow(func() time.Time { return time.Date(2025, 3, 3, 16, 5, 0, 0, time.UTC) })
			},
			wantIs:       []error{zoom.ErrMeetingNotReady},
			wantNotIs:    []error{zoom.ErrPermission, zoom.ErrRateLimited},
			wantCode:     3001,
			wantAPICalls: 2,
			wantTokens:   1,
			check: func(t *testing.T, err error) {
				assert.False(t, zoom.IsTransient(err))
			},
		},
		{
			name:         "429 with Retry-After seconds is returned, not retried",
			setup:        func(s *zoomtest.Server) { s.FailNext(1, zoomtest.RateLimited("QPS", "7")) },
			wantIs:       []error{zoom.ErrRateLimited},
			wantStatus:   429,
			wantCode:     429,
			wantInMsg:    []string{"QPS", "per-second"},
			wantAPICalls: 1,
			wantTokens:   1,
			check: func(t *testing.T, err error) {
				var rl *zoom.RateLimitError
				require.ErrorAs(t, err, &rl)
				assert.Equal(t, 7*time.Second, rl.RetryAfter)
				assert.WithinDuration(t, time.Now().Add(7*time.Second), rl.Until, 2*time.Second)
				assert.Equal(t, "QPS", rl.Type)
				assert.Equal(t, "Heavy", rl.Category)
				assert.False(t, zoom.IsTransient(err))
			},
		},
		{
			name: "429 daily limit with a date",
			setup: func(s *zoomtest.Server) {
				s.FailNext(1, zoomtest.RateLimited("Daily-limit", daily.Format(time.RFC3339)))
			},
			wantIs:       []error{zoom.ErrRateLimited},
			wantStatus:   429,
			wantInMsg:    []string{"Daily-limit", "daily"},
			wantAPICalls: 1,
			wantTokens:   1,
			check: func(t *testing.T, err error) {
				var rl *zoom.RateLimitError
				require.ErrorAs(t, err, &rl)
				assert.Equal(t, daily, rl.Until)
				assert.InDelta(t, time.Until(daily).Seconds(), rl.RetryAfter.Seconds(), 5)
				assert.Equal(t, "Daily-limit", rl.Type)
			},
		},
		{
			name:         "429 without Retry-After",
			setup:        func(s *zoomtest.Server) { s.FailNext(1, zoomtest.RateLimited("", "")) },
			wantIs:       []error{zoom.ErrRateLimited},
			wantAPICalls: 1,
			wantTokens:   1,
			check: func(t *testing.T, err error) {
				var rl *zoom.RateLimitError
				require.ErrorAs(t, err, &rl)
				assert.Zero(t, rl.RetryAfter)
				assert.True(t, rl.Until.IsZero())
			},
		},
		{
			name:         "one 500 is retried and succeeds",
			setup:        func(s *zoomtest.Server) { s.FailNext(1, zoomtest.ServerError(500)) },
			wantSource:   zoom.SourceDashboard,
			wantAPICalls: 3,
			wantTokens:   1,
		},
		{
			name:         "persistent 503 is retried MaxRetries times, then returned",
			setup:        func(s *zoomtest.Server) { s.FailNext(100, zoomtest.ServerError(503)) },
			wantStatus:   503,
			wantCode:     503,
			wantInMsg:    []string{"Service Unavailable"},
			wantAPICalls: 4,
			wantTokens:   1,
			check: func(t *testing.T, err error) {
				assert.True(t, zoom.IsTransient(err))
			},
		},
		{
			name:         "retries disabled",
			setup:        func(s *zoomtest.Server) { s.FailNext(100, zoomtest.ServerError(502)) },
			config:       func(c *zoom.Config) { c.MaxRetries = -1 },
			wantStatus:   502,
			wantAPICalls: 1,
			wantTokens:   1,
		},
		{
			name: "non-JSON error body keeps the text",
			setup: func(s *zoomtest.Server) {
				s.FailNext(100, zoomtest.Fault{Path: "/v2/", Status: 502, Body: "<html>bad gateway</html>"})
			},
			config:       func(c *zoom.Config) { c.MaxRetries = -1 },
			wantStatus:   502,
			wantInMsg:    []string{"HTTP 502", "<html>bad gateway</html>"},
			wantAPICalls: 1,
			wantTokens:   1,
		},
		{
			name:  "dropped connection is retried",
			setup: func(s *zoomtest.Server) { s.FailNext(1, zoomtest.Fault{Path: "/v2/", Hangup: true}) },
			// Without keep-alives, so net/http's own retry of a dropped
			// reused connection does not hide the error from the client.
			config: func(c *zoom.Config) {
				c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			},
			wantSource:   zoom.SourceDashboard,
			wantAPICalls: 3,
			wantTokens:   1,
		},
		{
			name:         "slow answer times out and is retried",
			setup:        func(s *zoomtest.Server) { s.FailNext(1, zoomtest.Fault{Path: "/v2/", Delay: 2 * time.Second}) },
			config:       func(c *zoom.Config) { c.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond} },
			wantSource:   zoom.SourceDashboard,
			wantAPICalls: 3,
			wantTokens:   1,
		},
		{
			name:  "persistent connection drops are transient",
			setup: func(s *zoomtest.Server) { s.FailNext(100, zoomtest.Fault{Path: "/v2/", Hangup: true}) },
			config: func(c *zoom.Config) {
				c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			},
			wantInMsg:    []string{"EOF"},
			wantAPICalls: 4,
			wantTokens:   1,
			check: func(t *testing.T, err error) {
				assert.True(t, zoom.IsTransient(err), "%v", err)
			},
		},
		{
			name:         "persistent timeouts are transient",
			setup:        func(s *zoomtest.Server) { s.FailNext(100, zoomtest.Fault{Path: "/v2/", Delay: 2 * time.Second}) },
			config:       func(c *zoom.Config) { c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}; c.MaxRetries = 1 },
			wantAPICalls: 2,
			wantTokens:   1,
			check: func(t *testing.T, err error) {
				assert.True(t, zoom.IsTransient(err), "%v", err)
			},
		},
		{
			name:         "bad credentials at the token endpoint",
			config:       func(c *zoom.Config) { c.ClientSecret = "wrong" },
			wantIs:       []error{zoom.ErrUnauthorized},
			wantNotIs:    []error{zoom.ErrPermission},
			wantStatus:   401,
			wantInMsg:    []string{"Invalid client_id or client_secret"},
			wantAPICalls: 0,
			wantTokens:   0,
		},
		{
			name:         "wrong account id",
			config:       func(c *zoom.Config) { c.AccountID = "someone-else" },
			wantIs:       []error{zoom.ErrUnauthorized},
			wantStatus:   400,
			wantInMsg:    []string{"Invalid account_id"},
			wantAPICalls: 0,
			wantTokens:   0,
		},
		{
			name: "token endpoint 429 is a rate limit, not bad credentials",
			setup: func(s *zoomtest.Server) {
				f := zoomtest.RateLimited("QPS", "3")
				f.Path = "/oauth/token"
				s.FailNext(1, f)
			},
			wantIs:       []error{zoom.ErrRateLimited},
			wantNotIs:    []error{zoom.ErrUnauthorized},
			wantStatus:   429,
			wantAPICalls: 0,
			wantTokens:   0,
			check: func(t *testing.T, err error) {
				var rl *zoom.RateLimitError
				require.ErrorAs(t, err, &rl)
				assert.Equal(t, 3*time.Second, rl.RetryAfter)
			},
		},
		{
			name: "token endpoint 500 is retried",
			setup: func(s *zoomtest.Server) {
				s.FailNext(1, zoomtest.Fault{Path: "/oauth/token", Status: 500, Message: "oops"})
			},
			wantSource:   zoom.SourceDashboard,
			wantAPICalls: 2,
			wantTokens:   1,
		},
		{
			name: "revoked token is refreshed once",
			setup: func(s *zoomtest.Server) {
				s.FailNext(1, zoomtest.Fault{Path: "/v2/", Status: 401, Code: 124, Message: "Invalid access token."})
			},
			wantSource:   zoom.SourceDashboard,
			wantAPICalls: 3,
			wantTokens:   2,
		},
		{
			name: "401 persisting after one refresh",
			setup: func(s *zoomtest.Server) {
				s.FailNext(2, zoomtest.Fault{Path: "/v2/", Status: 401, Code: 124, Message: "Invalid access token."})
			},
			wantIs:       []error{zoom.ErrUnauthorized},
			wantStatus:   401,
			wantCode:     124,
			wantInMsg:    []string{"124", "Invalid access token."},
			wantAPICalls: 2,
			wantTokens:   2,
		},
		{
			name:         "dashboard plan error falls back to the report",
			setup:        func(s *zoomtest.Server) { s.SetDashboardDenied(true) },
			wantSource:   zoom.SourceReport,
			wantAPICalls: 3, // dashboard refused, then 2 report pages
			wantTokens:   1,
		},
		{
			name: "dashboard 403 falls back to the report",
			setup: func(s *zoomtest.Server) {
				s.FailNext(1, zoomtest.Fault{Path: "/v2/metrics/", Status: 403, Message: "Forbidden"})
			},
			wantSource:   zoom.SourceReport,
			wantAPICalls: 3,
			wantTokens:   1,
		},
		{
			name: "dashboard missing scope (4700) falls back to the report",
			setup: func(s *zoomtest.Server) {
				s.FailNext(1, zoomtest.Fault{Path: "/v2/metrics/", Status: 400, Code: 4700,
					Message: "Invalid access token, does not contain scopes:[dashboard:read:admin]."})
			},
			wantSource:   zoom.SourceReport,
			wantAPICalls: 3,
			wantTokens:   1,
		},
		{
			name:         "plan error with the dashboard forced",
			setup:        func(s *zoomtest.Server) { s.SetDashboardDenied(true) },
			config:       func(c *zoom.Config) { c.Source = zoom.SourceDashboard },
			wantIs:       []error{zoom.ErrPermission},
			wantNotIs:    []error{zoom.ErrUnauthorized},
			wantStatus:   400,
			wantCode:     200,
			wantInMsg:    []string{"code 200", "Dashboard"},
			wantAPICalls: 1,
			wantTokens:   1,
		},
		{
			name: "report refused too",
			setup: func(s *zoomtest.Server) {
				s.SetDashboardDenied(true)
				s.FailNext(1, zoomtest.Fault{Path: "/v2/report/", Status: 400, Code: 200, Message: "Only available for paid account."})
			},
			wantIs:       []error{zoom.ErrPermission},
			wantInMsg:    []string{"/report/meetings/", "paid account"},
			wantAPICalls: 2,
			wantTokens:   1,
		},
		{
			name: "expired page token restarts pagination",
			setup: func(s *zoomtest.Server) {
				s.FailNext(1, zoomtest.Fault{Path: "/v2/metrics/", Query: "next_page_token=", Status: 400, Code: 300,
					Message: "The next page token is invalid or expired."})
			},
			wantSource:   zoom.SourceDashboard,
			wantAPICalls: 4, // page 1, page 2 refused, page 1, page 2
			wantTokens:   1,
		},
		{
			name: "page token expiring every time gives up",
			setup: func(s *zoomtest.Server) {
				s.FailNext(100, zoomtest.Fault{Path: "/v2/metrics/", Query: "next_page_token=", Status: 400, Code: 300,
					Message: "The next page token is invalid or expired."})
			},
			wantIs:       []error{zoom.ErrPageTokenExpired},
			wantNotIs:    []error{zoom.ErrMeetingNotReady},
			wantStatus:   400,
			wantCode:     300,
			wantInMsg:    []string{"code 300", "expired"},
			wantAPICalls: 6, // three passes of page 1 + page 2
			wantTokens:   1,
		},
		{
			name: "code 300 on the first page is not a page token problem",
			setup: func(s *zoomtest.Server) {
				s.FailNext(1, zoomtest.Fault{Path: "/v2/metrics/", Status: 400, Code: 300, Message: "Cannot access meeting info."})
			},
			wantNotIs:    []error{zoom.ErrPageTokenExpired},
			wantCode:     300,
			wantAPICalls: 1,
			wantTokens:   1,
		},
		{
			name: "garbage 200 body",
			setup: func(s *zoomtest.Server) {
				s.FailNext(1, zoomtest.Fault{Path: "/v2/", Status: 200, Body: `{"participants": [1,`})
			},
			config:       func(c *zoom.Config) { c.MaxRetries = -1 },
			wantInMsg:    []string{"decoding answer"},
			wantAPICalls: 1,
			wantTokens:   1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := zoomtest.NewServer()
			defer srv.Close()
			m := zoomtest.Generate(zoomtest.GenOptions{Participants: 450, Seed: 11})
			srv.AddMeeting(m)
			if tc.setup != nil {
				tc.setup(srv)
			}
			c := newClient(t, srv, func(cfg *zoom.Config) {
				if tc.config != nil {
					tc.config(cfg)
				}
			})
			uuid := tc.uuid
			if uuid == "" {
				uuid = m.UUID
			}
			res, err := c.Participants(context.Background(), uuid)
			wantErr := tc.wantSource == ""
			if !wantErr {
				require.NoError(t, err)
				assert.Equal(t, tc.wantSource, res.Source)
				assert.Len(t, res.Participants, 450)
			} else {
				require.Error(t, err)
				for _, s := range tc.wantIs {
					assert.ErrorIs(t, err, s)
				}
				for _, s := range tc.wantNotIs {
					assert.NotErrorIs(t, err, s)
				}
				var apiErr *zoom.APIError
				if tc.wantStatus != 0 || tc.wantCode != 0 {
					require.ErrorAs(t, err, &apiErr)
					if tc.wantStatus != 0 {
						assert.Equal(t, tc.wantStatus, apiErr.Status)
					}
					if tc.wantCode != 0 {
						assert.Equal(t, tc.wantCode, apiErr.Code)
					}
				}
				for _, s := range tc.wantInMsg {
					assert.Contains(t, err.Error(), s)
				}
			}
			assert.Equal(t, tc.wantAPICalls, countRequests(srv, "/v2/"), "API calls")
			if tc.wantTokens >= 0 {
				assert.Equal(t, tc.wantTokens, srv.TokensIssued(), "tokens issued")
			}
			if tc.check != nil {
				tc.check(t, err)
			}
		})
	}
}

func TestNotReadyThenReady(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 20, Seed: 5})
	srv.AddMeeting(m)
	now := m.End.Add(time.Minute)
	srv.SetNow(func() time.Time { return now })
	srv.SetNotReadyFor(3 * time.Minute)
	c := newClient(t, srv)

	_, err := c.PastMeeting(context.Background(), m.UUID)
	require.ErrorIs(t, err, zoom.ErrMeetingNotReady)
	_, err = c.Participants(context.Background(), m.UUID)
	require.ErrorIs(t, err, zoom.ErrMeetingNotReady)

	now = m.End.Add(3 * time.Minute) // the fake's clock moves on; read under its lock
	srv.SetNow(func() time.Time { return now })
	res, err := c.Participants(context.Background(), m.UUID)
	require.NoError(t, err)
	assert.Len(t, res.Participants, 20)
}

func TestRealPageTokenExpiry(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 301, Seed: 9})
	srv.AddMeeting(m)
	srv.SetTokenTTL(1000 * time.Hour)
	srv.SetPageTokenTTL(time.Minute)
	// Each look at the fake's clock moves it 2 minutes: every page token has
	// expired by the time it is used.
	clock := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	srv.SetNow(func() time.Time { clock = clock.Add(2 * time.Minute); return clock })
	c := newClient(t, srv)

	_, err := c.Participants(context.Background(), m.UUID)
	require.ErrorIs(t, err, zoom.ErrPageTokenExpired)
	assert.Contains(t, err.Error(), "code 300")
	assert.Equal(t, 6, countRequests(srv, "/v2/"))

	srv.ResetRequests()
	srv.SetNow(nil)
	res, err := c.Participants(context.Background(), m.UUID)
	require.NoError(t, err)
	assert.Len(t, res.Participants, 301)
	assert.Equal(t, 2, res.Pages)
}

func TestExpirePageTokensOnDemand(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 700, Seed: 10})
	srv.AddMeeting(m)
	// Expire every page token issued so far while page 2 is in flight.
	srv.FailNext(1, zoomtest.Fault{Path: "/v2/metrics/", Query: "next_page_token=", Delay: 20 * time.Millisecond})
	c := newClient(t, srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		assert.Eventually(t, func() bool { return countRequests(srv, "/v2/metrics/") >= 2 }, 10*time.Second, time.Millisecond)
		srv.ExpirePageTokens() // the token for page 3 is not issued yet
	}()
	res, err := c.Participants(context.Background(), m.UUID)
	<-done
	require.NoError(t, err)
	assert.Len(t, res.Participants, 700)
}

func TestCanceledContextIsNotRetried(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 1})
	srv.AddMeeting(m)
	srv.FailNext(1, zoomtest.Fault{Path: "/v2/", Delay: time.Second})
	c := newClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.PastMeeting(ctx, m.UUID)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.Equal(t, 1, countRequests(srv, "/v2/"))
}

func TestPastMeetingErrors(t *testing.T) {
	tests := []struct {
		name   string
		fault  zoomtest.Fault
		wantIs error
		code   int
	}{
		{"not ready", zoomtest.Fault{Status: 404, Code: 3001, Message: "Meeting does not exist: x."}, zoom.ErrMeetingNotReady, 3001},
		{"paid accounts only", zoomtest.Fault{Status: 400, Code: 200, Message: "Only available for paid account."}, zoom.ErrPermission, 200},
		{"rate limited", zoomtest.RateLimited("QPS", "1"), zoom.ErrRateLimited, 429},
		{"too old", zoomtest.Fault{Status: 400, Code: 12702, Message: "Can not access a meeting a year ago."}, nil, 12702},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := zoomtest.NewServer()
			defer srv.Close()
			m := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 1})
			srv.AddMeeting(m)
			tc.fault.Path = "/v2/past_meetings/"
			srv.FailNext(1, tc.fault)
			c := newClient(t, srv)
			_, err := c.PastMeeting(context.Background(), m.UUID)
			require.Error(t, err)
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			}
			var apiErr *zoom.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Contains(t, err.Error(), tc.fault.Message)
			assert.NotEmpty(t, apiErr.TrackingID)
			assert.Equal(t, 1, countRequests(srv, "/v2/"))
		})
	}
}

// TestPastOneFailureIsNotEmpty: when type=past is empty and the pastOne call
// is rate limited, the error is returned rather than an empty list.
func TestPastOneFailureIsNotEmpty(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 1, Seed: 6})
	srv.AddMeeting(m)
	f := zoomtest.RateLimited("QPS", "1")
	f.Query = "type=pastOne"
	srv.FailNext(1, f)
	c := newClient(t, srv)
	_, err := c.Participants(context.Background(), m.UUID)
	require.ErrorIs(t, err, zoom.ErrRateLimited)
}

// TestConnectionRefusedIsTransient: a Zoom that cannot be reached at all
// (token endpoint or API) gives a transient error after the retries.
func TestConnectionRefusedIsTransient(t *testing.T) {
	srv := zoomtest.NewServer()
	cfg := srv.ClientConfig()
	srv.Close() // nothing listens there any more
	c, err := zoom.New(cfg)
	require.NoError(t, err)
	_, err = c.PastMeeting(context.Background(), "u")
	require.Error(t, err)
	assert.True(t, zoom.IsTransient(err), "%v", err)
	assert.Contains(t, err.Error(), "zoom: token: ")
	assert.NotErrorIs(t, err, zoom.ErrUnauthorized)
}

func TestIsTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"500", &zoom.APIError{Status: 500}, true},
		{"503 wrapped", fmt.Errorf("job: %w", &zoom.APIError{Status: 503}), true},
		{"404 3001", &zoom.APIError{Status: 404, Code: 3001}, false},
		{"429", &zoom.RateLimitError{Err: &zoom.APIError{Status: 429}}, false},
		{"canceled", context.Canceled, false},
		{"deadline", context.DeadlineExceeded, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"plain", errors.New("x"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, zoom.IsTransient(tc.err))
		})
	}
}

// TestAPIErrorByHand: an APIError built by hand (in another package's fake)
// classifies like one from the client.
func TestAPIErrorByHand(t *testing.T) {
	tests := []struct {
		err  *zoom.APIError
		want error
	}{
		{&zoom.APIError{Status: 404, Code: 3001}, zoom.ErrMeetingNotReady},
		{&zoom.APIError{Status: 400, Code: 200}, zoom.ErrPermission},
		{&zoom.APIError{Status: 400, Code: 4700}, zoom.ErrPermission},
		{&zoom.APIError{Status: 401, Code: 4700}, zoom.ErrPermission},
		{&zoom.APIError{Status: 403}, zoom.ErrPermission},
		{&zoom.APIError{Status: 401, Code: 124}, zoom.ErrUnauthorized},
		{&zoom.APIError{Status: 429, Code: 429}, zoom.ErrRateLimited},
		{&zoom.APIError{Status: 400, Code: 12702}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			if tc.want == nil {
				assert.NoError(t, tc.err.Unwrap())
				return
			}
			assert.ErrorIs(t, tc.err, tc.want)
		})
	}
	rl := &zoom.RateLimitError{RetryAfter: time.Second, Type: "QPS"}
	assert.ErrorIs(t, rl, zoom.ErrRateLimited)
	assert.Equal(t, "zoom: rate limited (QPS), retry after 1s", rl.Error())
}
