package jobs

import (
	"context"
	"fmt"
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

// Zoom's answers, as the client returns them.
var (
	notReady     = &zoom.APIError{Status: 404, Code: 3001, Message: "Meeting does not exist: x.", Method: "GET", Path: "/v2/metrics/meetings/x/participants"}
	badToken     = &zoom.APIError{Status: 401, Code: 124, Message: "Invalid access token."}
	paidOnly     = &zoom.APIError{Status: 400, Code: 200, Message: "Only available for paid account."}
	badGateway   = &zoom.APIError{Status: 502, Message: "Bad Gateway"}
	twoAttendees = []zoom.Participant{
		{UserName: "Grace Hopper", Email: "grace@example.com", ParticipantUUID: "p-1",
			JoinTime: start.Add(-time.Hour), LeaveTime: new(start.Add(-2 * time.Minute))},
		{UserName: "Alan Turing", Email: "alan@example.com", ParticipantUUID: "p-2",
			JoinTime: start.Add(-50 * time.Minute), LeaveTime: new(start.Add(-time.Minute))},
	}
)

func TestFetchStoresParticipants(t *testing.T) {
	for _, tc := range []struct {
		name      string
		webinar   bool
		source    string
		hostEmail string // filled from PastMeeting: Zoom has none for webinars
	}{
		{name: "meeting", source: string(zoom.SourceDashboard), hostEmail: "ada@example.com"},
		{name: "webinar", webinar: true, source: string(zoom.SourceReport)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, Config{})
			m := e.meeting(t, "uuid-"+tc.name, tc.webinar)
			e.zoom.answer(twoAttendees, nil)

			res, err := e.fetch(t, m, nil)
			require.NoError(t, err)
			assert.Equal(t, river.EventKindJobCompleted, res.EventKind)
			assert.Equal(t, rivertype.JobStateCompleted, res.Job.State)

			got := e.storedMeeting(t, m.ID)
			assert.Equal(t, models.FetchFetched, got.FetchStatus)
			assert.Empty(t, got.LastError)
			assert.Equal(t, tc.source, got.Source)
			assert.Equal(t, 2, got.SegmentCount)
			assert.Equal(t, 2, got.People)
			assert.Equal(t, 1, got.FetchAttempts)
			assert.Equal(t, tc.hostEmail, got.HostEmail)
			segs, err := e.store.Segments(context.Background(), m.ID)
			require.NoError(t, err)
			require.Len(t, segs, 2)
			assert.Equal(t, "Grace Hopper", segs[0].Name)
			assert.Equal(t, "alan@example.com", segs[1].Email)
			if tc.webinar {
				assert.Equal(t, 1, e.zoom.webinars)
			}
		})
	}
}

// TestFetchSnoozesWhileZoomIsNotReady follows one fetch through Zoom's
// "not ready" answers: each wait doubles from NotReadyRetry up to
// NotReadyMaxWait, and the fetch stores the list once Zoom has it.
func TestFetchSnoozesWhileZoomIsNotReady(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error // nil: Zoom answers with an empty list
		reason string
		retry  time.Duration
		waits  []time.Duration
	}{
		{
			name: "code 3001", err: notReady, reason: "waiting for Zoom: " + notReady.Error(),
			retry: 10 * time.Second,
			waits: []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
				160 * time.Second, 5 * time.Minute, 5 * time.Minute},
		},
		{
			name: "no participants", reason: "waiting for Zoom: " + errNoParticipants.Error(),
			retry: 10 * time.Second,
			waits: []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second},
		},
		{
			name: "first wait from NotReadyRetry", err: notReady, reason: "waiting for Zoom: " + notReady.Error(),
			retry: 45 * time.Second,
			waits: []time.Duration{45 * time.Second, 90 * time.Second, 180 * time.Second, 5 * time.Minute, 5 * time.Minute},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, Config{NotReadyRetry: tc.retry})
			m := e.meeting(t, "uuid-1", false)
			e.zoom.answer(nil, tc.err)

			var job *rivertype.JobRow
			for i, want := range tc.waits {
				var (
					res *rivertest.WorkResult
					err error
				)
				if job == nil {
					res, err = e.fetch(t, m, nil)
				} else {
					res, err = e.refetch(t, job)
				}
				require.NoError(t, err)
				require.Equal(t, river.EventKindJobSnoozed, res.EventKind, "wait %d", i)
				assert.Equal(t, rivertype.JobStateScheduled, res.Job.State)
				assert.Equal(t, want, res.Job.ScheduledAt.Sub(e.clock.Now()), "wait %d", i)
				assert.Equal(t, 0, res.Job.Attempt, "a snooze gives the attempt back")
				got := e.storedMeeting(t, m.ID)
				assert.Equal(t, models.FetchPending, got.FetchStatus)
				assert.Equal(t, tc.reason, got.LastError)
				job = res.Job
				e.clock.Advance(want)
			}

			e.zoom.answer(twoAttendees, nil)
			res, err := e.refetch(t, job)
			require.NoError(t, err)
			assert.Equal(t, river.EventKindJobCompleted, res.EventKind)
			got := e.storedMeeting(t, m.ID)
			assert.Equal(t, models.FetchFetched, got.FetchStatus)
			assert.Equal(t, 2, got.SegmentCount)
			assert.Equal(t, len(tc.waits)+1, got.FetchAttempts)
		})
	}
}

// TestFetchSnoozesUntilRetryAfter: a 429 snoozes the fetch for Zoom's
// Retry-After (seconds or a date; a minute without one) plus a little
// jitter, and counts as a wait for the next "not ready".
func TestFetchSnoozesUntilRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  func(now time.Time) *zoom.RateLimitError
		wait time.Duration
	}{
		{
			name: "retry after seconds", wait: 30 * time.Second,
			err: func(now time.Time) *zoom.RateLimitError {
				return &zoom.RateLimitError{RetryAfter: 30 * time.Second, Until: now.Add(30 * time.Second), Type: "QPS",
					Err: &zoom.APIError{Status: 429, Code: 429, Message: "You have reached the maximum per-second rate limit."}}
			},
		},
		{
			name: "retry after date", wait: 20 * time.Minute,
			err: func(now time.Time) *zoom.RateLimitError {
				return &zoom.RateLimitError{Until: now.Add(20 * time.Minute), Type: "Daily-limit",
					Err: &zoom.APIError{Status: 429, Code: 429, Message: "You have reached the maximum daily rate limit."}}
			},
		},
		{
			name: "no retry after", wait: time.Minute,
			err: func(time.Time) *zoom.RateLimitError {
				return &zoom.RateLimitError{Err: &zoom.APIError{Status: 429, Message: "Too Many Requests"}}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, Config{NotReadyRetry: 10 * time.Second})
			m := e.meeting(t, "uuid-1", false)
			rl := tc.err(e.clock.Now())
			e.zoom.answer(nil, rl)

			res, err := e.fetch(t, m, nil)
			require.NoError(t, err)
			require.Equal(t, river.EventKindJobSnoozed, res.EventKind)
			jitter := tc.wait/10 + 250*time.Millisecond
			assert.GreaterOrEqual(t, res.Job.ScheduledAt.Sub(e.clock.Now()), tc.wait)
			assert.Less(t, res.Job.ScheduledAt.Sub(e.clock.Now()), tc.wait+jitter)
			got := e.storedMeeting(t, m.ID)
			assert.Equal(t, models.FetchPending, got.FetchStatus)
			assert.Equal(t, "rate limited by Zoom: "+rl.Error(), got.LastError)

			e.clock.Set(res.Job.ScheduledAt)
			e.zoom.answer(nil, notReady)
			res, err = e.refetch(t, res.Job)
			require.NoError(t, err)
			require.Equal(t, river.EventKindJobSnoozed, res.EventKind)
			assert.Equal(t, 20*time.Second, res.Job.ScheduledAt.Sub(e.clock.Now()), "the second wait")
		})
	}
}

func TestFetchCancelsOnCredentialsAndPermissions(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		is   error
	}{
		{name: "bad credentials", err: badToken, is: zoom.ErrUnauthorized},
		{name: "missing permission", err: paidOnly, is: zoom.ErrPermission},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.err, tc.is)
			e := newTestEnv(t, Config{})
			m := e.meeting(t, "uuid-1", false)
			e.zoom.answer(nil, tc.err)

			res, _ := e.fetch(t, m, nil)
			assert.Equal(t, river.EventKindJobCancelled, res.EventKind)
			assert.Equal(t, rivertype.JobStateCancelled, res.Job.State)
			require.Len(t, res.Job.Errors, 1)
			assert.Contains(t, res.Job.Errors[0].Error, tc.err.Error())
			got := e.storedMeeting(t, m.ID)
			assert.Equal(t, models.FetchFailed, got.FetchStatus)
			assert.Equal(t, tc.err.Error(), got.LastError)
		})
	}
}

// TestFetchGivesUpAfterNotReadyGiveUp: "not ready" past FetchDelay plus
// NotReadyGiveUp after the job was queued cancels the fetch and records the
// meeting as failed; an empty list that long is stored as nobody.
func TestFetchGivesUpAfterNotReadyGiveUp(t *testing.T) {
	const fetchDelay, giveUp = 2 * time.Minute, time.Hour
	deadline := start.Add(fetchDelay + giveUp)

	t.Run("not ready", func(t *testing.T) {
		e := newTestEnv(t, Config{FetchDelay: fetchDelay, NotReadyGiveUp: giveUp})
		m := e.meeting(t, "uuid-1", false)
		e.zoom.answer(nil, notReady)
		res, err := e.fetch(t, m, nil)
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobSnoozed, res.EventKind)
		require.Equal(t, start, res.Job.CreatedAt.UTC())

		e.clock.Set(deadline)
		res, err = e.refetch(t, res.Job)
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobSnoozed, res.EventKind, "still asking at the deadline")

		e.clock.Set(deadline.Add(time.Second))
		res, _ = e.refetch(t, res.Job)
		assert.Equal(t, river.EventKindJobCancelled, res.EventKind)
		assert.Equal(t, rivertype.JobStateCancelled, res.Job.State)
		got := e.storedMeeting(t, m.ID)
		assert.Equal(t, models.FetchFailed, got.FetchStatus)
		assert.Equal(t, "Zoom still reports the meeting as not ready after 1h0m0s: "+notReady.Error(), got.LastError)
	})

	t.Run("no participants", func(t *testing.T) {
		e := newTestEnv(t, Config{FetchDelay: fetchDelay, NotReadyGiveUp: giveUp})
		m := e.meeting(t, "uuid-1", false)
		e.zoom.answer(nil, nil)
		res, err := e.fetch(t, m, nil)
		require.NoError(t, err)
		require.Equal(t, river.EventKindJobSnoozed, res.EventKind)

		e.clock.Set(deadline.Add(time.Second))
		res, err = e.refetch(t, res.Job)
		require.NoError(t, err)
		assert.Equal(t, river.EventKindJobCompleted, res.EventKind)
		got := e.storedMeeting(t, m.ID)
		assert.Equal(t, models.FetchFetched, got.FetchStatus)
		assert.Empty(t, got.LastError)
		assert.Equal(t, 0, got.SegmentCount)
	})
}

// TestFetchRetriesThenFails: any other error is River's to retry with
// backoff; after MaxAttempts the meeting is recorded as failed.
func TestFetchRetriesThenFails(t *testing.T) {
	e := newTestEnv(t, Config{MaxAttempts: 3})
	m := e.meeting(t, "uuid-1", false)
	e.zoom.answer(nil, badGateway)

	var job *rivertype.JobRow
	for attempt := 1; attempt <= 3; attempt++ {
		var (
			res *rivertest.WorkResult
			err error
		)
		if job == nil {
			res, err = e.fetch(t, m, nil)
		} else {
			res, err = e.refetch(t, job)
		}
		require.ErrorIs(t, err, badGateway)
		require.Equal(t, river.EventKindJobFailed, res.EventKind)
		require.Equal(t, attempt, res.Job.Attempt)
		require.Len(t, res.Job.Errors, attempt)
		got := e.storedMeeting(t, m.ID)
		if attempt < 3 {
			assert.Contains(t, []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRetryable}, res.Job.State)
			assert.Equal(t, models.FetchPending, got.FetchStatus)
			assert.Equal(t, badGateway.Error(), got.LastError)
		} else {
			assert.Equal(t, rivertype.JobStateDiscarded, res.Job.State)
			assert.Equal(t, models.FetchFailed, got.FetchStatus)
			assert.Equal(t, "gave up after 3 attempts: "+badGateway.Error(), got.LastError)
		}
		job = res.Job
		e.clock.Set(job.ScheduledAt)
	}
}

func TestFetchCancelsForADeletedMeeting(t *testing.T) {
	e := newTestEnv(t, Config{})
	m := e.meeting(t, "uuid-1", false)
	require.NoError(t, e.store.DeleteMeeting(context.Background(), m.ID))

	res, _ := e.fetch(t, m, nil)
	assert.Equal(t, river.EventKindJobCancelled, res.EventKind)
	require.Len(t, res.Job.Errors, 1)
	assert.Contains(t, res.Job.Errors[0].Error, models.ErrNotFound.Error())
}

// TestFetchPastMeetingDetails: a meeting whose webhook lacked details gets
// them from Zoom's past meeting; without its time window it cannot be
// stored, so a "not ready" there waits like the list's.
func TestFetchPastMeetingDetails(t *testing.T) {
	t.Run("window missing, details not ready", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		m, err := e.store.UpsertEndedMeeting(context.Background(), models.MeetingEnded{UUID: "uuid-1", MeetingNumber: 1, StartTime: start.Add(-time.Hour)})
		require.NoError(t, err)
		e.zoom.pastErr = notReady
		e.zoom.answer(twoAttendees, nil)

		res, err := e.fetch(t, m, nil)
		require.NoError(t, err)
		assert.Equal(t, river.EventKindJobSnoozed, res.EventKind)
		assert.Equal(t, "waiting for Zoom: meeting details: "+notReady.Error(), e.storedMeeting(t, m.ID).LastError)
	})

	t.Run("window known, details unavailable", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		m := e.meeting(t, "uuid-1", false)
		e.zoom.pastErr = badGateway
		e.zoom.answer(twoAttendees, nil)

		res, err := e.fetch(t, m, nil)
		require.NoError(t, err)
		assert.Equal(t, river.EventKindJobCompleted, res.EventKind)
		got := e.storedMeeting(t, m.ID)
		assert.Equal(t, models.FetchFetched, got.FetchStatus)
		assert.Empty(t, got.HostEmail, "only cosmetic details were missing")
	})

	t.Run("details filled", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		m, err := e.store.UpsertEndedMeeting(context.Background(), models.MeetingEnded{UUID: "uuid-1", MeetingNumber: 1, StartTime: start.Add(-time.Hour)})
		require.NoError(t, err)
		e.zoom.past.StartTime, e.zoom.past.EndTime = start.Add(-time.Hour), start.Add(-time.Minute)
		e.zoom.answer(twoAttendees, nil)

		res, err := e.fetch(t, m, nil)
		require.NoError(t, err)
		assert.Equal(t, river.EventKindJobCompleted, res.EventKind)
		got := e.storedMeeting(t, m.ID)
		assert.Equal(t, "Weekly sync", got.Topic)
		assert.Equal(t, "ada@example.com", got.HostEmail)
		require.NotNil(t, got.EndTime)
		assert.True(t, got.EndTime.Equal(start.Add(-time.Minute)))
	})
}

func TestNotReadyWait(t *testing.T) {
	cfg := Config{NotReadyRetry: 10 * time.Second, NotReadyMaxWait: 5 * time.Minute}
	var got []time.Duration
	for n := range 8 {
		got = append(got, notReadyWait(cfg, n))
	}
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}, got)
}

func TestWaitsOf(t *testing.T) {
	for _, tc := range []struct {
		metadata string
		want     int
	}{
		{`{}`, 0},
		{``, 0},
		{`{"snoozes": 4}`, 0}, // River's own count is not ours
		{`{"fetch_waits": 3, "snoozes": 4}`, 3},
		{`{"fetch_waits": "x"}`, 0},
	} {
		job := &river.Job[FetchParticipantsArgs]{JobRow: &rivertype.JobRow{Metadata: []byte(tc.metadata)}}
		assert.Equal(t, tc.want, waitsOf(job), tc.metadata)
	}
}

// TestFetchFromLiveEvents: when Zoom refuses both participant lists for
// plan or scope, a meeting with live events gets its event-built segments
// (source webhooks); with EventsOnly Zoom is not asked at all.
func TestFetchFromLiveEvents(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		zoomErr error
	}{
		{name: "API refused", zoomErr: paidOnly},
		{name: "events only", cfg: Config{EventsOnly: true}, zoomErr: badGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newTestEnv(t, tc.cfg)
			m := e.meeting(t, "uuid-live", false)
			e.zoom.answer(nil, tc.zoomErr)
			joined := start.Add(-50 * time.Minute)
			require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error {
				return tx.RecordParticipantEvents(ctx, []models.ParticipantEvent{
					{MeetingUUID: m.UUID, ParticipantKey: "p:1", Event: zoom.EventParticipantJoined, EventTime: joined,
						ParticipantUUID: "1", Name: "Grace Hopper", Email: "grace@example.com"},
					{MeetingUUID: m.UUID, ParticipantKey: "p:1", Event: zoom.EventParticipantLeft, EventTime: joined.Add(30 * time.Minute),
						ParticipantUUID: "1", Name: "Grace Hopper", Email: "grace@example.com"},
					{MeetingUUID: m.UUID, ParticipantKey: "p:2", Event: zoom.EventParticipantJoined, EventTime: joined,
						ParticipantUUID: "2", Name: "Alan Turing"},
				})
			}))

			res, err := e.fetch(t, m, nil)
			require.NoError(t, err)
			assert.Equal(t, river.EventKindJobCompleted, res.EventKind)
			got := e.storedMeeting(t, m.ID)
			assert.Equal(t, models.FetchFetched, got.FetchStatus)
			assert.Equal(t, models.SourceWebhooks, got.Source)
			assert.Empty(t, got.LastError)
			assert.Equal(t, 2, got.SegmentCount)
			assert.Equal(t, 2, got.People)
			segs, err := e.store.Segments(ctx, m.ID)
			require.NoError(t, err)
			require.Len(t, segs, 2)
			assert.Equal(t, "e:grace@example.com", segs[0].PersonKey)
			assert.Nil(t, segs[1].LeaveTime, "Alan never left: until the end")
		})
	}
}

// A webinar.ended without end_time (Zoom's spec makes it optional) gets
// its window from the webinar's report, so attendance is not 0 % for all;
// a webinar whose end event had both times asks nothing more.
func TestFetchWebinarWithoutEndTimeAsksTheReport(t *testing.T) {
	e := newTestEnv(t, Config{})
	ctx := context.Background()
	begin, end := start.Add(-61*time.Minute), start.Add(-time.Minute)
	m, err := e.store.UpsertEndedMeeting(ctx, models.MeetingEnded{
		UUID: "webinar-no-end==", MeetingNumber: 91234567890, Webinar: true, Topic: "Town hall", Type: 5,
		StartTime: begin,
	})
	require.NoError(t, err)
	require.Nil(t, m.EndTime)
	e.zoom.report = zoom.ReportDetail{Topic: "Town hall", Type: 5, StartTime: begin, EndTime: end,
		UserName: "Ada Host", UserEmail: "ada@example.com"}
	e.zoom.answer(twoAttendees, nil)

	_, err = e.fetch(t, m, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, e.zoom.reports)
	got := e.storedMeeting(t, m.ID)
	require.NotNil(t, got.EndTime)
	assert.True(t, end.Equal(*got.EndTime), "end %s", got.EndTime)
	segs, err := e.store.SegmentsForPage(ctx, m.ID)
	require.NoError(t, err)
	for _, a := range models.MeetingAttendance(got, segs, start, models.DefaultThresholds()) {
		assert.Greater(t, a.Percent, 0.0, a.Name)
	}

	// With the window in its end event, no report is asked for.
	m2 := e.meeting(t, "webinar-with-end==", true)
	_, err = e.fetch(t, m2, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, e.zoom.reports)
}

func TestFetchNamesAWebinarHostKnownOnlyByID(t *testing.T) {
	e := newTestEnv(t, Config{})
	ctx := context.Background()
	e.zoom.users = map[string]zoom.User{"tUprdTqvzv2PM5mTjgdXDQ": {ID: "tUprdTqvzv2PM5mTjgdXDQ", FirstName: "Ada", LastName: "Host", Email: "ada@example.com"}}
	e.zoom.answer(twoAttendees, nil)
	end := start.Add(-time.Minute)
	webinar := func(uuid, host string) models.Meeting {
		m, err := e.store.UpsertEndedMeeting(ctx, models.MeetingEnded{
			UUID: uuid, MeetingNumber: 91234567890, Webinar: true, Topic: "Town hall", Type: 5, HostID: host,
			StartTime: start.Add(-time.Hour), EndTime: &end,
		})
		require.NoError(t, err)
		_, err = e.fetch(t, m, nil)
		require.NoError(t, err)
		return e.storedMeeting(t, m.ID)
	}

	got := webinar("webinar-1==", "tUprdTqvzv2PM5mTjgdXDQ")
	assert.Equal(t, "Ada Host", got.HostName)
	assert.Equal(t, "ada@example.com", got.HostEmail)
	assert.Equal(t, "tUprdTqvzv2PM5mTjgdXDQ", got.HostID, "the ID stays")
	got = webinar("webinar-2==", "tUprdTqvzv2PM5mTjgdXDQ")
	assert.Equal(t, "Ada Host", got.HostName)
	assert.Equal(t, 1, e.zoom.lookups, "the second instance's host is remembered")

	// A user Zoom does not know: the ID stays the only name, the fetch
	// succeeds, and the answer is remembered too.
	got = webinar("webinar-3==", "gone-user")
	assert.Empty(t, got.HostName)
	assert.Equal(t, models.FetchFetched, got.FetchStatus)
	webinar("webinar-4==", "gone-user")
	assert.Equal(t, 2, e.zoom.lookups)

	// Any other failure is not remembered, and does not fail the fetch.
	e.zoom.userErr = &zoom.APIError{Status: 500, Message: "boom"}
	got = webinar("webinar-5==", "someone-else")
	assert.Equal(t, models.FetchFetched, got.FetchStatus)
	assert.Empty(t, got.HostName)
}

func TestHostNamesStayBounded(t *testing.T) {
	now := start
	h := newHostNames(func() time.Time { return now })
	asks := 0
	ask := func(_ context.Context, id string) (zoom.User, error) {
		asks++
		return zoom.User{ID: id, DisplayName: "Host " + id}, nil
	}
	ctx := context.Background()
	for i := range hostCacheSize + 50 {
		name, _, err := h.lookup(ctx, fmt.Sprintf("id-%d", i), ask)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("Host id-%d", i), name)
	}
	assert.Equal(t, hostCacheSize, h.size(), "never more than hostCacheSize answers")
	assert.Equal(t, hostCacheSize+50, asks)

	// An answer older than hostCacheTTL is asked again.
	last := fmt.Sprintf("id-%d", hostCacheSize+49)
	_, _, err := h.lookup(ctx, last, ask)
	require.NoError(t, err)
	assert.Equal(t, hostCacheSize+50, asks, "fresh: remembered")
	now = now.Add(hostCacheTTL)
	_, _, err = h.lookup(ctx, last, ask)
	require.NoError(t, err)
	assert.Equal(t, hostCacheSize+51, asks, "expired: asked again")
}
