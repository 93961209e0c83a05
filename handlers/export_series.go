package handlers

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
)

// seriesLeadColumns open series.csv; one column per instance follows
// (headed by its start time, RFC 3339 in the export's zone), then
// seriesTotalColumns.
var seriesLeadColumns = []string{"name", "email", "person_key"}

// seriesTotalColumns close each row of series.csv: how many instances the
// person attended (had a row in) and was present at, their attended time
// over all instances in seconds and in minutes (one decimal), and their
// mean attendance % over all instances, a missed one counting as 0 (as
// the series page averages).
var seriesTotalColumns = []string{
	"attended_instances", "present_instances", "total_seconds", "total_minutes", "average_percent",
	"absent_instances",
}

// seriesEncoder writes series.csv: the people × instances matrix of a
// recurring meeting, cells in attended minutes with one decimal ("absent"
// where the person was expected and did not come, empty where they were
// not there otherwise), then the totals.
type seriesEncoder struct {
	s   *csvStream
	rec []string
}

// newSeriesEncoder writes the header for instances (oldest first) to w.
func newSeriesEncoder(w io.Writer, loc *time.Location, bom bool, instances []models.Meeting) *seriesEncoder {
	header := slices.Clone(seriesLeadColumns)
	for i := range instances {
		header = append(header, csvTime(instances[i].StartTime, loc))
	}
	header = append(header, seriesTotalColumns...)
	return &seriesEncoder{s: newCSVStream(w, bom, header)}
}

// Encode writes one person's row.
func (e *seriesEncoder) Encode(p *models.SeriesPerson) error {
	e.rec = append(e.rec[:0], p.Name, p.Email, p.Key)
	for _, c := range p.Cells {
		if !c.Attended {
			if c.Absent {
				e.rec = append(e.rec, "absent")
			} else {
				e.rec = append(e.rec, "")
			}
			continue
		}
		e.rec = append(e.rec, csvDecimal(c.Minutes()))
	}
	t := &p.Totals // the average is formatted as the series page does, without rounding first
	e.rec = append(e.rec, strconv.Itoa(t.Attended), strconv.Itoa(t.Present),
		csvUint(t.Seconds), csvDecimal(t.Minutes()), csvDecimal(t.AveragePercent()), strconv.Itoa(t.Absent))
	return e.s.write(e.rec)
}

// Close flushes the file and returns the first error writing it.
func (e *seriesEncoder) Close() error { return e.s.close() }

// seriesExportLimit bounds how many instances series.csv holds (the page
// shows the latest 60; the file is for the whole history).
const seriesExportLimit = 10_000

// exportSeries serves /series/:number.csv (dispatched from showSeriesPage,
// as Gin cannot route both): every instance of the recurring meeting
// number, oldest first, one column each; people by name. Instances are
// computed one at a time, so memory holds the matrix and one meeting's
// segments.
func (h *Handlers) exportSeries(c *gin.Context, numberParam string) error {
	sr, ms, opt, err := h.seriesExport(c, numberParam)
	if err != nil {
		return err
	}
	w := startCSV(c, fileName{topic: sr.Topic, kind: "series", dates: seriesDates(ms, opt.loc), loc: opt.loc})
	enc := newSeriesEncoder(w, opt.loc, opt.bom, ms)
	for i := range sr.People {
		if err := enc.Encode(&sr.People[i]); err != nil {
			return exportFailed(c, err)
		}
	}
	if err := enc.Close(); err != nil {
		return exportFailed(c, err)
	}
	return nil
}

// seriesExport computes what a series export holds (series.csv and
// series.xlsx): the matrix of every instance of the meeting number, the
// instances oldest first, and the export's options.
func (h *Handlers) seriesExport(c *gin.Context, numberParam string) (models.Series, []models.Meeting, csvOptions, error) {
	number, err := strconv.ParseInt(numberParam, 10, 64)
	if err != nil {
		return models.Series{}, nil, csvOptions{}, errStatus(http.StatusNotFound, "not found", err)
	}
	opt, err := h.exportOptions(c)
	if err != nil {
		return models.Series{}, nil, csvOptions{}, err
	}
	ctx := c.Request.Context()
	ms, err := h.store.SeriesInstances(ctx, number, seriesExportLimit)
	if err != nil {
		return models.Series{}, nil, csvOptions{}, err
	}
	now, th := h.cfg.Now(), h.thresholds()
	b := models.NewSeriesBuilder(number, ms, now, th)
	rolls := h.store.NewRollLoader() // rosters and identity links, read once
	for i := range ms {
		segs, err := h.store.SegmentsForPage(ctx, ms[i].ID)
		if err != nil {
			return models.Series{}, nil, csvOptions{}, err
		}
		roll, err := rolls.Roll(ctx, ms[i], segs, now, th)
		if err != nil {
			return models.Series{}, nil, csvOptions{}, err
		}
		b.AddRoll(i, roll)
	}
	return b.Series(), ms, opt, nil
}

// seriesDates is the date part of a series export's file name: the first
// and the last instance's day.
func seriesDates(ms []models.Meeting, loc *time.Location) string {
	return ms[0].StartTime.In(loc).Format("2006-01-02") + "_" + ms[len(ms)-1].StartTime.In(loc).Format("2006-01-02")
}
