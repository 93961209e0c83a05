package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"rollcall/jobs"
	"rollcall/models"
	"rollcall/views"
)

// Outbound webhooks, for admins (jobs/deliver.go sends them):
//
//	GET  /admin/webhooks                 the endpoints, the add form
//	POST /admin/webhooks                 add one; the page shows its secret once
//	GET  /admin/webhooks/:id             its delivery log
//	POST /admin/webhooks/:id/enable      (and /disable, /delete)
//	POST /admin/webhooks/:id/deliveries/:delivery/redeliver

// deliveryLogLimit is how many deliveries an endpoint's log shows.
const deliveryLogLimit = 100

// showWebhooksPage lists the endpoints.
func (h *Handlers) showWebhooksPage(c *gin.Context) error {
	notice, errMsg := h.takeFlash(c)
	return h.renderWebhooks(c, http.StatusOK, views.WebhooksPage{Notice: notice, Error: errMsg})
}

func (h *Handlers) renderWebhooks(c *gin.Context, status int, p views.WebhooksPage) error {
	u := currentUser(c)
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	eps, err := h.store.WebhookEndpoints(c.Request.Context())
	if err != nil {
		return err
	}
	p.Page = h.frame(c, u, "Webhooks", "webhooks", loc.String())
	k := clock{loc: loc}
	for _, ep := range eps {
		p.Endpoints = append(p.Endpoints, endpointRow(ep, k))
	}
	render(c, status, views.Webhooks(p))
	return nil
}

func endpointRow(ep models.WebhookEndpoint, k clock) views.WebhookEndpointRow {
	base := webhookURL(ep.ID)
	toggle := base + "/disable"
	if !ep.Enabled {
		toggle = base + "/enable"
	}
	return views.WebhookEndpointRow{ID: ep.ID, URL: ep.URL, Enabled: ep.Enabled, DisabledReason: ep.DisabledReason,
		Created: k.full(ep.CreatedAt), LogURL: base, ToggleURL: toggle, DeleteURL: base + "/delete"}
}

func webhookURL(id uint64) string { return "/admin/webhooks/" + strconv.FormatUint(id, 10) }

// addWebhook registers the form's URL with a fresh secret. The answer is
// the page itself (200, not the usual 303): the secret is shown this once
// and must not travel in a redirect's URL or a cookie.
func (h *Handlers) addWebhook(c *gin.Context) error {
	raw := c.PostForm("url")
	u, err := jobs.ValidateWebhookURL(raw)
	if err != nil {
		if len(raw) > 2000 {
			raw = ""
		}
		return h.renderWebhooks(c, http.StatusBadRequest, views.WebhooksPage{Error: err.Error(), URL: raw})
	}
	ep, err := h.store.CreateWebhookEndpoint(c.Request.Context(), u.String(), jobs.NewWebhookSecret())
	if err != nil {
		return err
	}
	h.log.Info("webhook endpoint added", "endpoint_id", ep.ID, "by", currentUser(c).Email)
	return h.renderWebhooks(c, http.StatusOK, views.WebhooksPage{NewSecret: ep.Secret, NewURL: ep.URL})
}

// enableWebhook and disableWebhook turn an endpoint on or off.
func (h *Handlers) enableWebhook(c *gin.Context) error  { return h.setWebhookEnabled(c, true) }
func (h *Handlers) disableWebhook(c *gin.Context) error { return h.setWebhookEnabled(c, false) }

func (h *Handlers) setWebhookEnabled(c *gin.Context, enabled bool) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.SetWebhookEndpointEnabled(c.Request.Context(), id, enabled, ""); err != nil {
		return err
	}
	word := "disabled"
	if enabled {
		word = "enabled"
	}
	h.log.Info("webhook endpoint "+word, "endpoint_id", id, "by", currentUser(c).Email)
	h.setFlash(c, flashNotice, "Endpoint "+word+".")
	c.Redirect(http.StatusSeeOther, "/admin/webhooks")
	return nil
}

// deleteWebhook forgets an endpoint and its log.
func (h *Handlers) deleteWebhook(c *gin.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.DeleteWebhookEndpoint(c.Request.Context(), id); err != nil {
		return err
	}
	h.log.Info("webhook endpoint deleted", "endpoint_id", id, "by", currentUser(c).Email)
	h.setFlash(c, flashNotice, "Endpoint deleted.")
	c.Redirect(http.StatusSeeOther, "/admin/webhooks")
	return nil
}

// showWebhookLog shows an endpoint's latest deliveries.
func (h *Handlers) showWebhookLog(c *gin.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	ep, err := h.store.WebhookEndpoint(ctx, id)
	if err != nil {
		return err
	}
	ds, err := h.store.WebhookDeliveries(ctx, id, deliveryLogLimit)
	if err != nil {
		return err
	}
	notice, _ := h.takeFlash(c)
	k := clock{loc: loc}
	p := views.WebhookLogPage{Page: h.frame(c, u, "Webhook deliveries", "webhooks", loc.String()),
		Notice: notice, Endpoint: endpointRow(ep, k), Limit: deliveryLogLimit}
	for _, d := range ds {
		row := views.WebhookDeliveryRow{ID: d.ID, Event: d.EventType, MeetingURL: meetingURL(d.MeetingID),
			Queued: k.full(d.CreatedAt), State: d.State, Attempts: d.Attempts, Code: "—", Error: d.LastError,
			LastAt:       views.Time{Text: "—"},
			RedeliverURL: fmt.Sprintf("%s/deliveries/%d/redeliver", webhookURL(ep.ID), d.ID)}
		if d.LastCode != 0 {
			row.Code = strconv.Itoa(d.LastCode)
		}
		if d.LastAt != nil {
			row.LastAt = k.full(*d.LastAt)
		}
		p.Deliveries = append(p.Deliveries, row)
	}
	render(c, http.StatusOK, views.WebhookLog(p))
	return nil
}

// redeliverWebhook queues a delivery of this endpoint again.
func (h *Handlers) redeliverWebhook(c *gin.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	did, err := parseID(c, "delivery")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	d, err := h.store.WebhookDelivery(ctx, did)
	if err != nil {
		return err
	}
	if d.EndpointID != id {
		return errStatus(http.StatusNotFound, "not found", nil)
	}
	if err := h.queue.Redeliver(ctx, did); err != nil {
		return err
	}
	h.log.Info("webhook redelivery queued", "endpoint_id", id, "delivery_id", did, "by", currentUser(c).Email)
	h.setFlash(c, flashNotice, "Redelivery queued.")
	c.Redirect(http.StatusSeeOther, webhookURL(id))
	return nil
}
