package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The key set ReplaceSegments stores is the one the engine computes from
// the stored rows, and a meeting without a stored set (stored before
// schema version 8) still gets it, from the rows.
func TestSegmentRawKeysStoredMatchesTheRows(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	m := addMeeting(t, s, "keys==", t0, 0)
	raws := []string{
		`{"user_name":"Ann","id":"u1","nested":{"inner":1}}`,
		`{"user_name":"Bea","status":"in_meeting","x\u0041y":true,"é":null}`,
		`[1,2,3]`,
		`"a string"`,
		`{}`,
	}
	if s.Dialect() == DialectSQLite {
		// PostgreSQL's fallback (raw::json) refuses a row that is not
		// JSON; a fetched row always is (Raw is what Zoom's JSON held).
		raws = append(raws, `not json {"hidden":1}`, `{"broken":`, "{\"nul\x00key\":1,\"bad\xffbyte\":2}")
	}
	var segs []Segment
	for i, raw := range raws {
		segs = append(segs, Segment{Name: fmt.Sprint("p", i), JoinTime: t0.Add(time.Duration(i) * time.Second), Raw: raw})
	}
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs) }))

	stored, err := s.SegmentRawKeys(ctx, m.ID)
	require.NoError(t, err)
	computed, err := s.queryRawKeys(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, computed, stored, "the stored set is the engine's")
	assert.Contains(t, stored, "xAy", "escapes decoded")
	assert.Contains(t, stored, "é")
	assert.NotContains(t, stored, "inner", "top-level keys only")
	assert.NotContains(t, stored, "hidden", "invalid JSON skipped")
	got, err := s.Meeting(ctx, m.ID)
	require.NoError(t, err)
	require.NotNil(t, got.RawKeys, "stored with the segments")

	// A meeting stored before version 8 has no set: the rows give it.
	_, err = s.sqlDB.Exec(s.rebind("UPDATE meetings SET raw_keys = NULL WHERE id = ?"), m.ID)
	require.NoError(t, err)
	fallback, err := s.SegmentRawKeys(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, stored, fallback)

	// A re-fetch replaces the set with the new rows'.
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
		return tx.ReplaceSegments(ctx, m.ID, "report", []Segment{{Name: "Zed", JoinTime: t0, Raw: `{"name":"Zed","duration":3}`}})
	}))
	again, err := s.SegmentRawKeys(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"duration", "name"}, again)

	// No segments, no keys.
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "report", nil) }))
	none, err := s.SegmentRawKeys(ctx, m.ID)
	require.NoError(t, err)
	assert.Empty(t, none)
}

// ReplaceSegments stores every field of every row whatever the row count
// (the inserts go in chunks of 64, 32, … 1 rows), each row once, in Zoom's
// order, text cleaned as on every other write.
func TestReplaceSegmentsStoresEveryRowInChunks(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	m := addMeeting(t, s, "chunks==", t0, 3)
	for _, n := range []int{1, 63, 64, 65, 200} {
		segs := make([]Segment, n)
		for i := range segs {
			leave := t0.Add(time.Duration(i+60) * time.Second)
			segs[i] = Segment{ParticipantID: fmt.Sprint("id", i), UserID: fmt.Sprint(i), ParticipantUUID: "pu",
				ParticipantUserID: fmt.Sprint("pui", i), RegistrantID: "", CustomerKey: "ck", Name: fmt.Sprint("Näme\x00", i),
				Email: fmt.Sprintf("p%d@example.com", i), JoinTime: t0.Add(time.Duration(i) * time.Second),
				LeaveTime: &leave, LeaveReason: "left", Status: "in_meeting", Role: "attendee", Device: "Mac",
				OS: "macOS", Location: "Paris", IPAddress: "192.0.2.1", Raw: fmt.Sprintf(`{"n":%d}`, i)}
			if i%2 == 1 {
				segs[i].LeaveTime = nil
			}
		}
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs) }))
		stored, err := s.Segments(ctx, m.ID)
		require.NoError(t, err)
		require.Len(t, stored, n)
		for i, g := range stored {
			assert.Equal(t, i, g.Seq)
			assert.Equal(t, fmt.Sprint("Näme", i), g.Name, "NUL dropped")
			assert.Equal(t, fmt.Sprint("u:pui", i), g.PersonKey)
			assert.Equal(t, fmt.Sprintf("p%d@example.com", i), g.Email)
			assert.Equal(t, "dashboard", g.Source)
			assert.True(t, g.JoinTime.Equal(t0.Add(time.Duration(i)*time.Second)))
			assert.Equal(t, i%2 == 1, g.LeaveTime == nil)
			assert.Equal(t, fmt.Sprintf(`{"n":%d}`, i), g.Raw)
			assert.Equal(t, []string{"192.0.2.1", "Paris", "macOS", "Mac", "attendee", "in_meeting", "left", "ck", fmt.Sprint("pui", i), "pu"},
				[]string{g.IPAddress, g.Location, g.OS, g.Device, g.Role, g.Status, g.LeaveReason, g.CustomerKey,
					g.ParticipantUserID, g.ParticipantUUID})
		}
		got, err := s.Meeting(ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, n, got.SegmentCount)
		assert.Equal(t, n, got.People)
		assert.Equal(t, FetchFetched, got.FetchStatus)
	}
}
