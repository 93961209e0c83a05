package jobs

import (
	"context"
	"fmt"
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
