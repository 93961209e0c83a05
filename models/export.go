package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// exportSegmentColumns are the columns SegmentRows scans, Raw included, in
// the order of SegmentRows.scan. Text columns that an older schema may have
// left NULL are read as "".
const exportSegmentColumns = "id, meeting_id, seq, source, person_key, " +
	"COALESCE(participant_id, ''), COALESCE(user_id, ''), COALESCE(participant_uuid, ''), " +
	"COALESCE(participant_user_id, ''), COALESCE(registrant_id, ''), COALESCE(customer_key, ''), " +
	"COALESCE(name, ''), COALESCE(email, ''), join_time, leave_time, COALESCE(leave_reason, ''), " +
	"COALESCE(status, ''), COALESCE(role, ''), COALESCE(device, ''), COALESCE(os, ''), " +
	"COALESCE(location, ''), COALESCE(ip_address, ''), raw"

// SegmentRows is a forward-only cursor over stored segments, Raw included,
// for exports that must not hold a whole result in memory. Use it like
// sql.Rows:
//
//	rows, err := store.ExportSegments(ctx, id)
//	if err != nil { ... }
//	defer rows.Close()
//	for rows.Next() {
//		seg := rows.Segment()
//		...
//	}
//	if err := rows.Err(); err != nil { ... }
//
// It holds one database connection until Close (or until Next returns
// false).
type SegmentRows struct {
	rows *sql.Rows
	seg  Segment
	err  error
}

// ExportSegments opens a cursor over the segments of meeting id ordered by
// join time, then name, then Zoom's order (Seq) and id, so that the same
// data always comes in the same order. SQLite walks the (meeting_id,
// join_time) index and sorts only runs of equal join times, so memory does
// not grow with the number of rows. A meeting with no segments gives an
// empty cursor, not ErrNotFound.
func (s *Store) ExportSegments(ctx context.Context, id uint64) (*SegmentRows, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT "+exportSegmentColumns+
		" FROM segments WHERE meeting_id = ? ORDER BY join_time, name, seq, id", id).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: export segments of meeting %d: %w", id, err)
	}
	return &SegmentRows{rows: rows}, nil
}

// Next advances to the next segment; it returns false at the end or on an
// error (see Err), and closes the cursor then.
func (r *SegmentRows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	if err := r.scan(); err != nil {
		r.err = err
		r.rows.Close()
		return false
	}
	return true
}

func (r *SegmentRows) scan() error {
	s := &r.seg
	var leave sql.NullTime
	err := r.rows.Scan(&s.ID, &s.MeetingID, &s.Seq, &s.Source, &s.PersonKey,
		&s.ParticipantID, &s.UserID, &s.ParticipantUUID, &s.ParticipantUserID, &s.RegistrantID, &s.CustomerKey,
		&s.Name, &s.Email, &s.JoinTime, &leave, &s.LeaveReason,
		&s.Status, &s.Role, &s.Device, &s.OS, &s.Location, &s.IPAddress, &s.Raw)
	if err != nil {
		return fmt.Errorf("models: export segments: %w", err)
	}
	s.JoinTime = s.JoinTime.UTC()
	s.LeaveTime = nil
	if leave.Valid {
		t := leave.Time.UTC()
		s.LeaveTime = &t
	}
	return nil
}

// Segment returns the current segment. It is overwritten by the next call
// to Next; copy it to keep it.
func (r *SegmentRows) Segment() *Segment { return &r.seg }

// Err returns the error that ended the iteration, if any.
func (r *SegmentRows) Err() error {
	if r.err != nil {
		return r.err
	}
	if err := r.rows.Err(); err != nil {
		return fmt.Errorf("models: export segments: %w", err)
	}
	return nil
}

// Close releases the cursor's connection. It is safe to call more than once.
func (r *SegmentRows) Close() error { return r.rows.Close() }

// exportMeetingBatch is how many meetings MeetingRows reads per query.
const exportMeetingBatch = 200

// exportSegmentGroup bounds the segments MeetingRows reads in one query
// (and holds at once): consecutive meetings of a batch are grouped until
// their stored segment counts reach it. A single larger meeting is a group
// of its own.
const exportSegmentGroup = 20_000

// MeetingRows is a forward-only cursor over meeting instances, oldest
// first by (StartTime, ID), with each meeting's segments. It reads meetings
// in keyset batches rather than through one long query, so it holds no
// connection (and no SQLite read snapshot) between batches, and reads the
// segments of several meetings per query (not one query per meeting), so
// memory stays at one batch of meetings and one group of segments.
type MeetingRows struct {
	store    *Store
	ctx      context.Context
	from, to time.Time
	after    *MeetingCursor
	batch    []Meeting
	i        int
	done     bool
	err      error
	// segs holds the segments of batch[i:groupEnd].
	segs     map[uint64][]Segment
	groupEnd int
}

// ExportMeetings returns a cursor over the meeting instances whose start is
// in [from, to); a zero from or to leaves that side open. Meetings come
// oldest first, ties by id. Queries run as Next needs them.
func (s *Store) ExportMeetings(ctx context.Context, from, to time.Time) *MeetingRows {
	return &MeetingRows{store: s, ctx: ctx, from: from.UTC(), to: to.UTC(), i: -1}
}

// Next advances to the next meeting; it returns false at the end or on an
// error (see Err).
func (r *MeetingRows) Next() bool {
	if r.err != nil {
		return false
	}
	if r.i+1 < len(r.batch) {
		r.i++
		return true
	}
	if r.done {
		return false
	}
	q := r.store.db.WithContext(r.ctx).Model(&Meeting{}).Select(listColumns)
	if !r.from.IsZero() {
		q = q.Where("start_time >= ?", r.from)
	}
	if !r.to.IsZero() {
		q = q.Where("start_time < ?", r.to)
	}
	if r.after != nil {
		q = q.Where("(start_time, id) > (?, ?)", r.after.StartTime, r.after.ID)
	}
	r.batch = r.batch[:0]
	if err := q.Order("start_time, id").Limit(exportMeetingBatch).Find(&r.batch).Error; err != nil {
		r.err = fmt.Errorf("models: export meetings: %w", err)
		return false
	}
	r.done = len(r.batch) < exportMeetingBatch
	if len(r.batch) == 0 {
		return false
	}
	last := cursorOf(r.batch[len(r.batch)-1])
	r.after = &last
	r.i = 0
	r.groupEnd = 0
	return true
}

// Meeting returns the current meeting; it is overwritten by Next.
func (r *MeetingRows) Meeting() *Meeting { return &r.batch[r.i] }

// Segments returns the segments of the current meeting in Zoom's order,
// every field but Raw, reading them with those of the next meetings of
// the batch when needed.
func (r *MeetingRows) Segments() ([]Segment, error) {
	if r.i >= r.groupEnd {
		end, n := r.i, 0
		for end < len(r.batch) && (end == r.i || n+r.batch[end].SegmentCount <= exportSegmentGroup) {
			n += r.batch[end].SegmentCount
			end++
		}
		ids := make([]uint64, 0, end-r.i)
		for _, m := range r.batch[r.i:end] {
			ids = append(ids, m.ID)
		}
		segs, err := r.store.SegmentsOf(r.ctx, ids)
		if err != nil {
			return nil, err
		}
		r.segs, r.groupEnd = segs, end
	}
	return r.segs[r.batch[r.i].ID], nil
}

// Err returns the error that ended the iteration, if any.
func (r *MeetingRows) Err() error { return r.err }
