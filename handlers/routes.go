package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
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

	// The JSON API (api.go): a bearer token or a session; read-only.
	api := r.Group("/api/v1", h.apiHeaders)
	api.GET("/openapi.json", h.route(h.serveOpenAPI))
	data := api.Group("", h.apiAuth)
	data.GET("/meetings", h.route(h.apiListMeetings))
	data.GET("/meetings/:id", h.route(h.apiShowMeeting))
	data.GET("/meetings/:id/attendance", h.route(h.apiMeetingAttendance))
	data.GET("/meetings/:id/segments", h.route(h.apiMeetingSegments))
	data.GET("/series/:number", h.route(h.apiShowSeries))
	data.GET("/people/*key", h.route(h.apiShowPerson))
	r.NoRoute(h.apiNotFound)

	// Everything a browser uses: security headers, the signed-in user,
	// and no cross-origin form posts (CSRF).
	ui := r.Group("", h.securityHeaders, h.sameOrigin, h.limitForms, h.loadUser)
	ui.GET("/static/*filepath", h.serveStatic)
	ui.GET("/login", h.route(h.showLoginPage))
	ui.POST("/login", h.route(h.login))
	ui.POST("/logout", h.route(h.logout))
	// Single sign-on (sso*.go): 404 when not set up.
	ui.GET("/login/oidc", h.ssoRoute(models.ProviderOIDC, h.startOIDC))
	ui.GET("/login/oidc/callback", h.ssoRoute(models.ProviderOIDC, h.oidcCallback))
	ui.GET("/login/zoom", h.ssoRoute(models.ProviderZoom, h.startZoom))
	ui.GET("/login/zoom/callback", h.ssoRoute(models.ProviderZoom, h.zoomCallback))

	// Pages (signed in).
	pages := ui.Group("", h.signedIn)
	pages.GET("/", h.route(h.showHomePage))
	pages.GET("/meetings", h.route(h.listMeetings))
	pages.GET("/meetings/:id", h.route(h.showMeetingPage))
	pages.GET("/meetings/:id/people/*key", h.route(h.showMeetingPerson))
	// CSV downloads (export_*.go); /series/:number.csv is served by
	// showSeriesPage, which hands it to exportSeries.
	pages.GET("/meetings.csv", h.limitBulk, h.route(h.exportMeetings))
	pages.GET("/meetings/:id/attendance.csv", h.route(h.exportAttendance))
	pages.GET("/meetings/:id/sessions.csv", h.route(h.exportSessions))
	// Spreadsheets (export_xlsx.go); /series/:number.xlsx as the CSV.
	pages.GET("/meetings/:id/attendance.xlsx", h.route(h.exportAttendanceXLSX))
	pages.GET("/meetings/:id/sessions.xlsx", h.route(h.exportSessionsXLSX))
	pages.GET("/series/:number", h.route(h.showSeriesPage))
	pages.GET(rosterPath, h.route(h.showRosterPage))
	pages.GET("/series/:number/roster.csv", h.route(h.exportRoster))
	pages.GET("/people/*key", h.route(h.showPersonPage))
	pages.GET("/settings", h.route(h.showSettingsPage))
	pages.POST("/settings", h.route(h.saveSettings))
	pages.POST("/settings/password", h.route(h.changePassword))
	pages.POST("/settings/tokens", h.route(h.createToken))
	pages.POST("/settings/tokens/:id/delete", h.route(h.revokeToken))

	// Admin.
	admin := pages.Group("", h.adminOnly)
	admin.POST("/meetings/:id/refetch", h.route(h.refetchMeeting))
	admin.POST("/meetings/:id/delete", h.route(h.deleteMeeting))
	admin.GET("/admin/jobs", h.route(h.showJobsPage))
	admin.GET("/admin/coverage", h.route(h.showCoveragePage))
	admin.GET("/admin/users", h.route(h.showUsersPage))
	admin.POST("/admin/users", h.route(h.addUser))
	admin.POST("/admin/users/:id/delete", h.route(h.removeUser))
	// Outbound webhooks (admin_webhooks.go).
	admin.GET("/admin/webhooks", h.route(h.showWebhooksPage))
	admin.POST("/admin/webhooks", h.route(h.addWebhook))
	admin.GET("/admin/webhooks/:id", h.route(h.showWebhookLog))
	admin.POST("/admin/webhooks/:id/enable", h.route(h.enableWebhook))
	admin.POST("/admin/webhooks/:id/disable", h.route(h.disableWebhook))
	admin.POST("/admin/webhooks/:id/delete", h.route(h.deleteWebhook))
	admin.POST("/admin/webhooks/:id/deliveries/:delivery/redeliver", h.route(h.redeliverWebhook))
	// Rosters and identity links (roster.go, identity.go). The upload has
	// its own body limit (maxRosterBytes), applied after adminOnly.
	admin.POST(rosterPath, h.route(h.uploadRoster))
	admin.POST("/people/*key", h.route(h.changePerson)) // {key}/merge, {key}/unmerge
	admin.GET("/admin/review", h.route(h.showReviewPage))
	admin.POST("/admin/review/confirm", h.route(h.confirmSuggestion))
	admin.POST("/admin/review/dismiss", h.route(h.dismissSuggestion))

	compress, err := newCompressor()
	if err != nil { // the options are constants: a programming error
		panic("handlers: compression: " + err.Error())
	}
	return Router{Engine: r, serve: compress(r)}
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
