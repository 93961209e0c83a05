package models

import (
	"sync"
	"time"
)

// AttendanceCache remembers the attendance of fetched meeting instances, so
// that a page over many meetings (the home page reads about a thousand)
// computes each one once, not at every request. An entry is used only while
// the meeting is as it was computed: fetched, with the same fetched_at (a
// re-fetch replaces the segments and sets it anew), the same window, and
// computed under the same identity links (PersonLinks.Signature).
// Entries keep no segments and no leave reasons; the cache holds at most
// its size in meetings and is safe for concurrent use.
type AttendanceCache struct {
	mu      sync.Mutex
	max     int
	entries map[uint64]cachedAttendance
}

type cachedAttendance struct {
	fetchedAt, start time.Time
	end              time.Time
	links            string
	people           []Attendance
}

// NewAttendanceCache returns a cache of at most size meetings.
func NewAttendanceCache(size int) *AttendanceCache {
	return &AttendanceCache{max: max(size, 1), entries: map[uint64]cachedAttendance{}}
}

// Get returns the remembered attendance of m under the identity links of
// signature links, if neither has changed since.
func (c *AttendanceCache) Get(m Meeting, links string) ([]Attendance, bool) {
	key, ok := cacheKey(m, links)
	if !ok {
		return nil, false
	}
	c.mu.Lock()
	e, found := c.entries[m.ID]
	c.mu.Unlock()
	if !found || !e.fetchedAt.Equal(key.fetchedAt) || !e.start.Equal(key.start) || !e.end.Equal(key.end) || e.links != key.links {
		return nil, false
	}
	return e.people, true
}

// Put remembers as, the attendance of m under the identity links of
// signature links, when m is fetched (a live or pending meeting's
// attendance still changes). The people are copied without their segments
// and leave reasons.
func (c *AttendanceCache) Put(m Meeting, links string, as []Attendance) {
	e, ok := cacheKey(m, links)
	if !ok {
		return
	}
	e.people = make([]Attendance, len(as))
	for i, a := range as {
		a.Segments, a.LeaveReason = nil, ""
		e.people[i] = a
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, known := c.entries[m.ID]; !known && len(c.entries) >= c.max {
		for id := range c.entries { // any one: map order is arbitrary
			delete(c.entries, id)
			break
		}
	}
	c.entries[m.ID] = e
}

// Len returns how many meetings are remembered.
func (c *AttendanceCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// cacheKey returns what must not change for m's entry to stay true; ok is
// false for a meeting whose attendance is not final.
func cacheKey(m Meeting, links string) (cachedAttendance, bool) {
	if m.FetchStatus != FetchFetched || m.FetchedAt == nil || m.EndTime == nil {
		return cachedAttendance{}, false
	}
	return cachedAttendance{fetchedAt: *m.FetchedAt, start: m.StartTime, end: *m.EndTime, links: links}, true
}
