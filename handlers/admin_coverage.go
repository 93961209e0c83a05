package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/views"
)

// Limits of the coverage page's lists.
const (
	coverageRunsLimit   = 50
	coverageMissedLimit = 200
)

// showCoveragePage shows admins the last sweeps and backfills (when, the
// window, found, already stored, queued, refused, errors) and the meetings
// that reached rollcall only through one of them: the missed webhooks.
func (h *Handlers) showCoveragePage(c *gin.Context) error {
	u := currentUser(c) // an admin: the route is in the admin group
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	runs, err := h.store.CoverageRuns(ctx, coverageRunsLimit)
	if err != nil {
		return err
	}
	missed, err := h.store.MissedWebhookMeetings(ctx, coverageMissedLimit)
	if err != nil {
		return err
	}
	k := clock{loc: loc}
	p := views.CoveragePage{Page: h.frame(c, u, "Coverage", "coverage", loc.String())}
	if h.cfg.SweepEvery > 0 {
		p.SweepEvery, p.SweepLookback = shortDuration(h.cfg.SweepEvery), shortDuration(h.cfg.SweepLookback)
	}
	for _, r := range runs {
		p.Runs = append(p.Runs, views.CoverageRunRow{
			ID: r.ID, Kind: r.Kind, DryRun: r.DryRun, Started: k.list(r.StartedAt),
			Duration: "(" + duration(int64(r.FinishedAt.Sub(r.StartedAt)/time.Second)) + ")",
			From:     k.list(r.WindowFrom), To: k.list(r.WindowTo), Lister: r.Lister,
			Found: r.Found, AlreadyStored: r.AlreadyStored, Queued: r.Queued, Refused: r.Refused, Errors: r.Errors,
		})
	}
	for _, m := range missed {
		topic := topicLabel(m.Topic)
		p.Missed = append(p.Missed, views.MissedRow{
			ID: m.ID, URL: meetingURL(m.ID), Topic: topic, Start: k.list(m.StartTime),
			ArrivedVia: m.ArrivedVia, Status: m.FetchStatus, LastError: m.LastError,
		})
	}
	render(c, http.StatusOK, views.Coverage(p))
	return nil
}

// shortDuration writes d as a setting would be written: 1h, 72h, 90s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
