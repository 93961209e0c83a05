package models

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// StatusWaitingRoom is the segment status of a participant waiting to be
// admitted. Such segments never count as attended time or as sessions.
const StatusWaitingRoom = "in_waiting_room"

// Thresholds are the managers' settings for late, left early and present
// (docs/ARCHITECTURE.md, ROLLCALL_LATE_AFTER, ROLLCALL_EARLY_BEFORE and
// ROLLCALL_PRESENT_PERCENT).
type Thresholds struct {
	// LateAfter: a first join later than start + LateAfter is late.
	LateAfter time.Duration
	// EarlyBefore: a last leave earlier than end − EarlyBefore is leaving early.
	EarlyBefore time.Duration
	// PresentPercent: an unrounded attendance percentage at or above it is present.
	PresentPercent float64
}

// DefaultThresholds returns the documented defaults: late after 5 minutes,
// left early more than 5 minutes before the end, present at 75 %.
func DefaultThresholds() Thresholds {
	return Thresholds{LateAfter: 5 * time.Minute, EarlyBefore: 5 * time.Minute, PresentPercent: 75}
}

// Window is a meeting instance's start and end. End nil means the meeting is
// live: Now then stands for the end, and no time is counted beyond Now. Now
// is ignored when End is set, and must be set when End is nil (a zero Now
// makes the window empty).
type Window struct {
	Start time.Time
	End   *time.Time
	Now   time.Time
}

// end returns the effective end of the window.
func (w Window) end() time.Time {
	if w.End != nil {
		return *w.End
	}
	return w.Now
}

// Attendance is one person's attendance in one meeting instance, computed
// by ComputeAttendance following docs/ARCHITECTURE.md.
type Attendance struct {
	// Key is the person key (Segment.PersonKey, or Segment.Key when unset).
	Key string
	// Name is the display name of the latest-joining segment (the latest
	// non-empty one when that is empty), raw as Zoom sent it.
	Name string
	// Email is the first non-empty email in join order, raw.
	Email string
	// FirstJoin and LastLeave are the earliest join and latest leave of the
	// in-meeting segments as reported, not clipped to the window; a missing
	// leave counts as the meeting end (Now while live). Both are zero when
	// the person has no in-meeting segment.
	FirstJoin, LastLeave time.Time
	// AttendedSeconds is the length of the union of the in-meeting
	// segments clipped to the window, in whole seconds rounded down.
	AttendedSeconds int64
	// Percent is attended time ÷ window length × 100, unrounded; 0 when the
	// window is empty or negative.
	Percent float64
	// Sessions is the number of in-meeting segments, including those wholly
	// outside the window.
	Sessions int
	// Late, LeftEarly and Present are the statuses of docs/ARCHITECTURE.md under the
	// Thresholds given. A person with no in-meeting segment is none of them;
	// a person still in a live meeting has not left early.
	Late, LeftEarly, Present bool
	// LeaveReason is the raw leave reason of the latest-leaving segment
	// (empty when that segment has not ended); show it through
	// SanitizeLeaveReason.
	LeaveReason string
	// Segments holds all of the person's segments, waiting-room ones
	// included, ordered by join time (then Seq). They share one backing array
	// across the result; treat them as read-only.
	Segments []Segment
}

// AttendedMinutes returns the attended time in minutes, rounded as
// Minutes.
func (a Attendance) AttendedMinutes() float64 { return Minutes(a.AttendedSeconds) }

// PercentRounded returns Percent rounded to one decimal, halves away from
// zero. Present is decided on Percent, not on this value.
func (a Attendance) PercentRounded() float64 { return roundTenth(a.Percent) }

// ComputeAttendance groups segs by person and computes each person's
// attendance in window w under thresholds th, following docs/ARCHITECTURE.md. A
// segment is grouped by its PersonKey field, or by Segment.Key when that is
// empty. Segments with status "in_waiting_room" do not count as time or
// sessions, but a person seen only there is still listed (0 s, 0 sessions).
//
// The result is ordered by first join, then name, then key; people with no
// in-meeting segment come last, by name then key. The same input always
// gives the same output. segs is not modified. It does no I/O and cannot fail.
func ComputeAttendance(segs []Segment, w Window, th Thresholds) []Attendance {
	if len(segs) == 0 {
		return []Attendance{}
	}
	start, end := w.Start, w.end()
	live := w.End == nil
	window := end.Sub(start)

	keys := make([]string, len(segs))
	for i := range segs {
		if keys[i] = segs[i].PersonKey; keys[i] == "" {
			keys[i] = segs[i].Key()
		}
	}
	// Sort once: by person, then join time, then Seq and input position.
	order := make([]int32, len(segs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		if c := segs[a].JoinTime.Compare(segs[b].JoinTime); c != 0 {
			return c
		}
		if c := cmp.Compare(segs[a].Seq, segs[b].Seq); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	sorted := make([]Segment, len(segs))
	for i, j := range order {
		sorted[i] = segs[j]
	}

	people := 0
	for i := range order {
		if i == 0 || keys[order[i]] != keys[order[i-1]] {
			people++
		}
	}
	out := make([]Attendance, 0, people)
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && keys[order[hi]] == keys[order[lo]] {
			hi++
		}
		out = append(out, person(keys[order[lo]], sorted[lo:hi:hi], start, end, window, live, th))
		lo = hi
	}

	slices.SortFunc(out, func(a, b Attendance) int {
		aIn, bIn := a.Sessions > 0, b.Sessions > 0
		if aIn != bIn {
			if aIn {
				return -1
			}
			return 1
		}
		if aIn {
			if c := a.FirstJoin.Compare(b.FirstJoin); c != 0 {
				return c
			}
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// person computes one person's attendance from their segments, which are
// sorted by join time.
func person(key string, segs []Segment, start, end time.Time, window time.Duration, live bool, th Thresholds) Attendance {
	a := Attendance{Key: key, Segments: segs}

	var (
		attended       time.Duration
		curLo, curHi   time.Time // the union interval being swept
		haveCur        bool
		stillIn        bool
		lastLeaveIdx   = -1
		lastLeaveAt    time.Time
		lastNameJoined = -1
	)
	for i := range segs {
		s := &segs[i]
		if a.Email == "" && strings.TrimSpace(s.Email) != "" {
			a.Email = s.Email
		}
		if s.Name != "" {
			lastNameJoined = i
		}
		leave := end
		if s.LeaveTime != nil {
			leave = *s.LeaveTime
		}
		// Latest-leaving segment of any status, for the leave reason; on a
		// tie the later-joining one wins (segs are in join order).
		if lastLeaveIdx < 0 || !leave.Before(lastLeaveAt) {
			lastLeaveIdx, lastLeaveAt = i, leave
		}
		if s.Status == StatusWaitingRoom {
			continue
		}

		a.Sessions++
		if a.Sessions == 1 || s.JoinTime.Before(a.FirstJoin) {
			a.FirstJoin = s.JoinTime
		}
		if a.Sessions == 1 || leave.After(a.LastLeave) {
			a.LastLeave = leave
		}
		if s.LeaveTime == nil {
			stillIn = true
		}

		// Clip to [start, end]; joins are sorted, so clipped starts are too.
		lo, hi := s.JoinTime, leave
		if lo.Before(start) {
			lo = start
		}
		if hi.After(end) {
			hi = end
		}
		if !hi.After(lo) {
			continue // wholly outside the window, or empty: a session for 0 s
		}
		switch {
		case !haveCur:
			curLo, curHi, haveCur = lo, hi, true
		case lo.After(curHi):
			attended += curHi.Sub(curLo)
			curLo, curHi = lo, hi
		case hi.After(curHi):
			curHi = hi
		}
	}
	if haveCur {
		attended += curHi.Sub(curLo)
	}

	// Name: the latest-joining segment's, or the latest non-empty one.
	if last := len(segs) - 1; segs[last].Name != "" || lastNameJoined < 0 {
		a.Name = segs[last].Name
	} else {
		a.Name = segs[lastNameJoined].Name
	}
	a.LeaveReason = segs[lastLeaveIdx].LeaveReason

	a.AttendedSeconds = int64(attended / time.Second)
	a.Percent = percent(attended, window)
	if a.Sessions > 0 {
		a.Late = a.FirstJoin.After(start.Add(th.LateAfter))
		a.LeftEarly = !(live && stillIn) && a.LastLeave.Before(end.Add(-th.EarlyBefore))
		a.Present = a.Percent >= th.PresentPercent
	}
	return a
}

// percent returns part ÷ whole × 100, or 0 when whole is not positive. It
// multiplies before dividing so that an exact ratio such as 3/4 gives
// exactly 75 and threshold comparisons at the boundary are exact.
func percent(part, whole time.Duration) float64 {
	if whole <= 0 || part <= 0 {
		return 0
	}
	if part <= math.MaxInt64/100 {
		return float64(part*100) / float64(whole)
	}
	return float64(part) / float64(whole) * 100
}

// Summary totals a meeting's attendance.
type Summary struct {
	// People is the number of persons listed, waiting-room-only ones included.
	People int
	// Present is the number of them marked present.
	Present int
	// AverageSeconds is the mean of AttendedSeconds over People, rounded down.
	AverageSeconds int64
	// AveragePercent is the mean of the unrounded Percent over People.
	AveragePercent float64
}

// Summarize totals the output of ComputeAttendance. Averages are taken over
// every person listed; an empty list gives the zero Summary.
func Summarize(as []Attendance) Summary {
	var s Summary
	if len(as) == 0 {
		return s
	}
	var secs int64
	var pct float64
	for i := range as {
		secs += as[i].AttendedSeconds
		pct += as[i].Percent
		if as[i].Present {
			s.Present++
		}
	}
	s.People = len(as)
	s.AverageSeconds = secs / int64(len(as))
	s.AveragePercent = pct / float64(len(as))
	return s
}
