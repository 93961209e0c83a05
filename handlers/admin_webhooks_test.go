package handlers

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// TestAdminWebhooksFlow adds an endpoint (its secret shown once), refuses a
// URL that is not http(s), disables and enables it, shows its delivery log
// and queues a redelivery.
func TestAdminWebhooksFlow(t *testing.T) {
	e := newPagesEnv(t)
	ctx := context.Background()

	for _, bad := range []string{"file:///etc/passwd", "gopher://x.example/", "https://u:p@x.example/", "not a url"} {
		res := e.post(t, models.RoleAdmin, "/admin/webhooks", url.Values{"url": {bad}})
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, bad)
	}
	eps, err := e.store.WebhookEndpoints(ctx)
	require.NoError(t, err)
	assert.Empty(t, eps, "a refused URL stores nothing")

	res, err := e.client(t, models.RoleAdmin).PostForm(e.srv.URL+"/admin/webhooks", url.Values{"url": {"https://hooks.example.com/rollcall"}})
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	require.NoError(t, err)
	secret := doc.Find(`[data-testid="webhook-secret"]`).Text()
	assert.True(t, strings.HasPrefix(secret, "whsec_"), secret)
	eps, err = e.store.WebhookEndpoints(ctx)
	require.NoError(t, err)
	require.Len(t, eps, 1)
	assert.Equal(t, secret, eps[0].Secret)
	ep := eps[0]

	// Shown once: the list never shows it again.
	_, page, doc := e.get(t, models.RoleAdmin, "/admin/webhooks")
	assert.NotContains(t, page, secret)
	assert.Equal(t, 1, doc.Find(`[data-testid="webhook"]`).Length())
	assert.Equal(t, "enabled", text(doc.Find(`[data-testid="webhook-state"]`)))

	base := "/admin/webhooks/" + u64s(ep.ID)
	res = e.post(t, models.RoleAdmin, base+"/disable", nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, _, doc = e.get(t, models.RoleAdmin, "/admin/webhooks")
	assert.Equal(t, "disabled", text(doc.Find(`[data-testid="webhook-state"]`)))
	res = e.post(t, models.RoleAdmin, base+"/enable", nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	got, err := e.store.WebhookEndpoint(ctx, ep.ID)
	require.NoError(t, err)
	assert.True(t, got.Enabled)

	// The log: one delivery with its latest attempt, and a redeliver button.
	var ds []models.WebhookDelivery
	require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error {
		ds, err = tx.CreateWebhookDeliveries(ctx, models.EventAttendanceReady, 42,
			func(models.WebhookEndpoint) (string, string) { return `{}`, "msg_x" })
		return err
	}))
	require.Len(t, ds, 1)
	require.NoError(t, e.store.RecordDeliveryAttempt(ctx, ds[0].ID, models.DeliveryAttempt{
		Attempt: 3, State: models.DeliveryRetrying, Code: 503, Error: "receiver answered 503", At: e.now}))
	res, _, doc = e.get(t, models.RoleAdmin, base)
	require.Equal(t, http.StatusOK, res.StatusCode)
	row := doc.Find(`[data-testid="delivery"]`)
	require.Equal(t, 1, row.Length())
	assert.Equal(t, "retrying", text(row.Find(`[data-testid="delivery-state"]`)))
	assert.Equal(t, "3", text(row.Find(`[data-testid="delivery-attempts"]`)))
	assert.Equal(t, "503", text(row.Find(`[data-testid="delivery-code"]`)))

	redeliver := base + "/deliveries/" + u64s(ds[0].ID) + "/redeliver"
	res = e.post(t, models.RoleAdmin, redeliver, nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	d, err := e.store.WebhookDelivery(ctx, ds[0].ID)
	require.NoError(t, err)
	assert.Equal(t, models.DeliveryPending, d.State)
	assert.Equal(t, int64(1), e.db.Count(t, "SELECT COUNT(*) FROM river_job WHERE kind = 'deliver_webhook'"))

	// A delivery of another endpoint is not this one's to redeliver.
	other, err := e.store.CreateWebhookEndpoint(ctx, "https://other.example/", "whsec_c2VjcmV0")
	require.NoError(t, err)
	res = e.post(t, models.RoleAdmin, "/admin/webhooks/"+u64s(other.ID)+"/deliveries/"+u64s(ds[0].ID)+"/redeliver", nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	res = e.post(t, models.RoleAdmin, base+"/delete", nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, err = e.store.WebhookDelivery(ctx, ds[0].ID)
	assert.ErrorIs(t, err, models.ErrNotFound, "the log goes with the endpoint")
	res = e.post(t, models.RoleAdmin, base+"/delete", nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _, _ = e.get(t, models.RoleAdmin, base)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}
