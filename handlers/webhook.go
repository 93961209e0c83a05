package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"rollcall/jobs"
	"rollcall/zoom"
)

// MaxWebhookBody is the largest webhook body accepted (1 MiB).
const MaxWebhookBody = 1 << 20

// receiveZoomWebhook answers Zoom's webhooks (docs/ARCHITECTURE.md): 413 over 1 MiB,
// 401 unless the signature and timestamp verify, 400 for a verified body that
// is not an event, the url_validation answer, and 200 once a verified event
// is stored — or 503 when it could not be stored, so that Zoom redelivers.
func (h *Handlers) receiveZoomWebhook(c *gin.Context) (err error) {
	event, outcome := "", ""
	defer func() {
		if err != nil {
			status, _ := classify(err)
			outcome = strconv.Itoa(status)
		}
		h.metrics.webhooks.WithLabelValues(eventLabel(event), outcome).Inc()
	}()
	if c.Request.ContentLength > MaxWebhookBody {
		return errStatus(http.StatusRequestEntityTooLarge, "body over 1 MiB", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errStatus(http.StatusRequestEntityTooLarge, "body over 1 MiB", nil)
		}
		return errStatus(http.StatusBadRequest, "unreadable body", err)
	}
	if err := zoom.VerifyWebhook(h.cfg.WebhookSecret, c.Request.Header, body, h.cfg.Now()); err != nil {
		return errStatus(http.StatusUnauthorized, "signature not verified", err)
	}
	ev, err := zoom.ParseEvent(body)
	if err == nil && !utf8.Valid(body) {
		// JSON must be UTF-8 (RFC 8259 §8.1); PostgreSQL would refuse to store
		// it, and a 503 would make Zoom redeliver it for 85 minutes.
		err = errors.New("body is not UTF-8")
	}
	if err != nil {
		return errStatus(http.StatusBadRequest, "not a Zoom event", err)
	}
	event = ev.Name
	if ev.Name == zoom.EventURLValidation {
		if ev.PlainToken == "" {
			return errStatus(http.StatusBadRequest, "url_validation without plainToken", nil)
		}
		c.JSON(http.StatusOK, zoom.AnswerURLValidation(h.cfg.WebhookSecret, ev.PlainToken))
		return nil
	}
	if ev.IsMeetingEnd() && ev.Object.UUID == "" {
		return errStatus(http.StatusBadRequest, ev.Name+" without payload.object.uuid", nil)
	}
	in, err := h.accept(c.Request.Context(), ev)
	if err != nil {
		return errStatus(http.StatusServiceUnavailable, "event not stored, please redeliver", err)
	}
	h.log.Info("webhook accepted", "event", ev.Name, "meeting_uuid", ev.Object.UUID,
		"new", in.New, "fetch_queued", in.Queued)
	outcome = "stored"
	if !in.New {
		outcome = "duplicate"
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", webhookOK)
	return nil
}

// webhookOK is the body of a stored webhook's 200, written as is: it is
// the answer to most of rollcall's requests at the top of the hour.
var webhookOK = []byte(`{"status":"ok"}`)

// accept stores ev through the queue, waiting at most WebhookTimeout: Zoom
// counts an answer slower than 3 s as failed. A store still waiting for the
// database then goes on without the request (see jobs.Queue.AcceptWithin):
// if it commits after the 503, the redelivery Zoom sends is recognised as a
// duplicate, so nothing is stored twice and nothing answered 200 is lost.
func (h *Handlers) accept(ctx context.Context, ev zoom.Event) (jobs.Intake, error) {
	return h.queue.AcceptWithin(context.WithoutCancel(ctx), ev, h.cfg.WebhookTimeout)
}

// eventLabel bounds an event name for the webhooks metric: only Zoom can
// sign an event, but a label is forever, so anything not shaped like one
// of Zoom's names ("meeting.participant_joined") counts as "other", and a
// request refused before its event was read as "unknown".
func eventLabel(name string) string {
	if name == "" {
		return "unknown"
	}
	if len(name) > 64 {
		return "other"
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && r != '.' && r != '_' {
			return "other"
		}
	}
	return name
}
