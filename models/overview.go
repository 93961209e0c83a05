package models

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// This file builds the home page's answers (the overview): the last days at
// a glance, each day's attendance, the series whose attendance fell most
// and the people slipping in a series. Like aggregate.go it does no I/O.

// Overview limits: how many falling series and slipping people it names,
// and how many of a person's latest rows in a series decide slipping.
const (
	OverviewFalling  = 5
	OverviewSlipping = 10
	SlippingRows     = 3
)

// OverviewInput is what an Overview is built from.
type OverviewInput struct {
	// Days are the boundaries of the days looked at, oldest first: day i
	// is [Days[i], Days[i+1]). Eight instants make a week.
	Days []time.Time
	// Recent are the instances that started within the days, not live.
	Recent []Meeting
	// Series holds, for each series that met within the days, its latest
	// instances, oldest first (Store.LatestInstances).
	Series map[int64][]Meeting
	// Attendance is the attendance of every meeting above, by meeting id
	// (MeetingAttendance; the people's segments are not needed).
	Attendance map[uint64][]Attendance
}

// Overview answers a manager's questions about the last days.
type Overview struct {
	// Meetings is how many instances started within the days; Measured
	// how many of them have attendance (a person listed).
	Meetings, Measured int
	// People is how many distinct people attended any of them.
	People int
	// AveragePercent is the mean of the measured instances' average
	// attendance (each as Summary.AveragePercent), unrounded.
	AveragePercent float64
	// Days has one entry per day of the input, oldest first.
	Days []DayTotals
	// Falling are the series whose latest measured instance had a lower
	// average attendance than the one before, largest fall first.
	Falling []SeriesChange
	// Slipping are the people not present at any of their last
	// SlippingRows instances of a series after being present before,
	// lowest recent attendance first.
	Slipping []Slipping
}

// DayTotals are one day's instances.
type DayTotals struct {
	// Start and End bound the day.
	Start, End time.Time
	// Meetings, Measured and AveragePercent are as in Overview.
	Meetings, Measured int
	AveragePercent     float64
	// People is the sum of the day's instances' head counts.
	People int
}

// InstanceTotals are one instance's head count and average attendance.
type InstanceTotals struct {
	Meeting Meeting
	// People is the number listed, Present how many were present.
	People, Present int
	// AveragePercent is Summary.AveragePercent, unrounded.
	AveragePercent float64
	// Absent counts the expected people matched to nobody (rosters).
	Absent int
}

// SeriesChange compares a series' latest measured instance with the one
// before it.
type SeriesChange struct {
	Number           int64
	Topic            string
	Previous, Latest InstanceTotals
}

// Fall returns how many percentage points the average attendance fell.
func (c SeriesChange) Fall() float64 { return c.Previous.AveragePercent - c.Latest.AveragePercent }

// Slipping is a person whose last rows in a series are all below the
// present threshold though they were present at an earlier one.
type Slipping struct {
	Key, Name, Email string
	Number           int64
	Topic            string
	// Recent are the person's last SlippingRows instances of the series
	// they have a row in, oldest first, with their percentages.
	Recent []PersonAttendance
	// PresentBefore is how many earlier instances they were present at.
	PresentBefore int
}

// RecentPercent returns the mean unrounded attendance of Recent.
func (s Slipping) RecentPercent() float64 {
	var sum float64
	for _, r := range s.Recent {
		sum += r.Attendance.Percent
	}
	return sum / float64(max(len(s.Recent), 1))
}

// BuildOverview computes the overview of in.
func BuildOverview(in OverviewInput) Overview {
	of := func(m Meeting) []Attendance { return in.Attendance[m.ID] }
	var o Overview
	o.Days = make([]DayTotals, max(len(in.Days)-1, 0))
	for i := range o.Days {
		o.Days[i] = DayTotals{Start: in.Days[i], End: in.Days[i+1]}
	}
	people := map[string]struct{}{}
	var sum float64
	daySums := make([]float64, len(o.Days))
	for _, m := range in.Recent {
		o.Meetings++
		d := dayOf(in.Days, m.StartTime)
		if d >= 0 {
			o.Days[d].Meetings++
		}
		as := of(m)
		if len(as) == 0 {
			continue
		}
		s := Summarize(as)
		o.Measured++
		sum += s.AveragePercent
		for i := range as {
			people[as[i].Key] = struct{}{}
		}
		if d >= 0 {
			o.Days[d].Measured++
			o.Days[d].People += s.People
			daySums[d] += s.AveragePercent
		}
	}
	o.People = len(people)
	if o.Measured > 0 {
		o.AveragePercent = sum / float64(o.Measured)
	}
	for i := range o.Days {
		if o.Days[i].Measured > 0 {
			o.Days[i].AveragePercent = daySums[i] / float64(o.Days[i].Measured)
		}
	}
	numbers := make([]int64, 0, len(in.Series))
	for n := range in.Series {
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	for _, n := range numbers {
		ms := in.Series[n]
		if c, ok := seriesChange(n, ms, of); ok {
			o.Falling = append(o.Falling, c)
		}
		o.Slipping = append(o.Slipping, slipping(n, ms, of)...)
	}
	slices.SortStableFunc(o.Falling, func(a, b SeriesChange) int { return cmp.Compare(b.Fall(), a.Fall()) })
	o.Falling = o.Falling[:min(len(o.Falling), OverviewFalling)]
	slices.SortStableFunc(o.Slipping, func(a, b Slipping) int {
		if c := cmp.Compare(a.RecentPercent(), b.RecentPercent()); c != 0 {
			return c
		}
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	o.Slipping = o.Slipping[:min(len(o.Slipping), OverviewSlipping)]
	return o
}

// dayOf returns the index of the day that holds t, or -1.
func dayOf(days []time.Time, t time.Time) int {
	for i := 0; i+1 < len(days); i++ {
		if !t.Before(days[i]) && t.Before(days[i+1]) {
			return i
		}
	}
	return -1
}

// seriesTopic is a series' name: its latest non-empty topic.
func seriesTopic(ms []Meeting) string {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Topic != "" {
			return ms[i].Topic
		}
	}
	return ""
}

// seriesChange compares the last two measured instances of ms (oldest
// first); ok is false unless attendance fell.
func seriesChange(n int64, ms []Meeting, of func(Meeting) []Attendance) (SeriesChange, bool) {
	var last []InstanceTotals
	for i := len(ms) - 1; i >= 0 && len(last) < 2; i-- {
		as := of(ms[i])
		if len(as) == 0 {
			continue
		}
		s := Summarize(as)
		last = append(last, InstanceTotals{Meeting: ms[i], People: s.People, Present: s.Present, AveragePercent: s.AveragePercent})
	}
	if len(last) < 2 || last[1].AveragePercent <= last[0].AveragePercent {
		return SeriesChange{}, false
	}
	return SeriesChange{Number: n, Topic: seriesTopic(ms), Latest: last[0], Previous: last[1]}, true
}

// slipping returns the people of series n (instances ms, oldest first)
// whose last SlippingRows rows are all below the present threshold, having
// been present at an earlier one. Only rows count: an instance a person
// did not come to is not one of "their" meetings (without a roster nobody
// knows they were expected).
func slipping(n int64, ms []Meeting, of func(Meeting) []Attendance) []Slipping {
	rows := map[string][]PersonAttendance{}
	for _, m := range ms {
		for _, a := range of(m) {
			rows[a.Key] = append(rows[a.Key], PersonAttendance{Meeting: m, Attendance: a})
		}
	}
	var out []Slipping
	for key, rs := range rows {
		if len(rs) <= SlippingRows {
			continue
		}
		recent, before := rs[len(rs)-SlippingRows:], rs[:len(rs)-SlippingRows]
		if slices.ContainsFunc(recent, func(r PersonAttendance) bool { return r.Attendance.Present }) {
			continue
		}
		present := 0
		for _, r := range before {
			if r.Attendance.Present {
				present++
			}
		}
		if present == 0 {
			continue
		}
		s := Slipping{Key: key, Number: n, Topic: seriesTopic(ms), Recent: recent, PresentBefore: present}
		for i := len(rs) - 1; i >= 0 && (s.Name == "" || s.Email == ""); i-- {
			s.Name = cmp.Or(s.Name, rs[i].Attendance.Name)
			s.Email = cmp.Or(s.Email, rs[i].Attendance.Email)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Slipping) int { return cmp.Compare(a.Key, b.Key) })
	return out
}
