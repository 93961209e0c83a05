package models

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookDeliveriesLifecycle(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	on, err := s.CreateWebhookEndpoint(ctx, "https://a.example/hook", "whsec_c2VjcmV0")
	require.NoError(t, err)
	off, err := s.CreateWebhookEndpoint(ctx, "https://b.example/hook", "whsec_c2VjcmV0")
	require.NoError(t, err)
	require.NoError(t, s.SetWebhookEndpointEnabled(ctx, off.ID, false, "the receiver answered 410 Gone"))
	got, err := s.WebhookEndpoint(ctx, off.ID)
	require.NoError(t, err)
	assert.False(t, got.Enabled)
	assert.Equal(t, "the receiver answered 410 Gone", got.DisabledReason)
	assert.ErrorIs(t, s.SetWebhookEndpointEnabled(ctx, 999, true, ""), ErrNotFound)

	make3 := func() []WebhookDelivery {
		var ds []WebhookDelivery
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
			ds, err = tx.CreateWebhookDeliveries(ctx, EventAttendanceReady, 7, func(ep WebhookEndpoint) (string, string) {
				return `{"n":1}`, "msg_" + ep.URL
			})
			return err
		}))
		return ds
	}
	ds := make3()
	require.Len(t, ds, 1, "only the enabled endpoint")
	assert.Equal(t, on.ID, ds[0].EndpointID)
	assert.Equal(t, "msg_https://a.example/hook", ds[0].MessageID)

	long := strings.Repeat("é", 2000)
	require.NoError(t, s.RecordDeliveryAttempt(ctx, ds[0].ID, DeliveryAttempt{Attempt: 1, State: DeliverySucceeded,
		Code: 200, Error: long, At: time.Now()}))
	d, err := s.WebhookDelivery(ctx, ds[0].ID)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(d.LastError), maxDeliveryError+len("…"), "a receiver's words are clipped")
	assert.Greater(t, len(d.LastError), maxDeliveryError/2)
	assert.True(t, utf8.ValidString(d.LastError), "clipped on a rune boundary")

	// Settled deliveries older than the cut go; a pending one stays.
	pending := make3()[0]
	n, err := s.PurgeWebhookDeliveries(ctx, time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	_, err = s.WebhookDelivery(ctx, ds[0].ID)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.WebhookDelivery(ctx, pending.ID)
	assert.NoError(t, err)

	require.NoError(t, s.DeleteWebhookEndpoint(ctx, on.ID))
	_, err = s.WebhookDelivery(ctx, pending.ID)
	assert.ErrorIs(t, err, ErrNotFound, "the log goes with its endpoint")
	assert.ErrorIs(t, s.DeleteWebhookEndpoint(ctx, on.ID), ErrNotFound)
}
