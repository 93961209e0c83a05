package handlers

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"rollcall/internal/testdb"
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

// bigMeetingSegments are the segments of the benchmarks' 1,000-person
// meeting of one hour from start: each person has a session, a rejoin, and
// a third row — every tenth one a waiting-room row, the others a second
// device.
func bigMeetingSegments(start time.Time) []models.Segment {
	end := start.Add(time.Hour)
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

// rawSegmentColumns are the columns the page reads, for the raw-scan
// baseline (every column but raw).
const rawSegmentColumns = "id, meeting_id, seq, source, person_key, participant_id, user_id, participant_uuid, " +
	"participant_user_id, registrant_id, customer_key, name, email, join_time, leave_time, leave_reason, " +
	"status, role, device, os, location, ip_address"

// rawScanSegments is the baseline of the segment reads: the page's rows
// read with a bare database/sql loop on the benchmark's own pool, into
// models.Segment values.
func rawScanSegments(b *testing.B, db *testdb.DB, id uint64) []models.Segment {
	q := "SELECT " + rawSegmentColumns + " FROM segments WHERE meeting_id = ? ORDER BY join_time, seq"
	if testdb.Postgres() {
		q = strings.Replace(q, "?", "$1", 1)
	}
	rows, err := db.Query(q, id)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []models.Segment
	for rows.Next() {
		var s models.Segment
		var leave sql.NullTime
		if err := rows.Scan(&s.ID, &s.MeetingID, &s.Seq, &s.Source, &s.PersonKey,
			&s.ParticipantID, &s.UserID, &s.ParticipantUUID, &s.ParticipantUserID, &s.RegistrantID, &s.CustomerKey,
			&s.Name, &s.Email, &s.JoinTime, &leave, &s.LeaveReason,
			&s.Status, &s.Role, &s.Device, &s.OS, &s.Location, &s.IPAddress); err != nil {
			b.Fatal(err)
		}
		if leave.Valid {
			s.LeaveTime = &leave.Time
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// rawScanPageSegments is rawScanSegments for the columns the meeting page
// reads (MeetingPageSegments).
func rawScanPageSegments(b *testing.B, db *testdb.DB, id uint64) []models.Segment {
	q := "SELECT seq, person_key, name, email, join_time, leave_time, leave_reason, status, role, device, os, location, " +
		"ip_address, meeting_id FROM segments WHERE meeting_id = ? ORDER BY join_time, seq"
	if testdb.Postgres() {
		q = strings.Replace(q, "?", "$1", 1)
	}
	rows, err := db.Query(q, id)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []models.Segment
	for rows.Next() {
		var s models.Segment
		var leave sql.NullTime
		if err := rows.Scan(&s.Seq, &s.PersonKey, &s.Name, &s.Email, &s.JoinTime, &leave, &s.LeaveReason,
			&s.Status, &s.Role, &s.Device, &s.OS, &s.Location, &s.IPAddress, &s.MeetingID); err != nil {
			b.Fatal(err)
		}
		if leave.Valid {
			s.LeaveTime = &leave.Time
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// serveEncoded is serve with an Accept-Encoding header; it returns the
// body size as sent and its Content-Encoding.
func (e *pagesEnv) serveEncoded(b *testing.B, path, accept string) (n int, encoding string) {
	w := &countingWriter{header: http.Header{}}
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if accept != "" {
		r.Header.Set("Accept-Encoding", accept)
	}
	e.handler.ServeHTTP(w, r)
	if w.status != http.StatusOK {
		b.Fatalf("GET %s: %d", path, w.status)
	}
	return w.n, w.header.Get("Content-Encoding")
}

// BenchmarkMeetingPage renders a meeting of 1,000 people with 3,000
// segments (bigMeetingSegments), each sub-benchmark beside its baseline in
// the same run:
//
//   - rawscan (baseline of store): a meeting's rows, every column but raw,
//     read by a bare database/sql loop; store: Store.SegmentsForPage, the
//     same read (attendance.csv, the API). rawscan-page and store-page: the
//     same for the columns the page reads (Store.MeetingPageSegments).
//   - json (baseline of page): json.Marshal of the computed attendance
//     (computed before the timer starts); compute: query + attendance math;
//     page: the whole request, uncompressed.
//   - page-8, page-8-gzip: the whole request from 8 goroutines at once
//     (pages/s = 1e9 / ns/op), without and with Accept-Encoding: gzip.
//   - page-gzip, page-zstd: the whole request from a client that accepts
//     that encoding; bytes/page is what goes over the wire.
//   - attendance.csv: the whole download, uncompressed.
func BenchmarkMeetingPage(b *testing.B) {
	e := newPagesEnv(b)
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	m := e.addMeeting(b, models.MeetingEnded{UUID: "big==", MeetingNumber: 1, Topic: "All hands", StartTime: start, EndTime: &end},
		bigMeetingSegments(start))
	ctx := context.Background()
	window := models.Window{Start: start, End: &end}

	b.Run("rawscan", func(b *testing.B) {
		for b.Loop() {
			if got := rawScanSegments(b, e.db, m.ID); len(got) != 3000 {
				b.Fatal(len(got))
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			got, err := e.store.SegmentsForPage(ctx, m.ID)
			if err != nil || len(got) != 3000 {
				b.Fatal(err, len(got))
			}
		}
	})
	b.Run("rawscan-page", func(b *testing.B) {
		for b.Loop() {
			if got := rawScanPageSegments(b, e.db, m.ID); len(got) != 3000 {
				b.Fatal(len(got))
			}
		}
	})
	b.Run("store-page", func(b *testing.B) {
		for b.Loop() {
			got, err := e.store.MeetingPageSegments(ctx, m.ID)
			if err != nil || len(got) != 3000 {
				b.Fatal(err, len(got))
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		segs, err := e.store.SegmentsForPage(ctx, m.ID)
		if err != nil {
			b.Fatal(err)
		}
		as := models.ComputeAttendance(segs, window, models.DefaultThresholds())
		var size int
		for b.Loop() {
			out, err := json.Marshal(as)
			if err != nil {
				b.Fatal(err)
			}
			size = len(out)
		}
		b.ReportMetric(float64(size), "bytes/page")
	})
	b.Run("compute", func(b *testing.B) {
		for b.Loop() {
			got, err := e.store.SegmentsForPage(ctx, m.ID)
			if err != nil {
				b.Fatal(err)
			}
			if as := models.ComputeAttendance(got, window, models.DefaultThresholds()); len(as) != 1000 {
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
	for _, accept := range []string{"", "gzip"} {
		name := "page-8"
		if accept != "" {
			name += "-" + accept
		}
		b.Run(name, func(b *testing.B) {
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					e.serveEncoded(b, meetingURL(m.ID), accept)
				}
			})
		})
	}
	for _, enc := range []string{"gzip", "zstd"} {
		b.Run("page-"+enc, func(b *testing.B) {
			var size int
			var got string
			for b.Loop() {
				size, got = e.serveEncoded(b, meetingURL(m.ID), enc)
			}
			if got != enc {
				b.Logf("sent with Content-Encoding %q, not %q", got, enc)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
	b.Run("attendance.csv", func(b *testing.B) {
		var size int
		for b.Loop() {
			size = e.serve(b, meetingURL(m.ID)+"/attendance.csv")
		}
		b.ReportMetric(float64(size), "bytes/file")
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
