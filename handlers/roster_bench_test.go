package handlers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rollcall/models"
)

// BenchmarkMeetingPageWithRoster renders the same meeting twice in one
// run: 1,000 people with 3,000 segments (as BenchmarkMeetingPage, and 200
// of them with a second device under a name-only key), once in a series
// without a roster ("plain", the baseline), once in a series with a
// 1,200-entry roster (the 1,000 attendees by email, 100 by name only, 100
// absent) and 200 identity links joining each second device to its owner
// ("roster"). "compute" is the store's reads and the attendance alone,
// "page" the whole request.
func BenchmarkMeetingPageWithRoster(b *testing.B) {
	e := newPagesEnv(b)
	ctx := context.Background()
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	meeting := func(prefix string, number int64) models.Meeting {
		segs := make([]models.Segment, 0, 3200)
		for p := range 1000 {
			name := fmt.Sprintf("%s Person %04d", prefix, p)
			email := fmt.Sprintf("%s.p%04d@example.com", prefix, p)
			j := start.Add(time.Duration(p%10) * time.Minute)
			l1, j2 := j.Add(20*time.Minute), j.Add(25*time.Minute)
			segs = append(segs,
				models.Segment{Name: name, Email: email, JoinTime: j, LeaveTime: &l1, Status: "in_meeting", Device: "Mac", Raw: "{}"},
				models.Segment{Name: name, Email: email, JoinTime: j2, LeaveTime: &end, Status: "in_meeting", Device: "Mac", Raw: "{}"},
				models.Segment{Name: name, Email: email, JoinTime: j.Add(5 * time.Minute), LeaveTime: ptr(j.Add(15 * time.Minute)),
					Status: "in_meeting", Device: "iOS", Raw: "{}"})
			if p < 200 { // a phone without an email: a person of its own until linked
				segs = append(segs, models.Segment{Name: name + " (phone)", JoinTime: j.Add(10 * time.Minute), LeaveTime: ptr(j.Add(30 * time.Minute)),
					Status: "in_meeting", Device: "Android", Raw: "{}"})
			}
		}
		return e.addMeeting(b, models.MeetingEnded{UUID: prefix + "==", MeetingNumber: number, Topic: "All hands " + prefix,
			StartTime: start, EndTime: &end}, segs)
	}
	plain := meeting("plain", 1001)
	rostered := meeting("roster", 1002)

	var entries []models.RosterEntry
	for p := range 1000 {
		if p < 100 {
			entries = append(entries, models.RosterEntry{Line: p + 2, Name: fmt.Sprintf("roster Person %04d", p)})
			continue
		}
		entries = append(entries, models.RosterEntry{Line: p + 2, Email: fmt.Sprintf("roster.p%04d@example.com", p)})
	}
	for p := range 100 {
		entries = append(entries, models.RosterEntry{Line: 1002 + p, Email: fmt.Sprintf("absent.%04d@example.com", p), Name: "Absent"})
	}
	for p := range 100 {
		entries = append(entries, models.RosterEntry{Line: 1102 + p, Name: fmt.Sprintf("Nobody %04d", p)})
	}
	if err := e.store.ReplaceRoster(ctx, 1002, entries, models.RosterUpload{UploadedBy: "admin@example.com", UploadedAt: e.now}); err != nil {
		b.Fatal(err)
	}
	for p := range 200 {
		phone := models.NormalizeName(fmt.Sprintf("roster Person %04d (phone)", p))
		if err := e.store.Link(ctx, models.KeyPrefixName+phone, fmt.Sprintf("e:roster.p%04d@example.com", p), "admin@example.com", e.now); err != nil {
			b.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name   string
		m      models.Meeting
		people int
		absent int
	}{
		{"plain", plain, 1200, 0},
		{"roster", rostered, 1000, 300},
	} {
		b.Run(tc.name+"/compute", func(b *testing.B) {
			for b.Loop() {
				segs, err := e.store.SegmentsForPage(ctx, tc.m.ID)
				if err != nil {
					b.Fatal(err)
				}
				roll, err := e.store.MeetingRoll(ctx, tc.m, segs, e.now, models.DefaultThresholds())
				if err != nil || len(roll.People) != tc.people || len(roll.Absent) != tc.absent {
					b.Fatal(err, len(roll.People), len(roll.Absent))
				}
			}
		})
		b.Run(tc.name+"/page", func(b *testing.B) {
			var size int
			for b.Loop() {
				size = e.serve(b, meetingURL(tc.m.ID))
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
