package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// The hot segment reads — a meeting's page, attendance.csv, the series and
// person pages, and the JSON API — scan rows with database/sql directly
// instead of through GORM's reflection, which cost about as much again as
// the query itself for a 3,000-segment meeting (BENCHMARKS.md). GORM still
// builds the statement (placeholders differ by engine); only the scan is
// ours.

// segmentColumns is a projection of the segments table: the select list,
// and the scan destinations of one row, in the same order.
type segmentColumns struct {
	list  string
	dests func(sg *Segment, t *scanTemps) []any
}

// scanTemps receive the columns that need converting: integers scanned as
// int64s (database/sql assigns those without formatting and parsing them
// again) and the times.
type scanTemps struct {
	seq, id, meetingID int64
	join               time.Time
	leave              sql.NullTime
}

// allSegmentColumns is every column but raw, which can be a kilobyte a row
// and no page needs. Text columns that an older schema may have left NULL
// are read as "".
var allSegmentColumns = segmentColumns{
	list: "seq, source, person_key, " +
		"COALESCE(participant_id, ''), COALESCE(user_id, ''), COALESCE(participant_uuid, ''), " +
		"COALESCE(participant_user_id, ''), COALESCE(registrant_id, ''), COALESCE(customer_key, ''), " +
		"COALESCE(name, ''), COALESCE(email, ''), join_time, leave_time, COALESCE(leave_reason, ''), " +
		"COALESCE(status, ''), COALESCE(role, ''), COALESCE(device, ''), COALESCE(os, ''), " +
		"COALESCE(location, ''), COALESCE(ip_address, ''), id, meeting_id",
	dests: func(sg *Segment, t *scanTemps) []any {
		return []any{&t.seq, &sg.Source, &sg.PersonKey,
			&sg.ParticipantID, &sg.UserID, &sg.ParticipantUUID, &sg.ParticipantUserID, &sg.RegistrantID, &sg.CustomerKey,
			&sg.Name, &sg.Email, &t.join, &t.leave, &sg.LeaveReason,
			&sg.Status, &sg.Role, &sg.Device, &sg.OS, &sg.Location, &sg.IPAddress, &t.id, &t.meetingID}
	},
}

// pageSegmentColumns are the columns the meeting page shows or computes
// with; the ids Zoom gives a participant are only needed where the person
// key is made (it is stored) and by the exports (Facts).
var pageSegmentColumns = segmentColumns{
	list: "seq, person_key, COALESCE(name, ''), COALESCE(email, ''), join_time, leave_time, " +
		"COALESCE(leave_reason, ''), COALESCE(status, ''), COALESCE(role, ''), COALESCE(device, ''), " +
		"COALESCE(os, ''), COALESCE(location, ''), COALESCE(ip_address, ''), meeting_id",
	dests: func(sg *Segment, t *scanTemps) []any {
		return []any{&t.seq, &sg.PersonKey, &sg.Name, &sg.Email, &t.join, &t.leave,
			&sg.LeaveReason, &sg.Status, &sg.Role, &sg.Device, &sg.OS, &sg.Location, &sg.IPAddress, &t.meetingID}
	},
}

// leaveChunk is how many leave times scanSegments allocates at once, so
// that a segment's *time.Time is not an allocation of its own.
const leaveChunk = 256

// querySegments runs query, which selects cols, and returns its rows as
// segments (Raw empty), in the order the query gives them. what names the
// read in errors.
func (s *Store) querySegments(ctx context.Context, cols segmentColumns, what, query string, args ...any) ([]Segment, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT "+cols.list+" "+query, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	defer rows.Close()
	segs, err := scanSegments(rows, cols)
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	return segs, nil
}

// scanSegments reads every row of rows (cols) into segments; times come
// back in UTC.
func scanSegments(rows *sql.Rows, cols segmentColumns) ([]Segment, error) {
	var (
		chunks [][]Segment // filled one after another, joined at the end
		segs   []Segment   // the chunk being filled
		n      int
		leaves []time.Time
		row    Segment
		t      scanTemps
	)
	dests := cols.dests(&row, &t)
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return nil, err
		}
		row.Seq, row.ID, row.MeetingID = int(t.seq), uint64(t.id), uint64(t.meetingID)
		row.JoinTime = t.join.UTC()
		row.LeaveTime = nil
		if t.leave.Valid {
			if len(leaves) == cap(leaves) {
				leaves = make([]time.Time, 0, leaveChunk)
			}
			leaves = append(leaves, t.leave.Time.UTC())
			row.LeaveTime = &leaves[len(leaves)-1]
		}
		if len(segs) == cap(segs) {
			// Chunks double, and are copied once at the end: appending
			// to one slice would copy a large result several times over.
			segs = make([]Segment, 0, max(64, n))
			chunks = append(chunks, nil)
		}
		segs = append(segs, row)
		chunks[len(chunks)-1] = segs
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	return slices.Concat(chunks...), nil
}
