package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
	"rollcall/zoom"
)

func endedEvent(uuid string, ts int64) zoom.Event {
	end := start.Add(-time.Minute)
	return zoom.Event{
		Name: zoom.EventMeetingEnded, EventTS: ts, AccountID: "acct-1",
		Object: zoom.EventObject{ID: 81234567890, UUID: uuid, HostID: "host-1", Topic: "Weekly sync", Type: 2,
			StartTime: end.Add(-time.Hour), EndTime: &end},
		Raw: []byte(`{"event":"meeting.ended"}`),
	}
}

func TestAcceptQueuesOneFetchAfterFetchDelay(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{FetchDelay: 2 * time.Minute})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)

	in, err := q.Accept(ctx, endedEvent("uuid-1", 1))
	require.NoError(t, err)
	assert.True(t, in.New)
	assert.True(t, in.Queued)
	m, err := e.store.MeetingByUUID(ctx, "uuid-1")
	require.NoError(t, err)
	assert.Equal(t, m.ID, in.MeetingID)
	e.requireFetchQueued(t, m, &rivertest.RequireInsertedOpts{
		State: rivertype.JobStateScheduled, ScheduledAt: start.Add(2 * time.Minute), MaxAttempts: 12,
	})

	// A redelivery stores nothing new and queues nothing more.
	in, err = q.Accept(ctx, endedEvent("uuid-1", 1))
	require.NoError(t, err)
	assert.Equal(t, Intake{MeetingID: m.ID}, in)
	// A second end event for the same instance finds the fetch waiting.
	in, err = q.Accept(ctx, endedEvent("uuid-1", 2))
	require.NoError(t, err)
	assert.Equal(t, Intake{New: true, MeetingID: m.ID}, in)
	e.requireFetchQueued(t, m, nil)

	// Other events are only stored.
	in, err = q.Accept(ctx, zoom.Event{Name: zoom.EventMeetingStarted, EventTS: 3, Object: zoom.EventObject{UUID: "uuid-2"}, Raw: []byte(`{}`)})
	require.NoError(t, err)
	assert.Equal(t, Intake{New: true}, in)
}

func TestRefetchQueuesAFetchNow(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{FetchDelay: 2 * time.Minute})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)
	m := e.meeting(t, "uuid-1", false)
	require.NoError(t, e.store.MarkFailed(ctx, m.ID, "gave up"))

	queued, err := q.Refetch(ctx, m.ID)
	require.NoError(t, err)
	assert.True(t, queued)
	e.requireFetchQueued(t, m, &rivertest.RequireInsertedOpts{State: rivertype.JobStateAvailable})
	got := e.storedMeeting(t, m.ID)
	assert.Equal(t, models.FetchPending, got.FetchStatus)
	assert.Empty(t, got.LastError)

	queued, err = q.Refetch(ctx, m.ID)
	require.NoError(t, err)
	assert.False(t, queued, "one fetch is already waiting")

	_, err = q.Refetch(ctx, m.ID+100)
	require.ErrorIs(t, err, models.ErrNotFound)
}

func TestJobCounts(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{FetchDelay: 2 * time.Minute})
	q, err := New(e.store, nil, e.cfg, nil)
	require.NoError(t, err)

	counts, err := q.JobCounts(ctx)
	require.NoError(t, err)
	assert.Empty(t, counts)

	_, err = q.Accept(ctx, endedEvent("uuid-1", 1))
	require.NoError(t, err)
	_, err = q.Accept(ctx, endedEvent("uuid-2", 1))
	require.NoError(t, err)
	m := e.meeting(t, "uuid-3", false)
	_, err = q.Refetch(ctx, m.ID)
	require.NoError(t, err)

	counts, err = q.JobCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"scheduled": 2, "available": 1}, counts)
}

// reconcile works one reconcile job, as the periodic job would.
func (e *testEnv) reconcile(t *testing.T) {
	t.Helper()
	e.inTx(t, func(tx *models.Tx) {
		drv, err := driverFor(tx.Store)
		require.NoError(t, err)
		w := rivertest.NewWorker(t, drv, e.riverConfig(), &ReconcileWorker{queue: e.queue(t, tx.Store)})
		res, err := w.Work(context.Background(), t, tx.SQLTx(), ReconcileArgs{}, nil)
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	})
}

func TestReconcileRequeuesLostFetches(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Config{ReconcileEvery: 5 * time.Minute})
	lost := e.meeting(t, "uuid-lost", false)
	done := e.meeting(t, "uuid-done", false)
	require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error {
		return tx.ReplaceSegments(ctx, done.ID, "dashboard", nil)
	}))

	// Meetings changed within ReconcileEvery are left to their own fetch.
	e.clock.Set(time.Now())
	e.reconcile(t)
	e.requireNoFetchQueued(t)

	// Later the pending one without a fetch gets one, once.
	e.clock.Set(time.Now().Add(10 * time.Minute))
	e.reconcile(t)
	e.requireFetchQueued(t, lost, &rivertest.RequireInsertedOpts{State: rivertype.JobStateAvailable})
	e.reconcile(t)
	e.requireFetchQueued(t, lost, nil)
}

// purge works one purge job, as the periodic job would.
func (e *testEnv) purge(t *testing.T) {
	t.Helper()
	e.inTx(t, func(tx *models.Tx) {
		drv, err := driverFor(tx.Store)
		require.NoError(t, err)
		w := rivertest.NewWorker(t, drv, e.riverConfig(), &PurgeWorker{queue: e.queue(t, tx.Store)})
		res, err := w.Work(context.Background(), t, tx.SQLTx(), PurgeArgs{}, nil)
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobCompleted, res.EventKind)
	})
}

func TestPurgeDeletesMeetingsPastRetention(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		retention time.Duration
		keepOld   bool
	}{
		{name: "retention 30 days", retention: 30 * 24 * time.Hour},
		{name: "retention off", keepOld: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, Config{Retention: tc.retention})
			upsert := func(uuid string, started time.Time) models.Meeting {
				end := started.Add(time.Hour)
				m, err := e.store.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: uuid, MeetingNumber: 1, StartTime: started, EndTime: &end})
				require.NoError(t, err)
				return m
			}
			old := upsert("uuid-old", start.Add(-31*24*time.Hour))
			recent := upsert("uuid-recent", start.Add(-29*24*time.Hour))

			e.purge(t)

			_, err := e.store.Meeting(ctx, recent.ID)
			require.NoError(t, err)
			_, err = e.store.Meeting(ctx, old.ID)
			if tc.keepOld {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, models.ErrNotFound)
			}
		})
	}
}
