package app_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// Live participant events end to end: signed webhooks over loopback →
// participant_events → segments built from event times → attendance.

// personLine is what a manager reads of one person's attendance: the
// numbers of docs/ARCHITECTURE.md, to the second.
type personLine struct {
	Key, Name, Email      string
	FirstJoin, LastLeave  time.Time
	Seconds               int64
	Percent               float64
	Sessions              int
	Late, Early, Present  bool
	LeaveReason, Waiting  string
	WaitingOnly, StillIn  bool
	SegmentsInWaitingRoom int
}

func lines(as []models.Attendance) []personLine {
	out := make([]personLine, len(as))
	for i, a := range as {
		l := personLine{Key: a.Key, Name: a.Name, Email: a.Email, FirstJoin: a.FirstJoin.UTC(), LastLeave: a.LastLeave.UTC(),
			Seconds: a.AttendedSeconds, Percent: a.PercentRounded(), Sessions: a.Sessions, Late: a.Late,
			Early: a.LeftEarly, Present: a.Present, WaitingOnly: a.Sessions == 0}
		if a.Sessions > 0 {
			// Zoom's waiting-room events carry no leave reason: compare
			// reasons where an in-meeting segment gives them.
			l.LeaveReason = a.LeaveReason
		}
		for _, s := range a.Segments {
			if s.Status == models.StatusWaitingRoom {
				l.SegmentsInWaitingRoom++
			}
		}
		out[i] = l
	}
	return out
}

// postAll posts bodies concurrently (8 at a time, as Zoom's deliveries
// overlap) and requires 200 for each.
func postAll(t *testing.T, a *apptest.App, bodies [][]byte) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan []byte)
	statuses := make(chan int, len(bodies))
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				statuses <- a.PostEvent(t, b)
			}
		}()
	}
	for _, b := range bodies {
		next <- b
	}
	close(next)
	wg.Wait()
	close(statuses)
	for st := range statuses {
		require.Equal(t, http.StatusOK, st)
	}
}

// bodiesOf returns the bodies of evs, leaving out the events named skip.
func bodiesOf(evs []zoomtest.WebhookEvent, skip ...string) [][]byte {
	var out [][]byte
	for _, ev := range evs {
		if !contains(skip, ev.Name) {
			out = append(out, ev.Body)
		}
	}
	return out
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// eventAttendance is the attendance of the meeting with uuid built from its
// stored live events, seen at now.
func eventAttendance(t *testing.T, s *models.Store, uuid string, now time.Time) (models.Meeting, []models.Attendance) {
	t.Helper()
	ctx := context.Background()
	m, err := s.MeetingByUUID(ctx, uuid)
	require.NoError(t, err)
	segs, err := s.EventSegments(ctx, m)
	require.NoError(t, err)
	return m, models.MeetingAttendance(m, segs, now, models.DefaultThresholds())
}

// TestLiveEventsAnyOrderOverHTTP posts one meeting's events in shuffled
// orders with redeliveries (each order to its own instance UUID) and
// requires the same attendance from each, while live and once ended.
func TestLiveEventsAnyOrderOverHTTP(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{"ROLLCALL_FETCH_DELAY": "1h"})
	db := a.Store()
	for _, seed := range []int64{3, 11} {
		var want []personLine
		for order := range 3 {
			m := zoomtest.Generate(zoomtest.GenOptions{Participants: 60, Seed: seed, UUID: fmt.Sprintf("order-%d-%d==", seed, order)})
			evs := zoomtest.MeetingEvents(m)
			bodies := bodiesOf(evs, zoom.EventMeetingEnded)
			r := rand.New(rand.NewPCG(uint64(seed), uint64(order)))
			for range len(bodies) / 4 {
				bodies = append(bodies, bodies[r.IntN(len(bodies))])
			}
			r.Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
			postAll(t, a, bodies)

			stored, as := eventAttendance(t, db, m.UUID, m.End)
			assert.Equal(t, models.FetchLive, stored.FetchStatus)
			assert.Nil(t, stored.EndTime, "live until meeting.ended")
			assert.Equal(t, m.Start, stored.StartTime.UTC())
			got := lines(as)
			require.NotEmpty(t, got)
			if order == 0 {
				want = got
				continue
			}
			assert.Equal(t, want, got, "seed %d, order %d: live attendance", seed, order)
		}
	}
	own := testdb.Open(t, a.DSN)
	assert.Zero(t, own.Count(t, "SELECT COUNT(*) FROM river_job WHERE kind = 'fetch_participants'"), "no fetch while live")
}

// TestLiveEventsAgreeWithTheAPI: where the events are complete, the
// attendance built from them equals the attendance built from the
// participants API for the same generated meeting, to the second.
func TestLiveEventsAgreeWithTheAPI(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()
	ctx := context.Background()
	people, seconds := 0, int64(0)
	for _, seed := range []int64{1, 2, 5, 8, 13} {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: 120, Seed: seed})
		fake.AddMeeting(m)
		postAll(t, a, bodiesOf(zoomtest.MeetingEvents(m)))
		stored := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
		require.Equal(t, models.FetchFetched, stored.FetchStatus, stored.LastError)
		require.Equal(t, "dashboard", stored.Source)
		segs, err := db.Segments(ctx, stored.ID)
		require.NoError(t, err)
		api := lines(models.MeetingAttendance(stored, segs, time.Now(), models.DefaultThresholds()))
		_, evAs := eventAttendance(t, db, m.UUID, time.Now())
		events := lines(evAs)
		require.Equal(t, api, events, "seed %d: event-built attendance differs from the API's", seed)
		people += len(api)
		for _, l := range api {
			seconds += l.Seconds
		}
	}
	t.Logf("5 meetings, %d people, %d attended seconds: event-built attendance equals the API's for every one", people, seconds)
}

// TestLivePage: a live meeting's page shows who is in now, who waits and who
// left, with their time so far, and reloads itself; the list shows it first.
func TestLivePage(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL": "admin@example.com", "ROLLCALL_ADMIN_PASSWORD": "a long admin password",
	})
	now := time.Now().UTC().Truncate(time.Second)
	start := now.Add(-40 * time.Minute)
	m := zoomtest.Meeting{UUID: "live-page==", ID: 81234567890, Topic: "Live standup", HostID: "host", AccountID: "acct",
		Type: 2, Start: start}
	older := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 4, Start: now.Add(time.Hour)}) // starts later, ended
	row := func(uuid, name string, join int, leave int) zoomtest.Participant {
		p := zoomtest.Participant{ParticipantUUID: uuid, UserID: "1677" + uuid, Name: name, Join: start.Add(time.Duration(join) * time.Minute)}
		if leave >= 0 {
			l := start.Add(time.Duration(leave) * time.Minute)
			p.Leave = &l
		}
		return p
	}
	ann, ben, cat := row("A1", "Ann Active", 0, -1), row("B1", "Ben Gone", 2, 20), row("C1", "Cat Waiting", 30, -1)
	dan := row("D1", "Dan Admitted", 10, -1)
	danWait := row("D0", "Dan Admitted", 5, 10)
	ts := now
	bodies := [][]byte{
		zoomtest.MeetingStartedBody(m, start),
		zoomtest.ParticipantJoinedBody(m, ann, ts),
		zoomtest.ParticipantJoinedBody(m, ben, ts), zoomtest.ParticipantLeftBody(m, ben, ts),
		zoomtest.WaitingRoomBody(zoom.EventParticipantJoinedWaitingRoom, m, cat, cat.Join, ts),
		zoomtest.WaitingRoomBody(zoom.EventParticipantJoinedWaitingRoom, m, danWait, danWait.Join, ts),
		zoomtest.WaitingRoomBody(zoom.EventParticipantAdmitted, m, danWait, *danWait.Leave, ts),
		zoomtest.ParticipantJoinedBody(m, dan, ts),
		zoomtest.MeetingEndedBody(older, older.End),
	}
	postAll(t, a, bodies)
	stored, err := a.Store().MeetingByUUID(context.Background(), m.UUID)
	require.NoError(t, err)

	c := apptest.SignIn(t, a.URL, "admin@example.com", "a long admin password")
	doc := apptest.GetDoc(t, c, fmt.Sprintf("%s/meetings/%d", a.URL, stored.ID))
	refresh := doc.Find(`meta[http-equiv="refresh"]`)
	require.Equal(t, 1, refresh.Length(), "a live page reloads itself")
	assert.Equal(t, "30", refresh.AttrOr("content", ""))
	assert.Equal(t, 0, doc.Find("script").Length(), "no script on the page")
	names := func(testid string) []string {
		var out []string
		doc.Find(`[data-testid="` + testid + `"] [data-testid="live-name"]`).Each(func(_ int, s *goquery.Selection) {
			out = append(out, s.Text())
		})
		return out
	}
	assert.Equal(t, []string{"Ann Active", "Dan Admitted"}, names("in-now"))
	assert.Equal(t, []string{"Cat Waiting"}, names("waiting"))
	assert.Equal(t, []string{"Ben Gone"}, names("left"))
	soFar := map[string]string{}
	doc.Find(`[data-testid="live-person"]`).Each(func(_ int, s *goquery.Selection) {
		soFar[s.Find(`[data-testid="live-name"]`).Text()] = s.Find(`[data-testid="live-so-far"]`).Text()
	})
	assert.Equal(t, "18m 00s", soFar["Ben Gone"], "left after 18 minutes")
	assert.NotEmpty(t, soFar["Ann Active"])
	assert.Contains(t, doc.Find(`[data-testid="length"]`).Text(), "so far")
	assert.Equal(t, "live", strings.TrimSpace(doc.Find(`[data-testid="status"]`).First().Text()))

	list := apptest.GetDoc(t, c, a.URL+"/meetings")
	first := list.Find(`[data-testid="meeting-row"]`).First()
	assert.Equal(t, fmt.Sprint(stored.ID), first.AttrOr("data-id", ""), "live meetings come first")
	assert.Equal(t, 2, list.Find(`[data-testid="meeting-row"]`).Length())
}

// TestProvisionalThenReplaced: after meeting.ended the events' attendance is
// shown at once, marked provisional, until the fetch from Zoom replaces it.
func TestProvisionalThenReplaced(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	fake.SetNotReadyFor(24 * time.Hour) // Zoom is still processing the meeting
	a := apptest.Start(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL": "admin@example.com", "ROLLCALL_ADMIN_PASSWORD": "a long admin password",
	})
	db := a.Store()
	start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 30, Seed: 21, Start: start})
	fake.AddMeeting(m)
	postAll(t, a, bodiesOf(zoomtest.MeetingEvents(m)))

	stored, err := db.MeetingByUUID(context.Background(), m.UUID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		stored, err = db.MeetingByUUID(context.Background(), m.UUID)
		return err == nil && strings.HasPrefix(stored.LastError, "waiting for Zoom")
	}, 20*time.Second, 20*time.Millisecond, "the fetch waits for Zoom")
	require.NotNil(t, stored.EndTime)

	c := apptest.SignIn(t, a.URL, "admin@example.com", "a long admin password")
	page := fmt.Sprintf("%s/meetings/%d", a.URL, stored.ID)
	doc := apptest.GetDoc(t, c, page)
	assert.Equal(t, 1, doc.Find(`[data-testid="provisional"]`).Length(), "marked provisional")
	assert.Contains(t, doc.Find(`[data-testid="participants-source"]`).Text(), "webhooks", "where they came from, so far")
	assert.Equal(t, 0, doc.Find(`meta[http-equiv="refresh"]`).Length(), "ended: no reload")
	assert.Equal(t, 0, doc.Find(`[data-testid="live"]`).Length())
	_, evAs := eventAttendance(t, db, m.UUID, time.Now())
	assert.Equal(t, len(evAs), doc.Find(`[data-testid="person"]`).Length(), "the events' people are shown")
	// The download says what the page says, until the fetch.
	res, err := c.Get(page + "/attendance.csv")
	require.NoError(t, err)
	csvBody, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, len(evAs)+1, strings.Count(string(csvBody), "\r\n"), "a header and a row per person of the events")

	fake.SetNotReadyFor(0) // Zoom is ready: the fetch replaces the events' attendance
	stored = apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	require.Equal(t, models.FetchFetched, stored.FetchStatus, stored.LastError)
	doc = apptest.GetDoc(t, c, page)
	assert.Equal(t, 0, doc.Find(`[data-testid="provisional"]`).Length(), "replaced by the fetch")
	assert.Equal(t, "dashboard", strings.TrimSpace(doc.Find(`[data-testid="participants-source"]`).Text()))
	apptest.AssertStoredExactly(t, db, m)
}

// TestAPIRefusedEventsAreTheRecord: when Zoom refuses both participant
// lists for plan or scope, the live events are stored as the meeting's
// participants, from webhooks.
func TestAPIRefusedEventsAreTheRecord(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	fake.SetDashboardDenied(true)
	fake.FailNext(100, zoomtest.Fault{Path: "/v2/report/", Status: http.StatusForbidden, Code: 4711,
		Message: "Invalid access token, does not contain scopes:[report:read:admin]."})
	a := apptest.Start(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL": "admin@example.com", "ROLLCALL_ADMIN_PASSWORD": "a long admin password",
	})
	db := a.Store()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 40, Seed: 31})
	fake.AddMeeting(m)
	postAll(t, a, bodiesOf(zoomtest.MeetingEvents(m)))
	stored := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	require.Equal(t, models.FetchFetched, stored.FetchStatus, stored.LastError)
	assert.Equal(t, models.SourceWebhooks, stored.Source)

	segs, err := db.Segments(context.Background(), stored.ID)
	require.NoError(t, err)
	evSegs, err := db.EventSegments(context.Background(), stored)
	require.NoError(t, err)
	require.Len(t, segs, len(evSegs))
	assert.Equal(t, len(evSegs), stored.SegmentCount)
	th := models.DefaultThresholds()
	assert.Equal(t, lines(models.MeetingAttendance(stored, evSegs, time.Now(), th)),
		lines(models.MeetingAttendance(stored, segs, time.Now(), th)), "the stored record is the events' attendance")

	c := apptest.SignIn(t, a.URL, "admin@example.com", "a long admin password")
	doc := apptest.GetDoc(t, c, fmt.Sprintf("%s/meetings/%d", a.URL, stored.ID))
	assert.Equal(t, 1, doc.Find(`[data-testid="from-live-events"]`).Length(), "the meeting says: from live events")
	assert.Equal(t, 0, doc.Find(`[data-testid="provisional"]`).Length())
}

// TestAPIRefusedWithoutEventsFails: with no live events the refusal still
// fails the meeting, as before.
func TestAPIRefusedWithoutEventsFails(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	fake.SetDashboardDenied(true)
	fake.FailNext(100, zoomtest.Fault{Path: "/v2/report/", Status: http.StatusForbidden, Code: 4711, Message: "no scope"})
	a := apptest.Start(t, fake, nil)
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 10, Seed: 32})
	fake.AddMeeting(m)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	stored := apptest.WaitFetched(t, a.Store(), m.UUID, 30*time.Second)
	assert.Equal(t, models.FetchFailed, stored.FetchStatus)
}

// TestSourceWebhooks: ZOOM_PARTICIPANTS_SOURCE=webhooks stores the events'
// attendance at meeting.ended and never asks Zoom for participants.
func TestSourceWebhooks(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{"ZOOM_PARTICIPANTS_SOURCE": "webhooks"})
	db := a.Store()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 50, Seed: 41})
	fake.AddMeeting(m) // listed, but not to be asked
	evs := zoomtest.MeetingEvents(m)
	postAll(t, a, bodiesOf(evs, zoom.EventMeetingEnded))
	live, err := db.MeetingByUUID(context.Background(), m.UUID)
	require.NoError(t, err)
	assert.Equal(t, models.FetchLive, live.FetchStatus)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	stored := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	require.Equal(t, models.FetchFetched, stored.FetchStatus, stored.LastError)
	assert.Equal(t, models.SourceWebhooks, stored.Source)
	assert.Equal(t, m.End, stored.EndTime.UTC())
	for _, r := range fake.Requests() {
		assert.NotContains(t, r.Path, "participants", "no participants API call with source webhooks")
		assert.NotContains(t, r.Path, "past_meetings", "no API call at all with source webhooks")
	}
	segs, err := db.Segments(context.Background(), stored.ID)
	require.NoError(t, err)
	evSegs, err := db.EventSegments(context.Background(), stored)
	require.NoError(t, err)
	require.NotEmpty(t, segs)
	th := models.DefaultThresholds()
	assert.Equal(t, lines(models.MeetingAttendance(stored, evSegs, time.Now(), th)),
		lines(models.MeetingAttendance(stored, segs, time.Now(), th)))
}
