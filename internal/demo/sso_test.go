package demo

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/internal/oidctest"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// Single sign-on against a real OpenID provider (zitadel/oidc's example
// provider, internal/oidctest) and the fake Zoom's user OAuth, end to end:
// the browser test signs in through both login forms in chromium; the
// attack tests drive the same flow with a Go client where a browser adds
// nothing, and tamper with one step each.

const (
	adminGroup = "rollcall-admins"
	bossEmail  = "boss@example.com"
	bossPass   = "boss password 123"
)

// ssoEnv is rollcall with an OpenID provider in front of it.
type ssoEnv struct {
	app  *apptest.App
	op   *oidctest.Provider
	fake *zoomtest.Server
}

// startSSO starts a provider and rollcall set up for it, with env on top.
// The provider has alice (example.com, in the admin group), bob
// (example.com), mallory (another domain) and eve, who claims the boss's
// address without the provider vouching for it.
func startSSO(t *testing.T, env map[string]string) *ssoEnv {
	t.Helper()
	ln := apptest.Listen(t)
	base := "http://" + ln.Addr().String()
	op, err := oidctest.Start(base + "/login/oidc/callback")
	require.NoError(t, err)
	t.Cleanup(op.Close)
	for _, u := range []oidctest.User{
		{ID: "sub-alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", EmailVerified: true, Groups: []string{adminGroup, "staff"}},
		{ID: "sub-bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com", EmailVerified: true, Groups: []string{"staff"}},
		{ID: "sub-mallory", Username: "mallory", Password: "mallory-pw", Email: "mallory@evil.test", EmailVerified: true, Groups: []string{adminGroup}},
		{ID: "sub-eve", Username: "eve", Password: "eve-pw", Email: bossEmail, EmailVerified: false, Groups: []string{adminGroup}},
	} {
		op.AddUser(u)
	}
	fake := zoomtest.NewServer()
	t.Cleanup(fake.Close)
	fake.AllowLoginRedirect(base + "/login/zoom/callback")
	vars := map[string]string{
		"ROLLCALL_ADMIN_EMAIL":          bossEmail,
		"ROLLCALL_ADMIN_PASSWORD":       bossPass,
		"ROLLCALL_OIDC_ISSUER":          op.Issuer,
		"ROLLCALL_OIDC_CLIENT_ID":       op.ClientID,
		"ROLLCALL_OIDC_CLIENT_SECRET":   op.ClientSecret,
		"ROLLCALL_OIDC_ALLOWED_DOMAINS": "example.com",
		"ROLLCALL_OIDC_ADMIN_GROUP":     adminGroup,
		"ROLLCALL_OIDC_CREATE_USERS":    "true",
		"ROLLCALL_OIDC_NAME":            "Example ID",
		"ZOOM_LOGIN_CLIENT_ID":          fake.LoginClientID,
		"ZOOM_LOGIN_CLIENT_SECRET":      fake.LoginClientSecret,
		"ZOOM_LOGIN_ADMIN_ROLES":        "Owner,Admin",
	}
	for k, v := range env {
		vars[k] = v
	}
	a := apptest.Serve(t, ln, fake, vars)
	return &ssoEnv{app: a, op: op, fake: fake}
}

// browserClient is a Go client with a cookie jar that follows redirects
// except to rollcall's callbacks, so a test can look at (or tamper with)
// the callback before rollcall gets it.
func browserClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/callback") && strings.HasPrefix(req.URL.Path, "/login/") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// begin asks rollcall to start a sign-in at the provider and returns the
// provider's authorize URL it sends the browser to.
func (e *ssoEnv) begin(t *testing.T, c *http.Client, route string) *url.URL {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.app.URL+route+"?next=/series/1", nil)
	require.NoError(t, err)
	res, err := (&http.Client{Jar: c.Jar, Timeout: c.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}).Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode, "the start route sends the browser to the provider")
	u, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	return u
}

// atProvider signs in at the provider's login form from its authorize URL
// and returns rollcall's callback URL, not yet visited.
func (e *ssoEnv) atProvider(t *testing.T, c *http.Client, authorize *url.URL, user, password string) string {
	t.Helper()
	res, err := c.Get(authorize.String())
	require.NoError(t, err)
	doc, err := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "the provider's login form")
	id, ok := doc.Find(`input[name="id"]`).Attr("value")
	require.True(t, ok, "the provider's login form has its request id")
	res, err = c.PostForm(res.Request.URL.ResolveReference(&url.URL{Path: "/login/username"}).String(),
		url.Values{"id": {id}, "username": {user}, "password": {password}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode, "the provider sends the browser back to rollcall")
	return res.Header.Get("Location")
}

// callback visits rollcall's callback URL with c and returns the status,
// where it redirects and the page's text.
func callback(t *testing.T, c *http.Client, u string) (int, string, string) {
	t.Helper()
	res, err := c.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	text := string(body)
	if doc, err := goquery.NewDocumentFromReader(strings.NewReader(text)); err == nil {
		text = doc.Find("main, body").First().Text()
	}
	return res.StatusCode, res.Header.Get("Location"), text
}

// oidcSignIn runs the whole OIDC flow for user with c and returns the
// callback's answer.
func (e *ssoEnv) oidcSignIn(t *testing.T, c *http.Client, user, password string) (int, string, string) {
	t.Helper()
	cb := e.atProvider(t, c, e.begin(t, c, "/login/oidc"), user, password)
	return callback(t, c, cb)
}

func (e *ssoEnv) user(t *testing.T, email string) models.User {
	t.Helper()
	u, err := e.app.Store().UserByEmail(context.Background(), email)
	require.NoError(t, err)
	return u
}

// TestBrowserSignInWithOIDC signs in through rollcall's button and the
// provider's own login form in chromium: alice, in the admin group, comes
// back signed in as a new admin and lands where she was going; the users
// page shows her OIDC identity and sign-in. Taken out of the group at the
// provider, she is a viewer at her next sign-in.
func TestBrowserSignInWithOIDC(t *testing.T) {
	ctx := newBrowser(t)
	e := startSSO(t, nil)

	signIn := func() {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(e.app.URL+"/admin/users"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-oidc"]`)),
		))
		label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="login-oidc"]`)))
		require.NoError(t, err)
		assert.Equal(t, "Sign in with Example ID", label)
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`[data-testid="login-oidc"]`)),
			chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)), // the provider's form
			chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "alice"),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "alice-pw"),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
			chromedp.WaitReady(chromedp.CSS(`main`)),
		))
	}
	signIn()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	assert.Equal(t, e.app.URL+"/admin/users", loc, "back where she was going")
	row := `[data-testid="user"][data-email="alice@example.com"]`
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row))))
	role, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+` [data-testid="user-role"]`)))
	require.NoError(t, err)
	assert.Equal(t, "admin", role, "in the admin group: admin")
	ids, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+` [data-testid="user-identities"]`)))
	require.NoError(t, err)
	assert.Equal(t, "oidc", strings.TrimSpace(ids))
	last, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+` [data-testid="user-last-sign-in"]`)))
	require.NoError(t, err)
	assert.NotContains(t, last, "never")

	// The session cookie keeps its properties.
	cookie, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`))
	require.NoError(t, err)
	assert.NotContains(t, cookie, "rollcall_session", "HttpOnly: script cannot read the session")

	// Out of the group at the provider: a viewer from the next sign-in on.
	e.op.SetGroups("sub-alice", "staff")
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(e.app.URL+"/meetings"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-oidc"]`)),
	))
	signIn()
	assert.Equal(t, models.RoleViewer, e.user(t, "alice@example.com").Role)
	title, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	assert.Contains(t, title, "Forbidden", "a viewer may not open the users page")
}
