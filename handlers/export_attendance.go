package handlers

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/models"
)

// attendanceColumns is the header of attendance.csv: the fixed
// columns, in that order, then rollcall's extras. Append new columns at
// the end; scripts read these by position.
var attendanceColumns = []string{
	"name", "email", "first_join", "last_leave", "attended_seconds", "attended_minutes",
	"attendance_percent", "sessions", "late", "left_early", "present", "leave_reason",
	// Who was expected: status (present, partial, absent,
	// waiting_room_only) and expected (true, false, or empty when nobody
	// was: no roster and no registrants). They follow the fixed columns
	// (docs/ARCHITECTURE.md), ahead of the extras.
	"status", "expected",
	// Extras: the distinct devices, locations and roles of the person's
	// in-meeting segments ("; " between values, in join order), their
	// registrant id and Zoom user id (participant_user_id, else the
	// deprecated id), and rollcall's person key (the /people/ page).
	"device", "location", "role", "registrant_id", "user_id", "person_key",
}

// attendanceEncoder writes attendance.csv: one row per person of a roll,
// the attendees as ComputeAttendance orders them (first join, then name),
// then the absentees (by name).
type attendanceEncoder struct {
	s   *csvStream
	loc *time.Location
	rec []string
}

// newAttendanceEncoder writes the header to w and returns the encoder.
// Times are written in loc.
func newAttendanceEncoder(w io.Writer, loc *time.Location, bom bool) *attendanceEncoder {
	return &attendanceEncoder{s: newCSVStream(w, bom, slices.Clone(attendanceColumns)), loc: loc}
}

// Encode writes the row of one person of a roll; hasExpected is the
// roll's HasExpected.
func (e *attendanceEncoder) Encode(r *models.RollRow, hasExpected bool) error {
	e.rec = appendAttendance(e.rec[:0], r, hasExpected, e.loc)
	return e.s.write(e.rec)
}

// Close flushes the file and returns the first error writing it.
func (e *attendanceEncoder) Close() error { return e.s.close() }

// appendAttendance appends the attendanceColumns cells of r to rec. The
// numbers are the meeting page's: seconds rounded down, minutes and percent
// with one decimal.
func appendAttendance(rec []string, r *models.RollRow, hasExpected bool, loc *time.Location) []string {
	a := &r.Attendance
	f := a.Facts()
	expected := ""
	if hasExpected {
		expected = csvBool(r.Expected)
	}
	return append(rec,
		a.Name, a.Email, csvTime(a.FirstJoin, loc), csvTime(a.LastLeave, loc),
		csvUint(a.AttendedSeconds), csvDecimal(a.AttendedMinutes()), csvDecimal(a.PercentRounded()),
		strconv.Itoa(a.Sessions), csvBool(a.Late), csvBool(a.LeftEarly), csvBool(a.Present),
		models.SanitizeLeaveReason(a.LeaveReason), r.Status, expected,
		strings.Join(f.Devices, "; "), strings.Join(f.Locations, "; "), strings.Join(f.Roles, "; "),
		f.RegistrantID, f.UserID, a.Key,
	)
}

// exportedRoll is meeting m's roll as attendance.csv, attendance.xlsx
// and the API's attendance give it: its stored segments or, while m is
// live or waiting for its fetch, those its live events make (as its page
// shows), with identity links and expected people applied at now.
func (h *Handlers) exportedRoll(ctx context.Context, m models.Meeting, now time.Time) (models.Roll, error) {
	// One meeting's segments fit in memory (the page holds them too); the
	// person rows need all of a person's segments anyway.
	segs, err := h.store.SegmentsForPage(ctx, m.ID)
	if err != nil {
		return models.Roll{}, err
	}
	if segs, _, err = h.store.OrEventSegments(ctx, m, segs); err != nil {
		return models.Roll{}, err
	}
	return h.store.MeetingRoll(ctx, m, segs, now, h.thresholds())
}

// exportAttendance serves /meetings/:id/attendance.csv: one row per person.
// ?tz= picks the zone, ?bom=1 prefixes a BOM.
func (h *Handlers) exportAttendance(c *gin.Context) error {
	m, opt, err := h.exportedMeeting(c)
	if err != nil {
		return err
	}
	roll, err := h.exportedRoll(c.Request.Context(), m, h.cfg.Now())
	if err != nil {
		return err
	}
	rows := roll.Rows()
	w := startCSV(c, fileName{topic: m.Topic, kind: "attendance", day: m.StartTime, loc: opt.loc})
	enc := newAttendanceEncoder(w, opt.loc, opt.bom)
	for i := range rows {
		if err := enc.Encode(&rows[i], roll.HasExpected); err != nil {
			return exportFailed(c, err)
		}
	}
	if err := enc.Close(); err != nil {
		return exportFailed(c, err)
	}
	return nil
}

// meetingsColumns is the header of meetings.csv: the meeting's columns,
// then attendanceColumns.
var meetingsColumns = append([]string{"meeting_id", "meeting_uuid", "meeting_number", "topic", "meeting_start"},
	attendanceColumns...)

// meetingsEncoder writes meetings.csv: every person row of every meeting
// instance in a range, each prefixed by its meeting.
type meetingsEncoder struct {
	s   *csvStream
	loc *time.Location
	rec []string
}

// newMeetingsEncoder writes the header to w and returns the encoder.
func newMeetingsEncoder(w io.Writer, loc *time.Location, bom bool) *meetingsEncoder {
	return &meetingsEncoder{s: newCSVStream(w, bom, slices.Clone(meetingsColumns)), loc: loc}
}

// Encode writes the row of one person of meeting m's roll; hasExpected is
// the roll's HasExpected.
func (e *meetingsEncoder) Encode(m *models.Meeting, r *models.RollRow, hasExpected bool) error {
	e.rec = append(e.rec[:0], strconv.FormatUint(m.ID, 10), m.UUID, strconv.FormatInt(m.MeetingNumber, 10),
		m.Topic, csvTime(m.StartTime, e.loc))
	e.rec = appendAttendance(e.rec, r, hasExpected, e.loc)
	return e.s.write(e.rec)
}

// Close flushes the file and returns the first error writing it.
func (e *meetingsEncoder) Close() error { return e.s.close() }

// exportMeetings serves /meetings.csv?from=yyyy-mm-dd&to=yyyy-mm-dd: the
// attendance rows of every meeting instance that started in the range
// (dates in the export's zone, both inclusive), oldest meeting first, each
// meeting's people in attendance.csv's order. Meetings are read in keyset
// batches and their segments one meeting at a time, so memory holds one
// meeting however long the range.
func (h *Handlers) exportMeetings(c *gin.Context) error {
	opt, err := h.exportOptions(c)
	if err != nil {
		return err
	}
	fromS, toS := c.Query("from"), c.Query("to")
	if fromS == "" || toS == "" {
		return errStatus(http.StatusBadRequest, "give from and to, dates like 2026-01-31", nil)
	}
	from, err := parseDate(fromS, opt.loc, "from")
	if err != nil {
		return err
	}
	to, err := parseDate(toS, opt.loc, "to")
	if err != nil {
		return err
	}
	if to.Before(from) {
		return errStatus(http.StatusBadRequest, "to is before from", nil)
	}
	ctx := c.Request.Context()
	rows := h.store.ExportMeetings(ctx, from, to.AddDate(0, 0, 1))
	w := startCSV(c, fileName{topic: "meetings", kind: "attendance", dates: fromS + "_" + toS, loc: opt.loc})
	enc := newMeetingsEncoder(w, opt.loc, opt.bom)
	rolls := h.store.NewRollLoader() // links read once, each series' roster once
	now, th := h.cfg.Now(), h.thresholds()
	for rows.Next() {
		m := rows.Meeting()
		segs, err := rows.Segments()
		if err != nil {
			return exportFailed(c, err)
		}
		roll, err := rolls.Roll(ctx, *m, segs, now, th)
		if err != nil {
			return exportFailed(c, err)
		}
		rs := roll.Rows()
		for i := range rs {
			if err := enc.Encode(m, &rs[i], roll.HasExpected); err != nil {
				return exportFailed(c, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return exportFailed(c, err)
	}
	if err := enc.Close(); err != nil {
		return exportFailed(c, err)
	}
	return nil
}
