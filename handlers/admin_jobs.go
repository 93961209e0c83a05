package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// jobsPageLimit is how many unfinished meetings the queue view lists.
const jobsPageLimit = 200

// showJobsPage shows admins the meetings whose fetch is pending, running or
// failed, with the last error and a retry button, and counts per status.
func (h *Handlers) showJobsPage(c *gin.Context) error {
	u := currentUser(c) // an admin: the route is in the admin group
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	counts, err := h.store.CountByStatus(ctx)
	if err != nil {
		return err
	}
	ms, err := h.store.MeetingsByStatus(ctx, []string{models.FetchFailed, models.FetchPending, models.FetchFetching}, jobsPageLimit)
	if err != nil {
		return err
	}
	k := clock{loc: loc}
	p := views.JobsPage{Page: h.frame(c, u, "Fetch queue", "admin", loc.String())}
	for _, s := range []string{models.FetchPending, models.FetchFetching, models.FetchFetched, models.FetchFailed} {
		p.Counts = append(p.Counts, views.StatusCount{Status: s, N: counts[s]})
	}
	for _, m := range ms {
		topic := topicLabel(m.Topic)
		p.Rows = append(p.Rows, views.JobRow{
			ID: m.ID, URL: meetingURL(m.ID), Topic: topic, Start: k.list(m.StartTime),
			Status: m.FetchStatus, Attempts: m.FetchAttempts, LastError: m.LastError,
			Updated: k.list(m.UpdatedAt), RefetchURL: meetingURL(m.ID) + "/refetch",
		})
	}
	render(c, http.StatusOK, views.Jobs(p))
	return nil
}
