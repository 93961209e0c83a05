package zoomtest

import (
	"fmt"
	"slices"
	"time"
)

// Meeting is one ended meeting (or webinar) instance held by the Server.
type Meeting struct {
	// UUID identifies the instance (base64-like, may contain "/", "+", "=").
	UUID string
	// ID is the meeting number.
	ID int64
	// Topic is the meeting's title.
	Topic string
	// HostID, HostName and HostEmail describe the host.
	HostID, HostName, HostEmail string
	// AccountID is the host's account (payload.account_id in webhooks).
	AccountID string
	// Timezone is the display time zone (IANA).
	Timezone string
	// Type is Zoom's meeting type (2 scheduled, 8 recurring, 5 webinar...).
	Type int
	// Webinar serves the instance under the webinar endpoints and events.
	Webinar bool
	// Start and End bound the instance; a zero End is a meeting that has not
	// ended (its participants are never served).
	Start, End time.Time
	// Participants are the rows served, in order.
	Participants []Participant
	// PracticeSession marks a webinar's practice session: webinar.ended
	// then carries "practice_session": true.
	PracticeSession bool
	// EndTimeUnsent leaves end_time out of webinar.ended (and
	// meeting.ended), which Zoom's spec makes optional for webinars.
	EndTimeUnsent bool
}

func (m Meeting) clone() Meeting {
	m.Participants = slices.Clone(m.Participants)
	for i := range m.Participants {
		m.Participants[i] = m.Participants[i].clone()
	}
	return m
}

// durationMinutes is the meeting's length in whole minutes, rounded up.
func (m Meeting) durationMinutes() int {
	if m.End.IsZero() {
		return 0
	}
	return int((m.End.Sub(m.Start) + time.Minute - 1) / time.Minute)
}

func pastMeetingJSON(m Meeting) []byte {
	total := time.Duration(0)
	for _, p := range m.Participants {
		if p.Leave != nil && p.Status != "in_waiting_room" {
			total += p.Leave.Sub(p.Join)
		}
	}
	return mustJSON(struct {
		UUID              string `json:"uuid"`
		ID                int64  `json:"id"`
		HostID            string `json:"host_id"`
		Type              int    `json:"type"`
		Topic             string `json:"topic"`
		UserName          string `json:"user_name"`
		UserEmail         string `json:"user_email"`
		StartTime         string `json:"start_time"`
		EndTime           string `json:"end_time"`
		Duration          int    `json:"duration"`
		TotalMinutes      int    `json:"total_minutes"`
		ParticipantsCount int    `json:"participants_count"`
		Source            string `json:"source"`
	}{
		UUID: m.UUID, ID: m.ID, HostID: m.HostID, Type: m.Type, Topic: m.Topic,
		UserName: m.HostName, UserEmail: m.HostEmail,
		StartTime: zoomTime(m.Start), EndTime: zoomTime(m.End), Duration: m.durationMinutes(),
		TotalMinutes: int(total / time.Minute), ParticipantsCount: len(m.Participants), Source: "Zoom",
	})
}

type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type fieldValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// features derives a meeting's Dashboard feature flags from its rows.
type features struct {
	pstn, sip, voip, share, recording, archiving bool
}

func featuresOf(m Meeting) features {
	var f features
	for _, p := range m.Participants {
		switch p.Device {
		case "Phone":
			f.pstn = true
		case "H.323/SIP":
			f.sip = true
		default:
			f.voip = true
		}
		f.share = f.share || p.ShareDesktop || p.ShareApplication || p.ShareWhiteboard
		f.recording = f.recording || p.Recording
		f.archiving = f.archiving || (p.HasArchiving != nil && *p.HasArchiving)
	}
	return f
}

// clockDuration formats d as the Dashboard lists do: "hh:mm:ss", or "mm:ss"
// under an hour.
func clockDuration(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// quality picks a deterministic quality rating for meeting number id.
func quality(id int64, salt int64) string {
	return []string{"good", "good", "fair", "poor", "bad"}[(id/7+salt)%5]
}

// dashboardListJSON is m as a row of GET /metrics/meetings or /metrics/webinars.
func dashboardListJSON(m Meeting) []byte {
	f := featuresOf(m)
	type row struct {
		Host               string       `json:"host"`
		AudioQuality       string       `json:"audio_quality,omitempty"`
		CustomKeys         []keyValue   `json:"custom_keys,omitempty"`
		Dept               string       `json:"dept"`
		Duration           string       `json:"duration"`
		Email              string       `json:"email"`
		EndTime            string       `json:"end_time"`
		Has3rdPartyAudio   bool         `json:"has_3rd_party_audio"`
		HasArchiving       bool         `json:"has_archiving"`
		HasPSTN            bool         `json:"has_pstn"`
		HasRecording       bool         `json:"has_recording"`
		HasScreenShare     bool         `json:"has_screen_share"`
		HasSIP             bool         `json:"has_sip"`
		HasVideo           bool         `json:"has_video"`
		HasVoIP            bool         `json:"has_voip"`
		HasManualCaptions  bool         `json:"has_manual_captions"`
		HasAutoCaptions    bool         `json:"has_automated_captions"`
		ID                 int64        `json:"id"`
		Participants       int          `json:"participants"`
		ScreenShareQuality string       `json:"screen_share_quality,omitempty"`
		SessionKey         string       `json:"session_key,omitempty"`
		StartTime          string       `json:"start_time"`
		Topic              string       `json:"topic"`
		TrackingFields     []fieldValue `json:"tracking_fields,omitempty"`
		UserType           string       `json:"user_type"`
		UUID               string       `json:"uuid"`
		VideoQuality       string       `json:"video_quality,omitempty"`
		HasPoll            bool         `json:"has_poll"`
		HasQA              *bool        `json:"has_qa,omitempty"`
		HasSurvey          bool         `json:"has_survey"`
		AvgJoinTimeCost    *float64     `json:"avg_jointime_cost,omitempty"`
	}
	r := row{
		Host: m.HostName, Dept: "Engineering", Duration: clockDuration(m.End.Sub(m.Start)),
		Email: m.HostEmail, EndTime: zoomTime(m.End), HasArchiving: f.archiving, HasPSTN: f.pstn,
		HasRecording: f.recording, HasScreenShare: f.share, HasSIP: f.sip, HasVideo: true, HasVoIP: f.voip,
		HasManualCaptions: m.ID%4 == 0, HasAutoCaptions: m.ID%3 == 0,
		ID: m.ID, Participants: len(m.Participants), StartTime: zoomTime(m.Start), Topic: m.Topic,
		UserType: "Licensed", UUID: m.UUID, HasPoll: m.ID%5 == 0, HasSurvey: m.ID%7 == 0,
	}
	if m.ID%2 == 0 { // ratings are absent for some meetings
		r.AudioQuality, r.VideoQuality, r.ScreenShareQuality = quality(m.ID, 0), quality(m.ID, 1), quality(m.ID, 2)
	}
	if m.ID%3 == 0 {
		r.CustomKeys = []keyValue{{Key: "cohort", Value: "2025-spring"}}
	}
	if !m.Webinar {
		qa, cost := m.ID%6 == 0, float64(m.ID%40)/10+0.8
		r.HasQA, r.AvgJoinTimeCost = &qa, &cost
		if m.ID%3 == 1 {
			r.SessionKey = fmt.Sprintf("sdk-%d", m.ID%100000)
		}
		if m.ID%3 != 2 {
			r.TrackingFields = []fieldValue{{Field: "Course", Value: "CS101"}}
		}
	}
	return mustJSON(r)
}

// reportMeetingJSON is m as a row of GET /report/users/{userId}/meetings.
func reportMeetingJSON(m Meeting) []byte {
	f := featuresOf(m)
	total := time.Duration(0)
	for _, p := range m.Participants {
		if p.Leave != nil && p.Status != "in_waiting_room" {
			total += p.Leave.Sub(p.Join)
		}
	}
	type row struct {
		CustomKeys        []keyValue `json:"custom_keys,omitempty"`
		Duration          int        `json:"duration"`
		EndTime           string     `json:"end_time"`
		ID                int64      `json:"id"`
		ParticipantsCount int        `json:"participants_count"`
		SessionKey        string     `json:"session_key,omitempty"`
		Source            string     `json:"source"`
		StartTime         string     `json:"start_time"`
		Topic             string     `json:"topic"`
		TotalMinutes      int        `json:"total_minutes"`
		Type              int        `json:"type"`
		UserEmail         string     `json:"user_email"`
		UserName          string     `json:"user_name"`
		UUID              string     `json:"uuid"`
		ScheduleTime      string     `json:"schedule_time,omitempty"`
		JoinWaitingRoom   string     `json:"join_waiting_room_time,omitempty"`
		JoinTime          string     `json:"join_time,omitempty"`
		LeaveTime         string     `json:"leave_time,omitempty"`
		HostOrganization  string     `json:"host_organization,omitempty"`
		HostName          string     `json:"host_name"`
		HasScreenShare    bool       `json:"has_screen_share"`
		HasRecording      bool       `json:"has_recording"`
		HasChat           bool       `json:"has_chat"`
		EncryptionStatus  int        `json:"meeting_encryption_status"`
		CountMyAccount    int        `json:"participants_count_my_account"`
	}
	mine := 0
	for _, p := range m.Participants {
		if p.ParticipantUserID != "" {
			mine++
		}
	}
	r := row{
		Duration: m.durationMinutes(), EndTime: zoomTime(m.End), ID: m.ID,
		ParticipantsCount: len(m.Participants), Source: "Zoom", StartTime: zoomTime(m.Start),
		Topic: m.Topic, TotalMinutes: int(total / time.Minute), Type: m.Type,
		UserEmail: m.HostEmail, UserName: m.HostName, UUID: m.UUID, HostName: m.HostName,
		HasScreenShare: f.share, HasRecording: f.recording, HasChat: m.ID%2 == 1,
		EncryptionStatus: 1 + int(m.ID%2), CountMyAccount: mine,
	}
	if m.ID%3 == 0 {
		r.CustomKeys = []keyValue{{Key: "cohort", Value: "2025-spring"}}
		r.SessionKey = fmt.Sprintf("sdk-%d", m.ID%100000)
	}
	if m.Type == 2 || m.Type == 8 || m.Type == 5 || m.Type == 9 {
		r.ScheduleTime = zoomTime(m.Start.Add(-2 * time.Minute))
	}
	if len(m.Participants) > 0 {
		// The host's own attendance, as pastJoined rows show it.
		h := m.Participants[0]
		r.JoinTime = zoomTime(h.Join)
		if h.Leave != nil {
			r.LeaveTime = zoomTime(*h.Leave)
		}
		if m.ID%2 == 0 {
			r.JoinWaitingRoom = zoomTime(h.Join.Add(-30 * time.Second))
		}
		r.HostOrganization = "Example University"
	}
	return mustJSON(r)
}

// reportDetailJSON is m as GET /report/meetings/{id} or /report/webinars/{id}.
func reportDetailJSON(m Meeting) []byte {
	total := time.Duration(0)
	for _, p := range m.Participants {
		if p.Leave != nil && p.Status != "in_waiting_room" {
			total += p.Leave.Sub(p.Join)
		}
	}
	type detail struct {
		CustomKeys        []keyValue   `json:"custom_keys,omitempty"`
		Dept              string       `json:"dept"`
		Duration          int          `json:"duration"`
		EndTime           string       `json:"end_time"`
		ID                int64        `json:"id"`
		ParticipantsCount int          `json:"participants_count"`
		StartTime         string       `json:"start_time"`
		Topic             string       `json:"topic"`
		TotalMinutes      int          `json:"total_minutes"`
		TrackingFields    []fieldValue `json:"tracking_fields,omitempty"`
		Type              int          `json:"type"`
		UserEmail         string       `json:"user_email"`
		UserName          string       `json:"user_name"`
		UUID              string       `json:"uuid"`
	}
	d := detail{
		Dept: "Engineering", Duration: m.durationMinutes(), EndTime: zoomTime(m.End), ID: m.ID,
		ParticipantsCount: len(m.Participants), StartTime: zoomTime(m.Start), Topic: m.Topic,
		TotalMinutes: int(total / time.Minute), Type: m.Type, UserEmail: m.HostEmail,
		UserName: m.HostName, UUID: m.UUID,
	}
	if m.ID%3 == 0 {
		d.CustomKeys = []keyValue{{Key: "cohort", Value: "2025-spring"}}
		d.TrackingFields = []fieldValue{{Field: "Course", Value: "CS101"}}
	}
	return mustJSON(d)
}
