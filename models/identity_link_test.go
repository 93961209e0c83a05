package models

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLinkUnlinkAndDismiss(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	require.NoError(t, s.Link(ctx, "n:ann", "u:1", "admin@example.com", at))
	require.NoError(t, s.Link(ctx, "u:1", "e:ann@example.com", "admin@example.com", at.Add(time.Minute)))
	ids, err := s.PersonLinks(ctx)
	require.NoError(t, err)
	assert.Equal(t, "e:ann@example.com", ids.Resolve("n:ann"))

	var ve *ValidationError
	require.ErrorAs(t, s.Link(ctx, "e:ann@example.com", "n:ann", "admin@example.com", at), &ve, "a cycle")
	assert.Equal(t, "into: already the same person", ve.Error())
	require.ErrorAs(t, s.Link(ctx, "n:ann", "u:2", "admin@example.com", at), &ve, "linked already")
	assert.Equal(t, "person: is linked to u:1 already; unlink it first", ve.Error())
	require.ErrorAs(t, s.Link(ctx, "n:x", "n:x", "admin@example.com", at), &ve)
	require.ErrorAs(t, s.Link(ctx, "", "n:x", "admin@example.com", at), &ve)
	require.ErrorAs(t, s.Link(ctx, "nokey", "n:x", "admin@example.com", at), &ve)
	require.ErrorAs(t, s.Link(ctx, "n:"+string(make([]byte, MaxKeyBytes)), "n:x", "admin@example.com", at), &ve)

	ls, err := s.Links(ctx)
	require.NoError(t, err)
	require.Len(t, ls, 2)
	assert.Equal(t, "admin@example.com", ls[0].CreatedBy)
	assert.True(t, at.Equal(ls[0].CreatedAt))

	require.NoError(t, s.Unlink(ctx, "u:1"))
	assert.ErrorIs(t, s.Unlink(ctx, "u:1"), ErrNotFound)
	ids, err = s.PersonLinks(ctx)
	require.NoError(t, err)
	assert.Equal(t, "u:1", ids.Resolve("n:ann"), "the rest of the chain stays")

	require.NoError(t, s.Dismiss(ctx, "n:bo", "l:bo", "admin@example.com", at))
	require.NoError(t, s.Dismiss(ctx, "n:bo", "l:bo", "admin@example.com", at), "twice is fine")
	d, err := s.Dismissed(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{pairKey("n:bo", "l:bo"): true}, d)
}

func TestReplaceRosterAndRegistrants(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.ReplaceRoster(ctx, 42, []RosterEntry{{Line: 2, Email: "a@example.com"}, {Line: 3, Name: "Bo"}},
		RosterUpload{UploadedBy: "admin@example.com", UploadedAt: at}))
	require.NoError(t, s.ReplaceRoster(ctx, 42, []RosterEntry{{Line: 2, Email: "c@example.com"}},
		RosterUpload{UploadedBy: "admin@example.com", UploadedAt: at}))
	es, err := s.Roster(ctx, 42)
	require.NoError(t, err)
	require.Len(t, es, 1, "a new upload replaces the list")
	assert.Equal(t, "c@example.com", es[0].Email)
	require.NoError(t, s.RecordRefusedRoster(ctx, 42, RosterUpload{UploadedBy: "x@example.com", UploadedAt: at, Refusals: "the file is empty"}))
	es, err = s.Roster(ctx, 42)
	require.NoError(t, err)
	assert.Len(t, es, 1, "a refused file changes nothing")
	up, err := s.LastRosterUpload(ctx, 42)
	require.NoError(t, err)
	assert.False(t, up.Replaced)
	ns, err := s.RosterNumbers(ctx)
	require.NoError(t, err)
	assert.Equal(t, []int64{42}, ns)

	m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "m==", MeetingNumber: 42, StartTime: at})
	require.NoError(t, err)
	require.NoError(t, s.ReplaceRegistrants(ctx, m.ID, []Registrant{{RegistrantID: "r1", Email: "A@Example.com"}}, "", at))
	require.NoError(t, s.ReplaceRegistrants(ctx, m.ID, nil, "Zoom refused", at), "a refusal keeps what was fetched")
	regs, err := s.Registrants(ctx, []uint64{m.ID})
	require.NoError(t, err)
	require.Len(t, regs[m.ID], 1)
	assert.Equal(t, "a@example.com", regs[m.ID][0].Email)
	f, err := s.RegistrantFetchOf(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, "Zoom refused", f.Error)
	assert.Equal(t, 1, f.Count)
	ids, err := s.RegistrantMeetings(ctx, nil, []string{"a@example.com"})
	require.NoError(t, err)
	assert.Equal(t, []uint64{m.ID}, ids)
}
