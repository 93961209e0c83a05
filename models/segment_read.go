package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The hot segment reads — a meeting's page, attendance.csv, the series and
// person pages, and the JSON API — scan rows with database/sql directly
// instead of through GORM's reflection, which cost about as much again as
// the query itself for a 3,000-segment meeting (BENCHMARKS.md). GORM still
// builds the statement (placeholders differ by engine); only the scan is
// ours.

// segmentReadColumns are the columns scanSegments reads, in its order:
// every column but raw, which can be a kilobyte a row and no page needs.
// Text columns that an older schema may have left NULL are read as "".
const segmentReadColumns = "seq, source, person_key, " +
	"COALESCE(participant_id, ''), COALESCE(user_id, ''), COALESCE(participant_uuid, ''), " +
	"COALESCE(participant_user_id, ''), COALESCE(registrant_id, ''), COALESCE(customer_key, ''), " +
	"COALESCE(name, ''), COALESCE(email, ''), join_time, leave_time, COALESCE(leave_reason, ''), " +
	"COALESCE(status, ''), COALESCE(role, ''), COALESCE(device, ''), COALESCE(os, ''), " +
	"COALESCE(location, ''), COALESCE(ip_address, ''), id, meeting_id"

// leaveChunk is how many leave times scanSegments allocates at once, so
// that a segment's *time.Time is not an allocation of its own.
const leaveChunk = 256

// querySegments runs a query selecting segmentReadColumns and returns its
// rows as segments (Raw empty), in the order the query gives them. what
// names the read in errors.
func (s *Store) querySegments(ctx context.Context, what, query string, args ...any) ([]Segment, error) {
	rows, err := s.db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	defer rows.Close()
	segs, err := scanSegments(rows)
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	return segs, nil
}

// scanSegments reads every row of rows (segmentReadColumns) into segments.
// Integers are scanned into int64s, which database/sql assigns without
// formatting and parsing them again; times come back in UTC.
func scanSegments(rows *sql.Rows) ([]Segment, error) {
	var (
		segs         []Segment
		leaves       []time.Time
		seq, id, mid int64
		join         time.Time
		leave        sql.NullTime
	)
	for rows.Next() {
		segs = append(segs, Segment{})
		sg := &segs[len(segs)-1]
		err := rows.Scan(&seq, &sg.Source, &sg.PersonKey,
			&sg.ParticipantID, &sg.UserID, &sg.ParticipantUUID, &sg.ParticipantUserID, &sg.RegistrantID, &sg.CustomerKey,
			&sg.Name, &sg.Email, &join, &leave, &sg.LeaveReason,
			&sg.Status, &sg.Role, &sg.Device, &sg.OS, &sg.Location, &sg.IPAddress, &id, &mid)
		if err != nil {
			return nil, err
		}
		sg.Seq, sg.ID, sg.MeetingID = int(seq), uint64(id), uint64(mid)
		sg.JoinTime = join.UTC()
		if leave.Valid {
			if len(leaves) == cap(leaves) {
				leaves = make([]time.Time, 0, leaveChunk)
			}
			leaves = append(leaves, leave.Time.UTC())
			sg.LeaveTime = &leaves[len(leaves)-1]
		}
	}
	return segs, rows.Err()
}
