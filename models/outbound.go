package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Outbound webhooks (schema version 7): the endpoints an admin registers
// and the deliveries rollcall makes to them. The signing and the HTTP are
// the jobs package's (jobs/deliver.go); these are the records.

// Outbound event types.
const (
	EventAttendanceReady   = "meeting.attendance_ready"   // a meeting's participants were stored
	EventAttendanceUpdated = "meeting.attendance_updated" // stored again (a refetch) or re-read (identity links)
)

// Delivery states.
const (
	DeliveryPending   = "pending"   // queued, not attempted yet
	DeliveryRetrying  = "retrying"  // attempted, failed, another attempt is due
	DeliverySucceeded = "succeeded" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // gave up: 24 h passed, 410 Gone, or the endpoint is gone or disabled
)

// WebhookEndpoint is one receiver of rollcall's events.
type WebhookEndpoint struct {
	ID  uint64 `gorm:"primaryKey"`
	URL string `gorm:"not null"`
	// Secret is the Standard Webhooks signing secret, "whsec_" + base64
	// of the key. It is shown once, when the endpoint is made, and kept
	// because every delivery is signed with it.
	Secret  string `gorm:"not null"`
	Enabled bool   `gorm:"not null;default:true"`
	// DisabledReason says why rollcall disabled it (a 410 Gone), or "" when
	// an admin did.
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// WebhookDelivery is one event sent to one endpoint, with the outcome of
// its latest attempt.
type WebhookDelivery struct {
	ID         uint64 `gorm:"primaryKey"`
	EndpointID uint64 `gorm:"not null;index:idx_webhook_deliveries_endpoint,priority:1"`
	// MessageID is the webhook-id header: the same for every attempt, so a
	// receiver can drop duplicates.
	MessageID string `gorm:"size:64;not null"`
	EventType string `gorm:"size:64;not null"`
	MeetingID uint64 `gorm:"not null"`
	Payload   string `gorm:"not null"` // the exact body signed and sent
	State     string `gorm:"size:16;not null;default:pending"`
	Attempts  int    `gorm:"not null;default:0"`
	LastCode  int    `gorm:"not null;default:0"` // the receiver's status code; 0 when none came
	LastError string // why the latest attempt failed, clipped
	LastAt    *time.Time
	CreatedAt time.Time `gorm:"not null;index:idx_webhook_deliveries_endpoint,priority:2"`
}

// maxDeliveryError bounds LastError: a receiver's words end up there.
const maxDeliveryError = 300

// CreateWebhookEndpoint stores a new, enabled endpoint.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, url, secret string) (WebhookEndpoint, error) {
	ep := WebhookEndpoint{URL: cleanText(url), Secret: secret, Enabled: true}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&ep).Error }); err != nil {
		return WebhookEndpoint{}, fmt.Errorf("models: create webhook endpoint: %w", err)
	}
	return ep, nil
}

// WebhookEndpoints returns every endpoint, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context) ([]WebhookEndpoint, error) {
	var eps []WebhookEndpoint
	if err := s.db.WithContext(ctx).Order("id").Find(&eps).Error; err != nil {
		return nil, fmt.Errorf("models: webhook endpoints: %w", err)
	}
	return eps, nil
}

// WebhookEndpoint returns endpoint id, or ErrNotFound.
func (s *Store) WebhookEndpoint(ctx context.Context, id uint64) (WebhookEndpoint, error) {
	var ep WebhookEndpoint
	if err := s.db.WithContext(ctx).Take(&ep, id).Error; err != nil {
		return WebhookEndpoint{}, notFound(err, "webhook endpoint")
	}
	return ep, nil
}

// SetWebhookEndpointEnabled enables or disables endpoint id; reason is kept
// with a disabling (and cleared by an enabling). ErrNotFound when it is gone.
func (s *Store) SetWebhookEndpointEnabled(ctx context.Context, id uint64, enabled bool, reason string) error {
	if enabled {
		reason = ""
	}
	var n int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := db.Model(&WebhookEndpoint{}).Where("id = ?", id).
			Updates(map[string]any{"enabled": enabled, "disabled_reason": cleanText(reason), "updated_at": time.Now().UTC()})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("models: enable webhook endpoint: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("models: enable webhook endpoint: %w", ErrNotFound)
	}
	return nil
}

// DeleteWebhookEndpoint forgets endpoint id and its delivery log. Queued
// deliveries to it find it gone and stop.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, id uint64) error {
	return s.Tx(ctx, func(tx *Tx) error {
		db := tx.db
		if err := db.Where("endpoint_id = ?", id).Delete(&WebhookDelivery{}).Error; err != nil {
			return fmt.Errorf("models: delete webhook deliveries: %w", err)
		}
		res := db.Delete(&WebhookEndpoint{}, id)
		if res.Error != nil {
			return fmt.Errorf("models: delete webhook endpoint: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("models: delete webhook endpoint: %w", ErrNotFound)
		}
		return nil
	})
}

// CreateWebhookDeliveries stores one pending delivery of the event per
// enabled endpoint, in the transaction, and returns them (none when no
// endpoint is enabled). body gives the payload of each; messageID its
// webhook-id.
func (tx *Tx) CreateWebhookDeliveries(ctx context.Context, eventType string, meetingID uint64,
	body func(WebhookEndpoint) (payload, messageID string)) ([]WebhookDelivery, error) {
	var eps []WebhookEndpoint
	if err := tx.db.WithContext(ctx).Where("enabled = ?", true).Order("id").Find(&eps).Error; err != nil {
		return nil, fmt.Errorf("models: webhook endpoints: %w", err)
	}
	if len(eps) == 0 {
		return nil, nil
	}
	now := time.Now().UTC()
	ds := make([]WebhookDelivery, len(eps))
	for i, ep := range eps {
		payload, id := body(ep)
		ds[i] = WebhookDelivery{EndpointID: ep.ID, MessageID: id, EventType: eventType, MeetingID: meetingID,
			Payload: payload, State: DeliveryPending, CreatedAt: now}
	}
	if err := tx.db.WithContext(ctx).Create(&ds).Error; err != nil {
		return nil, fmt.Errorf("models: create webhook deliveries: %w", err)
	}
	return ds, nil
}

// WebhookDelivery returns delivery id, or ErrNotFound.
func (s *Store) WebhookDelivery(ctx context.Context, id uint64) (WebhookDelivery, error) {
	var d WebhookDelivery
	if err := s.db.WithContext(ctx).Take(&d, id).Error; err != nil {
		return WebhookDelivery{}, notFound(err, "webhook delivery")
	}
	return d, nil
}

// WebhookDeliveries returns endpoint id's latest limit deliveries, newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, endpointID uint64, limit int) ([]WebhookDelivery, error) {
	var ds []WebhookDelivery
	err := s.db.WithContext(ctx).Where("endpoint_id = ?", endpointID).
		Order("created_at DESC, id DESC").Limit(limit).Find(&ds).Error
	if err != nil {
		return nil, fmt.Errorf("models: webhook deliveries: %w", err)
	}
	return ds, nil
}

// DeliveryAttempt is the outcome of one attempt at a delivery.
type DeliveryAttempt struct {
	Attempt int       // 1 for the first
	State   string    // the delivery's state after it
	Code    int       // the receiver's status code, 0 when none came
	Error   string    // why it failed ("" when it did not)
	At      time.Time // when it was made
}

// RecordDeliveryAttempt stores the outcome of an attempt at delivery id.
func (s *Store) RecordDeliveryAttempt(ctx context.Context, id uint64, a DeliveryAttempt) error {
	msg := cleanText(a.Error)
	if len(msg) > maxDeliveryError {
		msg = cleanText(msg[:maxDeliveryError]) + "…"
	}
	at := a.At.UTC()
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&WebhookDelivery{}).Where("id = ?", id).Updates(map[string]any{
			"state": a.State, "attempts": a.Attempt, "last_code": a.Code, "last_error": msg, "last_at": at,
		}).Error
	})
	if err != nil {
		return fmt.Errorf("models: record webhook delivery attempt: %w", err)
	}
	return nil
}

// PurgeWebhookDeliveries deletes the deliveries made before before that
// are settled (succeeded or failed), and returns how many went.
func (s *Store) PurgeWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := db.Where("created_at < ? AND state IN ?", before.UTC(), []string{DeliverySucceeded, DeliveryFailed}).
			Delete(&WebhookDelivery{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("models: purge webhook deliveries: %w", err)
	}
	return n, nil
}

// RequeueDelivery marks delivery id pending again (an admin's redeliver) in
// the transaction, keeping its log of attempts.
func (tx *Tx) RequeueDelivery(ctx context.Context, id uint64) (WebhookDelivery, error) {
	d, err := tx.WebhookDelivery(ctx, id)
	if err != nil {
		return WebhookDelivery{}, err
	}
	if err := tx.db.WithContext(ctx).Model(&WebhookDelivery{}).Where("id = ?", id).
		Update("state", DeliveryPending).Error; err != nil {
		return WebhookDelivery{}, fmt.Errorf("models: requeue webhook delivery: %w", err)
	}
	d.State = DeliveryPending
	return d, nil
}
