package handlers

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"rollcall/models"
)

// Excel exports (docs/ARCHITECTURE.md, "Spreadsheets"): attendance.xlsx,
// sessions.xlsx and /series/{n}.xlsx hold the CSVs' columns as typed cells,
// written with excelize's StreamWriter:
//
//   - Text is an inline string cell, always: an id keeps its leading '-',
//     '+' or zeros, a long numeric id keeps every digit, and a value that
//     begins with '=' is text, never a formula (so no "'" guard is needed,
//     and none is added).
//   - Times are date cells (a number with a date format) holding the wall
//     clock time in the export's zone (?tz=, as the CSVs), which the file
//     name names; spreadsheets have no zones.
//   - Counts and seconds are numbers, minutes and percentages numbers shown
//     with one decimal. Flags are the text "true" or "false", as in the
//     CSVs: a boolean cell opens in LibreOffice as the formula =TRUE().
//   - The header row is frozen and carries an autofilter.
//
// A sheet's rows go to excelize's temporary file as they are written (memory
// holds one chunk); the zip is then streamed to the client (writeTo), so the
// status can still change until the last row is read.

// xlsxContentType is the media type of an .xlsx file.
const xlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// xlsxDateFormat is how a date cell shows: ISO order, to the second.
const xlsxDateFormat = "yyyy-mm-dd hh:mm:ss"

// maxExactFloat is the largest integer a spreadsheet number holds exactly
// (2^53): a JSON number beyond it stays text, so no digit is lost.
const maxExactFloat = 1 << 53

// xlsxSheet is one streamed worksheet in a new workbook.
type xlsxSheet struct {
	f       *excelize.File
	sw      *excelize.StreamWriter
	name    string
	cols    int
	row     int
	date    int // style ids
	decimal int
}

// newXLSXSheet starts a workbook whose one sheet, name, has header as its
// frozen first row. Close it (close) whatever happens.
func newXLSXSheet(name string, header []string) (*xlsxSheet, error) {
	f := excelize.NewFile()
	x := &xlsxSheet{f: f, name: name, cols: len(header)}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return x, fmt.Errorf("xlsx: %w", err)
	}
	var err error
	if x.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: ptrTo(xlsxDateFormat)}); err != nil {
		return x, fmt.Errorf("xlsx: %w", err)
	}
	if x.decimal, err = f.NewStyle(&excelize.Style{CustomNumFmt: ptrTo("0.0")}); err != nil {
		return x, fmt.Errorf("xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return x, fmt.Errorf("xlsx: %w", err)
	}
	if x.sw, err = f.NewStreamWriter(name); err != nil {
		return x, fmt.Errorf("xlsx: %w", err)
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return x, fmt.Errorf("xlsx: %w", err)
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	return x, x.add(cells)
}

func ptrTo[T any](v T) *T { return &v }

// add writes the next row; a nil cell is left empty.
func (x *xlsxSheet) add(cells []any) error {
	x.row++
	if err := x.sw.SetRow("A"+strconv.Itoa(x.row), cells); err != nil {
		return fmt.Errorf("xlsx: row %d: %w", x.row, err)
	}
	return nil
}

// text is a text cell ("" is empty).
func (x *xlsxSheet) text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// time is a date cell of t's wall clock in loc (the zero time is empty).
func (x *xlsxSheet) time(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	w := t.In(loc)
	wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
	return excelize.Cell{StyleID: x.date, Value: wall}
}

// oneDecimal is a number cell shown with one decimal; negatives and NaN are 0,
// as in the CSVs.
func (x *xlsxSheet) oneDecimal(f float64) any {
	if f < 0 || math.IsNaN(f) {
		f = 0
	}
	return excelize.Cell{StyleID: x.decimal, Value: f}
}

// writeTo finishes the sheet (the autofilter over every row written) and
// writes the workbook to w.
func (x *xlsxSheet) writeTo(w io.Writer) error {
	last, err := excelize.CoordinatesToCellName(max(x.cols, 1), max(x.row, 2))
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := x.f.AutoFilter(x.name, "A1:"+last, nil); err != nil {
		return fmt.Errorf("xlsx: autofilter: %w", err)
	}
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	// excelize's WriteTo zips the workbook into a bytes.Buffer first (the
	// whole file in memory: ~200 MB for a million rows). Its zip writer is
	// pluggable, so the zip goes straight to w instead and the buffer stays
	// empty. (The buffer exists to patch zip64 local headers for Excel,
	// needed only for a part over 4 GiB, beyond what rollcall exports.)
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if _, err := x.f.WriteTo(io.Discard); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// close removes the workbook's temporary files.
func (x *xlsxSheet) close() { _ = x.f.Close() }

// startXLSX sets the headers of an .xlsx download named by name and returns
// the writer of its body.
func startXLSX(c *gin.Context, name fileName) io.Writer {
	name.ext = ".xlsx"
	hd := c.Writer.Header()
	hd.Set("Content-Type", xlsxContentType)
	hd.Set("Content-Disposition", name.contentDisposition())
	hd.Set("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	return c.Writer
}

// cellKind types a column of attendance.csv in the spreadsheet.
type cellKind int

const (
	kindText cellKind = iota
	kindTime
	kindInt
	kindDecimal
)

// attendanceKinds types attendanceColumns; a column not listed (a new
// one) is text until it is added here.
var attendanceKinds = map[string]cellKind{
	"first_join": kindTime, "last_leave": kindTime, "attended_seconds": kindInt, "attended_minutes": kindDecimal,
	"attendance_percent": kindDecimal, "sessions": kindInt,
}

// typed turns one CSV cell (as appendAttendance formats it, before the
// formula guard) into its typed cell.
func (x *xlsxSheet) typed(kind cellKind, v string, loc *time.Location) any {
	if v == "" {
		return nil
	}
	switch kind {
	case kindTime:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return x.time(t, loc)
		}
	case kindInt:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	case kindDecimal:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return x.oneDecimal(f)
		}
	}
	return v // text, flags included
}

// exportAttendanceXLSX serves /meetings/:id/attendance.xlsx: attendance.csv's
// rows and columns, typed.
func (h *Handlers) exportAttendanceXLSX(c *gin.Context) error {
	m, opt, err := h.exportedMeeting(c)
	if err != nil {
		return err
	}
	roll, err := h.exportedRoll(c.Request.Context(), m, h.cfg.Now())
	if err != nil {
		return err
	}
	rows := roll.Rows() // attendance.csv's rows: attendees, then absentees
	x, err := newXLSXSheet("Attendance", attendanceColumns)
	defer x.close()
	if err != nil {
		return err
	}
	kinds := make([]cellKind, len(attendanceColumns))
	for i, col := range attendanceColumns {
		kinds[i] = attendanceKinds[col]
	}
	var rec []string
	cells := make([]any, len(attendanceColumns))
	for i := range rows {
		rec = appendAttendance(rec[:0], &rows[i], roll.HasExpected, opt.loc)
		for j, v := range rec {
			cells[j] = x.typed(kinds[j], v, opt.loc)
		}
		if err := x.add(cells); err != nil {
			return err
		}
	}
	w := startXLSX(c, fileName{topic: m.Topic, kind: "attendance", day: m.StartTime, loc: opt.loc})
	return exportFailedIfWritten(c, x.writeTo(w))
}

// exportFailedIfWritten is exportFailed for an error, nil otherwise.
func exportFailedIfWritten(c *gin.Context, err error) error {
	if err != nil {
		return exportFailed(c, err)
	}
	return nil
}

// exportSessionsXLSX serves /meetings/:id/sessions.xlsx: sessions.csv's
// rows and columns, typed. Rows stream from the database cursor into
// excelize's temporary file.
func (h *Handlers) exportSessionsXLSX(c *gin.Context) error {
	m, opt, err := h.exportedMeeting(c)
	if err != nil {
		return err
	}
	keys, rows, err := h.exportedSegments(c.Request.Context(), m)
	if err != nil {
		return err
	}
	defer rows.Close()
	x, _, err := writeSessionsXLSX(rows, opt.loc, keys)
	defer x.close()
	if err != nil {
		return err
	}
	w := startXLSX(c, fileName{topic: m.Topic, kind: "sessions", day: m.StartTime, loc: opt.loc})
	return exportFailedIfWritten(c, x.writeTo(w))
}

// writeSessionsXLSX writes rows to a new sheet (sessionsColumns of keys)
// and returns it, to be written out and closed, and the rows written.
func writeSessionsXLSX(rows *models.SegmentRows, loc *time.Location, keys []string) (*xlsxSheet, int, error) {
	header, zkeys := sessionsColumns(keys)
	x, err := newXLSXSheet("Sessions", header)
	if err != nil {
		return x, 0, err
	}
	// The CSV encoder's field extraction and string rules, without its stream.
	e := &sessionsEncoder{keys: zkeys, index: make(map[string]int, len(zkeys)), vals: make([]string, len(zkeys)),
		reasons: map[string]string{}}
	for i, k := range zkeys {
		e.index[k] = i
	}
	cells := make([]any, len(header))
	n := 0
	for rows.Next() {
		s := rows.Segment()
		clear(e.vals)
		zoomFields(s.Raw, e.index, e.vals)
		cells = cells[:0]
		var leave time.Time
		var dur any
		if s.LeaveTime != nil {
			leave = *s.LeaveTime
			dur = max(int64(leave.Sub(s.JoinTime)/time.Second), 0)
		}
		cells = append(cells, x.text(s.Name), x.text(s.Email), x.time(s.JoinTime, loc), x.time(leave, loc), dur,
			x.text(s.PersonKey), x.text(s.Source))
		for i, k := range zkeys {
			cells = append(cells, x.jsonCell(e, k, e.vals[i]))
		}
		if err := x.add(cells); err != nil {
			return x, n, err
		}
		n++
	}
	return x, n, rows.Err()
}

// jsonCell types one raw JSON value of a Zoom field: a string is text (a
// leave reason sanitized), a number a number when a spreadsheet holds it
// exactly (else its digits as text), true and false booleans, an object or
// array one text cell of compact JSON, null empty.
func (x *xlsxSheet) jsonCell(e *sessionsEncoder, key, v string) any {
	if v == "" {
		return nil
	}
	switch c := v[0]; {
	case c == '-' || c >= '0' && c <= '9':
		if f, err := strconv.ParseFloat(v, 64); err == nil && math.Abs(f) < maxExactFloat &&
			strconv.FormatFloat(f, 'f', -1, 64) == strings.TrimSuffix(v, ".0") {
			return f
		}
		return v
	}
	return x.text(e.cell(key, v))
}

// exportSeriesXLSX serves /series/:number.xlsx (dispatched from
// showSeriesPage): series.csv's matrix, typed; the instance columns are
// headed by their start time as text (a filter header must be text).
func (h *Handlers) exportSeriesXLSX(c *gin.Context, numberParam string) error {
	sr, ms, opt, err := h.seriesExport(c, numberParam)
	if err != nil {
		return err
	}
	header := append([]string(nil), seriesLeadColumns...)
	for i := range ms {
		header = append(header, csvTime(ms[i].StartTime, opt.loc))
	}
	header = append(header, seriesTotalColumns...)
	x, err := newXLSXSheet("Series", header)
	defer x.close()
	if err != nil {
		return err
	}
	cells := make([]any, 0, len(header))
	for i := range sr.People {
		p := &sr.People[i]
		cells = append(cells[:0], x.text(p.Name), x.text(p.Email), x.text(p.Key))
		for _, cell := range p.Cells {
			if !cell.Attended {
				cells = append(cells, nil)
				continue
			}
			cells = append(cells, x.oneDecimal(cell.Minutes()))
		}
		t := &p.Totals
		cells = append(cells, t.Attended, t.Present, max(t.Seconds, 0), x.oneDecimal(t.Minutes()), x.oneDecimal(t.AveragePercent()))
		if err := x.add(cells); err != nil {
			return err
		}
	}
	w := startXLSX(c, fileName{topic: sr.Topic, kind: "series", dates: seriesDates(ms, opt.loc), loc: opt.loc})
	return exportFailedIfWritten(c, x.writeTo(w))
}
