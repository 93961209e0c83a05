package handlers

import (
	"errors"
	"net/http"
	"slices"
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
	ctx := c.Request.Context()
	links, err := h.store.Links(ctx)
	if err != nil {
		return err
	}
	ids := models.NewPersonLinks(links)
	keys := ids.Group(key)
	// A key with no segment is still a person while it has links or was
	// expected somewhere (an absentee): 404 only when it is none of these.
	pms, notSeen := h.store.PersonMeetingsOfKeys(ctx, keys, personMeetingLimit)
	if notSeen != nil && !errors.Is(notSeen, models.ErrNotFound) {
		return notSeen
	}
	now, th := h.cfg.Now(), h.thresholds()
	ph := models.BuildLinkedPersonHistory(key, pms, now, th, ids)
	missed, err := h.store.PersonMissed(ctx, ph, keys, ids, now, th, personMeetingLimit)
	if err != nil {
		return err
	}
	if notSeen != nil && len(keys) == 1 && len(missed) == 0 {
		return notSeen
	}
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
	p.Identity = identityView(key, keys, links, missed, k, u.IsAdmin())
	p.Identity.Notice, p.Identity.Problem = h.takeFlash(c)
	p.AvgPercent = oneDecimal(tenth(ph.Totals.AveragePercent()))
	p.Spark = views.NewSparkline("Attendance of "+p.Name+" per meeting", spark, h.thresholds().PresentPercent)
	p.Page = h.frame(c, u, p.Name, "meetings", loc.String())
	render(c, http.StatusOK, views.Person(p))
	return nil
}

// identityView lays out the links of the person key (whose group is keys)
// and the instances they missed.
func identityView(key string, keys []string, links []models.IdentityLink, missed []models.MissedMeeting, k clock, admin bool) views.Identity {
	v := views.Identity{CanEdit: admin, MergeURL: personURL(key) + "/merge"}
	if len(keys) > 1 {
		v.Keys = keys
	}
	for _, l := range links {
		if !slices.Contains(keys, l.FromKey) {
			continue
		}
		v.Links = append(v.Links, views.LinkRow{From: l.FromKey, Into: l.IntoKey, FromURL: personURL(l.FromKey),
			IntoURL: personURL(l.IntoKey), By: l.CreatedBy, At: k.full(l.CreatedAt), UnmergeURL: personURL(l.FromKey) + "/unmerge"})
	}
	for _, mm := range missed {
		v.Missed = append(v.Missed, views.MissedMeetingRow{URL: meetingURL(mm.Meeting.ID), Topic: topicLabel(mm.Meeting.Topic),
			Start: k.list(mm.Meeting.StartTime), Reason: mm.Reason})
	}
	return v
}
