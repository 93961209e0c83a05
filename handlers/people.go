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
// their person key (DESIGN.md §6). The route is a catch-all because keys
// may contain "/" (participant UUIDs do).
func (h *Handlers) showPersonPage(c *gin.Context) {
	u := currentUser(c)
	key := strings.TrimPrefix(c.Param("key"), "/")
	if key == "" {
		h.fail(c, errStatus(http.StatusNotFound, "not found", nil))
		return
	}
	loc, err := h.viewerZone(c, u)
	if err != nil {
		h.fail(c, err)
		return
	}
	pms, err := h.store.PersonMeetings(c.Request.Context(), key, personMeetingLimit)
	if err != nil {
		h.fail(c, err)
		return
	}
	th, now := h.thresholds(), h.cfg.Now()
	k := clock{loc: loc}
	p := views.PersonPage{Key: key}
	var secs int64
	for _, pm := range pms {
		m := pm.Meeting
		as := models.ComputeAttendance(pm.Segments, models.Window{Start: m.StartTime, End: m.EndTime, Now: now}, th)
		if len(as) == 0 {
			continue
		}
		a := as[0] // every segment has the same key: one person
		if p.Name == "" && a.Name != "" {
			p.Name = a.Name // the latest meeting's name
		}
		if p.Email == "" && a.Email != "" {
			p.Email = a.Email
		}
		topic := m.Topic
		if topic == "" {
			topic = "(no topic)"
		}
		p.Rows = append(p.Rows, views.PersonMeetingRow{
			URL: meetingURL(m.ID), Topic: topic, Start: k.list(m.StartTime),
			Minutes: oneDecimal(a.AttendedMinutes()), Percent: oneDecimal(a.PercentRounded()),
			Sessions: a.Sessions, Late: a.Late, LeftEarly: a.LeftEarly, Present: a.Present,
		})
		secs += a.AttendedSeconds
		if a.Present {
			p.PresentCount++
		}
	}
	p.TotalMinutes = oneDecimal(float64(secs/6) / 10)
	if p.Name == "" {
		p.Name = key
	}
	p.Page = h.frame(c, u, p.Name, "meetings", loc.String())
	render(c, http.StatusOK, views.Person(p))
}
