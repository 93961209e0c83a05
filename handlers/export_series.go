package handlers

import (
	"cmp"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
}

// seriesPerson is one row of series.csv.
type seriesPerson struct {
	key, name, email string
	// secs holds the attended seconds per instance; -1 where the person
	// has no row (did not attend).
	secs              []int64
	pct               float64 // sum of unrounded percents
	attended, present int
	total             int64
}

// seriesEncoder writes series.csv: the people × instances matrix of a
// recurring meeting, cells in attended minutes with one decimal (empty
// where the person did not attend), then the totals.
type seriesEncoder struct {
	s         *csvStream
	instances int
	rec       []string
}

// newSeriesEncoder writes the header for instances (oldest first) to w.
func newSeriesEncoder(w io.Writer, loc *time.Location, bom bool, instances []models.Meeting) *seriesEncoder {
	header := slices.Clone(seriesLeadColumns)
	for i := range instances {
		header = append(header, csvTime(instances[i].StartTime, loc))
	}
	header = append(header, seriesTotalColumns...)
	return &seriesEncoder{s: newCSVStream(w, bom, header), instances: len(instances)}
}

// Encode writes one person's row.
func (e *seriesEncoder) Encode(p *seriesPerson) error {
	e.rec = append(e.rec[:0], p.name, p.email, p.key)
	for _, s := range p.secs {
		if s < 0 {
			e.rec = append(e.rec, "")
			continue
		}
		e.rec = append(e.rec, csvDecimal(minutes(s)))
	}
	avg := 0.0 // formatted as the series page does, without rounding first
	if e.instances > 0 {
		avg = p.pct / float64(e.instances)
	}
	e.rec = append(e.rec, strconv.Itoa(p.attended), strconv.Itoa(p.present),
		csvUint(p.total), csvDecimal(minutes(p.total)), csvDecimal(avg))
	return e.s.write(e.rec)
}

// Close flushes the file and returns the first error writing it.
func (e *seriesEncoder) Close() error { return e.s.close() }

// minutes is seconds ÷ 60 with one decimal, halves away from zero, as
// models.Attendance.AttendedMinutes rounds.
func minutes(secs int64) float64 {
	return models.Attendance{AttendedSeconds: secs}.AttendedMinutes()
}

// seriesExportLimit bounds how many instances series.csv holds (the page
// shows the latest 60; the file is for the whole history).
const seriesExportLimit = 10_000

// exportSeries serves /series/:number.csv (dispatched from showSeriesPage,
// as Gin cannot route both): every instance of the recurring meeting
// number, oldest first, one column each; people by name. Instances are
// computed one at a time, so memory holds the matrix and one meeting's
// segments.
func (h *Handlers) exportSeries(c *gin.Context, numberParam string) {
	number, err := strconv.ParseInt(numberParam, 10, 64)
	if err != nil {
		h.fail(c, errStatus(http.StatusNotFound, "not found", err))
		return
	}
	opt, err := h.exportOptions(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	ms, err := h.store.SeriesInstances(ctx, number, seriesExportLimit)
	if err != nil {
		h.fail(c, err)
		return
	}
	people := map[string]*seriesPerson{}
	topic := ""
	for i := range ms {
		m := &ms[i]
		if m.Topic != "" {
			topic = m.Topic // the latest instance's
		}
		segs, err := h.store.SegmentsForPage(ctx, m.ID)
		if err != nil {
			h.fail(c, err)
			return
		}
		for _, a := range h.attendanceOf(m, segs) {
			p := people[a.Key]
			if p == nil {
				p = &seriesPerson{key: a.Key, secs: make([]int64, len(ms))}
				for j := range p.secs {
					p.secs[j] = -1
				}
				people[a.Key] = p
			}
			if a.Name != "" {
				p.name = a.Name
			}
			if a.Email != "" {
				p.email = a.Email
			}
			p.secs[i] = a.AttendedSeconds
			p.total += a.AttendedSeconds
			p.pct += a.Percent
			p.attended++
			if a.Present {
				p.present++
			}
		}
	}
	rows := make([]*seriesPerson, 0, len(people))
	for _, p := range people {
		rows = append(rows, p)
	}
	// The series page's order: by name (case-insensitive), then key.
	slices.SortFunc(rows, func(a, b *seriesPerson) int {
		if c := cmp.Compare(strings.ToLower(a.name), strings.ToLower(b.name)); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	if topic == "" {
		topic = "Meeting " + strconv.FormatInt(number, 10)
	}
	dates := ms[0].StartTime.In(opt.loc).Format("2006-01-02") + "_" + ms[len(ms)-1].StartTime.In(opt.loc).Format("2006-01-02")
	w := startCSV(c, fileName{topic: topic, kind: "series", dates: dates, loc: opt.loc})
	enc := newSeriesEncoder(w, opt.loc, opt.bom, ms)
	for _, p := range rows {
		if err := enc.Encode(p); err != nil {
			h.exportFailed(c, err)
			return
		}
	}
	if err := enc.Close(); err != nil {
		h.exportFailed(c, err)
	}
}
