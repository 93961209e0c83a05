package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/handlers"
)

// TestSSOStartCookieAndLimit: beginning a sign-in sets a short-lived,
// HttpOnly, Lax cookie holding the state sent to the provider, with PKCE;
// one address may begin only so many per window (each stores a row).
func TestSSOStartCookieAndLimit(t *testing.T) {
	sso := handlers.SSOConfig{Zoom: &handlers.ZoomLoginConfig{ClientID: "zl", ClientSecret: "zs", AccountID: "acct",
		AuthURL: "https://zoom.test/oauth/authorize", TokenURL: "https://zoom.test/oauth/token", APIURL: "https://api.zoom.test/v2"}}
	e, _ := newEnvWith(t, envOptions{sso: sso, webhookTimeout: time.Second})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, err := c.Get(e.srv.URL + "/login/zoom?next=/series/5")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode)
	to, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	q := to.Query()
	assert.Equal(t, "zl", q.Get("client_id"))
	assert.Equal(t, "http://rollcall.test/login/zoom/callback", q.Get("redirect_uri"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.NotEmpty(t, q.Get("code_challenge"))
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "rollcall_sso" {
			cookie = ck
		}
	}
	require.NotNil(t, cookie, "the state is bound to this browser")
	assert.Equal(t, q.Get("state"), cookie.Value)
	assert.GreaterOrEqual(t, len(cookie.Value), 40, "256 random bits")
	assert.True(t, cookie.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, cookie.SameSite)
	assert.Equal(t, "/login", cookie.Path)
	assert.Equal(t, 600, cookie.MaxAge)
	assert.Equal(t, int64(1), e.db.Count(t, "SELECT COUNT(*) FROM sso_states"))

	for i := 1; i < 60; i++ {
		res, err := c.Get(e.srv.URL + "/login/zoom")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusFound, res.StatusCode, "start %d", i+1)
	}
	res, err = c.Get(e.srv.URL + "/login/zoom")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "the 61st start from one address in the window")
	assert.Equal(t, int64(60), e.db.Count(t, "SELECT COUNT(*) FROM sso_states"), "no row for a refused start")
}
