package jobs

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

func TestWindowsSplitAtAMonth(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return v
	}
	w := func(from, to string) Window { return Window{d(from), d(to)} }
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     []Window
	}{
		{"one day", d("2026-11-03"), d("2026-11-04"), []Window{w("2026-11-03", "2026-11-03")}},
		{"a whole month", d("2026-11-01"), d("2026-12-01"), []Window{w("2026-11-01", "2026-11-30")}},
		{"four weeks", d("2026-11-01"), d("2026-11-29"), []Window{w("2026-11-01", "2026-11-28")}},
		{"a month and a day", d("2026-11-01"), d("2026-12-02"),
			[]Window{w("2026-11-01", "2026-11-30"), w("2026-12-01", "2026-12-01")}},
		{"mid-month over February", d("2026-01-31"), d("2026-04-15"),
			[]Window{w("2026-01-31", "2026-03-02"), w("2026-03-03", "2026-04-02"), w("2026-04-03", "2026-04-14")}},
		{"times of day", d("2026-11-01").Add(22 * time.Hour), d("2026-11-03").Add(time.Hour),
			[]Window{w("2026-11-01", "2026-11-03")}},
		{"empty", d("2026-11-03"), d("2026-11-03"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Windows(tc.from, tc.to)
			assert.Equal(t, tc.want, got)
			for _, w := range got {
				assert.LessOrEqual(t, w.To.Sub(w.From), 31*24*time.Hour, "Zoom takes at most a month")
			}
		})
	}
}

// discoverEnv is a testEnv with a fake Zoom served over HTTP and a client
// of it, both on the test's clock.
type discoverEnv struct {
	*testEnv
	fake   *zoomtest.Server
	client *zoom.Client
	q      *Queue
}

func newDiscoverEnv(t *testing.T) *discoverEnv {
	t.Helper()
	e := newTestEnv(t, Config{})
	fake := zoomtest.NewServer()
	t.Cleanup(fake.Close)
	fake.SetNow(e.clock.Now)
	client, err := zoom.New(fake.ClientConfig())
	require.NoError(t, err)
	q, err := New(e.store, nil, e.cfg, nil) // enqueues only, as `rollcall backfill` does
	require.NoError(t, err)
	return &discoverEnv{testEnv: e, fake: fake, client: client, q: q}
}

// ended adds a meeting at the fake that ended at end, with n participants.
func (e *discoverEnv) ended(t *testing.T, seed int64, end time.Time, n int, webinar bool) zoomtest.Meeting {
	t.Helper()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: n, Seed: seed, Start: end.Add(-time.Hour), Webinar: webinar})
	e.fake.AddMeeting(m)
	return m
}

func (e *discoverEnv) requireFetches(t *testing.T, want int) {
	t.Helper()
	ctx := context.Background()
	if want == 0 {
		e.requireNoFetchQueued(t)
		return
	}
	expect := make([]rivertest.ExpectedJob, want)
	for i := range expect {
		expect[i] = rivertest.ExpectedJob{Args: FetchParticipantsArgs{}}
	}
	switch dialect, pool := e.store.QueuePool(); dialect {
	case models.DialectSQLite:
		rivertest.RequireManyInserted(ctx, t, riversqlite.New(pool), expect)
	default:
		rivertest.RequireManyInserted(ctx, t, riverdatabasesql.New(pool), expect)
	}
}

func TestDiscoverQueuesWhatIsMissingAndLeavesTheRestAlone(t *testing.T) {
	e := newDiscoverEnv(t)
	ctx := context.Background()
	day := start.Add(-24 * time.Hour)
	stored := e.ended(t, 1, day, 5, false)
	missing := e.ended(t, 2, day.Add(time.Hour), 5, false)
	alone := e.ended(t, 3, day.Add(2*time.Hour), 1, false) // listed by pastOne only
	webinar := e.ended(t, 4, day.Add(3*time.Hour), 6, true)
	e.ended(t, 5, start.Add(-10*24*time.Hour), 5, false) // before the range
	_, err := e.store.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: stored.UUID, MeetingNumber: stored.ID,
		StartTime: stored.Start, EndTime: &stored.End})
	require.NoError(t, err)

	run, err := e.q.Discover(ctx, e.client, Discovery{Via: models.ArrivedBackfill, From: start.Add(-72 * time.Hour), To: start})
	require.NoError(t, err)
	assert.Equal(t, 4, run.Found)
	assert.Equal(t, 1, run.AlreadyStored)
	assert.Equal(t, 3, run.Queued)
	assert.Zero(t, run.Refused)
	assert.Empty(t, run.Errors)
	assert.Equal(t, ListerDashboard, run.Lister)
	e.requireFetches(t, 3)

	for _, zm := range []zoomtest.Meeting{missing, alone, webinar} {
		m, err := e.store.MeetingByUUID(ctx, zm.UUID)
		require.NoError(t, err, zm.UUID)
		assert.Equal(t, models.ArrivedBackfill, m.ArrivedVia)
		assert.Equal(t, models.FetchPending, m.FetchStatus)
		assert.Equal(t, zm.Webinar, m.Webinar)
		assert.Equal(t, zm.Topic, m.Topic)
		assert.Equal(t, zm.HostEmail, m.HostEmail)
		assert.Equal(t, zm.ID, m.MeetingNumber)
		require.NotNil(t, m.EndTime)
		assert.True(t, zm.End.Equal(*m.EndTime))
	}
	m, err := e.store.MeetingByUUID(ctx, stored.UUID)
	require.NoError(t, err)
	assert.Equal(t, models.ArrivedWebhook, m.ArrivedVia, "a stored meeting is left alone")

	// Both list types of meetings, and webinars, were asked, by end time.
	var asked []string
	for _, r := range e.fake.Requests() {
		if r.Label != "" && r.Path != "/v2/users" {
			asked = append(asked, r.Path+" "+r.Query.Get("type")+" "+r.Query.Get("query_date_type"))
		}
	}
	assert.ElementsMatch(t, []string{"/v2/metrics/meetings past end_time", "/v2/metrics/meetings pastOne end_time",
		"/v2/metrics/webinars past end_time"}, asked)

	runs, err := e.store.CoverageRuns(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, run.ID, runs[0].ID)
	assert.Equal(t, models.ArrivedBackfill, runs[0].Kind)

	// A second pass finds them all stored.
	again, err := e.q.Discover(ctx, e.client, Discovery{Via: models.ArrivedSweep, From: start.Add(-72 * time.Hour), To: start})
	require.NoError(t, err)
	assert.Equal(t, 4, again.AlreadyStored)
	assert.Zero(t, again.Queued)
}

func TestDiscoverAsksEveryMonthWindow(t *testing.T) {
	e := newDiscoverEnv(t)
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e.ended(t, 1, time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC), 3, false)
	e.ended(t, 2, time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC), 3, false)
	var progress []int
	run, err := e.q.Discover(ctx, e.client, Discovery{Via: models.ArrivedBackfill, From: from, To: to,
		Progress: func(done, total, found int) { progress = append(progress, done, total, found) }})
	require.NoError(t, err)
	assert.Equal(t, 2, run.Found)
	assert.Equal(t, []int{1, 2, 1, 2, 2, 2}, progress)
	var windows []string
	for _, r := range e.fake.Requests() {
		if r.Path == "/v2/metrics/meetings" && r.Query.Get("type") == "past" {
			windows = append(windows, r.Query.Get("from")+".."+r.Query.Get("to"))
		}
	}
	assert.Equal(t, []string{"2026-01-01..2026-01-31", "2026-02-01..2026-02-28"}, windows)
}

func TestDiscoverFallsBackToTheReport(t *testing.T) {
	e := newDiscoverEnv(t)
	ctx := context.Background()
	e.fake.SetDashboardDenied(true)
	// Started the day before the range and ended in it: the Report lists
	// by start time, so discovery asks from the day before.
	overnight := zoomtest.Generate(zoomtest.GenOptions{Participants: 4, Seed: 11,
		Start: time.Date(2026, 2, 27, 23, 30, 0, 0, time.UTC), Length: time.Hour})
	e.fake.AddMeeting(overnight)
	alone := e.ended(t, 12, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), 1, false)
	before := e.ended(t, 13, time.Date(2026, 2, 27, 23, 0, 0, 0, time.UTC), 4, false) // ended before the range

	run, err := e.q.Discover(ctx, e.client, Discovery{Via: models.ArrivedBackfill,
		From: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	assert.Equal(t, ListerReport, run.Lister)
	assert.Equal(t, 2, run.Found)
	assert.Equal(t, 2, run.Queued)
	assert.Zero(t, run.Refused, "the Report made up for the Dashboard")
	assert.Empty(t, run.Errors)
	for _, uuid := range []string{overnight.UUID, alone.UUID} {
		m, err := e.store.MeetingByUUID(ctx, uuid)
		require.NoError(t, err)
		assert.Equal(t, models.ArrivedBackfill, m.ArrivedVia)
	}
	_, err = e.store.MeetingByUUID(ctx, before.UUID)
	require.ErrorIs(t, err, models.ErrNotFound)

	var asked []string
	for _, r := range e.fake.Requests() {
		if slices.Contains([]string{"past", "pastOne"}, r.Query.Get("type")) && r.Path != "/v2/metrics/meetings" {
			asked = append(asked, r.Query.Get("type")+" "+r.Query.Get("from")+".."+r.Query.Get("to"))
		}
	}
	var want []string
	for range 3 { // each meeting has its own host
		want = append(want, "past 2026-02-27..2026-03-01", "pastOne 2026-02-27..2026-03-01")
	}
	assert.ElementsMatch(t, want, asked, "every host, both list types, from the day before")
}

func TestDiscoverRecordsRefusalsAndErrors(t *testing.T) {
	e := newDiscoverEnv(t)
	ctx := context.Background()
	e.ended(t, 1, start.Add(-time.Hour), 3, false)
	// The Dashboard refused, and the Report's user list too: nothing can be listed.
	e.fake.SetDashboardDenied(true)
	e.fake.FailNext(2, zoomtest.Fault{Path: "/v2/users", Status: http.StatusBadRequest, Code: 200,
		Message: "Only available for paid account."})
	run, err := e.q.Discover(ctx, e.client, Discovery{Via: models.ArrivedSweep, From: start.Add(-time.Hour * 2), To: start})
	require.NoError(t, err)
	assert.Equal(t, 1, run.Refused)
	assert.Contains(t, run.Errors, "Only available for paid account")
	assert.Zero(t, run.Found)
	e.requireFetches(t, 0)

	// A server error on one list: recorded, the other lists still read.
	e.fake.SetDashboardDenied(false)
	e.fake.FailNext(4, zoomtest.ServerError(http.StatusInternalServerError))
	run, err = e.q.Discover(ctx, e.client, Discovery{Via: models.ArrivedSweep, From: start.Add(-time.Hour * 2), To: start})
	require.NoError(t, err)
	assert.NotEmpty(t, run.Errors)
	runs, err := e.store.CoverageRuns(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.Equal(t, run.Errors, runs[0].Errors, "newest first")
}

func TestDiscoverDryRunQueuesNothing(t *testing.T) {
	e := newDiscoverEnv(t)
	ctx := context.Background()
	zm := e.ended(t, 1, start.Add(-time.Hour), 3, false)
	run, err := e.q.Discover(ctx, e.client, Discovery{Via: models.ArrivedBackfill, DryRun: true,
		From: start.Add(-24 * time.Hour), To: start})
	require.NoError(t, err)
	assert.True(t, run.DryRun)
	assert.Equal(t, 1, run.Found)
	assert.Equal(t, 1, run.Queued, "would queue")
	_, err = e.store.MeetingByUUID(ctx, zm.UUID)
	require.ErrorIs(t, err, models.ErrNotFound)
	e.requireFetches(t, 0)
}

func TestDiscoverRefusesBadRanges(t *testing.T) {
	e := newDiscoverEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		from, to time.Time
		msg      string
	}{
		{"reversed", start, start.Add(-time.Hour), "before it starts"},
		{"empty", start, start, "before it starts"},
		{"older than Zoom keeps", start.AddDate(0, -7, 0), start, "for 6 months only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.q.Discover(ctx, e.client, Discovery{Via: models.ArrivedBackfill, From: tc.from, To: tc.to})
			require.ErrorIs(t, err, ErrRange)
			assert.ErrorContains(t, err, tc.msg)
		})
	}
	runs, err := e.store.CoverageRuns(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, runs, "a refused range records nothing")
	assert.Empty(t, e.fake.Requests(), "nor asks Zoom")
	_, err = e.q.Discover(ctx, e.client, Discovery{Via: "webhook", From: start.Add(-time.Hour), To: start})
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrRange))
}

func TestSweepWorkerLooksBackOverTheLookback(t *testing.T) {
	e := newDiscoverEnv(t)
	ctx := context.Background()
	recent := e.ended(t, 1, start.Add(-70*time.Hour), 3, false)
	old := e.ended(t, 2, start.Add(-74*time.Hour), 3, false)
	w := &SweepWorker{queue: e.q, lister: e.client}
	require.NoError(t, w.Work(ctx, nil))
	m, err := e.store.MeetingByUUID(ctx, recent.UUID)
	require.NoError(t, err)
	assert.Equal(t, models.ArrivedSweep, m.ArrivedVia)
	_, err = e.store.MeetingByUUID(ctx, old.UUID)
	require.ErrorIs(t, err, models.ErrNotFound, "outside the 72h lookback")
	runs, err := e.store.CoverageRuns(ctx, 1)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, models.ArrivedSweep, runs[0].Kind)
	assert.True(t, start.Add(-72*time.Hour).Equal(runs[0].WindowFrom))
	assert.True(t, start.Equal(runs[0].WindowTo))
}

func TestSweepsRunOneAtATime(t *testing.T) {
	e := newDiscoverEnv(t)
	ctx := context.Background()
	first, err := e.q.river.Insert(ctx, SweepArgs{}, sweepInsertOpts)
	require.NoError(t, err)
	assert.False(t, first.UniqueSkippedAsDuplicate)
	// Another replica's leader, or a restart's run-on-start, while one waits.
	again, err := e.q.river.Insert(ctx, SweepArgs{}, sweepInsertOpts)
	require.NoError(t, err)
	assert.True(t, again.UniqueSkippedAsDuplicate, "a sweep waiting keeps another out")
	assert.Equal(t, first.Job.ID, again.Job.ID)
	assert.Equal(t, 1, first.Job.MaxAttempts, "a failed sweep is not retried; the next one covers its window")
}
