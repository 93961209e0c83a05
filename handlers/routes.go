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
	r.Use(h.recoverPanics, h.logRequests)

	// Zoom: verified by signature alone.
	r.POST("/webhooks/zoom", h.receiveZoomWebhook)

	// Operators.
	r.GET("/healthz", h.showHealth)
	r.GET("/readyz", h.showReadiness)

	// Pages (issue 4). Lead: move these into the signed-in `pages` and
	// `admin` groups, and wire securityHeaders for every route.
	uiPages := r.Group("", h.securityHeaders)
	uiPages.GET("/static/*filepath", h.serveStatic)
	uiPages.GET("/meetings", h.listMeetings)
	uiPages.GET("/meetings/:id", h.showMeetingPage)
	uiPages.POST("/meetings/:id/refetch", h.refetchMeeting) // admin
	uiPages.GET("/series/:number", h.showSeriesPage)
	uiPages.GET("/people/*key", h.showPersonPage)
	uiPages.GET("/admin/jobs", h.showJobsPage) // admin

	return r
}

func (h *Handlers) recoverPanics(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
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
