package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"rollcall/models"
)

// serveAPI runs one API request with the bearer token tok through the
// router (no network), checks the status and returns the body size.
func (e *pagesEnv) serveAPI(b *testing.B, tok, path string) int {
	w := &countingWriter{header: http.Header{}}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	e.handler.ServeHTTP(w, req)
	if w.status != http.StatusOK {
		b.Fatalf("GET %s: %d", path, w.status)
	}
	return w.n
}

// apiToken makes a viewer's API token in e.
func (e *pagesEnv) apiToken(b *testing.B) string {
	ctx := context.Background()
	u, err := e.store.UserByEmail(ctx, "viewer@example.com")
	if err != nil {
		b.Fatal(err)
	}
	_, tok, err := e.store.CreateToken(ctx, u.ID, "bench", 0, e.now)
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// BenchmarkAPIAttendance answers /api/v1/meetings/{id}/attendance for the
// 1,000-person meeting of BenchmarkMeetingPage. The baselines, in the same
// run: "marshal" is json.Marshal of the rows the endpoint computes (the
// encoding alone); "compute+marshal" adds the segment query and the
// attendance math, i.e. everything but HTTP and the token check.
func BenchmarkAPIAttendance(b *testing.B) {
	e := newPagesEnv(b)
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	m := e.addMeeting(b, models.MeetingEnded{UUID: "big==", MeetingNumber: 1, Topic: "All hands", StartTime: start, EndTime: &end},
		bigMeetingSegments(start))
	ctx := context.Background()
	th := models.DefaultThresholds()
	compute := func() []apiAttendance {
		segs, err := e.store.SegmentsForPage(ctx, m.ID)
		if err != nil {
			b.Fatal(err)
		}
		roll, err := e.store.MeetingRoll(ctx, m, segs, e.now, th)
		if err != nil {
			b.Fatal(err)
		}
		return attendanceRows(roll, m.Window(e.now))
	}
	rows := compute()
	if len(rows) != 1000 {
		b.Fatal(len(rows))
	}
	body := struct {
		MeetingID uint64          `json:"meeting_id"`
		People    []apiAttendance `json:"people"`
	}{m.ID, rows}

	b.Run("marshal", func(b *testing.B) {
		var n int
		for b.Loop() {
			out, err := json.Marshal(body)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.ReportMetric(float64(n), "bytes/op")
	})
	b.Run("compute+marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(compute()); err != nil {
				b.Fatal(err)
			}
		}
	})
	tok := e.apiToken(b)
	b.Run("endpoint", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = e.serveAPI(b, tok, "/api/v1/meetings/"+strconv.FormatUint(m.ID, 10)+"/attendance")
		}
		b.ReportMetric(float64(n), "bytes/op")
	})
}

// BenchmarkAPIMeetingsList lists 100,000 meetings through
// /api/v1/meetings, 100 a page: the first page and a page 90,000 meetings
// deep (by the opaque cursor). The baseline, in the same run, is the store
// query of the same page alone.
func BenchmarkAPIMeetingsList(b *testing.B) {
	e := newPagesEnv(b)
	const n = 100_000
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	plantMeetings(b, e, n, base)
	ctx := context.Background()
	deep := models.MeetingCursor{StartTime: base.Add(-90_000 * 30 * time.Minute), ID: 90_001}
	f := models.MeetingFilter{Limit: apiDefaultLimit}
	tok := e.apiToken(b)
	for _, tc := range []struct {
		name   string
		before *models.MeetingCursor
		path   string
	}{
		{"first", nil, "/api/v1/meetings"},
		{"deep", &deep, "/api/v1/meetings?cursor=" + encodeCursor(deep, f)},
	} {
		b.Run(tc.name+"/store", func(b *testing.B) {
			f := f
			f.Before = tc.before
			for b.Loop() {
				p, err := e.store.ListMeetings(ctx, f)
				if err != nil || len(p.Meetings) != apiDefaultLimit {
					b.Fatal(err, len(p.Meetings))
				}
			}
		})
		b.Run(tc.name+"/endpoint", func(b *testing.B) {
			var size int
			for b.Loop() {
				size = e.serveAPI(b, tok, tc.path)
			}
			b.ReportMetric(float64(size), "bytes/op")
		})
	}
}
