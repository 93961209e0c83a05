package handlers

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/views"
)

// seriesInstanceLimit is how many of a series' latest instances the matrix
// shows.
const seriesInstanceLimit = 60

// showSeriesPage shows the people × instances matrix of a recurring
// meeting: each person's attended minutes and % per instance, present or
// not, and their totals.
func (h *Handlers) showSeriesPage(c *gin.Context) {
	// /series/:number.csv arrives here too: Gin cannot register it beside
	// /series/:number, so the CSV export (export_series.go) is dispatched
	// from the page's handler.
	if number, ok := strings.CutSuffix(c.Param("number"), ".csv"); ok {
		h.exportSeries(c, number)
		return
	}
	u := currentUser(c)
	number, err := strconv.ParseInt(c.Param("number"), 10, 64)
	if err != nil {
		h.fail(c, errStatus(http.StatusNotFound, "not found", err))
		return
	}
	loc, err := h.viewerZone(c, u)
	if err != nil {
		h.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	ms, err := h.store.SeriesInstances(ctx, number, seriesInstanceLimit)
	if err != nil {
		h.fail(c, err)
		return
	}
	ids := make([]uint64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	segs, err := h.store.SegmentsOf(ctx, ids)
	if err != nil {
		h.fail(c, err)
		return
	}
	p := h.seriesPage(ms, segs, loc)
	p.Number = number
	p.Truncated = len(ms) == seriesInstanceLimit
	p.Page = h.frame(c, u, p.Topic+" (series)", "meetings", loc.String())
	render(c, http.StatusOK, views.Series(p))
}

// seriesPage computes every instance's attendance and lays out the matrix.
// People are rows, by name; a person's row uses their latest name and email.
// Averages count an instance the person missed as 0 %.
func (h *Handlers) seriesPage(ms []models.Meeting, segs map[uint64][]models.Segment, loc *time.Location) views.SeriesPage {
	th, now := h.thresholds(), h.cfg.Now()
	k := clock{loc: loc}
	p := views.SeriesPage{Instances: make([]views.SeriesInstance, len(ms))}
	type row struct {
		name, email string
		cells       []views.SeriesCell
		secs        int64
		pct         float64
		present     int
		attended    int
	}
	rows := map[string]*row{}
	for i, m := range ms {
		if m.Topic != "" {
			p.Topic = m.Topic // the latest instance's topic
		}
		p.Instances[i] = views.SeriesInstance{
			URL: meetingURL(m.ID), Start: k.full(m.StartTime), Short: m.StartTime.In(loc).Format("Jan 2"),
		}
		as := models.ComputeAttendance(segs[m.ID], models.Window{Start: m.StartTime, End: m.EndTime, Now: now}, th)
		for _, a := range as {
			r := rows[a.Key]
			if r == nil {
				r = &row{cells: make([]views.SeriesCell, len(ms))}
				rows[a.Key] = r
			}
			if a.Name != "" {
				r.name = a.Name
			}
			if a.Email != "" {
				r.email = a.Email
			}
			r.cells[i] = views.SeriesCell{
				Attended: true, Minutes: oneDecimal(a.AttendedMinutes()),
				Percent: oneDecimal(a.PercentRounded()), Present: a.Present,
			}
			r.secs += a.AttendedSeconds
			r.pct += a.Percent
			r.attended++
			if a.Present {
				r.present++
			}
		}
	}
	for key, r := range rows {
		name := r.name
		if name == "" {
			name = "(no name)"
		}
		p.People = append(p.People, views.SeriesPerson{
			Key: key, URL: personURL(key), Name: name, Email: r.email, Cells: r.cells,
			TotalMinutes:  oneDecimal(math.Round(float64(r.secs)/6) / 10), // as AttendedMinutes and the CSV round
			PresentCount:  r.present,
			AttendedCount: r.attended,
			AvgPercent:    oneDecimal(r.pct / float64(len(ms))),
		})
	}
	slices.SortFunc(p.People, func(a, b views.SeriesPerson) int {
		if c := cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	if p.Topic == "" {
		p.Topic = "Meeting " + strconv.FormatInt(ms[len(ms)-1].MeetingNumber, 10)
	}
	return p
}
