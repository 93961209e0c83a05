package zoom_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// specFields reads testdata/spec_fields.txt: endpoint name → field names.
func specFields(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("testdata/spec_fields.txt")
	require.NoError(t, err)
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, fields, ok := strings.Cut(line, ":")
		require.True(t, ok, "line %q", line)
		out[name] = strings.Fields(fields)
	}
	require.NoError(t, sc.Err())
	return out
}

// specFake is a fake Zoom holding meetings that use every spec field.
type specFake struct {
	srv              *zoomtest.Server
	meeting, webinar zoomtest.Meeting
	token            string
	from, to         string
}

func newSpecFake(t *testing.T) *specFake {
	t.Helper()
	srv := zoomtest.NewServer()
	t.Cleanup(srv.Close)
	start := time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)
	srv.SetNow(func() time.Time { return start.AddDate(0, 0, 20) })
	f := &specFake{srv: srv, from: "2025-03-01", to: "2025-03-20"}
	for i := range 12 {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: 300, Seed: int64(500 + i), AllFields: true,
			Start: start.AddDate(0, 0, i), Webinar: i%2 == 1})
		if i < 2 {
			// Breakout rooms: Zoom lists each breakout segment with its room.
			for k := 5; k < 15; k++ {
				m.Participants[k].BOMeetingID = "bo-" + m.Participants[k].ParticipantUUID[:8]
				m.Participants[k].ParentUserID = m.Participants[k-1].UserID
			}
			m.Participants[6].CustomerKey = "ck-breakout"
			// A signed-in phone caller the host turned away.
			for k, p := range m.Participants {
				if strings.Contains(p.LeaveReason, "Removed by host from waiting room") {
					m.Participants[k].ParticipantUserID = "ZoomUser0000000000wait"
					m.Participants[k].PhoneNumber = "+1 555 0199 000"
					m.Participants[k].CustomerKey = "ck-wait"
					break
				}
			}
		}
		srv.AddMeeting(m)
		switch i {
		case 0:
			f.meeting = m
		case 1:
			f.webinar = m
		}
	}
	f.token = fetchToken(t, srv)
	return f
}

// rows GETs path (with query) and returns the elements of the list key, or
// the whole answer when key is "".
func (f *specFake) rows(t *testing.T, pathAndQuery, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	next := ""
	for {
		u := f.srv.APIURL() + pathAndQuery
		if next != "" {
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			u += sep + "next_page_token=" + next
		}
		req, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+f.token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", pathAndQuery, body)
		var page map[string]any
		require.NoError(t, json.Unmarshal(body, &page))
		if key == "" {
			return []map[string]any{page}
		}
		list, ok := page[key].([]any)
		require.True(t, ok, "%s: no list %q", pathAndQuery, key)
		for _, r := range list {
			out = append(out, r.(map[string]any))
		}
		next, _ = page["next_page_token"].(string)
		if next == "" {
			return out
		}
	}
}

// checkFields asserts that every spec field appears in at least one row
// and that no row has a field the spec does not list. A field "a.b" is
// key b of the object under key a.
func checkFields(t *testing.T, endpoint string, spec []string, rows []map[string]any) {
	t.Helper()
	require.NotEmpty(t, spec, endpoint)
	require.NotEmpty(t, rows, endpoint)
	seen := map[string]bool{}
	for _, r := range rows {
		for k, v := range r {
			seen[k] = true
			if sub, ok := v.(map[string]any); ok && k == "participant" {
				for sk := range sub {
					seen[k+"."+sk] = true
				}
			}
		}
	}
	var missing, extra []string
	for _, k := range spec {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	for k := range seen {
		if !slices.Contains(spec, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	assert.Empty(t, missing, "%s: spec fields the fake never serves", endpoint)
	assert.Empty(t, extra, "%s: fields the fake serves that the spec does not list", endpoint)
}

// TestFakeServesEverySpecField decodes the fake's answers into generic maps
// and checks them against the field names of Zoom's spec
// (testdata/spec_fields.txt), so that the fake cannot drift from Zoom.
func TestFakeServesEverySpecField(t *testing.T) {
	spec := specFields(t)
	f := newSpecFake(t)
	m, w := f.meeting, f.webinar
	dates := "&from=" + f.from + "&to=" + f.to
	f.srv.AddUser(zoomtest.User{ID: "UsrPending0", Email: "pat@example.com", FirstName: "Pat", Status: "pending"})
	f.srv.AddRegistrant(m.ID, zoomtest.Registrant{ID: "reg-x", Email: "x@example.org", FirstName: "Xia", Status: "approved"})

	users := f.rows(t, "/users?status=active&page_size=2&include_fields=custom_attributes", "users")
	users = append(users, f.rows(t, "/users?status=active&include_fields=host_key", "users")...)

	for _, tc := range []struct {
		endpoint string
		rows     []map[string]any
	}{
		{"dashboard_meeting_participants", f.rows(t, "/metrics/meetings/"+zoom.EscapeUUID(m.UUID)+"/participants?type=past&page_size=300&include_fields=registrant_id", "participants")},
		{"dashboard_webinar_participants", f.rows(t, "/metrics/webinars/"+zoom.EscapeUUID(w.UUID)+"/participants?type=past&page_size=300&include_fields=registrant_id", "participants")},
		{"report_meeting_participants", f.rows(t, "/report/meetings/"+zoom.EscapeUUID(m.UUID)+"/participants?page_size=300&include_fields=registrant_id", "participants")},
		{"report_webinar_participants", f.rows(t, "/report/webinars/"+zoom.EscapeUUID(w.UUID)+"/participants?page_size=300&include_fields=registrant_id", "participants")},
		{"dashboard_meetings", f.rows(t, "/metrics/meetings?type=past&page_size=2"+dates, "meetings")},
		{"dashboard_webinars", f.rows(t, "/metrics/webinars?type=past"+dates, "webinars")},
		{"report_user_meetings", f.userMeetings(t, dates)},
		{"report_meeting_detail", append(f.rows(t, "/report/meetings/"+zoom.EscapeUUID(m.UUID), ""), f.rows(t, "/report/meetings/"+zoom.EscapeUUID(f.meetingWithKeys(t)), "")...)},
		{"report_webinar_detail", append(f.rows(t, "/report/webinars/"+zoom.EscapeUUID(w.UUID), ""), f.rows(t, "/report/webinars/"+zoom.EscapeUUID(f.webinarWithKeys(t)), "")...)},
		{"users", users},
		{"meeting_registrants", f.rows(t, "/meetings/"+itoa(m.ID)+"/registrants?status=approved", "registrants")},
		{"webinar_registrants", f.rows(t, "/webinars/"+itoa(w.ID)+"/registrants", "registrants")},
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			checkFields(t, tc.endpoint, spec[tc.endpoint], tc.rows)
		})
	}

	t.Run("events", func(t *testing.T) {
		byName := map[string][]map[string]any{}
		for _, mt := range []zoomtest.Meeting{m, w} {
			for _, e := range zoomtest.MeetingEvents(mt) {
				var env struct {
					Event   string `json:"event"`
					EventTS int64  `json:"event_ts"`
					Payload struct {
						AccountID string         `json:"account_id"`
						Object    map[string]any `json:"object"`
					} `json:"payload"`
				}
				require.NoError(t, json.Unmarshal(e.Body, &env))
				assert.Equal(t, e.Name, env.Event)
				assert.Equal(t, e.Time.UnixMilli(), env.EventTS)
				assert.NotEmpty(t, env.Payload.AccountID)
				byName[env.Event] = append(byName[env.Event], env.Payload.Object)
			}
		}
		for name, fields := range spec {
			event, ok := strings.CutPrefix(name, "event_")
			if !ok {
				continue
			}
			if event == "webinar.ended" {
				// practice_session is sent for practice sessions only.
				p := w
				p.PracticeSession = true
				var env struct {
					Payload struct {
						Object map[string]any `json:"object"`
					} `json:"payload"`
				}
				require.NoError(t, json.Unmarshal(zoomtest.MeetingEndedBody(p, p.End), &env))
				byName[event] = append(byName[event], env.Payload.Object)
			}
			checkFields(t, name, fields, byName[event])
		}
	})
}

// userMeetings lists the meetings of every stored host.
func (f *specFake) userMeetings(t *testing.T, dates string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, m := range f.srv.Meetings() {
		rows = append(rows, f.rows(t, "/report/users/"+m.HostID+"/meetings?type=past"+dates, "meetings")...)
	}
	return rows
}

// meetingWithKeys returns the UUID of a stored meeting whose number gives
// custom keys and tracking fields (the fake serves them for some meetings).
func (f *specFake) meetingWithKeys(t *testing.T) string { return f.withKeys(t, false) }

func (f *specFake) webinarWithKeys(t *testing.T) string { return f.withKeys(t, true) }

func (f *specFake) withKeys(t *testing.T, webinar bool) string {
	t.Helper()
	for _, m := range f.srv.Meetings() {
		if m.Webinar == webinar && m.ID%3 == 0 {
			return m.UUID
		}
	}
	t.Fatalf("no stored meeting (webinar %v) with custom keys", webinar)
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
