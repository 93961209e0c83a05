package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// WebhookEvent is a verified webhook as Zoom delivered it. DedupKey makes a
// redelivery of the same event (Zoom retries, overlapping subscriptions) one
// row. Rows are unique by (EventTS, DedupKey): the key's hash covers
// event_ts, so that is the same rule as a unique key, and the index keeps
// the events of one moment together instead of scattered by the hash.
type WebhookEvent struct {
	ID          uint64    `gorm:"primaryKey"`
	DedupKey    string    `gorm:"not null;uniqueIndex:idx_webhook_events_ts_key,priority:2"`
	Event       string    `gorm:"not null"`
	MeetingUUID string    `gorm:"index"`
	EventTS     int64     `gorm:"not null;uniqueIndex:idx_webhook_events_ts_key,priority:1"` // milliseconds, as Zoom sent it
	ReceivedAt  time.Time `gorm:"not null"`
	Deliveries  int       `gorm:"not null;default:1"`
	Body        string    `gorm:"not null"` // the raw, verified body
}

// EventDedupKey derives a WebhookEvent's DedupKey from the parts that stay the
// same on every redelivery of one event: the event name, the
// meeting UUID, event_ts and, for participant events, who and when.
func EventDedupKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return hex.EncodeToString(h[:])
}

// RecordEvent stores e unless an event with the same DedupKey is stored
// already, in which case it counts the redelivery. It reports whether e is
// new.
func (s *Store) RecordEvent(ctx context.Context, e *WebhookEvent) (isNew bool, err error) {
	err = s.Tx(ctx, func(tx *Tx) error {
		news, err := tx.RecordEvents(ctx, []*WebhookEvent{e})
		if err == nil {
			isNew = news[0]
		}
		return err
	})
	return isNew, err
}

// eventInsert stores webhook events; a redelivery inserts nothing and the
// (event_ts, dedup_key) of the rows inserted come back.
var eventInsert = rowInsert{
	table:  "webhook_events",
	cols:   []string{"dedup_key", "event", "meeting_uuid", "event_ts", "received_at", "deliveries", "body"},
	suffix: "ON CONFLICT (event_ts, dedup_key) DO NOTHING RETURNING event_ts, dedup_key",
}

// RecordEvents stores the events evs in one statement, as RecordEvent
// does each: an event whose DedupKey is stored already (or comes earlier
// in evs) counts as a redelivery. isNew[i] reports whether evs[i] is the
// delivery that stored its event. The job queue's intake calls it for a
// whole batch of deliveries inside its transaction.
func (s *Tx) RecordEvents(ctx context.Context, evs []*WebhookEvent) (isNew []bool, err error) {
	if len(evs) == 0 {
		return nil, nil
	}
	now := time.Now().UTC()
	type eventKey struct {
		ts  int64
		key string
	}
	first := map[eventKey]int{} // event -> index of its first delivery in evs
	copies := map[eventKey]int{}
	distinct := make([]*WebhookEvent, 0, len(evs))
	for i, e := range evs {
		if e.ReceivedAt.IsZero() {
			e.ReceivedAt = now
		}
		e.DedupKey, e.Event, e.MeetingUUID, e.Body = cleanText(e.DedupKey), cleanText(e.Event), cleanText(e.MeetingUUID), cleanText(e.Body)
		k := eventKey{e.EventTS, e.DedupKey}
		copies[k]++
		if _, seen := first[k]; seen {
			continue
		}
		first[k] = i
		distinct = append(distinct, e)
	}
	var inserted []eventKey
	err = s.insertRows(ctx, &eventInsert, len(distinct), func(i int, args []any) []any {
		e := distinct[i]
		return append(args, e.DedupKey, e.Event, e.MeetingUUID, e.EventTS, e.ReceivedAt, 1, e.Body)
	}, func(rows *sql.Rows) error {
		var k eventKey
		err := rows.Scan(&k.ts, &k.key)
		inserted = append(inserted, k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("models: record %d events: %w", len(evs), err)
	}
	isNew = make([]bool, len(evs))
	for _, k := range inserted {
		isNew[first[k]] = true
		copies[k]-- // the copy that was stored
	}
	// Redeliveries are rare: one indexed update each (SQLite would scan
	// the table for a row-value IN list), its SQL made only when needed.
	for k, n := range copies {
		if n == 0 {
			continue
		}
		count := s.rebind("UPDATE webhook_events SET deliveries = deliveries + ? WHERE event_ts = ? AND dedup_key = ?")
		if _, err := s.sqlTx.ExecContext(ctx, count, n, k.ts, k.key); err != nil {
			return nil, fmt.Errorf("models: count redeliveries: %w", err)
		}
	}
	return isNew, nil
}
