package models

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// CopyInto copies every table from a SQLite store into an empty one (of
// the engine under test), keeping ids, and the copy takes new rows after.
func TestCopyIntoKeepsIdsAndCounts(t *testing.T) {
	ctx := context.Background()
	src, err := Open(ctx, filepath.Join(t.TempDir(), "src.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { src.Close() })
	require.NoError(t, src.Migrate(ctx))
	u, err := src.CreateUser(ctx, "boss@example.com", RoleAdmin, "a long password")
	require.NoError(t, err)
	_, err = src.CreateSession(ctx, u.ID, time.Hour)
	require.NoError(t, err)
	_, err = src.LinkIdentity(ctx, u.ID, ProviderOIDC, "sub-1", "boss@example.com")
	require.NoError(t, err)
	_, secret, err := src.CreateToken(ctx, u.ID, "sync", 0, time.Now())
	require.NoError(t, err)
	hook, err := src.CreateWebhookEndpoint(ctx, "https://receiver.example/hook", "whsec_c2VjcmV0")
	require.NoError(t, err)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var ms []Meeting
	for i, uuid := range []string{"a==", "b==", "c=="} {
		ms = append(ms, addMeeting(t, src, uuid, start.Add(time.Duration(i)*time.Hour), 3+i))
	}
	// One deleted meeting leaves a gap in the ids that the copy must keep.
	require.NoError(t, src.DeleteMeeting(ctx, ms[1].ID))
	require.NoError(t, src.MarkFailed(ctx, ms[2].ID, "gave up"))
	fetched := addMeeting(t, src, "d==", start.Add(5*time.Hour), 2)
	end := start.Add(7 * time.Hour)
	swept, _, err := src.InsertDiscovered(ctx, Discovered{MeetingEnded: MeetingEnded{UUID: "swept==", StartTime: start.Add(6 * time.Hour),
		EndTime: &end}, Via: ArrivedSweep})
	require.NoError(t, err)
	practice, err := src.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "practice==", Webinar: true, PracticeSession: true,
		StartTime: start.Add(8 * time.Hour), EndTime: &end})
	require.NoError(t, err)
	require.NoError(t, src.RecordCoverageRun(ctx, &CoverageRun{Kind: ArrivedSweep, StartedAt: end, FinishedAt: end,
		WindowFrom: start, WindowTo: end, Found: 1, Queued: 1}))
	require.NoError(t, src.Tx(ctx, func(tx *Tx) error {
		return tx.RecordParticipantEvents(ctx, []ParticipantEvent{
			{MeetingUUID: "d==", ParticipantKey: "p:x", Event: "meeting.participant_joined", EventTime: start.Add(5 * time.Hour)},
			{MeetingUUID: "d==", ParticipantKey: "p:x", Event: "meeting.participant_left", EventTime: start.Add(6 * time.Hour)},
		})
	}))

	require.NoError(t, src.ReplaceRoster(ctx, 42, []RosterEntry{{Line: 2, Email: "a@example.com"}, {Line: 3, Name: "Bo"}},
		RosterUpload{UploadedBy: "boss@example.com", UploadedAt: end}))
	require.NoError(t, src.ReplaceRegistrants(ctx, fetched.ID, []Registrant{{RegistrantID: "r1", Email: "a@example.com"}}, "", end))
	require.NoError(t, src.Link(ctx, "n:bo", "l:bo", "boss@example.com", end))
	require.NoError(t, src.Dismiss(ctx, "n:x", "n:y", "boss@example.com", end))

	dst := openStoreTest(t)
	var progress []TableRows
	require.NoError(t, src.CopyInto(ctx, dst, func(table string, n int64) {
		progress = append(progress, TableRows{Table: table, Rows: n})
	}))
	want, err := src.RowCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, progress, "progress names each table with the rows it copied")
	got, err := dst.RowCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, []TableRows{{"users", 1}, {"sessions", 1}, {"meetings", 5}, {"segments", 10}, {"webhook_events", 3},
		{"coverage_runs", 1}, {"participant_events", 2}, {"identities", 1}, {"api_tokens", 1}, {"webhook_endpoints", 1}, {"roster_entries", 2}, {"roster_uploads", 1}, {"registrants", 1},
		{"registrant_fetches", 1}, {"identity_links", 1}, {"dismissed_suggestions", 1}}, got)
	hooks, err := dst.WebhookEndpoints(ctx)
	require.NoError(t, err)
	require.Len(t, hooks, 1)
	assert.Equal(t, hook.Secret, hooks[0].Secret, "a copied endpoint keeps its signing secret")
	owner, _, err := dst.TokenUser(ctx, secret, time.Now())
	require.NoError(t, err, "a copied token still works")
	assert.Equal(t, u.Email, owner.Email)
	copied, err := dst.MeetingByUUID(ctx, swept.UUID)
	require.NoError(t, err)
	assert.Equal(t, ArrivedSweep, copied.ArrivedVia, "how a meeting arrived is copied too")
	copied, err = dst.MeetingByUUID(ctx, practice.UUID)
	require.NoError(t, err)
	assert.True(t, copied.PracticeSession, "a practice session is copied as one")

	for _, m := range []Meeting{ms[0], ms[2], fetched} {
		copied, err := dst.MeetingByUUID(ctx, m.UUID)
		require.NoError(t, err)
		assert.Equal(t, m.ID, copied.ID, m.UUID)
	}
	_, err = dst.Authenticate(ctx, "boss@example.com", "a long password")
	assert.NoError(t, err)
	// New rows take ids after the copied ones.
	m, err := dst.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "new==", StartTime: start})
	require.NoError(t, err)
	assert.Greater(t, m.ID, swept.ID)
	_, err = dst.CreateUser(ctx, "next@example.com", RoleViewer, "a long password")
	assert.NoError(t, err)
}

func TestUnfetchedMeetings(t *testing.T) {
	ctx := context.Background()
	s := openStoreTest(t)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ended := func(uuid string) Meeting {
		m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: uuid, StartTime: start})
		require.NoError(t, err)
		return m
	}
	pending := ended("pending==")
	fetched := addMeeting(t, s, "fetched==", start, 1)
	failed := ended("failed==")
	require.NoError(t, s.MarkFailed(ctx, failed.ID, "gave up"))
	fetching := ended("fetching==")
	require.NoError(t, s.MarkFetching(ctx, fetching.ID))

	ms, err := s.UnfetchedMeetings(ctx)
	require.NoError(t, err)
	var ids []uint64
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []uint64{pending.ID, failed.ID, fetching.ID}, ids)
	assert.NotContains(t, ids, fetched.ID)
}
