package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"rollcall/zoom"
)

// MaxWebhookBody is the largest webhook body accepted (1 MiB).
const MaxWebhookBody = 1 << 20

// receiveZoomWebhook answers Zoom's webhooks (DESIGN.md §5): 413 over 1 MiB,
// 401 unless the signature and timestamp verify, 400 for a verified body that
// is not an event, the url_validation answer, and 200 once a verified event
// is stored — or 503 when it could not be stored, so that Zoom redelivers.
func (h *Handlers) receiveZoomWebhook(c *gin.Context) {
	if c.Request.ContentLength > MaxWebhookBody {
		h.fail(c, errStatus(http.StatusRequestEntityTooLarge, "body over 1 MiB", nil))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(c, errStatus(http.StatusRequestEntityTooLarge, "body over 1 MiB", nil))
			return
		}
		h.fail(c, errStatus(http.StatusBadRequest, "unreadable body", err))
		return
	}
	if err := zoom.VerifyWebhook(h.cfg.WebhookSecret, c.Request.Header, body, h.cfg.Now()); err != nil {
		h.fail(c, errStatus(http.StatusUnauthorized, "signature not verified", err))
		return
	}
	ev, err := zoom.ParseEvent(body)
	if err != nil {
		h.fail(c, errStatus(http.StatusBadRequest, "not a Zoom event", err))
		return
	}
	if ev.Name == zoom.EventURLValidation {
		if ev.PlainToken == "" {
			h.fail(c, errStatus(http.StatusBadRequest, "url_validation without plainToken", nil))
			return
		}
		c.JSON(http.StatusOK, zoom.AnswerURLValidation(h.cfg.WebhookSecret, ev.PlainToken))
		return
	}
	if ev.IsMeetingEnd() && ev.Object.UUID == "" {
		h.fail(c, errStatus(http.StatusBadRequest, ev.Name+" without payload.object.uuid", nil))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), h.cfg.WebhookTimeout)
	defer cancel()
	in, err := h.queue.Accept(ctx, ev)
	if err != nil {
		h.fail(c, errStatus(http.StatusServiceUnavailable, "event not stored, please redeliver", err))
		return
	}
	h.log.Info("webhook accepted", "event", ev.Name, "meeting_uuid", ev.Object.UUID,
		"new", in.New, "fetch_queued", in.Queued)
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
