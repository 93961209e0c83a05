package handlers

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// FlashCookie carries the message a form post leaves for the page it
// redirects to ("Saved.", "Added x@example.com."). The server writes it and
// the next page reads and clears it: unlike a ?notice= parameter, no link
// from a stranger can put their words into rollcall's notice box.
const FlashCookie = "rollcall_flash"

// Flash kinds: a notice reports a success, an error a refusal.
const (
	flashNotice = "n"
	flashError  = "e"
)

const maxFlashBytes = 1024

// setFlash leaves msg of kind for the next page.
func (h *Handlers) setFlash(c *gin.Context, kind, msg string) {
	if len(msg) > maxFlashBytes {
		msg = msg[:maxFlashBytes]
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: FlashCookie, Value: kind + base64.RawURLEncoding.EncodeToString([]byte(msg)),
		Path: "/", MaxAge: 60, HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
}

// takeFlash returns the message left by the last form post, if any, and
// clears it so that a reload does not show it again.
func (h *Handlers) takeFlash(c *gin.Context) (notice, errMsg string) {
	v, err := c.Cookie(FlashCookie)
	if err != nil || v == "" {
		return "", ""
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: FlashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	if len(v) > 2*maxFlashBytes {
		return "", ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(v[1:])
	if err != nil {
		return "", ""
	}
	text := strings.ToValidUTF8(string(msg), "")
	switch v[:1] {
	case flashNotice:
		return text, ""
	case flashError:
		return "", text
	}
	return "", ""
}
