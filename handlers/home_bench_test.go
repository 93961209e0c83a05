package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rollcall/models"
)

// Home page scale: an organisation with homeBenchSeries weekly meetings of
// 15 people (12 weeks of history each) and homeBenchOneOffs one-off
// meetings of 25 people this week. The home page reads this week's 250
// instances and the latest 8 of each series: 1,300 instances, about 26,000
// segments.
const (
	homeBenchSeries  = 150
	homeBenchWeeks   = 12
	homeBenchOneOffs = 100
)

// seedHomeBench plants the meetings and segments through the benchmark's
// own connection, many rows a statement, and returns the number of
// meetings. Ids are 1.. in insert order (a fresh database).
func (e *pagesEnv) seedHomeBench(b *testing.B) int {
	b.Helper()
	now := time.Now().UTC()
	type meeting struct {
		number int64
		topic  string
		start  time.Time
		people int
		series int // -1 for a one-off
		week   int
	}
	var ms []meeting
	weekStart := e.now.Add(-6 * 24 * time.Hour).Truncate(24 * time.Hour)
	for s := range homeBenchSeries {
		for w := homeBenchWeeks - 1; w >= 0; w-- {
			st := weekStart.Add(time.Duration(s%6)*24*time.Hour+time.Duration(8+s%9)*time.Hour).AddDate(0, 0, -7*w)
			ms = append(ms, meeting{int64(80_000_000_000 + s), fmt.Sprintf("Team %d weekly", s), st, 15, s, w})
		}
	}
	for o := range homeBenchOneOffs {
		st := weekStart.Add(time.Duration(o%6)*24*time.Hour + time.Duration(9+o%8)*time.Hour)
		ms = append(ms, meeting{int64(90_000_000_000 + o), fmt.Sprintf("Call %d", o), st, 25, -1, 0})
	}
	const meetingCols = "(uuid, meeting_number, webinar, topic, host_id, host_name, host_email, type, start_time, end_time," +
		" timezone, account_id, fetch_status, fetch_attempts, last_error, source, people, segment_count, created_at, updated_at, fetched_at)"
	for from := 0; from < len(ms); from += 500 {
		var q strings.Builder
		q.WriteString("INSERT INTO meetings " + meetingCols + " VALUES ")
		var args []any
		for i := from; i < min(from+500, len(ms)); i++ {
			m := ms[i]
			if i > from {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, fmt.Sprintf("home-%05d==", i), m.number, false, m.topic, "host", "Host", "host@example.com", 8,
				m.start, m.start.Add(time.Hour), "", "", models.FetchFetched, 1, "", "dashboard", m.people, 0, now, now,
				m.start.Add(65*time.Minute))
		}
		e.db.Exec(b, q.String(), args...)
	}
	const segCols = "(meeting_id, seq, source, person_key, participant_id, user_id, participant_uuid, participant_user_id," +
		" registrant_id, customer_key, name, email, join_time, leave_time, leave_reason, status, role, device, os, location," +
		" ip_address, raw)"
	var q strings.Builder
	var args []any
	rows := 0
	flush := func() {
		if rows > 0 {
			e.db.Exec(b, q.String(), args...)
		}
		q.Reset()
		args, rows = args[:0], 0
	}
	for i, m := range ms {
		id := i + 1
		for p := range m.people {
			key := fmt.Sprintf("p%d-%d@example.com", m.series, p)
			if m.series < 0 {
				key = fmt.Sprintf("guest%d-%d@example.com", i, p)
			}
			// Most stay the hour; some leave early, a few more each week.
			mins := 60 - (p*7+m.week*3+i)%45
			segs := 1 + p%4/3 // every fourth person rejoins
			for k := range segs {
				join := m.start.Add(time.Duration(k*mins/2) * time.Minute)
				leave := join.Add(time.Duration(mins/segs) * time.Minute)
				if rows == 0 {
					q.WriteString("INSERT INTO segments " + segCols + " VALUES ")
				} else {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, id, p*2+k, "dashboard", "e:"+key, "", "", "", "", "", "",
					"Person "+key, key, join, leave, "left the meeting", "in_meeting", "attendee", "Mac", "macOS", "Berlin (DE)", "192.0.2.1", "{}")
				rows++
				if rows == 500 {
					flush()
				}
			}
		}
	}
	flush()
	return len(ms)
}

// BenchmarkHomePage renders the home page at the scale above. Baselines in
// the same run: "queries" is the page's store queries alone (this week's
// instances, the latest 8 of each series, their attendance columns);
// "queries-all-columns" the same with every segment column the meeting page
// reads (what SegmentsOf would load); "overview" adds the attendance math;
// "page-cold" is the whole request with an empty attendance cache (the
// first request after a start), "page-warm" with the cache filled.
func BenchmarkHomePage(b *testing.B) {
	e := newPagesEnv(b)
	e.seedHomeBench(b)
	ctx := context.Background()
	loc := e.now.Location()
	days := weekDays(e.now, loc)
	load := func(b *testing.B, allColumns, compute bool) models.OverviewInput {
		recent, err := e.store.RecentMeetings(ctx, days[0], days[len(days)-1], homeMeetingLimit)
		if err != nil || len(recent) != homeBenchSeries+homeBenchOneOffs {
			b.Fatal(err, len(recent))
		}
		var numbers []int64
		for _, m := range recent {
			numbers = append(numbers, m.MeetingNumber)
		}
		series, err := e.store.LatestInstances(ctx, numbers, homeSeriesInstance)
		if err != nil {
			b.Fatal(err)
		}
		var ids []uint64
		seen := map[uint64]bool{}
		for _, m := range recent {
			seen[m.ID] = true
			ids = append(ids, m.ID)
		}
		for _, ms := range series {
			for _, m := range ms {
				if !seen[m.ID] {
					seen[m.ID] = true
					ids = append(ids, m.ID)
				}
			}
		}
		get := e.store.AttendanceSegments
		if allColumns {
			get = e.store.SegmentsOf
		}
		segs, err := get(ctx, ids)
		if err != nil || len(segs) != len(ids) {
			b.Fatal(err, len(segs), len(ids))
		}
		in := models.OverviewInput{Days: days, Recent: recent, Series: series, Attendance: map[uint64][]models.Attendance{}}
		th := models.DefaultThresholds()
		if compute {
			for _, ms := range series {
				for _, m := range ms {
					in.Attendance[m.ID] = models.MeetingAttendance(m, segs[m.ID], e.now, th)
				}
			}
			for _, m := range recent {
				in.Attendance[m.ID] = models.MeetingAttendance(m, segs[m.ID], e.now, th)
			}
		}
		return in
	}
	b.Run("queries", func(b *testing.B) {
		for b.Loop() {
			load(b, false, false)
		}
	})
	b.Run("queries-all-columns", func(b *testing.B) {
		for b.Loop() {
			load(b, true, false)
		}
	})
	b.Run("overview", func(b *testing.B) {
		for b.Loop() {
			o := models.BuildOverview(load(b, false, true))
			if o.Meetings != homeBenchSeries+homeBenchOneOffs {
				b.Fatal(o.Meetings)
			}
		}
	})
	b.Run("page-cold", func(b *testing.B) {
		for b.Loop() {
			e.h.attendance = models.NewAttendanceCache(homeCacheMeetings)
			e.serve(b, "/")
		}
	})
	b.Run("page-warm", func(b *testing.B) {
		e.serve(b, "/") // fills the cache: the steady state of a running server
		var size int
		for b.Loop() {
			size = e.serve(b, "/")
		}
		b.ReportMetric(float64(size), "bytes/page")
	})
}
