package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MeetingCursor is a position in the meetings list, which is ordered newest
// first by (StartTime, ID). Keyset pagination resumes from it with an index
// range scan, so a deep page costs what the first page costs.
type MeetingCursor struct {
	StartTime time.Time
	ID        uint64
}

// String encodes c for a URL: "<unix nanoseconds>,<id>".
func (c MeetingCursor) String() string {
	return strconv.FormatInt(c.StartTime.UnixNano(), 10) + "," + strconv.FormatUint(c.ID, 10)
}

// ParseMeetingCursor decodes the form MeetingCursor.String writes.
func ParseMeetingCursor(s string) (MeetingCursor, error) {
	ts, id, ok := strings.Cut(s, ",")
	if !ok {
		return MeetingCursor{}, fmt.Errorf("models: cursor %q: want <time>,<id>", s)
	}
	ns, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return MeetingCursor{}, fmt.Errorf("models: cursor %q: %w", s, err)
	}
	n, err := strconv.ParseUint(id, 10, 63) // ids are positive int64s
	if err != nil {
		return MeetingCursor{}, fmt.Errorf("models: cursor %q: %w", s, err)
	}
	return MeetingCursor{StartTime: time.Unix(0, ns).UTC(), ID: n}, nil
}

// MeetingFilter selects and pages the meetings list. Zero fields select all.
type MeetingFilter struct {
	// Q matches a substring of the topic, host name or host email
	// (case-insensitive for ASCII).
	Q string
	// Host matches the host's email, id or name exactly.
	Host string
	// From and To bound the start time: From ≤ start < To.
	From, To time.Time
	// UpdatedSince keeps the meetings changed (stored, fetched, re-fetched)
	// at or after it; zero keeps all.
	UpdatedSince time.Time
	// Before returns the page of meetings older than the cursor; After the
	// page of meetings newer than it (still listed newest first). At most
	// one may be set.
	Before, After *MeetingCursor
	// Limit is the page size [50, at most 500].
	Limit int
}

// MeetingPage is one page of the meetings list, newest first.
type MeetingPage struct {
	Meetings []Meeting
	// Older is the cursor of the next (older) page, nil on the last one.
	Older *MeetingCursor
	// Newer is the cursor of the previous (newer) page, nil on the first one.
	Newer *MeetingCursor
}

// listColumns are the meeting columns the list shows; the list leaves out
// nothing large, but naming them keeps the query stable as Meeting grows.
const listColumns = "id, uuid, meeting_number, webinar, topic, host_id, host_name, host_email, type, " +
	"start_time, end_time, timezone, fetch_status, fetch_attempts, last_error, source, fetched_at, " +
	"people, segment_count, created_at, updated_at"

// ListMeetings returns one page of meetings matching f, newest first.
//
// It reads one row more than the page to know whether another page follows,
// and seeks with a row-value comparison on (start_time, id), which SQLite
// answers from the start_time index (whose entries end in the rowid, id)
// without a sort, however deep the page.
func (s *Store) ListMeetings(ctx context.Context, f MeetingFilter) (MeetingPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	q := s.db.WithContext(ctx).Model(&Meeting{}).Select(listColumns)
	if v := strings.TrimSpace(f.Q); v != "" {
		// Case-insensitive on both engines: SQLite's LIKE already is (for
		// ASCII), PostgreSQL's needs ILIKE.
		op := "LIKE"
		if s.dialect == DialectPostgres {
			op = "ILIKE"
		}
		like := "%" + escapeLike(v) + "%"
		q = q.Where("(topic "+op+" ? ESCAPE '\\' OR host_name "+op+" ? ESCAPE '\\' OR host_email "+op+" ? ESCAPE '\\')", like, like, like)
	}
	if v := strings.TrimSpace(f.Host); v != "" {
		q = q.Where("(host_email = ? OR host_id = ? OR host_name = ?)", v, v, v)
	}
	if !f.From.IsZero() {
		q = q.Where("start_time >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("start_time < ?", f.To.UTC())
	}
	if !f.UpdatedSince.IsZero() {
		q = q.Where("updated_at >= ?", f.UpdatedSince.UTC())
	}
	forward := f.After == nil // reading older rows, newest first
	switch {
	case f.Before != nil:
		q = q.Where("(start_time, id) < (?, ?)", f.Before.StartTime.UTC(), f.Before.ID)
	case f.After != nil:
		q = q.Where("(start_time, id) > (?, ?)", f.After.StartTime.UTC(), f.After.ID)
	}
	if forward {
		q = q.Order("start_time DESC, id DESC")
	} else {
		q = q.Order("start_time ASC, id ASC")
	}
	var ms []Meeting
	if err := q.Limit(f.Limit + 1).Find(&ms).Error; err != nil {
		return MeetingPage{}, fmt.Errorf("models: list meetings: %w", err)
	}
	more := len(ms) > f.Limit
	if more {
		ms = ms[:f.Limit]
	}
	if !forward {
		slices.Reverse(ms)
	}
	p := MeetingPage{Meetings: ms}
	if len(ms) == 0 {
		return p, nil
	}
	first, last := cursorOf(ms[0]), cursorOf(ms[len(ms)-1])
	if forward {
		if more {
			p.Older = &last
		}
		if f.Before != nil {
			p.Newer = &first
		}
	} else {
		p.Older = &last
		if more {
			p.Newer = &first
		}
	}
	return p, nil
}

func cursorOf(m Meeting) MeetingCursor { return MeetingCursor{StartTime: m.StartTime.UTC(), ID: m.ID} }

// escapeLike escapes LIKE's wildcards in s (the escape character is \).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// MeetingsByStatus returns up to limit meetings whose fetch status is one of
// statuses, most recently changed first: the queue view for admins.
//
// It reads each status on its own and merges: one query per status walks
// the (fetch_status, updated_at) index in order and stops at limit, where a
// single IN query makes SQLite scan and sort every meeting.
func (s *Store) MeetingsByStatus(ctx context.Context, statuses []string, limit int) ([]Meeting, error) {
	var ms []Meeting
	for _, st := range statuses {
		var part []Meeting
		err := s.db.WithContext(ctx).Select(listColumns).Where("fetch_status = ?", st).
			Order("updated_at DESC, id DESC").Limit(limit).Find(&part).Error
		if err != nil {
			return nil, fmt.Errorf("models: meetings by status: %w", err)
		}
		ms = append(ms, part...)
	}
	slices.SortFunc(ms, func(a, b Meeting) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return ms[:min(len(ms), limit)], nil
}

// CountByStatus returns how many meetings are in each fetch status.
func (s *Store) CountByStatus(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		FetchStatus string
		N           int64
	}
	err := s.db.WithContext(ctx).Model(&Meeting{}).
		Select("fetch_status, COUNT(*) AS n").Group("fetch_status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: count by status: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.FetchStatus] = r.N
	}
	return out, nil
}

// SeriesInstances returns the latest limit instances of the recurring
// meeting number, oldest first. It returns ErrNotFound when there is none.
func (s *Store) SeriesInstances(ctx context.Context, number int64, limit int) ([]Meeting, error) {
	var ms []Meeting
	err := s.db.WithContext(ctx).Select(listColumns).
		Where("meeting_number = ?", number).
		Order("start_time DESC, id DESC").Limit(limit).Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("models: series %d: %w", number, err)
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("models: series %d: %w", number, ErrNotFound)
	}
	slices.Reverse(ms)
	return ms, nil
}

// SegmentsForPage returns the segments of meeting id by join time, then in
// Zoom's order (Seq), every field but Raw (left empty): what attendance.csv,
// the series export and the JSON API compute attendance from. The order is the (meeting_id,
// join_time) index's, so the engine sorts only runs of equal join times
// instead of every row.
func (s *Store) SegmentsForPage(ctx context.Context, id uint64) ([]Segment, error) {
	return s.querySegments(ctx, allSegmentColumns, fmt.Sprintf("segments of meeting %d", id),
		"FROM segments WHERE meeting_id = ? ORDER BY join_time, seq", id)
}

// MeetingPageSegments returns what SegmentsForPage does, but only the fields
// the meeting page shows or computes with (pageSegmentColumns): the ids
// Zoom gives a participant (ParticipantID, UserID, ParticipantUUID,
// ParticipantUserID, RegistrantID, CustomerKey), Source and ID are left
// empty. The person key is stored, so attendance is the same.
func (s *Store) MeetingPageSegments(ctx context.Context, id uint64) ([]Segment, error) {
	return s.querySegments(ctx, pageSegmentColumns, fmt.Sprintf("segments of meeting %d", id),
		"FROM segments WHERE meeting_id = ? ORDER BY join_time, seq", id)
}

// SegmentsOf returns the segments of the meetings ids, grouped by meeting id,
// each group in Zoom's order, every field but Raw.
func (s *Store) SegmentsOf(ctx context.Context, ids []uint64) (map[uint64][]Segment, error) {
	out := make(map[uint64][]Segment, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		segs, err := s.querySegments(ctx, allSegmentColumns, fmt.Sprintf("segments of %d meetings", len(ids)),
			"FROM segments WHERE meeting_id IN ? ORDER BY meeting_id, seq", chunk)
		if err != nil {
			return nil, err
		}
		for _, sg := range segs {
			out[sg.MeetingID] = append(out[sg.MeetingID], sg)
		}
	}
	return out, nil
}

// PersonMeeting is one meeting a person attended, with their segments in it
// (every field but Raw).
type PersonMeeting struct {
	Meeting  Meeting
	Segments []Segment
}

// newestFirst sorts ms by start time, newest first (then by id, highest
// first), and keeps the first limit.
func newestFirst(ms []Meeting, limit int) []Meeting {
	slices.SortFunc(ms, func(a, b Meeting) int {
		if c := b.StartTime.Compare(a.StartTime); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return ms[:min(len(ms), limit)]
}

// PersonMeetings returns the latest limit meetings in which a segment has
// the person key key, newest first, each with that person's segments. It
// returns ErrNotFound when the key appears nowhere.
func (s *Store) PersonMeetings(ctx context.Context, key string, limit int) ([]PersonMeeting, error) {
	return s.PersonMeetingsOfKeys(ctx, []string{key}, limit)
}

// PersonMeetingsOfKeys is PersonMeetings of a person known by several keys
// (an identity link's group): the meetings where any of keys has a
// segment, with the segments of all of them. key in its errors is the
// first of keys.
func (s *Store) PersonMeetingsOfKeys(ctx context.Context, keys []string, limit int) ([]PersonMeeting, error) {
	key := keys[0]
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&Segment{}).
		Where("person_key IN ?", keys).Distinct().Pluck("meeting_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("models: meetings of person %q: %w", key, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("models: person %q: %w", key, ErrNotFound)
	}
	var ms []Meeting
	for chunk := range slices.Chunk(ids, 500) {
		var part []Meeting
		if err := s.db.WithContext(ctx).Select(listColumns).Where("id IN ?", chunk).Find(&part).Error; err != nil {
			return nil, fmt.Errorf("models: meetings of person %q: %w", key, err)
		}
		ms = append(ms, part...)
	}
	ms = newestFirst(ms, limit)
	keep := make([]uint64, len(ms))
	for i, m := range ms {
		keep[i] = m.ID
	}
	var segs []Segment
	for chunk := range slices.Chunk(keep, 500) {
		part, err := s.querySegments(ctx, allSegmentColumns, fmt.Sprintf("segments of person %q", key),
			"FROM segments WHERE person_key IN ? AND meeting_id IN ? ORDER BY meeting_id, seq",
			keys, chunk)
		if err != nil {
			return nil, err
		}
		segs = append(segs, part...)
	}
	byMeeting := make(map[uint64][]Segment, len(ms))
	for _, sg := range segs {
		byMeeting[sg.MeetingID] = append(byMeeting[sg.MeetingID], sg)
	}
	out := make([]PersonMeeting, len(ms))
	for i, m := range ms {
		out[i] = PersonMeeting{Meeting: m, Segments: byMeeting[m.ID]}
	}
	return out, nil
}
