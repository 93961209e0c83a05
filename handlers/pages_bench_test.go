package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rollcall/models"
)

// countingWriter is a ResponseWriter that keeps only the status and the
// number of body bytes, as a network connection would (a recorder's growing
// buffer would be measured otherwise).
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(s int)   { w.status = s }
func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// serve runs one request through the router (no network) and checks the
// status; it returns the body size.
func (e *pagesEnv) serve(b *testing.B, path string) int {
	w := &countingWriter{header: http.Header{}}
	e.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	if w.status != http.StatusOK {
		b.Fatalf("GET %s: %d", path, w.status)
	}
	return w.n
}

// bigMeetingSegments are the 3,000 segments of a 1,000-person meeting from
// start to end: each person a session, a rejoin, and every tenth a second
// device or a waiting-room row.
func bigMeetingSegments(start, end time.Time) []models.Segment {
	segs := make([]models.Segment, 0, 3000)
	for p := range 1000 {
		name := fmt.Sprintf("Person %04d", p)
		email := fmt.Sprintf("p%04d@example.com", p)
		j := start.Add(time.Duration(p%10) * time.Minute)
		l1, j2 := j.Add(20*time.Minute), j.Add(25*time.Minute)
		third := models.Segment{Name: name, Email: email, JoinTime: j.Add(5 * time.Minute), LeaveTime: ptr(j.Add(15 * time.Minute)),
			Status: "in_meeting", Device: "iOS", Raw: "{}"}
		if p%10 == 0 {
			third.Status, third.JoinTime, third.LeaveTime = models.StatusWaitingRoom, j.Add(-3*time.Minute), ptr(j)
		}
		segs = append(segs,
			models.Segment{Name: name, Email: email, JoinTime: j, LeaveTime: &l1, Status: "in_meeting", Device: "Mac",
				Location: "Berlin (DE)", LeaveReason: "left<br>reason " + name, Raw: "{}"},
			models.Segment{Name: name, Email: email, JoinTime: j2, LeaveTime: &end, Status: "in_meeting", Device: "Mac", Raw: "{}"},
			third)
	}
	return segs
}

// BenchmarkMeetingPage renders a meeting of 1,000 people with 3,000
// segments (each person: a session, a rejoin, and every tenth a second
// device or a waiting-room row). "store" is the baseline: the page's
// segment query alone; "compute" adds the attendance math; "page" is the whole request.
func BenchmarkMeetingPage(b *testing.B) {
	e := newPagesEnv(b)
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	segs := bigMeetingSegments(start, end)
	m := e.addMeeting(b, models.MeetingEnded{UUID: "big==", MeetingNumber: 1, Topic: "All hands", StartTime: start, EndTime: &end}, segs)
	ctx := context.Background()

	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			got, err := e.store.SegmentsForPage(ctx, m.ID)
			if err != nil || len(got) != 3000 {
				b.Fatal(err, len(got))
			}
		}
	})
	b.Run("compute", func(b *testing.B) {
		for b.Loop() {
			got, err := e.store.SegmentsForPage(ctx, m.ID)
			if err != nil {
				b.Fatal(err)
			}
			if as := models.ComputeAttendance(got, models.Window{Start: start, End: &end}, models.DefaultThresholds()); len(as) != 1000 {
				b.Fatal(len(as))
			}
		}
	})
	b.Run("page", func(b *testing.B) {
		var size int
		for b.Loop() {
			size = e.serve(b, meetingURL(m.ID))
		}
		b.ReportMetric(float64(size), "bytes/page")
	})
}

// BenchmarkMeetingsList lists 100,000 meetings: the first page and a page
// 90,000 meetings deep, each as the store query alone (baseline) and as the
// whole request.
func BenchmarkMeetingsList(b *testing.B) {
	e := newPagesEnv(b)
	const n = 100_000
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	plantMeetings(b, e, n, base)
	ctx := context.Background()
	// The cursor of the 90,000th newest meeting.
	deep := models.MeetingCursor{StartTime: base.Add(-90_000 * 30 * time.Minute), ID: 90_001}

	for _, tc := range []struct {
		name string
		f    models.MeetingFilter
		path string
	}{
		{"first", models.MeetingFilter{Limit: meetingsPageSize}, "/meetings"},
		{"deep", models.MeetingFilter{Limit: meetingsPageSize, Before: &deep}, "/meetings?before=" + deep.String()},
		{"search", models.MeetingFilter{Limit: meetingsPageSize, Q: "meeting 7"}, "/meetings?q=meeting+7"},
	} {
		b.Run(tc.name+"/store", func(b *testing.B) {
			for b.Loop() {
				p, err := e.store.ListMeetings(ctx, tc.f)
				if err != nil || len(p.Meetings) != meetingsPageSize {
					b.Fatal(err, len(p.Meetings))
				}
			}
		})
		b.Run(tc.name+"/page", func(b *testing.B) {
			for b.Loop() {
				e.serve(b, tc.path)
			}
		})
	}
}

// plantMeetings inserts n fetched meetings, 30 minutes apart going back
// from base (the i-th newest has id i+1), through the benchmark's own
// connection, 1,000 rows a statement.
func plantMeetings(b *testing.B, e *pagesEnv, n int, base time.Time) {
	// Planted through the benchmark's own connection, 1,000 rows a statement.
	const batch = 1000
	now := time.Now().UTC()
	for from := 0; from < n; from += batch {
		var q strings.Builder
		q.WriteString("INSERT INTO meetings (uuid, meeting_number, webinar, topic, host_id, host_name, host_email, type," +
			" start_time, end_time, timezone, account_id, fetch_status, fetch_attempts, last_error, source, people," +
			" segment_count, created_at, updated_at) VALUES ")
		var args []any
		for i := from; i < from+batch; i++ {
			st := base.Add(-time.Duration(i) * 30 * time.Minute)
			if i > from {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, fmt.Sprintf("uuid-%06d==", i), int64(1000+i%500), false, fmt.Sprintf("Team meeting %d", i%500),
				fmt.Sprintf("host%d", i%40), "", fmt.Sprintf("host%d@example.com", i%40), 0,
				st, st.Add(45*time.Minute), "", "", models.FetchFetched, 0, "", "", 12, 0, now, now)
		}
		e.db.Exec(b, q.String(), args...)
	}
}
