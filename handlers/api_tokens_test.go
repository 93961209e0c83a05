package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// A token is made on the settings page, shown that once, works on the
// API, shows when it was last used, and is revoked there.
func TestSettingsTokens(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, models.RoleViewer)
	res, err := c.PostForm(e.srv.URL+"/settings/tokens", url.Values{"name": {"grade <book>"}, "expires": {"720h"}})
	require.NoError(t, err)
	doc, err := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	secret := doc.Find(`[data-testid="token-value"]`).Text()
	require.True(t, strings.HasPrefix(secret, models.TokenPrefix), "the new token is shown: %q", secret)
	assert.Equal(t, "grade <book>", doc.Find(`[data-testid="token-name"]`).Text())
	assert.Equal(t, "never", strings.TrimSpace(doc.Find(`[data-testid="token-last-used"]`).Text()))

	status, _, b := e.apiGet(t, secret, "/meetings")
	require.Equal(t, http.StatusOK, status, string(b))

	res, body := get(t, c, e.srv.URL+"/settings")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, string(body), secret, "the token is shown only once")
	doc, err = goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	require.NoError(t, err)
	assert.NotEqual(t, "never", strings.TrimSpace(doc.Find(`[data-testid="token-last-used"]`).Text()), "last use is shown")
	revoke, ok := doc.Find(`[data-testid="token"] form`).Attr("action")
	require.True(t, ok)

	// Bad input is refused with the reason, and nothing is made.
	for _, form := range []url.Values{
		{"name": {""}, "expires": {"720h"}},
		{"name": {strings.Repeat("x", 101)}, "expires": {"720h"}},
		{"name": {"x"}, "expires": {"-1h"}},
		{"name": {"x"}, "expires": {"87600000h"}},
	} {
		res, err := c.PostForm(e.srv.URL+"/settings/tokens", form)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, form)
	}
	assert.Equal(t, int64(1), e.db.Count(t, "SELECT COUNT(*) FROM api_tokens"))

	// Someone else cannot revoke it.
	other := e.client(t, models.RoleAdmin)
	res, err = other.PostForm(e.srv.URL+revoke, nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	status, _, _ = e.apiGet(t, secret, "/meetings")
	require.Equal(t, http.StatusOK, status)

	res, err = c.PostForm(e.srv.URL+revoke, nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	status, _, _ = e.apiGet(t, secret, "/meetings")
	assert.Equal(t, http.StatusUnauthorized, status, "revoked at once")
}
