package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// WebhookEvent is a verified webhook as Zoom delivered it. DedupKey makes a
// redelivery of the same event (Zoom retries, overlapping subscriptions) one
// row.
type WebhookEvent struct {
	ID          uint64    `gorm:"primaryKey"`
	DedupKey    string    `gorm:"not null;uniqueIndex"`
	Event       string    `gorm:"not null"`
	MeetingUUID string    `gorm:"index"`
	EventTS     int64     `gorm:"not null"` // milliseconds, as Zoom sent it
	ReceivedAt  time.Time `gorm:"not null;index"`
	Deliveries  int       `gorm:"not null;default:1"`
	Body        string    `gorm:"not null"` // the raw, verified body
}

// EventDedupKey derives a WebhookEvent's DedupKey from the parts that stay the
// same on every redelivery of one event (ZOOM.md §3.3): the event name, the
// meeting UUID, event_ts and, for participant events, who and when.
func EventDedupKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return hex.EncodeToString(h[:])
}

// RecordEvent stores e unless an event with the same DedupKey is stored
// already, in which case it counts the redelivery. It reports whether e is
// new.
func (s *Store) RecordEvent(ctx context.Context, e *WebhookEvent) (isNew bool, err error) {
	if e.ReceivedAt.IsZero() {
		e.ReceivedAt = time.Now().UTC()
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "dedup_key"}},
		DoNothing: true,
	}).Create(e)
	if res.Error != nil {
		return false, notFound(res.Error, "record event")
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	err = s.db.WithContext(ctx).Model(&WebhookEvent{}).Where("dedup_key = ?", e.DedupKey).
		UpdateColumn("deliveries", gormExpr("deliveries + 1")).Error
	if err != nil {
		return false, notFound(err, "record event")
	}
	return false, nil
}

// CountEvents returns how many distinct webhook events are stored.
func (s *Store) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&WebhookEvent{}).Count(&n).Error
	return n, err
}
