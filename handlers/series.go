package handlers

import (
	"context"
	"net/http"
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
func (h *Handlers) showSeriesPage(c *gin.Context) error {
	// /series/:number.csv arrives here too: Gin cannot register it beside
	// /series/:number, so the CSV export (export_series.go) is dispatched
	// from the page's handler.
	if number, ok := strings.CutSuffix(c.Param("number"), ".csv"); ok {
		return h.exportSeries(c, number)
	}
	if number, ok := strings.CutSuffix(c.Param("number"), ".xlsx"); ok {
		return h.exportSeriesXLSX(c, number) // export_xlsx.go
	}
	u := currentUser(c)
	number, err := strconv.ParseInt(c.Param("number"), 10, 64)
	if err != nil {
		return errStatus(http.StatusNotFound, "not found", err)
	}
	loc, err := h.viewerZone(c, u)
	if err != nil {
		return err
	}
	ms, sr, err := h.seriesMatrix(c.Request.Context(), number)
	if err != nil {
		return err
	}
	p := h.seriesPage(number, ms, sr, loc)
	p.Number = number
	p.Truncated = len(ms) == seriesInstanceLimit
	p.Page = h.frame(c, u, p.Topic+" (series)", "meetings", loc.String())
	render(c, http.StatusOK, views.Series(p))
	return nil
}

// seriesMatrix reads the latest instances of series number (oldest
// first) and computes its matrix from each instance's roll (identity links
// and expected people applied): what the series page and the API's series
// show. The instances are read with the arrivals the API reports.
func (h *Handlers) seriesMatrix(ctx context.Context, number int64) ([]models.Meeting, models.Series, error) {
	ms, err := h.store.SeriesInstances(ctx, number, seriesInstanceLimit)
	if err != nil {
		return nil, models.Series{}, err
	}
	if err := h.store.FillArrivals(ctx, ms); err != nil {
		return nil, models.Series{}, err
	}
	ids := make([]uint64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	segs, err := h.store.SegmentsOf(ctx, ids)
	if err != nil {
		return nil, models.Series{}, err
	}
	ins, err := h.store.RollInputsFor(ctx, ms)
	if err != nil {
		return nil, models.Series{}, err
	}
	return ms, models.BuildRolledSeries(number, ms, segs, ins, h.cfg.Now(), h.thresholds()), nil
}

// seriesPage lays out series matrix sr of the instances ms for the page. A
// person without a name shows as "(no name)".
func (h *Handlers) seriesPage(number int64, ms []models.Meeting, sr models.Series, loc *time.Location) views.SeriesPage {
	th := h.thresholds()
	k := clock{loc: loc}
	p := views.SeriesPage{
		Topic:       sr.Topic,
		RosterURL:   rosterURL(number),
		HasExpected: sr.HasExpected,
		Instances:   make([]views.SeriesInstance, len(ms)),
		People:      make([]views.SeriesPerson, len(sr.People)),
	}
	points := make([]views.ChartPoint, len(ms))
	for i, m := range ms {
		p.Instances[i] = views.SeriesInstance{
			URL: meetingURL(m.ID), Start: k.full(m.StartTime), Short: m.StartTime.In(loc).Format("Jan 2"),
		}
		points[i] = instancePoint(sr.Totals[i], p.Instances[i])
	}
	// Absences: a series with a roster sets ShowAbsent and each point's
	// Absent (expected people matched to nobody); the chart draws them
	// stacked on the head count.
	p.Trend = views.NewTrendChart(views.ChartInput{
		ID: "series-trend", Title: "Attendance of " + sr.Topic + " per instance",
		Desc:   "Average attendance of each instance (line) and the people who came (bars), oldest first.",
		Points: points, Threshold: th.PresentPercent, ShowAbsent: sr.HasExpected,
	})
	for i, r := range sr.People {
		name := r.Name
		if name == "" {
			name = "(no name)"
		}
		cells := make([]views.SeriesCell, len(r.Cells))
		spark := make([]views.SparkValue, len(r.Cells))
		for j, c := range r.Cells {
			spark[j] = views.SparkValue{Percent: c.Percent, Attended: c.Attended}
			if c.Attended {
				cells[j] = views.SeriesCell{
					Attended: true, Minutes: oneDecimal(c.Minutes()), Percent: oneDecimal(c.PercentRounded()), Present: c.Present,
				}
			} else {
				cells[j].Absent = c.Absent
			}
		}
		p.People[i] = views.SeriesPerson{
			Key: r.Key, URL: personURL(r.Key), Name: name, Email: r.Email, Cells: cells,
			TotalMinutes:  oneDecimal(r.Totals.Minutes()),
			PresentCount:  r.Totals.Present,
			AttendedCount: r.Totals.Attended,
			AvgPercent:    oneDecimal(r.Totals.AveragePercent()),
			Spark:         views.NewSparkline("Attendance of "+name+" per instance", spark, th.PresentPercent),
		}
	}
	return p
}

// instancePoint is one instance of the series trend chart.
func instancePoint(t models.InstanceTotals, in views.SeriesInstance) views.ChartPoint {
	pt := views.ChartPoint{Label: in.Short, URL: in.URL, Count: t.People, HasPercent: t.People > 0, Percent: t.AveragePercent}
	pt.Title = in.Start.Text + ": " + views.Count(t.People, "person", "people")
	if t.People > 0 {
		pt.Title += ", average attendance " + oneDecimal(tenth(t.AveragePercent)) + " %, " + strconv.Itoa(t.Present) + " present"
	}
	if t.Absent > 0 {
		pt.Absent = t.Absent
		pt.Title += ", " + strconv.Itoa(t.Absent) + " absent"
	}
	return pt
}
