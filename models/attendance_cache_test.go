package models

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAttendanceCacheForgetsAChangedMeeting(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end, fetched := start.Add(time.Hour), start.Add(2*time.Hour)
	m := Meeting{ID: 7, StartTime: start, EndTime: &end, FetchStatus: FetchFetched, FetchedAt: &fetched}
	c := NewAttendanceCache(2)
	as := []Attendance{{Key: "e:ann@example.com", Percent: 80, LeaveReason: "left", Segments: []Segment{{Name: "Ann"}}}}

	c.Put(m, "", as)
	got, ok := c.Get(m, "")
	assert.True(t, ok)
	assert.Equal(t, 80.0, got[0].Percent)
	assert.Nil(t, got[0].Segments, "no segments kept")
	assert.Empty(t, got[0].LeaveReason)
	assert.NotNil(t, as[0].Segments, "the caller's values are not touched")

	refetched := fetched.Add(time.Minute)
	m2 := m
	m2.FetchedAt = &refetched
	_, ok = c.Get(m2, "")
	assert.False(t, ok, "a re-fetch replaced the segments")
	later := end.Add(time.Minute)
	m3 := m
	m3.EndTime = &later
	_, ok = c.Get(m3, "")
	assert.False(t, ok, "another window")
	linked := NewPersonLinks([]IdentityLink{{FromKey: "n:ann", IntoKey: "e:ann@example.com"}})
	_, ok = c.Get(m, linked.Signature())
	assert.False(t, ok, "computed before a link was made")
	assert.NotEqual(t, linked.Signature(), NewPersonLinks([]IdentityLink{{FromKey: "n:ann", IntoKey: "e:bob@example.com"}}).Signature())
	assert.Equal(t, linked.Signature(), NewPersonLinks([]IdentityLink{{FromKey: "n:ann", IntoKey: "e:ann@example.com"}}).Signature())

	live := Meeting{ID: 8, StartTime: start, FetchStatus: FetchLive}
	c.Put(live, "", as)
	_, ok = c.Get(live, "")
	assert.False(t, ok, "a live meeting's attendance still changes")

	for id := uint64(10); id < 20; id++ {
		n := m
		n.ID = id
		c.Put(n, "", as)
	}
	assert.Equal(t, 2, c.Len(), "bounded")
}
