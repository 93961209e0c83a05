package handlers

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"rollcall/jobs"
	"rollcall/models"

	"rollcall/internal/testdb"
)

// UpdateGolden is the package's one golden-file flag: go test ./handlers
// -update rewrites testdata/ (pages and CSVs). Exported for the external
// test package, which sees this file's names.
var UpdateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// pagesEnv is the handlers over a real SQLite file and a real queue (no
// workers), served over loopback HTTP.
type pagesEnv struct {
	store *models.Store
	// db is the test's own connection to the store's database.
	db  *testdb.DB
	srv *httptest.Server
	// handler serves requests as a signed-in admin, without the network
	// (benchmarks).
	handler http.Handler
	now     time.Time
	// h is the handlers behind srv and handler.
	h *Handlers
}

// testRoleHeader names the role a test request is made as. Only the test
// server below reads it, and turns it into a real session cookie of a real
// user with that role (the session middleware does the rest).
const testRoleHeader = "X-Test-Role"

func newPagesEnv(tb testing.TB) *pagesEnv {
	tb.Helper()
	ctx := context.Background()
	dsn := testdb.DSN(tb)
	store, err := models.Open(ctx, dsn, nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { store.Close() })
	require.NoError(tb, store.Migrate(ctx))
	require.NoError(tb, jobs.Migrate(ctx, store, nil))
	q, err := jobs.New(store, nil, jobs.Config{FetchDelay: time.Minute}, nil)
	require.NoError(tb, err)
	e := &pagesEnv{store: store, db: testdb.Open(tb, dsn), now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(tb, err)
	h := New(store, q, Config{
		WebhookSecret: "secret",
		Now:           func() time.Time { return e.now },
		Timezone:      berlin,
	}, nil)
	e.h = h
	router := h.Router()
	// Real users with real sessions: a test request names its role in a
	// header and the test server turns it into that user's session cookie.
	tokens := map[string]string{}
	for _, u := range []struct{ email, role string }{
		{"admin@example.com", models.RoleAdmin}, {"viewer@example.com", models.RoleViewer},
	} {
		created, err := store.CreateUser(ctx, u.email, u.role, "correct horse battery")
		require.NoError(tb, err)
		tokens[u.role], err = store.CreateSession(ctx, created.ID, time.Hour)
		require.NoError(tb, err)
	}
	signIn := func(r *http.Request, role string) *http.Request {
		if tok, ok := tokens[role]; ok {
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: tok})
		}
		return r
	}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		router.ServeHTTP(w, signIn(r, r.Header.Get(testRoleHeader)))
	}))
	e.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		router.ServeHTTP(w, signIn(r, models.RoleAdmin))
	})
	tb.Cleanup(e.srv.Close)
	return e
}

// roleTransport marks every request with a role for the test server.
type roleTransport struct{ role string }

func (t roleTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(testRoleHeader, t.role)
	return http.DefaultTransport.RoundTrip(r)
}

// client returns an HTTP client signed in with role that does not follow
// redirects.
func (e *pagesEnv) client(tb testing.TB, role string) *http.Client {
	tb.Helper()
	return &http.Client{
		Transport:     roleTransport{role: role},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// get fetches path as role and returns the response (body read) and, for
// HTML, the parsed document.
func (e *pagesEnv) get(tb testing.TB, role, path string) (*http.Response, string, *goquery.Document) {
	tb.Helper()
	res, err := e.client(tb, role).Get(e.srv.URL + path)
	require.NoError(tb, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(tb, err)
	var doc *goquery.Document
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		doc, err = goquery.NewDocumentFromReader(strings.NewReader(string(b)))
		require.NoError(tb, err)
	}
	return res, string(b), doc
}

func (e *pagesEnv) post(tb testing.TB, role, path string, form url.Values) *http.Response {
	tb.Helper()
	res, err := e.client(tb, role).PostForm(e.srv.URL+path, form)
	require.NoError(tb, err)
	res.Body.Close()
	return res
}

func at(hhmm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", "2026-11-20 "+hhmm)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// seg is a segment for the fixtures; leave "" means still in.
func seg(name, email, userID, join, leave, status string) models.Segment {
	s := models.Segment{Name: name, Email: email, ParticipantUserID: userID, JoinTime: at(join), Status: status, Raw: "{}"}
	if leave != "" {
		s.LeaveTime = ptr(at(leave))
	}
	if s.Status == "" {
		s.Status = "in_meeting"
	}
	return s
}

// addMeeting stores a fetched meeting with segs and returns it.
func (e *pagesEnv) addMeeting(tb testing.TB, m models.MeetingEnded, segs []models.Segment) models.Meeting {
	tb.Helper()
	ctx := context.Background()
	stored, err := e.store.UpsertEndedMeeting(ctx, m)
	require.NoError(tb, err)
	if segs != nil {
		require.NoError(tb, e.store.Tx(ctx, func(tx *models.Tx) error { return tx.ReplaceSegments(ctx, stored.ID, "dashboard", segs) }))
	}
	stored, err = e.store.Meeting(ctx, stored.ID)
	require.NoError(tb, err)
	return stored
}

const seriesNumber = 85912345678

// seedWeekly stores two instances of a weekly meeting. In the first
// (10:00–11:00 UTC, 3,600 s):
//
//	Ann  10:00–10:30 + 10:35–11:00           3,300 s  91.7 %  present
//	Bob  two devices 10:10–10:50, 10:20–10:40 2,400 s 66.7 %  late, left early
//	Cat  waiting room 09:55–10:00, 10:00–11:00 3,600 s 100 %  present
//	Dan  waiting room only 10:00–10:02            0 s   0 %
//	Eve  09:00–09:30 (before) + 10:50–11:10     600 s  16.7 %
//
// People 5, present 2, average 1,980 s (33m 00s), average 55.0 %. In the
// second, a week later, only Ann attends, 10:00–11:00.
func (e *pagesEnv) seedWeekly(tb testing.TB) (first, second models.Meeting) {
	tb.Helper()
	cat := seg("Cat", "", "", "10:00", "11:00", "")
	cat.LeaveReason = "Cat left the meeting.<br>Reason: host ended the meeting."
	cat.Device, cat.Location, cat.Role = "Mac", "Berlin (DE)", "attendee"
	ann1 := seg("Ann", "ann@example.com", "", "10:00", "10:30", "")
	ann1.Device = "Windows"
	ann2 := seg("Ann", "ann@example.com", "", "10:35", "11:00", "")
	ann2.Device = "iOS"
	first = e.addMeeting(tb, models.MeetingEnded{
		UUID: "weekly-1==", MeetingNumber: seriesNumber, Topic: "Weekly sync", HostID: "host1",
		StartTime: at("10:00"), EndTime: ptr(at("11:00")),
	}, []models.Segment{
		ann1, ann2,
		seg("Bob", "", "bob-id", "10:10", "10:50", ""),
		seg("Bob", "", "bob-id", "10:20", "10:40", ""),
		seg("Cat", "", "", "09:55", "10:00", models.StatusWaitingRoom),
		cat,
		seg("Dan", "", "", "10:00", "10:02", models.StatusWaitingRoom),
		seg("Eve", "eve@example.com", "", "09:00", "09:30", ""),
		seg("Eve", "eve@example.com", "", "10:50", "11:10", ""),
	})
	week := 7 * 24 * time.Hour
	s := seg("Ann", "ann@example.com", "", "10:00", "11:00", "")
	s.JoinTime, s.LeaveTime = s.JoinTime.Add(week), ptr(s.LeaveTime.Add(week))
	second = e.addMeeting(tb, models.MeetingEnded{
		UUID: "weekly-2==", MeetingNumber: seriesNumber, Topic: "Weekly sync", HostID: "host1",
		StartTime: at("10:00").Add(week), EndTime: ptr(at("11:00").Add(week)),
	}, []models.Segment{s})
	return first, second
}

func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func TestMeetingPageShowsComputedAttendance(t *testing.T) {
	e := newPagesEnv(t)
	m, _ := e.seedWeekly(t)

	res, _, doc := e.get(t, models.RoleViewer, meetingURL(m.ID))
	require.Equal(t, http.StatusOK, res.StatusCode)

	assert.Equal(t, "Weekly sync", text(doc.Find(`[data-testid=topic]`)))
	assert.Equal(t, "5", text(doc.Find(`[data-testid=people]`)))
	assert.Equal(t, "2", text(doc.Find(`[data-testid=present-count]`)))
	assert.Equal(t, "55.0 %", text(doc.Find(`[data-testid=avg-percent]`)))
	assert.Equal(t, "33m 00s", text(doc.Find(`[data-testid=avg-attended]`)))
	assert.Equal(t, "1h 00m 00s", text(doc.Find(`[data-testid=length]`)))
	// Times in the configured zone, labelled.
	assert.Equal(t, "Fri 20 Nov 2026 11:00:00 CET", text(doc.Find(`[data-testid=start]`)))
	assert.Equal(t, "Europe/Berlin", text(doc.Find(`[data-testid=zone]`)))
	// A viewer gets no re-fetch button; CSV links are there.
	assert.Equal(t, 0, doc.Find(`[data-testid=refetch]`).Length())
	href, _ := doc.Find(`[data-testid=attendance-csv]`).Attr("href")
	assert.Equal(t, meetingURL(m.ID)+"/attendance.csv", href)
	href, _ = doc.Find(`[data-testid=sessions-csv]`).Attr("href")
	assert.Equal(t, meetingURL(m.ID)+"/sessions.csv", href)

	type row struct {
		name, attended, percent, sessions, first string
		present, late, early                     bool
	}
	var got []row
	doc.Find(`[data-testid=person]`).Each(func(_ int, s *goquery.Selection) {
		secs, _ := s.Find(`[data-testid=attended]`).Attr("data-seconds")
		got = append(got, row{
			name: text(s.Find(`[data-testid=person-name]`)), attended: secs,
			percent:  text(s.Find(`[data-testid=percent]`)),
			sessions: text(s.Find(`[data-testid=sessions]`)),
			first:    text(s.Find(`[data-testid=first-join]`)),
			present:  s.Find(`[data-testid=present]`).Length() == 1,
			late:     s.Find(`[data-testid=late]`).Length() == 1,
			early:    s.Find(`[data-testid=left-early]`).Length() == 1,
		})
	})
	// Default order: first join, then name; waiting-room-only people last.
	assert.Equal(t, []row{
		{"Eve", "600", "16.7", "2", "10:00:00", false, false, false},
		{"Ann", "3300", "91.7", "2", "11:00:00", true, false, false},
		{"Cat", "3600", "100.0", "1", "11:00:00", true, false, false},
		{"Bob", "2400", "66.7", "2", "11:10:00", false, true, true},
		{"Dan", "0", "0.0", "0", "—", false, false, false},
	}, got)

	// Rows expand to segments, waiting-room rows included.
	cat := doc.Find(`[data-testid=person][data-key="n:cat"]`)
	assert.Equal(t, 2, cat.Find(`[data-testid=segment]`).Length())
	assert.Equal(t, 1, cat.Find(`[data-testid=segment].waiting`).Length())
	assert.Equal(t, "Mac", text(cat.Find(`[data-testid=device]`)))
	assert.Equal(t, "Berlin (DE)", text(cat.Find(`[data-testid=location]`)))
	ann := doc.Find(`[data-testid=person][data-key="e:ann@example.com"]`)
	assert.Equal(t, "Windows, iOS", text(ann.Find(`[data-testid=device]`)))
	// The leave reason's <br> is a line break; the text is otherwise plain.
	reason := cat.Find(`[data-testid=leave-reason]`)
	assert.Equal(t, 1, reason.Find("br").Length())
	assert.Equal(t, "Cat left the meeting.Reason: host ended the meeting.", reason.Text())

	// The timeline: a lane per person, a bar per segment.
	assert.Equal(t, 5, doc.Find(`[data-testid=timeline] [data-testid=lane]`).Length())
	assert.Equal(t, 9, doc.Find(`[data-testid=timeline] [data-testid=bar]`).Length())
	assert.Equal(t, 2, doc.Find(`[data-testid=timeline] .bar-waiting`).Length())
	bob := doc.Find(`[data-testid=lane]`).Eq(3).Find(`[data-testid=bar]`)
	y0, _ := bob.Eq(0).Attr("y")
	y1, _ := bob.Eq(1).Attr("y")
	assert.NotEqual(t, y0, y1, "Bob's overlapping devices are on separate tracks")
}

func TestMeetingPageSortsByLink(t *testing.T) {
	e := newPagesEnv(t)
	m, _ := e.seedWeekly(t)
	names := func(doc *goquery.Document) []string {
		return doc.Find(`[data-testid=person-name]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"sort=percent&dir=desc", []string{"Cat", "Ann", "Bob", "Eve", "Dan"}},
		{"sort=name&dir=asc", []string{"Ann", "Bob", "Cat", "Dan", "Eve"}},
		{"sort=attended&dir=asc", []string{"Dan", "Eve", "Bob", "Ann", "Cat"}},
		{"sort=sessions&dir=desc", []string{"Eve", "Ann", "Bob", "Cat", "Dan"}},
		{"sort=bogus", []string{"Eve", "Ann", "Cat", "Bob", "Dan"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res, _, doc := e.get(t, models.RoleViewer, meetingURL(m.ID)+"?"+tc.query)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, tc.want, names(doc))
		})
	}
	// The active column links to the other direction.
	_, _, doc := e.get(t, models.RoleViewer, meetingURL(m.ID)+"?sort=percent&dir=desc&tz=UTC")
	th := doc.Find(`[data-testid=sort-percent]`)
	assert.Equal(t, "descending", th.AttrOr("aria-sort", ""))
	assert.Equal(t, meetingURL(m.ID)+"?dir=asc&sort=percent&tz=UTC#people", th.Find("a").AttrOr("href", ""))
	assert.Equal(t, "Fri 20 Nov 2026 10:00:00 UTC", text(doc.Find(`[data-testid=start]`)))
}

func TestMeetingPageGolden(t *testing.T) {
	e := newPagesEnv(t)
	m, _ := e.seedWeekly(t)
	res, body, _ := e.get(t, models.RoleAdmin, meetingURL(m.ID))
	require.Equal(t, http.StatusOK, res.StatusCode)
	// One tag per line, so that a failing comparison shows a readable diff.
	body = strings.ReplaceAll(body, "><", ">\n<")
	golden := filepath.Join("testdata", "meeting_page.golden.html")
	if *UpdateGolden {
		require.NoError(t, os.WriteFile(golden, []byte(body), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./handlers -run Golden -update")
	assert.Equal(t, string(want), body)
}

func TestMeetingPageErrors(t *testing.T) {
	e := newPagesEnv(t)
	m, _ := e.seedWeekly(t)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/meetings/999", http.StatusNotFound},
		{"/meetings/abc", http.StatusNotFound},
		{meetingURL(m.ID) + "?tz=Mars/Olympus", http.StatusBadRequest},
		{"/meetings?from=yesterday", http.StatusBadRequest},
		{"/meetings?before=nonsense", http.StatusBadRequest},
		{"/series/123", http.StatusNotFound},
		{"/series/abc", http.StatusNotFound},
		{"/people/e:nobody@example.com", http.StatusNotFound},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, _, _ := e.get(t, models.RoleViewer, tc.path)
			assert.Equal(t, tc.want, res.StatusCode)
		})
	}
}

func TestLiveMeetingCountsUntilNow(t *testing.T) {
	e := newPagesEnv(t)
	e.now = at("10:30")
	m := e.addMeeting(t, models.MeetingEnded{UUID: "live==", MeetingNumber: 1, Topic: "Live", StartTime: at("10:00")},
		[]models.Segment{seg("Ann", "", "", "10:00", "", ""), seg("Bob", "", "", "10:00", "10:15", "")})
	res, _, doc := e.get(t, models.RoleViewer, meetingURL(m.ID))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "30m 00s so far", text(doc.Find(`[data-testid=length]`)))
	assert.Equal(t, 1, doc.Find(`[data-testid=end] .badge-live`).Length())
	assert.Equal(t, "100.0", text(doc.Find(`[data-testid=person]`).Eq(0).Find(`[data-testid=percent]`)))
	assert.Equal(t, "50.0", text(doc.Find(`[data-testid=person]`).Eq(1).Find(`[data-testid=percent]`)))
}

func TestMeetingsListFiltersAndPages(t *testing.T) {
	e := newPagesEnv(t)
	first, second := e.seedWeekly(t)
	ctx := context.Background()
	// 120 more meetings, an hour apart, before the weekly ones.
	for i := range 120 {
		e.addMeeting(t, models.MeetingEnded{
			UUID: "bulk-" + itoa(i), MeetingNumber: 42, Topic: "Standup " + itoa(i), HostID: "host2",
			StartTime: at("09:00").Add(-time.Duration(i+1) * time.Hour), EndTime: ptr(at("09:15").Add(-time.Duration(i+1) * time.Hour)),
		}, nil)
	}
	require.NoError(t, e.store.MarkFailed(ctx, first.ID, "zoom: meeting not found (3001)"))

	ids := func(doc *goquery.Document) []string {
		return doc.Find(`[data-testid=meeting-row]`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("data-id", "") })
	}
	res, _, doc := e.get(t, models.RoleViewer, "/meetings")
	require.Equal(t, http.StatusOK, res.StatusCode)
	rows := doc.Find(`[data-testid=meeting-row]`)
	require.Equal(t, 50, rows.Length())
	// Newest first; statuses and the failure reason.
	assert.Equal(t, []string{u64s(second.ID), u64s(first.ID)}, ids(doc)[:2])
	assert.Equal(t, "fetched", text(rows.Eq(0).Find(`[data-testid=status]`)))
	assert.Equal(t, "1", text(rows.Eq(0).Find(`[data-testid=meeting-people]`)))
	assert.Equal(t, "failed", text(rows.Eq(1).Find(`[data-testid=status]`)))
	assert.Equal(t, "zoom: meeting not found (3001)", text(rows.Eq(1).Find(`[data-testid=last-error]`)))
	assert.Equal(t, "pending", text(rows.Eq(2).Find(`[data-testid=status]`)))
	assert.Equal(t, 0, doc.Find(`[data-testid=page-newer]`).Length())

	// Page through: 50, 50, 22, and back.
	seen := map[string]bool{}
	var pages [][]string
	path := "/meetings"
	for path != "" {
		res, _, doc := e.get(t, models.RoleViewer, path)
		require.Equal(t, http.StatusOK, res.StatusCode)
		page := ids(doc)
		for _, id := range page {
			assert.False(t, seen[id], "meeting %s listed twice", id)
			seen[id] = true
		}
		pages = append(pages, page)
		path = doc.Find(`[data-testid=page-older]`).AttrOr("href", "")
		if len(pages) == 3 {
			require.Empty(t, path)
			newer := doc.Find(`[data-testid=page-newer]`).AttrOr("href", "")
			require.NotEmpty(t, newer)
			_, _, back := e.get(t, models.RoleViewer, newer)
			assert.Equal(t, pages[1], ids(back))
		}
	}
	assert.Equal(t, []int{50, 50, 22}, []int{len(pages[0]), len(pages[1]), len(pages[2])})

	for _, tc := range []struct {
		query string
		want  int
	}{
		{"q=weekly", 2},
		{"q=STANDUP+11", 11}, // 11, 110..119
		{"q=100%25", 0},      // % is literal
		{"host=host1", 2},
		{"from=2026-11-20&to=2026-11-20&tz=UTC", 10}, // weekly + 00:00..08:00
		{"from=2026-11-20&to=2026-11-20", 11},        // Berlin's day starts at 23:00 UTC
		{"from=2026-11-27", 1},
		{"to=2026-11-19&q=standup", 50},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res, _, doc := e.get(t, models.RoleViewer, "/meetings?"+tc.query)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, tc.want, doc.Find(`[data-testid=meeting-row]`).Length())
		})
	}
	// Filters survive paging.
	_, _, doc = e.get(t, models.RoleViewer, "/meetings?q=standup")
	older := doc.Find(`[data-testid=page-older]`).AttrOr("href", "")
	assert.Contains(t, older, "q=standup")
	_, _, doc = e.get(t, models.RoleViewer, older)
	assert.Equal(t, 50, doc.Find(`[data-testid=meeting-row]`).Length())
	_, _, doc = e.get(t, models.RoleViewer, doc.Find(`[data-testid=page-older]`).AttrOr("href", ""))
	assert.Equal(t, 20, doc.Find(`[data-testid=meeting-row]`).Length())
}

func u64s(n uint64) string { return strconv.FormatUint(n, 10) }

func itoa(n int) string { return strconv.Itoa(n) }

func TestSeriesPageMatrix(t *testing.T) {
	e := newPagesEnv(t)
	first, second := e.seedWeekly(t)
	res, _, doc := e.get(t, models.RoleViewer, "/series/85912345678")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 2, doc.Find(`[data-testid=instance]`).Length())
	assert.Equal(t, meetingURL(first.ID), doc.Find(`[data-testid=instance] a`).Eq(0).AttrOr("href", ""))
	assert.Equal(t, meetingURL(second.ID), doc.Find(`[data-testid=instance] a`).Eq(1).AttrOr("href", ""))
	rows := doc.Find(`[data-testid=series-person]`)
	require.Equal(t, 5, rows.Length())
	ann := doc.Find(`[data-testid=series-person][data-key="e:ann@example.com"]`)
	assert.Equal(t, []string{"55.0", "60.0"}, ann.Find(`[data-testid=cell-minutes]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() }))
	assert.Equal(t, "115.0", text(ann.Find(`[data-testid=total-minutes]`)))
	assert.Equal(t, "2 / 2", text(ann.Find(`[data-testid=present-total]`)))
	assert.Equal(t, "95.8", text(ann.Find(`[data-testid=avg-percent]`)))
	bob := doc.Find(`[data-testid=series-person][data-key="u:bob-id"]`)
	assert.Equal(t, 1, bob.Find(`.cell-missing`).Length())
	assert.Equal(t, "40.0", text(bob.Find(`[data-testid=total-minutes]`)))
	assert.Equal(t, "0 / 2", text(bob.Find(`[data-testid=present-total]`)))
	assert.Equal(t, "33.3", text(bob.Find(`[data-testid=avg-percent]`)))
}

func TestPersonPage(t *testing.T) {
	e := newPagesEnv(t)
	first, second := e.seedWeekly(t)
	res, _, doc := e.get(t, models.RoleViewer, personURL("e:ann@example.com"))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Ann", text(doc.Find(`h1[data-testid=person-name]`)))
	assert.Equal(t, "2", text(doc.Find(`[data-testid=meeting-count]`)))
	assert.Equal(t, "115.0", text(doc.Find(`[data-testid=total-minutes]`)))
	assert.Equal(t, "2", text(doc.Find(`[data-testid=present-count]`)))
	rows := doc.Find(`[data-testid=person-meeting]`)
	require.Equal(t, 2, rows.Length())
	assert.Equal(t, meetingURL(second.ID), rows.Eq(0).Find("a").AttrOr("href", ""))
	assert.Equal(t, meetingURL(first.ID), rows.Eq(1).Find("a").AttrOr("href", ""))
	assert.Equal(t, "91.7", text(rows.Eq(1).Find(`[data-testid=percent]`)))
	assert.Equal(t, "2", text(rows.Eq(1).Find(`[data-testid=sessions]`)))

	// Keys with "/" survive the URL.
	m := e.addMeeting(t, models.MeetingEnded{UUID: "slash==", MeetingNumber: 7, StartTime: at("10:00"), EndTime: ptr(at("11:00"))},
		[]models.Segment{{ParticipantUUID: "ab/cd+ef==", JoinTime: at("10:00"), LeaveTime: ptr(at("10:30")), Status: "in_meeting", Raw: "{}"}})
	segs, err := e.store.Segments(context.Background(), m.ID)
	require.NoError(t, err)
	res, _, doc = e.get(t, models.RoleViewer, personURL(segs[0].PersonKey))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, segs[0].PersonKey, text(doc.Find(`[data-testid=person-key]`)))
	assert.Equal(t, "50.0", text(doc.Find(`[data-testid=percent]`)))
}

func TestAdminJobsAndRefetch(t *testing.T) {
	e := newPagesEnv(t)
	first, second := e.seedWeekly(t)
	ctx := context.Background()
	require.NoError(t, e.store.MarkFailed(ctx, first.ID, "zoom: 401 invalid credentials"))
	pending := e.addMeeting(t, models.MeetingEnded{UUID: "pending==", MeetingNumber: 9, Topic: "Pending one", StartTime: at("12:00")}, nil)

	res, _, _ := e.get(t, models.RoleViewer, "/admin/jobs")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	res = e.post(t, models.RoleViewer, meetingURL(first.ID)+"/refetch", nil)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	res, _, doc := e.get(t, models.RoleAdmin, "/admin/jobs")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "failed 1", text(doc.Find(`[data-testid=count-failed]`)))
	assert.Equal(t, "pending 1", text(doc.Find(`[data-testid=count-pending]`)))
	assert.Equal(t, "fetched 1", text(doc.Find(`[data-testid=count-fetched]`)))
	jobsRows := doc.Find(`[data-testid=job]`)
	require.Equal(t, 2, jobsRows.Length())
	failed := doc.Find(`[data-testid=job][data-id="` + u64s(first.ID) + `"]`)
	assert.Equal(t, "zoom: 401 invalid credentials", text(failed.Find(`[data-testid=last-error]`)))
	assert.Equal(t, 1, doc.Find(`[data-testid=job][data-id="`+u64s(pending.ID)+`"]`).Length())
	assert.Equal(t, 0, doc.Find(`[data-testid=job][data-id="`+u64s(second.ID)+`"]`).Length())

	// An admin sees the button on the meeting page; the retry queues a job
	// and answers 303 back.
	_, _, doc = e.get(t, models.RoleAdmin, meetingURL(first.ID))
	assert.Equal(t, meetingURL(first.ID)+"/refetch", doc.Find(`[data-testid=refetch-form]`).AttrOr("action", ""))
	assert.Equal(t, 1, doc.Find(`[data-testid=nav-admin]`).Length())
	res = e.post(t, models.RoleAdmin, meetingURL(first.ID)+"/refetch", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, meetingURL(first.ID)+"?refetch=queued", res.Header.Get("Location"))
	m, err := e.store.Meeting(ctx, first.ID)
	require.NoError(t, err)
	assert.Equal(t, models.FetchPending, m.FetchStatus)
	queued := e.db.Count(t, "SELECT COUNT(*) FROM river_job WHERE kind = ?", jobs.FetchParticipantsArgs{}.Kind())
	assert.Equal(t, int64(1), queued)

	res = e.post(t, models.RoleAdmin, meetingURL(first.ID)+"/refetch", url.Values{"return": {"jobs"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/admin/jobs", res.Header.Get("Location"))
	res = e.post(t, models.RoleAdmin, "/meetings/999/refetch", nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	_, _, doc = e.get(t, models.RoleAdmin, meetingURL(first.ID)+"?refetch=queued")
	assert.Equal(t, "A new fetch from Zoom was queued.", text(doc.Find(`[data-testid=notice]`)))
}

func TestSecurityHeadersAndStatic(t *testing.T) {
	e := newPagesEnv(t)
	res, _, doc := e.get(t, models.RoleViewer, "/meetings")
	require.Equal(t, http.StatusOK, res.StatusCode)
	csp := res.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'none'")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
	assert.NotEmpty(t, res.Header.Get("Referrer-Policy"))
	// No inline script or style anywhere.
	assert.Equal(t, 0, doc.Find("script, style, [style]").Length())

	css := doc.Find(`link[rel=stylesheet]`).AttrOr("href", "")
	require.True(t, strings.HasPrefix(css, "/static/app.css?v="), css)
	res, body, _ := e.get(t, models.RoleViewer, css)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "text/css")
	assert.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
	assert.Contains(t, body, ".timeline")
	res, _, _ = e.get(t, models.RoleViewer, "/static/app.css?v=old")
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	res, _, _ = e.get(t, models.RoleViewer, "/static/missing.css")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

// TestPagesEscapeHostileZoomData stores meeting data whose every text field
// carries markup and checks that no page renders an element, attribute or
// URL that could run script.
func TestPagesEscapeHostileZoomData(t *testing.T) {
	e := newPagesEnv(t)
	payloads := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(2)>`,
		`"><svg onload=alert(3)>`,
		`javascript:alert(4)`,
		`</textarea><iframe src=javascript:alert(5)>`,
	}
	var segs []models.Segment
	for i, p := range payloads {
		s := seg("Mallory "+p, "m"+itoa(i)+p+"@example.com", "", "10:00", "10:40", "")
		s.LeaveReason = "left " + p + "<br/>then " + p + " &lt;b&gt;"
		s.Device, s.Location, s.Role, s.OS, s.IPAddress = p, p, p, p, p
		segs = append(segs, s)
	}
	m := e.addMeeting(t, models.MeetingEnded{
		UUID: "xss==", MeetingNumber: 666, Topic: "Topic " + strings.Join(payloads, " "), HostID: payloads[1],
		StartTime: at("10:00"), EndTime: ptr(at("11:00")),
	}, segs)
	require.NoError(t, e.store.MarkFailed(context.Background(), m.ID, payloads[0]))
	stored, err := e.store.Segments(context.Background(), m.ID)
	require.NoError(t, err)

	for _, path := range []string{
		meetingURL(m.ID), "/meetings", "/meetings?q=" + url.QueryEscape("<script>"),
		"/series/666", personURL(stored[0].PersonKey), "/admin/jobs",
	} {
		t.Run(path, func(t *testing.T) {
			res, body, _ := e.get(t, models.RoleAdmin, path)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assertNoScript(t, body)
		})
	}
	// The payload is shown as text, and the leave reason keeps its break.
	_, _, doc := e.get(t, models.RoleAdmin, meetingURL(m.ID))
	assert.Contains(t, text(doc.Find(`[data-testid=topic]`)), `<script>alert(1)</script>`)
	reason := doc.Find(`[data-testid=person]`).First().Find(`[data-testid=leave-reason]`)
	assert.Equal(t, 1, reason.Find("br").Length())
}

// assertNoScript fails if body has a script-capable element, an event
// handler attribute, or a javascript: URL.
func assertNoScript(t *testing.T, body string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			require.ErrorIs(t, z.Err(), io.EOF)
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "img", "iframe", "object", "embed", "textarea":
			t.Errorf("element <%s> rendered", tok.Data)
		case "svg":
			// Only the timeline's own SVG is expected.
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("event handler attribute %s=%q on <%s>", a.Key, a.Val, tok.Data)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") &&
				strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("javascript URL in %s on <%s>", a.Key, tok.Data)
			}
		}
	}
}

// TestPersonAndSeriesAgreeOnMinutes: 60 s and 59 s over two instances are
// 119 s, 2.0 minutes on the person page, the series page and series.csv
// alike (the person page used to round down to 1.9).
func TestPersonAndSeriesAgreeOnMinutes(t *testing.T) {
	e := newPagesEnv(t)
	week := 7 * 24 * time.Hour
	for i, secs := range []time.Duration{60, 59} {
		start := at("10:00").Add(time.Duration(i) * week)
		s := seg("Ann", "ann@example.com", "", "10:00", "", "")
		s.JoinTime, s.LeaveTime = start, ptr(start.Add(secs*time.Second))
		e.addMeeting(t, models.MeetingEnded{
			UUID: "round-" + itoa(i), MeetingNumber: 4242, Topic: "Rounding", StartTime: start, EndTime: ptr(start.Add(time.Hour)),
		}, []models.Segment{s})
	}
	res, _, doc := e.get(t, models.RoleViewer, personURL("e:ann@example.com"))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "2.0", text(doc.Find(`[data-testid=total-minutes]`)), "person page")

	res, _, doc = e.get(t, models.RoleViewer, "/series/4242")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "2.0", text(doc.Find(`[data-testid=series-person] [data-testid=total-minutes]`)), "series page")

	res, body, _ := e.get(t, models.RoleViewer, "/series/4242.csv")
	require.Equal(t, http.StatusOK, res.StatusCode)
	lines := strings.Split(strings.TrimSpace(body), "\r\n")
	require.Len(t, lines, 2)
	assert.True(t, strings.HasSuffix(lines[1], ",1.0,1.0,2,0,119,2.0,1.7,0"), "series.csv: %s", lines[1])
}
