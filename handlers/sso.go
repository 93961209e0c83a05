package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// SSOConfig is single sign-on: an OpenID Connect provider, Sign in with
// Zoom, and whether the password form stays. The zero value is the
// password form alone.
type SSOConfig struct {
	// NoLocalLogin (ROLLCALL_LOCAL_LOGIN=false) hides the password form
	// and refuses its posts (the CLI still adds users and resets passwords).
	NoLocalLogin bool
	// OIDC is the OpenID Connect provider; nil: none.
	OIDC *OIDCConfig
	// Zoom is Sign in with Zoom; nil: none.
	Zoom *ZoomLoginConfig
}

// OIDCConfig is the ROLLCALL_OIDC_* settings.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	// AllowedDomains are the email domains that may sign in (lower case);
	// empty allows any.
	AllowedDomains []string
	// AdminGroup, when set, makes members of that group (in the claim
	// GroupsClaim) admins and everyone else viewers, at every sign-in.
	AdminGroup, GroupsClaim string
	// CreateUsers makes a viewer at the first sign-in of a verified email
	// of an allowed domain that no user has.
	CreateUsers bool
	// Name labels the button: "Sign in with <Name>".
	Name string
	// HTTPClient talks to the provider; nil: one with a 10 s timeout.
	HTTPClient *http.Client
}

// ZoomLoginConfig is Sign in with Zoom: a user-managed OAuth app of the
// account ZOOM_ACCOUNT_ID.
type ZoomLoginConfig struct {
	ClientID, ClientSecret string
	// AccountID is the only Zoom account whose users may sign in.
	AccountID string
	// AdminRoles, when set, makes users whose Zoom role_name is one of
	// them admins and everyone else viewers, at every sign-in.
	AdminRoles []string
	// AuthURL, TokenURL: Zoom's OAuth pages; APIURL: its API base (/v2).
	AuthURL, TokenURL, APIURL string
	// HTTPClient talks to Zoom; nil: one with a 10 s timeout.
	HTTPClient *http.Client
}

const (
	// ssoCookie binds a sign-in under way to the browser that began it: it
	// holds the state the provider hands back, so a callback URL opened in
	// another browser (login CSRF) is refused. Path /login covers both
	// callbacks.
	ssoCookie = "rollcall_sso"
	// ssoStateTTL is how long a sign-in may stay at the provider.
	ssoStateTTL = 10 * time.Minute
	// maxCallbackParam bounds state and code (Entra's codes are ~1-2 KB).
	maxCallbackParam = 4096
	// ssoStartsPerAddress bounds how many sign-ins one address may begin
	// per loginWindow: each stores a row for ssoStateTTL.
	ssoStartsPerAddress = 60
)

// ssoHTTPClient is c, or a client with a 10 s timeout.
func ssoHTTPClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// ssoRefusal is a sign-in that a rule or a failure refused: what the person
// reads on the sign-in page, the status, and why, for the log.
type ssoRefusal struct {
	status int
	msg    string
	reason string
}

func (r *ssoRefusal) Error() string { return r.reason }

func refuse(status int, msg, reason string) error {
	return &ssoRefusal{status: status, msg: msg, reason: reason}
}

// ssoRoute adapts a sign-in route: an ssoRefusal is answered with the
// sign-in page and its message (and logged), anything else by route.
func (h *Handlers) ssoRoute(provider string, fn func(c *gin.Context) error) gin.HandlerFunc {
	return h.route(func(c *gin.Context) error {
		err := fn(c)
		var r *ssoRefusal
		if !errors.As(err, &r) {
			return err
		}
		h.log.Warn("single sign-on refused", "provider", provider, "reason", clip(r.reason), "client_ip", c.ClientIP())
		h.renderLogin(c, r.status, r.msg, safeNext(c.Query("next")))
		return nil
	})
}

// randomToken returns 256 random bits as text (base32, so URL-safe and a
// valid PKCE verifier).
func randomToken() string { return rand.Text() + rand.Text() }

// beginSSO stores a new sign-in under way for provider (its state, nonce
// and PKCE verifier, and where to go after) and binds it to this browser
// with a short-lived cookie. It returns the state, nonce and verifier.
func (h *Handlers) beginSSO(c *gin.Context, provider string) (state, nonce, verifier string, err error) {
	network := clientNetwork(c.ClientIP())
	if ok, _, first := h.ssoStarts.take(network); !ok {
		if first {
			h.log.Warn("single sign-on starts throttled", "client_ip", c.ClientIP())
		}
		return "", "", "", refuse(http.StatusTooManyRequests, "Too many sign-ins begun from your address. Try again later.", "too many starts")
	}
	state, nonce, verifier = randomToken(), randomToken(), randomToken()
	now := h.cfg.Now()
	err = h.store.CreateSSOState(c.Request.Context(), state, models.SSOState{
		Provider: provider, Nonce: nonce, Verifier: verifier,
		Next: safeNext(c.Query("next")), ExpiresAt: now.Add(ssoStateTTL),
	}, now)
	if errors.Is(err, models.ErrBusy) {
		return "", "", "", refuse(http.StatusServiceUnavailable, "Too many sign-ins are under way. Try again in a few minutes.", err.Error())
	}
	if err != nil {
		return "", "", "", err
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: ssoCookie, Value: state, Path: "/login", MaxAge: int(ssoStateTTL.Seconds()),
		// Lax: the provider sends the browser back with a top-level GET,
		// which carries Lax cookies.
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	return state, nonce, verifier, nil
}

// finishSSO checks a provider's callback: no error from the provider, a
// state that equals this browser's cookie and that is stored, unused and
// unexpired for provider. It uses the state up (a replay is refused) and
// clears the cookie, and returns the stored sign-in and the code.
func (h *Handlers) finishSSO(c *gin.Context, provider string) (models.SSOState, string, error) {
	http.SetCookie(c.Writer, &http.Cookie{Name: ssoCookie, Value: "", Path: "/login", MaxAge: -1,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	if e := c.Query("error"); e != "" {
		return models.SSOState{}, "", refuse(http.StatusForbidden,
			"The sign-in was cancelled or refused at the provider ("+clipTo(e, 64)+").", "provider error: "+e)
	}
	state, code := c.Query("state"), c.Query("code")
	if state == "" || code == "" || len(state) > maxCallbackParam || len(code) > maxCallbackParam {
		return models.SSOState{}, "", refuse(http.StatusBadRequest, "That sign-in link is incomplete. Start again.", "missing or oversized state or code")
	}
	cookie, err := c.Cookie(ssoCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(cookie), []byte(state)) != 1 {
		return models.SSOState{}, "", refuse(http.StatusBadRequest,
			"This sign-in was not begun in this browser, or took too long. Start again.", "state does not match this browser's cookie")
	}
	st, err := h.store.TakeSSOState(c.Request.Context(), provider, state, h.cfg.Now())
	if errors.Is(err, models.ErrSSOStateUsed) {
		return models.SSOState{}, "", refuse(http.StatusBadRequest,
			"This sign-in link was used already or has expired. Start again.", "state unknown, used or expired")
	}
	if err != nil {
		return models.SSOState{}, "", err
	}
	return st, code, nil
}

// ssoIdentity is who a provider says signed in.
type ssoIdentity struct {
	Provider, Subject, Email string
	// EmailVerified: the provider vouches for Email. Only then may an
	// identity be linked to a user, or a user be made, by email.
	EmailVerified bool
	// DomainAllowed: Email's domain passes the provider's domain rule.
	DomainAllowed bool
	// Role is what the provider's group or role rule says ("" when the
	// rule is off: the user's role stays).
	Role string
	// MayCreate: a user may be made for a verified, allowed email.
	MayCreate bool
}

// signInSSO finds or links the user of id, applies the role rule, records
// the sign-in and starts a session, then goes on to next.
func (h *Handlers) signInSSO(c *gin.Context, id ssoIdentity, next string) error {
	ctx := c.Request.Context()
	if !id.DomainAllowed { // at every sign-in, not only the first
		if !id.EmailVerified {
			return refuse(http.StatusForbidden, "Your provider does not vouch for your email address, so rollcall cannot check its domain.",
				"domain rule without a verified email: "+id.Email)
		}
		return refuse(http.StatusForbidden, "Addresses of that domain may not sign in here.", "domain not allowed: "+id.Email)
	}
	u, ident, err := h.ssoUser(ctx, id)
	if err != nil {
		return err
	}
	if id.Role != "" && id.Role != u.Role {
		if err := h.store.SetUserRole(ctx, u.ID, id.Role); err != nil {
			return err
		}
		h.log.Warn("role changed by single sign-on", "email", u.Email, "from", u.Role, "to", id.Role, "provider", id.Provider)
		u.Role = id.Role
	}
	if err := h.store.RecordSignIn(ctx, ident.ID, id.Email, h.cfg.Now()); err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
		return err
	}
	h.log.Info("login", "email", u.Email, "provider", id.Provider, "client_ip", c.ClientIP())
	c.Redirect(http.StatusSeeOther, next)
	return nil
}

// ssoUser returns the user of id: by (provider, subject) for a returning
// identity; else, for a verified email of an allowed domain, the user with
// that email (the identity is linked to them) or, when allowed, a new one.
func (h *Handlers) ssoUser(ctx context.Context, id ssoIdentity) (models.User, models.Identity, error) {
	u, ident, err := h.store.IdentityUser(ctx, id.Provider, id.Subject)
	if err == nil || !errors.Is(err, models.ErrNotFound) {
		return u, ident, err
	}
	if !id.EmailVerified || id.Email == "" {
		return models.User{}, models.Identity{}, refuse(http.StatusForbidden,
			"Your provider does not vouch for your email address, so rollcall cannot tell which account is yours. Ask an admin.",
			"first sign-in without a verified email")
	}
	u, err = h.store.UserByEmail(ctx, id.Email)
	switch {
	case err == nil:
		ident, err = h.store.LinkIdentity(ctx, u.ID, id.Provider, id.Subject, id.Email)
		if errors.Is(err, models.ErrExists) { // a twin callback linked it first
			return h.store.IdentityUser(ctx, id.Provider, id.Subject)
		}
		if err != nil {
			return models.User{}, models.Identity{}, err
		}
		h.log.Warn("identity linked by verified email", "email", u.Email, "provider", id.Provider, "subject", clip(id.Subject))
		return u, ident, nil
	case !errors.Is(err, models.ErrNotFound):
		return models.User{}, models.Identity{}, err
	case !id.MayCreate:
		return models.User{}, models.Identity{}, refuse(http.StatusForbidden,
			"No rollcall account uses "+clip(id.Email)+". Ask an admin to add you.", "no user with that email: "+id.Email)
	}
	role := cmpOr(id.Role, models.RoleViewer)
	u, ident, err = h.store.CreateSSOUser(ctx, id.Email, role, id.Provider, id.Subject)
	if errors.Is(err, models.ErrExists) {
		return h.store.IdentityUser(ctx, id.Provider, id.Subject)
	}
	if err != nil {
		return models.User{}, models.Identity{}, err
	}
	h.log.Warn("user created by single sign-on", "email", u.Email, "role", u.Role, "provider", id.Provider, "subject", clip(id.Subject))
	return u, ident, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// startSession ends the browser's old session, if any, and starts a new
// one for u: a fresh token at every sign-in, so a planted one is worthless.
func (h *Handlers) startSession(c *gin.Context, u models.User) error {
	if old, err := c.Cookie(SessionCookie); err == nil && old != "" {
		_ = h.store.DeleteSession(c.Request.Context(), old)
	}
	token, err := h.store.CreateSession(c.Request.Context(), u.ID, SessionTTL)
	if err != nil {
		return err
	}
	h.setSessionCookie(c, token, SessionTTL)
	return nil
}

// emailDomainAllowed reports whether email's domain is one of allowed
// (any, when allowed is empty).
func emailDomainAllowed(email string, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	return at >= 0 && slices.Contains(allowed, strings.ToLower(email[at+1:]))
}

// clipTo cuts s to at most n bytes (for a value a stranger sent that is
// shown on a page).
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// renderLogin shows the sign-in page with an error message.
func (h *Handlers) renderLogin(c *gin.Context, status int, msg, next string) {
	page := h.loginPage(c, next)
	page.Error = msg
	render(c, status, views.Login(page))
}

// loginPage is the sign-in page with the ways to sign in that are on.
func (h *Handlers) loginPage(c *gin.Context, next string) views.LoginPage {
	p := views.LoginPage{Page: h.frame(c, models.User{}, "Sign in", "", ""), Next: next,
		LocalLogin: !h.cfg.SSO.NoLocalLogin, Zoom: h.cfg.SSO.Zoom != nil}
	if h.cfg.SSO.OIDC != nil {
		p.OIDCName = h.cfg.SSO.OIDC.Name
	}
	return p
}
