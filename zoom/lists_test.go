package zoom_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

var listStart = time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)

// listServer holds n two-participant meetings and one one-participant
// meeting (on listStart's day), one webinar, and a clock 20 days later.
func listServer(t *testing.T, n int) (*zoomtest.Server, []zoomtest.Meeting) {
	t.Helper()
	srv := zoomtest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetNow(func() time.Time { return listStart.AddDate(0, 0, 20) })
	var ms []zoomtest.Meeting
	for i := range n {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: 2, Seed: int64(1000 + i),
			Start: listStart.Add(time.Duration(i) * time.Minute)})
		ms = append(ms, m)
		srv.AddMeeting(m)
	}
	one := zoomtest.Generate(zoomtest.GenOptions{Participants: 1, Seed: 99, Start: listStart})
	srv.AddMeeting(one)
	ms = append(ms, one)
	web := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 98, Start: listStart, Webinar: true})
	srv.AddMeeting(web)
	return srv, append(ms, web)
}

func listOpts(typ string) zoom.ListOptions {
	return zoom.ListOptions{Type: typ, From: listStart.AddDate(0, 0, -1), To: listStart.AddDate(0, 0, 10)}
}

func TestDashboardMeetingsFollowsEveryPage(t *testing.T) {
	srv, ms := listServer(t, 305)
	c := newClient(t, srv)
	got, err := c.DashboardMeetings(context.Background(), listOpts(""))
	require.NoError(t, err)
	require.Len(t, got, 305, "past lists the meetings with two or more participants, over two pages")
	for i, m := range got {
		want := ms[i]
		assert.Equal(t, want.UUID, m.UUID)
		assert.Equal(t, want.ID, m.ID)
		assert.Equal(t, want.Topic, m.Topic)
		assert.Equal(t, want.HostName, m.Host)
		assert.Equal(t, want.Start, m.StartTime)
		require.NotNil(t, m.EndTime)
		assert.Equal(t, want.End, *m.EndTime)
		assert.Equal(t, "01:00:00", m.Duration)
		assert.Equal(t, 2, m.Participants)
		assert.Contains(t, string(m.Raw), `"uuid":`)
	}
	var pages int
	for _, r := range srv.Requests() {
		if r.Path == "/v2/metrics/meetings" {
			pages++
			assert.Equal(t, zoomtest.LabelResourceIntensive, r.Label)
			assert.Equal(t, "past", r.Query.Get("type"), "Zoom's default is live: always send a type")
			assert.Equal(t, "2025-03-02", r.Query.Get("from"))
			assert.Equal(t, "2025-03-13", r.Query.Get("to"))
			assert.Equal(t, "300", r.Query.Get("page_size"))
		}
	}
	assert.Equal(t, 2, pages)

	one, err := c.DashboardMeetings(context.Background(), listOpts(zoom.ListPastOne))
	require.NoError(t, err)
	require.Len(t, one, 1)
	assert.Equal(t, ms[305].UUID, one[0].UUID)

	web, err := c.DashboardWebinars(context.Background(), listOpts(""))
	require.NoError(t, err)
	require.Len(t, web, 1)
	assert.Equal(t, ms[306].UUID, web[0].UUID)
}

func TestListOptionsAreChecked(t *testing.T) {
	srv, _ := listServer(t, 1)
	c := newClient(t, srv)
	ctx := context.Background()
	_, err := c.DashboardWebinars(ctx, listOpts(zoom.ListPastOne))
	assert.ErrorContains(t, err, "pastOne", "the webinar Dashboard has no pastOne")
	_, err = c.DashboardMeetings(ctx, zoom.ListOptions{From: listStart})
	assert.ErrorContains(t, err, "From and To are required")
	_, err = c.DashboardMeetings(ctx, zoom.ListOptions{From: listStart, To: listStart.AddDate(0, 0, -1)})
	assert.ErrorContains(t, err, "before From")
	_, err = c.UserMeetings(ctx, "", listOpts(""))
	assert.Error(t, err)
	for _, r := range srv.Requests() {
		assert.NotContains(t, r.Path, "/v2/", "invalid options make no call")
	}

	// Zoom's own limits come back as its error: a range over a month.
	_, err = c.DashboardMeetings(ctx, zoom.ListOptions{From: listStart, To: listStart.AddDate(0, 2, 0)})
	var apiErr *zoom.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 300, apiErr.Code)
}

func TestListErrorsAreTyped(t *testing.T) {
	srv, _ := listServer(t, 3)
	c := newClient(t, srv)
	ctx := context.Background()

	srv.SetDashboardDenied(true)
	_, err := c.DashboardMeetings(ctx, listOpts(""))
	assert.ErrorIs(t, err, zoom.ErrPermission)
	srv.SetDashboardDenied(false)

	srv.FailNext(1, zoomtest.RateLimited("QPS", "3"))
	_, err = c.Users(ctx, "active")
	var rl *zoom.RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 3*time.Second, rl.RetryAfter)

	_, err = c.MeetingRegistrants(ctx, 12345678901, zoom.RegistrantOptions{})
	assert.ErrorIs(t, err, zoom.ErrMeetingNotReady, "code 3001: no such meeting")

	_, err = c.UserMeetings(ctx, "nobody@example.com", listOpts(""))
	require.ErrorAs(t, err, new(*zoom.APIError))
	assert.Contains(t, err.Error(), "1001")
}

func TestListRestartsOnExpiredPageToken(t *testing.T) {
	srv, _ := listServer(t, 3)
	for i := range 305 {
		srv.AddUser(zoomtest.User{ID: "u" + strconv.Itoa(1000+i), Email: "u" + strconv.Itoa(i) + "@example.com"})
	}
	c := newClient(t, srv)
	srv.FailNext(1, zoomtest.Fault{Path: "/v2/users", Query: "next_page_token=", Status: 400, Code: 300,
		Message: "The next page token is invalid or expired."})
	users, err := c.Users(context.Background(), "active")
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, u := range users {
		ids[u.ID] = true
	}
	assert.Equal(t, 305+5, len(users), "added users and the five meetings' hosts")
	assert.Equal(t, len(users), len(ids), "each once, though the pass restarted")

	srv.FailNext(3, zoomtest.Fault{Path: "/v2/users", Query: "next_page_token=", Status: 400, Code: 300,
		Message: "The next page token is invalid or expired."})
	_, err = c.Users(context.Background(), "active")
	assert.ErrorIs(t, err, zoom.ErrPageTokenExpired)
}

func TestUsersAndUserMeetings(t *testing.T) {
	srv, ms := listServer(t, 3)
	srv.AddUser(zoomtest.User{ID: "pend1", Email: "pat@example.com", FirstName: "Pat", Status: "pending"})
	c := newClient(t, srv)
	ctx := context.Background()

	active, err := c.Users(ctx, "")
	require.NoError(t, err)
	hosts := map[string]zoom.User{}
	for _, u := range active {
		hosts[u.ID] = u
		assert.Equal(t, "active", u.Status)
		assert.False(t, u.CreatedAt.IsZero())
	}
	require.Contains(t, hosts, ms[0].HostID)
	assert.Equal(t, ms[0].HostEmail, hosts[ms[0].HostID].Email)
	pending, err := c.Users(ctx, "pending")
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "pat@example.com", pending[0].Email)
	for _, r := range srv.Requests() {
		if r.Path == "/v2/users" {
			assert.Equal(t, zoomtest.LabelMedium, r.Label)
		}
	}

	got, err := c.UserMeetings(ctx, ms[0].HostID, listOpts(""))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, ms[0].UUID, got[0].UUID)
	assert.Equal(t, ms[0].ID, got[0].ID)
	assert.Equal(t, ms[0].Start, got[0].StartTime)
	assert.Equal(t, ms[0].End, got[0].EndTime)
	assert.Equal(t, 60, got[0].Duration)
	assert.Equal(t, 2, got[0].ParticipantsCount)
	one, err := c.UserMeetings(ctx, ms[3].HostEmail, listOpts(zoom.ListPastOne))
	require.NoError(t, err)
	require.Len(t, one, 1, "a user may be named by email; pastOne lists one-person meetings")
	assert.Equal(t, ms[3].UUID, one[0].UUID)
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/v2/report/users/") {
			assert.Equal(t, zoomtest.LabelHeavy, r.Label)
		}
	}
}

func TestRegistrants(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 400, Seed: 31})
	srv.AddMeeting(m)
	srv.AddRegistrant(m.ID, zoomtest.Registrant{ID: "reg-pending", Email: "p@example.org", FirstName: "Pia", Status: "pending"})
	w := zoomtest.Generate(zoomtest.GenOptions{Participants: 50, Seed: 32, Webinar: true})
	srv.AddMeeting(w)
	c := newClient(t, srv)
	ctx := context.Background()

	want := map[string]string{}
	for _, p := range m.Participants {
		if p.RegistrantID != "" {
			want[p.RegistrantID] = p.Email
		}
	}
	require.Greater(t, len(want), zoomtest.DefaultPageSize)
	regs, err := c.MeetingRegistrants(ctx, m.ID, zoom.RegistrantOptions{})
	require.NoError(t, err)
	require.Len(t, regs, len(want))
	for _, r := range regs {
		assert.Equal(t, want[r.ID], r.Email, "registrant ids match participant rows' registrant_id")
		assert.Equal(t, "approved", r.Status)
		assert.False(t, r.CreateTime.IsZero())
	}
	pending, err := c.MeetingRegistrants(ctx, m.ID, zoom.RegistrantOptions{Status: "pending"})
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "reg-pending", pending[0].ID)

	wregs, err := c.WebinarRegistrants(ctx, w.ID, zoom.RegistrantOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, wregs)
	_, err = c.MeetingRegistrants(ctx, w.ID, zoom.RegistrantOptions{})
	assert.ErrorIs(t, err, zoom.ErrMeetingNotReady, "a webinar is not a meeting")
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/registrants") {
			assert.Equal(t, zoomtest.LabelMedium, r.Label)
			assert.Equal(t, "300", r.Query.Get("page_size"))
		}
	}
}

// TestResourceIntensiveIsPacedApart: the Dashboard lists have their own
// per-minute budget; exhausting it does not slow Heavy calls.
func TestResourceIntensiveIsPacedApart(t *testing.T) {
	srv, ms := listServer(t, 2)
	c := newClient(t, srv, func(cfg *zoom.Config) { cfg.ResourceIntensivePerMinute = 0.001 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.DashboardMeetings(ctx, listOpts(""))
	require.NoError(t, err, "the first call has the budget")
	_, err = c.DashboardMeetings(ctx, listOpts(""))
	require.Error(t, err, "the next would wait far past the deadline")
	assert.Contains(t, err.Error(), "pacing")
	assert.True(t, errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "exceed"), err.Error())
	_, err = c.Participants(ctx, ms[0].UUID)
	assert.NoError(t, err, "Heavy calls are paced apart")
}

// TestListRowsAreLenient: one field of an unexpected type in one row does
// not fail the list; the row keeps its exact bytes.
func TestListRowsAreLenient(t *testing.T) {
	var m zoom.DashboardMeeting
	row := `{"uuid":"u1","id":"85123456789","participants":"3","duration":327,"has_pstn":"yes","start_time":"2025-03-03T15:00:00Z","end_time":"soon","topic":"T"}`
	require.NoError(t, m.UnmarshalJSON([]byte(row)))
	assert.Equal(t, "u1", m.UUID)
	assert.Equal(t, int64(85123456789), m.ID)
	assert.Zero(t, m.Participants)
	assert.Equal(t, "327", m.Duration, "a number where the spec has a string keeps its text")
	assert.False(t, m.HasPSTN)
	assert.Equal(t, listStart, m.StartTime)
	assert.Nil(t, m.EndTime)
	assert.Equal(t, "T", m.Topic)
	assert.Equal(t, row, string(m.Raw))

	var u zoom.User
	require.NoError(t, u.UnmarshalJSON([]byte(`{"id":"x","type":"2","verified":true,"pmi":"123"}`)))
	assert.Equal(t, "x", u.ID)
	assert.Zero(t, u.Type)
	assert.Error(t, u.UnmarshalJSON([]byte(`["not","an","object"]`)))
}
