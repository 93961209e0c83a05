package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// SessionCookie is the name of the cookie that holds a session token.
const SessionCookie = "rollcall_session"

// SessionTTL is how long a sign-in lasts.
const SessionTTL = 7 * 24 * time.Hour

const (
	userKey = "rollcall.user"
	// pageKey marks requests of the browser routes, whose errors are pages.
	pageKey = "rollcall.page"
)

// currentUser returns the signed-in user; the zero User when nobody is.
func currentUser(c *gin.Context) models.User {
	if u, ok := c.Get(userKey); ok {
		return u.(models.User)
	}
	return models.User{}
}

// loadUser finds the user of the request's session cookie, if any.
func (h *Handlers) loadUser(c *gin.Context) {
	c.Set(pageKey, true)
	if token, err := c.Cookie(SessionCookie); err == nil && token != "" {
		u, err := h.store.SessionUser(c.Request.Context(), token)
		switch {
		case err == nil:
			c.Set(userKey, u)
		case !errors.Is(err, models.ErrNotFound):
			h.fail(c, err)
			return
		}
	}
	c.Next()
}

// wantsHTML reports whether a refusal should be a page (a browser asking
// for a page) rather than a status for a program (CSV, xlsx, API).
func wantsHTML(c *gin.Context) bool {
	if p := c.Request.URL.Path; strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".xlsx") {
		return false
	}
	return c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead
}

// signedIn lets only signed-in users through: a page request is sent to the
// login page, anything else (CSV, API, form posts) answers 401.
func (h *Handlers) signedIn(c *gin.Context) {
	if currentUser(c).ID != 0 {
		c.Next()
		return
	}
	if wantsHTML(c) {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	c.Header("WWW-Authenticate", `Cookie realm="rollcall"`)
	h.fail(c, errStatus(http.StatusUnauthorized, "sign in first", nil))
}

// adminOnly lets only admins through (after signedIn).
func (h *Handlers) adminOnly(c *gin.Context) {
	if currentUser(c).IsAdmin() {
		c.Next()
		return
	}
	if wantsHTML(c) {
		h.renderError(c, http.StatusForbidden, "Only admins may open this page.")
		return
	}
	h.fail(c, errStatus(http.StatusForbidden, "admins only", nil))
}

// sameOrigin refuses cross-origin state-changing requests from browsers
// (CSRF), using the browser's Sec-Fetch-Site and Origin headers.
func (h *Handlers) sameOrigin(c *gin.Context) {
	if err := h.cop.Check(c.Request); err != nil {
		h.fail(c, errStatus(http.StatusForbidden, "cross-origin request refused", err))
		return
	}
	c.Next()
}

// homePath is where a sign-in goes when next is missing or refused.
const homePath = "/"

// safeNext returns next as a clean same-origin path, else homePath: the
// login form must not become an open redirect. next is what the login
// redirect put there (an escaped request URI, so printable ASCII); anything
// else is refused rather than repaired: a backslash or a control character
// (browsers read "\" as "/" and drop tabs and newlines), a raw non-ASCII
// rune (look-alike slashes), a scheme, a host. Decoded non-ASCII is fine:
// it goes out escaped again. What passes is cleaned here, so
// that the cleaning http.Redirect does later cannot turn it into "//host".
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return homePath
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b < 0x21 || b > 0x7e || b == '\\' {
			return homePath
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.ContainsAny(u.Path, "\\\x00") {
		return homePath
	}
	for _, r := range u.Path { // decoded: %09, %0A and friends (%5C is above)
		if r < 0x21 || r == 0x7f {
			return homePath
		}
	}
	clean := (&url.URL{Path: path.Clean(u.Path), RawQuery: u.RawQuery}).String()
	if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") || strings.HasPrefix(clean, "/\\") {
		return homePath
	}
	return clean
}

// showLoginPage renders the sign-in form.
func (h *Handlers) showLoginPage(c *gin.Context) error {
	if currentUser(c).ID != 0 {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return nil
	}
	render(c, http.StatusOK, views.Login(h.loginPage(c, safeNext(c.Query("next")))))
	return nil
}

// login checks the form's email and password and on success starts a new
// session (a fresh token, so a token planted before sign-in is worthless)
// and goes on to next.
//
// Guessing is limited three ways (see loginLimits): per client address, per
// account from one address, and, for an account attacked from many
// addresses, a slowdown that spares browsers that signed in to it before.
// None of them lets a stranger lock a user out: a block counts only the
// failures of the blocked address.
func (h *Handlers) login(c *gin.Context) error {
	email := models.NormalizeEmail(c.PostForm("email"))
	password := c.PostForm("password")
	next := safeNext(c.PostForm("next"))
	page := h.loginPage(c, next)
	if h.cfg.SSO.NoLocalLogin {
		page.Error = "Password sign-in is turned off here: use single sign-on."
		render(c, http.StatusForbidden, views.Login(page))
		return nil
	}
	ip := c.ClientIP()
	network := clientNetwork(ip)
	wrong := func() {
		page.Error = "Email or password is wrong."
		render(c, http.StatusUnauthorized, views.Login(page))
	}
	refuse := func(until time.Time, first bool, why string) {
		wait := max(until.Sub(h.cfg.Now()).Round(time.Second), time.Second)
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())))
		page.Error = fmt.Sprintf("Too many failed sign-ins. Try again in %s.", wait)
		if first { // one line per blocked key and window, however many attempts
			h.log.Warn("login throttled", "email", clip(email), "client_ip", ip, "limit", why)
		}
		render(c, http.StatusTooManyRequests, views.Login(page))
	}

	ok, until, first := h.loginByAddress.take(network)
	if !ok {
		refuse(until, first, "address")
		return nil
	}
	if len(email) > maxEmailLength || len(password) > maxPasswordInput {
		// No account has such an email; the attempt counts for the address.
		h.log.Info("login failed", "reason", "input too long", "email_bytes", len(email), "client_ip", ip)
		wrong()
		return nil
	}
	page.Email = email
	accountHere := email + "\x00" + network
	if ok, until, first = h.loginByAccountHere.take(accountHere); !ok {
		h.loginByAddress.refund(network)
		refuse(until, first, "account from this address")
		return nil
	}
	if h.loginFailures.count(email) >= loginAccountSlowAfter && !h.knownDevice(c, email) {
		if ok, at := h.loginSlow.admit(email); !ok {
			h.loginByAddress.refund(network)
			h.loginByAccountHere.refund(accountHere)
			refuse(at, false, "account slowdown")
			return nil
		}
	}
	u, err := h.store.Authenticate(c.Request.Context(), email, password)
	if errors.Is(err, models.ErrBadCredentials) {
		h.loginFailures.take(email)
		h.log.Info("login failed", "email", email, "client_ip", ip)
		wrong()
		return nil
	}
	if err != nil {
		h.loginByAddress.refund(network)
		h.loginByAccountHere.refund(accountHere)
		return err
	}
	h.loginByAddress.refund(network)
	h.loginByAccountHere.forget(accountHere)
	if err := h.startSession(c, u); err != nil {
		return err
	}
	if err := h.store.RecordPasswordSignIn(c.Request.Context(), u, h.cfg.Now()); err != nil {
		h.log.Warn("last sign-in not recorded", "email", u.Email, "error", err)
	}
	h.setDeviceCookie(c, u)
	h.log.Info("login", "email", u.Email, "client_ip", ip)
	c.Redirect(http.StatusSeeOther, next)
	return nil
}

// clientNetwork is the unit login limits count per: the address itself for
// IPv4, its /64 for IPv6 (one host usually holds a whole /64 and could
// otherwise pick a fresh address per guess).
func clientNetwork(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// DeviceCookie names the cookie that marks a browser which signed in to an
// account before; the account's slowdown under attack does not apply to it.
const DeviceCookie = "rollcall_device"

// setDeviceCookie marks this browser as known to u: a random nonce and its
// HMAC keyed by u's password hash, which never leaves the server, so the
// mark cannot be forged, lasts across restarts and replicas, and dies with
// a password change.
func (h *Handlers) setDeviceCookie(c *gin.Context, u models.User) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return // no mark: this browser is slowed like any other under attack
	}
	n := base64.RawURLEncoding.EncodeToString(nonce)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: DeviceCookie, Value: n + "." + deviceMAC(u, n), Path: "/login",
		MaxAge: int((365 * 24 * time.Hour).Seconds()), HttpOnly: true,
		Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func deviceMAC(u models.User, nonce string) string {
	m := hmac.New(sha256.New, []byte(u.PasswordHash))
	m.Write([]byte("rollcall-device\x00" + u.Email + "\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// knownDevice reports whether the request carries a device mark of the
// account email (see setDeviceCookie).
func (h *Handlers) knownDevice(c *gin.Context, email string) bool {
	v, err := c.Cookie(DeviceCookie)
	if err != nil || len(v) > 128 {
		return false
	}
	nonce, mac, ok := strings.Cut(v, ".")
	if !ok {
		return false
	}
	u, err := h.store.UserByEmail(c.Request.Context(), email)
	if err != nil || u.PasswordHash == "" {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(deviceMAC(u, nonce)))
}

// logout ends the session in the database (a stolen copy of the cookie
// stops working too) and clears the cookie.
func (h *Handlers) logout(c *gin.Context) error {
	if token, err := c.Cookie(SessionCookie); err == nil && token != "" {
		if err := h.store.DeleteSession(c.Request.Context(), token); err != nil {
			return err
		}
	}
	h.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/login")
	return nil
}

func (h *Handlers) setSessionCookie(c *gin.Context, token string, ttl time.Duration) {
	maxAge := int(ttl.Seconds())
	if ttl < 0 {
		maxAge = -1
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   h.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}
