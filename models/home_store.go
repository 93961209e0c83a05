package models

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// The queries of the home page (handlers/home.go). Each is one statement
// over an index (meetings.start_time, meetings.meeting_number,
// segments(meeting_id, join_time)), and each reads only the columns the
// overview computes with.

// RecentMeetings returns up to limit meeting instances that started in
// [from, to) and are not live, oldest first.
func (s *Store) RecentMeetings(ctx context.Context, from, to time.Time, limit int) ([]Meeting, error) {
	var ms []Meeting
	err := s.db.WithContext(ctx).Select(listColumns).
		Where("start_time >= ? AND start_time < ? AND fetch_status <> ?", from.UTC(), to.UTC(), FetchLive).
		Order("start_time, id").Limit(limit).Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("models: meetings from %s: %w", from.Format(time.RFC3339), err)
	}
	return ms, nil
}

// LatestInstances returns, for each of the meeting numbers, its latest per
// instances that are not live, oldest first. A number with no instance is
// absent from the map.
func (s *Store) LatestInstances(ctx context.Context, numbers []int64, per int) (map[int64][]Meeting, error) {
	out := make(map[int64][]Meeting, len(numbers))
	for chunk := range slices.Chunk(numbers, 500) {
		var ms []Meeting
		// ROW_NUMBER keeps it one statement per chunk however many series:
		// both engines have window functions (SQLite since 3.25).
		err := s.db.WithContext(ctx).Raw(`SELECT `+listColumns+` FROM (
			SELECT `+listColumns+`, ROW_NUMBER() OVER (PARTITION BY meeting_number ORDER BY start_time DESC, id DESC) AS rn
			FROM meetings WHERE meeting_number IN ? AND fetch_status <> ?) latest
			WHERE rn <= ? ORDER BY meeting_number, start_time, id`, chunk, FetchLive, per).Scan(&ms).Error
		if err != nil {
			return nil, fmt.Errorf("models: latest instances of %d series: %w", len(numbers), err)
		}
		for _, m := range ms {
			out[m.MeetingNumber] = append(out[m.MeetingNumber], m)
		}
	}
	return out, nil
}

// SeriesSizes returns how many instances each of the meeting numbers has
// (live ones included); a number with none is absent from the map.
func (s *Store) SeriesSizes(ctx context.Context, numbers []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(numbers))
	for chunk := range slices.Chunk(numbers, 500) {
		var rows []struct {
			MeetingNumber int64
			N             int
		}
		err := s.db.WithContext(ctx).Model(&Meeting{}).Select("meeting_number, COUNT(*) AS n").
			Where("meeting_number IN ?", chunk).Group("meeting_number").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("models: sizes of %d series: %w", len(numbers), err)
		}
		for _, r := range rows {
			out[r.MeetingNumber] = r.N
		}
	}
	return out, nil
}

// attendanceColumns are the segment columns ComputeAttendance reads for
// totals (no devices, addresses or leave reasons).
const attendanceColumns = "meeting_id, seq, person_key, name, email, join_time, leave_time, status"

// AttendanceSegments returns the segments of the meetings ids, grouped by
// meeting id, with only the fields attendance is computed from (person
// key, name, email, join, leave, status); enough for ComputeAttendance's
// numbers, not for a page that shows devices or leave reasons.
func (s *Store) AttendanceSegments(ctx context.Context, ids []uint64) (map[uint64][]Segment, error) {
	out := make(map[uint64][]Segment, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var segs []Segment
		err := s.db.WithContext(ctx).Select(attendanceColumns).Where("meeting_id IN ?", chunk).
			Order("meeting_id, seq").Find(&segs).Error
		if err != nil {
			return nil, fmt.Errorf("models: attendance segments of %d meetings: %w", len(ids), err)
		}
		for _, sg := range segs {
			out[sg.MeetingID] = append(out[sg.MeetingID], sg)
		}
	}
	return out, nil
}
