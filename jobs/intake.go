package jobs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
//
// Deliveries that arrive together are committed together (group commit):
// the top of the hour brings thousands of participant events at once, and
// one commit for many of them costs about what one commit for one does.
// Each caller still returns only after the commit that holds its event.
func (q *Queue) Accept(ctx context.Context, ev zoom.Event) (Intake, error) {
	return q.intake.submit(ctx, ev)
}

// acceptTx stores evs inside tx, the events in one statement; see Accept.
func (q *Queue) acceptTx(ctx context.Context, tx *models.Tx, evs []zoom.Event) ([]Intake, error) {
	rows := make([]*models.WebhookEvent, len(evs))
	for i, ev := range evs {
		rows[i] = &models.WebhookEvent{
			DedupKey:    eventDedupKey(ev),
			Event:       ev.Name,
			MeetingUUID: ev.Object.UUID,
			EventTS:     ev.EventTS,
			Body:        string(ev.Raw),
		}
	}
	isNew, err := tx.RecordEvents(ctx, rows)
	if err != nil {
		return nil, err
	}
	if err := q.liveTx(ctx, tx, evs, isNew); err != nil {
		return nil, err
	}
	outs := make([]Intake, len(evs))
	for i, ev := range evs {
		outs[i].New = isNew[i]
		if ev.IsMeetingEnd() {
			if err := q.meetingEndedTx(ctx, tx, ev, &outs[i]); err != nil {
				return nil, err
			}
		}
	}
	return outs, nil
}

// liveTx stores what live attendance needs of the new events among evs,
// inside tx, in two statements: the meeting instance of every
// meeting.started and participant event not stored yet (live until its
// meeting.ended), and one participant event row per participant event.
func (q *Queue) liveTx(ctx context.Context, tx *models.Tx, evs []zoom.Event, isNew []bool) error {
	var meetings []models.LiveMeeting
	var parts []models.ParticipantEvent
	for i, ev := range evs {
		started := ev.Name == zoom.EventMeetingStarted || ev.Name == zoom.EventWebinarStarted
		participant := models.IsParticipantEvent(ev.Name) && ev.Object.Participant != nil
		if !isNew[i] || ev.Object.UUID == "" || (!started && !participant) {
			continue
		}
		at := ev.Time()
		if p := ev.Object.Participant; participant {
			for _, t := range []*time.Time{p.JoinTime, p.LeaveTime, p.DateTime} {
				if t != nil {
					at = t.UTC()
					break
				}
			}
			parts = append(parts, models.ParticipantEvent{
				MeetingUUID: ev.Object.UUID,
				ParticipantKey: models.EventParticipantKey(p.ParticipantUUID, p.RegistrantID, p.ParticipantUserID,
					p.ID, p.Email, p.UserName, p.UserID),
				Event: ev.Name, EventTime: at,
				ParticipantUUID: p.ParticipantUUID, UserID: p.UserID, ParticipantID: p.ID,
				ParticipantUserID: p.ParticipantUserID, RegistrantID: p.RegistrantID, CustomerKey: p.CustomerKey,
				Name: p.UserName, Email: p.Email, LeaveReason: p.LeaveReason,
			})
		}
		start := ev.Object.StartTime
		if start.IsZero() {
			start = at
		}
		if start.IsZero() {
			start = q.cfg.Now().UTC()
		}
		meetings = append(meetings, models.LiveMeeting{
			UUID: ev.Object.UUID, MeetingNumber: int64(ev.Object.ID),
			Webinar: strings.HasPrefix(ev.Name, "webinar."), Topic: ev.Object.Topic, HostID: ev.Object.HostID,
			Type: ev.Object.Type, StartTime: start, Timezone: ev.Object.Timezone, AccountID: ev.AccountID,
		})
	}
	if err := tx.EnsureLiveMeetings(ctx, meetings); err != nil {
		return err
	}
	return tx.RecordParticipantEvents(ctx, parts)
}

// meetingEndedTx upserts the instance of a meeting or webinar end and
// queues its fetch, inside tx.
func (q *Queue) meetingEndedTx(ctx context.Context, tx *models.Tx, ev zoom.Event, out *Intake) error {
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

		PracticeSession: ev.Object.PracticeSession,
	})
	if err != nil {
		return err
	}
	out.MeetingID = m.ID
	// A redelivery of an end whose meeting is already fetched needs no
	// new fetch; anything else makes sure one is queued (the unique job
	// keeps that to one).
	if !out.New && m.FetchStatus == models.FetchFetched {
		return nil
	}
	out.Queued, err = q.EnqueueFetchTx(ctx, tx, m, q.cfg.FetchDelay)
	return err
}

// maxIntakeBatch bounds the events committed in one transaction.
const maxIntakeBatch = 256

// groupCommit batches concurrent Accept calls into shared transactions
// without a goroutine of its own: the first caller to find no batch under
// way leads one, taking every delivery waiting at that moment; when it is
// done it hands the lead to the oldest delivery still waiting, if any.
type groupCommit struct {
	q       *Queue
	mu      sync.Mutex
	waiting []*intakeReq
	leading bool
	batches atomic.Int64 // transactions begun, for tests and curiosity
}

type intakeReq struct {
	ctx  context.Context
	ev   zoom.Event
	out  Intake
	err  error
	done chan struct{} // closed when out and err are set
	lead chan struct{} // closed when this caller is to lead the next batch
}

func (g *groupCommit) submit(ctx context.Context, ev zoom.Event) (Intake, error) {
	r := &intakeReq{ctx: ctx, ev: ev, done: make(chan struct{}), lead: make(chan struct{})}
	g.mu.Lock()
	g.waiting = append(g.waiting, r)
	lead := !g.leading
	if lead {
		g.leading = true
	}
	g.mu.Unlock()
	if !lead {
		select {
		case <-r.done:
			return r.out, r.err
		case <-r.lead:
		}
	}
	g.runBatch()
	<-r.done // the batch it led held it
	return r.out, r.err
}

// runBatch commits the waiting deliveries (at most maxIntakeBatch), then
// hands the lead on.
func (g *groupCommit) runBatch() {
	g.mu.Lock()
	n := min(len(g.waiting), maxIntakeBatch)
	batch := g.waiting[:n:n]
	g.waiting = g.waiting[n:]
	g.mu.Unlock()

	g.commit(batch)

	g.mu.Lock()
	if len(g.waiting) > 0 {
		close(g.waiting[0].lead)
	} else {
		g.leading = false
	}
	g.mu.Unlock()
}

// commit stores batch in one transaction and answers each delivery. If the
// shared transaction fails, each delivery is tried in a transaction of its
// own, so that one bad event cannot refuse its neighbours.
func (g *groupCommit) commit(batch []*intakeReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err // its caller gave up; Zoom will redeliver
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	// The transaction belongs to every delivery in it: it runs on the
	// leader's context without its cancellation, bounded by the longest
	// any of them would wait.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), 30*time.Second)
	defer cancel()
	g.batches.Add(1)
	evs := make([]zoom.Event, len(live))
	for i, r := range live {
		evs[i] = r.ev
	}
	var outs []Intake
	err := g.q.store.Tx(ctx, func(tx *models.Tx) error {
		var err error
		outs, err = g.q.acceptTx(ctx, tx, evs)
		return err
	})
	if err == nil || len(live) == 1 {
		for i, r := range live {
			if err != nil {
				r.err = err
			} else {
				r.out = outs[i]
			}
			close(r.done)
		}
		return
	}
	g.q.log.Warn("group commit failed; storing its events one by one", "events", len(live), "error", err)
	for _, r := range live {
		r.err = g.q.store.Tx(ctx, func(tx *models.Tx) error {
			outs, err := g.q.acceptTx(ctx, tx, []zoom.Event{r.ev})
			if err == nil {
				r.out = outs[0]
			}
			return err
		})
		if r.err != nil {
			r.out = Intake{}
		}
		close(r.done)
	}
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
