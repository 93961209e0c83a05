package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// showHealth answers liveness: the process serves HTTP.
func (h *Handlers) showHealth(c *gin.Context) error {
	c.String(http.StatusOK, "ok\n")
	return nil
}

// showReadiness answers readiness: the database answers within a second.
func (h *Handlers) showReadiness(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		return errStatus(http.StatusServiceUnavailable, "database unavailable", err)
	}
	c.String(http.StatusOK, "ready\n")
	return nil
}
