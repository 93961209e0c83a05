package handlers

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"rollcall/models"
)

// oidcRetryAfter is how long a failed discovery is remembered before the
// next sign-in tries the provider again.
const oidcRetryAfter = 2 * time.Second

// oidcClient is the OpenID Connect provider, discovered on first use rather
// than at start-up: a provider that is down must not keep rollcall (and
// password sign-in) from starting. A failed discovery is retried by a later
// sign-in.
type oidcClient struct {
	cfg  OIDCConfig
	http *http.Client
	now  func() time.Time

	mu       sync.Mutex
	provider *oidc.Provider
	failedAt time.Time
	failure  error
}

func newOIDCClient(cfg OIDCConfig, now func() time.Time) *oidcClient {
	return &oidcClient{cfg: cfg, http: ssoHTTPClient(cfg.HTTPClient), now: now}
}

// ctx carries the provider's HTTP client for go-oidc and oauth2; it is
// never cancelled (go-oidc keeps it for fetching keys later); each request
// is bounded by the client's timeout.
func (o *oidcClient) ctx() context.Context {
	return oidc.ClientContext(context.Background(), o.http)
}

// discover returns the provider, fetching its discovery document if no
// fetch succeeded yet. One fetch runs at a time; a failure is answered from
// memory for oidcRetryAfter, so a provider that is down is not hammered.
func (o *oidcClient) discover() (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	if o.failure != nil && o.now().Sub(o.failedAt) < oidcRetryAfter {
		return nil, o.failure
	}
	p, err := oidc.NewProvider(o.ctx(), o.cfg.Issuer)
	if err != nil {
		o.failure, o.failedAt = err, o.now()
		return nil, err
	}
	o.provider, o.failure = p, nil
	return p, nil
}

func (o *oidcClient) oauth2(p *oidc.Provider, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret,
		Endpoint: p.Endpoint(), RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

// unavailable is the page a person gets when the provider cannot be reached.
func (h *Handlers) oidcUnavailable(err error) error {
	msg := "Sign in with " + h.cfg.SSO.OIDC.Name + " is unavailable right now: rollcall cannot reach the provider. Try again in a minute"
	if !h.cfg.SSO.NoLocalLogin {
		msg += ", or sign in with your password"
	}
	return refuse(http.StatusServiceUnavailable, msg+".", "provider unreachable: "+err.Error())
}

// startOIDC sends the browser to the provider: authorization-code flow
// with PKCE (S256), a state bound to this browser and a nonce.
func (h *Handlers) startOIDC(c *gin.Context) error {
	if h.oidc == nil {
		return errStatus(http.StatusNotFound, "single sign-on is not set up", nil)
	}
	p, err := h.oidc.discover()
	if err != nil {
		return h.oidcUnavailable(err)
	}
	state, nonce, verifier, err := h.beginSSO(c, models.ProviderOIDC)
	if err != nil {
		return err
	}
	url := h.oidc.oauth2(p, h.callbackURL("oidc")).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	c.Redirect(http.StatusFound, url)
	return nil
}

// oidcCallback finishes an OpenID Connect sign-in: the state (this
// browser's, unused), the code exchanged with the PKCE verifier, the ID
// token verified (signature, issuer, audience, expiry) and its nonce
// compared, then the domain and group rules, at every sign-in.
func (h *Handlers) oidcCallback(c *gin.Context) error {
	if h.oidc == nil {
		return errStatus(http.StatusNotFound, "single sign-on is not set up", nil)
	}
	st, code, err := h.finishSSO(c, models.ProviderOIDC)
	if err != nil {
		return err
	}
	p, err := h.oidc.discover()
	if err != nil {
		return h.oidcUnavailable(err)
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(c.Request.Context(), h.oidc.http), 30*time.Second)
	defer cancel()
	conf := h.oidc.oauth2(p, h.callbackURL("oidc"))
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return refuse(http.StatusBadGateway, "The provider did not accept the sign-in. Start again.", "code exchange: "+err.Error())
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return refuse(http.StatusBadGateway, "The provider sent no ID token. Start again.", "no id_token in the token response")
	}
	verifier := p.VerifierContext(ctx, &oidc.Config{ClientID: h.oidc.cfg.ClientID, Now: h.cfg.Now})
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return refuse(http.StatusForbidden, "The provider's ID token did not check out. Start again.", "id token: "+err.Error())
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return refuse(http.StatusForbidden, "The provider's ID token did not check out. Start again.", "id token: nonce does not match")
	}
	var claims oidcClaims
	if err := idt.Claims(&claims.raw); err != nil {
		return refuse(http.StatusBadGateway, "The provider's ID token did not check out. Start again.", "id token claims: "+err.Error())
	}
	if !claims.has("email") || (h.oidc.cfg.AdminGroup != "" && !claims.has(h.oidc.cfg.GroupsClaim)) {
		if err := claims.addUserInfo(ctx, p, tok, idt.Subject); err != nil {
			return refuse(http.StatusBadGateway, "The provider did not say who you are. Start again.", "userinfo: "+err.Error())
		}
	}
	return h.signInSSO(c, h.oidcIdentity(idt, claims), st.Next)
}

// oidcIdentity applies the OIDC rules to the verified claims.
func (h *Handlers) oidcIdentity(idt *oidc.IDToken, claims oidcClaims) ssoIdentity {
	cfg := h.oidc.cfg
	email := models.NormalizeEmail(claims.str("email"))
	verified := claims.truthy("email_verified") || claims.truthy("xms_edov") // Entra's optional claim
	id := ssoIdentity{
		Provider: models.ProviderOIDC, Subject: idt.Subject, Email: email, EmailVerified: verified,
		// A domain rule needs the provider to vouch for the address:
		// otherwise anyone on a multi-tenant provider could claim one.
		DomainAllowed: len(cfg.AllowedDomains) == 0 || (verified && emailDomainAllowed(email, cfg.AllowedDomains)),
		MayCreate:     cfg.CreateUsers,
	}
	if cfg.AdminGroup != "" {
		id.Role = models.RoleViewer
		if slices.Contains(claims.strings(cfg.GroupsClaim), cfg.AdminGroup) {
			id.Role = models.RoleAdmin
		}
	}
	return id
}

// oidcClaims are an ID token's claims, merged with the userinfo
// endpoint's where the ID token lacks them.
type oidcClaims struct {
	raw map[string]json.RawMessage
}

func (c oidcClaims) has(name string) bool { _, ok := c.raw[name]; return ok }

func (c oidcClaims) str(name string) string {
	var s string
	_ = json.Unmarshal(c.raw[name], &s)
	return s
}

// truthy reads a boolean claim, which some providers send as a string.
func (c oidcClaims) truthy(name string) bool {
	var v any
	_ = json.Unmarshal(c.raw[name], &v)
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// strings reads a claim that is a list of strings, or one string.
func (c oidcClaims) strings(name string) []string {
	var list []string
	if json.Unmarshal(c.raw[name], &list) == nil {
		return list
	}
	if s := c.str(name); s != "" {
		return []string{s}
	}
	return nil
}

// addUserInfo fills the claims the ID token lacks from the userinfo
// endpoint, whose subject must be the ID token's.
func (c *oidcClaims) addUserInfo(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, subject string) error {
	info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return err
	}
	if info.Subject != subject {
		return fmt.Errorf("userinfo is about subject %q, the ID token about %q", info.Subject, subject)
	}
	var more map[string]json.RawMessage
	if err := info.Claims(&more); err != nil {
		return err
	}
	if c.raw == nil {
		c.raw = map[string]json.RawMessage{}
	}
	for k, v := range more {
		if _, ok := c.raw[k]; !ok {
			c.raw[k] = v
		}
	}
	return nil
}

// callbackURL is where provider sends the browser back.
func (h *Handlers) callbackURL(provider string) string {
	return h.cfg.BaseURL + "/login/" + provider + "/callback"
}
