package handlers

import (
	"encoding/json"
	"time"

	"rollcall/models"
)

// The JSON shapes of /api/v1 (api.go). openapi.json describes each one;
// TestAPIMatchesOpenAPI validates real answers against it, so a field
// added here without the document fails the tests. Times are UTC (RFC
// 3339); values are raw, as stored (no spreadsheet escaping).

// apiMeeting is one meeting instance.
type apiMeeting struct {
	ID              uint64     `json:"id"`
	UUID            string     `json:"uuid"`
	MeetingNumber   int64      `json:"meeting_number"`
	Webinar         bool       `json:"webinar"`
	PracticeSession bool       `json:"practice_session"`
	Topic           string     `json:"topic"`
	HostID          string     `json:"host_id"`
	HostName        string     `json:"host_name"`
	HostEmail       string     `json:"host_email"`
	Type            int        `json:"type"`
	StartTime       time.Time  `json:"start_time"`
	EndTime         *time.Time `json:"end_time"`
	Timezone        string     `json:"timezone"`
	Status          string     `json:"status"`
	LastError       string     `json:"last_error"`
	Source          string     `json:"source"`
	ArrivedVia      string     `json:"arrived_via"`
	FetchedAt       *time.Time `json:"fetched_at"`
	People          int        `json:"people"`
	SegmentCount    int        `json:"segment_count"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func utc(t time.Time) time.Time { return t.UTC() }

// utcPtr returns t in UTC, nil for nil or the zero time.
func utcPtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toAPIMeeting(m models.Meeting) apiMeeting {
	return apiMeeting{
		ID: m.ID, UUID: m.UUID, MeetingNumber: m.MeetingNumber, Webinar: m.Webinar,
		PracticeSession: m.PracticeSession, Topic: m.Topic,
		HostID: m.HostID, HostName: m.HostName, HostEmail: m.HostEmail, Type: m.Type,
		StartTime: utc(m.StartTime), EndTime: utcPtr(m.EndTime), Timezone: m.Timezone,
		Status: m.FetchStatus, LastError: statusReason(m), Source: m.Source, ArrivedVia: m.ArrivedVia,
		FetchedAt: utcPtr(m.FetchedAt), People: m.People, SegmentCount: m.SegmentCount,
		CreatedAt: utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt),
	}
}

// apiAttendance is one person's row of a meeting: attendance.csv's
// numbers (the same models functions compute both), with the intervals.
type apiAttendance struct {
	PersonKey string `json:"person_key"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	// FirstJoin and LastLeave are null for someone seen only in the
	// waiting room (attendance.csv leaves those cells empty).
	FirstJoin         *time.Time `json:"first_join"`
	LastLeave         *time.Time `json:"last_leave"`
	AttendedSeconds   int64      `json:"attended_seconds"`
	AttendedMinutes   float64    `json:"attended_minutes"`
	AttendancePercent float64    `json:"attendance_percent"`
	Sessions          int        `json:"sessions"`
	Late              bool       `json:"late"`
	LeftEarly         bool       `json:"left_early"`
	Present           bool       `json:"present"`
	Status            string     `json:"status"`
	// Status is models.RollPresent, RollPartial, RollWaitingRoomOnly or,
	// for an expected person seen nowhere, RollAbsent (from the roll, in
	// attendanceRows).
	// Expected says whether the person was on the meeting's expected list
	// (a roster or registrants); null while the meeting has none.
	Expected    *bool         `json:"expected"`
	LeaveReason string        `json:"leave_reason"`
	Intervals   []apiInterval `json:"intervals"`
}

// apiInterval is one in-meeting session of a person: join and leave as
// Zoom reported them (leave null while still in a live meeting) and the
// seconds of it inside the meeting window. Overlapping sessions (two
// devices) each count here; attended_seconds counts their union once.
type apiInterval struct {
	Join    time.Time  `json:"join"`
	Leave   *time.Time `json:"leave"`
	Seconds int64      `json:"seconds"`
}

// toAPIAttendance lays out a, computed in window w (Expected, and the
// status of an absentee, come from the meeting's roll).
func toAPIAttendance(a *models.Attendance, w models.Window) apiAttendance {
	r := apiAttendance{
		PersonKey: a.Key, Name: a.Name, Email: a.Email,
		AttendedSeconds: max(a.AttendedSeconds, 0), AttendedMinutes: a.AttendedMinutes(),
		AttendancePercent: a.PercentRounded(), Sessions: a.Sessions,
		Late: a.Late, LeftEarly: a.LeftEarly, Present: a.Present,
		LeaveReason: models.SanitizeLeaveReason(a.LeaveReason),
		Intervals:   make([]apiInterval, 0, a.Sessions),
		Status:      models.AttendedStatus(a),
	}
	if a.Sessions > 0 {
		r.FirstJoin, r.LastLeave = utcPtr(&a.FirstJoin), utcPtr(&a.LastLeave)
	}
	for i := range a.Segments {
		s := &a.Segments[i]
		if s.Status == models.StatusWaitingRoom {
			continue
		}
		r.Intervals = append(r.Intervals, apiInterval{
			Join: utc(s.JoinTime), Leave: utcPtr(s.LeaveTime), Seconds: int64(w.Clip(s.JoinTime, s.LeaveTime) / time.Second),
		})
	}
	return r
}

// apiSegment is one stored participant row, every field, with Zoom's own
// object as it came (raw: a JSON object, or a string when it was not JSON).
type apiSegment struct {
	ID                uint64          `json:"id"`
	Seq               int             `json:"seq"`
	Source            string          `json:"source"`
	PersonKey         string          `json:"person_key"`
	ParticipantID     string          `json:"participant_id"`
	UserID            string          `json:"user_id"`
	ParticipantUUID   string          `json:"participant_uuid"`
	ParticipantUserID string          `json:"participant_user_id"`
	RegistrantID      string          `json:"registrant_id"`
	CustomerKey       string          `json:"customer_key"`
	Name              string          `json:"name"`
	Email             string          `json:"email"`
	JoinTime          time.Time       `json:"join_time"`
	LeaveTime         *time.Time      `json:"leave_time"`
	LeaveReason       string          `json:"leave_reason"`
	Status            string          `json:"status"`
	Role              string          `json:"role"`
	Device            string          `json:"device"`
	OS                string          `json:"os"`
	Location          string          `json:"location"`
	IPAddress         string          `json:"ip_address"`
	Raw               json.RawMessage `json:"raw"`
}

func toAPISegment(s *models.Segment) apiSegment {
	raw := json.RawMessage(s.Raw)
	if !json.Valid(raw) {
		raw, _ = json.Marshal(s.Raw)
	}
	return apiSegment{
		ID: s.ID, Seq: s.Seq, Source: s.Source, PersonKey: s.PersonKey,
		ParticipantID: s.ParticipantID, UserID: s.UserID, ParticipantUUID: s.ParticipantUUID,
		ParticipantUserID: s.ParticipantUserID, RegistrantID: s.RegistrantID, CustomerKey: s.CustomerKey,
		Name: s.Name, Email: s.Email, JoinTime: utc(s.JoinTime), LeaveTime: utcPtr(s.LeaveTime),
		LeaveReason: s.LeaveReason, Status: s.Status, Role: s.Role, Device: s.Device, OS: s.OS,
		Location: s.Location, IPAddress: s.IPAddress, Raw: raw,
	}
}

// apiTotals sums a person's attendance over several meetings.
type apiTotals struct {
	Meetings        int     `json:"meetings"`
	Attended        int     `json:"attended"`
	Present         int     `json:"present"`
	AttendedSeconds int64   `json:"attended_seconds"`
	AttendedMinutes float64 `json:"attended_minutes"`
	AveragePercent  float64 `json:"average_percent"`
}

func toAPITotals(t models.Totals) apiTotals {
	return apiTotals{
		Meetings: t.Instances, Attended: t.Attended, Present: t.Present,
		AttendedSeconds: t.Seconds, AttendedMinutes: t.Minutes(), AveragePercent: roundOne(t.AveragePercent()),
	}
}

// apiSeries is the people × instances matrix of a recurring meeting.
type apiSeries struct {
	MeetingNumber int64  `json:"meeting_number"`
	Topic         string `json:"topic"`
	// Truncated: the series has more instances than the latest ones given.
	Truncated bool              `json:"truncated"`
	Instances []apiMeeting      `json:"instances"`
	People    []apiSeriesPerson `json:"people"`
}

type apiSeriesPerson struct {
	PersonKey string `json:"person_key"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	// Cells has one cell per instance, in the order of instances.
	Cells  []apiSeriesCell `json:"cells"`
	Totals apiTotals       `json:"totals"`
}

type apiSeriesCell struct {
	MeetingID         uint64  `json:"meeting_id"`
	Attended          bool    `json:"attended"`
	AttendedSeconds   int64   `json:"attended_seconds"`
	AttendancePercent float64 `json:"attendance_percent"`
	Present           bool    `json:"present"`
	// Absent: expected (a roster or registrants) and matched to nobody.
	Absent bool `json:"absent"`
}

// apiPerson is one person across meetings.
type apiPerson struct {
	PersonKey string             `json:"person_key"`
	Name      string             `json:"name"`
	Email     string             `json:"email"`
	Totals    apiTotals          `json:"totals"`
	Meetings  []apiPersonMeeting `json:"meetings"`
}

type apiPersonMeeting struct {
	Meeting    apiMeeting    `json:"meeting"`
	Attendance apiAttendance `json:"attendance"`
}

// apiMeetingList is one page of the meetings list.
type apiMeetingList struct {
	Meetings []apiMeeting `json:"meetings"`
	// NextCursor continues the list (older meetings); null on the last page.
	NextCursor *string `json:"next_cursor"`
}

// apiError is the body of every error answer.
type apiError struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
