package handlers

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

func TestCoveragePage(t *testing.T) {
	e := newPagesEnv(t)
	ctx := context.Background()

	res, _, doc := e.get(t, models.RoleAdmin, "/admin/coverage")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 1, doc.Find(`[data-testid=no-runs]`).Length())
	assert.Equal(t, 1, doc.Find(`[data-testid=no-missed]`).Length())
	assert.Contains(t, text(doc.Find(`[data-testid=sweep-setting]`)), "Sweeps are off")
	assert.Equal(t, "page", doc.Find(`[data-testid=nav-coverage]`).AttrOr("aria-current", ""))

	res, _, _ = e.get(t, models.RoleViewer, "/admin/coverage")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	_, _, doc = e.get(t, models.RoleViewer, "/meetings")
	assert.Zero(t, doc.Find(`[data-testid=nav-coverage]`).Length(), "admins only")

	// A meeting by webhook, one found by a sweep, one by a backfill.
	e.addMeeting(t, models.MeetingEnded{UUID: "hooked==", MeetingNumber: 1, Topic: "By webhook", StartTime: at("09:00")}, nil)
	end := at("11:00")
	swept, inserted, err := e.store.InsertDiscovered(ctx, models.Discovered{MeetingEnded: models.MeetingEnded{UUID: "swept==",
		MeetingNumber: 2, Topic: "Found by the sweep", StartTime: at("10:00"), EndTime: &end}, Via: models.ArrivedSweep})
	require.NoError(t, err)
	require.True(t, inserted)
	back, _, err := e.store.InsertDiscovered(ctx, models.Discovered{MeetingEnded: models.MeetingEnded{UUID: "back==",
		MeetingNumber: 3, StartTime: at("08:00"), EndTime: &end}, Via: models.ArrivedBackfill})
	require.NoError(t, err)
	// A webhook that comes after the sweep changes nothing of how it arrived.
	_, err = e.store.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: "swept==", MeetingNumber: 2, StartTime: at("10:00"), EndTime: &end})
	require.NoError(t, err)

	started := at("12:00")
	require.NoError(t, e.store.RecordCoverageRun(ctx, &models.CoverageRun{Kind: models.ArrivedBackfill, DryRun: true,
		StartedAt: started.Add(-time.Hour), FinishedAt: started.Add(-time.Hour + 5*time.Second),
		WindowFrom: at("00:00"), WindowTo: at("12:00"), Lister: "report", Found: 7, AlreadyStored: 6, Queued: 1}))
	require.NoError(t, e.store.RecordCoverageRun(ctx, &models.CoverageRun{Kind: models.ArrivedSweep,
		StartedAt: started, FinishedAt: started.Add(90 * time.Second), WindowFrom: started.Add(-72 * time.Hour), WindowTo: started,
		Lister: "dashboard", Found: 12, AlreadyStored: 10, Queued: 2, Refused: 1, Errors: "report: users: <refused>"}))

	_, _, doc = e.get(t, models.RoleAdmin, "/admin/coverage")
	runs := doc.Find(`[data-testid=run]`)
	require.Equal(t, 2, runs.Length())
	first := runs.First()
	assert.Equal(t, "sweep", text(first.Find(`[data-testid=run-kind]`)), "newest first")
	assert.Equal(t, "12", text(first.Find(`[data-testid=run-found]`)))
	assert.Equal(t, "10", text(first.Find(`[data-testid=run-stored]`)))
	assert.Equal(t, "2", text(first.Find(`[data-testid=run-queued]`)))
	assert.Equal(t, "1", text(first.Find(`[data-testid=run-refused]`)))
	assert.Equal(t, "report: users: <refused>", text(first.Find(`[data-testid=run-errors]`)))
	assert.Contains(t, text(first), "(1m 30s)")
	assert.Equal(t, "backfill (dry run)", text(runs.Eq(1).Find(`[data-testid=run-kind]`)))

	missed := doc.Find(`[data-testid=missed-meeting]`)
	require.Equal(t, 2, missed.Length())
	assert.Equal(t, u64s(swept.ID), missed.First().AttrOr("data-id", ""), "latest start first")
	assert.Equal(t, "sweep", text(missed.First().Find(`[data-testid=missed-via]`)))
	assert.Equal(t, meetingURL(swept.ID), missed.First().Find("a").AttrOr("href", ""))
	assert.Equal(t, u64s(back.ID), missed.Eq(1).AttrOr("data-id", ""))
	assert.Equal(t, "backfill", text(missed.Eq(1).Find(`[data-testid=missed-via]`)))
	assert.Equal(t, "(no topic)", text(missed.Eq(1).Find("a")))

	// The meeting page says how each arrived.
	_, _, doc = e.get(t, models.RoleViewer, meetingURL(swept.ID))
	assert.Equal(t, "sweep", text(doc.Find(`[data-testid=arrived-via]`)))
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 72 * time.Hour: "72h", 90 * time.Second: "1m30s", 30 * time.Minute: "30m", time.Second: "1s",
		90 * time.Minute: "1h30m",
	} {
		assert.Equal(t, want, shortDuration(d), d.String())
	}
}
