// Package zoom is rollcall's client for Zoom: the REST calls that list a
// past meeting's participants and details, webhook verification, and the
// event and participant types. It imports nothing else of rollcall.
//
// # Client
//
// New takes a Config with a Server-to-Server OAuth app's account ID, client
// ID and secret. The Client fetches an access token with
// golang.org/x/oauth2/clientcredentials (grant_type=account_credentials,
// account_id, credentials in the Basic header), caches it for all callers,
// renews it a minute before it expires, and on an API answer of 401 or code
// 124 drops it and retries the call once.
//
// Client.Participants lists every participant row of one meeting instance
// (by UUID, from meeting.ended) from the Dashboard or the Report API, per
// Config.Source, following next_page_token; Client.PastMeeting returns the
// instance's details, and Client.MeetingReport and Client.WebinarReport its
// report (start, end and duration, for a webinar.ended without end_time).
// UUIDs are escaped as Zoom requires (EscapeUUID).
//
// For a backfill, the list methods follow every page and return typed rows
// that keep Zoom's bytes in Raw: DashboardMeetings and DashboardWebinars
// (GET /metrics/meetings and /metrics/webinars), UserMeetings (GET
// /report/users/{userId}/meetings), Users (GET /users), and
// MeetingRegistrants and WebinarRegistrants.
//
// Rows are decoded leniently: a field of an unexpected JSON type does not
// fail its page (a bool or number where Zoom's spec says string keeps its
// JSON text, anything else stays zero), and Raw always has the original.
//
// Requests are paced per Zoom rate-limit label (Heavy for participant
// lists and reports, Medium for users and registrants, Light for
// past_meetings, and a per-minute Resource-intensive budget for the
// Dashboard's meeting and webinar lists) with golang.org/x/time/rate, so the
// client does not cause its own 429s. Transient failures (5xx, timeouts,
// connection errors) are retried Config.MaxRetries times with jittered
// exponential backoff.
//
// # Errors
//
// Every API failure is an *APIError carrying Zoom's HTTP status, code and
// message, and classified for errors.Is:
//
//	ErrMeetingNotReady   code 3001: not found, not ended or not processed yet; snooze and retry
//	ErrPageTokenExpired  code 300 on a later page, after two restarts of pagination
//	ErrPermission        code 200 or 4700, or HTTP 403: plan or scope
//	ErrUnauthorized      bad credentials, or 401/124 after a token refresh
//	ErrRateLimited       HTTP 429, as a *RateLimitError with RetryAfter and Until
//
// 429 and 3001 are never retried inside the client: they are returned so a
// durable job queue can snooze. IsTransient reports what is worth retrying
// soon.
//
// # Webhooks
//
// VerifyWebhook checks x-zm-signature (HMAC-SHA256 of "v0:{timestamp}:{raw
// body}") in constant time and the timestamp window; every failure wraps
// ErrUnverified. Verify the raw bytes read from the request, never a
// re-marshalled body. AnswerURLValidation answers endpoint.url_validation,
// and ParseEvent decodes an event, where meeting ids may be JSON strings or
// numbers (MeetingNumber).
//
// Package zoom/zoomtest is a fake Zoom to test against.
package zoom
