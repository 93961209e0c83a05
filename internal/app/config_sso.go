package app

import (
	"net"
	"net/url"
	"strings"
	"unicode"

	"rollcall/handlers"
)

// loadSSO reads the single sign-on settings (README: Single sign-on): the
// OpenID Connect provider, Sign in with Zoom and whether the password form
// stays. zoomOAuthURL and zoomAPIURL are ZOOM_OAUTH_URL and ZOOM_API_URL,
// from which Zoom's user OAuth endpoints are derived.
func (p *settings) loadSSO(zoomAccountID, zoomOAuthURL, zoomAPIURL string) handlers.SSOConfig {
	bad := len(p.errs)
	local := p.boolean("ROLLCALL_LOCAL_LOGIN", "true")
	sso := handlers.SSOConfig{
		NoLocalLogin: !local && len(p.errs) == bad, // a typo is reported once, not twice
		OIDC:         p.loadOIDC(),
		Zoom:         p.loadZoomLogin(zoomAccountID, zoomOAuthURL, zoomAPIURL),
	}
	if sso.NoLocalLogin && sso.OIDC == nil && sso.Zoom == nil {
		p.bad("ROLLCALL_LOCAL_LOGIN", "false needs ROLLCALL_OIDC_ISSUER or ZOOM_LOGIN_CLIENT_ID: nobody could sign in")
	}
	return sso
}

func (p *settings) loadOIDC() *handlers.OIDCConfig {
	issuer := p.str("ROLLCALL_OIDC_ISSUER", "")
	c := &handlers.OIDCConfig{
		ClientID:       p.str("ROLLCALL_OIDC_CLIENT_ID", ""),
		ClientSecret:   p.str("ROLLCALL_OIDC_CLIENT_SECRET", ""),
		AllowedDomains: p.domains("ROLLCALL_OIDC_ALLOWED_DOMAINS"),
		AdminGroup:     p.str("ROLLCALL_OIDC_ADMIN_GROUP", ""),
		GroupsClaim:    p.str("ROLLCALL_OIDC_GROUPS_CLAIM", "groups"),
		CreateUsers:    p.boolean("ROLLCALL_OIDC_CREATE_USERS", "false"),
		Name:           p.label("ROLLCALL_OIDC_NAME", "single sign-on"),
	}
	if issuer == "" {
		for _, name := range []string{"ROLLCALL_OIDC_CLIENT_ID", "ROLLCALL_OIDC_CLIENT_SECRET",
			"ROLLCALL_OIDC_ALLOWED_DOMAINS", "ROLLCALL_OIDC_ADMIN_GROUP"} {
			if p.str(name, "") != "" {
				p.bad("ROLLCALL_OIDC_ISSUER", "is not set, but %s is: set the issuer too, or unset both", name)
				break
			}
		}
		return nil
	}
	c.Issuer = p.issuer("ROLLCALL_OIDC_ISSUER", issuer)
	if c.ClientID == "" {
		p.bad("ROLLCALL_OIDC_CLIENT_ID", "is not set (ROLLCALL_OIDC_ISSUER is): the client id the provider gave rollcall")
	}
	if c.ClientSecret == "" {
		p.bad("ROLLCALL_OIDC_CLIENT_SECRET", "is not set (ROLLCALL_OIDC_ISSUER is): the client secret the provider gave rollcall")
	}
	if len(c.GroupsClaim) > 64 || strings.ContainsFunc(c.GroupsClaim, unicode.IsSpace) {
		p.bad("ROLLCALL_OIDC_GROUPS_CLAIM", "%q is not a claim name", c.GroupsClaim)
	}
	if len(c.AdminGroup) > 256 {
		p.bad("ROLLCALL_OIDC_ADMIN_GROUP", "is longer than 256 bytes")
	}
	return c
}

func (p *settings) loadZoomLogin(accountID, oauthURL, apiURL string) *handlers.ZoomLoginConfig {
	c := &handlers.ZoomLoginConfig{
		ClientID:     p.str("ZOOM_LOGIN_CLIENT_ID", ""),
		ClientSecret: p.str("ZOOM_LOGIN_CLIENT_SECRET", ""),
		AccountID:    accountID,
		AdminRoles:   p.list("ZOOM_LOGIN_ADMIN_ROLES"),
		// Zoom's authorize page is beside its token endpoint
		// (https://zoom.us/oauth/authorize and .../token).
		AuthURL:  strings.TrimSuffix(oauthURL, "/token") + "/authorize",
		TokenURL: oauthURL,
		APIURL:   apiURL,
	}
	switch {
	case c.ClientID == "" && c.ClientSecret == "":
		if len(c.AdminRoles) > 0 {
			p.bad("ZOOM_LOGIN_CLIENT_ID", "is not set, but ZOOM_LOGIN_ADMIN_ROLES is")
		}
		return nil
	case c.ClientID == "":
		p.bad("ZOOM_LOGIN_CLIENT_ID", "is not set, but ZOOM_LOGIN_CLIENT_SECRET is: set both or neither")
	case c.ClientSecret == "":
		p.bad("ZOOM_LOGIN_CLIENT_SECRET", "is not set, but ZOOM_LOGIN_CLIENT_ID is: set both or neither")
	}
	if !strings.HasSuffix(oauthURL, "/token") {
		p.bad("ZOOM_OAUTH_URL", "%q does not end in /token: Sign in with Zoom finds the authorize page beside it", oauthURL)
	}
	return c
}

// issuer checks an OpenID issuer URL: https, or http to this machine only
// (a test provider); no query or fragment (the discovery document's issuer
// must equal it exactly).
func (p *settings) issuer(name, v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		p.bad(name, "%q is not an issuer URL (such as https://accounts.google.com)", v)
		return ""
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			p.bad(name, "%q is not https: only a provider on this machine (127.0.0.1, ::1, localhost) may use http", v)
			return ""
		}
	default:
		p.bad(name, "%q is not an https URL", v)
		return ""
	}
	return v
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// domains reads a comma list of email domains (lower-cased); empty is any.
func (p *settings) domains(name string) []string {
	var out []string
	for _, d := range p.list(name) {
		d = strings.ToLower(strings.TrimPrefix(d, "@"))
		if !isDomain(d) {
			p.bad(name, "%q is not an email domain (such as example.com)", d)
			continue
		}
		out = append(out, d)
	}
	return out
}

func isDomain(d string) bool {
	if d == "" || len(d) > 253 || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// list reads a comma-separated list, dropping empty items.
func (p *settings) list(name string) []string {
	var out []string
	for _, part := range strings.Split(p.str(name, ""), ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// label reads a short text shown on a page.
func (p *settings) label(name, def string) string {
	v := p.str(name, def)
	if len(v) > 60 || strings.ContainsFunc(v, unicode.IsControl) {
		p.bad(name, "%q is not a short label (at most 60 bytes, one line)", v)
		return def
	}
	return v
}
