package models

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the attendance answers built from ComputeAttendance:
// the meeting window, a person's facts and totals, the series matrix and a
// person's history. Like ComputeAttendance they do no I/O; every page,
// CSV and API answer is built by these, so they all say the same numbers.

// Minutes returns secs in minutes with one decimal, halves away from zero
// (119 s is 2.0, 87 s is 1.5). It is the one rounding of minutes rollcall
// shows, in pages and files alike.
func Minutes(secs int64) float64 {
	return math.Round(float64(secs)/6) / 10
}

// roundTenth rounds f to one decimal, halves away from zero.
func roundTenth(f float64) float64 { return math.Round(f*10) / 10 }

// Window returns the attendance window of meeting m as seen at now: from
// its start to its end, or to now while it has no end (live, or its end is
// not known yet). The webhook's start and end are stored first; the fetch
// fills in the API's past-meeting details where the webhook lacked them
// (Store.FillMeetingDetails), so the stored meeting already holds the
// fallbacks.
func (m Meeting) Window(now time.Time) Window {
	return Window{Start: m.StartTime, End: m.EndTime, Now: now}
}

// Until returns the effective end of the window: End, or Now while live.
func (w Window) Until() time.Time { return w.end() }

// Live reports whether the window has no end yet.
func (w Window) Live() bool { return w.End == nil }

// MeetingAttendance computes the attendance of meeting m from its segments
// at now under th: ComputeAttendance in m.Window(now).
func MeetingAttendance(m Meeting, segs []Segment, now time.Time, th Thresholds) []Attendance {
	return ComputeAttendance(segs, m.Window(now), th)
}

// Facts are the details of a person's segments shown beside their
// attendance: the distinct devices, locations and roles of their in-meeting
// segments (trimmed, empty ones skipped, in join order), and the first
// registrant id and Zoom user id (participant_user_id, else the deprecated
// id) of any of their segments.
type Facts struct {
	Devices, Locations, Roles []string
	RegistrantID, UserID      string
}

// Facts returns the facts of a's segments.
func (a Attendance) Facts() Facts {
	var f Facts
	for i := range a.Segments {
		s := &a.Segments[i]
		if f.RegistrantID == "" {
			f.RegistrantID = strings.TrimSpace(s.RegistrantID)
		}
		if f.UserID == "" {
			f.UserID = strings.TrimSpace(s.ParticipantUserID)
		}
		if f.UserID == "" {
			f.UserID = strings.TrimSpace(s.ParticipantID)
		}
		if s.Status != StatusWaitingRoom {
			f.Devices = appendDistinct(f.Devices, s.Device)
			f.Locations = appendDistinct(f.Locations, s.Location)
			f.Roles = appendDistinct(f.Roles, s.Role)
		}
	}
	return f
}

// appendDistinct appends v, trimmed, to vs unless it is empty or already
// there.
func appendDistinct(vs []string, v string) []string {
	if v = strings.TrimSpace(v); v == "" || slices.Contains(vs, v) {
		return vs
	}
	return append(vs, v)
}

// Totals sums one person's attendance over several meeting instances.
type Totals struct {
	// Instances is how many instances are considered, attended or not: the
	// divisor of AveragePercent.
	Instances int
	// Attended is how many of them the person has a row in (waiting room
	// only included); Present how many they were present at; Absent how
	// many they were expected at and missed.
	Attended, Present, Absent int
	// Seconds is the attended time over all of them.
	Seconds int64
	// percentSum is the sum of the unrounded percentages.
	percentSum float64
}

// add counts one instance's attendance of the person.
func (t *Totals) add(a Attendance) {
	t.Attended++
	t.Seconds += a.AttendedSeconds
	t.percentSum += a.Percent
	if a.Present {
		t.Present++
	}
}

// Minutes returns the attended time in minutes, rounded as Minutes.
func (t Totals) Minutes() float64 { return Minutes(t.Seconds) }

// AveragePercent returns the mean of the unrounded attendance percentages
// over Instances, an instance the person missed counting as 0; 0 when
// Instances is 0.
func (t Totals) AveragePercent() float64 {
	if t.Instances == 0 {
		return 0
	}
	return t.percentSum / float64(t.Instances)
}

// Series is the people × instances matrix of a recurring meeting.
type Series struct {
	// Topic is the latest instance's non-empty topic, else
	// "Meeting <number>".
	Topic string
	// Instances are the columns, in the order given to NewSeriesBuilder.
	Instances []Meeting
	// People are the rows, by name (case-insensitive), then key.
	People []SeriesPerson
	// HasExpected is whether anyone was expected at any instance (a
	// roster or registrants): only then are absences marked.
	HasExpected bool
	// Totals has one entry per instance: its head count and average
	// attendance (the trend of the series).
	Totals []InstanceTotals
}

// SeriesPerson is one row of the series matrix.
type SeriesPerson struct {
	// Key is the person key; Name and Email are the latest instance's
	// non-empty ones (either may be empty).
	Key, Name, Email string
	// Cells holds one cell per instance; a person missing from an instance
	// has the zero cell there (Attended false).
	Cells []SeriesCell
	// Totals sums the row; Totals.Instances is the number of instances.
	Totals Totals
}

// SeriesCell is one person's attendance at one instance.
type SeriesCell struct {
	// Attended is whether the person has a row in the instance.
	Attended bool
	// Absent is whether the person was expected there and matched nobody.
	Absent bool
	// Seconds and Percent (unrounded) are the attended time and share.
	Seconds int64
	Percent float64
	// Present is the present flag under the builder's thresholds.
	Present bool
}

// Minutes returns the cell's attended minutes, rounded as Minutes.
func (c SeriesCell) Minutes() float64 { return Minutes(c.Seconds) }

// PercentRounded returns the cell's percentage with one decimal.
func (c SeriesCell) PercentRounded() float64 { return roundTenth(c.Percent) }

// SeriesBuilder builds a Series one instance at a time, so a caller needs
// only one instance's segments in memory. Use NewSeriesBuilder, Add each
// instance's segments, then Series.
type SeriesBuilder struct {
	number    int64
	instances []Meeting
	now       time.Time
	th        Thresholds
	rows      map[string]*SeriesPerson
	// hasExpected: some instance's roll had expected people.
	hasExpected bool
	totals      []InstanceTotals
}

// NewSeriesBuilder starts the matrix of the instances of series number (in
// the order their columns should take), computing attendance at now under
// th.
func NewSeriesBuilder(number int64, instances []Meeting, now time.Time, th Thresholds) *SeriesBuilder {
	totals := make([]InstanceTotals, len(instances))
	for i, m := range instances {
		totals[i].Meeting = m
	}
	return &SeriesBuilder{number: number, instances: instances, now: now, th: th, rows: map[string]*SeriesPerson{}, totals: totals}
}

// Add computes the attendance of instance i (an index into the instances
// given to NewSeriesBuilder) from its segments and fills its column. Each
// instance is added once.
func (b *SeriesBuilder) Add(i int, segs []Segment) {
	b.AddRoll(i, BuildRoll(b.instances[i], segs, b.now, b.th, RollInput{}))
}

// AddRoll fills the column of instance i from its roll (BuildRoll at the
// builder's now and thresholds): its attendees, and its absentees as
// absent cells. Each instance is added once.
func (b *SeriesBuilder) AddRoll(i int, roll Roll) {
	b.hasExpected = b.hasExpected || roll.HasExpected
	as := make([]Attendance, len(roll.People))
	for j := range roll.People {
		as[j] = roll.People[j].Attendance
	}
	sum := Summarize(as)
	t := &b.totals[i]
	t.People, t.Present, t.AveragePercent, t.Absent = sum.People, sum.Present, sum.AveragePercent, len(roll.Absent)
	for j := range roll.People {
		a := &roll.People[j].Attendance
		r := b.row(a.Key, a.Name, a.Email)
		r.Cells[i] = SeriesCell{Attended: true, Seconds: a.AttendedSeconds, Percent: a.Percent, Present: a.Present}
		r.Totals.add(*a)
	}
	for j := range roll.Absent {
		a := &roll.Absent[j].Attendance
		r := b.row(a.Key, a.Name, a.Email)
		r.Cells[i] = SeriesCell{Absent: true}
		r.Totals.Absent++
	}
}

// row returns the row of key, made on first use, taking name and email
// when they are not empty.
func (b *SeriesBuilder) row(key, name, email string) *SeriesPerson {
	r := b.rows[key]
	if r == nil {
		r = &SeriesPerson{Key: key, Cells: make([]SeriesCell, len(b.instances))}
		r.Totals.Instances = len(b.instances)
		b.rows[key] = r
	}
	if name != "" {
		r.Name = name
	}
	if email != "" {
		r.Email = email
	}
	return r
}

// Series returns the matrix of what was added.
func (b *SeriesBuilder) Series() Series {
	s := Series{Instances: b.instances, People: make([]SeriesPerson, 0, len(b.rows)), HasExpected: b.hasExpected, Totals: b.totals}
	for _, m := range b.instances {
		if m.Topic != "" {
			s.Topic = m.Topic
		}
	}
	if s.Topic == "" {
		s.Topic = "Meeting " + strconv.FormatInt(b.number, 10)
	}
	for _, r := range b.rows {
		s.People = append(s.People, *r)
	}
	slices.SortFunc(s.People, func(a, b SeriesPerson) int {
		if c := cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return s
}

// BuildSeries builds the matrix of series number from every instance's
// segments at once (segs by meeting id).
func BuildSeries(number int64, instances []Meeting, segs map[uint64][]Segment, now time.Time, th Thresholds) Series {
	b := NewSeriesBuilder(number, instances, now, th)
	for i, m := range instances {
		b.Add(i, segs[m.ID])
	}
	return b.Series()
}

// PersonHistory is one person's attendance across meetings.
type PersonHistory struct {
	// Key is the person key. Name is the latest meeting's non-empty name,
	// Email the latest non-empty one; either may be empty.
	Key, Name, Email string
	// Emails are the distinct lower-cased emails of the person's segments.
	Emails []string
	// RegistrantIDs are the distinct registrant ids of their segments.
	RegistrantIDs []string
	// Meetings are the meetings the person has a row in, in the order
	// given to BuildPersonHistory.
	Meetings []PersonAttendance
	// Totals sums them; Totals.Instances is len(Meetings).
	Totals Totals
}

// PersonAttendance is the person's attendance at one meeting.
type PersonAttendance struct {
	Meeting    Meeting
	Attendance Attendance
}

// BuildPersonHistory computes the attendance of the person with key key at
// each of pms (as Store.PersonMeetings gives them, newest first, holding
// only that person's segments) at now under th. A meeting without a
// segment of the person is skipped.
func BuildPersonHistory(key string, pms []PersonMeeting, now time.Time, th Thresholds) PersonHistory {
	return BuildLinkedPersonHistory(key, pms, now, th, PersonLinks{})
}

// BuildLinkedPersonHistory is BuildPersonHistory of the person key
// resolves to under ids, pms holding the segments of every key linked to
// them (Store.PersonMeetingsOfKeys of ids.Group(key)): one row a meeting,
// their devices' time counted once.
func BuildLinkedPersonHistory(key string, pms []PersonMeeting, now time.Time, th Thresholds, ids PersonLinks) PersonHistory {
	key = ids.Resolve(key)
	h := PersonHistory{Key: key}
	for _, pm := range pms {
		segs := ApplyLinks(pm.Segments, ids)
		for i := range segs {
			if v := lower(strings.TrimSpace(segs[i].Email)); v != "" && !slices.Contains(h.Emails, v) {
				h.Emails = append(h.Emails, v)
			}
			if v := strings.TrimSpace(segs[i].RegistrantID); v != "" && !slices.Contains(h.RegistrantIDs, v) {
				h.RegistrantIDs = append(h.RegistrantIDs, v)
			}
		}
		as := MeetingAttendance(pm.Meeting, segs, now, th)
		i := slices.IndexFunc(as, func(a Attendance) bool { return a.Key == key })
		if i < 0 {
			continue
		}
		a := as[i]
		if h.Name == "" {
			h.Name = a.Name
		}
		if h.Email == "" {
			h.Email = a.Email
		}
		h.Meetings = append(h.Meetings, PersonAttendance{Meeting: pm.Meeting, Attendance: a})
		h.Totals.add(a)
	}
	h.Totals.Instances = len(h.Meetings)
	return h
}
