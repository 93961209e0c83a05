// Package zoomtest is a fake Zoom for tests, benchmarks and `rollcall
// demo`, shaped like net/http/httptest: NewServer starts it on a loopback
// port, Close stops it, and ClientConfig returns a zoom.Config pointed at it.
// It needs no testing.TB.
//
// The Server serves, from in-memory meetings added with AddMeeting, the S2S
// OAuth token endpoint, the Dashboard and Report participant lists of
// meetings and webinars (real next_page_token paging, 300 rows at most per
// page), GET /past_meetings/{uuid}, the meeting and webinar reports, and
// the lists a backfill needs (Dashboard meetings and webinars by date, a
// user's meetings, users, registrants; see Server), with Zoom's error bodies
// {"code":...,"message":...}. Rows follow the field names and enums of
// Zoom's spec, per endpoint (the Dashboard's webinar rows differ from its
// meeting rows). Generate makes realistic meetings (rejoins, two devices at
// once, guests, registrants, waiting-room rows, missing leave times, HTML
// and non-ASCII names) from a seed; GenOptions.AllFields fills in every
// other field of the spec. AddUser and AddRegistrant add users and
// registrants beyond the ones derived from meetings.
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
// MeetingEndedBody, ParticipantJoinedBody, WaitingRoomBody,
// BreakoutRoomBody and friends build webhook bodies, MeetingEvents builds a
// meeting's whole event stream in time order, and SignedWebhook (or
// WebhookEvent.Signed) signs one as Zoom does.
package zoomtest
