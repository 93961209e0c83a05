package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// homeSeries is the "Standup" series of seedHome: five daily instances
// (09:00–10:00 UTC, 26–30 Nov 2026) with, per instance, each person's
// minutes attended from 09:00 (0: no row).
//
//	      26   27   28   29   30      average %
//	Zed   60   60   18   18   18      present twice, then 30 % three times: slipping
//	Yan   60   60   60   60   30
//	Xi    60    0    0    0    0      one row only: not slipping
//	avg  100  100   65   65   40      fell 25 points at the last instance
var homeSeries = map[string][5]int{"Zed": {60, 60, 18, 18, 18}, "Yan": {60, 60, 60, 60, 30}, "Xi": {60, 0, 0, 0, 0}}

const homeSeriesNumber = 777000777

// seedHome stores the Standup series, a one-off meeting on 30 Nov (Wu,
// 100 %), a meeting from 10 Nov (outside the week) and a failed fetch. The
// clock is 1 Dec 2026 12:00 UTC; the week (Europe/Berlin) is 25 Nov – 1 Dec.
func (e *pagesEnv) seedHome(tb testing.TB) (standup []models.Meeting, failed models.Meeting) {
	tb.Helper()
	day := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		start := day.AddDate(0, 0, i)
		var segs []models.Segment
		for name, mins := range homeSeries {
			if mins[i] == 0 {
				continue
			}
			leave := start.Add(time.Duration(mins[i]) * time.Minute)
			segs = append(segs, models.Segment{Name: name, Email: strings.ToLower(name) + "@example.com",
				JoinTime: start, LeaveTime: &leave, Status: "in_meeting", Raw: "{}"})
		}
		standup = append(standup, e.addMeeting(tb, models.MeetingEnded{
			UUID: "standup-" + string(rune('a'+i)), MeetingNumber: homeSeriesNumber, Topic: "Standup",
			StartTime: start, EndTime: ptr(start.Add(time.Hour)),
		}, segs))
	}
	wuStart := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	e.addMeeting(tb, models.MeetingEnded{UUID: "offsite", MeetingNumber: 555, Topic: "Offsite",
		StartTime: wuStart, EndTime: ptr(wuStart.Add(time.Hour))},
		[]models.Segment{{Name: "Wu", JoinTime: wuStart, LeaveTime: ptr(wuStart.Add(time.Hour)), Status: "in_meeting", Raw: "{}"}})
	old := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	e.addMeeting(tb, models.MeetingEnded{UUID: "old", MeetingNumber: 556, Topic: "Old",
		StartTime: old, EndTime: ptr(old.Add(time.Hour))},
		[]models.Segment{{Name: "Vi", JoinTime: old, LeaveTime: ptr(old.Add(time.Hour)), Status: "in_meeting", Raw: "{}"}})
	failed = e.addMeeting(tb, models.MeetingEnded{UUID: "broken", MeetingNumber: 557, Topic: "Broken",
		StartTime: old, EndTime: ptr(old.Add(time.Hour))}, nil)
	require.NoError(tb, e.store.MarkFailed(context.Background(), failed.ID, "zoom: 4711 no permission"))
	return standup, failed
}

func TestHomePageAnswersTheWeek(t *testing.T) {
	e := newPagesEnv(t)
	standup, failed := e.seedHome(t)

	res, _, doc := e.get(t, models.RoleViewer, "/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Wed 25 Nov – Tue 1 Dec 2026", text(doc.Find(`[data-testid=period]`)))

	// At a glance, each figure a link to what explains it.
	glance := func(id string) (string, string) {
		s := doc.Find(`[data-testid=glance-` + id + `]`)
		href, _ := s.Attr("href")
		return text(s), href
	}
	n, href := glance("meetings")
	assert.Equal(t, "6", n, "five Standups and the Offsite; not the meeting of 10 Nov")
	assert.Equal(t, "/meetings?from=2026-11-25&to=2026-12-01", href)
	n, _ = glance("people")
	assert.Equal(t, "4", n, "Zed, Yan, Xi, Wu")
	n, href = glance("average")
	assert.Equal(t, "78.3 %", n, "(100+100+65+65+40+100)/6")
	assert.Equal(t, "#trend", href)
	n, href = glance("failed")
	assert.Equal(t, "1", n)
	assert.Equal(t, "#failures", href, "a viewer cannot open the queue")
	assert.Equal(t, "Broken", text(doc.Find(`[data-testid=failure] a`)))
	assert.Contains(t, text(doc.Find(`[data-testid=failure]`)), "4711 no permission")
	href, _ = doc.Find(`[data-testid=failure] a`).Attr("href")
	assert.Equal(t, meetingURL(failed.ID), href)

	// The days, as a table and as a chart with a linked dot per measured day.
	var days []string
	doc.Find(`[data-testid=home-day]`).Each(func(_ int, s *goquery.Selection) {
		var cells []string
		s.Children().Each(func(_ int, c *goquery.Selection) { cells = append(cells, text(c)) })
		days = append(days, strings.Join(cells, " "))
	})
	assert.Equal(t, []string{
		"Wed 25 Nov 0 0 —", "Thu 26 Nov 1 3 100.0", "Fri 27 Nov 1 2 100.0", "Sat 28 Nov 1 2 65.0",
		"Sun 29 Nov 1 2 65.0", "Mon 30 Nov 2 3 70.0", "Tue 1 Dec 0 0 —",
	}, days)
	chart := doc.Find(`[data-testid=home-trend] svg`)
	require.Equal(t, 1, chart.Length())
	assert.Equal(t, "img", chart.AttrOr("role", ""))
	assert.Equal(t, 5, chart.Find(`[data-testid=chart-dot]`).Length(), "no dot for a day without meetings")
	assert.Equal(t, 7, chart.Find(`[data-testid=chart-bar]`).Length())
	assert.Contains(t, text(chart.Find("desc")), "Mon 30 Nov: 2 meetings, 3 people, average attendance 70.0 %.")
	dot, _ := chart.Find(`a`).First().Attr("href")
	assert.Equal(t, "/meetings?from=2026-11-26&to=2026-11-26", dot)

	// The series that fell, from its previous instance to its latest.
	fall := doc.Find(`[data-testid=falling-series]`)
	require.Equal(t, 1, fall.Length(), "Standup fell; the Offsite has one instance")
	assert.Equal(t, "−25.0 points", text(fall.Find(`[data-testid=fall]`)))
	assert.Contains(t, text(fall), "65.0 % (2 people) → 40.0 % (2 people)")
	href, _ = fall.Find(`a`).First().Attr("href")
	assert.Equal(t, seriesURL(homeSeriesNumber), href)
	var links []string
	fall.Find(`a`).Each(func(_ int, s *goquery.Selection) { links = append(links, s.AttrOr("href", "")) })
	assert.Equal(t, []string{seriesURL(homeSeriesNumber), meetingURL(standup[3].ID), meetingURL(standup[4].ID)}, links)

	// Zed slips: present twice, then 30 % three times. Xi came once only.
	slip := doc.Find(`[data-testid=slipping-person]`)
	require.Equal(t, 1, slip.Length())
	assert.Equal(t, "Zed", text(slip.Find(`[data-testid=slipping-name]`)))
	assert.Contains(t, text(slip), "30.0 % → 30.0 % → 30.0 % (present at 2 earlier meetings)")
	href, _ = slip.Find(`[data-testid=slipping-name]`).Attr("href")
	assert.Equal(t, personURL("e:zed@example.com"), href)
	assert.Contains(t, slip.Find(`[data-testid=sparkline]`).AttrOr("aria-label", ""), "30 %, 30 %, 30 %")

	// An identity link counts two people as one here too, at once (the
	// remembered attendance was computed without it).
	require.NoError(t, e.store.Link(context.Background(), "n:wu", "e:xi@example.com", "admin@example.com", e.now))
	_, _, doc = e.get(t, models.RoleViewer, "/")
	assert.Equal(t, "3", text(doc.Find(`[data-testid=glance-people]`)), "Wu is Xi now")
}

func TestHomePageLinksFailuresToTheQueueForAdmins(t *testing.T) {
	e := newPagesEnv(t)
	res, _, doc := e.get(t, models.RoleAdmin, "/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "0", text(doc.Find(`[data-testid=glance-failed]`)))
	assert.Equal(t, "/admin/jobs", doc.Find(`[data-testid=glance-failed]`).AttrOr("href", ""))
	assert.Equal(t, "—", text(doc.Find(`[data-testid=glance-average]`)), "no meeting: no average")
	assert.Equal(t, 1, doc.Find(`[data-testid=no-falling]`).Length())
	assert.Equal(t, 1, doc.Find(`[data-testid=no-slipping]`).Length())
	assert.Equal(t, 0, doc.Find(`[data-testid=home-trend] [data-testid=chart-dot]`).Length())
}

func TestSeriesLinkOnlyForASeriesOfTwoOrMore(t *testing.T) {
	e := newPagesEnv(t)
	standup, _ := e.seedHome(t)
	_, _, doc := e.get(t, models.RoleViewer, meetingURL(standup[0].ID))
	assert.Equal(t, seriesURL(homeSeriesNumber), doc.Find(`[data-testid=series-link]`).AttrOr("href", ""))

	_, _, doc = e.get(t, models.RoleViewer, "/meetings")
	rows := map[string]int{}
	doc.Find(`[data-testid=meeting-row]`).Each(func(_ int, s *goquery.Selection) {
		rows[text(s.Find(`[data-testid=meeting-link]`))] = s.Find(`[data-testid=series-link]`).Length()
	})
	assert.Equal(t, map[string]int{"Standup": 1, "Offsite": 0, "Old": 0, "Broken": 0}, rows)
	offsite := doc.Find(`[data-testid=meeting-row]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return text(s.Find(`[data-testid=meeting-link]`)) == "Offsite"
	}).AttrOr("data-id", "")
	_, _, doc = e.get(t, models.RoleViewer, "/meetings/"+offsite)
	assert.Equal(t, 0, doc.Find(`[data-testid=series-link]`).Length(), "a one-column matrix explains nothing")

	_, _, doc = e.get(t, models.RoleViewer, seriesURL(homeSeriesNumber))
	assert.Equal(t, "5 instances, 3 people.", text(doc.Find(`[data-testid=series-count]`)))
	assert.Equal(t, 3, doc.Find(`[data-testid=series-person] [data-testid=sparkline]`).Length())
	assert.Equal(t, 5, doc.Find(`[data-testid=series-trend] [data-testid=chart-dot]`).Length())
	assert.Contains(t, text(doc.Find(`[data-testid=series-trend] desc`)), "average attendance 40.0 %, 0 present")
}

func TestPersonPageShowsFactsBeforeTheKey(t *testing.T) {
	e := newPagesEnv(t)
	e.seedHome(t)
	_, _, doc := e.get(t, models.RoleViewer, personURL("e:zed@example.com"))
	assert.Equal(t, 0, doc.Find(`dl.summary [data-testid=person-key]`).Length(), "the key is not a fact a manager reads first")
	assert.Equal(t, "e:zed@example.com", text(doc.Find(`[data-testid=person-key]`)))
	assert.Equal(t, "58.0 %", text(doc.Find(`[data-testid=person-avg]`)), "(100+100+30+30+30)/5")
	label := doc.Find(`[data-testid=person-trend] [data-testid=sparkline]`).AttrOr("aria-label", "")
	assert.Equal(t, "Attendance of Zed per meeting, oldest first: 100 %, 100 %, 30 %, 30 %, 30 %", label)
}
