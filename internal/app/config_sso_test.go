package app_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/app"
)

func TestSSOSettings(t *testing.T) {
	load := func(env map[string]string) (app.Config, error) {
		return app.LoadConfig(func(k string) string { return env[k] })
	}
	cfg, err := load(nil)
	require.NoError(t, err)
	assert.Nil(t, cfg.SSO.OIDC, "off by default")
	assert.Nil(t, cfg.SSO.Zoom, "off by default")
	assert.False(t, cfg.SSO.NoLocalLogin, "the password form stays by default")

	oidc := map[string]string{
		"ROLLCALL_OIDC_ISSUER":          "https://accounts.google.com",
		"ROLLCALL_OIDC_CLIENT_ID":       "id",
		"ROLLCALL_OIDC_CLIENT_SECRET":   "secret",
		"ROLLCALL_OIDC_ALLOWED_DOMAINS": " Example.com, @corp.example ",
	}
	cfg, err = load(oidc)
	require.NoError(t, err)
	require.NotNil(t, cfg.SSO.OIDC)
	assert.Equal(t, []string{"example.com", "corp.example"}, cfg.SSO.OIDC.AllowedDomains)
	assert.Equal(t, "groups", cfg.SSO.OIDC.GroupsClaim, "default")
	assert.Equal(t, "single sign-on", cfg.SSO.OIDC.Name, "default")
	assert.False(t, cfg.SSO.OIDC.CreateUsers, "default")

	for _, issuer := range []string{"http://127.0.0.1:9000/", "http://localhost:8080/realms/x", "http://[::1]:1/"} {
		_, err := load(with(oidc, "ROLLCALL_OIDC_ISSUER", issuer))
		assert.NoError(t, err, "a provider on this machine may use http: %s", issuer)
	}

	cfg, err = load(map[string]string{"ZOOM_LOGIN_CLIENT_ID": "zl", "ZOOM_LOGIN_CLIENT_SECRET": "zs", "ZOOM_LOGIN_ADMIN_ROLES": "Owner, Admin"})
	require.NoError(t, err)
	require.NotNil(t, cfg.SSO.Zoom)
	assert.Equal(t, "https://zoom.us/oauth/authorize", cfg.SSO.Zoom.AuthURL)
	assert.Equal(t, []string{"Owner", "Admin"}, cfg.SSO.Zoom.AdminRoles)

	for _, tc := range []struct {
		env     map[string]string
		setting string
	}{
		{with(oidc, "ROLLCALL_OIDC_ISSUER", "http://idp.example.com"), "ROLLCALL_OIDC_ISSUER"},
		{with(oidc, "ROLLCALL_OIDC_ISSUER", "ftp://idp.example.com"), "ROLLCALL_OIDC_ISSUER"},
		{with(oidc, "ROLLCALL_OIDC_ISSUER", "https://idp.example.com/?x=1"), "ROLLCALL_OIDC_ISSUER"},
		{with(oidc, "ROLLCALL_OIDC_CLIENT_SECRET", ""), "ROLLCALL_OIDC_CLIENT_SECRET"},
		{with(oidc, "ROLLCALL_OIDC_CLIENT_ID", ""), "ROLLCALL_OIDC_CLIENT_ID"},
		{with(oidc, "ROLLCALL_OIDC_ALLOWED_DOMAINS", "example.com,not a domain"), "ROLLCALL_OIDC_ALLOWED_DOMAINS"},
		{with(oidc, "ROLLCALL_OIDC_CREATE_USERS", "maybe"), "ROLLCALL_OIDC_CREATE_USERS"},
		{with(oidc, "ROLLCALL_OIDC_GROUPS_CLAIM", "two words"), "ROLLCALL_OIDC_GROUPS_CLAIM"},
		{with(oidc, "ROLLCALL_OIDC_NAME", strings.Repeat("x", 61)), "ROLLCALL_OIDC_NAME"},
		{map[string]string{"ROLLCALL_OIDC_CLIENT_ID": "id"}, "ROLLCALL_OIDC_ISSUER"},
		{map[string]string{"ZOOM_LOGIN_CLIENT_ID": "zl"}, "ZOOM_LOGIN_CLIENT_SECRET"},
		{map[string]string{"ZOOM_LOGIN_CLIENT_SECRET": "zs"}, "ZOOM_LOGIN_CLIENT_ID"},
		{map[string]string{"ZOOM_LOGIN_ADMIN_ROLES": "Owner"}, "ZOOM_LOGIN_CLIENT_ID"},
		{map[string]string{"ROLLCALL_LOCAL_LOGIN": "false"}, "ROLLCALL_LOCAL_LOGIN"},
		{map[string]string{"ROLLCALL_LOCAL_LOGIN": "nope"}, "ROLLCALL_LOCAL_LOGIN"},
	} {
		t.Run("refuses for "+tc.setting, func(t *testing.T) {
			_, err := load(tc.env)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tc.setting+": "), "names the setting: %v", err)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func with(env map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range env {
		if key != k {
			out[key] = val
		}
	}
	return out
}
