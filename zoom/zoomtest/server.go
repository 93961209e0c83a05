package zoomtest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"rollcall/zoom"
)

// Defaults of a new Server.
const (
	// DefaultPageTokenTTL is how long a next_page_token stays valid (Zoom: 15 minutes).
	DefaultPageTokenTTL = 15 * time.Minute
	// DefaultTokenTTL is an access token's lifetime (Zoom: one hour).
	DefaultTokenTTL = time.Hour
	// MaxPageSize is the largest page served (Zoom's maximum).
	MaxPageSize = 300
	// DefaultPageSize is the page size when the request names none.
	DefaultPageSize = 30
)

// Rate-limit labels, as Zoom names them in X-RateLimit-Category.
const (
	LabelLight  = "Light"
	LabelMedium = "Medium"
	LabelHeavy  = "Heavy"
	// LabelResourceIntensive is the label of the Dashboard's meeting and
	// webinar lists (Zoom allows 10 to 20 per minute).
	LabelResourceIntensive = "Resource-intensive"
)

// Server is a fake Zoom on a loopback port, serving from in-memory state:
//
//	POST /oauth/token                               S2S OAuth (Basic auth, grant_type=account_credentials, account_id)
//	GET  /oauth/authorize, POST /oauth/token (grant_type=authorization_code), GET /v2/users/me
//	                                                user OAuth for Sign in with Zoom (useroauth.go)
//	GET  /v2/metrics/meetings/{uuid}/participants   Dashboard (type=past|pastOne), Heavy
//	GET  /v2/metrics/webinars/{uuid}/participants   Dashboard for webinars, Heavy
//	GET  /v2/report/meetings/{uuid}/participants    Report, Heavy
//	GET  /v2/report/webinars/{uuid}/participants    Report for webinars, Heavy
//	GET  /v2/past_meetings/{uuid}                   meeting details, Light
//	GET  /v2/report/meetings/{uuid}                 meeting report (start, end, duration), Heavy
//	GET  /v2/report/webinars/{uuid}                 webinar report, Heavy
//	GET  /v2/metrics/meetings?type=past|pastOne&from&to   Dashboard meeting list, Resource-intensive
//	GET  /v2/metrics/webinars?type=past&from&to     Dashboard webinar list, Resource-intensive
//	GET  /v2/report/users/{userId}/meetings?type=past|pastOne|pastJoined&from&to   Heavy
//	GET  /v2/users?status=active                    users (AddUser, plus every meeting's host), Medium
//	GET  /v2/users/{userId}                         one of those users (by ID or email), Light
//	GET  /v2/meetings/{meetingId}/registrants?status=approved   Medium
//	GET  /v2/webinars/{webinarId}/registrants       Medium
//
// Lists page with next_page_token like the participant lists; the date
// lists require from and to (yyyy-mm-dd) at most one month apart and within
// six months of the clock of SetNow, as Zoom does.
//
// It checks bearer tokens, pages with expiring next_page_token values,
// answers Zoom's error bodies {"code":...,"message":...}, requires UUIDs that
// begin with "/" or contain "//" to be double-encoded (as Zoom does; a singly
// encoded one is not found), and serves registrant_id only with
// include_fields=registrant_id. Faults are injected with FailNext and the
// Set* methods; all methods are safe for concurrent use while serving.
//
// Unlike httptest.Server it needs no testing.TB: `rollcall demo` runs it.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port, without a trailing slash.
	URL string
	// AccountID, ClientID and ClientSecret are the credentials the token
	// endpoint accepts; WebhookSecret is the secret token for SignedWebhook.
	// All are random per Server.
	AccountID, ClientID, ClientSecret, WebhookSecret string
	// LoginClientID and LoginClientSecret are the credentials of the
	// user-managed OAuth app behind "Sign in with Zoom" (useroauth.go).
	LoginClientID, LoginClientSecret string

	ln net.Listener
	hs *http.Server

	mu              sync.Mutex
	meetings        map[string]*meetingState
	tokens          map[string]time.Time // access token → expiry (by now)
	tokensIssued    int
	pageTokens      map[string]*pageToken
	requests        []Request
	faults          []*faultRule
	now             func() time.Time
	pageTokenTTL    time.Duration
	tokenTTL        time.Duration
	notReadyFor     time.Duration
	latency         time.Duration
	dashboardDenied bool
	limits          map[string]float64 // label → requests per second; absent = unlimited
	windows         map[string]*window
	users           []User
	registrants     map[int64][]Registrant
	oauth           userOAuth
}

type meetingState struct {
	m    Meeting
	rows map[rowKey][][]byte // encoded rows, built on first use
}

type rowKey struct {
	report, registrant bool
}

type pageToken struct {
	uuid, route, typ string
	offset           int
	issued           time.Time
	expired          bool
}

type window struct {
	second int64
	count  int
}

// Request is one request the Server received.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the decoded path, e.g. /v2/past_meetings//abc==.
	Path string
	// EscapedPath is the path exactly as sent on the wire, e.g.
	// /v2/past_meetings/%252Fabc%253D%253D.
	EscapedPath string
	// Query is the parsed query string.
	Query url.Values
	// Label is the rate-limit label of the endpoint ("Heavy", "Light"...),
	// "" for the token endpoint and unknown paths.
	Label string
	// Time is the wall-clock arrival time (the real clock, not SetNow's).
	Time time.Time
}

// NewServer starts a fake Zoom on 127.0.0.1 at a random port. It panics if
// it cannot listen, like httptest.NewServer. Call Close when done.
func NewServer() *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("zoomtest: listen: " + err.Error())
	}
	s := &Server{
		URL:               "http://" + ln.Addr().String(),
		AccountID:         "acct_" + rand.Text()[:16],
		ClientID:          "client_" + rand.Text()[:16],
		ClientSecret:      rand.Text(),
		WebhookSecret:     rand.Text(),
		LoginClientID:     "login_" + rand.Text()[:16],
		LoginClientSecret: rand.Text(),
		oauth:             userOAuth{codes: map[string]authCode{}, userTokens: map[string]userToken{}},
		ln:                ln,
		meetings:          map[string]*meetingState{},
		tokens:            map[string]time.Time{},
		pageTokens:        map[string]*pageToken{},
		now:               time.Now,
		pageTokenTTL:      DefaultPageTokenTTL,
		tokenTTL:          DefaultTokenTTL,
		limits:            map[string]float64{},
		windows:           map[string]*window{},
		registrants:       map[int64][]Registrant{},
	}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.hs.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close
	return s
}

// Close stops the server and closes its connections.
func (s *Server) Close() {
	s.hs.Close() //nolint:errcheck // listener errors at shutdown are of no interest
}

// APIURL returns the API base, URL + "/v2".
func (s *Server) APIURL() string { return s.URL + "/v2" }

// OAuthURL returns the token endpoint, URL + "/oauth/token".
func (s *Server) OAuthURL() string { return s.URL + "/oauth/token" }

// ClientConfig returns a zoom.Config pointed at s with its credentials,
// SourceAuto, generous pacing (1000 requests per second per label) and a
// 1 ms retry base delay, so tests run fast. Adjust fields as needed.
func (s *Server) ClientConfig() zoom.Config {
	return zoom.Config{
		AccountID:       s.AccountID,
		ClientID:        s.ClientID,
		ClientSecret:    s.ClientSecret,
		APIURL:          s.APIURL(),
		OAuthURL:        s.OAuthURL(),
		Source:          zoom.SourceAuto,
		HTTPClient:      &http.Client{Timeout: 10 * time.Second},
		HeavyPerSecond:  1000,
		MediumPerSecond: 1000,
		LightPerSecond:  1000,
		// Per minute: 60,000 is 1000 a second, as for the other labels.
		ResourceIntensivePerMinute: 60_000,
		MaxRetries:                 3,
		RetryBaseDelay:             time.Millisecond,
	}
}

// AddMeeting stores (or replaces) an ended meeting instance, keyed by UUID.
// A meeting without a UUID gets a generated one.
func (s *Server) AddMeeting(m Meeting) {
	m = m.clone()
	if m.UUID == "" {
		m.UUID = UUID(uint64(time.Now().UnixNano()))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.meetings[m.UUID] = &meetingState{m: m}
}

// Meeting returns a copy of the stored meeting with that UUID.
func (s *Server) Meeting(uuid string) (Meeting, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.meetings[uuid]
	if !ok {
		return Meeting{}, false
	}
	return st.m.clone(), true
}

// Meetings returns copies of all stored meetings, ordered by start time.
func (s *Server) Meetings() []Meeting {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Meeting, 0, len(s.meetings))
	for _, st := range s.meetings {
		out = append(out, st.m.clone())
	}
	slices.SortFunc(out, func(a, b Meeting) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.UUID, b.UUID)
	})
	return out
}

// SetNow sets the clock used for token and page-token expiry and for
// SetNotReadyFor (not for Request.Time). Nil restores time.Now.
func (s *Server) SetNow(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetPageTokenTTL sets how long a next_page_token stays valid (default 15 minutes).
func (s *Server) SetPageTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageTokenTTL = d
}

// SetTokenTTL sets the lifetime of access tokens issued from now on
// (default one hour; expires_in is whole seconds).
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// SetNotReadyFor makes the participant and past-meeting endpoints answer
// 404 code 3001 until the meeting's End plus d, by the SetNow clock, as Zoom
// does while it processes a meeting. 0 (the default) serves at once; a
// meeting whose End is zero is never ready.
func (s *Server) SetNotReadyFor(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notReadyFor = d
}

// SetLatency delays every answer by d (a slow Zoom). The request's context
// cancels the wait.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetDashboardDenied makes every Dashboard request answer HTTP 400, code
// 200 (the account's plan lacks the Dashboard), as on a Pro plan, so a
// client with SourceAuto falls back to the Report.
func (s *Server) SetDashboardDenied(denied bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dashboardDenied = denied
}

// SetRateLimit enforces perSecond requests per one-second window (aligned
// to the wall clock's seconds) on the endpoints of label (LabelHeavy...),
// answering 429 with X-RateLimit-Type QPS beyond it. 0 removes the limit.
func (s *Server) SetRateLimit(label string, perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if perSecond <= 0 {
		delete(s.limits, label)
		return
	}
	s.limits[label] = perSecond
}

// ExpirePageTokens makes every next_page_token issued so far invalid: its
// next use answers HTTP 400, code 300, as an expired token does.
func (s *Server) ExpirePageTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pt := range s.pageTokens {
		pt.expired = true
	}
}

// RevokeTokens makes every access token issued so far invalid: the API
// answers 401, code 124, until the client fetches a new token.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokensIssued returns how many access tokens the token endpoint issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssued
}

// Requests returns a copy of every request received, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Query = cloneValues(r.Query)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// ServeHTTP serves the fake Zoom. It is exported so the Server can also be
// mounted in another mux; normally NewServer serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	label := labelOf(r.URL.Path)
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(),
		Query: r.URL.Query(), Label: label, Time: time.Now(),
	})
	fault := s.takeFault(r.URL.Path, r.URL.RawQuery)
	latency := s.latency
	s.mu.Unlock()

	delay := latency
	if fault != nil {
		delay += fault.Delay
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if fault != nil && fault.serve(w) {
		return
	}
	switch {
	case r.URL.Path == "/oauth/token":
		s.serveToken(w, r)
	case r.URL.Path == "/oauth/authorize":
		s.serveAuthorize(w, r)
	case r.URL.Path == "/v2/users/me":
		s.serveUsersMe(w, r)
	case strings.HasPrefix(r.URL.Path, "/v2/"):
		s.serveAPI(w, r, label)
	default:
		writeError(w, http.StatusNotFound, 404, "Not found.")
	}
}

// labelOf returns the rate-limit label of an API path.
func labelOf(path string) string {
	switch {
	case path == "/v2/metrics/meetings" || path == "/v2/metrics/webinars":
		return LabelResourceIntensive
	case strings.HasPrefix(path, "/v2/metrics/"), strings.HasPrefix(path, "/v2/report/"):
		return LabelHeavy
	case path == "/v2/users", strings.HasSuffix(path, "/registrants"):
		return LabelMedium
	case strings.HasPrefix(path, "/v2/past_meetings/") && strings.HasSuffix(path, "/participants"):
		return LabelMedium
	case strings.HasPrefix(path, "/v2/past_meetings/"), strings.HasPrefix(path, "/v2/users/") && strings.Count(path, "/") == 3:
		return LabelLight
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("x-zm-trackingid", "v=2.0;clid=fake;rid="+rand.Text()[:12])
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client went away
}

// writeError answers Zoom's error body.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, mustJSON(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, message}))
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, 405, "Method not allowed.")
		return
	}
	oauthError := func(status int, errCode, reason string) {
		writeJSON(w, status, mustJSON(struct {
			Reason string `json:"reason"`
			Error  string `json:"error"`
		}{reason, errCode}))
	}
	if err := r.ParseForm(); err != nil {
		oauthError(http.StatusBadRequest, "invalid_request", "Malformed request")
		return
	}
	if r.Form.Get("grant_type") == "authorization_code" {
		s.serveUserToken(w, r, oauthError)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.ClientID || secret != s.ClientSecret {
		oauthError(http.StatusUnauthorized, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	if g := r.Form.Get("grant_type"); g != "account_credentials" {
		oauthError(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
		return
	}
	if a := r.Form.Get("account_id"); a != s.AccountID {
		oauthError(http.StatusBadRequest, "invalid_request", "Invalid account_id: "+a)
		return
	}
	tok := rand.Text()
	s.mu.Lock()
	ttl := s.tokenTTL
	s.tokens[tok] = s.now().Add(ttl)
	s.tokensIssued++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, mustJSON(map[string]any{
		"access_token": tok,
		"token_type":   "bearer",
		"expires_in":   int(ttl / time.Second),
		"scope":        "dashboard:read:admin report:read:admin meeting:read:admin",
		"api_url":      s.URL,
	}))
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, label string) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, 405, "Method not allowed.")
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	valid := ok && s.now().Before(exp)
	limited := s.overLimit(label)
	s.mu.Unlock()
	if !valid {
		writeError(w, http.StatusUnauthorized, 124, "Invalid access token.")
		return
	}
	if limited {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("X-RateLimit-Type", "QPS")
		w.Header().Set("X-RateLimit-Category", label)
		writeError(w, http.StatusTooManyRequests, 429,
			"You have reached the maximum per-second rate limit for this API. Try again later.")
		return
	}
	// Split the escaped path so encoded slashes inside a UUID survive.
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/v2/"), "/")
	switch {
	case len(segs) == 4 && (segs[0] == "metrics" || segs[0] == "report") &&
		(segs[1] == "meetings" || segs[1] == "webinars") && segs[3] == "participants":
		s.serveParticipants(w, r, segs[0], segs[1] == "webinars", segs[2])
	case len(segs) == 2 && segs[0] == "past_meetings":
		s.servePastMeeting(w, segs[1])
	case len(segs) == 3 && segs[0] == "report" && (segs[1] == "meetings" || segs[1] == "webinars"):
		s.serveReportDetail(w, segs[1] == "webinars", segs[2])
	case len(segs) == 2 && segs[0] == "metrics" && (segs[1] == "meetings" || segs[1] == "webinars"):
		s.serveDashboardList(w, r, segs[1] == "webinars")
	case len(segs) == 4 && segs[0] == "report" && segs[1] == "users" && segs[3] == "meetings":
		s.serveUserMeetings(w, r, segs[2])
	case len(segs) == 1 && segs[0] == "users":
		s.serveUsers(w, r)
	case len(segs) == 2 && segs[0] == "users":
		s.serveUser(w, segs[1])
	case len(segs) == 3 && (segs[0] == "meetings" || segs[0] == "webinars") && segs[2] == "registrants":
		s.serveRegistrants(w, r, segs[0] == "webinars", segs[1])
	default:
		writeError(w, http.StatusNotFound, 404, "Not found.")
	}
}

// overLimit counts a request against label's window; s.mu must be held.
func (s *Server) overLimit(label string) bool {
	limit, ok := s.limits[label]
	if !ok {
		return false
	}
	sec := time.Now().Unix()
	win := s.windows[label]
	if win == nil || win.second != sec {
		win = &window{second: sec}
		s.windows[label] = win
	}
	win.count++
	return float64(win.count) > limit
}

// lookup finds a meeting by an escaped path segment as Zoom would: a UUID
// that needs double encoding is only found when double-encoded.
func (s *Server) lookup(seg string, webinar bool) (*meetingState, string, int, string) {
	once, err := url.PathUnescape(seg)
	if err != nil {
		return nil, "", http.StatusBadRequest, "Invalid meeting ID."
	}
	uuid, double := once, false
	if strings.Contains(once, "%") {
		if twice, err := url.PathUnescape(once); err == nil {
			uuid, double = twice, true
		}
	}
	notFound := func() (*meetingState, string, int, string) {
		what := "Meeting"
		if webinar {
			what = "Webinar"
		}
		return nil, uuid, http.StatusNotFound, what + " does not exist: " + uuid + "."
	}
	st, ok := s.meetings[uuid]
	if !ok || st.m.Webinar != webinar || (needsDouble(uuid) && !double) {
		return notFound()
	}
	if st.m.End.IsZero() || s.now().Before(st.m.End.Add(s.notReadyFor)) {
		return notFound()
	}
	return st, uuid, 0, ""
}

func needsDouble(uuid string) bool {
	return strings.HasPrefix(uuid, "/") || strings.Contains(uuid, "//")
}

func (s *Server) servePastMeeting(w http.ResponseWriter, seg string) {
	if m, ok := s.meetingOrNotFound(w, seg, false); ok {
		writeJSON(w, http.StatusOK, pastMeetingJSON(m))
	}
}

// meetingOrNotFound returns the meeting (webinar) of the path segment seg,
// or answers Zoom's "does not exist" (3001) and returns false.
func (s *Server) meetingOrNotFound(w http.ResponseWriter, seg string, webinar bool) (Meeting, bool) {
	s.mu.Lock()
	st, _, status, msg := s.lookup(seg, webinar)
	var m Meeting
	if st != nil {
		m = st.m
	}
	s.mu.Unlock()
	if st == nil {
		writeError(w, status, 3001, msg)
		return Meeting{}, false
	}
	return m, true
}

func (s *Server) serveParticipants(w http.ResponseWriter, r *http.Request, route string, webinar bool, seg string) {
	q := r.URL.Query()
	report := route == "report"
	typ := q.Get("type")
	if !report && webinar && typ == "pastOne" {
		// The webinar Dashboard knows only past and live.
		writeError(w, http.StatusBadRequest, 300, "Invalid field: type.")
		return
	}
	if !report && typ != "past" && typ != "pastOne" {
		// Zoom's default is type=live; a past meeting is not live.
		writeError(w, http.StatusNotFound, 3001, "Meeting does not exist or is not live (type="+typ+").")
		return
	}
	pageSize := DefaultPageSize
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, 300, "Invalid field: page_size.")
			return
		}
		pageSize = min(n, MaxPageSize)
	}
	withRegistrant := slices.Contains(strings.Split(q.Get("include_fields"), ","), "registrant_id")

	s.mu.Lock()
	if !report && s.dashboardDenied {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 200,
			"Only available for Business or higher accounts with the Dashboard feature enabled.")
		return
	}
	st, uuid, status, msg := s.lookup(seg, webinar)
	if st == nil {
		s.mu.Unlock()
		writeError(w, status, 3001, msg)
		return
	}
	offset := 0
	if tok := q.Get("next_page_token"); tok != "" {
		pt, ok := s.pageTokens[tok]
		if !ok || pt.expired || pt.uuid != uuid || pt.route != route || pt.typ != typ ||
			s.now().Sub(pt.issued) > s.pageTokenTTL {
			delete(s.pageTokens, tok)
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, 300, "The next page token is invalid or expired.")
			return
		}
		offset = pt.offset
	}
	rows := st.encoded(rowKey{report: report, registrant: withRegistrant})
	// A one-participant meeting is listed only by the Dashboard's pastOne;
	// pastOne lists nothing else; the Report lists only 2+ participants.
	if !webinar && (typ == "pastOne") != (len(rows) <= 1) {
		rows = nil
	}
	offset = min(offset, len(rows))
	end := min(offset+pageSize, len(rows))
	next := ""
	if end < len(rows) {
		s.purgePageTokens()
		next = rand.Text()
		s.pageTokens[next] = &pageToken{uuid: uuid, route: route, typ: typ, offset: end, issued: s.now()}
	}
	page := rows[offset:end]
	s.mu.Unlock()

	var b bytes.Buffer
	b.Grow(256 + len(page)*700)
	pageCount := (len(rows) + pageSize - 1) / pageSize
	fmt.Fprintf(&b, `{"page_count":%d,"page_size":%d,"total_records":%d,"next_page_token":%q,"participants":[`,
		pageCount, pageSize, len(rows), next)
	for i, row := range page {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(row)
	}
	b.WriteString("]}")
	writeJSON(w, http.StatusOK, b.Bytes())
}

// purgePageTokens forgets expired page tokens once there are many; s.mu held.
func (s *Server) purgePageTokens() {
	if len(s.pageTokens) < 10_000 {
		return
	}
	for k, pt := range s.pageTokens {
		if pt.expired || s.now().Sub(pt.issued) > s.pageTokenTTL {
			delete(s.pageTokens, k)
		}
	}
}

// encoded returns the meeting's rows as JSON, built once per shape; s.mu held.
func (st *meetingState) encoded(k rowKey) [][]byte {
	if rows, ok := st.rows[k]; ok {
		return rows
	}
	rows := make([][]byte, len(st.m.Participants))
	for i, p := range st.m.Participants {
		if k.report {
			rows[i] = p.ReportJSON(k.registrant)
		} else {
			rows[i] = p.dashboardJSON(k.registrant, st.m.Webinar)
		}
	}
	if st.rows == nil {
		st.rows = map[rowKey][][]byte{}
	}
	st.rows[k] = rows
	return rows
}
