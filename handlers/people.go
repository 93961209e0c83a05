package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// personMeetingLimit is how many of a person's latest meetings their page
// lists.
const personMeetingLimit = 200

// showPersonPage shows one person's attendance across meetings, found by
// their person key (docs/ARCHITECTURE.md). The route is a catch-all because keys
// may contain "/" (participant UUIDs do).
func (h *Handlers) showPersonPage(c *gin.Context) error {
	u := currentUser(c)
	key := strings.TrimPrefix(c.Param("key"), "/")
	if key == "" {
		return errStatus(http.StatusNotFound, "not found", nil)
	}
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	pms, err := h.store.PersonMeetings(c.Request.Context(), key, personMeetingLimit)
	if err != nil {
		return err
	}
	ph := models.BuildPersonHistory(key, pms, h.cfg.Now(), h.thresholds())
	k := clock{loc: loc}
	p := views.PersonPage{
		Key: key, Name: ph.Name, Email: ph.Email,
		TotalMinutes: oneDecimal(ph.Totals.Minutes()), PresentCount: ph.Totals.Present,
	}
	spark := make([]views.SparkValue, len(ph.Meetings))
	for i, pa := range ph.Meetings {
		spark[len(spark)-1-i] = views.SparkValue{Percent: pa.Attendance.Percent, Attended: true} // oldest first
		m, a := pa.Meeting, pa.Attendance
		topic := topicLabel(m.Topic)
		p.Rows = append(p.Rows, views.PersonMeetingRow{
			URL: meetingURL(m.ID), Topic: topic, Start: k.list(m.StartTime),
			Minutes: oneDecimal(a.AttendedMinutes()), Percent: oneDecimal(a.PercentRounded()),
			Sessions: a.Sessions, Late: a.Late, LeftEarly: a.LeftEarly, Present: a.Present,
		})
	}
	if p.Name == "" {
		p.Name = key
	}
	p.AvgPercent = oneDecimal(tenth(ph.Totals.AveragePercent()))
	p.Spark = views.NewSparkline("Attendance of "+p.Name+" per meeting", spark, h.thresholds().PresentPercent)
	p.Page = h.frame(c, u, p.Name, "meetings", loc.String())
	render(c, http.StatusOK, views.Person(p))
	return nil
}
