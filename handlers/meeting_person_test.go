package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// A meeting over inlineSessionsMax segments lists every person without
// their sessions; each name links to a page with them, which works without
// script and agrees with the row.
func TestLargeMeetingLinksEachPersonsSessions(t *testing.T) {
	e := newPagesEnv(t)
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	segs := bigMeetingSegments(start)
	require.Greater(t, len(segs), inlineSessionsMax)
	m := e.addMeeting(t, models.MeetingEnded{UUID: "big==", MeetingNumber: 1, Topic: "All hands", StartTime: start, EndTime: &end}, segs)

	res, _, doc := e.get(t, models.RoleViewer, meetingURL(m.ID)+"?tz=UTC")
	require.Equal(t, http.StatusOK, res.StatusCode)
	people := doc.Find(`[data-testid=person]`)
	assert.Equal(t, 1000, people.Length())
	assert.Equal(t, 0, doc.Find(`[data-testid=segment]`).Length(), "sessions are not inline")
	assert.Equal(t, 0, doc.Find(`details`).Length())
	assert.Equal(t, 1000, doc.Find(`[data-testid=sessions-link]`).Length())
	assert.Equal(t, 3000, doc.Find(`[data-testid=timeline] [data-testid=bar]`).Length(), "the timeline stays whole")

	// Person 0000 has a waiting-room row: 2 sessions, 3 segments.
	row := people.FilterFunction(func(_ int, s *goquery.Selection) bool {
		return text(s.Find(`[data-testid=person-name]`)) == "Person 0000"
	})
	require.Equal(t, 1, row.Length())
	href, _ := row.Find(`[data-testid=sessions-link]`).Attr("href")
	assert.Equal(t, meetingURL(m.ID)+"/people/"+url.PathEscape("e:p0000@example.com")+"?tz=UTC", href)

	res, _, pdoc := e.get(t, models.RoleViewer, href)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Person 0000", text(pdoc.Find(`h1[data-testid=person-name]`)))
	assert.Equal(t, 3, pdoc.Find(`[data-testid=segment]`).Length())
	assert.Equal(t, 1, pdoc.Find(`[data-testid=segment].waiting`).Length())
	assert.Equal(t, text(row.Find(`[data-testid=sessions]`)), text(pdoc.Find(`[data-testid=sessions]`)))
	assert.Equal(t, row.Find(`[data-testid=attended]`).AttrOr("data-seconds", "row"), pdoc.Find(`[data-testid=attended]`).AttrOr("data-seconds", "page"))
	assert.Equal(t, text(row.Find(`[data-testid=percent]`))+" %", text(pdoc.Find(`[data-testid=percent]`)))
	assert.Equal(t, "10:00:00", text(pdoc.Find(`[data-testid=first-join]`)), "in the zone the link carried")
	back, _ := pdoc.Find(`[data-testid=meeting-link]`).Attr("href")
	assert.Equal(t, meetingURL(m.ID)+"?tz=UTC#people", back)
	assert.Equal(t, "All hands", text(pdoc.Find(`[data-testid=meeting-link]`)))
}

// A small meeting keeps its sessions inline, and its people have the same
// page too; keys with "/" reach it escaped; anyone else is a 404.
func TestMeetingPersonPage(t *testing.T) {
	e := newPagesEnv(t)
	m, _ := e.seedWeekly(t)
	_, _, doc := e.get(t, models.RoleViewer, meetingURL(m.ID))
	assert.Equal(t, 0, doc.Find(`[data-testid=sessions-link]`).Length(), "a small meeting's sessions are inline")

	res, _, pdoc := e.get(t, models.RoleViewer, meetingPersonURL(m.ID, "n:cat"))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Cat", text(pdoc.Find(`h1[data-testid=person-name]`)))
	assert.Equal(t, 2, pdoc.Find(`[data-testid=segment]`).Length())
	assert.Equal(t, 1, pdoc.Find(`[data-testid=segment].waiting`).Length())
	assert.Equal(t, "3600", pdoc.Find(`[data-testid=attended]`).AttrOr("data-seconds", ""))
	// The leave reason's <br> is a line break here too.
	reason := pdoc.Find(`[data-testid=segment]`).Last().Find("td").Last()
	assert.Equal(t, 1, reason.Find("br").Length())

	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	slash := models.Segment{Name: "Sol", ParticipantUserID: "a/b+c", JoinTime: start, LeaveTime: &end, Status: "in_meeting", Raw: "{}"}
	other := e.addMeeting(t, models.MeetingEnded{UUID: "slash==", MeetingNumber: 2, StartTime: start, EndTime: &end}, []models.Segment{slash})
	path := meetingPersonURL(other.ID, "u:a/b+c")
	assert.True(t, strings.Contains(path, "%2F"), path)
	res, _, pdoc = e.get(t, models.RoleViewer, path)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Sol", text(pdoc.Find(`h1[data-testid=person-name]`)))

	for _, p := range []string{
		meetingPersonURL(m.ID, "n:nobody"),              // not in this meeting
		meetingPersonURL(other.ID, "n:cat"),             // in another one
		meetingURL(m.ID) + "/people/",                   // no key
		meetingPersonURL(999_999, "n:cat"),              // no such meeting
		"/meetings/x/people/" + url.PathEscape("n:cat"), // bad id
	} {
		res, _, _ := e.get(t, models.RoleViewer, p)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
	}
}
