package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/handlers"
	"rollcall/models"
)

const password = "correct horse battery"

// noRedirect keeps the client from following redirects, so tests see them.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// user creates a user with role (email derived from it) and returns the email.
func (e *env) user(t *testing.T, role string) string {
	t.Helper()
	email := role + "@example.com"
	_, err := e.store.CreateUser(context.Background(), email, role, password)
	require.NoError(t, err)
	return email
}

// client returns a client with a cookie jar, signed in through the real
// login form as a new user with role.
func (e *env) client(t *testing.T, role string) *http.Client {
	t.Helper()
	email := e.user(t, role)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	res := e.login(t, c, email, password, "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	return c
}

func (e *env) login(t *testing.T, c *http.Client, email, pw, next string) *http.Response {
	t.Helper()
	res, err := c.PostForm(e.srv.URL+"/login", url.Values{"email": {email}, "password": {pw}, "next": {next}})
	require.NoError(t, err)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// status requests u and returns the status and, for a redirect, where it
// points, else the body.
func status(t *testing.T, c *http.Client, method, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	require.NoError(t, err)
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	if loc := res.Header.Get("Location"); loc != "" {
		return res.StatusCode, loc
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestAnonymousIsSentToLogin(t *testing.T) {
	e := newEnv(t)
	c := &http.Client{CheckRedirect: noRedirect}
	for _, path := range []string{"/meetings", "/meetings/1", "/series/123", "/people/e:x@example.com", "/admin/users", "/admin/jobs"} {
		code, loc := status(t, c, http.MethodGet, e.srv.URL+path)
		assert.Equal(t, http.StatusSeeOther, code, path)
		assert.Equal(t, "/login?next="+url.QueryEscape(path), loc, path)
	}
	code, _ := status(t, c, http.MethodPost, e.srv.URL+"/meetings/1/refetch")
	assert.Equal(t, http.StatusUnauthorized, code)
	code, body := status(t, c, http.MethodGet, e.srv.URL+"/login")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `data-testid="login-form"`)
}

func TestLoginLogout(t *testing.T) {
	e := newEnv(t)
	email := e.user(t, models.RoleViewer)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: noRedirect}

	res := e.login(t, c, email, "wrong password!", "")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	res = e.login(t, c, strings.ToUpper(email), password, "/meetings?q=x")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/meetings?q=x", res.Header.Get("Location"))

	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == handlers.SessionCookie {
			cookie = ck
		}
	}
	require.NotNil(t, cookie)
	assert.True(t, cookie.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, cookie.SameSite)
	assert.Equal(t, "/", cookie.Path)

	code, _ := status(t, c, http.MethodGet, e.srv.URL+"/meetings")
	assert.Equal(t, http.StatusOK, code)
	// A viewer is not an admin.
	code, _ = status(t, c, http.MethodGet, e.srv.URL+"/admin/users")
	assert.Equal(t, http.StatusForbidden, code)
	code, _ = status(t, c, http.MethodPost, e.srv.URL+"/meetings/1/refetch")
	assert.Equal(t, http.StatusForbidden, code)

	// Logout ends the session in the database: a saved copy of the cookie
	// no longer works.
	stolen := &http.Client{CheckRedirect: noRedirect}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/meetings", nil)
	req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: cookie.Value})
	code, _ = status(t, c, http.MethodPost, e.srv.URL+"/logout")
	assert.Equal(t, http.StatusSeeOther, code)
	r2, err := stolen.Do(req)
	require.NoError(t, err)
	r2.Body.Close()
	assert.Equal(t, http.StatusSeeOther, r2.StatusCode)
	assert.True(t, strings.HasPrefix(r2.Header.Get("Location"), "/login"))
}

func TestLoginRefusesOpenRedirects(t *testing.T) {
	e := newEnv(t)
	email := e.user(t, models.RoleViewer)
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: noRedirect}
		res := e.login(t, c, email, password, next)
		assert.Equal(t, "/", res.Header.Get("Location"), next)
	}
}

func TestLoginReplacesAPlantedSession(t *testing.T) {
	e := newEnv(t)
	email := e.user(t, models.RoleViewer)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.srv.URL)
	planted := "attacker-chosen-token"
	jar.SetCookies(u, []*http.Cookie{{Name: handlers.SessionCookie, Value: planted}})
	c := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	res := e.login(t, c, email, password, "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == handlers.SessionCookie {
			assert.NotEqual(t, planted, ck.Value)
			assert.Len(t, ck.Value, 43) // 32 random bytes, base64url
		}
	}
	// The token is not what the database stores.
	assert.Zero(t, e.db.Count(t, "SELECT COUNT(*) FROM sessions WHERE token_hash = ?", planted))
}

func TestLoginIsThrottledPerAccount(t *testing.T) {
	e := newEnv(t)
	email := e.user(t, models.RoleViewer)
	c := &http.Client{CheckRedirect: noRedirect}
	for i := range 5 {
		res := e.login(t, c, email, "wrong password!", "")
		require.Equal(t, http.StatusUnauthorized, res.StatusCode, i)
	}
	// Even the right password is refused until the window ends.
	res := e.login(t, c, email, password, "")
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	// Another account from the same address is not locked out yet.
	other := e.user(t, models.RoleAdmin)
	res = e.login(t, c, other, password, "")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
}

func TestLoginIsThrottledPerAddress(t *testing.T) {
	e := newEnv(t)
	c := &http.Client{CheckRedirect: noRedirect}
	for i := range 20 {
		res := e.login(t, c, "nobody"+string(rune('a'+i))+"@example.com", "wrong password!", "")
		require.Equal(t, http.StatusUnauthorized, res.StatusCode, i)
	}
	email := e.user(t, models.RoleViewer)
	res := e.login(t, c, email, password, "")
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, models.RoleAdmin)
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Origin": {"https://evil.example"}},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/logout", nil)
		for k, v := range h {
			req.Header[k] = v
		}
		res, err := c.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusForbidden, res.StatusCode, h)
	}
	// Still signed in: the refused logout did nothing.
	code, _ := status(t, c, http.MethodGet, e.srv.URL+"/meetings")
	assert.Equal(t, http.StatusOK, code)
	// Zoom's webhook (no browser headers) is not affected; see webhook tests.
}

func TestAdminManagesUsers(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, models.RoleAdmin)
	res, err := c.PostForm(e.srv.URL+"/admin/users", url.Values{"email": {"New@Example.com"}, "role": {"viewer"}, "password": {"long enough pw"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	u, err := e.store.UserByEmail(context.Background(), "new@example.com")
	require.NoError(t, err)
	assert.Equal(t, models.RoleViewer, u.Role)

	for _, tc := range []struct {
		form url.Values
		code int
	}{
		{url.Values{"email": {"new@example.com"}, "role": {"viewer"}, "password": {"long enough pw"}}, http.StatusConflict},
		{url.Values{"email": {"x@example.com"}, "role": {"viewer"}, "password": {"short"}}, http.StatusBadRequest},
		{url.Values{"email": {"not an email"}, "role": {"viewer"}, "password": {"long enough pw"}}, http.StatusBadRequest},
		{url.Values{"email": {"y@example.com"}, "role": {"root"}, "password": {"long enough pw"}}, http.StatusBadRequest},
	} {
		res, err := c.PostForm(e.srv.URL+"/admin/users", tc.form)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, tc.code, res.StatusCode, tc.form)
		assert.Contains(t, string(b), `data-testid="users-error"`)
	}

	code, body := status(t, c, http.MethodGet, e.srv.URL+"/admin/users")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "new@example.com")
	assert.NotContains(t, body, "$2a$", "a password hash reached the page")

	code, _ = status(t, c, http.MethodPost, e.srv.URL+"/admin/users/"+strconv.FormatUint(u.ID, 10)+"/delete")
	assert.Equal(t, http.StatusSeeOther, code)
	_, err = e.store.UserByEmail(context.Background(), "new@example.com")
	assert.ErrorIs(t, err, models.ErrNotFound)
}

func TestPageErrorsArePages(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, models.RoleViewer)
	res, err := c.Get(e.srv.URL + "/meetings/999999")
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, string(b), `data-testid="error-status"`)
	// A program asking for a CSV still gets a status it can read.
	res, err = c.Get(e.srv.URL + "/meetings/999999/attendance.csv")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "application/json")
}

func TestUsersPickTheirTimeZone(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, models.RoleViewer)
	code, body := status(t, c, http.MethodGet, e.srv.URL+"/settings")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `data-testid="settings-form"`)

	res, err := c.PostForm(e.srv.URL+"/settings", url.Values{"timezone": {"Asia/Tokyo"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	u, err := e.store.UserByEmail(context.Background(), "viewer@example.com")
	require.NoError(t, err)
	assert.Equal(t, "Asia/Tokyo", u.Timezone)
	_, body = status(t, c, http.MethodGet, e.srv.URL+"/meetings")
	assert.Contains(t, body, `<span data-testid="zone">Asia/Tokyo</span>`)

	for _, bad := range []string{"Mars/Olympus", "Local", "../../etc/passwd"} {
		res, err := c.PostForm(e.srv.URL+"/settings", url.Values{"timezone": {bad}})
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, bad)
	}
	res, err = c.PostForm(e.srv.URL+"/settings", url.Values{"timezone": {""}})
	require.NoError(t, err)
	res.Body.Close()
	u, _ = e.store.UserByEmail(context.Background(), "viewer@example.com")
	assert.Empty(t, u.Timezone, "an empty zone returns to the default")
}
