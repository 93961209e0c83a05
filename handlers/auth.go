package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
// for a page) rather than a status for a program (CSV, API).
func wantsHTML(c *gin.Context) bool {
	if strings.HasSuffix(c.Request.URL.Path, ".csv") {
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

// safeNext returns next if it is a local path, else "/meetings": the login
// form must not become an open redirect.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/meetings"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/meetings"
	}
	return next
}

// showLoginPage renders the sign-in form.
func (h *Handlers) showLoginPage(c *gin.Context) {
	if currentUser(c).ID != 0 {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	render(c, http.StatusOK, views.Login(views.LoginPage{
		Page: h.frame(c, models.User{}, "Sign in", "", ""),
		Next: safeNext(c.Query("next")),
	}))
}

// login checks the form's email and password, throttled per client address
// and per account, and on success starts a new session (a fresh token, so a
// token planted before sign-in is worthless) and goes on to next.
func (h *Handlers) login(c *gin.Context) {
	email := models.NormalizeEmail(c.PostForm("email"))
	next := safeNext(c.PostForm("next"))
	page := views.LoginPage{Page: h.frame(c, models.User{}, "Sign in", "", ""), Email: email, Next: next}
	ip := c.ClientIP()
	for _, k := range []struct {
		t   *throttle
		key string
	}{{h.loginByIP, ip}, {h.loginByAccount, email}} {
		if blocked, until := k.t.blocked(k.key); blocked {
			wait := max(time.Until(until).Round(time.Second), time.Second)
			c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())))
			page.Error = fmt.Sprintf("Too many failed sign-ins. Try again in %s.", wait)
			h.log.Warn("login throttled", "email", email, "client_ip", ip)
			render(c, http.StatusTooManyRequests, views.Login(page))
			return
		}
	}
	u, err := h.store.Authenticate(c.Request.Context(), email, c.PostForm("password"))
	if errors.Is(err, models.ErrBadCredentials) {
		h.loginByIP.fail(ip)
		h.loginByAccount.fail(email)
		h.log.Info("login failed", "email", email, "client_ip", ip)
		page.Error = "Email or password is wrong."
		render(c, http.StatusUnauthorized, views.Login(page))
		return
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	h.loginByAccount.forget(email)
	if old, err := c.Cookie(SessionCookie); err == nil && old != "" {
		_ = h.store.DeleteSession(c.Request.Context(), old)
	}
	token, err := h.store.CreateSession(c.Request.Context(), u.ID, SessionTTL)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.setSessionCookie(c, token, SessionTTL)
	h.log.Info("login", "email", u.Email, "client_ip", ip)
	c.Redirect(http.StatusSeeOther, next)
}

// logout ends the session in the database (a stolen copy of the cookie
// stops working too) and clears the cookie.
func (h *Handlers) logout(c *gin.Context) {
	if token, err := c.Cookie(SessionCookie); err == nil && token != "" {
		if err := h.store.DeleteSession(c.Request.Context(), token); err != nil {
			h.fail(c, err)
			return
		}
	}
	h.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/login")
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
