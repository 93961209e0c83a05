package jobs

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
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
// it returns an error the event was not stored (or, after ErrIntakeSlow,
// is not known to be) and Zoom should redeliver. Redeliveries of one event
// store one row and queue one fetch.
//
// Deliveries that arrive together are committed together (group commit):
// the top of the hour brings thousands of participant events at once, and
// one commit for many of them costs about what one commit for one does.
// Each caller still returns only after the commit that holds its event.
//
// Accept returns ctx's error as soon as ctx ends. The event is then stored
// only if its batch had already begun; one whose ctx ended before is not.
func (q *Queue) Accept(ctx context.Context, ev zoom.Event) (Intake, error) {
	return q.AcceptWithin(ctx, ev, 0)
}

// ErrIntakeSlow is AcceptWithin's answer when the event was not stored in
// time: it stays queued, and may still be stored.
var ErrIntakeSlow = errors.New("jobs: the event was not stored in time")

// AcceptWithin is Accept that waits at most wait (no limit when wait is
// 0): Zoom counts an answer slower than 3 s as failed. Past wait it
// returns ErrIntakeSlow while the event stays queued and is still stored
// unless ctx ends first or it waited maxIntakeAge; if it is stored after
// the caller answered, the redelivery Zoom sends is recognised as a
// duplicate, so nothing is stored twice and nothing answered 200 is lost.
func (q *Queue) AcceptWithin(ctx context.Context, ev zoom.Event, wait time.Duration) (Intake, error) {
	in := q.prepareIntake(ev)
	return q.intake.submit(ctx, &in, wait)
}

// intakeEvent is one delivery made ready for the batch that stores it:
// its rows are built by the delivery's own goroutine, so that the batch's
// leader, which holds the database's one writer, only writes them.
type intakeEvent struct {
	ev   zoom.Event
	row  models.WebhookEvent
	live *models.LiveMeeting      // for meeting.started and participant events
	part *models.ParticipantEvent // for participant events
}

// prepareIntake builds what storing ev writes: its webhook event row and,
// for live attendance, the meeting instance of a meeting.started or
// participant event (live until its meeting.ended) and the participant
// event row.
func (q *Queue) prepareIntake(ev zoom.Event) intakeEvent {
	in := intakeEvent{ev: ev, row: models.WebhookEvent{
		DedupKey:    eventDedupKey(ev),
		Event:       ev.Name,
		MeetingUUID: ev.Object.UUID,
		EventTS:     ev.EventTS,
		Body:        string(ev.Raw),
	}}
	started := ev.Name == zoom.EventMeetingStarted || ev.Name == zoom.EventWebinarStarted
	participant := models.IsParticipantEvent(ev.Name) && ev.Object.Participant != nil
	if ev.Object.UUID == "" || (!started && !participant) {
		return in
	}
	at := ev.Time()
	if p := ev.Object.Participant; participant {
		for _, t := range []*time.Time{p.JoinTime, p.LeaveTime, p.DateTime} {
			if t != nil {
				at = t.UTC()
				break
			}
		}
		in.part = &models.ParticipantEvent{
			MeetingUUID: ev.Object.UUID,
			ParticipantKey: models.EventParticipantKey(p.ParticipantUUID, p.RegistrantID, p.ParticipantUserID,
				p.ID, p.Email, p.UserName, p.UserID),
			Event: ev.Name, EventTime: at,
			ParticipantUUID: p.ParticipantUUID, UserID: p.UserID, ParticipantID: p.ID,
			ParticipantUserID: p.ParticipantUserID, RegistrantID: p.RegistrantID, CustomerKey: p.CustomerKey,
			Name: p.UserName, Email: p.Email, LeaveReason: p.LeaveReason,
		}
	}
	start := ev.Object.StartTime
	if start.IsZero() {
		start = at
	}
	if start.IsZero() {
		start = q.cfg.Now().UTC()
	}
	in.live = &models.LiveMeeting{
		UUID: ev.Object.UUID, MeetingNumber: int64(ev.Object.ID),
		Webinar: strings.HasPrefix(ev.Name, "webinar."), Topic: ev.Object.Topic, HostID: ev.Object.HostID,
		Type: ev.Object.Type, StartTime: start, Timezone: ev.Object.Timezone, AccountID: ev.AccountID,
	}
	return in
}

// acceptTx stores ins inside tx, in a few statements for the whole
// batch: the events, then what live attendance needs of the new ones, then
// each meeting end's instance and fetch; see Accept.
func (q *Queue) acceptTx(ctx context.Context, tx *models.Tx, ins []*intakeEvent) ([]Intake, error) {
	rows := make([]*models.WebhookEvent, len(ins))
	for i, in := range ins {
		rows[i] = &in.row // cleaned in place by RecordEvents, which is idempotent
	}
	isNew, err := tx.RecordEvents(ctx, rows)
	if err != nil {
		return nil, err
	}
	meetings := make([]models.LiveMeeting, 0, len(ins))
	parts := make([]models.ParticipantEvent, 0, len(ins))
	for i, in := range ins {
		if !isNew[i] || in.live == nil {
			continue
		}
		meetings = append(meetings, *in.live)
		if in.part != nil {
			parts = append(parts, *in.part)
		}
	}
	if err := tx.EnsureLiveMeetings(ctx, meetings); err != nil {
		return nil, err
	}
	if err := tx.RecordParticipantEvents(ctx, parts); err != nil {
		return nil, err
	}
	outs := make([]Intake, len(ins))
	for i, in := range ins {
		outs[i].New = isNew[i]
		if in.ev.IsMeetingEnd() {
			if err := q.meetingEndedTx(ctx, tx, in.ev, &outs[i]); err != nil {
				return nil, err
			}
		}
	}
	return outs, nil
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

// maxIntakeWaiting and maxIntakeBytes bound the deliveries waiting for
// or in a batch, in number and in bytes held (bodies of up to 1 MiB);
// past either Accept refuses at once (Zoom redelivers), so that a stuck
// database cannot make memory grow without end.
const (
	maxIntakeWaiting = 20_000
	maxIntakeBytes   = 64 << 20
)

// maxIntakeAge is how long a delivery may wait for its batch to begin; an
// older one is dropped unstored (its caller answered 503 long ago).
const maxIntakeAge = 30 * time.Second

// errIntakeExpired drops a delivery that waited longer than maxAge for
// its batch.
var errIntakeExpired = errors.New("jobs: the event waited too long to be stored; dropped")

// errIntakeFull refuses a delivery when maxWaiting wait already, or when
// the deliveries waiting or in a batch hold maxBytes.
var errIntakeFull = errors.New("jobs: too many events are waiting to be stored")

// groupCommit batches concurrent Accept calls into shared transactions.
// The first delivery to find no batch under way starts a leader goroutine,
// which commits every delivery waiting at that moment, then the ones that
// arrived meanwhile, and ends when none is left; each caller waits only for
// its own outcome (or its deadline).
type groupCommit struct {
	q       *Queue
	mu      sync.Mutex
	waiting []*intakeReq
	arrived chan struct{} // a delivery was added to waiting (buffered: 1)
	leading bool
	// callers is the number of callers inside submit; peak the most since
	// the last batch; inFlight gather's estimate of the deliveries that
	// arrive together.
	callers, peak, inFlight int
	batches                 atomic.Int64 // transactions begun, for tests and curiosity
	// held is the bytes that the deliveries waiting or in a batch hold.
	held int
	// maxWaiting, maxBytes and maxAge are maxIntakeWaiting, maxIntakeBytes
	// and maxIntakeAge; tests shrink them.
	maxWaiting, maxBytes int
	maxAge               time.Duration
	// beforeCommit, when set (by tests), runs before each batch.
	beforeCommit func(batch []*intakeReq)
}

func newGroupCommit(q *Queue) *groupCommit {
	return &groupCommit{q: q, arrived: make(chan struct{}, 1),
		maxWaiting: maxIntakeWaiting, maxBytes: maxIntakeBytes, maxAge: maxIntakeAge}
}

type intakeReq struct {
	ctx     context.Context
	in      *intakeEvent
	expires time.Time
	out     Intake
	err     error
	done    chan struct{} // closed when out and err are set
}

func (g *groupCommit) submit(ctx context.Context, in *intakeEvent, wait time.Duration) (Intake, error) {
	if err := ctx.Err(); err != nil {
		return Intake{}, err
	}
	r := &intakeReq{ctx: ctx, in: in, expires: time.Now().Add(g.maxAge), done: make(chan struct{})}
	g.mu.Lock()
	if len(g.waiting) >= g.maxWaiting || g.held+r.size() > g.maxBytes {
		g.mu.Unlock()
		return Intake{}, errIntakeFull
	}
	g.waiting = append(g.waiting, r)
	g.held += r.size()
	g.callers++
	g.peak = max(g.peak, g.callers)
	select {
	case g.arrived <- struct{}{}:
	default:
	}
	if !g.leading {
		g.leading = true
		go g.lead()
	}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.callers--
		g.mu.Unlock()
	}()

	var late <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		late = t.C
	}
	select {
	case <-r.done:
		return r.out, r.err
	case <-ctx.Done():
	case <-late:
	}
	select {
	case <-r.done: // both were ready: the outcome wins
		return r.out, r.err
	default:
	}
	if err := ctx.Err(); err != nil {
		return Intake{}, err
	}
	return Intake{}, fmt.Errorf("%w (waited %s)", ErrIntakeSlow, wait)
}

// lead commits the waiting deliveries, at most maxIntakeBatch at a time,
// until none is left.
func (g *groupCommit) lead() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		g.gather(timer)
		g.mu.Lock()
		n := min(len(g.waiting), maxIntakeBatch)
		if n == 0 {
			g.leading = false
			g.waiting = nil // let a burst's backing array go
			g.mu.Unlock()
			return
		}
		batch := g.waiting[:n:n]
		g.waiting = g.waiting[n:]
		g.mu.Unlock()
		g.commitGuarded(batch)
		g.mu.Lock()
		for _, r := range batch {
			g.held -= r.size()
		}
		g.mu.Unlock()
	}
}

// size is about what r holds: its body twice (as received, and as the
// row's text) and its rows.
func (r *intakeReq) size() int { return 2*len(r.in.ev.Raw) + 1024 }

// commitGuarded is commit that survives a panic: the deliveries of the
// batch not answered yet get an error (Zoom redelivers them), the panic is
// logged with its stack, and the leader goes on with the next batch
// instead of leaving every later delivery waiting for a leader that died.
func (g *groupCommit) commitGuarded(batch []*intakeReq) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		msg := fmt.Sprint(p)
		if len(msg) > 1024 {
			msg = msg[:1024]
		}
		g.q.log.Error("intake: storing a batch of events panicked; they are refused", "events", len(batch),
			"panic", msg, "stack", string(debug.Stack()))
		for _, r := range batch {
			select {
			case <-r.done:
			default:
				r.out, r.err = Intake{}, fmt.Errorf("jobs: storing the event failed: %s", msg)
				close(r.done)
			}
		}
	}()
	if g.beforeCommit != nil {
		g.beforeCommit(batch)
	}
	g.commit(batch)
}

// A batch lingers for more deliveries while they keep coming: until half
// the deliveries recently in flight wait (the batch then commits while
// the other half is still being received, and the two halves take turns),
// no delivery came for intakeQuiet, or intakeLinger passed. Sequential
// deliveries therefore never wait, and a burst commits in batches that
// cost a few page writes per event instead of a commit each (BENCHMARKS.md,
// "intake at the top of the hour").
const (
	intakeQuiet  = 300 * time.Microsecond
	intakeLinger = 3 * time.Millisecond
)

// gather waits before a batch while deliveries keep arriving; see
// intakeQuiet.
func (g *groupCommit) gather(timer *time.Timer) {
	g.mu.Lock()
	// In flight: the most callers seen inside Accept since the last
	// batch, or a slowly fading memory of earlier bursts.
	g.inFlight = max(g.peak, g.inFlight*7/8)
	g.peak = g.callers
	fill := min(g.inFlight/2, maxIntakeBatch)
	g.mu.Unlock()
	deadline := time.Now().Add(intakeLinger)
	for {
		g.mu.Lock()
		n := len(g.waiting)
		g.mu.Unlock()
		if n >= fill {
			return
		}
		d := min(intakeQuiet, time.Until(deadline))
		if d <= 0 {
			return
		}
		timer.Reset(d)
		select {
		case <-g.arrived:
			timer.Stop()
		case <-timer.C:
			return
		}
	}
}

// commit stores batch in one transaction and answers each delivery. If the
// shared transaction fails, each delivery is tried in a transaction of its
// own, so that one bad event cannot refuse its neighbours.
func (g *groupCommit) commit(batch []*intakeReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.gone(); err != nil {
			r.err = err // Zoom will redeliver
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
	ins := make([]*intakeEvent, len(live))
	for i, r := range live {
		ins[i] = r.in
	}
	var outs []Intake
	err := g.q.store.Tx(ctx, func(tx *models.Tx) error {
		var err error
		outs, err = g.q.acceptTx(ctx, tx, ins)
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
		if r.err = r.gone(); r.err != nil {
			close(r.done)
			continue
		}
		r.err = g.q.store.Tx(ctx, func(tx *models.Tx) error {
			outs, err := g.q.acceptTx(ctx, tx, []*intakeEvent{r.in})
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

// gone says why r is no longer to be stored: its ctx ended, or it waited
// longer than its batch's maxAge.
func (r *intakeReq) gone() error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if time.Now().After(r.expires) {
		return errIntakeExpired
	}
	return nil
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
