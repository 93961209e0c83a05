package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/tidwall/gjson"

	"rollcall/models"
)

// sessionsLeadColumns open sessions.csv (docs/ARCHITECTURE.md), followed by
// rollcall's own two fields of the segment, then zoomColumns.
var sessionsLeadColumns = []string{
	"name", "email", "join_time", "leave_time", "duration_seconds",
	// rollcall's: the person key (as in attendance.csv) and the Zoom API
	// the row came from ("dashboard" or "report").
	"person_key", "source",
}

// zoomColumns is the fixed order of the Zoom fields in sessions.csv, after
// the lead columns. Every one is always present (empty when Zoom did not
// send it), so a script written against one export reads every other; keys
// Zoom sends that are not listed here follow them, sorted (see
// sessionsColumns). The order is:
//
//  1. the keys of a Dashboard row as in the seed fixture
//     (fixtures/dashboard_participants_seed.json), in its order;
//  2. the other fields of Zoom's Dashboard participant rows, in Zoom's order;
//  3. the fields only Zoom's Report and past-meetings rows have.
//
// Left out because the lead columns carry them: user_name and name (name),
// email and user_email (email), join_time and leave_time (in the export's
// zone). leave_reason is the sanitized text; every other value is Zoom's,
// strings as they are, numbers and booleans as JSON wrote them, arrays and
// objects (internal_ip_addresses, audio_call) as one cell of compact JSON,
// null as an empty cell.
var zoomColumns = []string{
	// 1. seed fixture
	"id", "user_id", "device", "ip_address", "location", "network_type", "microphone", "camera",
	"speaker", "data_center", "full_data_center", "connection_type", "share_application",
	"share_desktop", "share_whiteboard", "recording", "status", "pc_name", "domain", "mac_addr",
	"harddisk_id", "version", "leave_reason", "role", "sip_uri", "from_sip_uri",
	// 2. Zoom's Dashboard participant fields
	"participant_uuid", "participant_user_id", "registrant_id", "customer_key", "bo_mtg_id",
	"os", "os_version", "client", "device_name", "browser_name", "browser_version",
	"zoom_thin_client_plugin_version", "internal_ip_addresses", "video_connection_type",
	"as_connection_type", "audio_quality", "video_quality", "screen_share_quality",
	"in_room_participants", "audio_call", "groupId", "has_archiving", "optional_archiving",
	"total_jointime_cost", "aic_disclaimer",
	// 3. Zoom's Report and past-meeting fields
	"duration", "failover", "internal_user",
}

// leadRawKeys are Zoom's keys that the lead columns carry.
var leadRawKeys = map[string]bool{
	"user_name": true, "name": true, "email": true, "user_email": true, "join_time": true, "leave_time": true,
}

// sessionsColumns returns the header of sessions.csv and, for each column
// after the lead columns, the Zoom key it holds. rawKeys are the keys
// found in the meeting's rows (models.Store.SegmentRawKeys); those not in
// zoomColumns are appended sorted, and one that would repeat a column name
// is headed "zoom_<key>".
func sessionsColumns(rawKeys []string) (header, keys []string) {
	header = slices.Clone(sessionsLeadColumns)
	keys = slices.Clone(zoomColumns)
	taken := map[string]bool{}
	for _, k := range header {
		taken[k] = true
	}
	for _, k := range keys {
		taken[k] = true
	}
	extra := slices.Clone(rawKeys)
	slices.Sort(extra)
	extra = slices.Compact(extra)
	known := map[string]bool{}
	for _, k := range zoomColumns {
		known[k] = true
	}
	header = append(header, keys...)
	for _, k := range extra {
		if known[k] || leadRawKeys[k] {
			continue
		}
		name := k
		for taken[name] {
			name = "zoom_" + name
		}
		taken[name] = true
		header = append(header, name)
		keys = append(keys, k)
	}
	return header, keys
}

// sessionsEncoder writes sessions.csv: one row per segment.
type sessionsEncoder struct {
	s     *csvStream
	loc   *time.Location
	keys  []string       // the Zoom key of each column after the lead ones
	index map[string]int // position of each key in keys
	vals  []string       // the current row's raw JSON value of each key
	rec   []string
	buf   bytes.Buffer
	// reasons caches sanitized leave reasons, which repeat a lot; it is
	// emptied when it reaches maxCachedReasons, so memory stays bounded.
	reasons map[string]string
}

const maxCachedReasons = 4096

// newSessionsEncoder writes the header to w and returns the encoder.
// rawKeys are the Zoom keys found in the rows to come (sessionsColumns);
// a key missing from it is not exported.
func newSessionsEncoder(w io.Writer, loc *time.Location, bom bool, rawKeys []string) *sessionsEncoder {
	header, keys := sessionsColumns(rawKeys)
	e := &sessionsEncoder{
		s: newCSVStream(w, bom, header), loc: loc, keys: keys,
		index: make(map[string]int, len(keys)), vals: make([]string, len(keys)),
		reasons: map[string]string{},
	}
	for i, k := range keys {
		e.index[k] = i
	}
	return e
}

// Encode writes the row of one segment. A Raw that is not a JSON object
// leaves the Zoom columns empty; the lead columns come from the stored
// fields either way.
func (e *sessionsEncoder) Encode(s *models.Segment) error {
	clear(e.vals)
	zoomFields(s.Raw, e.index, e.vals)
	dur := ""
	var leave time.Time
	if s.LeaveTime != nil {
		leave = *s.LeaveTime
		dur = csvUint(int64(leave.Sub(s.JoinTime) / time.Second))
	}
	e.rec = append(e.rec[:0], s.Name, s.Email, csvTime(s.JoinTime, e.loc), csvTime(leave, e.loc), dur,
		s.PersonKey, s.Source)
	for i, k := range e.keys {
		e.rec = append(e.rec, e.cell(k, e.vals[i]))
	}
	return e.s.write(e.rec)
}

// cell turns one raw JSON value into its cell: a string as it is (a leave
// reason sanitized), null or absent as "", an array or object as compact
// JSON, a number or boolean as written.
func (e *sessionsEncoder) cell(key string, v string) string {
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case 'n': // null
		return ""
	case '"':
		var s string
		if strings.IndexByte(v, '\\') < 0 {
			s = v[1 : len(v)-1]
		} else if err := json.Unmarshal([]byte(v), &s); err != nil {
			return ""
		}
		if key == "leave_reason" {
			return e.sanitize(s)
		}
		return s
	case '{', '[':
		e.buf.Reset()
		if err := json.Compact(&e.buf, []byte(v)); err != nil {
			return v
		}
		return e.buf.String()
	}
	return v
}

// sanitize is models.SanitizeLeaveReason through the encoder's cache.
func (e *sessionsEncoder) sanitize(raw string) string {
	if s, ok := e.reasons[raw]; ok {
		return s
	}
	if len(e.reasons) >= maxCachedReasons {
		clear(e.reasons)
	}
	s := models.SanitizeLeaveReason(raw)
	e.reasons[raw] = s
	return s
}

// zoomFields sets vals[index[key]] to the raw JSON of each top-level value
// of the JSON object raw whose key is in index (the last one wins for a
// repeated key, as in encoding/json). The values are not decoded: gjson
// only finds where each ends. A raw that is not a valid JSON object sets
// nothing.
func zoomFields(raw string, index map[string]int, vals []string) {
	if !gjson.Valid(raw) {
		return
	}
	obj := gjson.Parse(raw)
	if !obj.IsObject() {
		return
	}
	obj.ForEach(func(k, v gjson.Result) bool {
		if i, ok := index[k.String()]; ok {
			vals[i] = v.Raw
		}
		return true
	})
}

// Close flushes the file and returns the first error writing it.
func (e *sessionsEncoder) Close() error { return e.s.close() }

// exportedSegments opens the cursor over meeting m's segments for
// sessions.csv and sessions.xlsx, with the Zoom keys their rows hold (the
// columns after the lead ones). The caller closes rows.
func (h *Handlers) exportedSegments(ctx context.Context, m models.Meeting) (keys []string, rows *models.SegmentRows, err error) {
	if keys, err = h.store.SegmentRawKeys(ctx, m.ID); err != nil {
		return nil, nil, err
	}
	if rows, err = h.store.ExportSegments(ctx, m.ID); err != nil {
		return nil, nil, err
	}
	return keys, rows, nil
}

// exportSessions serves /meetings/:id/sessions.csv: one row per join/leave
// segment in join-time order (then name), every stored field. Rows stream
// from a database cursor. ?tz= picks the zone, ?bom=1 prefixes a BOM.
func (h *Handlers) exportSessions(c *gin.Context) error {
	m, opt, err := h.exportedMeeting(c)
	if err != nil {
		return err
	}
	keys, rows, err := h.exportedSegments(c.Request.Context(), m)
	if err != nil {
		return err
	}
	defer rows.Close()
	w := startCSV(c, fileName{topic: m.Topic, kind: "sessions", day: m.StartTime, loc: opt.loc})
	if _, err := writeSessions(w, rows, opt, keys); err != nil {
		return exportFailed(c, err)
	}
	return nil
}

// writeSessions streams rows to w as sessions.csv and returns how many
// rows it wrote.
func writeSessions(w io.Writer, rows *models.SegmentRows, opt csvOptions, keys []string) (int, error) {
	enc := newSessionsEncoder(w, opt.loc, opt.bom, keys)
	n := 0
	for rows.Next() {
		if err := enc.Encode(rows.Segment()); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, enc.Close()
}
