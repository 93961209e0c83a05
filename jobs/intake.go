package jobs

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"rollcall/models"
	"rollcall/zoom"
)

// Intake is the outcome of accepting one verified webhook.
type Intake struct {
	// New is false for a redelivery of an event already stored.
	New bool
	// MeetingID is rollcall's id of the meeting instance, for meeting ends.
	MeetingID uint64
	// Queued reports whether this delivery queued a fetch.
	Queued bool
}

// Accept stores a verified webhook event and, for a meeting or webinar end,
// upserts the meeting instance and queues its fetch, all in one transaction:
// when Accept returns nil the event is durable and its fetch will run; when
// it returns an error nothing was stored and Zoom should redeliver.
// Redeliveries of one event store one row and queue one fetch.
func (q *Queue) Accept(ctx context.Context, ev zoom.Event) (Intake, error) {
	var out Intake
	err := q.store.Tx(ctx, func(tx *models.Tx) error {
		isNew, err := tx.RecordEvent(ctx, &models.WebhookEvent{
			DedupKey:    eventDedupKey(ev),
			Event:       ev.Name,
			MeetingUUID: ev.Object.UUID,
			EventTS:     ev.EventTS,
			Body:        string(ev.Raw),
		})
		if err != nil {
			return err
		}
		out.New = isNew
		if !ev.IsMeetingEnd() {
			return nil
		}
		if ev.Object.UUID == "" {
			return fmt.Errorf("jobs: %s without a meeting uuid", ev.Name)
		}
		m, err := tx.UpsertEndedMeeting(ctx, models.MeetingEnded{
			UUID:          ev.Object.UUID,
			MeetingNumber: int64(ev.Object.ID),
			Webinar:       ev.Name == zoom.EventWebinarEnded,
			Topic:         ev.Object.Topic,
			HostID:        ev.Object.HostID,
			Type:          ev.Object.Type,
			StartTime:     ev.Object.StartTime,
			EndTime:       ev.Object.EndTime,
			Timezone:      ev.Object.Timezone,
			AccountID:     ev.AccountID,
		})
		if err != nil {
			return err
		}
		out.MeetingID = m.ID
		// A redelivery of an end whose meeting is already fetched needs no
		// new fetch; anything else makes sure one is queued (the unique
		// job keeps that to one).
		if !isNew && m.FetchStatus == models.FetchFetched {
			return nil
		}
		out.Queued, err = q.EnqueueFetchTx(ctx, tx, m, q.cfg.FetchDelay)
		return err
	})
	if err != nil {
		return Intake{}, err
	}
	return out, nil
}

func eventDedupKey(ev zoom.Event) string {
	parts := []string{ev.Name, ev.Object.UUID, strconv.FormatInt(ev.EventTS, 10)}
	if p := ev.Object.Participant; p != nil {
		parts = append(parts, p.ParticipantUUID, p.UserID, p.RegistrantID,
			fmtTime(p.JoinTime), fmtTime(p.LeaveTime), fmtTime(p.DateTime))
	}
	return models.EventDedupKey(parts...)
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
