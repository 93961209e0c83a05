package demo

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
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
	res, err := (&http.Client{Jar: c.Jar, Timeout: c.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}).Get(u)
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
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(e.app.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-zoom"]`))))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	shot := filepath.Join(screenshotDir(t), "login-sso.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot of the sign-in page with single sign-on: %s", shot)

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

// TestOIDCSignInRules: the domain, verification, group and creation rules,
// each through the whole flow against the provider.
func TestOIDCSignInRules(t *testing.T) {
	e := startSSO(t, nil)
	ctx := context.Background()
	bob, err := e.app.Store().CreateUser(ctx, "bob@example.com", models.RoleViewer, "bob's own password")
	require.NoError(t, err)

	t.Run("an existing user is linked by verified email; group rule applied", func(t *testing.T) {
		status, to, body := e.oidcSignIn(t, browserClient(t), "bob", "bob-pw")
		require.Equal(t, http.StatusSeeOther, status, body)
		assert.Equal(t, "/series/1", to, "on to next")
		u, id, err := e.app.Store().IdentityUser(ctx, models.ProviderOIDC, "sub-bob")
		require.NoError(t, err)
		assert.Equal(t, bob.ID, u.ID, "linked to the existing user")
		assert.Equal(t, models.RoleViewer, u.Role, "not in the admin group")
		assert.NotNil(t, id.LastSignInAt)
	})
	t.Run("group to admin", func(t *testing.T) {
		e.op.SetGroups("sub-bob", "staff", adminGroup)
		c := browserClient(t)
		status, _, body := e.oidcSignIn(t, c, "bob", "bob-pw")
		require.Equal(t, http.StatusSeeOther, status, body)
		assert.Equal(t, models.RoleAdmin, e.user(t, "bob@example.com").Role)
		res, err := c.Get(e.app.URL + "/admin/users")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "the new admin opens the users page")
		// Demoted at the provider: the next sign-in makes a viewer, and the
		// earlier session loses admin at once (roles are read per request).
		e.op.SetGroups("sub-bob", "staff")
		status, _, body = e.oidcSignIn(t, browserClient(t), "bob", "bob-pw")
		require.Equal(t, http.StatusSeeOther, status, body)
		res, err = c.Get(e.app.URL + "/admin/users")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusForbidden, res.StatusCode, "the old session is a viewer's now")
	})
	t.Run("wrong domain refused", func(t *testing.T) {
		status, _, body := e.oidcSignIn(t, browserClient(t), "mallory", "mallory-pw")
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "Addresses of that domain may not sign in here.")
		_, err := e.app.Store().UserByEmail(ctx, "mallory@evil.test")
		assert.ErrorIs(t, err, models.ErrNotFound, "no user made")
	})
	t.Run("unverified email never takes over an account (CVE-2023-3128)", func(t *testing.T) {
		status, _, body := e.oidcSignIn(t, browserClient(t), "eve", "eve-pw")
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "does not vouch for your email address")
		_, _, err := e.app.Store().IdentityUser(ctx, models.ProviderOIDC, "sub-eve")
		assert.ErrorIs(t, err, models.ErrNotFound, "not linked to the boss")
	})
	t.Run("domain rule at every sign-in", func(t *testing.T) {
		e.op.AddUser(oidctest.User{ID: "sub-bob", Username: "bob", Password: "bob-pw", Email: "bob@elsewhere.test", EmailVerified: true})
		status, _, body := e.oidcSignIn(t, browserClient(t), "bob", "bob-pw")
		assert.Equal(t, http.StatusForbidden, status, "a returning identity whose address left the domain")
		assert.Contains(t, body, "Addresses of that domain")
	})
	t.Run("a new user of an allowed domain is created", func(t *testing.T) {
		status, _, body := e.oidcSignIn(t, browserClient(t), "alice", "alice-pw")
		require.Equal(t, http.StatusSeeOther, status, body)
		alice := e.user(t, "alice@example.com")
		assert.Equal(t, models.RoleAdmin, alice.Role)
		assert.Empty(t, alice.PasswordHash, "an SSO user has no password")
		// ... and cannot sign in with any password.
		res, err := http.PostForm(e.app.URL+"/login", url.Values{"email": {"alice@example.com"}, "password": {""}})
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	})
}

// TestOIDCAttacks tampers with one step of the flow each and checks rollcall
// refuses with a page (never a 500) and signs nobody in.
func TestOIDCAttacks(t *testing.T) {
	e := startSSO(t, map[string]string{"ROLLCALL_OIDC_CREATE_USERS": "false"})
	ctx := context.Background()
	_, err := e.app.Store().CreateUser(ctx, "alice@example.com", models.RoleViewer, "alice's own password")
	require.NoError(t, err)
	signedIn := func(t *testing.T, c *http.Client) bool {
		t.Helper()
		res, err := (&http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
			Get(e.app.URL + "/meetings")
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}

	t.Run("replayed state", func(t *testing.T) {
		c := browserClient(t)
		cb := e.atProvider(t, c, e.begin(t, c, "/login/oidc"), "alice", "alice-pw")
		state := mustQuery(t, cb, "state")
		status, _, body := callback(t, c, cb)
		require.Equal(t, http.StatusSeeOther, status, body)
		// The attacker replays the callback with the cookie it had.
		replay := browserClient(t)
		u, _ := url.Parse(e.app.URL)
		replay.Jar.SetCookies(u.ResolveReference(&url.URL{Path: "/login/"}), []*http.Cookie{{Name: "rollcall_sso", Value: state, Path: "/login"}})
		status, _, body = callback(t, replay, cb)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, body, "used already or has expired")
		assert.False(t, signedIn(t, replay))
	})
	t.Run("callback from another browser (login CSRF)", func(t *testing.T) {
		c := browserClient(t)
		cb := e.atProvider(t, c, e.begin(t, c, "/login/oidc"), "alice", "alice-pw")
		victim := browserClient(t)
		status, _, body := callback(t, victim, cb)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, body, "not begun in this browser")
		assert.False(t, signedIn(t, victim))
	})
	t.Run("tampered nonce", func(t *testing.T) {
		c := browserClient(t)
		auth := e.begin(t, c, "/login/oidc")
		q := auth.Query()
		q.Set("nonce", "attacker-chosen-nonce")
		auth.RawQuery = q.Encode()
		status, _, body := callback(t, c, e.atProvider(t, c, auth, "alice", "alice-pw"))
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "ID token did not check out")
		assert.False(t, signedIn(t, c))
	})
	t.Run("tampered PKCE challenge", func(t *testing.T) {
		c := browserClient(t)
		auth := e.begin(t, c, "/login/oidc")
		q := auth.Query()
		q.Set("code_challenge", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		auth.RawQuery = q.Encode()
		status, _, body := callback(t, c, e.atProvider(t, c, auth, "alice", "alice-pw"))
		assert.Equal(t, http.StatusBadGateway, status)
		assert.Contains(t, body, "did not accept the sign-in")
		assert.False(t, signedIn(t, c))
	})
	t.Run("expired ID token", func(t *testing.T) {
		e.op.IssueExpired(true)
		defer e.op.IssueExpired(false)
		c := browserClient(t)
		status, _, body := e.oidcSignIn(t, c, "alice", "alice-pw")
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "ID token did not check out")
		assert.False(t, signedIn(t, c))
	})
	t.Run("ID token for another audience", func(t *testing.T) {
		// A genuine token of the same provider for another app, with the
		// very nonce of this sign-in, substituted into the token response.
		c := browserClient(t)
		auth := e.begin(t, c, "/login/oidc")
		other, err := e.op.TokenFor("alice", "alice-pw", auth.Query().Get("nonce"))
		require.NoError(t, err)
		cb := e.atProvider(t, c, auth, "alice", "alice-pw")
		e.op.SubstituteIDToken(other)
		status, _, body := callback(t, c, cb)
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "ID token did not check out")
		assert.False(t, signedIn(t, c))
	})
	t.Run("made-up code and state", func(t *testing.T) {
		c := browserClient(t)
		e.begin(t, c, "/login/oidc")
		status, _, _ := callback(t, c, e.app.URL+"/login/oidc/callback?state=forged&code=forged")
		assert.Equal(t, http.StatusBadRequest, status)
		status, _, _ = callback(t, c, e.app.URL+"/login/oidc/callback?state="+strings.Repeat("A", 5000)+"&code=x")
		assert.Equal(t, http.StatusBadRequest, status, "oversized state")
	})
	t.Run("provider refuses (error=access_denied)", func(t *testing.T) {
		c := browserClient(t)
		auth := e.begin(t, c, "/login/oidc")
		status, _, body := callback(t, c, e.app.URL+"/login/oidc/callback?error=access_denied&state="+auth.Query().Get("state"))
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "access_denied")
	})
	t.Run("no account and creation off", func(t *testing.T) {
		e.op.AddUser(oidctest.User{ID: "sub-carol", Username: "carol", Password: "carol-pw", Email: "carol@example.com", EmailVerified: true})
		status, _, body := e.oidcSignIn(t, browserClient(t), "carol", "carol-pw")
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "No rollcall account uses carol@example.com")
	})
	t.Run("the honest flow still works", func(t *testing.T) {
		c := browserClient(t)
		status, _, body := e.oidcSignIn(t, c, "alice", "alice-pw")
		require.Equal(t, http.StatusSeeOther, status, body)
		assert.True(t, signedIn(t, c))
	})
}

func mustQuery(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	v := u.Query().Get(key)
	require.NotEmpty(t, v, "%s has no %s", raw, key)
	return v
}

// TestOIDCProviderDownAtStart: rollcall starts while its provider is down;
// password sign-in works, the button gives a clear page (503, not a 500),
// and once the provider is up the next try signs in.
func TestOIDCProviderDownAtStart(t *testing.T) {
	ln := apptest.Listen(t)
	base := "http://" + ln.Addr().String()
	spare := apptest.Listen(t) // a free port for the provider, closed: down
	addr := spare.Addr().String()
	spare.Close()
	op := oidctest.New(addr, base+"/login/oidc/callback")
	t.Cleanup(op.Close)
	op.AddUser(oidctest.User{ID: "sub-alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", EmailVerified: true})
	fake := zoomtest.NewServer()
	t.Cleanup(fake.Close)
	a := apptest.Serve(t, ln, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL": bossEmail, "ROLLCALL_ADMIN_PASSWORD": bossPass,
		"ROLLCALL_OIDC_ISSUER": op.Issuer, "ROLLCALL_OIDC_CLIENT_ID": op.ClientID,
		"ROLLCALL_OIDC_CLIENT_SECRET": op.ClientSecret, "ROLLCALL_OIDC_CREATE_USERS": "true",
	})
	e := &ssoEnv{app: a, op: op, fake: fake}

	apptest.SignIn(t, a.URL, bossEmail, bossPass) // password sign-in works
	status, _, body := callback(t, browserClient(t), a.URL+"/login/oidc")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, body, "Sign in with single sign-on is unavailable right now")
	assert.Contains(t, body, "or sign in with your password")

	require.NoError(t, op.Up())
	c := browserClient(t)
	require.Eventually(t, func() bool {
		res, err := (&http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
			Get(a.URL + "/login/oidc")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusFound
	}, 20*time.Second, 250*time.Millisecond, "discovery is retried once the provider is up")
	status, _, body = e.oidcSignIn(t, c, "alice", "alice-pw")
	assert.Equal(t, http.StatusSeeOther, status, body)

	// Down again after discovery: the code exchange fails with a page.
	c = browserClient(t)
	cb := e.atProvider(t, c, e.begin(t, c, "/login/oidc"), "alice", "alice-pw")
	op.Down()
	status, _, body = callback(t, c, cb)
	assert.Equal(t, http.StatusBadGateway, status)
	assert.Contains(t, body, "did not accept the sign-in")
}

// TestLocalLoginOff: the form is gone and its posts are refused, single
// sign-on still works.
func TestLocalLoginOff(t *testing.T) {
	e := startSSO(t, map[string]string{"ROLLCALL_LOCAL_LOGIN": "false"})
	doc := apptest.GetDoc(t, http.DefaultClient, e.app.URL+"/login")
	assert.Zero(t, doc.Find(`[data-testid="login-form"]`).Length(), "no password form")
	assert.Equal(t, 1, doc.Find(`[data-testid="login-oidc"]`).Length())
	assert.Equal(t, 1, doc.Find(`[data-testid="login-zoom"]`).Length())
	res, err := http.PostForm(e.app.URL+"/login", url.Values{"email": {bossEmail}, "password": {bossPass}})
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "the right password is refused too")
	assert.Contains(t, string(body), "Password sign-in is turned off")
	status, _, body2 := e.oidcSignIn(t, browserClient(t), "alice", "alice-pw")
	assert.Equal(t, http.StatusSeeOther, status, body2)
}

// TestZoomSignIn: Sign in with Zoom against the fake Zoom's user OAuth.
func TestZoomSignIn(t *testing.T) {
	e := startSSO(t, nil)
	ctx := context.Background()
	_, err := e.app.Store().CreateUser(ctx, "owner@example.com", models.RoleViewer, "owner's own password")
	require.NoError(t, err)
	_, err = e.app.Store().CreateUser(ctx, "member@example.com", models.RoleAdmin, "member's own password")
	require.NoError(t, err)
	e.fake.AddUser(zoomtest.User{ID: "zu-owner", Email: "owner@example.com", FirstName: "Olga", RoleName: "Owner"})
	e.fake.AddUser(zoomtest.User{ID: "zu-member", Email: "member@example.com", FirstName: "Max"})
	e.fake.AddUser(zoomtest.User{ID: "zu-outsider", Email: "owner@example.com", AccountID: "another-account", RoleName: "Owner"})
	e.fake.AddUser(zoomtest.User{ID: "zu-unverified", Email: "member@example.com", Unverified: true})

	zoomSignIn := func(t *testing.T, c *http.Client, zoomUser string) (int, string, string) {
		t.Helper()
		e.fake.SignInAs(zoomUser)
		auth := e.begin(t, c, "/login/zoom")
		assert.Equal(t, "S256", auth.Query().Get("code_challenge_method"))
		res, err := c.Get(auth.String())
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusFound, res.StatusCode, "Zoom sends the browser back")
		return callback(t, c, res.Header.Get("Location"))
	}

	t.Run("wrong account refused", func(t *testing.T) {
		status, _, body := zoomSignIn(t, browserClient(t), "zu-outsider")
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "another Zoom account")
	})
	t.Run("unverified email is not linked", func(t *testing.T) {
		status, _, body := zoomSignIn(t, browserClient(t), "zu-unverified")
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, body, "does not vouch")
	})
	t.Run("owner role maps to admin", func(t *testing.T) {
		status, to, body := zoomSignIn(t, browserClient(t), "zu-owner")
		require.Equal(t, http.StatusSeeOther, status, body)
		assert.Equal(t, "/series/1", to)
		u, _, err := e.app.Store().IdentityUser(ctx, models.ProviderZoom, "zu-owner")
		require.NoError(t, err)
		assert.Equal(t, "owner@example.com", u.Email)
		assert.Equal(t, models.RoleAdmin, u.Role)
	})
	t.Run("member role maps to viewer", func(t *testing.T) {
		status, _, body := zoomSignIn(t, browserClient(t), "zu-member")
		require.Equal(t, http.StatusSeeOther, status, body)
		assert.Equal(t, models.RoleViewer, e.user(t, "member@example.com").Role, "demoted: not an Owner or Admin at Zoom")
	})
	t.Run("replayed state", func(t *testing.T) {
		c := browserClient(t)
		e.fake.SignInAs("zu-owner")
		auth := e.begin(t, c, "/login/zoom")
		res, err := c.Get(auth.String())
		require.NoError(t, err)
		res.Body.Close()
		cb := res.Header.Get("Location")
		status, _, _ := callback(t, c, cb)
		require.Equal(t, http.StatusSeeOther, status)
		replay := browserClient(t)
		u, _ := url.Parse(e.app.URL)
		replay.Jar.SetCookies(u.ResolveReference(&url.URL{Path: "/login/"}),
			[]*http.Cookie{{Name: "rollcall_sso", Value: auth.Query().Get("state"), Path: "/login"}})
		status, _, body := callback(t, replay, cb)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, body, "used already")
	})
	t.Run("users page shows every identity", func(t *testing.T) {
		c := apptest.SignIn(t, e.app.URL, bossEmail, bossPass)
		doc := apptest.GetDoc(t, c, e.app.URL+"/admin/users")
		row := doc.Find(`[data-testid="user"][data-email="owner@example.com"]`)
		assert.Equal(t, "password, zoom", strings.Join(strings.Fields(row.Find(`[data-testid="user-identities"]`).Text()), " "))
		boss := doc.Find(`[data-testid="user"][data-email="` + bossEmail + `"]`)
		assert.NotContains(t, boss.Find(`[data-testid="user-last-sign-in"]`).Text(), "never", "password sign-ins count")
	})
}
