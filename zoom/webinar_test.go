package zoom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// TestWebinarDashboardAsksPastOnly: Zoom's webinar Dashboard knows only
// type=past and type=live; a one-attendee webinar is listed with past, and
// the client never asks pastOne (which the fake, like the spec, refuses).
func TestWebinarDashboardAsksPastOnly(t *testing.T) {
	for _, n := range []int{1, 40} {
		srv := zoomtest.NewServer()
		w := zoomtest.Generate(zoomtest.GenOptions{Participants: n, Seed: 41, Webinar: true})
		srv.AddMeeting(w)
		c := newClient(t, srv, func(cfg *zoom.Config) { cfg.Source = zoom.SourceDashboard })
		res, err := c.WebinarParticipants(context.Background(), w.UUID)
		require.NoError(t, err)
		assert.Len(t, res.Participants, n)
		var types []string
		for _, r := range srv.Requests() {
			if strings.HasPrefix(r.Path, "/v2/metrics/webinars/") {
				types = append(types, r.Query.Get("type"))
			}
		}
		assert.Equal(t, []string{"past"}, types, "%d participants", n)
		srv.Close()
	}

	srv := zoomtest.NewServer()
	defer srv.Close()
	empty := zoomtest.Generate(zoomtest.GenOptions{Participants: 1, Seed: 42, Webinar: true})
	empty.Participants = nil
	srv.AddMeeting(empty)
	c := newClient(t, srv, func(cfg *zoom.Config) { cfg.Source = zoom.SourceDashboard })
	res, err := c.WebinarParticipants(context.Background(), empty.UUID)
	require.NoError(t, err, "an empty webinar is empty, with no pastOne retry")
	assert.Empty(t, res.Participants)
	assert.Len(t, srv.Requests(), 2, "the token and one Dashboard call")
}

// TestWebinarEndedWithoutEndTime: webinar.ended may lack end_time (the spec
// makes it optional) and may be a practice session; WebinarReport gives
// the start, end and duration.
func TestWebinarEndedWithoutEndTime(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	w := zoomtest.Generate(zoomtest.GenOptions{Participants: 12, Seed: 43, Webinar: true, Length: 95 * time.Minute})
	w.EndTimeUnsent, w.PracticeSession = true, true
	srv.AddMeeting(w)

	e, err := zoom.ParseEvent(zoomtest.MeetingEndedBody(w, w.End))
	require.NoError(t, err)
	assert.Equal(t, zoom.EventWebinarEnded, e.Name)
	assert.Nil(t, e.Object.EndTime)
	assert.True(t, e.Object.PracticeSession)

	c := newClient(t, srv)
	rep, err := c.WebinarReport(context.Background(), e.Object.UUID)
	require.NoError(t, err)
	assert.Equal(t, w.UUID, rep.UUID)
	assert.Equal(t, w.ID, rep.ID)
	assert.Equal(t, 5, rep.Type)
	assert.Equal(t, w.Start, rep.StartTime)
	assert.Equal(t, w.End, rep.EndTime)
	assert.Equal(t, 95, rep.Duration)
	assert.Equal(t, 12, rep.ParticipantsCount)
	assert.Contains(t, string(rep.Raw), `"end_time":"`)
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, "/v2/report/webinars/"+zoom.EscapeUUID(w.UUID), last.EscapedPath)
	assert.Equal(t, zoomtest.LabelHeavy, last.Label)

	_, err = c.MeetingReport(context.Background(), w.UUID)
	assert.ErrorIs(t, err, zoom.ErrMeetingNotReady, "a webinar is not a meeting")

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 3, Seed: 44, UUID: "/ajXp112QmuoKj4854875=="})
	srv.AddMeeting(m)
	mr, err := c.MeetingReport(context.Background(), m.UUID)
	require.NoError(t, err)
	assert.Equal(t, m.End, mr.EndTime)
	assert.Equal(t, 60, mr.Duration)

	// A plain meeting.ended is no practice session and keeps end_time.
	e, err = zoom.ParseEvent(zoomtest.MeetingEndedBody(m, m.End))
	require.NoError(t, err)
	assert.False(t, e.Object.PracticeSession)
	require.NotNil(t, e.Object.EndTime)
	assert.NotContains(t, string(e.Raw), "practice_session")
}

// TestMeetingEventsAreZoomShaped: the event stream of a meeting parses,
// carries every participant identifier, and verifies once signed.
func TestMeetingEventsAreZoomShaped(t *testing.T) {
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 120, Seed: 45, AllFields: true})
	for i, p := range m.Participants {
		if i > 0 && p.Status == "in_meeting" && p.Leave != nil {
			m.Participants[i].BOMeetingID = "bo-room-1"
			break
		}
	}
	evs := zoomtest.MeetingEvents(m)
	require.NotEmpty(t, evs)
	assert.Equal(t, zoom.EventMeetingStarted, evs[0].Name)
	assert.Equal(t, zoom.EventMeetingEnded, evs[len(evs)-1].Name)

	counts := map[string]int{}
	var phone, puuid bool
	for i, ev := range evs {
		if i > 0 {
			assert.False(t, ev.Time.Before(evs[i-1].Time), "in time order")
		}
		counts[ev.Name]++
		req, err := ev.Signed("https://rollcall.example/webhooks/zoom", "s3cret", ev.Time)
		require.NoError(t, err)
		err = zoom.VerifyWebhook("s3cret", req.Header, ev.Body, ev.Time)
		require.NoError(t, err, ev.Name)
		e, err := zoom.ParseEvent(ev.Body)
		require.NoError(t, err, string(ev.Body))
		assert.Equal(t, ev.Name, e.Name)
		assert.Equal(t, ev.Time.UnixMilli(), e.EventTS)
		assert.Equal(t, m.UUID, e.Object.UUID)
		if p := e.Object.Participant; p != nil {
			assert.NotEmpty(t, p.UserID)
			puuid = puuid || p.ParticipantUUID != ""
			phone = phone || p.PhoneNumber != ""
			switch ev.Name {
			case zoom.EventParticipantJoined, zoom.EventParticipantJoinedBreakoutRoom:
				assert.NotNil(t, p.JoinTime)
			case zoom.EventParticipantLeft, zoom.EventParticipantLeftBreakoutRoom:
				assert.NotNil(t, p.LeaveTime)
				assert.NotEmpty(t, p.LeaveReason)
			default:
				assert.NotNil(t, p.DateTime, ev.Name)
			}
		}
		if ev.Name == zoom.EventParticipantJoinedBreakoutRoom {
			assert.Equal(t, "bo-room-1", e.Object.BreakoutRoomUUID)
		}
	}
	assert.True(t, phone, "phone callers carry phone_number")
	assert.True(t, puuid)
	for _, name := range []string{zoom.EventParticipantJoined, zoom.EventParticipantLeft,
		zoom.EventParticipantJoinedWaitingRoom, zoom.EventParticipantAdmitted,
		zoom.EventParticipantJoinedBreakoutRoom, zoom.EventParticipantLeftBreakoutRoom} {
		assert.Positive(t, counts[name], name)
	}

	w := zoomtest.Generate(zoomtest.GenOptions{Participants: 30, Seed: 46, Webinar: true})
	for _, ev := range zoomtest.MeetingEvents(w) {
		assert.True(t, strings.HasPrefix(ev.Name, "webinar."), ev.Name)
		if ev.Name == zoom.EventWebinarParticipantJoined {
			assert.Contains(t, string(ev.Body), `"id":`, "participant.id is required on webinar joins")
		}
	}
}
