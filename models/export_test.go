package models

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

func openExportTest(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "export.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(ctx))
	return s
}

func addExportMeeting(t *testing.T, s *Store, uuid string, start time.Time, segs []Segment) Meeting {
	t.Helper()
	ctx := context.Background()
	end := start.Add(time.Hour)
	m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: uuid, MeetingNumber: 1, StartTime: start, EndTime: &end})
	require.NoError(t, err)
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs) }))
	return m
}

func TestExportSegmentsOrderAndFields(t *testing.T) {
	s := openExportTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	leave := t0.Add(30 * time.Minute)
	segs := []Segment{
		{Name: "Zed", JoinTime: t0.Add(time.Minute), Raw: `{"user_name":"Zed"}`},
		{Name: "Bea", JoinTime: t0.Add(time.Minute), LeaveTime: &leave, LeaveReason: "<br>bye", Raw: `{"user_name":"Bea","x":[1]}`},
		{Name: "Amy", JoinTime: t0.Add(2 * time.Minute), Email: "amy@example.com", Device: "Mac", Raw: `{"email":"amy@example.com"}`},
		{Name: "Ann", JoinTime: t0, Status: StatusWaitingRoom, Raw: `not json`},
		{Name: "Bea", JoinTime: t0.Add(time.Minute), Raw: `{"user_name":"Bea","y":null}`},
	}
	m := addExportMeeting(t, s, "u1", t0, segs)
	addExportMeeting(t, s, "u2", t0, []Segment{{Name: "Other", JoinTime: t0, Raw: `{"other":1}`}})

	rows, err := s.ExportSegments(ctx, m.ID)
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	var bea *Segment
	for rows.Next() {
		sg := rows.Segment()
		got = append(got, fmt.Sprintf("%s@%d", sg.Name, sg.Seq))
		if sg.Seq == 1 {
			c := *sg
			bea = &c
		}
	}
	require.NoError(t, rows.Err())
	// Join time, then name, then Zoom's order.
	assert.Equal(t, []string{"Ann@3", "Bea@1", "Bea@4", "Zed@0", "Amy@2"}, got)
	require.NotNil(t, bea)
	assert.Equal(t, m.ID, bea.MeetingID)
	assert.Equal(t, "dashboard", bea.Source)
	assert.Equal(t, "n:bea", bea.PersonKey)
	assert.Equal(t, "<br>bye", bea.LeaveReason)
	require.NotNil(t, bea.LeaveTime)
	assert.True(t, leave.Equal(*bea.LeaveTime))
	assert.Equal(t, time.UTC, bea.JoinTime.Location())
	assert.Equal(t, `{"user_name":"Bea","x":[1]}`, bea.Raw)
	assert.NoError(t, rows.Close(), "closing twice is fine")

	keys, err := s.SegmentRawKeys(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"email", "user_name", "x", "y"}, keys, "sorted, distinct, this meeting only, invalid JSON skipped")

	empty, err := s.ExportSegments(ctx, 999)
	require.NoError(t, err)
	assert.False(t, empty.Next())
	assert.NoError(t, empty.Err())
	empty.Close()
}

func TestExportSegmentsHonoursContext(t *testing.T) {
	s := openExportTest(t)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var segs []Segment
	for i := range 50 {
		segs = append(segs, Segment{Name: fmt.Sprint("p", i), JoinTime: t0.Add(time.Duration(i) * time.Second), Raw: "{}"})
	}
	m := addExportMeeting(t, s, "ctx", t0, segs)
	ctx, cancel := context.WithCancel(context.Background())
	rows, err := s.ExportSegments(ctx, m.ID)
	require.NoError(t, err)
	defer rows.Close()
	require.True(t, rows.Next())
	cancel()
	n := 1
	for rows.Next() {
		n++
	}
	assert.Less(t, n, 50)
	assert.Error(t, rows.Err())
}

func TestExportMeetingsPagesInBatches(t *testing.T) {
	s := openExportTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// More than two batches, with ties on start time across batch edges.
	n := 2*exportMeetingBatch + 37
	var want []uint64
	for i := range n {
		start := t0.Add(time.Duration(i/3) * time.Hour)
		end := start.Add(time.Hour)
		m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: fmt.Sprint("m", i), MeetingNumber: 7, StartTime: start, EndTime: &end})
		require.NoError(t, err)
		if i >= 3 { // from: skips the first start time
			want = append(want, m.ID)
		}
	}
	// One outside the range.
	late := t0.AddDate(1, 0, 0)
	_, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "late", MeetingNumber: 7, StartTime: late, EndTime: &late})
	require.NoError(t, err)

	rows := s.ExportMeetings(ctx, t0.Add(time.Hour), t0.AddDate(0, 6, 0))
	var got []uint64
	var prev time.Time
	for rows.Next() {
		m := rows.Meeting()
		assert.False(t, m.StartTime.Before(prev), "oldest first")
		prev = m.StartTime
		got = append(got, m.ID)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, want, got)

	none := s.ExportMeetings(ctx, late.Add(time.Hour), time.Time{})
	assert.False(t, none.Next())
	assert.NoError(t, none.Err())
}

// The meetings export reads segments for many meetings per query: a
// thousand meetings cost a handful of queries, not a thousand.
func TestExportMeetingsReadsSegmentsInGroups(t *testing.T) {
	s := openExportTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const n = 450
	for i := range n {
		start := t0.Add(time.Duration(i) * time.Hour)
		end := start.Add(time.Hour)
		m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: fmt.Sprint("m", i), MeetingNumber: 7, StartTime: start, EndTime: &end})
		require.NoError(t, err)
		join := start.Add(time.Minute)
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
			return tx.ReplaceSegments(ctx, m.ID, "dashboard", []Segment{
				{Name: fmt.Sprint("p", i), PersonKey: fmt.Sprint("n:p", i), JoinTime: join},
				{Name: "q", PersonKey: "n:q", JoinTime: join},
			})
		}))
	}
	var queries atomic.Int64
	require.NoError(t, s.db.Callback().Query().Before("gorm:query").Register("count_queries", func(*gorm.DB) { queries.Add(1) }))
	defer s.db.Callback().Query().Remove("count_queries")

	rows := s.ExportMeetings(ctx, time.Time{}, time.Time{})
	seen := 0
	for rows.Next() {
		segs, err := rows.Segments()
		require.NoError(t, err)
		require.Len(t, segs, 2)
		assert.Equal(t, fmt.Sprint("p", seen), segs[0].Name, "the segments of the current meeting")
		seen++
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, n, seen)
	// 3 meeting batches (+1 empty read at most) and one segment group per batch.
	assert.LessOrEqual(t, queries.Load(), int64(8), "queries for %d meetings", n)
}
