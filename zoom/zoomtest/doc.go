// Package zoomtest is a fake Zoom for tests, benchmarks and `rollcall
// demo`, shaped like net/http/httptest: NewServer starts it on a loopback
// port, Close stops it, and ClientConfig returns a zoom.Config pointed at it.
// It needs no testing.TB.
//
// The Server serves, from in-memory meetings added with AddMeeting, the S2S
// OAuth token endpoint, the Dashboard and Report participant lists of
// meetings and webinars (real next_page_token paging, 300 rows at most per
// page), and GET /past_meetings/{uuid}, with Zoom's error bodies
// {"code":...,"message":...}. Generate makes realistic meetings (rejoins,
// two devices at once, guests, registrants, waiting-room rows, missing leave
// times, HTML and non-ASCII names) from a seed.
//
// # Faults
//
// Everything is safe to change while the server is serving:
//
//	FailNext(n, Fault{...})    the next n matching requests answer Status/Code/Message,
//	                           Retry-After and X-RateLimit-* headers, or hang up, or are slow (Delay);
//	                           scoped by Path prefix and Query substring. Helpers: RateLimited,
//	                           ServerError, PlanError.
//	SetDashboardDenied(true)   every Dashboard call answers code 200 (a Pro plan)
//	SetNotReadyFor(d)          3001 until a meeting's End + d, by the clock of SetNow
//	SetPageTokenTTL(d)         page tokens expire after d (default 15 minutes); ExpirePageTokens
//	SetTokenTTL(d)             access-token lifetime; RevokeTokens invalidates all (401, code 124)
//	SetRateLimit(label, n)     answer 429 QPS beyond n requests per second for a label
//	SetLatency(d)              every answer is d late
//
// Bad credentials need no switch: a Config with another ClientSecret or
// AccountID is refused by the token endpoint as Zoom refuses it.
//
// Requests and TokensIssued report what the server saw, including the
// escaped path on the wire, so tests can assert UUID encoding and pacing.
// MeetingEndedBody, ParticipantJoinedBody and friends build webhook bodies,
// and SignedWebhook signs one as Zoom does.
package zoomtest
