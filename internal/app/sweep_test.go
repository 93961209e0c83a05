package app_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// TestSweepFindsMissedWebhooks is the fault test of backfill and sweep: the
// fake Zoom ends many meetings over the last two days; 30 % of their
// meeting.ended webhooks are never delivered (Zoom gave up), and rollcall
// is stopped for a stretch in the middle, so the webhooks of that stretch
// find nobody. Then rollcall starts again with sweeps on: after its one
// sweep every meeting is stored, each exactly once, with exactly the rows
// Zoom lists; the ones whose webhook came say "webhook", the others
// "sweep", and the sweep's record counts them.
//
// The default run uses 200 meetings; ROLLCALL_LONG=1 uses 1,000.
func TestSweepFindsMissedWebhooks(t *testing.T) {
	n := 200
	if long() {
		n = 1000
	}
	ctx := context.Background()
	fake := zoomtest.NewServer()
	defer fake.Close()
	fast := map[string]string{
		"ROLLCALL_LOG_LEVEL": "error", "ZOOM_RATE_HEAVY": "500", "ZOOM_RATE_MEDIUM": "500", "ZOOM_RATE_LIGHT": "500",
		"ZOOM_RATE_RESOURCE_INTENSIVE": "30000",
	}
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range fast {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}

	// Meetings ending every few minutes over the last two days; some with
	// one participant (Zoom's pastOne list), some webinars.
	now := time.Now().UTC().Truncate(time.Second)
	step := (48 * time.Hour / time.Duration(n)).Truncate(time.Second) // Zoom's times are whole seconds
	meetings := make([]zoomtest.Meeting, n)
	for i := range meetings {
		opts := zoomtest.GenOptions{Participants: 2 + i%9, Seed: int64(90_000 + i),
			Start: now.Add(-49*time.Hour + time.Duration(i)*step), Length: 40 * time.Minute}
		if i%20 == 7 {
			opts.Participants = 1
		}
		opts.Webinar = i%25 == 11
		meetings[i] = zoomtest.Generate(opts)
		fake.AddMeeting(meetings[i])
	}
	// Which webhooks arrive: 30 % are never delivered, and those of the
	// middle stretch (rollcall stopped) find nobody.
	rng := rand.New(rand.NewPCG(5, 8))
	lost := map[string]bool{}
	for _, i := range rng.Perm(n)[:n*3/10] {
		lost[meetings[i].UUID] = true
	}
	downFrom, downTo := n*2/5, n*3/5
	delivered := map[string]bool{}

	deliver := func(a *apptest.App, ms []zoomtest.Meeting) {
		t.Helper()
		for _, m := range ms {
			if lost[m.UUID] {
				continue
			}
			require.Equal(t, http.StatusOK, a.PostEnded(t, m), m.UUID)
			delivered[m.UUID] = true
		}
		for _, m := range ms {
			if delivered[m.UUID] {
				apptest.WaitFetched(t, a.Store(), m.UUID, 30*time.Second)
			}
		}
	}

	// Up, sweeps off: the first stretch's webhooks (less the lost ones).
	first := apptest.Start(t, fake, with(nil))
	deliver(first, meetings[:downFrom])
	require.NoError(t, first.Stop())

	// Down: Zoom's deliveries of the middle stretch fail.
	for _, m := range meetings[downFrom:downTo] {
		req, err := zoomtest.SignedWebhook(first.URL+"/webhooks/zoom", fake.WebhookSecret,
			zoomtest.MeetingEndedBody(m, m.End), time.Now())
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		require.Error(t, err, "rollcall is down")
	}

	// Up again on the same database, sweeps still off: the last stretch.
	second := apptest.Start(t, fake, with(map[string]string{"ROLLCALL_DATABASE": first.DSN}))
	deliver(second, meetings[downTo:])
	stored, err := second.Store().CountByStatus(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(len(delivered)), stored[models.FetchFetched])
	require.Less(t, len(delivered), n*7/10, "the lost and the down stretch's webhooks are missing")
	require.NoError(t, second.Stop())

	// Up with sweeps on: one sweep at start finds the rest.
	third := apptest.Start(t, fake, with(map[string]string{"ROLLCALL_DATABASE": first.DSN, "ROLLCALL_SWEEP_EVERY": "1h"}))
	db := third.Store()
	require.Eventually(t, func() bool {
		counts, err := db.CountByStatus(ctx)
		return err == nil && counts[models.FetchFetched] == int64(n)
	}, 60*time.Second, 50*time.Millisecond, "every meeting fetched after the sweep")

	runs, err := db.CoverageRuns(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 1, "one sweep")
	run := runs[0]
	assert.Equal(t, models.ArrivedSweep, run.Kind)
	assert.Equal(t, n, run.Found)
	assert.Equal(t, len(delivered), run.AlreadyStored)
	assert.Equal(t, n-len(delivered), run.Queued)
	assert.Zero(t, run.Refused)
	assert.Empty(t, run.Errors)
	assert.Equal(t, "dashboard", run.Lister)

	counts, err := db.CountByStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{models.FetchFetched: int64(n)}, counts, "each meeting exactly once, all fetched")
	missed, err := db.MissedWebhookMeetings(ctx, n+1)
	require.NoError(t, err)
	assert.Len(t, missed, n-len(delivered))
	for _, zm := range meetings {
		apptest.AssertStoredExactly(t, db, zm)
		m, err := db.MeetingByUUID(ctx, zm.UUID)
		require.NoError(t, err)
		want := models.ArrivedSweep
		if delivered[zm.UUID] {
			want = models.ArrivedWebhook
		}
		assert.Equal(t, want, m.ArrivedVia, zm.UUID)
		assert.Equal(t, zm.Webinar, m.Webinar, zm.UUID)
		assert.Equal(t, zm.Topic, m.Topic, zm.UUID)
		require.NotNil(t, m.EndTime)
		assert.True(t, zm.End.Equal(*m.EndTime), zm.UUID)
	}
}
