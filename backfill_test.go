package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/app"
	"rollcall/internal/apptest"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

func TestBackfillCommand(t *testing.T) {
	ctx := context.Background()
	fake := zoomtest.NewServer()
	defer fake.Close()
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	// Days in Paris, ten and eight days ago.
	first := time.Now().In(paris).AddDate(0, 0, -10)
	first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, paris)
	last := first.AddDate(0, 0, 2)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	add := func(seed int64, end time.Time, n int) zoomtest.Meeting {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: n, Seed: seed, Start: end.Add(-time.Hour)})
		fake.AddMeeting(m)
		return m
	}
	// In the range: ended half an hour into the first Paris day (still the
	// day before in UTC), one alone, one already stored, one at the last
	// minute of the last day. Out of it: a minute before and after.
	early := add(1, first.Add(30*time.Minute), 4)
	alone := add(2, first.Add(5*time.Hour), 1)
	stored := add(3, first.Add(26*time.Hour), 4)
	late := add(4, last.Add(24*time.Hour-time.Minute), 4)
	before := add(5, first.Add(-time.Minute), 4)
	after := add(6, last.Add(24*time.Hour+time.Minute), 4)

	dbPath := filepath.Join(t.TempDir(), "b.db")
	env := map[string]string{"ROLLCALL_DATABASE": dbPath, "ROLLCALL_TIMEZONE": "Europe/Paris",
		"ZOOM_RATE_RESOURCE_INTENSIVE": "6000", "ROLLCALL_LOG_LEVEL": "error"}
	for k, v := range apptest.ZoomSettings(fake) {
		env[k] = v
	}
	getenv := func(k string) string { return env[k] }
	store, err := app.OpenStore(ctx, dbPath, nil)
	require.NoError(t, err)
	_, err = store.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: stored.UUID, MeetingNumber: stored.ID,
		StartTime: stored.Start, EndTime: &stored.End})
	require.NoError(t, err)
	require.NoError(t, store.Close())

	backfill := func(args ...string) (string, error) {
		var out strings.Builder
		err := run(ctx, append([]string{"rollcall", "backfill"}, args...), getenv, nil, &out, io.Discard)
		return out.String(), err
	}

	out, err := backfill("--from", day(first), "--to", day(last), "--dry-run")
	require.NoError(t, err)
	assert.Equal(t, "window 1 of 1 listed, 4 found so far\n"+
		"backfill "+day(first)+" to "+day(last)+" (Europe/Paris), listed with dashboard\n"+
		"found:          4\n"+
		"already stored: 1\n"+
		"queued:         3 (dry run: would be queued; nothing was)\n"+
		"refused:        0\n", out, "plain lines: stdout is not a terminal")

	out, err = backfill("--from", day(first), "--to", day(last))
	require.NoError(t, err)
	assert.Contains(t, out, "found:          4\nalready stored: 1\nqueued:         3\nrefused:        0\n")

	store, err = app.OpenStore(ctx, dbPath, nil)
	require.NoError(t, err)
	defer store.Close()
	for _, m := range []zoomtest.Meeting{early, alone, late} {
		got, err := store.MeetingByUUID(ctx, m.UUID)
		require.NoError(t, err, m.UUID)
		assert.Equal(t, models.ArrivedBackfill, got.ArrivedVia)
	}
	got, err := store.MeetingByUUID(ctx, stored.UUID)
	require.NoError(t, err)
	assert.Equal(t, models.ArrivedWebhook, got.ArrivedVia, "left alone")
	for _, m := range []zoomtest.Meeting{before, after} {
		_, err := store.MeetingByUUID(ctx, m.UUID)
		require.ErrorIs(t, err, models.ErrNotFound, "outside the days")
	}
	runs, err := store.CoverageRuns(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.False(t, runs[0].DryRun)
	assert.True(t, runs[1].DryRun)

	out, err = backfill("--from", day(first), "--to", day(last))
	require.NoError(t, err)
	assert.Contains(t, out, "found:          4\nalready stored: 4\nqueued:         0\n", "a second run queues nothing")

	fake.SetDashboardDenied(true)
	out, err = backfill("--from", day(first), "--to", day(last))
	require.NoError(t, err)
	assert.Contains(t, out, "listed with report\n")
	assert.Contains(t, out, "found:          4\nalready stored: 4\n", "the Report's past and pastOne lists")
}

func TestBackfillCommandRefuses(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	env := map[string]string{"ROLLCALL_DATABASE": filepath.Join(t.TempDir(), "r.db")}
	for k, v := range apptest.ZoomSettings(fake) {
		env[k] = v
	}
	old := time.Now().AddDate(0, -7, 0).Format(time.DateOnly)
	recent := time.Now().AddDate(0, 0, -3).Format(time.DateOnly)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"reversed", []string{"--from", recent, "--to", old}, "backfill: --from " + recent + " is after --to " + old},
		{"too old", []string{"--from", old, "--to", recent}, "Zoom lists past meetings for 6 months only"},
		{"no from", []string{"--to", recent}, "backfill: --from is required"},
		{"bad day", []string{"--from", "1 Nov", "--to", recent}, `backfill: --from "1 Nov" is not a day like 2026-11-01`},
		{"unknown flag", []string{"--since", recent}, "flag provided but not defined: -since"},
		{"future", []string{"--from", time.Now().AddDate(0, 0, 2).Format(time.DateOnly), "--to",
			time.Now().AddDate(0, 0, 3).Format(time.DateOnly)}, "has not begun yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), append([]string{"rollcall", "backfill"}, tc.args...),
				func(k string) string { return env[k] }, nil, &out, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.Empty(t, out.String())
		})
	}
	assert.Empty(t, fake.Requests(), "nothing asked of Zoom")

	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"rollcall", "backfill", "--help"}, func(string) string { return "" }, nil, &out, io.Discard))
	assert.Contains(t, out.String(), "Usage: rollcall backfill --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run]")
}

func TestBackfillProgressBar(t *testing.T) {
	var out strings.Builder
	p := &progress{w: &out, terminal: true}
	p.update(1, 3, 5)
	p.update(3, 3, 9)
	p.done()
	assert.Equal(t, "\r[##########....................] 1/3 windows, 5 found"+
		"\r[##############################] 3/3 windows, 9 found\n", out.String())
}
