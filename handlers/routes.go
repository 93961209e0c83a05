package handlers

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Router returns rollcall's HTTP handler with every route.
func (h *Handlers) Router() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// The client address (login throttling, logs) is the peer, or, from a
	// trusted proxy, the right-most address it did not add itself.
	if err := r.SetTrustedProxies(h.cfg.TrustedProxies); err != nil {
		h.log.Error("bad trusted proxies; trusting none", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(h.recoverPanics, h.logRequests, h.observe)

	// Zoom: verified by signature alone.
	r.POST("/webhooks/zoom", h.receiveZoomWebhook)

	// Operators.
	r.GET("/healthz", h.showHealth)
	r.GET("/readyz", h.showReadiness)
	r.GET("/metrics", h.showMetrics)

	// Everything a browser uses: security headers, the signed-in user,
	// and no cross-origin form posts (CSRF).
	ui := r.Group("", h.securityHeaders, h.sameOrigin, h.loadUser)
	ui.GET("/static/*filepath", h.serveStatic)
	ui.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/meetings") })
	ui.GET("/login", h.showLoginPage)
	ui.POST("/login", h.login)
	ui.POST("/logout", h.logout)

	// Pages (signed in).
	pages := ui.Group("", h.signedIn)
	pages.GET("/meetings", h.listMeetings)
	pages.GET("/meetings/:id", h.showMeetingPage)
	// CSV downloads (export_*.go); /series/:number.csv is served by
	// showSeriesPage, which hands it to exportSeries.
	pages.GET("/meetings.csv", h.exportMeetings)
	pages.GET("/meetings/:id/attendance.csv", h.exportAttendance)
	pages.GET("/meetings/:id/sessions.csv", h.exportSessions)
	pages.GET("/series/:number", h.showSeriesPage)
	pages.GET("/people/*key", h.showPersonPage)
	pages.GET("/settings", h.showSettingsPage)
	pages.POST("/settings", h.saveSettings)

	// Admin.
	admin := pages.Group("", h.adminOnly)
	admin.POST("/meetings/:id/refetch", h.refetchMeeting)
	admin.POST("/meetings/:id/delete", h.deleteMeeting)
	admin.GET("/admin/jobs", h.showJobsPage)
	admin.GET("/admin/users", h.showUsersPage)
	admin.POST("/admin/users", h.addUser)
	admin.POST("/admin/users/:id/delete", h.removeUser)

	return r
}

// recoverPanics answers a panic with a logged 500. http.ErrAbortHandler
// (exportFailed) is panicked on, so that net/http aborts the response.
func (h *Handlers) recoverPanics(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("panic", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", p)
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		}
	}()
	c.Next()
}

func (h *Handlers) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	h.log.LogAttrs(c.Request.Context(), slog.LevelDebug, "request",
		slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()), slog.Duration("duration", time.Since(start)))
}
