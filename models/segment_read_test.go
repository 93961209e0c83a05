package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The database/sql reads give back every field as stored (what GORM's
// reflection read before), Raw aside, in join-time order, across the
// chunks the scan collects rows in; the page's read leaves out only the
// participant ids it does not need.
func TestSegmentReadsRoundTrip(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "rt==", MeetingNumber: 5, StartTime: start, EndTime: &end})
	require.NoError(t, err)
	const n = 300 // several chunks
	var in []Segment
	for i := range n {
		sg := Segment{
			ParticipantID: fmt.Sprintf("pid%d", i), UserID: fmt.Sprint(16778240 + i), ParticipantUUID: fmt.Sprintf("uuid/%d+=", i),
			ParticipantUserID: fmt.Sprintf("puid%d", i), RegistrantID: fmt.Sprintf("reg%d", i), CustomerKey: fmt.Sprintf("ck%d", i),
			Name: fmt.Sprintf("Person %d ü", i), Email: fmt.Sprintf("p%d@example.com", i),
			// Reversed join times, with ties: the read sorts by join time, then Seq.
			JoinTime:    start.Add(time.Duration((n-i)/2) * time.Second).Add(123 * time.Millisecond),
			LeaveReason: "left<br>" + fmt.Sprint(i), Status: "in_meeting", Role: "attendee",
			Device: "Mac", OS: "macOS", Location: "Berlin (DE)", IPAddress: fmt.Sprintf("10.0.0.%d", i%250), Raw: `{"x":1}`,
		}
		if i%3 != 0 {
			sg.LeaveTime = ptrTime(sg.JoinTime.Add(time.Duration(i) * time.Minute))
		}
		in = append(in, sg)
	}
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", in) }))

	// The reference: GORM's own read of the same rows.
	var want []Segment
	require.NoError(t, s.db.Where("meeting_id = ?", m.ID).Order("join_time, seq").Find(&want).Error)
	require.Len(t, want, n)

	got, err := s.SegmentsForPage(ctx, m.ID)
	require.NoError(t, err)
	require.Len(t, got, n)
	page, err := s.MeetingPageSegments(ctx, m.ID)
	require.NoError(t, err)
	require.Len(t, page, n)
	for i := range want {
		w := want[i]
		w.Raw = ""
		w.JoinTime = w.JoinTime.UTC()
		if w.LeaveTime != nil {
			w.LeaveTime = ptrTime(w.LeaveTime.UTC())
		}
		assert.Equal(t, w, got[i], "row %d", i)
		if i > 0 {
			assert.False(t, got[i].JoinTime.Before(got[i-1].JoinTime), "join-time order at %d", i)
		}

		lean := w
		lean.ID, lean.Source = 0, ""
		lean.ParticipantID, lean.UserID, lean.ParticipantUUID = "", "", ""
		lean.ParticipantUserID, lean.RegistrantID, lean.CustomerKey = "", "", ""
		assert.Equal(t, lean, page[i], "page row %d", i)
	}
	// Each leave time is the row's own.
	assert.NotSame(t, got[1].LeaveTime, got[2].LeaveTime)

	none, err := s.SegmentsForPage(ctx, m.ID+1000)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func ptrTime(t time.Time) *time.Time { return &t }
