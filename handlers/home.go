package handlers

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// Home page bounds: the days looked at, how many of them at most, how many
// latest instances of each series decide falls and slips, and how many live
// meetings and failures are named.
const (
	homeDays           = 7
	homeMeetingLimit   = 5000
	homeSeriesInstance = 8
	homeLiveLimit      = 20
	homeFailureLimit   = 10
	// homeCacheMeetings bounds the attendance the home page remembers
	// (models.AttendanceCache): a few weeks of a large organisation's
	// meetings, some megabytes.
	homeCacheMeetings = 20_000
)

// showHomePage answers a manager's morning questions: what is live now, how
// the last seven days went (meetings, people, average attendance, failures,
// each linked to the page that explains it), the attendance by day, the
// series whose attendance fell most, and the people slipping below the
// present threshold. Days are the viewer's.
func (h *Handlers) showHomePage(c *gin.Context) error {
	u := currentUser(c)
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	now := h.cfg.Now()
	days := weekDays(now, loc)
	recent, series, err := h.homeMeetings(ctx, days[0], days[len(days)-1])
	if err != nil {
		return err
	}
	th := h.thresholds()
	attendance, err := h.attendanceOf(ctx, recent, series, now, th)
	if err != nil {
		return err
	}
	live, err := h.store.LiveMeetings(ctx, homeLiveLimit)
	if err != nil {
		return err
	}
	counts, err := h.store.CountByStatus(ctx)
	if err != nil {
		return err
	}
	failed, err := h.store.MeetingsByStatus(ctx, []string{models.FetchFailed}, homeFailureLimit)
	if err != nil {
		return err
	}
	o := models.BuildOverview(models.OverviewInput{
		Days: days, Recent: recent, Series: series, Attendance: attendance,
	})
	p := homePage(o, loc, c.Query("tz"), th)
	p.Failed = counts[models.FetchFailed]
	p.FailedURL = "#failures"
	if u.IsAdmin() {
		p.FailedURL = "/admin/jobs"
	}
	k := clock{loc: loc}
	for _, m := range live {
		p.Live = append(p.Live, views.HomeMeeting{URL: meetingURL(m.ID), Topic: topicLabel(m.Topic), Start: k.list(m.StartTime)})
	}
	for _, m := range failed {
		p.Failures = append(p.Failures, views.HomeMeeting{
			URL: meetingURL(m.ID), Topic: topicLabel(m.Topic), Start: k.list(m.StartTime), Detail: clip(m.LastError),
		})
	}
	p.Page = h.frame(c, u, "Home", "home", loc.String())
	render(c, http.StatusOK, views.Home(p))
	return nil
}

// homeMeetings returns the meetings that started in [from, to) and, for
// each of their meeting numbers, the series' latest instances.
func (h *Handlers) homeMeetings(ctx context.Context, from, to time.Time) (
	recent []models.Meeting, series map[int64][]models.Meeting, err error) {
	recent, err = h.store.RecentMeetings(ctx, from, to, homeMeetingLimit)
	if err != nil {
		return nil, nil, err
	}
	var numbers []int64
	seen := map[int64]bool{}
	for _, m := range recent {
		if m.MeetingNumber != 0 && !seen[m.MeetingNumber] {
			seen[m.MeetingNumber] = true
			numbers = append(numbers, m.MeetingNumber)
		}
	}
	series, err = h.store.LatestInstances(ctx, numbers, homeSeriesInstance)
	if err != nil {
		return nil, nil, err
	}
	return recent, series, nil
}

// WarmHomeCache computes into the cache the attendance the home page
// shows — the last homeDays days, widened by a day on each side for
// viewers east and west of UTC, and their series' latest instances — so
// that the first manager to open / after a start does not wait for it. It
// returns how many meetings' attendance it holds.
func (h *Handlers) WarmHomeCache(ctx context.Context) (int, error) {
	now := h.cfg.Now()
	days := weekDays(now, time.UTC)
	recent, series, err := h.homeMeetings(ctx, days[0].AddDate(0, 0, -1), days[len(days)-1].AddDate(0, 0, 1))
	if err != nil {
		return 0, err
	}
	as, err := h.attendanceOf(ctx, recent, series, now, h.thresholds())
	return len(as), err
}

// attendanceOf returns the attendance of every meeting of recent and
// series, by meeting id, identity links applied: remembered ones from
// h.attendance, the others computed from their segments (one query for
// all) and remembered when final.
func (h *Handlers) attendanceOf(ctx context.Context, recent []models.Meeting, series map[int64][]models.Meeting,
	now time.Time, th models.Thresholds) (map[uint64][]models.Attendance, error) {
	// Identity links apply here as on every page: a linked person is one.
	links, err := h.store.PersonLinks(ctx)
	if err != nil {
		return nil, err
	}
	sig := links.Signature()
	out := map[uint64][]models.Attendance{}
	var missing []models.Meeting
	consider := func(m models.Meeting) {
		if _, done := out[m.ID]; done {
			return
		}
		as, ok := h.attendance.Get(m, sig)
		out[m.ID] = as
		if !ok {
			missing = append(missing, m)
		}
	}
	for _, m := range recent {
		consider(m)
	}
	for _, ms := range series {
		for _, m := range ms {
			consider(m)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	ids := make([]uint64, len(missing))
	for i, m := range missing {
		ids[i] = m.ID
	}
	segs, err := h.store.AttendanceSegments(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range missing {
		as := models.ComputeAttendance(models.ApplyLinks(segs[m.ID], links), m.Window(now), th)
		h.attendance.Put(m, sig, as)
		out[m.ID] = as
	}
	return out, nil
}

// weekDays returns the boundaries of the homeDays days that end with today
// in loc: midnight of the first day, …, midnight after today. Days are
// counted in the calendar (AddDate), so a change of clocks makes a day of
// 23 or 25 hours, not a shifted midnight.
func weekDays(now time.Time, loc *time.Location) []time.Time {
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	days := make([]time.Time, homeDays+1)
	for i := range days {
		days[i] = today.AddDate(0, 0, i-homeDays+1)
	}
	return days
}

// listURL returns the meetings list filtered to the days [from, to)
// (to is the midnight after the last day; the list's to is inclusive).
func listURL(from, to time.Time, tz string) string {
	v := url.Values{"from": {from.Format(fmtDay)}, "to": {to.AddDate(0, 0, -1).Format(fmtDay)}}
	if tz != "" {
		v.Set("tz", tz)
	}
	return "/meetings?" + v.Encode()
}

// homePage lays out the overview for the page (everything but the frame,
// the live meetings and the failures).
func homePage(o models.Overview, loc *time.Location, tz string, th models.Thresholds) views.HomePage {
	first, end := o.Days[0].Start, o.Days[len(o.Days)-1].End
	p := views.HomePage{
		Period:       first.In(loc).Format("Mon 2 Jan") + " – " + end.AddDate(0, 0, -1).In(loc).Format("Mon 2 Jan 2006"),
		Meetings:     o.Meetings,
		People:       o.People,
		AvgPercent:   "—",
		MeetingsURL:  listURL(first, end, tz),
		PeopleURL:    listURL(first, end, tz),
		AvgURL:       "#trend",
		Threshold:    oneDecimal(th.PresentPercent) + " %",
		SlippingRows: models.SlippingRows,
	}
	if o.Measured > 0 {
		p.AvgPercent = oneDecimal(tenth(o.AveragePercent)) + " %"
	}
	points := make([]views.ChartPoint, len(o.Days))
	for i, d := range o.Days {
		label := d.Start.In(loc).Format("Mon 2")
		hd := views.HomeDay{Label: d.Start.In(loc).Format("Mon 2 Jan"), URL: listURL(d.Start, d.End, tz),
			Meetings: d.Meetings, People: d.People, Percent: "—"}
		pt := views.ChartPoint{Label: label, URL: hd.URL, Count: d.People, HasPercent: d.Measured > 0, Percent: d.AveragePercent}
		pt.Title = hd.Label + ": " + views.Count(d.Meetings, "meeting", "meetings") + ", " + views.Count(d.People, "person", "people")
		if d.Measured > 0 {
			hd.Percent = oneDecimal(tenth(d.AveragePercent))
			pt.Title += ", average attendance " + hd.Percent + " %"
		}
		p.Days = append(p.Days, hd)
		points[i] = pt
	}
	p.Trend = views.NewTrendChart(views.ChartInput{
		ID: "home-trend", Title: "Attendance by day, " + p.Period,
		Desc:   "Average attendance of each day's meetings (line) and the people who came (bars).",
		Points: points, Threshold: th.PresentPercent,
	})
	for _, f := range o.Falling {
		p.Falling = append(p.Falling, views.HomeFalling{
			Topic: seriesLabel(f.Topic, f.Number), URL: seriesURL(f.Number),
			Previous: oneDecimal(tenth(f.Previous.AveragePercent)), Latest: oneDecimal(tenth(f.Latest.AveragePercent)),
			PreviousURL: meetingURL(f.Previous.Meeting.ID), LatestURL: meetingURL(f.Latest.Meeting.ID),
			PreviousPeople: f.Previous.People, LatestPeople: f.Latest.People,
			Fall: oneDecimal(tenth(f.Fall())),
		})
	}
	for _, s := range o.Slipping {
		hs := views.HomeSlipping{
			Name: s.Name, URL: personURL(s.Key), Topic: seriesLabel(s.Topic, s.Number), SeriesURL: seriesURL(s.Number),
			PresentBefore: s.PresentBefore,
		}
		if hs.Name == "" {
			hs.Name = cmp.Or(s.Email, "(no name)")
		}
		spark := make([]views.SparkValue, len(s.Recent))
		for i, r := range s.Recent {
			pct := oneDecimal(r.Attendance.PercentRounded())
			hs.Recent = append(hs.Recent, views.Link{Label: pct + " %", URL: meetingURL(r.Meeting.ID)})
			spark[i] = views.SparkValue{Percent: r.Attendance.Percent, Attended: true}
		}
		hs.Spark = views.NewSparkline("Attendance at their last meetings of the series", spark, th.PresentPercent)
		p.Slipping = append(p.Slipping, hs)
	}
	return p
}

// seriesLabel names a series: its topic, else "Meeting <number>".
func seriesLabel(topic string, number int64) string {
	if topic == "" {
		return "Meeting " + strconv.FormatInt(number, 10)
	}
	return topic
}

// tenth rounds f to one decimal, halves away from zero, as the attendance
// rules round.
func tenth(f float64) float64 { return math.Round(f*10) / 10 }
