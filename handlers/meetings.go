package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// meetingsPageSize is how many meetings one page of the list shows.
const meetingsPageSize = 50

// listMeetings shows the meetings list: newest first, filtered by ?q=,
// ?host=, ?from= and ?to= (dates in the viewer's zone, both inclusive), paged
// by keyset cursors ?before= and ?after=.
func (h *Handlers) listMeetings(c *gin.Context) error {
	u := currentUser(c)
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	f := models.MeetingFilter{Q: c.Query("q"), Host: c.Query("host"), Limit: meetingsPageSize}
	if f.From, err = parseDate(c.Query("from"), loc, "from"); err != nil {
		return err
	}
	if f.To, err = parseDate(c.Query("to"), loc, "to"); err != nil {
		return err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // inclusive: up to the end of that day
	}
	for name, dst := range map[string]**models.MeetingCursor{"before": &f.Before, "after": &f.After} {
		if v := c.Query(name); v != "" {
			cur, err := models.ParseMeetingCursor(v)
			if err != nil {
				return errStatus(http.StatusBadRequest, "bad "+name+" cursor", err)
			}
			*dst = &cur
		}
	}
	if f.Before != nil && f.After != nil {
		return errStatus(http.StatusBadRequest, "give before or after, not both", nil)
	}
	page, err := h.store.ListMeetings(c.Request.Context(), f)
	if err != nil {
		return err
	}
	if f.Before == nil && f.After == nil && f.Q == "" && f.Host == "" && f.From.IsZero() && f.To.IsZero() {
		// Live meetings first, however they rank by start.
		live, err := h.store.LiveMeetings(c.Request.Context(), meetingsPageSize)
		if err != nil {
			return err
		}
		if len(live) > 0 {
			rest := slices.DeleteFunc(page.Meetings, func(m models.Meeting) bool { return m.FetchStatus == models.FetchLive })
			page.Meetings = append(live, rest...)
		}
	}

	numbers := make([]int64, len(page.Meetings))
	for i, m := range page.Meetings {
		numbers[i] = m.MeetingNumber
	}
	sizes, err := h.store.SeriesSizes(c.Request.Context(), numbers)
	if err != nil {
		return err
	}
	k := clock{loc: loc}
	p := views.MeetingsPage{
		Page: h.frame(c, u, "Meetings", "meetings", loc.String()),
		Q:    f.Q, Host: f.Host, From: c.Query("from"), To: c.Query("to"),
		Rows: make([]views.MeetingRow, len(page.Meetings)),
	}
	for i, m := range page.Meetings {
		p.Rows[i] = views.MeetingRow{
			ID: m.ID, URL: meetingURL(m.ID), Topic: m.Topic, Host: hostLabel(m),
			Start: k.list(m.StartTime), Length: meetingLength(m), People: m.People,
			Status: m.FetchStatus, LastError: statusReason(m), SeriesURL: seriesLink(m.MeetingNumber, sizes),
		}
	}
	// Links keep the filter and the zone, and replace the cursor.
	base := url.Values{}
	for _, name := range []string{"q", "host", "from", "to", "tz"} {
		if v := c.Query(name); v != "" {
			base.Set(name, v)
		}
	}
	link := func(name string, cur *models.MeetingCursor) string {
		v := url.Values{}
		for key, vals := range base {
			v[key] = vals
		}
		if cur != nil {
			v.Set(name, cur.String())
		}
		if len(v) == 0 {
			return "/meetings"
		}
		return "/meetings?" + v.Encode()
	}
	if page.Older != nil {
		p.Older = link("before", page.Older)
	}
	if page.Newer != nil {
		p.Newer = link("after", page.Newer)
		p.Newest = link("", nil)
	}
	render(c, http.StatusOK, views.Meetings(p))
	return nil
}

// parseDate reads a yyyy-mm-dd date as midnight in loc; "" is the zero time.
func parseDate(s string, loc *time.Location, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, errStatus(http.StatusBadRequest, name+": want a date like 2026-01-31", err)
	}
	return t, nil
}

// hostLabel is how a meeting's host is shown: name, else email, else id.
func hostLabel(m models.Meeting) string {
	switch {
	case m.HostName != "" && m.HostEmail != "":
		return m.HostName + " <" + m.HostEmail + ">"
	case m.HostName != "":
		return m.HostName
	case m.HostEmail != "":
		return m.HostEmail
	}
	return m.HostID
}

// seriesLink returns the series page of meeting number n when the series
// has more than one instance (sizes as Store.SeriesSizes gives them), else
// "": a one-column matrix explains nothing.
func seriesLink(n int64, sizes map[int64]int) string {
	if sizes[n] < 2 {
		return ""
	}
	return seriesURL(n)
}

// statusReason is the error worth showing beside a fetch status.
func statusReason(m models.Meeting) string {
	if m.FetchStatus == models.FetchFetched {
		return ""
	}
	return m.LastError
}

// meetingLength is the meeting's length, or "live" while it has no end.
func meetingLength(m models.Meeting) string {
	if m.EndTime == nil {
		return "live"
	}
	return duration(int64(m.EndTime.Sub(m.StartTime) / time.Second))
}

// personColumns are the sortable columns of the meeting page, in order.
var personColumns = []struct{ key, label string }{
	{"name", "Name"}, {"email", "Email"}, {"first_join", "First join"}, {"last_leave", "Last leave"},
	{"attended", "Attended"}, {"percent", "Attendance %"}, {"sessions", "Sessions"},
}

// sortRows orders rs by the column key in direction dir ("asc" or
// "desc"), keeping ComputeAttendance's order (first join, name) among ties.
// An unknown key leaves the order as it is.
func sortRows(rs []models.RollRow, key, dir string) {
	var by func(a, b *models.Attendance) int
	switch key {
	case "name":
		by = func(a, b *models.Attendance) int {
			return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}
	case "email":
		by = func(a, b *models.Attendance) int {
			return cmp.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email))
		}
	case "first_join":
		by = func(a, b *models.Attendance) int { return a.FirstJoin.Compare(b.FirstJoin) }
	case "last_leave":
		by = func(a, b *models.Attendance) int { return a.LastLeave.Compare(b.LastLeave) }
	case "attended":
		by = func(a, b *models.Attendance) int { return cmp.Compare(a.AttendedSeconds, b.AttendedSeconds) }
	case "percent":
		by = func(a, b *models.Attendance) int { return cmp.Compare(a.Percent, b.Percent) }
	case "sessions":
		by = func(a, b *models.Attendance) int { return cmp.Compare(a.Sessions, b.Sessions) }
	default:
		return
	}
	timed := key == "first_join" || key == "last_leave"
	slices.SortStableFunc(rs, func(ra, rb models.RollRow) int {
		a, b := &ra.Attendance, &rb.Attendance
		// People seen only in the waiting room have no times: last either way.
		if timed && (a.Sessions == 0) != (b.Sessions == 0) {
			return cmp.Compare(b.Sessions, a.Sessions) // any > 0 first
		}
		if dir == "desc" {
			return by(b, a)
		}
		return by(a, b)
	})
}

// showMeetingPage shows one meeting instance: summary, people, sessions,
// timeline. ?sort= and ?dir= order the people; ?tz= picks the zone.
func (h *Handlers) showMeetingPage(c *gin.Context) error {
	u := currentUser(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	m, segs, fromEvents, err := h.meetingSegments(ctx, id)
	if err != nil {
		return err
	}
	sortKey, dir := c.DefaultQuery("sort", "first_join"), c.DefaultQuery("dir", "asc")
	if dir != "desc" {
		dir = "asc"
	}
	roll, err := h.store.MeetingRoll(ctx, m, segs, h.cfg.Now(), h.thresholds())
	if err != nil {
		return err
	}
	p := h.meetingPage(m, roll, loc, sortKey, dir, c.Query("tz"))
	sizes, err := h.store.SeriesSizes(ctx, []int64{m.MeetingNumber})
	if err != nil {
		return err
	}
	p.SeriesURL = seriesLink(m.MeetingNumber, sizes)
	p.Page = h.frame(c, u, m.Topic, "meetings", loc.String())
	p.Roll.CanReview = u.IsAdmin()
	if f, err := h.store.RegistrantFetchOf(ctx, m.ID); err == nil {
		p.Roll.RegistrantNote = f.Error
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if p.Live {
		p.Page.Refresh = liveRefreshSeconds
	}
	p.Provisional = fromEvents && !p.Live
	if fromEvents {
		p.Source = models.SourceWebhooks // so far: the fetch may replace them
	}
	p.CanRefetch = u.IsAdmin()
	switch c.Query("refetch") {
	case "queued":
		p.Notice = "A new fetch from Zoom was queued."
	case "already":
		p.Notice = "A fetch of this meeting is already queued."
	}
	if notice, problem := h.takeFlash(c); notice != "" || problem != "" {
		p.Notice = cmp.Or(notice, problem) // a suggestion confirmed or dismissed here
	}
	render(c, http.StatusOK, views.Meeting(p))
	return nil
}

// meetingSegments reads meeting id and the segments its page shows: the
// stored ones, or, while it is live or not fetched yet, those its live
// events make (fromEvents).
func (h *Handlers) meetingSegments(ctx context.Context, id uint64) (m models.Meeting, segs []models.Segment, fromEvents bool, err error) {
	if m, err = h.store.Meeting(ctx, id); err != nil {
		return m, nil, false, err
	}
	if segs, err = h.store.MeetingPageSegments(ctx, id); err != nil {
		return m, nil, false, err
	}
	segs, fromEvents, err = h.store.OrEventSegments(ctx, m, segs)
	return m, segs, fromEvents, err
}

// inlineSessionsMax is the most segments a meeting page carries inline,
// each person's sessions in a <details> of their row. A larger meeting's
// rows link to each person's sessions page instead (a manager opens a few):
// a 1,000-person page would otherwise spend half its bytes and time on
// tables nobody opens.
const inlineSessionsMax = 500

// meetingPage lays out meeting m's roll (models.BuildRoll: attendance
// with identity links and expected people applied) for the page
// (everything but the layout frame).
func (h *Handlers) meetingPage(m models.Meeting, roll models.Roll, loc *time.Location, sortKey, dir, tz string) views.MeetingPage {
	w, th := m.Window(h.cfg.Now()), h.thresholds()
	rows := roll.People
	as := make([]models.Attendance, len(rows))
	for i := range rows {
		as[i] = rows[i].Attendance
	}
	sum := models.Summarize(as)
	sortRows(rows, sortKey, dir)
	for i := range rows {
		as[i] = rows[i].Attendance
	}

	end := w.Until()
	k := clock{loc: loc, day: m.StartTime.In(loc).Format(fmtDay)}
	p := views.MeetingPage{
		ID: m.ID, Topic: m.Topic, Host: hostLabel(m),
		Start: k.full(m.StartTime), End: k.full(end), Live: w.Live(),
		Length:          duration(int64(end.Sub(m.StartTime) / time.Second)),
		Status:          m.FetchStatus,
		LastError:       statusReason(m),
		People:          sum.People,
		Present:         sum.Present,
		AvgPercent:      oneDecimal(sum.AveragePercent),
		AvgAttended:     duration(sum.AverageSeconds),
		Thresholds:      thresholdText(th),
		AttendanceCSV:   meetingURL(m.ID) + "/attendance.csv" + tzQuery(tz),
		SessionsCSV:     meetingURL(m.ID) + "/sessions.csv" + tzQuery(tz),
		AttendanceXLSX:  meetingURL(m.ID) + "/attendance.xlsx" + tzQuery(tz),
		SessionsXLSX:    meetingURL(m.ID) + "/sessions.xlsx" + tzQuery(tz),
		RefetchURL:      meetingURL(m.ID) + "/refetch",
		DeleteURL:       meetingURL(m.ID) + "/delete",
		SeriesURL:       seriesURL(m.MeetingNumber),
		ArrivedVia:      m.ArrivedVia,
		PracticeSession: m.PracticeSession,
		Source:          m.Source,
		Rows:            make([]views.PersonRow, len(as)),
		Roll:            rollView(m, roll),
	}
	if w.Live() {
		p.Length += " so far"
		p.InNow, p.Waiting, p.Left = []views.LiveRow{}, []views.LiveRow{}, []views.LiveRow{}
		for _, a := range as {
			in, waiting := false, false
			for _, s := range a.Segments {
				if s.LeaveTime == nil {
					in = in || s.Status != models.StatusWaitingRoom
					waiting = waiting || s.Status == models.StatusWaitingRoom
				}
			}
			r := views.LiveRow{Key: a.Key, Name: a.Name, SoFar: duration(a.AttendedSeconds)}
			if r.Name == "" {
				r.Name = "(no name)"
			}
			switch {
			case in:
				p.InNow = append(p.InNow, r)
			case waiting:
				r.SoFar = duration(waitedSeconds(a, end))
				p.Waiting = append(p.Waiting, r)
			default:
				p.Left = append(p.Left, r)
			}
		}
	}
	for _, col := range personColumns {
		sc := views.SortColumn{Key: col.key, Label: col.label, Sort: "none"}
		next := "asc"
		if col.key == sortKey {
			if dir == "asc" {
				sc.Sort, next = "ascending", "desc"
			} else {
				sc.Sort = "descending"
			}
		}
		v := url.Values{"sort": {col.key}, "dir": {next}}
		if tz != "" {
			v.Set("tz", tz)
		}
		sc.URL = meetingURL(m.ID) + "?" + v.Encode() + "#people"
		p.Columns = append(p.Columns, sc)
	}
	tl := views.TimelineInput{Start: m.StartTime, End: end, Zone: loc, People: make([]views.TimelinePerson, len(as))}
	reasons := reasonCache{}
	inline := segmentCount(as) <= inlineSessionsMax
	for i, a := range as {
		p.Rows[i] = personRow(a, k, reasons, inline)
		p.Rows[i].SessionsURL = meetingPersonURL(m.ID, a.Key) + tzQuery(tz)
		p.Rows[i].Expected, p.Rows[i].Reason = rows[i].Expected, rows[i].Reason
		if len(rows[i].Keys) > 1 {
			p.Rows[i].Linked = rows[i].Keys[1:]
		}
		tp := views.TimelinePerson{Label: a.Name, Segments: make([]views.TimelineSegment, len(a.Segments))}
		for j, s := range a.Segments {
			ts := views.TimelineSegment{Join: s.JoinTime, Waiting: s.Status == models.StatusWaitingRoom}
			if s.LeaveTime != nil {
				ts.Leave = *s.LeaveTime
			}
			tp.Segments[j] = ts
		}
		tl.People[i] = tp
	}
	p.Timeline = views.NewTimeline(tl)
	return p
}

// segmentCount is how many segments as holds in all.
func segmentCount(as []models.Attendance) int {
	n := 0
	for i := range as {
		n += len(as[i].Segments)
	}
	return n
}

// liveRefreshSeconds is how often a live meeting's page reloads itself.
const liveRefreshSeconds = 30

// waitedSeconds is how long a person has been in the waiting room in all,
// each waiting-room segment counted up to its leave or to now.
func waitedSeconds(a models.Attendance, now time.Time) int64 {
	var d time.Duration
	for _, s := range a.Segments {
		if s.Status != models.StatusWaitingRoom {
			continue
		}
		leave := now
		if s.LeaveTime != nil {
			leave = *s.LeaveTime
		}
		if leave.After(s.JoinTime) {
			d += leave.Sub(s.JoinTime)
		}
	}
	return int64(d / time.Second)
}

// personRow lays out one person's attendance, and their sessions when
// withSessions.
func personRow(a models.Attendance, k clock, reasons reasonCache, withSessions bool) views.PersonRow {
	r := views.PersonRow{
		Key: a.Key, URL: personURL(a.Key), Name: a.Name, Email: a.Email,
		FirstJoin: k.short(a.FirstJoin), LastLeave: k.short(a.LastLeave),
		Attended: duration(a.AttendedSeconds), AttendedSeconds: a.AttendedSeconds,
		AttendedMinutes: oneDecimal(a.AttendedMinutes()), Percent: oneDecimal(a.PercentRounded()),
		Sessions: a.Sessions, Late: a.Late, LeftEarly: a.LeftEarly, Present: a.Present,
		LeaveReason: reasons.lines(a.LeaveReason),
		Inline:      withSessions,
	}
	if r.Name == "" {
		r.Name = "(no name)"
	}
	if withSessions {
		r.Segments = sessionRows(a, k, reasons)
	}
	f := a.Facts()
	r.Device, r.Location, r.Role = strings.Join(f.Devices, ", "), strings.Join(f.Locations, ", "), strings.Join(f.Roles, ", ")
	return r
}

// sessionRows lays out a person's segments, waiting-room ones included.
func sessionRows(a models.Attendance, k clock, reasons reasonCache) []views.SegmentRow {
	rows := make([]views.SegmentRow, len(a.Segments))
	for i, s := range a.Segments {
		sr := views.SegmentRow{
			Join: k.short(s.JoinTime), Duration: "—", Status: s.Status,
			Waiting: s.Status == models.StatusWaitingRoom,
			Device:  s.Device, OS: s.OS, Location: s.Location, IP: s.IPAddress, Role: s.Role,
			LeaveReason: reasons.lines(s.LeaveReason),
		}
		if s.LeaveTime != nil {
			sr.Leave = k.short(*s.LeaveTime)
			sr.Duration = duration(int64(s.LeaveTime.Sub(s.JoinTime) / time.Second))
		} else {
			sr.Leave = views.Time{Text: "still in"}
		}
		rows[i] = sr
	}
	return rows
}

// showMeetingPerson shows one person's sessions in one meeting: what a row
// of a large meeting's page links to (inlineSessionsMax). The route is a
// catch-all because person keys may contain "/".
func (h *Handlers) showMeetingPerson(c *gin.Context) error {
	u := currentUser(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	key := strings.TrimPrefix(c.Param("key"), "/")
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	m, segs, _, err := h.meetingSegments(c.Request.Context(), id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(segs, func(s models.Segment) bool { return personKey(s) == key })
	if key == "" || i < 0 {
		return errStatus(http.StatusNotFound, "not found", nil)
	}
	// A person's attendance depends on their own segments only.
	segs = slices.DeleteFunc(segs, func(s models.Segment) bool { return personKey(s) != key })
	as := models.ComputeAttendance(segs, m.Window(h.cfg.Now()), h.thresholds())
	k := clock{loc: loc, day: m.StartTime.In(loc).Format(fmtDay)}
	p := views.MeetingPersonPage{
		MeetingURL: meetingURL(m.ID) + tzQuery(c.Query("tz")) + "#people", Topic: topicLabel(m.Topic),
		Row: personRow(as[0], k, reasonCache{}, true),
	}
	p.Page = h.frame(c, u, p.Row.Name+" · "+p.Topic, "meetings", loc.String())
	render(c, http.StatusOK, views.MeetingPerson(p))
	return nil
}

// personKey is the key ComputeAttendance groups segment s by.
func personKey(s models.Segment) string {
	if s.PersonKey != "" {
		return s.PersonKey
	}
	return s.Key()
}

// meetingPersonURL returns the page of one person's sessions in meeting id.
func meetingPersonURL(id uint64, key string) string {
	return meetingURL(id) + "/people/" + url.PathEscape(key)
}

// reasonCache sanitizes each distinct raw leave reason of a page once: a
// person's reason is also one of their segments', and Zoom's wording repeats.
type reasonCache map[string][]string

// lines returns raw sanitized into the lines to show; the view puts a <br>
// between them and escapes each.
func (rc reasonCache) lines(raw string) []string {
	if raw == "" {
		return nil
	}
	if l, ok := rc[raw]; ok {
		return l
	}
	var l []string
	if s := models.SanitizeLeaveReason(raw); s != "" {
		l = strings.Split(s, "\n")
	}
	rc[raw] = l
	return l
}

// thresholdText explains the rules the flags follow.
func thresholdText(th models.Thresholds) string {
	return "Late: first join more than " + th.LateAfter.String() + " after the start. Left early: last leave more than " +
		th.EarlyBefore.String() + " before the end. Present: attendance of at least " +
		oneDecimal(th.PresentPercent) + " %."
}

// tzQuery carries an explicit ?tz= over to a link.
func tzQuery(tz string) string {
	if tz == "" {
		return ""
	}
	return "?tz=" + url.QueryEscape(tz)
}

// personURL returns the page of the person with key.
func personURL(key string) string { return "/people/" + url.PathEscape(key) }

// refetchMeeting queues a new fetch of a meeting (admins only) and answers
// 303 back to the meeting page, or to the queue view when the form says so.
func (h *Handlers) refetchMeeting(c *gin.Context) error {
	u := currentUser(c) // an admin: the route is in the admin group
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	queued, err := h.queue.Refetch(ctx, id) // ErrNotFound for no such meeting
	if err != nil {
		return err
	}
	h.log.InfoContext(ctx, "refetch requested", "meeting_id", id, "queued", queued, "user_id", u.ID)
	if c.PostForm("return") == "jobs" {
		c.Redirect(http.StatusSeeOther, "/admin/jobs")
		return nil
	}
	state := "queued"
	if !queued {
		state = "already"
	}
	c.Redirect(http.StatusSeeOther, meetingURL(id)+"?refetch="+state)
	return nil
}

// deleteMeeting removes a meeting instance with its segments and webhook
// events (an admin honouring a deletion request). A fetch still queued for
// it finds nothing and stops.
func (h *Handlers) deleteMeeting(c *gin.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if err := h.store.DeleteMeeting(ctx, id); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "meeting deleted", "meeting_id", id, "user_id", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/meetings")
	return nil
}
