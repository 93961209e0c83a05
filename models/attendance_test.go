package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// attT0 is the start of the test meeting; it ends an hour later unless a test
// says otherwise.
var attT0 = time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)

// attAt returns attT0 + d.
func attAt(d time.Duration) time.Time { return attT0.Add(d) }

// attAtp returns a pointer to attT0 + d.
func attAtp(d time.Duration) *time.Time { t := attAt(d); return &t }

// attHour is the test meeting's window, 09:00–10:00.
func attHour() Window { return Window{Start: attT0, End: attAtp(time.Hour)} }

// attNoLeave, as a leave offset, means a segment without a leave time.
const attNoLeave = time.Duration(math.MinInt64)

// attSeg returns an in-meeting segment of person key from attT0+join to attT0+leave
// (or without a leave time when leave is attNoLeave).
func attSeg(key string, join, leave time.Duration) Segment {
	s := Segment{PersonKey: key, Name: key, Status: "in_meeting", JoinTime: attAt(join)}
	if leave != attNoLeave {
		s.LeaveTime = attAtp(leave)
	}
	return s
}

// attWaiting returns a waiting-room segment.
func attWaiting(key string, join, leave time.Duration) Segment {
	s := attSeg(key, join, leave)
	s.Status = StatusWaitingRoom
	return s
}

// attByKey indexes attendance rows by key, failing on duplicates.
func attByKey(t *testing.T, as []Attendance) map[string]Attendance {
	t.Helper()
	m := make(map[string]Attendance, len(as))
	for _, a := range as {
		require.NotContains(t, m, a.Key, "duplicate person")
		m[a.Key] = a
	}
	return m
}

func TestComputeAttendanceTime(t *testing.T) {
	tests := []struct {
		name      string
		segs      []Segment
		w         Window
		seconds   int64
		sessions  int
		percent   float64
		firstJoin time.Time
		lastLeave time.Time
		late      bool
		leftEarly bool
		present   bool
	}{
		{
			name:    "whole meeting",
			segs:    []Segment{attSeg("u:a", 0, 60*time.Minute)},
			w:       attHour(),
			seconds: 3600, sessions: 1, percent: 100, firstJoin: attAt(0), lastLeave: attAt(60 * time.Minute), present: true,
		},
		{
			name:    "rejoin adds both segments",
			segs:    []Segment{attSeg("u:a", 30*time.Minute, 60*time.Minute), attSeg("u:a", 0, 20*time.Minute)},
			w:       attHour(),
			seconds: 3000, sessions: 2, percent: 3000.0 / 36, firstJoin: attAt(0), lastLeave: attAt(60 * time.Minute), present: true,
		},
		{
			name:    "two devices at once count once",
			segs:    []Segment{attSeg("u:a", 0, 40*time.Minute), attSeg("u:a", 10*time.Minute, 60*time.Minute)},
			w:       attHour(),
			seconds: 3600, sessions: 2, percent: 100, firstJoin: attAt(0), lastLeave: attAt(60 * time.Minute), present: true,
		},
		{
			name:    "nested overlaps",
			segs:    []Segment{attSeg("u:a", 10*time.Minute, 20*time.Minute), attSeg("u:a", 0, 50*time.Minute), attSeg("u:a", 0, 5*time.Minute), attSeg("u:a", 30*time.Minute, 40*time.Minute)},
			w:       attHour(),
			seconds: 3000, sessions: 4, percent: 3000.0 / 36, firstJoin: attAt(0), lastLeave: attAt(50 * time.Minute), leftEarly: true, present: true,
		},
		{
			name:    "touching segments do not double count",
			segs:    []Segment{attSeg("u:a", 0, 30*time.Minute), attSeg("u:a", 30*time.Minute, 45*time.Minute)},
			w:       attHour(),
			seconds: 2700, sessions: 2, percent: 75, firstJoin: attAt(0), lastLeave: attAt(45 * time.Minute), leftEarly: true, present: true,
		},
		{
			name:    "segment before start is clipped, first join is not",
			segs:    []Segment{attSeg("u:a", -10*time.Minute, 10*time.Minute)},
			w:       attHour(),
			seconds: 600, sessions: 1, percent: 600.0 / 36, firstJoin: attAt(-10 * time.Minute), lastLeave: attAt(10 * time.Minute), leftEarly: true,
		},
		{
			name:    "segment after end is clipped, last leave is not",
			segs:    []Segment{attSeg("u:a", 50*time.Minute, 80*time.Minute)},
			w:       attHour(),
			seconds: 600, sessions: 1, percent: 600.0 / 36, firstJoin: attAt(50 * time.Minute), lastLeave: attAt(80 * time.Minute), late: true,
		},
		{
			name:    "segments wholly outside count as sessions for 0 s",
			segs:    []Segment{attSeg("u:a", -60*time.Minute, -30*time.Minute), attSeg("u:a", 90*time.Minute, 120*time.Minute)},
			w:       attHour(),
			seconds: 0, sessions: 2, percent: 0, firstJoin: attAt(-60 * time.Minute), lastLeave: attAt(120 * time.Minute), late: false, leftEarly: false,
		},
		{
			name:    "leave before join counts 0 s",
			segs:    []Segment{attSeg("u:a", 20*time.Minute, 10*time.Minute)},
			w:       attHour(),
			seconds: 0, sessions: 1, firstJoin: attAt(20 * time.Minute), lastLeave: attAt(10 * time.Minute), late: true, leftEarly: true,
		},
		{
			name:    "missing leave runs to the end of an ended meeting",
			segs:    []Segment{attSeg("u:a", 10*time.Minute, attNoLeave)},
			w:       attHour(),
			seconds: 3000, sessions: 1, percent: 3000.0 / 36, firstJoin: attAt(10 * time.Minute), lastLeave: attAt(60 * time.Minute), late: true, present: true,
		},
		{
			name:    "missing leave beside an earlier leave",
			segs:    []Segment{attSeg("u:a", 0, 20*time.Minute), attSeg("u:a", 10*time.Minute, attNoLeave)},
			w:       attHour(),
			seconds: 3600, sessions: 2, percent: 100, firstJoin: attAt(0), lastLeave: attAt(60 * time.Minute), present: true,
		},
		{
			name:    "live: missing leave runs to now, not beyond",
			segs:    []Segment{attSeg("u:a", 0, attNoLeave)},
			w:       Window{Start: attT0, Now: attAt(30 * time.Minute)},
			seconds: 1800, sessions: 1, percent: 100, firstJoin: attAt(0), lastLeave: attAt(30 * time.Minute), present: true,
		},
		{
			name:    "live: a leave reported after now is clipped to now",
			segs:    []Segment{attSeg("u:a", 0, 40*time.Minute)},
			w:       Window{Start: attT0, Now: attAt(30 * time.Minute)},
			seconds: 1800, sessions: 1, percent: 100, firstJoin: attAt(0), lastLeave: attAt(40 * time.Minute), present: true,
		},
		{
			name:    "live: someone still in has not left early",
			segs:    []Segment{attSeg("u:a", 0, 5*time.Minute), attSeg("u:a", 25*time.Minute, attNoLeave)},
			w:       Window{Start: attT0, Now: attAt(30 * time.Minute)},
			seconds: 600, sessions: 2, percent: 100.0 / 3, firstJoin: attAt(0), lastLeave: attAt(30 * time.Minute),
		},
		{
			name:    "live: someone who left is judged against now",
			segs:    []Segment{attSeg("u:a", 0, 10*time.Minute)},
			w:       Window{Start: attT0, Now: attAt(30 * time.Minute)},
			seconds: 600, sessions: 1, percent: 100.0 / 3, firstJoin: attAt(0), lastLeave: attAt(10 * time.Minute), leftEarly: true,
		},
		{
			name:    "live: Now is ignored once the meeting has ended",
			segs:    []Segment{attSeg("u:a", 0, attNoLeave)},
			w:       Window{Start: attT0, End: attAtp(time.Hour), Now: attAt(30 * time.Minute)},
			seconds: 3600, sessions: 1, percent: 100, firstJoin: attAt(0), lastLeave: attAt(60 * time.Minute), present: true,
		},
		{
			name:    "zero-length meeting gives 0 %",
			segs:    []Segment{attSeg("u:a", 0, 10*time.Minute)},
			w:       Window{Start: attT0, End: attAtp(0)},
			seconds: 0, sessions: 1, percent: 0, firstJoin: attAt(0), lastLeave: attAt(10 * time.Minute),
		},
		{
			name:    "negative meeting gives 0 %",
			segs:    []Segment{attSeg("u:a", -10*time.Minute, 10*time.Minute)},
			w:       Window{Start: attT0, End: attAtp(-5 * time.Minute)},
			seconds: 0, sessions: 1, percent: 0, firstJoin: attAt(-10 * time.Minute), lastLeave: attAt(10 * time.Minute),
		},
		{
			name:    "seconds round down",
			segs:    []Segment{attSeg("u:a", 0, 59*time.Second+999*time.Millisecond)},
			w:       attHour(),
			seconds: 59, sessions: 1, percent: 59.999 / 36, firstJoin: attAt(0), lastLeave: attAt(59*time.Second + 999*time.Millisecond), leftEarly: true,
		},
		{
			name:    "waiting room time does not count",
			segs:    []Segment{attWaiting("u:a", -5*time.Minute, 2*time.Minute), attSeg("u:a", 2*time.Minute, 60*time.Minute)},
			w:       attHour(),
			seconds: 3480, sessions: 1, percent: 3480.0 / 36, firstJoin: attAt(2 * time.Minute), lastLeave: attAt(60 * time.Minute), present: true,
		},
		{
			name:    "waiting room after leaving does not extend last leave",
			segs:    []Segment{attSeg("u:a", 0, 30*time.Minute), attWaiting("u:a", 40*time.Minute, 60*time.Minute)},
			w:       attHour(),
			seconds: 1800, sessions: 1, percent: 50, firstJoin: attAt(0), lastLeave: attAt(30 * time.Minute), leftEarly: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ComputeAttendance(tc.segs, tc.w, DefaultThresholds())
			require.Len(t, got, 1)
			a := got[0]
			assert.Equal(t, "u:a", a.Key)
			assert.Equal(t, tc.seconds, a.AttendedSeconds, "seconds")
			assert.Equal(t, tc.sessions, a.Sessions, "sessions")
			assert.InDelta(t, tc.percent, a.Percent, 1e-9, "percent")
			assert.False(t, math.IsNaN(a.Percent) || math.IsInf(a.Percent, 0))
			assert.True(t, tc.firstJoin.Equal(a.FirstJoin), "first join %v, want %v", a.FirstJoin, tc.firstJoin)
			assert.True(t, tc.lastLeave.Equal(a.LastLeave), "last leave %v, want %v", a.LastLeave, tc.lastLeave)
			assert.Equal(t, tc.late, a.Late, "late")
			assert.Equal(t, tc.leftEarly, a.LeftEarly, "left early")
			assert.Equal(t, tc.present, a.Present, "present")
			assert.Len(t, a.Segments, len(tc.segs))
		})
	}
}

func TestComputeAttendanceThresholds(t *testing.T) {
	tests := []struct {
		name                     string
		segs                     []Segment
		w                        Window
		th                       Thresholds
		late, leftEarly, present bool
		percentRounded           float64
	}{
		{name: "join exactly at start+late is on time", segs: []Segment{attSeg("u:a", 5*time.Minute, 60*time.Minute)}, w: attHour(), present: true, percentRounded: 91.7},
		{name: "join one second later is late", segs: []Segment{attSeg("u:a", 5*time.Minute+time.Second, 60*time.Minute)}, w: attHour(), late: true, present: true, percentRounded: 91.6},
		{name: "leave exactly at end-early is not early", segs: []Segment{attSeg("u:a", 0, 55*time.Minute)}, w: attHour(), present: true, percentRounded: 91.7},
		{name: "leave one second sooner is early", segs: []Segment{attSeg("u:a", 0, 55*time.Minute-time.Second)}, w: attHour(), leftEarly: true, present: true, percentRounded: 91.6},
		{name: "exactly 75 % is present", segs: []Segment{attSeg("u:a", 0, 45*time.Minute)}, w: attHour(), leftEarly: true, present: true, percentRounded: 75},
		{
			name: "74.99 % is not present", segs: []Segment{attSeg("u:a", 0, 7499*time.Second)},
			w: Window{Start: attT0, End: attAtp(10000 * time.Second)}, leftEarly: true, percentRounded: 75,
		},
		{
			name: "74.999 % rounds to 75.0 but is not present", segs: []Segment{attSeg("u:a", 0, 74999*time.Second)},
			w: Window{Start: attT0, End: attAtp(100000 * time.Second)}, leftEarly: true, percentRounded: 75,
		},
		{
			name: "exactly 80 % is present at an 80 % threshold", segs: []Segment{attSeg("u:a", 0, 48*time.Minute)}, w: attHour(),
			th: Thresholds{LateAfter: 5 * time.Minute, EarlyBefore: 5 * time.Minute, PresentPercent: 80}, leftEarly: true, present: true, percentRounded: 80,
		},
		{
			name: "thirds: 2/3 at 66.66 threshold", segs: []Segment{attSeg("u:a", 0, 40*time.Minute)}, w: attHour(),
			th: Thresholds{PresentPercent: 66.66}, leftEarly: true, present: true, percentRounded: 66.7,
		},
		{
			name: "zero thresholds", segs: []Segment{attSeg("u:a", 0, 60*time.Minute-time.Second)}, w: attHour(),
			th: Thresholds{}, leftEarly: true, present: true, percentRounded: 100,
		},
		{
			name: "custom late threshold", segs: []Segment{attSeg("u:a", 9*time.Minute, 60*time.Minute)}, w: attHour(),
			th: Thresholds{LateAfter: 10 * time.Minute, EarlyBefore: 5 * time.Minute, PresentPercent: 75}, present: true, percentRounded: 85,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := tc.th
			if th == (Thresholds{}) && tc.name != "zero thresholds" {
				th = DefaultThresholds()
			}
			got := ComputeAttendance(tc.segs, tc.w, th)
			require.Len(t, got, 1)
			assert.Equal(t, tc.late, got[0].Late, "late")
			assert.Equal(t, tc.leftEarly, got[0].LeftEarly, "left early")
			assert.Equal(t, tc.present, got[0].Present, "present (percent %v)", got[0].Percent)
			assert.Equal(t, tc.percentRounded, got[0].PercentRounded())
		})
	}
}

func TestDefaultThresholds(t *testing.T) {
	assert.Equal(t, Thresholds{LateAfter: 5 * time.Minute, EarlyBefore: 5 * time.Minute, PresentPercent: 75}, DefaultThresholds())
}

func TestAttendanceRounding(t *testing.T) {
	tests := []struct {
		name    string
		seconds int64
		percent float64
		minutes float64
		rounded float64
	}{
		{name: "zero", seconds: 0, percent: 0, minutes: 0, rounded: 0},
		{name: "59 s is 1.0 min", seconds: 59, percent: 1.0 / 36, minutes: 1.0, rounded: 0},
		{name: "86 s is 1.4 min", seconds: 86, percent: 66.64, minutes: 1.4, rounded: 66.6},
		{name: "87 s is 1.5 min (1.45 rounds up)", seconds: 87, percent: 66.65, minutes: 1.5, rounded: 66.7},
		{name: "2 s is 0.0 min", seconds: 2, percent: 200.0 / 3, minutes: 0, rounded: 66.7},
		{name: "3 s is 0.1 min (0.05 rounds up)", seconds: 3, percent: 99.94, minutes: 0.1, rounded: 99.9},
		{name: "an hour", seconds: 3600, percent: 100, minutes: 60, rounded: 100},
		{name: "long meeting", seconds: 100*3600 + 30, percent: 12.3456, minutes: 6000.5, rounded: 12.3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Attendance{AttendedSeconds: tc.seconds, Percent: tc.percent}
			assert.Equal(t, tc.minutes, a.AttendedMinutes())
			assert.Equal(t, tc.rounded, a.PercentRounded())
		})
	}
}

func TestComputeAttendancePeople(t *testing.T) {
	t.Run("waiting-room-only person is listed with nothing", func(t *testing.T) {
		w := attWaiting("u:w", -5*time.Minute, 3*time.Minute)
		w.Name, w.LeaveReason = "Wendy", "Removed by host from waiting room."
		got := ComputeAttendance([]Segment{w, attSeg("u:a", 0, 60*time.Minute)}, attHour(), DefaultThresholds())
		require.Len(t, got, 2)
		a := got[1]
		assert.Equal(t, "u:w", a.Key)
		assert.Equal(t, "Wendy", a.Name)
		assert.Zero(t, a.AttendedSeconds)
		assert.Zero(t, a.Sessions)
		assert.Zero(t, a.Percent)
		assert.True(t, a.FirstJoin.IsZero())
		assert.True(t, a.LastLeave.IsZero())
		assert.False(t, a.Late || a.LeftEarly || a.Present)
		assert.Equal(t, "Removed by host from waiting room.", a.LeaveReason)
		assert.Len(t, a.Segments, 1)
	})

	t.Run("waiting-room-only person is not present even at a 0 % threshold", func(t *testing.T) {
		got := ComputeAttendance([]Segment{attWaiting("u:w", 0, 10*time.Minute)}, attHour(), Thresholds{})
		require.Len(t, got, 1)
		assert.False(t, got[0].Present)
	})

	t.Run("waiting room and meeting segments stay together in join order", func(t *testing.T) {
		in := []Segment{attSeg("u:a", 2*time.Minute, 60*time.Minute), attWaiting("u:a", -5*time.Minute, 2*time.Minute)}
		got := ComputeAttendance(in, attHour(), DefaultThresholds())
		require.Len(t, got, 1)
		require.Len(t, got[0].Segments, 2)
		assert.Equal(t, StatusWaitingRoom, got[0].Segments[0].Status)
		assert.Equal(t, "in_meeting", got[0].Segments[1].Status)
	})

	t.Run("guests without id or email merge by normalized name", func(t *testing.T) {
		guests := []Segment{
			{Name: "José García", JoinTime: attAt(0), LeaveTime: attAtp(10 * time.Minute)},
			{Name: "Jose\u0301 Garci\u0301a", JoinTime: attAt(20 * time.Minute), LeaveTime: attAtp(30 * time.Minute)},
			{Name: "  JOSÉ \t GARCÍA ", JoinTime: attAt(40 * time.Minute), LeaveTime: attAtp(50 * time.Minute)},
			{Name: "Josefina", JoinTime: attAt(0), LeaveTime: attAtp(60 * time.Minute)},
		}
		got := attByKey(t, ComputeAttendance(guests, attHour(), DefaultThresholds()))
		require.Len(t, got, 2)
		jose := got["n:josé garcía"]
		assert.Equal(t, int64(1800), jose.AttendedSeconds)
		assert.Equal(t, 3, jose.Sessions)
		assert.Equal(t, "  JOSÉ \t GARCÍA ", jose.Name, "raw name of the latest-joining segment")
		assert.Equal(t, int64(3600), got["n:josefina"].AttendedSeconds)
	})

	t.Run("stored PersonKey is used as is", func(t *testing.T) {
		a := Segment{PersonKey: "u:same", Name: "Ann", JoinTime: attAt(0), LeaveTime: attAtp(10 * time.Minute)}
		b := Segment{PersonKey: "u:same", Name: "Someone Else", Email: "x@y", JoinTime: attAt(20 * time.Minute), LeaveTime: attAtp(30 * time.Minute)}
		got := ComputeAttendance([]Segment{a, b}, attHour(), DefaultThresholds())
		require.Len(t, got, 1)
		assert.Equal(t, "u:same", got[0].Key)
		assert.Equal(t, 2, got[0].Sessions)
	})

	t.Run("a rejoin without the registrant id is a different person", func(t *testing.T) {
		first := Segment{RegistrantID: "R1", Email: "ann@x.org", Name: "Ann", JoinTime: attAt(0), LeaveTime: attAtp(20 * time.Minute)}
		again := Segment{Email: "ann@x.org", Name: "Ann", JoinTime: attAt(30 * time.Minute), LeaveTime: attAtp(60 * time.Minute)}
		got := attByKey(t, ComputeAttendance([]Segment{first, again}, attHour(), DefaultThresholds()))
		require.Len(t, got, 2)
		assert.Equal(t, int64(1200), got["r:R1"].AttendedSeconds)
		assert.Equal(t, int64(1800), got["e:ann@x.org"].AttendedSeconds)
	})

	t.Run("anonymous rows are never merged", func(t *testing.T) {
		in := []Segment{
			{UserID: "101", JoinTime: attAt(0), LeaveTime: attAtp(60 * time.Minute)},
			{UserID: "102", JoinTime: attAt(0), LeaveTime: attAtp(10 * time.Minute)},
			{ParticipantUUID: "P-1", JoinTime: attAt(5 * time.Minute), LeaveTime: attAtp(15 * time.Minute)},
			{JoinTime: attAt(7 * time.Minute), LeaveTime: attAtp(8 * time.Minute)},
		}
		got := ComputeAttendance(in, attHour(), DefaultThresholds())
		require.Len(t, got, 4)
		assert.Equal(t, []string{"a:uid:101", "a:uid:102", "a:uuid:P-1", "a:join:2025-03-04T09:07:00Z"},
			[]string{got[0].Key, got[1].Key, got[2].Key, got[3].Key})
		assert.Equal(t, int64(3600), got[0].AttendedSeconds)
	})

	t.Run("name, email and leave reason", func(t *testing.T) {
		in := []Segment{
			{PersonKey: "u:a", Name: "Ann (phone)", JoinTime: attAt(30 * time.Minute), LeaveTime: attAtp(40 * time.Minute), LeaveReason: "phone left"},
			{PersonKey: "u:a", Name: "Ann", JoinTime: attAt(0), LeaveTime: attAtp(50 * time.Minute), LeaveReason: "laptop left", Email: " "},
			{PersonKey: "u:a", Name: "Ann L", Email: "ann@x.org", JoinTime: attAt(10 * time.Minute), LeaveTime: attAtp(20 * time.Minute), LeaveReason: "tablet left"},
			{PersonKey: "u:a", Email: "other@x.org", JoinTime: attAt(20 * time.Minute), LeaveTime: attAtp(25 * time.Minute)},
		}
		got := ComputeAttendance(in, attHour(), DefaultThresholds())
		require.Len(t, got, 1)
		assert.Equal(t, "Ann (phone)", got[0].Name, "latest-joining segment's name")
		assert.Equal(t, "ann@x.org", got[0].Email, "first non-empty email by join order")
		assert.Equal(t, "laptop left", got[0].LeaveReason, "latest-leaving segment's reason")
	})

	t.Run("empty latest name falls back to the latest non-empty one", func(t *testing.T) {
		in := []Segment{
			{PersonKey: "u:a", Name: "Ann", JoinTime: attAt(0), LeaveTime: attAtp(10 * time.Minute)},
			{PersonKey: "u:a", Name: "", JoinTime: attAt(20 * time.Minute), LeaveTime: attAtp(30 * time.Minute)},
		}
		got := ComputeAttendance(in, attHour(), DefaultThresholds())
		assert.Equal(t, "Ann", got[0].Name)
	})

	t.Run("leave reason of a segment still open wins and is empty", func(t *testing.T) {
		in := []Segment{
			{PersonKey: "u:a", JoinTime: attAt(0), LeaveTime: attAtp(10 * time.Minute), LeaveReason: "left"},
			{PersonKey: "u:a", JoinTime: attAt(20 * time.Minute)},
		}
		got := ComputeAttendance(in, Window{Start: attT0, Now: attAt(30 * time.Minute)}, DefaultThresholds())
		assert.Empty(t, got[0].LeaveReason)
	})

	t.Run("leave reason tie goes to the later join", func(t *testing.T) {
		in := []Segment{
			{PersonKey: "u:a", JoinTime: attAt(30 * time.Minute), LeaveTime: attAtp(60 * time.Minute), LeaveReason: "second"},
			{PersonKey: "u:a", JoinTime: attAt(0), LeaveTime: attAtp(60 * time.Minute), LeaveReason: "first"},
		}
		got := ComputeAttendance(in, attHour(), DefaultThresholds())
		assert.Equal(t, "second", got[0].LeaveReason)
	})
}

func TestComputeAttendanceOrder(t *testing.T) {
	named := func(key, name string, join time.Duration) Segment {
		sg := attSeg(key, join, 60*time.Minute)
		sg.Name = name
		return sg
	}
	in := []Segment{
		named("u:c", "Cleo", 10*time.Minute),
		named("u:b2", "Bob", 0),
		named("u:b1", "Bob", 0),
		named("u:a", "Ann", 0),
		named("u:z", "Zed", -10*time.Minute),
		func() Segment { w := attWaiting("u:w2", -30*time.Minute, 0); w.Name = "Wendy"; return w }(),
		func() Segment { w := attWaiting("u:w1", 50*time.Minute, 55*time.Minute); w.Name = "Vic"; return w }(),
		named("u:c", "Cleo", 30*time.Minute),
	}
	want := []string{"u:z", "u:a", "u:b1", "u:b2", "u:c", "u:w1", "u:w2"}

	keys := func(as []Attendance) []string {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = a.Key
		}
		return out
	}
	assert.Equal(t, want, keys(ComputeAttendance(in, attHour(), DefaultThresholds())))

	// Same data in any order gives the same result.
	first := ComputeAttendance(in, attHour(), DefaultThresholds())
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		shuffled := append([]Segment(nil), in...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		assert.Equal(t, first, ComputeAttendance(shuffled, attHour(), DefaultThresholds()), "shuffle %d", i)
	}
}

func TestComputeAttendanceEdges(t *testing.T) {
	t.Run("no segments", func(t *testing.T) {
		got := ComputeAttendance(nil, attHour(), DefaultThresholds())
		assert.NotNil(t, got)
		assert.Empty(t, got)
	})

	t.Run("input is not modified", func(t *testing.T) {
		in := []Segment{{Name: "B", JoinTime: attAt(10 * time.Minute)}, {Name: "A", JoinTime: attAt(0)}}
		before := append([]Segment(nil), in...)
		ComputeAttendance(in, attHour(), DefaultThresholds())
		assert.Equal(t, before, in)
	})

	t.Run("same join time keeps Seq order", func(t *testing.T) {
		a := attSeg("u:a", 0, 10*time.Minute)
		a.Seq = 2
		b := attSeg("u:a", 0, 20*time.Minute)
		b.Seq = 1
		got := ComputeAttendance([]Segment{a, b}, attHour(), DefaultThresholds())
		require.Len(t, got[0].Segments, 2)
		assert.Equal(t, 1, got[0].Segments[0].Seq)
	})

	t.Run("segments of one person do not leak into the next", func(t *testing.T) {
		got := ComputeAttendance([]Segment{attSeg("u:a", 0, 10*time.Minute), attSeg("u:b", 0, 20*time.Minute)}, attHour(), DefaultThresholds())
		require.Len(t, got, 2)
		assert.Len(t, got[0].Segments, 1)
		assert.Len(t, got[1].Segments, 1)
		assert.Equal(t, 1, cap(got[0].Segments), "appending must not overwrite a neighbour")
	})
}

func TestSummarize(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		assert.Equal(t, Summary{}, Summarize(nil))
	})
	t.Run("totals", func(t *testing.T) {
		as := []Attendance{
			{AttendedSeconds: 3600, Percent: 100, Present: true},
			{AttendedSeconds: 1801, Percent: 50.0277, Present: false},
			{AttendedSeconds: 0, Percent: 0},
		}
		got := Summarize(as)
		assert.Equal(t, 3, got.People)
		assert.Equal(t, 1, got.Present)
		assert.Equal(t, int64(1800), got.AverageSeconds, "5401/3 rounded down")
		assert.InDelta(t, 50.0092333, got.AveragePercent, 1e-6)
	})
	t.Run("from ComputeAttendance", func(t *testing.T) {
		as := ComputeAttendance([]Segment{attSeg("u:a", 0, 60*time.Minute), attSeg("u:b", 0, 30*time.Minute), attWaiting("u:c", 0, 5*time.Minute)}, attHour(), DefaultThresholds())
		assert.Equal(t, Summary{People: 3, Present: 1, AverageSeconds: 1800, AveragePercent: 50}, Summarize(as))
	})
}

// attBenchSegments returns segments of people persons, each with perPerson
// segments (rejoins and a second device), keys left empty when compute is
// true so that ComputeAttendance derives them.
func attBenchSegments(people, perPerson int, compute bool) []Segment {
	r := rand.New(rand.NewPCG(7, 9))
	segs := make([]Segment, 0, people*perPerson)
	for p := range people {
		for k := range perPerson {
			join := attAt(time.Duration(r.IntN(3600)-300) * time.Second)
			leave := join.Add(time.Duration(r.IntN(2400)) * time.Second)
			sg := Segment{
				Seq:      len(segs),
				Name:     fmt.Sprintf("Person %d", p),
				Email:    fmt.Sprintf("p%d@example.org", p),
				JoinTime: join, LeaveTime: &leave, Status: "in_meeting",
			}
			if k == perPerson-1 && p%10 == 0 {
				sg.LeaveTime = nil
			}
			if !compute {
				sg.PersonKey = sg.Key()
			}
			segs = append(segs, sg)
		}
	}
	r.Shuffle(len(segs), func(i, j int) { segs[i], segs[j] = segs[j], segs[i] })
	return segs
}

func TestComputeAttendanceAllocatesLittle(t *testing.T) {
	segs := attBenchSegments(2500, 4, false) // 10,000 segments with stored keys
	allocs := testing.AllocsPerRun(5, func() {
		ComputeAttendance(segs, attHour(), DefaultThresholds())
	})
	assert.LessOrEqual(t, allocs, 10.0)
}

func BenchmarkComputeAttendance(b *testing.B) {
	for _, bc := range []struct {
		name    string
		compute bool
	}{{"stored_keys", false}, {"computed_keys", true}} {
		b.Run(bc.name, func(b *testing.B) {
			segs := attBenchSegments(1000, 3, bc.compute)
			b.ReportAllocs()
			for b.Loop() {
				ComputeAttendance(segs, attHour(), DefaultThresholds())
			}
		})
	}
}
