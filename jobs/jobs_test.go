package jobs

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom"
)

// testClock is a test's only clock: the queue's Config.Now and River's own
// time (river.Config.Test.Time) both read it, so that insert times, snooze
// times and give-up deadlines are exact.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NowOrNil makes River use the stubbed time for the rows it writes too.
func (c *testClock) NowOrNil() *time.Time {
	t := c.Now()
	return &t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *testClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

var _ rivertype.TimeGenerator = (*testClock)(nil)

// fakeZoom is a ParticipantSource that answers what the test set: the
// participant rows or an error for the participants calls, and the details
// or an error for PastMeeting.
type fakeZoom struct {
	mu       sync.Mutex
	rows     []zoom.Participant
	err      error
	past     zoom.PastMeeting
	pastErr  error
	webinars int // calls of WebinarParticipants
	report   zoom.ReportDetail
	reports  int // calls of WebinarReport
	users    map[string]zoom.User
	userErr  error
	lookups  int // calls of User
}

var _ ParticipantSource = (*fakeZoom)(nil)

// answer makes the participants calls return rows, or err when not nil.
func (f *fakeZoom) answer(rows []zoom.Participant, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows, f.err = rows, err
}

func (f *fakeZoom) Participants(ctx context.Context, uuid string) (zoom.ParticipantsResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return zoom.ParticipantsResult{}, f.err
	}
	return zoom.ParticipantsResult{Participants: f.rows, Source: zoom.SourceDashboard, Pages: 1}, nil
}

func (f *fakeZoom) WebinarParticipants(ctx context.Context, uuid string) (zoom.ParticipantsResult, error) {
	f.mu.Lock()
	f.webinars++
	f.mu.Unlock()
	res, err := f.Participants(ctx, uuid)
	if err == nil {
		res.Source = zoom.SourceReport
	}
	return res, err
}

func (f *fakeZoom) PastMeeting(ctx context.Context, uuid string) (zoom.PastMeeting, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pastErr != nil {
		return zoom.PastMeeting{}, f.pastErr
	}
	pm := f.past
	pm.UUID = uuid
	return pm, nil
}

func (f *fakeZoom) WebinarReport(ctx context.Context, uuid string) (zoom.ReportDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports++
	if f.pastErr != nil {
		return zoom.ReportDetail{}, f.pastErr
	}
	rd := f.report
	rd.UUID = uuid
	return rd, nil
}

func (f *fakeZoom) User(ctx context.Context, id string) (zoom.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.userErr != nil {
		return zoom.User{}, f.userErr
	}
	u, ok := f.users[id]
	if !ok {
		return zoom.User{}, &zoom.APIError{Status: 404, Code: 1001, Message: "User does not exist: " + id + "."}
	}
	return u, nil
}

// testEnv is a migrated database (SQLite, or PostgreSQL with
// ROLLCALL_TEST_POSTGRES), a fake Zoom and a clock.
type testEnv struct {
	store *models.Store
	db    *testdb.DB // the test's own connection, for checks
	zoom  *fakeZoom
	clock *testClock
	cfg   Config
	hosts *hostNames
}

// start is where every test's clock begins: whole seconds, so that times
// survive the database's precision unchanged.
var start = time.Date(2026, time.March, 2, 15, 0, 0, 0, time.UTC)

func newTestEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	ctx := context.Background()
	dsn := testdb.DSN(t)
	store, err := models.Open(ctx, dsn, nil)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, Migrate(ctx, store, nil))
	e := &testEnv{store: store, db: testdb.Open(t, dsn), clock: &testClock{now: start}, zoom: &fakeZoom{
		past: zoom.PastMeeting{HostID: "host-1", UserName: "Ada Host", UserEmail: "ada@example.com", Topic: "Weekly sync", Type: 2},
	}}
	cfg.Now = e.clock.Now
	cfg.defaults()
	e.cfg = cfg
	return e
}

// meeting stores an ended meeting (a webinar with webinar set), as its
// webhook would, and returns it.
func (e *testEnv) meeting(t *testing.T, uuid string, webinar bool) models.Meeting {
	t.Helper()
	end := start.Add(-time.Minute)
	m, err := e.store.UpsertEndedMeeting(context.Background(), models.MeetingEnded{
		UUID: uuid, MeetingNumber: 81234567890, Webinar: webinar, Topic: "Weekly sync", HostID: "host-1",
		Type: 2, StartTime: end.Add(-time.Hour), EndTime: &end, AccountID: "acct-1",
	})
	require.NoError(t, err)
	return m
}

// riverConfig is the River configuration of the test workers: the
// queue's attempts, on the test's clock.
func (e *testEnv) riverConfig() *river.Config {
	return &river.Config{
		Logger:      quiet(nil),
		MaxAttempts: e.cfg.MaxAttempts,
		Test:        river.TestConfig{Time: e.clock},
	}
}

// inTx runs fn in one transaction of the store, committed at the end.
// rivertest works a job inside a caller's transaction; the workers then
// run over tx, a Store bound to that same transaction, because on SQLite a
// second connection could not write while it is open.
func (e *testEnv) inTx(t *testing.T, fn func(tx *models.Tx)) {
	t.Helper()
	require.NoError(t, e.store.Tx(context.Background(), func(tx *models.Tx) error {
		fn(tx)
		return nil
	}))
}

// fetch inserts a fetch of m (with opts, which may be nil) and works it
// once, returning River's result and the error the worker returned
// (snoozes and cancels excepted, as rivertest reports them).
func (e *testEnv) fetch(t *testing.T, m models.Meeting, opts *river.InsertOpts) (*rivertest.WorkResult, error) {
	t.Helper()
	var (
		res *rivertest.WorkResult
		err error
	)
	e.inTx(t, func(tx *models.Tx) {
		res, err = e.fetchWorker(t, tx.Store).Work(context.Background(), t, tx.SQLTx(),
			FetchParticipantsArgs{MeetingID: m.ID, UUID: m.UUID}, opts)
	})
	require.NotNil(t, res)
	return res, err
}

// refetch works an already inserted fetch job once more, as River does
// when a snooze or a retry comes due.
func (e *testEnv) refetch(t *testing.T, job *rivertype.JobRow) (*rivertest.WorkResult, error) {
	t.Helper()
	var (
		res *rivertest.WorkResult
		err error
	)
	e.inTx(t, func(tx *models.Tx) {
		res, err = e.fetchWorker(t, tx.Store).WorkJob(context.Background(), t, tx.SQLTx(), job)
	})
	require.NotNil(t, res)
	return res, err
}

func (e *testEnv) fetchWorker(t *testing.T, tx *models.Store) *rivertest.Worker[FetchParticipantsArgs, *sql.Tx] {
	t.Helper()
	drv, err := driverFor(tx)
	require.NoError(t, err)
	w := newFetchWorker(tx, e.zoom, e.cfg, nil)
	// One memory of host names for the test, as one worker has for the
	// life of the process.
	if e.hosts == nil {
		e.hosts = w.hosts
	}
	w.hosts = e.hosts
	return rivertest.NewWorker(t, drv, e.riverConfig(), w)
}

// queue builds the queue over tx (a transaction's Store), with the fake Zoom.
func (e *testEnv) queue(t *testing.T, tx *models.Store) *Queue {
	t.Helper()
	q, err := New(tx, e.zoom, e.cfg, nil)
	require.NoError(t, err)
	return q
}

// storedMeeting reads meeting id back after the work committed.
func (e *testEnv) storedMeeting(t *testing.T, id uint64) models.Meeting {
	t.Helper()
	m, err := e.store.Meeting(context.Background(), id)
	require.NoError(t, err)
	return m
}

// requireFetchQueued asserts that exactly one fetch job is queued and that
// it is for m, with opts' expectations, and returns it.
func (e *testEnv) requireFetchQueued(t *testing.T, m models.Meeting, opts *rivertest.RequireInsertedOpts) *river.Job[FetchParticipantsArgs] {
	t.Helper()
	ctx := context.Background()
	var job *river.Job[FetchParticipantsArgs]
	switch dialect, pool := e.store.QueuePool(); dialect {
	case models.DialectSQLite:
		job = rivertest.RequireInserted(ctx, t, riversqlite.New(pool), FetchParticipantsArgs{}, opts)
	default:
		job = rivertest.RequireInserted(ctx, t, riverdatabasesql.New(pool), FetchParticipantsArgs{}, opts)
	}
	require.Equal(t, FetchParticipantsArgs{MeetingID: m.ID, UUID: m.UUID}, job.Args)
	return job
}

// requireNoFetchQueued asserts that no fetch job is queued.
func (e *testEnv) requireNoFetchQueued(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	switch dialect, pool := e.store.QueuePool(); dialect {
	case models.DialectSQLite:
		rivertest.RequireNotInserted(ctx, t, riversqlite.New(pool), FetchParticipantsArgs{}, nil)
	default:
		rivertest.RequireNotInserted(ctx, t, riverdatabasesql.New(pool), FetchParticipantsArgs{}, nil)
	}
}
