package jobs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
)

// participantEvent is a participant joining meeting uuid at second n.
func participantEvent(uuid string, n int) zoom.Event {
	at := start.Add(time.Duration(n) * time.Second)
	return zoom.Event{Name: "meeting.participant_joined", EventTS: at.UnixMilli(),
		Object: zoom.EventObject{UUID: uuid, Participant: &zoom.EventParticipant{
			ParticipantUUID: fmt.Sprint("p-", n), UserName: fmt.Sprint("Person ", n), JoinTime: &at}},
		Raw: []byte(fmt.Sprintf(`{"event":"meeting.participant_joined","n":%d}`, n))}
}

// Deliveries that arrive together are committed together, and each caller
// learns its own outcome: every event stored once, one New per event
// however many redeliveries raced it, a fetch queued per meeting end.
func TestAcceptGroupCommitsConcurrentDeliveries(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)

	const events, copies = 300, 3
	type result struct {
		n   int
		in  Intake
		err error
	}
	results := make(chan result, events*copies+10)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for n := range events {
		for range copies {
			wg.Go(func() {
				<-gate
				in, err := q.Accept(ctx, participantEvent("live-1", n))
				results <- result{n, in, err}
			})
		}
	}
	for i := range 10 {
		wg.Go(func() {
			<-gate
			in, err := q.Accept(ctx, endedEvent(fmt.Sprint("ended-", i), 1))
			results <- result{-1 - i, in, err}
		})
	}
	close(gate)
	wg.Wait()
	close(results)

	news := map[int]int{}
	for r := range results {
		require.NoError(t, r.err)
		if r.in.New {
			news[r.n]++
		}
		if r.n < 0 {
			assert.True(t, r.in.Queued, "meeting end %d queued its fetch", -1-r.n)
			assert.NotZero(t, r.in.MeetingID)
		}
	}
	for n := -10; n < events; n++ {
		assert.Equal(t, 1, news[n], "event %d is new for exactly one delivery", n)
	}
	assert.Equal(t, int64(events+10), e.db.Count(t, "SELECT COUNT(*) FROM webhook_events"))
	counts, err := q.JobCounts(ctx)
	require.NoError(t, err)
	var jobs int64
	for _, n := range counts {
		jobs += n
	}
	assert.Equal(t, int64(10), jobs)
	t.Logf("%d deliveries in %d transactions", events*copies+10, q.intake.batches.Load())
	assert.Less(t, q.intake.batches.Load(), int64(events*copies+10)/2, "deliveries were not grouped")
}

// One bad event in a shared transaction does not refuse its neighbours:
// the batch falls back to one transaction per event.
func TestAcceptOneBadEventFailsAlone(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)

	bad := endedEvent("", 9) // a meeting end without its uuid
	var wg sync.WaitGroup
	gate := make(chan struct{})
	errs := make([]error, 41)
	for i := range 40 {
		wg.Go(func() {
			<-gate
			_, errs[i] = q.Accept(ctx, participantEvent("live-2", i))
		})
	}
	wg.Go(func() {
		<-gate
		_, errs[40] = q.Accept(ctx, bad)
	})
	close(gate)
	wg.Wait()
	for i := range 40 {
		assert.NoError(t, errs[i], i)
	}
	assert.ErrorContains(t, errs[40], "without a meeting uuid")
	assert.Equal(t, int64(40), e.db.Count(t, "SELECT COUNT(*) FROM webhook_events"))
}

// A delivery whose caller gave up before its turn is not stored, and says so.
func TestAcceptSkipsAGoneCaller(t *testing.T) {
	e := newTestEnv(t, Config{})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = q.Accept(ctx, participantEvent("live-3", 1))
	assert.ErrorIs(t, err, context.Canceled)
}

// A caller that cannot wait (Zoom gives up after 3 s) gets ErrIntakeSlow
// in time, and its event is still stored once the database is free: the
// redelivery Zoom then sends is a duplicate.
func TestAcceptWithinAnswersInTimeAndStoresLater(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)
	unlock := e.db.HoldWrites(t, "webhook_events")

	_, err = q.AcceptWithin(ctx, participantEvent("slow-1", 1), 100*time.Millisecond)
	require.ErrorIs(t, err, ErrIntakeSlow)
	assert.Equal(t, int64(0), e.db.Count(t, "SELECT COUNT(*) FROM webhook_events"))

	unlock()
	require.Eventually(t, func() bool {
		return e.db.Count(t, "SELECT COUNT(*) FROM webhook_events") == 1
	}, 15*time.Second, 10*time.Millisecond)
	in, err := q.Accept(ctx, participantEvent("slow-1", 1))
	require.NoError(t, err)
	assert.False(t, in.New, "the redelivery is a duplicate")
}

// waitingFor waits until n deliveries wait for a batch.
func waitingFor(t *testing.T, q *Queue, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		q.intake.mu.Lock()
		defer q.intake.mu.Unlock()
		return len(q.intake.waiting) == n
	}, 10*time.Second, time.Millisecond)
}

// However long the database is stuck, the deliveries waiting for it are
// bounded, in number and in bytes: past either limit a delivery is refused
// at once (Zoom redelivers), and the ones already waiting are stored when
// the database is free.
func TestAcceptRefusesWhenTooManyWait(t *testing.T) {
	one := (&intakeReq{in: &intakeEvent{ev: participantEvent("stuck", 0)}}).size()
	for name, limit := range map[string]func(g *groupCommit){
		"count": func(g *groupCommit) { g.maxWaiting = 3 },
		"bytes": func(g *groupCommit) { g.maxBytes = 4*one + one/2 }, // the batch under way holds one
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := newTestEnv(t, Config{})
			q, err := New(e.store, nil, e.cfg, nil)
			require.NoError(t, err)
			limit(q.intake)
			unlock := e.db.HoldWrites(t, "webhook_events")

			var wg sync.WaitGroup
			errs := make([]error, 4)
			wg.Go(func() { _, errs[0] = q.Accept(ctx, participantEvent("stuck", 0)) })
			require.Eventually(t, func() bool { return q.intake.batches.Load() == 1 }, 10*time.Second, time.Millisecond,
				"the first delivery's batch is waiting for the lock")
			for i := 1; i <= 3; i++ {
				wg.Go(func() { _, errs[i] = q.Accept(ctx, participantEvent("stuck", i)) })
			}
			waitingFor(t, q, 3)

			_, err = q.Accept(ctx, participantEvent("stuck", 4))
			require.ErrorIs(t, err, errIntakeFull)

			unlock()
			wg.Wait()
			for i, err := range errs {
				assert.NoError(t, err, i)
			}
			assert.Equal(t, int64(4), e.db.Count(t, "SELECT COUNT(*) FROM webhook_events"))
			q.intake.mu.Lock()
			assert.Zero(t, q.intake.held, "what the stored deliveries held is given back")
			q.intake.mu.Unlock()
		})
	}
}

// A delivery that waited longer than maxAge for its batch to begin is
// dropped unstored (its caller answered long ago, and Zoom redelivers).
func TestAcceptDropsADeliveryThatWaitedTooLong(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)
	q.intake.maxAge = 50 * time.Millisecond
	unlock := e.db.HoldWrites(t, "webhook_events")

	var wg sync.WaitGroup
	var first, second error
	wg.Go(func() { _, first = q.Accept(ctx, participantEvent("old-1", 1)) })
	require.Eventually(t, func() bool { return q.intake.batches.Load() == 1 }, 10*time.Second, time.Millisecond)
	wg.Go(func() { _, second = q.Accept(ctx, participantEvent("old-1", 2)) })
	waitingFor(t, q, 1)
	time.Sleep(100 * time.Millisecond) // past maxAge
	unlock()
	wg.Wait()

	assert.NoError(t, first)
	assert.ErrorIs(t, second, errIntakeExpired)
	assert.Equal(t, int64(1), e.db.Count(t, "SELECT COUNT(*) FROM webhook_events"))
}

// A batch that panics refuses its own events (Zoom redelivers them) and
// leaves the intake working: the next delivery is stored.
func TestAcceptSurvivesABatchThatPanics(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{})
	var logs bytes.Buffer
	q, err := New(e.store, nil, e.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	var once sync.Once
	q.intake.beforeCommit = func([]*intakeReq) { once.Do(func() { panic("a bug") }) }

	_, err = q.Accept(ctx, participantEvent("panic-1", 1))
	require.ErrorContains(t, err, "a bug")
	assert.Contains(t, logs.String(), "panicked")

	in, err := q.Accept(ctx, participantEvent("panic-1", 1))
	require.NoError(t, err)
	assert.True(t, in.New, "the refused event was not stored")
	assert.Equal(t, int64(1), e.db.Count(t, "SELECT COUNT(*) FROM webhook_events"))
}
