package zoom_test

import (
	"context"
	"testing"
	"time"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// BenchmarkFetch10000Participants fetches a generated 10,000-row meeting
// (34 pages of 300) from zoomtest over loopback, decoding every row.
//
//   - unpaced: the client's limiter set far above the request rate, so the
//     figure is the cost of HTTP, JSON decoding and Raw copies (client and
//     fake server share the machine).
//   - pro_pacing: Zoom's Pro Heavy limit of 10 requests/s, the production
//     default: 34 pages take about 3.3 s of waiting.
func BenchmarkFetch10000Participants(b *testing.B) {
	for _, bc := range []struct {
		name  string
		heavy float64
	}{
		{"unpaced", 100_000},
		{"pro_pacing", zoom.DefaultHeavyPerSecond},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := zoomtest.NewServer()
			defer srv.Close()
			m := zoomtest.Generate(zoomtest.GenOptions{Participants: 10_000, Seed: 42})
			srv.AddMeeting(m)
			cfg := srv.ClientConfig()
			cfg.HeavyPerSecond = bc.heavy
			c, err := zoom.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			// Warm up: token, connection, the fake's row cache.
			if _, err := c.Participants(ctx, m.UUID); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var pages int
			for b.Loop() {
				res, err := c.Participants(ctx, m.UUID)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Participants) != 10_000 || res.Pages != 34 {
					b.Fatalf("got %d rows in %d pages", len(res.Participants), res.Pages)
				}
				pages += res.Pages
			}
			b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
		})
	}
}

// BenchmarkParseEvent parses the webhooks intake sees most: a participant
// joining and leaving, and a meeting's end, as zoomtest sends them (every
// field of Zoom's published payloads).
//
//	go test ./zoom -run XXX -bench ParseEvent -benchmem
func BenchmarkParseEvent(b *testing.B) {
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 3, Seed: 7})
	at := m.Start.Add(time.Hour)
	for name, body := range map[string][]byte{
		"joined": zoomtest.ParticipantJoinedBody(m, m.Participants[0], at),
		"left":   zoomtest.ParticipantLeftBody(m, m.Participants[0], at),
		"ended":  zoomtest.MeetingEndedBody(m, at),
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := zoom.ParseEvent(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
