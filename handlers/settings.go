package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// commonZones are suggested in the time zone field; any IANA name works.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
	"Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw",
	"Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "Europe/Moscow", "Africa/Lagos",
	"Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata",
	"Asia/Dhaka", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong",
	"Asia/Tokyo", "Asia/Seoul", "Australia/Perth", "Australia/Sydney", "Pacific/Auckland",
	"America/St_Johns", "America/Halifax", "America/New_York", "America/Chicago",
	"America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage",
	"Pacific/Honolulu", "America/Mexico_City", "America/Bogota", "America/Lima",
	"America/Santiago", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
}

// showSettingsPage shows the signed-in user's settings.
func (h *Handlers) showSettingsPage(c *gin.Context) error {
	notice, errMsg := h.takeFlash(c)
	h.renderSettings(c, http.StatusOK, errMsg, notice)
	return nil
}

func (h *Handlers) renderSettings(c *gin.Context, status int, errMsg, notice string) {
	h.renderSettingsPage(c, status, errMsg, notice, "")
}

// renderSettingsPage renders the settings page; newToken is an API token
// just made, shown this once.
func (h *Handlers) renderSettingsPage(c *gin.Context, status int, errMsg, notice, newToken string) {
	u := currentUser(c)
	tokens, err := h.tokenRows(c, u)
	if err != nil {
		h.log.Error("settings: api tokens", "error", err)
		errMsg = "Your API tokens could not be read; try again."
	}
	def := "UTC"
	if h.cfg.Timezone != nil {
		def = h.cfg.Timezone.String()
	}
	zone := u.Timezone
	if zone == "" {
		zone = def
	}
	render(c, status, views.Settings(views.SettingsPage{
		Page:     h.frame(c, u, "Your settings", "settings", zone),
		Timezone: u.Timezone, Default: def, Zones: commonZones,
		Error: errMsg, Notice: notice, MinPassword: models.MinPasswordLength,
		Tokens: tokens, NewToken: newToken, TokenExpiries: tokenExpiries,
	}))
}

// saveSettings stores the user's time zone ("" returns to the default).
func (h *Handlers) saveSettings(c *gin.Context) error {
	u := currentUser(c)
	zone := strings.TrimSpace(c.PostForm("timezone"))
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil || strings.EqualFold(zone, "local") {
			h.renderSettings(c, http.StatusBadRequest, "“"+zone+"” is not an IANA time zone name.", "")
			return nil
		}
	}
	if err := h.store.SetUserTimezone(c.Request.Context(), u.ID, zone); err != nil {
		return err
	}
	h.setFlash(c, flashNotice, "Saved.")
	c.Redirect(http.StatusSeeOther, "/settings")
	return nil
}

// changePassword sets the signed-in user's password after checking their
// current one. Wrong guesses count against the same limits as sign-in, so
// a borrowed session cannot be used to find the password.
func (h *Handlers) changePassword(c *gin.Context) error {
	u := currentUser(c)
	key := u.Email + "\x00" + clientNetwork(c.ClientIP())
	if ok, until, _ := h.loginByAccountHere.take(key); !ok {
		wait := max(until.Sub(h.cfg.Now()).Round(time.Second), time.Second)
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())))
		h.renderSettings(c, http.StatusTooManyRequests, fmt.Sprintf("Too many wrong passwords. Try again in %s.", wait), "")
		return nil
	}
	token, _ := c.Cookie(SessionCookie)
	err := h.store.ChangePassword(c.Request.Context(), u.ID, c.PostForm("current_password"), c.PostForm("new_password"), token)
	var verr *models.ValidationError
	switch {
	case errors.Is(err, models.ErrBadCredentials):
		h.log.Info("password change refused", "email", u.Email, "client_ip", c.ClientIP())
		h.renderSettings(c, http.StatusUnauthorized, "Your current password is wrong.", "")
		return nil
	case errors.As(err, &verr):
		h.loginByAccountHere.refund(key)
		h.renderSettings(c, http.StatusBadRequest, "New password: "+verr.Problem+".", "")
		return nil
	case err != nil:
		h.loginByAccountHere.refund(key)
		return err
	}
	h.loginByAccountHere.forget(key)
	h.log.Info("password changed", "email", u.Email, "client_ip", c.ClientIP())
	h.setFlash(c, flashNotice, "Your password was changed; your other sessions have ended.")
	c.Redirect(http.StatusSeeOther, "/settings")
	return nil
}
