package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"rollcall/models"
)

// The JSON API, /api/v1 (docs/ARCHITECTURE.md, openapi.json). Read-only.
// A request is authenticated by a bearer token (Authorization: Bearer
// rc_…, made at /settings or by `rollcall tokens add`) or, so that a
// signed-in person can open it in the browser, by the session cookie:
// every route is a GET, which changes nothing, and no CORS header is ever
// sent, so another site can neither act nor read through a visitor's
// cookie. Either way the request acts as the user with the role the user
// has now.

const (
	// apiKey marks API requests, whose errors are apiError bodies.
	apiKey = "rollcall.api"
	// apiDefaultLimit and apiMaxLimit are the meetings list's page sizes.
	apiDefaultLimit = 100
	apiMaxLimit     = 500
	// apiMaxQuery bounds the search text (in characters).
	apiMaxQuery = 200
	// apiMaxCursor bounds the cursor read; a real one is 32 characters.
	apiMaxCursor = 64
)

// apiHeaders marks the request as an API request and sets the headers
// every API answer carries.
func (h *Handlers) apiHeaders(c *gin.Context) {
	markAPI(c)
	c.Next()
}

func markAPI(c *gin.Context) {
	c.Set(apiKey, true)
	hd := c.Writer.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
}

// apiAuth finds the user of the request: its bearer token, else its session
// cookie. A request with an Authorization header is judged by that header
// alone. Anything else is 401.
func (h *Handlers) apiAuth(c *gin.Context) {
	ctx := c.Request.Context()
	if authz := c.GetHeader("Authorization"); authz != "" {
		scheme, token, _ := strings.Cut(authz, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			h.refuseAPI(c, "invalid_request", "use Authorization: Bearer <token>")
			return
		}
		u, _, err := h.store.TokenUser(ctx, strings.TrimSpace(token), h.cfg.Now())
		switch {
		case errors.Is(err, models.ErrNotFound):
			h.refuseAPI(c, "invalid_token", "the token is unknown, revoked or expired")
			return
		case err != nil:
			h.fail(c, err)
			return
		}
		c.Set(userKey, u)
		c.Next()
		return
	}
	if token, err := c.Cookie(SessionCookie); err == nil && token != "" {
		u, err := h.store.SessionUser(ctx, token)
		switch {
		case err == nil:
			c.Set(userKey, u)
			c.Next()
			return
		case !errors.Is(err, models.ErrNotFound):
			h.fail(c, err)
			return
		}
	}
	h.refuseAPI(c, "", "send Authorization: Bearer <token> (make one in Settings)")
}

// refuseAPI answers 401 with the RFC 6750 challenge; why is its error code
// ("" when no credentials came at all).
func (h *Handlers) refuseAPI(c *gin.Context, why, msg string) {
	challenge := `Bearer realm="rollcall"`
	if why != "" {
		challenge += `, error="` + why + `"`
	}
	c.Header("WWW-Authenticate", challenge)
	h.fail(c, &httpError{status: http.StatusUnauthorized, code: "unauthorized", msg: msg})
}

// apiNotFound answers a path under /api/ that has no route.
func (h *Handlers) apiNotFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		markAPI(c)
		h.fail(c, errStatus(http.StatusNotFound, "no such endpoint; see /api/v1/openapi.json", nil))
	}
}

// apiCodes are the error codes of statuses without a code of their own.
var apiCodes = map[int]string{
	http.StatusBadRequest:          "bad_request",
	http.StatusUnauthorized:        "unauthorized",
	http.StatusForbidden:           "forbidden",
	http.StatusNotFound:            "not_found",
	http.StatusConflict:            "conflict",
	http.StatusRequestTimeout:      "timeout",
	http.StatusTooManyRequests:     "too_many_requests",
	http.StatusInternalServerError: "internal",
	http.StatusServiceUnavailable:  "unavailable",
}

// apiErrorBody is the body of an API error of status with message msg.
func apiErrorBody(err error, status int, msg string) apiError {
	code := apiCodes[status]
	var he *httpError
	if errors.As(err, &he) && he.code != "" {
		code = he.code
	}
	if code == "" {
		code = "error"
	}
	return apiError{Error: apiErrorDetail{Code: code, Message: msg}}
}

// badParam is a 400 naming the query parameter at fault.
func badParam(name, problem string) error {
	return &httpError{status: http.StatusBadRequest, code: "bad_parameter", msg: name + ": " + problem}
}

// writeJSON answers v as JSON with status. It encodes first, so a value
// that cannot be encoded is a clean 500, not half an answer.
func writeJSON(c *gin.Context, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // raw values: a "<" stays a "<"
	if err := enc.Encode(v); err != nil {
		return err
	}
	c.Data(status, "application/json; charset=utf-8", buf.Bytes())
	return nil
}

// apiTime reads a query parameter that is an RFC 3339 time or a date
// (yyyy-mm-dd, midnight UTC); day reports which.
func apiTime(c *gin.Context, name string) (t time.Time, day bool, err error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, true, nil
	}
	t, err = time.Parse(time.RFC3339, v)
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, false, badParam(name, "want an RFC 3339 time (2026-01-31T09:00:00Z) or a date (2026-01-31)")
	}
	return t.UTC(), false, nil
}

// meetingListFilter reads the list's filters: from and to bound the start
// (from ≤ start < to; a date as to includes that whole day, UTC), q
// searches topic and host, updated_since keeps meetings changed at or
// after it, limit sizes the page.
func meetingListFilter(c *gin.Context) (models.MeetingFilter, error) {
	f := models.MeetingFilter{Q: strings.TrimSpace(c.Query("q")), Limit: apiDefaultLimit}
	if !utf8.ValidString(f.Q) || utf8.RuneCountInString(f.Q) > apiMaxQuery {
		return f, badParam("q", "at most "+strconv.Itoa(apiMaxQuery)+" characters of UTF-8")
	}
	var err error
	if f.From, _, err = apiTime(c, "from"); err != nil {
		return f, err
	}
	var day bool
	if f.To, day, err = apiTime(c, "to"); err != nil {
		return f, err
	}
	if day {
		f.To = f.To.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return f, badParam("to", "must be after from")
	}
	if f.UpdatedSince, _, err = apiTime(c, "updated_since"); err != nil {
		return f, err
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > apiMaxLimit {
			return f, badParam("limit", "a whole number from 1 to "+strconv.Itoa(apiMaxLimit))
		}
		f.Limit = n
	}
	return f, nil
}

// The meetings list's cursor is opaque to clients: base64url of the last
// meeting's start (Unix nanoseconds) and id and a digest of the filters it
// was made for. It is a position, not a credential: a cursor changed by
// hand can at most move the position within what the caller may list
// anyway. It is still validated — exact length, a positive id, and filters
// equal to the request's (a cursor of another query is refused, not
// silently applied) — so a bad one is a 400, never a query of odd values.
const cursorBytes = 24

// filterDigest is the first 8 bytes of a SHA-256 of the list's filters.
func filterDigest(f models.MeetingFilter) []byte {
	h := sha256.New()
	for _, v := range []string{f.Q, f.From.Format(time.RFC3339Nano), f.To.Format(time.RFC3339Nano),
		f.UpdatedSince.Format(time.RFC3339Nano)} {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return h.Sum(nil)[:8]
}

func encodeCursor(cur models.MeetingCursor, f models.MeetingFilter) string {
	b := make([]byte, 0, cursorBytes)
	b = binary.BigEndian.AppendUint64(b, uint64(cur.StartTime.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, cur.ID)
	b = append(b, filterDigest(f)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, f models.MeetingFilter) (models.MeetingCursor, error) {
	bad := badParam("cursor", "not a cursor of this list; start again without it")
	if len(s) > apiMaxCursor {
		return models.MeetingCursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != cursorBytes {
		return models.MeetingCursor{}, bad
	}
	ns, id := int64(binary.BigEndian.Uint64(b)), binary.BigEndian.Uint64(b[8:])
	if id == 0 || id > math.MaxInt64 || !bytes.Equal(b[16:], filterDigest(f)) {
		return models.MeetingCursor{}, bad
	}
	return models.MeetingCursor{StartTime: time.Unix(0, ns).UTC(), ID: id}, nil
}

// apiListMeetings serves GET /api/v1/meetings: newest first, one page.
func (h *Handlers) apiListMeetings(c *gin.Context) error {
	f, err := meetingListFilter(c)
	if err != nil {
		return err
	}
	if v := c.Query("cursor"); v != "" {
		cur, err := decodeCursor(v, f)
		if err != nil {
			return err
		}
		f.Before = &cur
	}
	page, err := h.store.ListMeetings(c.Request.Context(), f)
	if err != nil {
		return err
	}
	if err := h.store.FillArrivals(c.Request.Context(), page.Meetings); err != nil {
		return err
	}
	out := apiMeetingList{Meetings: make([]apiMeeting, len(page.Meetings))}
	for i, m := range page.Meetings {
		out.Meetings[i] = toAPIMeeting(m)
	}
	if page.Older != nil {
		next := encodeCursor(*page.Older, f)
		out.NextCursor = &next
	}
	return writeJSON(c, http.StatusOK, out)
}

// apiMeetingOf reads the :id parameter and its meeting.
func (h *Handlers) apiMeetingOf(c *gin.Context) (models.Meeting, error) {
	id, err := parseID(c, "id")
	if err != nil {
		return models.Meeting{}, err
	}
	return h.store.Meeting(c.Request.Context(), id)
}

// apiShowMeeting serves GET /api/v1/meetings/{id}.
func (h *Handlers) apiShowMeeting(c *gin.Context) error {
	m, err := h.apiMeetingOf(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toAPIMeeting(m))
}

// meetingAttendanceRows computes the attendance rows of m as
// attendance.csv does (exportedRoll), laid out for the API.
func (h *Handlers) meetingAttendanceRows(c *gin.Context, m models.Meeting) ([]apiAttendance, error) {
	now := h.cfg.Now()
	roll, err := h.exportedRoll(c.Request.Context(), m, now)
	if err != nil {
		return nil, err
	}
	return attendanceRows(roll, m.Window(now)), nil
}

// attendanceRows lays out roll's rows, computed in window w, in
// attendance.csv's order: the people seen, then the absentees. expected
// is null when nobody was expected.
func attendanceRows(roll models.Roll, w models.Window) []apiAttendance {
	rs := roll.Rows()
	rows := make([]apiAttendance, len(rs))
	for i := range rs {
		rows[i] = toAPIAttendance(&rs[i].Attendance, w)
		rows[i].Status = rs[i].Status
		if roll.HasExpected {
			rows[i].Expected = &rs[i].Expected
		}
	}
	return rows
}

// apiMeetingAttendance serves GET /api/v1/meetings/{id}/attendance.
func (h *Handlers) apiMeetingAttendance(c *gin.Context) error {
	m, err := h.apiMeetingOf(c)
	if err != nil {
		return err
	}
	rows, err := h.meetingAttendanceRows(c, m)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, struct {
		MeetingID uint64          `json:"meeting_id"`
		People    []apiAttendance `json:"people"`
	}{m.ID, rows})
}

// apiMeetingSegments serves GET /api/v1/meetings/{id}/segments: every
// stored participant row, in sessions.csv's order, streamed (a meeting
// can have many thousands).
func (h *Handlers) apiMeetingSegments(c *gin.Context) error {
	m, err := h.apiMeetingOf(c)
	if err != nil {
		return err
	}
	rows, err := h.store.ExportSegments(c.Request.Context(), m.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Status(http.StatusOK)
	w := c.Writer
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteString(`{"meeting_id":` + strconv.FormatUint(m.ID, 10) + `,"segments":[`)
	for n := 0; rows.Next(); n++ {
		if n > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(toAPISegment(rows.Segment())); err != nil {
			return exportFailed(c, err)
		}
		if buf.Len() >= 32<<10 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return exportFailed(c, err)
			}
			buf.Reset()
		}
	}
	if err := rows.Err(); err != nil {
		return exportFailed(c, err)
	}
	buf.WriteString("]}\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return exportFailed(c, err)
	}
	return nil
}

// apiShowSeries serves GET /api/v1/series/{meeting_number}: the latest
// instances (as many as the series page shows) and each person's row.
func (h *Handlers) apiShowSeries(c *gin.Context) error {
	number, err := strconv.ParseInt(c.Param("number"), 10, 64)
	if err != nil {
		return errStatus(http.StatusNotFound, "not found", err)
	}
	ms, sr, err := h.seriesMatrix(c.Request.Context(), number)
	if err != nil {
		return err
	}
	out := apiSeries{
		MeetingNumber: number, Topic: sr.Topic, Truncated: len(ms) == seriesInstanceLimit,
		Instances: make([]apiMeeting, len(ms)), People: make([]apiSeriesPerson, len(sr.People)),
	}
	for i, m := range ms {
		out.Instances[i] = toAPIMeeting(m)
	}
	for i, p := range sr.People {
		cells := make([]apiSeriesCell, len(p.Cells))
		for j, cell := range p.Cells {
			cells[j] = apiSeriesCell{MeetingID: ms[j].ID, Attended: cell.Attended, AttendedSeconds: cell.Seconds,
				AttendancePercent: cell.PercentRounded(), Present: cell.Present, Absent: cell.Absent}
		}
		out.People[i] = apiSeriesPerson{PersonKey: p.Key, Name: p.Name, Email: p.Email, Cells: cells, Totals: toAPITotals(p.Totals)}
	}
	return writeJSON(c, http.StatusOK, out)
}

// apiShowPerson serves GET /api/v1/people/{key}: the person's latest
// meetings (as many as their page shows), newest first, identity links
// followed.
func (h *Handlers) apiShowPerson(c *gin.Context) error {
	key := strings.TrimPrefix(c.Param("key"), "/")
	if key == "" {
		return errStatus(http.StatusNotFound, "not found", nil)
	}
	ctx := c.Request.Context()
	ids, err := h.store.PersonLinks(ctx)
	if err != nil {
		return err
	}
	// The person with every key linked to them, as their page shows them.
	pms, err := h.store.PersonMeetingsOfKeys(ctx, ids.Group(key), personMeetingLimit)
	if err != nil {
		return err
	}
	ms := make([]models.Meeting, len(pms))
	for i := range pms {
		ms[i] = pms[i].Meeting
	}
	if err := h.store.FillArrivals(ctx, ms); err != nil {
		return err
	}
	for i := range pms {
		pms[i].Meeting = ms[i]
	}
	now := h.cfg.Now()
	ph := models.BuildLinkedPersonHistory(key, pms, now, h.thresholds(), ids)
	out := apiPerson{PersonKey: key, Name: ph.Name, Email: ph.Email, Totals: toAPITotals(ph.Totals),
		Meetings: make([]apiPersonMeeting, len(ph.Meetings))}
	for i, pa := range ph.Meetings {
		out.Meetings[i] = apiPersonMeeting{Meeting: toAPIMeeting(pa.Meeting),
			Attendance: toAPIAttendance(&pa.Attendance, pa.Meeting.Window(now))}
	}
	return writeJSON(c, http.StatusOK, out)
}

// roundOne rounds f to one decimal, halves away from zero, as
// Attendance.PercentRounded does.
func roundOne(f float64) float64 { return math.Round(f*10) / 10 }
