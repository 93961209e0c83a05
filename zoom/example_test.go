package zoom_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// Fetch every participant of a meeting instance, here from the fake Zoom.
func ExampleClient_Participants() {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 650, Seed: 1})
	srv.AddMeeting(m)

	c, err := zoom.New(srv.ClientConfig())
	if err != nil {
		panic(err)
	}
	res, err := c.Participants(context.Background(), m.UUID)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(res.Participants), "rows from the", res.Source, "in", res.Pages, "pages")
	host := res.Participants[0]
	fmt.Println(host.DisplayName(), host.Role, host.JoinTime.Format(time.RFC3339))
	// Output:
	// 650 rows from the dashboard in 3 pages
	// Hana Host host 2025-03-03T15:00:00Z
}

// Branch on Zoom's errors: a job queue snoozes on 3001 and 429.
func ExampleClient_Participants_errors() {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 10, Seed: 2})
	srv.AddMeeting(m)
	srv.FailNext(1, zoomtest.RateLimited("QPS", "2"))
	c, _ := zoom.New(srv.ClientConfig())

	_, err := c.Participants(context.Background(), m.UUID)
	var rl *zoom.RateLimitError
	if errors.As(err, &rl) {
		fmt.Println("rate limited; snooze for", rl.RetryAfter)
	}

	_, err = c.Participants(context.Background(), "not-ended-yet==")
	if errors.Is(err, zoom.ErrMeetingNotReady) {
		fmt.Println("not ready:", err)
	}
	// Output:
	// rate limited; snooze for 2s
	// not ready: zoom: GET /metrics/meetings/not-ended-yet%3D%3D/participants: HTTP 404, code 3001: Meeting does not exist: not-ended-yet==.
}

// Verify a webhook before trusting or parsing it.
func ExampleVerifyWebhook() {
	const secret = "webhook-secret-token"
	now := time.Unix(1739923528, 0)
	body := []byte(`{"event":"meeting.ended","event_ts":1739923528000,"payload":{"account_id":"A","object":{"id":"85123456789","uuid":"u==","end_time":"2025-02-19T00:05:28Z"}}}`)

	header := http.Header{}
	header.Set(zoom.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	header.Set(zoom.HeaderSignature, zoom.Sign(secret, strconv.FormatInt(now.Unix(), 10), body))
	fmt.Println("genuine:", zoom.VerifyWebhook(secret, header, body, now))

	err := zoom.VerifyWebhook(secret, header, body, now.Add(10*time.Minute))
	fmt.Println("replayed later:", errors.Is(err, zoom.ErrUnverified), errors.Is(err, zoom.ErrStaleTimestamp))

	err = zoom.VerifyWebhook("another-secret", header, body, now)
	fmt.Println("forged:", err)
	// Output:
	// genuine: <nil>
	// replayed later: true true
	// forged: zoom: webhook signature does not match
}

// Parse a verified event; meeting ids may come as strings or numbers.
func ExampleParseEvent() {
	body := []byte(`{"event":"meeting.ended","event_ts":1739923528000,"payload":{"account_id":"A","object":{"id":"85123456789","uuid":"iOTQZPmhTUq5a232ETb9eg==","start_time":"2025-02-18T23:00:00Z","end_time":"2025-02-19T00:05:28Z"}}}`)
	e, err := zoom.ParseEvent(body)
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Name, e.IsMeetingEnd(), e.Time().Format(time.RFC3339))
	fmt.Println(e.Object.ID, e.Object.UUID, e.Object.EndTime.Format(time.RFC3339))
	// Output:
	// meeting.ended true 2025-02-19T00:05:28Z
	// 85123456789 iOTQZPmhTUq5a232ETb9eg== 2025-02-19T00:05:28Z
}

// Answer Zoom's endpoint.url_validation challenge (after verifying it).
func ExampleAnswerURLValidation() {
	v := zoom.AnswerURLValidation("secret", "qgg8vlvZRS6UYooatFL8Aw")
	fmt.Println(v.PlainToken)
	fmt.Println(v.EncryptedToken)
	// Output:
	// qgg8vlvZRS6UYooatFL8Aw
	// 72cef096bfd47c0b8664df30d07721641e4abd7e885ba432204260db477a9a3e
}

// Zoom requires double encoding for UUIDs that begin with "/" or contain "//".
func ExampleEscapeUUID() {
	fmt.Println(zoom.EscapeUUID("iOTQZPmhTUq5a232ETb9eg=="))
	fmt.Println(zoom.EscapeUUID("/ajXp112QmuoKj4854875=="))
	// Output:
	// iOTQZPmhTUq5a232ETb9eg%3D%3D
	// %252FajXp112QmuoKj4854875%253D%253D
}
