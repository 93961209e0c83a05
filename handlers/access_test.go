package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/handlers"
	"rollcall/models"
)

// The access crawler: every route the router has, asked by an anonymous
// visitor, a viewer and an admin, must answer what docs/ARCHITECTURE.md says. A
// route added without an expectation here fails TestAccessEveryRoute.

// lockedBuffer collects log output written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// accessEnv is env with the router kept (for Routes) and every log line,
// at debug level, captured.
type accessEnv struct {
	*env
	router handlers.Router
	logs   *lockedBuffer
}

func newAccessEnv(t *testing.T) *accessEnv {
	t.Helper()
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// Single sign-on is on: Zoom's, and an OpenID provider that is down
	// (its start route must answer a clear page, not a 500).
	sso := handlers.SSOConfig{
		OIDC: &handlers.OIDCConfig{Issuer: "http://127.0.0.1:1/", ClientID: "rollcall", ClientSecret: "s", Name: "Example"},
		Zoom: &handlers.ZoomLoginConfig{ClientID: "zl", ClientSecret: "zs", AccountID: "acct",
			AuthURL: "https://zoom.test/oauth/authorize", TokenURL: "https://zoom.test/oauth/token", APIURL: "https://api.zoom.test/v2"},
	}
	e, h := newEnvWith(t, envOptions{log: log, webhookTimeout: 2 * time.Second, sso: sso})
	router, ok := h.(handlers.Router)
	require.True(t, ok, "Router() is no longer a handlers.Router: the crawler cannot list routes")
	t.Cleanup(func() {
		if t.Failed() {
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
					t.Log(line)
				}
			}
		}
	})
	return &accessEnv{env: e, router: router, logs: logs}
}

// Who asks. A token is sent as Authorization: Bearer, with no cookie.
const (
	anon        = "anonymous"
	viewer      = models.RoleViewer
	admin       = models.RoleAdmin
	tokenViewer = "viewer's token"
	tokenAdmin  = "admin's token"
)

// want is what one role gets from one route: a status and, for a
// redirect, the start of its Location.
type want struct {
	status int
	to     string
}

var (
	toLogin   = want{http.StatusSeeOther, "/login?next="}
	loginPage = want{http.StatusSeeOther, "/login"}
	ok200     = want{status: http.StatusOK}
	unauth    = want{status: http.StatusUnauthorized}
	forbidden = want{status: http.StatusForbidden}
	// Single sign-on.
	toZoom      = want{http.StatusFound, "https://zoom.test/oauth/authorize?"}
	badRequest  = want{status: http.StatusBadRequest}
	unavailable = want{status: http.StatusServiceUnavailable}
)

// expectation is the access rule of one route (gin's method and pattern),
// as docs/ARCHITECTURE.md's route table gives it.
type expectation struct {
	// paths are the concrete URLs to ask, with {id} {number} {user} filled in.
	paths []string
	// form is sent with a POST.
	form url.Values
	// by role.
	anon, viewer, admin want
	// tokens: what a viewer's and an admin's API token get; unset, what
	// anon gets (a token opens the API and nothing else).
	tokenViewer, tokenAdmin *want
}

// routeExpectations maps "METHOD pattern" (as gin lists it) to what each
// role gets. Keep it complete: a new route needs a line here.
func routeExpectations() map[string]expectation {
	page := func(paths ...string) expectation {
		return expectation{paths: paths, anon: toLogin, viewer: ok200, admin: ok200}
	}
	csv := func(paths ...string) expectation {
		return expectation{paths: paths, anon: unauth, viewer: ok200, admin: ok200}
	}
	adminPage := func(paths ...string) expectation {
		return expectation{paths: paths, anon: toLogin, viewer: forbidden, admin: ok200}
	}
	// The API: a token or a session of either role reads it.
	api := func(paths ...string) expectation {
		return expectation{paths: paths, anon: unauth, viewer: ok200, admin: ok200, tokenViewer: &ok200, tokenAdmin: &ok200}
	}
	return map[string]expectation{
		// Zoom: the signature is the only key, whoever is signed in.
		"POST /webhooks/zoom": {paths: []string{"/webhooks/zoom"}, anon: unauth, viewer: unauth, admin: unauth},
		// Operators: open.
		"GET /healthz": {paths: []string{"/healthz"}, anon: ok200, viewer: ok200, admin: ok200},
		"GET /readyz":  {paths: []string{"/readyz"}, anon: ok200, viewer: ok200, admin: ok200},
		// Prometheus scrapes without a session (anyone / operator).
		"GET /metrics": {paths: []string{"/metrics"}, anon: ok200, viewer: ok200, admin: ok200},
		// Browser plumbing: open.
		"GET /static/*filepath": {paths: []string{"/static/app.css", "/static/icon.svg"}, anon: ok200, viewer: ok200, admin: ok200},
		"GET /login":            {paths: []string{"/login"}, anon: ok200, viewer: want{303, "/"}, admin: want{303, "/"}},
		// An empty sign-in form is a failed sign-in for anyone.
		"POST /login": {paths: []string{"/login"}, form: url.Values{"email": {""}, "password": {""}},
			anon: unauth, viewer: unauth, admin: unauth},
		// Single sign-on: anyone may begin one; a callback without this
		// browser's state is refused; a provider that is down is a 503 page.
		"GET /login/oidc":          {paths: []string{"/login/oidc"}, anon: unavailable, viewer: unavailable, admin: unavailable},
		"GET /login/oidc/callback": {paths: []string{"/login/oidc/callback?state=x&code=y"}, anon: badRequest, viewer: badRequest, admin: badRequest},
		"GET /login/zoom":          {paths: []string{"/login/zoom"}, anon: toZoom, viewer: toZoom, admin: toZoom},
		"GET /login/zoom/callback": {paths: []string{"/login/zoom/callback?state=x&code=y", "/login/zoom/callback"},
			anon: badRequest, viewer: badRequest, admin: badRequest},
		"POST /logout": {paths: []string{"/logout"}, anon: loginPage, viewer: loginPage, admin: loginPage},
		// Pages: signed in.
		"GET /":               page("/", "/?tz=Asia/Tokyo"),
		"GET /meetings":       page("/meetings", "/meetings?q=x"),
		"GET /meetings/:id":   page("/meetings/{id}"),
		"GET /series/:number": page("/series/{number}"),
		"GET /people/*key":    page("/people/{person}"),
		"GET /settings":       page("/settings"),
		"POST /settings": {paths: []string{"/settings"}, form: url.Values{"timezone": {"Europe/Berlin"}},
			anon: unauth, viewer: want{http.StatusSeeOther, "/settings"}, admin: want{http.StatusSeeOther, "/settings"}},
		// A wrong current password is refused.
		"POST /settings/password": {paths: []string{"/settings/password"}, form: url.Values{"current_password": {"not it at all"}, "new_password": {"a new password 1"}},
			anon: unauth, viewer: unauth, admin: unauth},
		// API tokens: made and revoked by their owner (someone else's is not found).
		"POST /settings/tokens": {paths: []string{"/settings/tokens"}, form: url.Values{"name": {"sync"}, "expires": {"720h"}},
			anon: unauth, viewer: ok200, admin: ok200},
		"POST /settings/tokens/:id/delete": {paths: []string{"/settings/tokens/{token}/delete"},
			anon: unauth, viewer: want{status: http.StatusNotFound}, admin: want{status: http.StatusNotFound}},
		// The JSON API.
		"GET /api/v1/openapi.json":            {paths: []string{"/api/v1/openapi.json"}, anon: ok200, viewer: ok200, admin: ok200},
		"GET /api/v1/meetings":                api("/api/v1/meetings", "/api/v1/meetings?limit=1&q=x"),
		"GET /api/v1/meetings/:id":            api("/api/v1/meetings/{id}"),
		"GET /api/v1/meetings/:id/attendance": api("/api/v1/meetings/{id}/attendance"),
		"GET /api/v1/meetings/:id/segments":   api("/api/v1/meetings/{id}/segments"),
		"GET /api/v1/series/:number":          api("/api/v1/series/{number}"),
		"GET /api/v1/people/*key":             api("/api/v1/people/{person}"),
		"GET /meetings.csv":                   csv("/meetings.csv?from=2026-01-01&to=2026-12-31"),
		"GET /meetings/:id/attendance.csv":    csv("/meetings/{id}/attendance.csv"),
		"GET /meetings/:id/sessions.csv":      csv("/meetings/{id}/sessions.csv"),
		// Spreadsheets answer as the CSVs do.
		"GET /meetings/:id/attendance.xlsx": csv("/meetings/{id}/attendance.xlsx"),
		"GET /meetings/:id/sessions.xlsx":   csv("/meetings/{id}/sessions.xlsx"),

		// One person's sessions in a meeting (a large meeting's rows link here).
		"GET /meetings/:id/people/*key": page("/meetings/{id}/people/{person}"),

		// Admin.
		"GET /admin/jobs":     adminPage("/admin/jobs"),
		"GET /admin/users":    adminPage("/admin/users"),
		"GET /admin/coverage": adminPage("/admin/coverage"),
		"POST /meetings/:id/refetch": {paths: []string{"/meetings/{id}/refetch"},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/meetings/{id}"}},
		// An invalid new user: the admin gets the form back with 400.
		"POST /admin/users": {paths: []string{"/admin/users"}, form: url.Values{"email": {"x"}, "role": {"root"}, "password": {"short"}},
			anon: unauth, viewer: forbidden, admin: want{status: http.StatusBadRequest}},
		"POST /meetings/:id/delete": {paths: []string{"/meetings/{doomed}/delete"},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/meetings"}},
		"POST /admin/users/:id/delete": {paths: []string{"/admin/users/{user}/delete"},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/admin/users"}},
		// Outbound webhooks. A URL that is not http(s): the admin gets the form back with 400.
		"GET /admin/webhooks":     adminPage("/admin/webhooks"),
		"GET /admin/webhooks/:id": adminPage("/admin/webhooks/{hook}"),
		"POST /admin/webhooks": {paths: []string{"/admin/webhooks"}, form: url.Values{"url": {"file:///etc/passwd"}},
			anon: unauth, viewer: forbidden, admin: want{status: http.StatusBadRequest}},
		"POST /admin/webhooks/:id/enable": {paths: []string{"/admin/webhooks/{hook}/enable"},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/admin/webhooks"}},
		"POST /admin/webhooks/:id/disable": {paths: []string{"/admin/webhooks/{hook}/disable"},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/admin/webhooks"}},
		"POST /admin/webhooks/:id/delete": {paths: []string{"/admin/webhooks/{doomedhook}/delete"},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/admin/webhooks"}},
		"POST /admin/webhooks/:id/deliveries/:delivery/redeliver": {paths: []string{"/admin/webhooks/{hook}/deliveries/{delivery}/redeliver"},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/admin/webhooks/{hook}"}},

		// Rosters: viewers see them; admins replace them.
		"GET /series/:number/roster":     page("/series/{number}/roster"),
		"GET /series/:number/roster.csv": csv("/series/{number}/roster.csv"),
		"POST /series/:number/roster": {paths: []string{"/series/{number}/roster"}, form: url.Values{"csv": {"email\nann@example.com\n"}},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/series/{number}/roster"}},
		// Identity links and their review: admins.
		"POST /people/*key": {paths: []string{"/people/{person}/merge"}, form: url.Values{"into": {"e:someone@example.com"}},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/people/{person}"}},
		"GET /admin/review": adminPage("/admin/review"),
		"POST /admin/review/confirm": {paths: []string{"/admin/review/confirm"}, form: url.Values{"from": {"n:x"}, "into": {"n:y"}},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/admin/review"}},
		"POST /admin/review/dismiss": {paths: []string{"/admin/review/dismiss"}, form: url.Values{"from": {"n:x"}, "into": {"n:z"}},
			anon: unauth, viewer: forbidden, admin: want{http.StatusSeeOther, "/admin/review"}},
	}
}

// hook registers a webhook endpoint (nothing listens at its URL) with one
// delivery, and returns their ids.
func (e *accessEnv) hook(t *testing.T, meetingID uint64) (endpoint, delivery string) {
	t.Helper()
	ctx := context.Background()
	ep, err := e.store.CreateWebhookEndpoint(ctx, "http://127.0.0.1:9/hook", "whsec_c2VjcmV0c2VjcmV0")
	require.NoError(t, err)
	var ds []models.WebhookDelivery
	require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error {
		ds, err = tx.CreateWebhookDeliveries(ctx, models.EventAttendanceReady, meetingID,
			func(models.WebhookEndpoint) (string, string) { return `{}`, "msg_access" })
		return err
	}))
	var d uint64
	for _, x := range ds {
		if x.EndpointID == ep.ID {
			d = x.ID
		}
	}
	return strconv.FormatUint(ep.ID, 10), strconv.FormatUint(d, 10)
}

// seed stores one meeting through the real webhook and returns the values
// the route patterns need.
func (e *accessEnv) seed(t *testing.T) map[string]string {
	t.Helper()
	status, body := e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	require.Equal(t, http.StatusOK, status, body)
	ctx := context.Background()
	m, err := e.store.MeetingByUUID(ctx, "4444AAAiAAAAAiAiAiiAii==")
	require.NoError(t, err)
	seg := models.Segment{Name: "Some One", Email: "someone@example.com", ParticipantUserID: "u1",
		JoinTime: m.StartTime.Add(time.Minute), Status: "in_meeting", Raw: `{"user_name":"Some One"}`}
	seg.PersonKey = seg.Key()
	require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error {
		return tx.ReplaceSegments(ctx, m.ID, "dashboard", []models.Segment{seg})
	}))
	// A token of someone else, for the revoke route.
	other, err := e.store.CreateUser(ctx, "tokens-owner@example.com", viewer, password)
	require.NoError(t, err)
	tok, _, err := e.store.CreateToken(ctx, other.ID, "not yours", 0, e.now)
	require.NoError(t, err)
	hook, delivery := e.hook(t, m.ID)
	doomedHook, _ := e.hook(t, m.ID)
	return map[string]string{
		"{token}":      strconv.FormatUint(tok.ID, 10),
		"{id}":         strconv.FormatUint(m.ID, 10),
		"{number}":     strconv.FormatInt(m.MeetingNumber, 10),
		"{person}":     url.PathEscape(seg.PersonKey),
		"{hook}":       hook,
		"{delivery}":   delivery,
		"{doomedhook}": doomedHook,
	}
}

// doomed stores another meeting, for a route that deletes one.
func (e *accessEnv) doomed(t *testing.T) string {
	t.Helper()
	body := []byte(strings.Replace(endedBody, "4444AAAiAAAAAiAiAiiAii==", "doomed"+strconv.FormatInt(time.Now().UnixNano(), 10), 1))
	status, res := e.post(t, body, signed(body, e.now, secret))
	require.Equal(t, http.StatusOK, status, res)
	return strconv.FormatInt(e.db.Count(t, "SELECT MAX(id) FROM meetings"), 10)
}

func fill(s string, vals map[string]string) string {
	for k, v := range vals {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// ask sends one request as client c and returns status and Location.
func (e *accessEnv) ask(t *testing.T, c *http.Client, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

func TestAccessEveryRoute(t *testing.T) {
	e := newAccessEnv(t)
	vals := e.seed(t)
	expect := routeExpectations()

	var routes []string
	listed := map[string]bool{}
	for _, r := range e.router.Routes() {
		key := r.Method + " " + r.Path
		routes = append(routes, key)
		listed[key] = true
		if _, ok := expect[key]; !ok {
			t.Errorf("route %s has no access expectation: add it to routeExpectations (docs/ARCHITECTURE.md)", key)
		}
	}
	for key := range expect {
		if !listed[key] {
			t.Errorf("expectation for %s, which the router no longer has", key)
		}
	}
	// Logout ends the session, so it goes last.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.HasSuffix(routes[i], "/logout") && strings.HasSuffix(routes[j], "/logout")
	})

	clients := map[string]*http.Client{
		anon:        {CheckRedirect: noRedirect},
		viewer:      e.client(t, viewer),
		admin:       e.client(t, admin),
		tokenViewer: bearerClient(e.token(t, viewer)),
		tokenAdmin:  bearerClient(e.token(t, admin)),
	}
	for _, role := range []string{anon, viewer, admin, tokenViewer, tokenAdmin} {
		c := clients[role]
		for _, key := range routes {
			x, ok := expect[key]
			if !ok {
				continue
			}
			if x.tokenViewer == nil {
				x.tokenViewer = &x.anon
			}
			if x.tokenAdmin == nil {
				x.tokenAdmin = &x.anon
			}
			w := map[string]want{anon: x.anon, viewer: x.viewer, admin: x.admin,
				tokenViewer: *x.tokenViewer, tokenAdmin: *x.tokenAdmin}[role]
			method := strings.Fields(key)[0]
			for _, p := range x.paths {
				if strings.Contains(p, "{user}") {
					// A fresh user to delete each time.
					u, err := e.store.CreateUser(context.Background(), "gone"+strconv.Itoa(int(time.Now().UnixNano()))+"@example.com", viewer, password)
					require.NoError(t, err)
					vals["{user}"] = strconv.FormatUint(u.ID, 10)
				}
				if strings.Contains(p, "{doomed}") {
					vals["{doomed}"] = e.doomed(t)
				}
				if strings.Contains(p, "{doomedhook}") {
					id, _ := strconv.ParseUint(vals["{id}"], 10, 64)
					vals["{doomedhook}"], _ = e.hook(t, id)
				}
				path := fill(p, vals)
				status, loc, body := e.ask(t, c, method, path, x.form)
				name := role + " " + method + " " + path
				if !assert.Equal(t, w.status, status, "%s: %.300s", name, body) {
					continue
				}
				if w.to != "" {
					assert.True(t, strings.HasPrefix(loc, fill(w.to, vals)), "%s: redirected to %q, want %q...", name, loc, w.to)
				}
				if w == toLogin {
					assert.Equal(t, "/login?next="+url.QueryEscape(path), loc, name)
				}
				assert.NotContains(t, body, "$2a$", "%s: a password hash reached the response", name)
			}
		}
	}
	assertNoSecretsLogged(t, e.logs.String())
}

// bearerClient sends every request with the API token tok, and no cookie.
func bearerClient(tok string) *http.Client {
	return &http.Client{CheckRedirect: noRedirect, Transport: bearer{tok}}
}

type bearer struct{ tok string }

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(req)
}

// The CSV and xlsx downloads of a series are served by the series route.
func TestAccessSeriesCSV(t *testing.T) {
	e := newAccessEnv(t)
	vals := e.seed(t)
	clients := map[string]*http.Client{viewer: e.client(t, viewer), admin: e.client(t, admin)}
	for _, ext := range []string{".csv", ".xlsx"} {
		path := "/series/" + vals["{number}"] + ext
		status, _, _ := e.ask(t, &http.Client{CheckRedirect: noRedirect}, http.MethodGet, path, nil)
		assert.Equal(t, http.StatusUnauthorized, status, "anonymous "+ext)
		for _, role := range []string{viewer, admin} {
			status, _, body := e.ask(t, clients[role], http.MethodGet, path, nil)
			assert.Equal(t, http.StatusOK, status, "%s %s: %.300s", role, ext, body)
		}
	}
}

var hashPattern = regexp.MustCompile(`\$2[abxy]\$\d\d\$`)

func assertNoSecretsLogged(t *testing.T, logs string) {
	t.Helper()
	require.NotEmpty(t, logs, "no log output captured")
	assert.NotRegexp(t, hashPattern, logs, "a bcrypt hash reached the log")
	assert.NotContains(t, logs, password, "a password reached the log")
	assert.NotContains(t, logs, secret, "the webhook secret reached the log")
}

// Every POST route but Zoom's refuses a cross-origin browser request and
// does nothing, even for a signed-in admin.
func TestAccessCrossOriginPostsRefusedEverywhere(t *testing.T) {
	e := newAccessEnv(t)
	vals := e.seed(t)
	c := e.client(t, admin)
	expect := routeExpectations()
	usersBefore := e.db.Count(t, "SELECT COUNT(*) FROM users")
	jobsBefore := e.db.Count(t, "SELECT COUNT(*) FROM river_job")
	victim, err := e.store.CreateUser(context.Background(), "victim@example.com", viewer, password)
	require.NoError(t, err)
	vals["{user}"] = strconv.FormatUint(victim.ID, 10)
	vals["{doomed}"] = vals["{id}"]
	meetingsBefore := e.db.Count(t, "SELECT COUNT(*) FROM meetings")

	n := 0
	for _, r := range e.router.Routes() {
		if r.Method != http.MethodPost || r.Path == "/webhooks/zoom" {
			continue
		}
		x := expect[r.Method+" "+r.Path]
		require.NotEmpty(t, x.paths, r.Path)
		form := url.Values{"email": {"new@example.com"}, "role": {admin}, "password": {"long enough pw"}}
		for _, h := range []http.Header{
			{"Sec-Fetch-Site": {"cross-site"}},
			{"Origin": {"https://evil.example"}},
			{"Sec-Fetch-Site": {"same-site"}, "Origin": {"https://sub.evil.example"}},
		} {
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+fill(x.paths[0], vals), strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range h {
				req.Header[k] = v
			}
			res, err := c.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s %v", r.Path, h)
			n++
		}
	}
	require.Greater(t, n, 3)
	usersAfter := e.db.Count(t, "SELECT COUNT(*) FROM users")
	jobsAfter := e.db.Count(t, "SELECT COUNT(*) FROM river_job")
	assert.Equal(t, usersBefore+1, usersAfter, "a cross-origin post added or removed a user")
	assert.Equal(t, jobsBefore, jobsAfter, "a cross-origin post queued a job")
	meetingsAfter := e.db.Count(t, "SELECT COUNT(*) FROM meetings")
	assert.Equal(t, meetingsBefore, meetingsAfter, "a cross-origin post deleted a meeting")
	// Still signed in: the refused logout did nothing.
	status, _, _ := e.ask(t, c, http.MethodGet, "/meetings", nil)
	assert.Equal(t, http.StatusOK, status)
}

func sessionCookie(t *testing.T, jar http.CookieJar, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == handlers.SessionCookie {
			return ck.Value
		}
	}
	return ""
}

// withCookie asks for path carrying only the session token tok.
func (e *accessEnv) withCookie(t *testing.T, method, path, tok string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: tok})
	res, err := (&http.Client{CheckRedirect: noRedirect}).Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// Session fixation: an attacker who plants their own valid session token in
// a victim's browser does not end up sharing the victim's (admin) session.
func TestAccessSessionFixation(t *testing.T) {
	e := newAccessEnv(t)
	attacker := e.client(t, viewer)
	planted := sessionCookie(t, attacker.Jar, e.srv.URL)
	require.NotEmpty(t, planted)

	victimEmail := e.user(t, admin)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: handlers.SessionCookie, Value: planted}})
	victim := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	res := e.login(t, victim, victimEmail, password, "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	got := sessionCookie(t, jar, e.srv.URL)
	assert.NotEqual(t, planted, got, "the planted token was kept through sign-in")

	// The planted token does not open admin pages.
	status, _ := e.withCookie(t, http.MethodGet, "/admin/users", planted)
	assert.NotEqual(t, http.StatusOK, status, "the attacker's planted token became an admin session")
	// The victim's new token does.
	status, _ = e.withCookie(t, http.MethodGet, "/admin/users", got)
	assert.Equal(t, http.StatusOK, status)

	// A made-up token is nobody.
	for _, tok := range []string{"x", strings.Repeat("A", 43), got + "x", "' OR 1=1 --"} {
		status, loc := e.withCookie(t, http.MethodGet, "/meetings", tok)
		assert.Equal(t, http.StatusSeeOther, status, tok)
		assert.True(t, strings.HasPrefix(loc, "/login"), tok)
	}
}

// Logout ends the session on the server: the cookie's value, replayed, is
// refused, and the session row is gone.
func TestAccessLogoutEndsTheSession(t *testing.T) {
	e := newAccessEnv(t)
	c := e.client(t, admin)
	tok := sessionCookie(t, c.Jar, e.srv.URL)
	require.Equal(t, int64(1), e.db.Count(t, "SELECT COUNT(*) FROM sessions"))

	status, loc, _ := e.ask(t, c, http.MethodPost, "/logout", nil)
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/login", loc)
	assert.Empty(t, sessionCookie(t, c.Jar, e.srv.URL), "the cookie was not cleared")

	assert.Zero(t, e.db.Count(t, "SELECT COUNT(*) FROM sessions"), "the session row outlived logout")
	for _, p := range []string{"/meetings", "/admin/users"} {
		status, loc := e.withCookie(t, http.MethodGet, p, tok)
		assert.Equal(t, http.StatusSeeOther, status, p)
		assert.True(t, strings.HasPrefix(loc, "/login"), p)
	}
	status, _ = e.withCookie(t, http.MethodGet, "/meetings.csv", tok)
	assert.Equal(t, http.StatusUnauthorized, status)
}

// An expired session is refused even though its row still exists.
func TestAccessExpiredSessionIsRefused(t *testing.T) {
	e := newAccessEnv(t)
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, "old@example.com", admin, password)
	require.NoError(t, err)
	tok, err := e.store.CreateSession(ctx, u.ID, time.Hour)
	require.NoError(t, err)
	status, _ := e.withCookie(t, http.MethodGet, "/admin/users", tok)
	require.Equal(t, http.StatusOK, status, "a fresh session works")

	e.db.Exec(t, "UPDATE sessions SET expires_at = ? WHERE user_id = ?", time.Now().UTC().Add(-time.Second), u.ID)
	status, loc := e.withCookie(t, http.MethodGet, "/admin/users", tok)
	assert.Equal(t, http.StatusSeeOther, status)
	assert.True(t, strings.HasPrefix(loc, "/login"), loc)
	status, _ = e.withCookie(t, http.MethodGet, "/meetings.csv", tok)
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = e.withCookie(t, http.MethodPost, "/meetings/1/refetch", tok)
	assert.Equal(t, http.StatusUnauthorized, status)

	// A session made already expired never works.
	tok2, err := e.store.CreateSession(ctx, u.ID, -time.Minute)
	require.NoError(t, err)
	status, _ = e.withCookie(t, http.MethodGet, "/meetings", tok2)
	assert.Equal(t, http.StatusSeeOther, status)
}

// A removed user's sessions stop working at once.
func TestAccessRemovedUserIsSignedOut(t *testing.T) {
	e := newAccessEnv(t)
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, "leaver@example.com", admin, password)
	require.NoError(t, err)
	tok, err := e.store.CreateSession(ctx, u.ID, time.Hour)
	require.NoError(t, err)
	require.NoError(t, e.store.DeleteUser(ctx, u.ID))
	status, _ := e.withCookie(t, http.MethodGet, "/admin/users", tok)
	assert.Equal(t, http.StatusSeeOther, status)
}

// loginFrom posts a sign-in through the router as if from the TCP peer
// remote, with X-Forwarded-For xff (if any), and returns the status.
func loginFrom(router http.Handler, remote, xff, email, pw string) int {
	form := url.Values{"email": {email}, "password": {pw}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)
	return rec.Code
}

// The per-address throttle keys on the real client: a client on the
// internet cannot escape it by sending a new X-Forwarded-For each time.
func TestAccessLoginThrottleIgnoresSpoofedForwardedFor(t *testing.T) {
	e := newAccessEnv(t)
	email := e.user(t, viewer)
	const attacker = "203.0.113.7:40000" // a public address, no proxy in front
	for i := range 20 {
		// Password spraying: a new account and a new claimed address each time.
		code := loginFrom(e.router, attacker, "198.51.100."+strconv.Itoa(i+1), "user"+strconv.Itoa(i)+"@example.com", "guess")
		require.Equal(t, http.StatusUnauthorized, code, i)
	}
	code := loginFrom(e.router, attacker, "198.51.100.200", email, password)
	assert.Equal(t, http.StatusTooManyRequests, code,
		"X-Forwarded-For from an untrusted peer let the client pick its own throttle key")
	// Another real client is not affected.
	code = loginFrom(e.router, "203.0.113.8:40000", "", email, password)
	assert.Equal(t, http.StatusSeeOther, code)
}

// Behind a reverse proxy (configured as trusted), the client's address is
// the one the proxy appended; what the client itself put in front is
// ignored.
func TestAccessLoginThrottleBehindProxy(t *testing.T) {
	e, router := newEnvWith(t, envOptions{trustedProxies: []string{"10.0.0.0/8"}})
	email := e.user(t, viewer)
	const proxy = "10.1.2.3:50000"
	for i := range 20 {
		spoofed := "198.51.100." + strconv.Itoa(i+1) + ", 203.0.113.7"
		code := loginFrom(router, proxy, spoofed, "user"+strconv.Itoa(i)+"@example.com", "guess")
		require.Equal(t, http.StatusUnauthorized, code, i)
	}
	assert.Equal(t, http.StatusTooManyRequests, loginFrom(router, proxy, "198.51.100.250, 203.0.113.7", email, password))
	// A different client behind the same proxy still signs in.
	assert.Equal(t, http.StatusSeeOther, loginFrom(router, proxy, "203.0.113.9", email, password))
}

// With no proxy configured, no peer is trusted, private ones included: a
// client on the office network cannot pick its own address with
// X-Forwarded-For or X-Real-IP.
func TestAccessNoProxyTrustedByDefault(t *testing.T) {
	e := newAccessEnv(t)
	email := e.user(t, viewer)
	const peer = "192.168.1.20:40000"
	for i := range 20 {
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{
			"email": {"user" + strconv.Itoa(i) + "@example.com"}, "password": {"guess"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(i+1))
		req.Header.Set("X-Real-IP", "198.51.100."+strconv.Itoa(i+1))
		req.RemoteAddr = peer
		rec := httptest.NewRecorder()
		e.router.ServeHTTP(rec, req)
		require.Equal(t, http.StatusUnauthorized, rec.Code, i)
	}
	assert.Equal(t, http.StatusTooManyRequests, loginFrom(e.router, peer, "203.0.113.99", email, password),
		"a private peer chose its own throttle key")
}

// Sign-in failures, throttling and success are logged without the password
// or its hash; the users page shows no hash.
func TestAccessNoPasswordOrHashInPagesOrLogs(t *testing.T) {
	e := newAccessEnv(t)
	c := e.client(t, admin)
	for range 6 {
		e.login(t, &http.Client{CheckRedirect: noRedirect}, admin+"@example.com", "wrong "+password, "")
	}
	res, err := c.PostForm(e.srv.URL+"/admin/users", url.Values{"email": {"n@example.com"}, "role": {viewer}, "password": {password + "!"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	status, _, body := e.ask(t, c, http.MethodGet, "/admin/users", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "n@example.com")
	assert.NotRegexp(t, hashPattern, body)
	assert.NotContains(t, body, password)
	logs := e.logs.String()
	assert.Contains(t, logs, "login throttled", "the throttle did not engage")
	assertNoSecretsLogged(t, logs)
}
