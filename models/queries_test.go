package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/testdb"
)

func openQueriesTest(tb testing.TB) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, testdb.DSN(tb), nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { s.Close() })
	require.NoError(tb, s.Migrate(ctx))
	return s
}

func TestMeetingCursorRoundTrips(t *testing.T) {
	c := MeetingCursor{StartTime: time.Date(2026, 11, 20, 10, 0, 0, 123456789, time.UTC), ID: 42}
	got, err := ParseMeetingCursor(c.String())
	require.NoError(t, err)
	assert.Equal(t, c, got)
	for _, bad := range []string{"", "1", "x,1", "1,x", "1,-1"} {
		_, err := ParseMeetingCursor(bad)
		assert.Error(t, err, bad)
	}
}

// TestListMeetingsPagesThroughTies pages in both directions over meetings
// that share start times, which only a (start_time, id) keyset gets right.
func TestListMeetingsPagesThroughTies(t *testing.T) {
	s := openQueriesTest(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	const n = 23
	for i := range n {
		// Three meetings per start time; fractional seconds on some.
		start := base.Add(-time.Duration(i/3) * time.Hour)
		if i/3 == 2 {
			start = start.Add(250 * time.Millisecond)
		}
		_, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: fmt.Sprintf("m%02d", i), MeetingNumber: 1, StartTime: start, Topic: fmt.Sprintf("t%02d", i)})
		require.NoError(t, err)
	}
	var all []uint64
	var pages []MeetingPage
	f := MeetingFilter{Limit: 5}
	for {
		p, err := s.ListMeetings(ctx, f)
		require.NoError(t, err)
		pages = append(pages, p)
		for _, m := range p.Meetings {
			all = append(all, m.ID)
		}
		if p.Older == nil {
			break
		}
		f.Before = p.Older
	}
	require.Len(t, all, n)
	// Newest first, ties by id descending, each meeting once.
	ms := make([]Meeting, 0, n)
	require.NoError(t, s.db.Order("start_time DESC, id DESC").Find(&ms).Error)
	for i := range ms {
		assert.Equal(t, ms[i].ID, all[i], "position %d", i)
	}
	assert.Nil(t, pages[0].Newer)
	// Back again with the Newer cursors: the same pages.
	for i := len(pages) - 1; i > 0; i-- {
		require.NotNil(t, pages[i].Newer, "page %d", i)
		p, err := s.ListMeetings(ctx, MeetingFilter{Limit: 5, After: pages[i].Newer})
		require.NoError(t, err)
		assert.Equal(t, ids(pages[i-1].Meetings), ids(p.Meetings), "page %d", i-1)
	}
}

func ids(ms []Meeting) []uint64 {
	out := make([]uint64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestListMeetingsFilters(t *testing.T) {
	s := openQueriesTest(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(uuid, topic, hostID string, start time.Time) {
		_, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: uuid, MeetingNumber: 1, Topic: topic, HostID: hostID, StartTime: start})
		require.NoError(t, err)
	}
	add("a", "Budget 100% review", "h1", day)
	add("b", "Budget_review", "h2", day.Add(-24*time.Hour))
	add("c", "Standup", "h1", day.Add(-48*time.Hour))
	for _, tc := range []struct {
		name string
		f    MeetingFilter
		want []string
	}{
		{"all", MeetingFilter{}, []string{"a", "b", "c"}},
		{"substring, any case", MeetingFilter{Q: "budget"}, []string{"a", "b"}},
		{"percent is literal", MeetingFilter{Q: "100%"}, []string{"a"}},
		{"underscore is literal", MeetingFilter{Q: "t_r"}, []string{"b"}},
		{"host", MeetingFilter{Host: "h1"}, []string{"a", "c"}},
		{"from", MeetingFilter{From: day.Add(-25 * time.Hour)}, []string{"a", "b"}},
		{"to excludes its instant", MeetingFilter{To: day}, []string{"b", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.ListMeetings(ctx, tc.f)
			require.NoError(t, err)
			var got []string
			for _, m := range p.Meetings {
				got = append(got, m.UUID)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPersonMeetingsAndSeries(t *testing.T) {
	s := openQueriesTest(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var mids []uint64
	for i := range 3 {
		m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: fmt.Sprintf("s%d", i), MeetingNumber: 77, StartTime: start.Add(time.Duration(i) * 24 * time.Hour)})
		require.NoError(t, err)
		mids = append(mids, m.ID)
		segs := []Segment{{Name: "Bob", JoinTime: m.StartTime, Raw: "{}"}}
		if i != 1 {
			segs = append(segs, Segment{Email: "Ann@Example.com", JoinTime: m.StartTime, Raw: "{}"})
		}
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs) }))
	}
	pms, err := s.PersonMeetings(ctx, "e:ann@example.com", 10)
	require.NoError(t, err)
	require.Len(t, pms, 2)
	assert.Equal(t, []uint64{mids[2], mids[0]}, []uint64{pms[0].Meeting.ID, pms[1].Meeting.ID})
	assert.Len(t, pms[0].Segments, 1)
	pms, err = s.PersonMeetings(ctx, "e:ann@example.com", 1)
	require.NoError(t, err)
	require.Len(t, pms, 1)
	_, err = s.PersonMeetings(ctx, "e:nobody", 10)
	assert.ErrorIs(t, err, ErrNotFound)

	ms, err := s.SeriesInstances(ctx, 77, 2)
	require.NoError(t, err)
	assert.Equal(t, []uint64{mids[1], mids[2]}, ids(ms), "latest two, oldest first")
	_, err = s.SeriesInstances(ctx, 78, 2)
	assert.ErrorIs(t, err, ErrNotFound)
	segs, err := s.SegmentsOf(ctx, mids)
	require.NoError(t, err)
	assert.Len(t, segs[mids[0]], 2)
	assert.Len(t, segs[mids[1]], 1)
}
