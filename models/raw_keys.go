package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/tidwall/gjson"
)

// SegmentRawKeys returns the distinct top-level keys of the Raw JSON objects
// of meeting id's segments, sorted. An export reads it first to fix its
// columns before streaming the rows. Raw values that are not valid JSON,
// and arrays' indexes, are skipped.
//
// ReplaceSegments stores the set with the meeting (meetings.raw_keys,
// schema version 8), so this is one row's read; for a meeting stored
// before that (raw_keys NULL) the engine computes it from the rows.
func (s *Store) SegmentRawKeys(ctx context.Context, id uint64) ([]string, error) {
	if !s.hasRawKeysColumn(ctx) {
		return s.queryRawKeys(ctx, id)
	}
	var stored sql.NullString
	err := s.sqlDB.QueryRowContext(ctx, s.rebind("SELECT raw_keys FROM meetings WHERE id = ?"), id).Scan(&stored)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("models: raw keys of meeting %d: %w", id, err)
	}
	if stored.Valid {
		var keys []string
		if err := json.Unmarshal([]byte(stored.String), &keys); err == nil {
			return keys, nil
		}
		// Not ours: fall through to the rows themselves.
	}
	return s.queryRawKeys(ctx, id)
}

// rawKeysColumn remembers whether meetings has raw_keys: the Store's
// writes also run on a database at an older schema version (before
// Migrate, or while another release's process migrates). Migrate forgets
// what it knew.
type rawKeysColumn struct {
	state atomic.Int32 // 0 not known yet, 1 present, -1 absent
}

// hasRawKeysColumn reports whether meetings has raw_keys, asking the
// database the first time. A failed look counts as absent, this once.
func (s *Store) hasRawKeysColumn(ctx context.Context) bool {
	switch s.rawKeys.state.Load() {
	case 1:
		return true
	case -1:
		return false
	}
	cols, err := s.columns(ctx, "meetings")
	if err != nil {
		return false
	}
	has := slices.Contains(cols, "raw_keys")
	s.rawKeys.state.Store(map[bool]int32{true: 1, false: -1}[has])
	return has
}

// encodeRawKeys returns what SegmentRawKeys would return for segs, as the
// JSON array stored in meetings.raw_keys.
func encodeRawKeys(segs []Segment) string {
	set := map[string]struct{}{}
	for i := range segs {
		raw := cleanText(segs[i].Raw) // as stored
		if !gjson.Valid(raw) {
			continue
		}
		obj := gjson.Parse(raw)
		if !obj.IsObject() {
			continue
		}
		obj.ForEach(func(k, _ gjson.Result) bool {
			set[k.String()] = struct{}{}
			return true
		})
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b, _ := json.Marshal(keys) // strings cannot fail
	return string(b)
}

// queryRawKeys is SegmentRawKeys computed by the engine from the stored
// rows, for meetings stored before schema version 8.
func (s *Store) queryRawKeys(ctx context.Context, id uint64) ([]string, error) {
	// Sorting in SQL (ORDER BY j.key) makes SQLite sort every key of every
	// row before DISTINCT, three times slower than sorting the few here.
	query := "SELECT DISTINCT j.key FROM segments AS sg, " +
		"json_each(CASE WHEN json_valid(sg.raw) THEN sg.raw ELSE '{}' END) AS j WHERE sg.meeting_id = ?"
	if s.dialect == DialectPostgres {
		// json, not jsonb: jsonb refuses the \u0000 escapes Zoom's text may hold.
		query = "SELECT DISTINCT json_object_keys(raw::json) FROM segments " +
			"WHERE meeting_id = ? AND json_typeof(raw::json) = 'object'"
	}
	rows, err := s.db.WithContext(ctx).Raw(query, id).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: raw keys of meeting %d: %w", id, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k any
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("models: raw keys of meeting %d: %w", id, err)
		}
		switch k := k.(type) { // an object's keys are text
		case string:
			keys = append(keys, k)
		case []byte:
			keys = append(keys, string(k))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: raw keys of meeting %d: %w", id, err)
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}
