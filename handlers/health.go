package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// showHealth answers liveness: the process serves HTTP.
func (h *Handlers) showHealth(c *gin.Context) {
	c.String(http.StatusOK, "ok\n")
}

// showReadiness answers readiness: the database answers within a second.
func (h *Handlers) showReadiness(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		h.fail(c, errStatus(http.StatusServiceUnavailable, "database unavailable", err))
		return
	}
	c.String(http.StatusOK, "ready\n")
}
