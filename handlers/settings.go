package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

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
func (h *Handlers) showSettingsPage(c *gin.Context) {
	h.renderSettings(c, http.StatusOK, "", c.Query("notice"))
}

func (h *Handlers) renderSettings(c *gin.Context, status int, errMsg, notice string) {
	u := currentUser(c)
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
		Error: errMsg, Notice: notice,
	}))
}

// saveSettings stores the user's time zone ("" returns to the default).
func (h *Handlers) saveSettings(c *gin.Context) {
	u := currentUser(c)
	zone := strings.TrimSpace(c.PostForm("timezone"))
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil || strings.EqualFold(zone, "local") {
			h.renderSettings(c, http.StatusBadRequest, "“"+zone+"” is not an IANA time zone name.", "")
			return
		}
	}
	if err := h.store.SetUserTimezone(c.Request.Context(), u.ID, zone); err != nil {
		h.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/settings?notice=Saved.")
}
