package zoomtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// Serve a generated meeting and fetch it with the real client.
func ExampleNewServer() {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 120, Seed: 7})
	srv.AddMeeting(m)

	c, err := zoom.New(srv.ClientConfig())
	if err != nil {
		panic(err)
	}
	res, err := c.Participants(context.Background(), m.UUID)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(res.Participants), res.Source, srv.TokensIssued())
	// Output: 120 dashboard 1
}

// Inject faults: a Pro plan without the Dashboard, and Zoom still
// processing the meeting for two minutes after it ended.
func ExampleServer_FailNext() {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 10, Seed: 1})
	srv.AddMeeting(m)
	srv.FailNext(1, zoomtest.PlanError())
	now := m.End.Add(time.Minute)
	srv.SetNow(func() time.Time { return now })
	srv.SetNotReadyFor(2 * time.Minute)
	c, _ := zoom.New(srv.ClientConfig())

	_, err := c.Participants(context.Background(), m.UUID)
	fmt.Println(errors.Is(err, zoom.ErrMeetingNotReady))

	now = m.End.Add(2 * time.Minute)
	srv.SetNow(func() time.Time { return now })
	srv.FailNext(1, zoomtest.PlanError())
	res, err := c.Participants(context.Background(), m.UUID)
	fmt.Println(len(res.Participants), res.Source, err)
	// Output:
	// true
	// 10 report <nil>
}

// Build a signed meeting.ended webhook and deliver it to a handler.
func ExampleSignedWebhook() {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 3, Seed: 2})
	now := m.End.Add(10 * time.Second)

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body) // the raw bytes: never re-marshal before verifying
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := zoom.VerifyWebhook(srv.WebhookSecret, r.Header, body, now); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		e, _ := zoom.ParseEvent(body)
		fmt.Println(e.Name, e.Object.UUID == m.UUID)
	})

	req, err := zoomtest.SignedWebhook("http://rollcall.test/webhooks/zoom", srv.WebhookSecret,
		zoomtest.MeetingEndedBody(m, now), now)
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// meeting.ended true
	// 200
}

// Generate is deterministic for a seed.
func ExampleGenerate() {
	a := zoomtest.Generate(zoomtest.GenOptions{Participants: 50, Seed: 3})
	b := zoomtest.Generate(zoomtest.GenOptions{Participants: 50, Seed: 3})
	fmt.Println(len(a.Participants), a.UUID == b.UUID, a.Participants[0].Role)
	// Output: 50 true host
}

// Every webhook Zoom would send for a meeting, in time order, ready to sign.
func ExampleMeetingEvents() {
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 3, Seed: 8})
	evs := zoomtest.MeetingEvents(m)
	fmt.Println(evs[0].Name)
	fmt.Println(evs[len(evs)-1].Name)
	req, err := evs[1].Signed("https://rollcall.example/webhooks/zoom", "secret", evs[1].Time)
	fmt.Println(err == nil && req.Header.Get("x-zm-signature") != "")
	// Output:
	// meeting.started
	// meeting.ended
	// true
}
