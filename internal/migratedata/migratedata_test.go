package migratedata

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/testdb"
	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

func TestMigrateDataCopiesSQLiteToPostgres(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("migrate-data needs PostgreSQL: set " + testdb.EnvPostgres)
	}
	ctx := context.Background()
	from := filepath.Join(t.TempDir(), "old.db")
	src, err := models.Open(ctx, from, nil)
	require.NoError(t, err)
	require.NoError(t, src.Migrate(ctx))
	u, err := src.CreateUser(ctx, "boss@example.com", models.RoleAdmin, "a long password")
	require.NoError(t, err)
	_, err = src.CreateSession(ctx, u.ID, time.Hour)
	require.NoError(t, err)
	var want []zoomtest.Meeting
	for i := range 3 {
		zm := zoomtest.Generate(zoomtest.GenOptions{Participants: 50, Seed: int64(900 + i)})
		m, err := src.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: zm.UUID, MeetingNumber: zm.ID,
			Topic: zm.Topic, StartTime: zm.Start, EndTime: &zm.End})
		require.NoError(t, err)
		_, err = src.RecordEvent(ctx, &models.WebhookEvent{DedupKey: zm.UUID, Event: "meeting.ended", MeetingUUID: zm.UUID, Body: "{}"})
		require.NoError(t, err)
		if i == 2 {
			continue // left pending: its fetch must be queued again
		}
		var segs []models.Segment
		for _, p := range zm.Participants {
			segs = append(segs, models.Segment{Name: p.Name, Email: p.Email, JoinTime: p.Join, LeaveTime: p.Leave,
				Status: p.Status, Raw: string(p.DashboardJSON(true))})
		}
		require.NoError(t, src.Tx(ctx, func(tx *models.Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs) }))
		want = append(want, zm)
	}
	end := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	swept, _, err := src.InsertDiscovered(ctx, models.Discovered{MeetingEnded: models.MeetingEnded{UUID: "swept==",
		MeetingNumber: 5, StartTime: end.Add(-time.Hour), EndTime: &end}, Via: models.ArrivedSweep})
	require.NoError(t, err)
	require.NoError(t, src.RecordCoverageRun(ctx, &models.CoverageRun{Kind: models.ArrivedSweep, StartedAt: end, FinishedAt: end,
		WindowFrom: end.Add(-72 * time.Hour), WindowTo: end, Found: 1, Queued: 1}))
	// Who was expected, and who is who.
	require.NoError(t, src.ReplaceRoster(ctx, 5, []models.RosterEntry{{Line: 2, Email: "ann@example.com", Group: "A"}, {Line: 3, Name: "Bo"}},
		models.RosterUpload{UploadedBy: "boss@example.com", UploadedAt: end, Refusals: "line 4: no email and no name"}))
	require.NoError(t, src.ReplaceRegistrants(ctx, swept.ID, []models.Registrant{{RegistrantID: "r1", Email: "ann@example.com"}}, "", end))
	require.NoError(t, src.Link(ctx, "n:bo", "l:bo", "boss@example.com", end))
	require.NoError(t, src.Dismiss(ctx, "n:x", "n:y", "boss@example.com", end))
	src.Close()

	to := testdb.DSN(t)
	var out strings.Builder
	err = Run(ctx, []string{"--from", from, "--to", to}, &out, nil)
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "copied 100 segments")
	assert.Contains(t, out.String(), "queued 2 unfinished fetches")
	assert.Contains(t, out.String(), "copied 1 coverage runs")
	assert.Contains(t, out.String(), "verified")

	dst, err := models.Open(ctx, to, nil)
	require.NoError(t, err)
	defer dst.Close()
	for _, zm := range want {
		m, err := dst.MeetingByUUID(ctx, zm.UUID)
		require.NoError(t, err)
		assert.Equal(t, models.FetchFetched, m.FetchStatus)
		segs, err := dst.Segments(ctx, m.ID)
		require.NoError(t, err)
		require.Len(t, segs, 50)
		assert.Equal(t, zm.Participants[7].Join.UTC(), segs[7].JoinTime.UTC())
		assert.JSONEq(t, string(zm.Participants[7].DashboardJSON(true)), segs[7].Raw)
	}
	_, err = dst.Authenticate(ctx, "boss@example.com", "a long password")
	assert.NoError(t, err, "the password hash survived the copy")
	// Sequences moved past the copied ids: new rows insert.
	_, err = dst.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: "new==", StartTime: time.Now()})
	assert.NoError(t, err)
	queued := testdb.Open(t, to).Count(t, "SELECT COUNT(*) FROM river_job WHERE kind = ?", jobs.FetchParticipantsArgs{}.Kind())
	assert.Equal(t, int64(2), queued)
	m, err := dst.MeetingByUUID(ctx, swept.UUID)
	require.NoError(t, err)
	assert.Equal(t, models.ArrivedSweep, m.ArrivedVia, "how it arrived survived the copy")

	roster, err := dst.Roster(ctx, 5)
	require.NoError(t, err)
	assert.Len(t, roster, 2)
	up, err := dst.LastRosterUpload(ctx, 5)
	require.NoError(t, err)
	assert.Equal(t, []string{"line 4: no email and no name"}, up.RefusalLines())
	assert.True(t, up.Replaced)
	regs, err := dst.Registrants(ctx, []uint64{m.ID})
	require.NoError(t, err)
	assert.Len(t, regs[m.ID], 1)
	_, err = dst.RegistrantFetchOf(ctx, m.ID)
	assert.NoError(t, err)
	ids, err := dst.PersonLinks(ctx)
	require.NoError(t, err)
	assert.Equal(t, "l:bo", ids.Resolve("n:bo"))
	dismissed, err := dst.Dismissed(ctx)
	require.NoError(t, err)
	assert.Len(t, dismissed, 1)
	require.NoError(t, dst.Link(ctx, "n:new", "n:other", "boss@example.com", end), "the links' sequence moved on")

	// A second run refuses to merge into a database that has data.
	err = Run(ctx, []string{"--from", from, "--to", to}, io.Discard, nil)
	assert.ErrorContains(t, err, "not empty")
}
