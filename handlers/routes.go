package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// Router returns rollcall's HTTP handler with every route. Gin's mode is
// global state: the program sets it once (main), tests in their TestMain.
func (h *Handlers) Router() http.Handler {
	r := gin.New()
	// The client address (login throttling, logs) is the peer, or, from a
	// trusted proxy, the right-most address it did not add itself.
	if err := r.SetTrustedProxies(h.cfg.TrustedProxies); err != nil {
		h.log.Error("bad trusted proxies; trusting none", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(h.recoverPanics, h.logRequests, h.observe, h.writeDeadline)

	// Zoom: verified by signature alone.
	r.POST("/webhooks/zoom", h.route(h.receiveZoomWebhook))

	// Operators.
	r.GET("/healthz", h.route(h.showHealth))
	r.GET("/readyz", h.route(h.showReadiness))
	r.GET("/metrics", h.route(h.showMetrics))

	// Everything a browser uses: security headers, the signed-in user,
	// and no cross-origin form posts (CSRF).
	ui := r.Group("", h.securityHeaders, h.sameOrigin, h.limitForms, h.loadUser)
	ui.GET("/static/*filepath", h.serveStatic)
	ui.GET("/login", h.route(h.showLoginPage))
	ui.POST("/login", h.route(h.login))
	ui.POST("/logout", h.route(h.logout))

	// Pages (signed in).
	pages := ui.Group("", h.signedIn)
	pages.GET("/", h.route(h.showHomePage))
	pages.GET("/meetings", h.route(h.listMeetings))
	pages.GET("/meetings/:id", h.route(h.showMeetingPage))
	// CSV downloads (export_*.go); /series/:number.csv is served by
	// showSeriesPage, which hands it to exportSeries.
	pages.GET("/meetings.csv", h.limitBulk, h.route(h.exportMeetings))
	pages.GET("/meetings/:id/attendance.csv", h.route(h.exportAttendance))
	pages.GET("/meetings/:id/sessions.csv", h.route(h.exportSessions))
	pages.GET("/series/:number", h.route(h.showSeriesPage))
	pages.GET("/people/*key", h.route(h.showPersonPage))
	pages.GET("/settings", h.route(h.showSettingsPage))
	pages.POST("/settings", h.route(h.saveSettings))
	pages.POST("/settings/password", h.route(h.changePassword))

	// Admin.
	admin := pages.Group("", h.adminOnly)
	admin.POST("/meetings/:id/refetch", h.route(h.refetchMeeting))
	admin.POST("/meetings/:id/delete", h.route(h.deleteMeeting))
	admin.GET("/admin/jobs", h.route(h.showJobsPage))
	admin.GET("/admin/coverage", h.route(h.showCoveragePage))
	admin.GET("/admin/users", h.route(h.showUsersPage))
	admin.POST("/admin/users", h.route(h.addUser))
	admin.POST("/admin/users/:id/delete", h.route(h.removeUser))

	return Router{r}
}

// recoverPanics turns a panic into a 500 with a logged reference (an HTML
// page on browser routes, JSON elsewhere), except http.ErrAbortHandler,
// which is passed on so that net/http cuts the connection: an answer that
// broke half-way must not look complete.
func (h *Handlers) recoverPanics(c *gin.Context) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		h.log.Error("panic", "method", clip(c.Request.Method), "path", clip(c.Request.URL.Path), "panic", p,
			"stack", string(debug.Stack()))
		h.fail(c, fmt.Errorf("panic: %v", p))
	}()
	c.Next()
}

func (h *Handlers) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	h.log.LogAttrs(c.Request.Context(), slog.LevelDebug, "request",
		slog.String("method", clip(c.Request.Method)), slog.String("path", clip(c.Request.URL.Path)),
		slog.Int("status", c.Writer.Status()), slog.Duration("duration", time.Since(start)))
}
