package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// token makes an API token for a new user with role and returns it.
func (e *env) token(t *testing.T, role string) string {
	t.Helper()
	email := role + "-token-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@example.com"
	u, err := e.store.CreateUser(context.Background(), email, role, password)
	require.NoError(t, err)
	_, secret, err := e.store.CreateToken(context.Background(), u.ID, "test", 0, e.now)
	require.NoError(t, err)
	return secret
}

// apiGet asks the API for path (under /api/v1) with the bearer token tok
// ("" sends none) and returns the status, the header and the body.
func (e *env) apiGet(t *testing.T, tok, path string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1"+path, nil)
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, b := do(t, req)
	return res.StatusCode, res.Header, b
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := (&http.Client{CheckRedirect: noRedirect}).Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

// apiErr decodes an API error body, failing unless it has the contract's
// shape.
func apiErr(t *testing.T, body []byte) (code, msg string) {
	t.Helper()
	var v struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&v), "error body %s", body)
	require.NotEmpty(t, v.Error.Code, "error body %s", body)
	require.NotEmpty(t, v.Error.Message, "error body %s", body)
	return v.Error.Code, v.Error.Message
}

// attendanceRow is the API's attendance row, decoded strictly.
type attendanceRow struct {
	PersonKey         string     `json:"person_key"`
	Name              string     `json:"name"`
	Email             string     `json:"email"`
	FirstJoin         *time.Time `json:"first_join"`
	LastLeave         *time.Time `json:"last_leave"`
	AttendedSeconds   int64      `json:"attended_seconds"`
	AttendedMinutes   float64    `json:"attended_minutes"`
	AttendancePercent float64    `json:"attendance_percent"`
	Sessions          int        `json:"sessions"`
	Late              bool       `json:"late"`
	LeftEarly         bool       `json:"left_early"`
	Present           bool       `json:"present"`
	Status            string     `json:"status"`
	Expected          *bool      `json:"expected"`
	LeaveReason       string     `json:"leave_reason"`
	Intervals         []struct {
		Join    time.Time  `json:"join"`
		Leave   *time.Time `json:"leave"`
		Seconds int64      `json:"seconds"`
	} `json:"intervals"`
}

// unguard undoes the CSV's spreadsheet guard on a cell. Carriage returns
// are dropped: a CSV reader cannot give them back (attendance.csv writes
// a newline in a cell as CRLF), the API keeps them.
func unguard(cell string) string {
	if len(cell) > 1 && cell[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(cell[1])) {
		cell = cell[1:]
	}
	return strings.ReplaceAll(cell, "\r", "")
}

func noCR(s string) string { return strings.ReplaceAll(s, "\r", "") }

// The API's attendance says what attendance.csv says, person by person,
// with raw values where the CSV guards its cells.
func TestAPIAttendanceMatchesCSV(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 11, weeklyStart, "Weekly <b>sync</b>, Q&A")
	id := strconv.FormatUint(m.ID, 10)
	// An expected list (one attendee, one who never came) and an identity
	// link: the API's rows are the CSV's, absentees and merged rows too.
	ctx := context.Background()
	segs, err := e.store.SegmentsForPage(ctx, m.ID)
	require.NoError(t, err)
	var attendee string
	keys := map[string]bool{}
	for _, sg := range segs {
		keys[sg.PersonKey] = true
		if attendee == "" && sg.Email != "" && strings.HasPrefix(sg.PersonKey, "e:") {
			attendee = sg.Email
		}
	}
	require.NotEmpty(t, attendee)
	require.NoError(t, e.store.ReplaceRoster(ctx, m.MeetingNumber, []models.RosterEntry{
		{MeetingNumber: m.MeetingNumber, Line: 2, Email: strings.ToLower(attendee)},
		{MeetingNumber: m.MeetingNumber, Line: 3, Email: "never.came@example.com", Name: "Never Came"},
	}, models.RosterUpload{MeetingNumber: m.MeetingNumber, UploadedBy: "admin@example.com", UploadedAt: e.now, Taken: 2, Replaced: true}))
	var linkFrom, linkInto string
	for k := range keys {
		if strings.HasPrefix(k, "n:") {
			if linkFrom == "" {
				linkFrom = k
			} else if linkInto == "" {
				linkInto = k
			}
		}
	}
	require.NotEmpty(t, linkInto, "the seed has two name-only people to link")
	require.NoError(t, e.store.Link(ctx, linkFrom, linkInto, "admin@example.com", e.now))

	res, body := get(t, e.client(t, models.RoleViewer), e.srv.URL+"/meetings/"+id+"/attendance.csv?tz=UTC")
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	recs := parseCSV(t, body)
	header, recs := recs[0], recs[1:]

	status, hd, b := e.apiGet(t, e.token(t, models.RoleViewer), "/meetings/"+id+"/attendance")
	require.Equal(t, http.StatusOK, status, string(b))
	assert.Equal(t, "application/json; charset=utf-8", hd.Get("Content-Type"))
	var got struct {
		MeetingID uint64          `json:"meeting_id"`
		People    []attendanceRow `json:"people"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&got))
	assert.Equal(t, m.ID, got.MeetingID)
	require.Len(t, got.People, len(recs), "one object per CSV row")

	col := func(rec []string, name string) string {
		i := column(header, name)
		require.GreaterOrEqual(t, i, 0, name)
		return rec[i]
	}
	csvTimeOf := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.Format(time.RFC3339Nano)
	}
	guarded, absent := 0, 0
	for i, rec := range recs {
		p := got.People[i]
		name := p.Name
		assert.Equal(t, col(rec, "person_key"), p.PersonKey, "row %d", i)
		assert.Equal(t, unguard(col(rec, "name")), noCR(p.Name), name)
		if col(rec, "name") != p.Name {
			guarded++
		}
		assert.Equal(t, unguard(col(rec, "email")), noCR(p.Email), name)
		assert.Equal(t, col(rec, "first_join"), csvTimeOf(p.FirstJoin), name)
		assert.Equal(t, col(rec, "last_leave"), csvTimeOf(p.LastLeave), name)
		assert.Equal(t, col(rec, "attended_seconds"), strconv.FormatInt(p.AttendedSeconds, 10), name)
		assert.Equal(t, col(rec, "attended_minutes"), strconv.FormatFloat(p.AttendedMinutes, 'f', 1, 64), name)
		assert.Equal(t, col(rec, "attendance_percent"), strconv.FormatFloat(p.AttendancePercent, 'f', 1, 64), name)
		assert.Equal(t, col(rec, "sessions"), strconv.Itoa(p.Sessions), name)
		assert.Equal(t, col(rec, "late"), strconv.FormatBool(p.Late), name)
		assert.Equal(t, col(rec, "left_early"), strconv.FormatBool(p.LeftEarly), name)
		assert.Equal(t, col(rec, "present"), strconv.FormatBool(p.Present), name)
		assert.Equal(t, unguard(col(rec, "leave_reason")), noCR(p.LeaveReason), name)

		require.NotNil(t, p.Expected, "the meeting has an expected list: %s", name)
		assert.Equal(t, col(rec, "expected"), strconv.FormatBool(*p.Expected), name)
		assert.Equal(t, col(rec, "status"), p.Status, name)
		var sum int64
		for _, iv := range p.Intervals {
			sum += iv.Seconds
			assert.Equal(t, time.UTC, iv.Join.Location(), "times are UTC")
		}
		assert.Len(t, p.Intervals, p.Sessions, name)
		assert.GreaterOrEqual(t, sum+int64(len(p.Intervals)), p.AttendedSeconds, "intervals cover the attended time: %s", name)
		switch {
		case p.Status == "absent":
			absent++
			assert.Zero(t, p.Sessions, name)
		case p.Sessions == 0:
			assert.Equal(t, "waiting_room_only", p.Status, name)
		case p.Present:
			assert.Equal(t, "present", p.Status, name)
		default:
			assert.Equal(t, "partial", p.Status, name)
		}
		assert.NotEqual(t, linkFrom, p.PersonKey, "a linked person is merged into %s", linkInto)
	}
	assert.Equal(t, 1, absent, "the one expected person who never came")
	assert.NotZero(t, guarded, "the seed has formula-looking names: the API gives them raw")
	assert.Contains(t, string(b), `"name":"=1+1"`, "raw values, not spreadsheet-escaped")
}

// listMeetings walks the meetings list with limit per page and returns
// every id in order, the number of pages, and the cursors seen.
func listAll(t *testing.T, e *env, tok, query string, limit int) (ids []uint64, pages int) {
	t.Helper()
	cursor := ""
	for {
		q, err := url.ParseQuery(query)
		require.NoError(t, err)
		q.Set("limit", strconv.Itoa(limit))
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		status, _, b := e.apiGet(t, tok, "/meetings?"+q.Encode())
		require.Equal(t, http.StatusOK, status, string(b))
		var page struct {
			Meetings []struct {
				ID        uint64    `json:"id"`
				StartTime time.Time `json:"start_time"`
			} `json:"meetings"`
			NextCursor *string `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(b, &page))
		require.LessOrEqual(t, len(page.Meetings), limit)
		pages++
		for _, m := range page.Meetings {
			ids = append(ids, m.ID)
		}
		if page.NextCursor == nil {
			return ids, pages
		}
		cursor = *page.NextCursor
		require.Less(t, pages, 100, "the cursor does not advance")
	}
}

// seedMeetings stores n ended meetings an hour apart (the newest first
// hour), topics "Meeting i", and returns their ids oldest first.
func seedMeetings(t *testing.T, e *env, n int, first time.Time) []uint64 {
	t.Helper()
	ids := make([]uint64, n)
	for i := range n {
		start := first.Add(time.Duration(i) * time.Hour)
		end := start.Add(30 * time.Minute)
		m, err := e.store.UpsertEndedMeeting(context.Background(), models.MeetingEnded{
			UUID: "list-" + strconv.Itoa(i) + "==", MeetingNumber: 900 + int64(i%3), Topic: "Meeting " + strconv.Itoa(i),
			StartTime: start, EndTime: &end,
		})
		require.NoError(t, err)
		ids[i] = m.ID
	}
	return ids
}

func TestAPIListPagesNewestFirst(t *testing.T) {
	e := newEnv(t)
	first := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ids := seedMeetings(t, e, 11, first)
	tok := e.token(t, models.RoleViewer)

	got, pages := listAll(t, e, tok, "", 3)
	want := make([]uint64, len(ids))
	for i, id := range ids {
		want[len(ids)-1-i] = id
	}
	assert.Equal(t, want, got, "every meeting once, newest first")
	assert.Equal(t, 4, pages)

	// Filters hold across pages.
	got, _ = listAll(t, e, tok, "from=2026-03-01T12:00:00Z&to=2026-03-01T15:00:00Z", 2)
	assert.Equal(t, []uint64{ids[5], ids[4], ids[3]}, got, "from ≤ start < to")
	got, _ = listAll(t, e, tok, "from=2026-03-01&to=2026-03-01", 5)
	assert.Len(t, got, 11, "a date as to includes that day")
	got, _ = listAll(t, e, tok, "q=meeting+1", 1)
	assert.Equal(t, []uint64{ids[10], ids[1]}, got)

	// updated_since: only what changed since.
	e.db.Exec(t, "UPDATE meetings SET updated_at = ?", first)
	later := first.Add(48 * time.Hour)
	e.db.Exec(t, "UPDATE meetings SET updated_at = ? WHERE id IN (?, ?)", later, ids[2], ids[7])
	got, _ = listAll(t, e, tok, "updated_since=2026-03-02T00:00:00Z", 1)
	assert.Equal(t, []uint64{ids[7], ids[2]}, got)
}

func TestAPIListRefusesBadParameters(t *testing.T) {
	e := newEnv(t)
	seedMeetings(t, e, 4, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	tok := e.token(t, models.RoleViewer)
	status, _, b := e.apiGet(t, tok, "/meetings?limit=2")
	require.Equal(t, http.StatusOK, status)
	var page struct {
		NextCursor *string `json:"next_cursor"`
	}
	require.NoError(t, json.Unmarshal(b, &page))
	require.NotNil(t, page.NextCursor)
	cur := *page.NextCursor

	// The cursor is opaque and validated: each changed byte is refused.
	for i := range cur {
		flipped := []byte(cur)
		if flipped[i] == 'A' {
			flipped[i] = 'B'
		} else {
			flipped[i] = 'A'
		}
		status, _, b := e.apiGet(t, tok, "/meetings?limit=2&cursor="+url.QueryEscape(string(flipped)))
		if status == http.StatusOK {
			// Only a change in the position bytes can still be a cursor of
			// this list; it lists no more than the caller may see anyway.
			continue
		}
		require.Equal(t, http.StatusBadRequest, status, string(flipped))
		code, _ := apiErr(t, b)
		assert.Equal(t, "bad_parameter", code)
	}
	for _, q := range []string{
		"limit=0", "limit=501", "limit=-1", "limit=1e3", "limit=" + strings.Repeat("9", 40),
		"from=yesterday", "to=2026-13-01", "updated_since=2026-03-01T25:00:00Z", "from=2026-03-02&to=2026-03-01",
		"q=" + strings.Repeat("x", 201), "q=%FF",
		"cursor=" + strings.Repeat("A", 65), "cursor=%00%01", "cursor=not-a-cursor",
		"q=other&cursor=" + url.QueryEscape(cur), // a cursor of another query
	} {
		status, _, b := e.apiGet(t, tok, "/meetings?"+q)
		assert.Equal(t, http.StatusBadRequest, status, "%s: %s", q, b)
		if status == http.StatusBadRequest {
			code, msg := apiErr(t, b)
			assert.Equal(t, "bad_parameter", code, q)
			assert.NotContains(t, msg, "\x00")
		}
	}
}

func TestAPITokenAuth(t *testing.T) {
	e := newEnv(t)
	seedMeetings(t, e, 1, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()

	// Anonymous, a made-up token, another scheme: 401 with the JSON error
	// and a Bearer challenge.
	for _, authz := range []string{"", "Bearer nope", "Bearer rc_" + strings.Repeat("A", 43), "Basic dXNlcjpwdw==",
		"Bearer", "Bearer " + strings.Repeat("rc_", 1000)} {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/meetings", nil)
		require.NoError(t, err)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		res, b := do(t, req)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode, authz)
		code, _ := apiErr(t, b)
		assert.Equal(t, "unauthorized", code)
		assert.True(t, strings.HasPrefix(res.Header.Get("WWW-Authenticate"), `Bearer realm="rollcall"`), authz)
	}

	u, err := e.store.CreateUser(ctx, "owner@example.com", models.RoleViewer, password)
	require.NoError(t, err)
	tok, secret, err := e.store.CreateToken(ctx, u.ID, "sync", time.Hour, e.now)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(secret, models.TokenPrefix))
	assert.Zero(t, e.db.Count(t, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", secret), "the token itself is not stored")

	status, _, b := e.apiGet(t, secret, "/meetings")
	require.Equal(t, http.StatusOK, status, string(b))
	lastUsed := func() time.Time {
		ts, err := e.store.Tokens(ctx, u.ID)
		require.NoError(t, err)
		require.Len(t, ts, 1)
		require.NotNil(t, ts[0].LastUsedAt)
		return *ts[0].LastUsedAt
	}
	assert.True(t, lastUsed().Equal(e.now.UTC().Truncate(time.Microsecond)) || lastUsed().Sub(e.now).Abs() < time.Millisecond)

	// Within a minute, use does not write again; after it, it does.
	first := lastUsed()
	e.now = e.now.Add(30 * time.Second)
	e.apiGet(t, secret, "/meetings")
	assert.True(t, first.Equal(lastUsed()), "last used is updated at most once a minute")
	e.now = e.now.Add(45 * time.Second)
	e.apiGet(t, secret, "/meetings")
	assert.True(t, lastUsed().After(first))

	// Expired: refused.
	e.now = e.now.Add(time.Hour)
	status, _, _ = e.apiGet(t, secret, "/meetings")
	assert.Equal(t, http.StatusUnauthorized, status, "an expired token")
	e.now = tok.CreatedAt.Add(time.Minute)
	status, _, _ = e.apiGet(t, secret, "/meetings")
	require.Equal(t, http.StatusOK, status)

	// A bearer token with a bad value is refused even beside a valid session.
	c := e.client(t, models.RoleAdmin)
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/meetings", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer rc_wrong")
	res, err := c.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	// The session alone opens the API (GET only; see docs/ARCHITECTURE.md).
	res, _ = get(t, c, e.srv.URL+"/api/v1/meetings")
	assert.Equal(t, http.StatusOK, res.StatusCode)

	// Revoked: refused at once.
	require.NoError(t, e.store.RevokeToken(ctx, tok.ID, u.ID))
	status, _, _ = e.apiGet(t, secret, "/meetings")
	assert.Equal(t, http.StatusUnauthorized, status, "a revoked token")

	// A removed user's tokens stop at once.
	_, secret2, err := e.store.CreateToken(ctx, u.ID, "other", 0, e.now)
	require.NoError(t, err)
	status, _, _ = e.apiGet(t, secret2, "/meetings")
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, e.store.DeleteUser(ctx, u.ID))
	status, _, _ = e.apiGet(t, secret2, "/meetings")
	assert.Equal(t, http.StatusUnauthorized, status, "the token of a removed user")
	assert.Zero(t, e.db.Count(t, "SELECT COUNT(*) FROM api_tokens WHERE user_id = ?", u.ID))
}

// A token acts with its owner's role as the owner has it now: demoting the
// owner demotes the token on its next request.
func TestAPITokenFollowsTheOwnersRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, "boss@example.com", models.RoleAdmin, password)
	require.NoError(t, err)
	_, secret, err := e.store.CreateToken(ctx, u.ID, "sync", 0, e.now)
	require.NoError(t, err)
	got, _, err := e.store.TokenUser(ctx, secret, e.now)
	require.NoError(t, err)
	assert.True(t, got.IsAdmin())
	e.db.Exec(t, "UPDATE users SET role = ? WHERE id = ?", models.RoleViewer, u.ID)
	got, _, err = e.store.TokenUser(ctx, secret, e.now)
	require.NoError(t, err)
	assert.False(t, got.IsAdmin(), "the token kept the admin role its owner lost")
	// Tokens open nothing but the API: no admin page, no form post.
	for _, p := range []string{"/admin/users", "/admin/jobs", "/meetings"} {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+p, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, _ := do(t, req)
		assert.Equal(t, http.StatusSeeOther, res.StatusCode, p)
	}
}

func TestAPINotFoundAndMethods(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, models.RoleViewer)
	for _, p := range []string{"/meetings/0", "/meetings/abc", "/meetings/9223372036854775808", "/meetings/999",
		"/meetings/999/attendance", "/meetings/999/segments", "/series/1", "/series/x", "/people/e:nobody@example.com",
		"/nothing", "/meetings/1/nothing"} {
		status, hd, b := e.apiGet(t, tok, p)
		assert.Equal(t, http.StatusNotFound, status, p)
		assert.Equal(t, "no-store", hd.Get("Cache-Control"), p)
		code, _ := apiErr(t, b)
		assert.Equal(t, "not_found", code, p)
	}
	// Only GET (and HEAD) exist; a write is not an API verb.
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, "PATCH"} {
		req, err := http.NewRequest(m, e.srv.URL+"/api/v1/meetings", strings.NewReader("{}"))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, b := do(t, req)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, m)
		apiErr(t, b)
	}
}
