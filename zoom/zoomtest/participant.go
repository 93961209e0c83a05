package zoomtest

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// Participant is one participant row (one join..leave segment) as the fake
// serves it. One value produces both a Dashboard row (user_name, email,
// leave_reason, device data) and a Report row (name, user_email, duration).
type Participant struct {
	// UserID is the per-meeting participant number ("16778240"); a rejoin
	// gets a new one.
	UserID string
	// ParticipantUUID is a GUID per join.
	ParticipantUUID string
	// Name is the display name: user_name on the Dashboard, name on the Report.
	Name string
	// Email is email on the Dashboard, user_email on the Report; "" for guests.
	Email string
	// ParticipantUserID is the Zoom user ID of a signed-in participant, served
	// as both id and participant_user_id; "" for guests and external users.
	ParticipantUserID string
	// RegistrantID is served only when the request has include_fields=registrant_id.
	RegistrantID string
	// CustomerKey is the Meeting SDK customer key.
	CustomerKey string
	// Join is when the segment began.
	Join time.Time
	// Leave is when it ended; nil leaves leave_time (and the Report's
	// duration) out of the row.
	Leave *time.Time
	// LeaveReason is served on the Dashboard only, verbatim (HTML and all).
	LeaveReason string
	// Status is "in_meeting" or "in_waiting_room"; "" serves "in_meeting".
	Status string
	// Role is "host" or "attendee" (Dashboard); "" serves "attendee".
	Role string
	// BOMeetingID is the breakout room's ID.
	BOMeetingID string
	// Failover is served on the Report.
	Failover bool
	// Device data, served on the Dashboard only.
	Device, OS, OSVersion, Version, PCName, Domain, IPAddress, Location,
	NetworkType, DataCenter, FullDataCenter, ConnectionType, Camera,
	Microphone, Speaker string
	// InternalIPAddresses is served on the Dashboard only.
	InternalIPAddresses []string

	// The fields below complete Zoom's Dashboard participant row; each is
	// served (Dashboard only) when not zero, so a zero value leaves its key
	// out as Zoom leaves out optional fields.

	// Client is the client type, such as "Zoom Workplace", "Web" or "Zoom Rooms".
	Client string
	// DeviceName, MacAddr, HarddiskID, BrowserName and BrowserVersion
	// describe the device (browser fields for web-client participants).
	DeviceName, MacAddr, HarddiskID, BrowserName, BrowserVersion string
	// VideoConnectionType and ASConnectionType are like ConnectionType
	// ("P2P", "UDP", "TCP+Proxy"...), for video and screen sharing.
	VideoConnectionType, ASConnectionType string
	// AudioQuality, VideoQuality and ScreenShareQuality are "good", "fair",
	// "poor" or "bad".
	AudioQuality, VideoQuality, ScreenShareQuality string
	// ShareApplication, ShareDesktop, ShareWhiteboard and Recording are
	// always served (false when unset), as Zoom does.
	ShareApplication, ShareDesktop, ShareWhiteboard, Recording bool
	// SIPURI and FromSIPURI are set for H.323/SIP participants.
	SIPURI, FromSIPURI string
	// InRoomParticipants is a Zoom Room's head count (meetings only).
	InRoomParticipants int
	// AudioCall lists a phone participant's calls.
	AudioCall []AudioCall
	// GroupID is the participant's group, served as "groupId" (meetings only).
	GroupID string
	// HasArchiving is served when not nil.
	HasArchiving *bool
	// OptionalArchiving is "no optional archiving", "join without
	// archiving" or "join with archiving".
	OptionalArchiving string
	// TotalJoinTimeCost is the time to join in seconds (meetings only).
	TotalJoinTimeCost float64
	// AICDisclaimer is "no disclaimer", "agree" or "leave meeting" (meetings only).
	AICDisclaimer string
	// ParentUserID is, for a breakout-room row, the participant's user_id in
	// the main session, sent in breakout-room webhook events only.
	ParentUserID string
	// PhoneNumber is a phone participant's number, sent in webhook events
	// (participant.phone_number) only.
	PhoneNumber string
	// Extra fields are added to both rows verbatim, after the known ones:
	// use it to serve fields the client does not know (a future Zoom field)
	// or values of an unexpected type.
	Extra map[string]any
}

// AudioCall is one phone call of a participant (Dashboard audio_call[]).
type AudioCall struct {
	// CallNumber is the participant's number.
	CallNumber string `json:"call_number"`
	// CallType is "call-in" or "call-out".
	CallType string `json:"call_type"`
	// ZoomNumber is Zoom's number that was called (or called out from).
	ZoomNumber string `json:"zoom_number"`
}

type dashboardRow struct {
	ID                  string   `json:"id"`
	UserID              string   `json:"user_id"`
	ParticipantUUID     string   `json:"participant_uuid,omitempty"`
	UserName            string   `json:"user_name"`
	Email               string   `json:"email"`
	ParticipantUserID   string   `json:"participant_user_id,omitempty"`
	RegistrantID        string   `json:"registrant_id,omitempty"`
	CustomerKey         string   `json:"customer_key,omitempty"`
	Device              string   `json:"device,omitempty"`
	OS                  string   `json:"os,omitempty"`
	OSVersion           string   `json:"os_version,omitempty"`
	IPAddress           string   `json:"ip_address,omitempty"`
	InternalIPAddresses []string `json:"internal_ip_addresses,omitempty"`
	Location            string   `json:"location,omitempty"`
	NetworkType         string   `json:"network_type,omitempty"`
	Microphone          string   `json:"microphone,omitempty"`
	Camera              string   `json:"camera,omitempty"`
	Speaker             string   `json:"speaker,omitempty"`
	DataCenter          string   `json:"data_center,omitempty"`
	FullDataCenter      string   `json:"full_data_center,omitempty"`
	ConnectionType      string   `json:"connection_type,omitempty"`
	JoinTime            string   `json:"join_time"`
	LeaveTime           string   `json:"leave_time,omitempty"`
	ShareApplication    bool     `json:"share_application"`
	ShareDesktop        bool     `json:"share_desktop"`
	ShareWhiteboard     bool     `json:"share_whiteboard"`
	Recording           bool     `json:"recording"`
	Status              string   `json:"status,omitempty"`
	PCName              string   `json:"pc_name,omitempty"`
	Domain              string   `json:"domain,omitempty"`
	Version             string   `json:"version,omitempty"`
	LeaveReason         string   `json:"leave_reason,omitempty"`
	Role                string   `json:"role"`
	BOMeetingID         string   `json:"bo_mtg_id,omitempty"`
	// Added later: all optional, so rows built without them keep their bytes.
	Client              string      `json:"client,omitempty"`
	DeviceName          string      `json:"device_name,omitempty"`
	MacAddr             string      `json:"mac_addr,omitempty"`
	HarddiskID          string      `json:"harddisk_id,omitempty"`
	BrowserName         string      `json:"browser_name,omitempty"`
	BrowserVersion      string      `json:"browser_version,omitempty"`
	VideoConnectionType string      `json:"video_connection_type,omitempty"`
	ASConnectionType    string      `json:"as_connection_type,omitempty"`
	AudioQuality        string      `json:"audio_quality,omitempty"`
	VideoQuality        string      `json:"video_quality,omitempty"`
	ScreenShareQuality  string      `json:"screen_share_quality,omitempty"`
	SIPURI              string      `json:"sip_uri,omitempty"`
	FromSIPURI          string      `json:"from_sip_uri,omitempty"`
	InRoomParticipants  int         `json:"in_room_participants,omitempty"`
	AudioCall           []AudioCall `json:"audio_call,omitempty"`
	GroupID             string      `json:"groupId,omitempty"`
	HasArchiving        *bool       `json:"has_archiving,omitempty"`
	OptionalArchiving   string      `json:"optional_archiving,omitempty"`
	TotalJoinTimeCost   float64     `json:"total_jointime_cost,omitempty"`
	AICDisclaimer       string      `json:"aic_disclaimer,omitempty"`
}

type reportRow struct {
	ID                string `json:"id"`
	UserID            string `json:"user_id"`
	Name              string `json:"name"`
	UserEmail         string `json:"user_email"`
	JoinTime          string `json:"join_time"`
	LeaveTime         string `json:"leave_time,omitempty"`
	Duration          int64  `json:"duration"`
	Failover          bool   `json:"failover"`
	Status            string `json:"status"`
	CustomerKey       string `json:"customer_key,omitempty"`
	RegistrantID      string `json:"registrant_id,omitempty"`
	BOMeetingID       string `json:"bo_mtg_id,omitempty"`
	ParticipantUserID string `json:"participant_user_id,omitempty"`
}

// zoomTime formats t as Zoom does: UTC, second precision, "Z".
func zoomTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// DashboardJSON returns the row as GET /metrics/meetings/{uuid}/participants
// serves it; withRegistrant adds registrant_id (include_fields=registrant_id).
func (p Participant) DashboardJSON(withRegistrant bool) []byte {
	return p.dashboardJSON(withRegistrant, false)
}

// DashboardWebinarJSON returns the row as GET
// /metrics/webinars/{uuid}/participants serves it: Zoom's webinar row has no
// status, camera, in_room_participants, groupId, total_jointime_cost or
// aic_disclaimer, and its role may be "panelist".
func (p Participant) DashboardWebinarJSON(withRegistrant bool) []byte {
	return p.dashboardJSON(withRegistrant, true)
}

func (p Participant) dashboardJSON(withRegistrant, webinar bool) []byte {
	r := dashboardRow{
		ID: p.ParticipantUserID, UserID: p.UserID, ParticipantUUID: p.ParticipantUUID,
		UserName: p.Name, Email: p.Email, ParticipantUserID: p.ParticipantUserID,
		CustomerKey: p.CustomerKey, Device: p.Device, OS: p.OS, OSVersion: p.OSVersion,
		IPAddress: p.IPAddress, InternalIPAddresses: p.InternalIPAddresses, Location: p.Location,
		NetworkType: p.NetworkType, Microphone: p.Microphone, Camera: p.Camera, Speaker: p.Speaker,
		DataCenter: p.DataCenter, FullDataCenter: p.FullDataCenter, ConnectionType: p.ConnectionType,
		JoinTime: zoomTime(p.Join), Status: orDefault(p.Status, "in_meeting"), PCName: p.PCName,
		Domain: p.Domain, Version: p.Version, LeaveReason: p.LeaveReason,
		Role: orDefault(p.Role, "attendee"), BOMeetingID: p.BOMeetingID,
		Client: p.Client, DeviceName: p.DeviceName, MacAddr: p.MacAddr, HarddiskID: p.HarddiskID,
		BrowserName: p.BrowserName, BrowserVersion: p.BrowserVersion,
		VideoConnectionType: p.VideoConnectionType, ASConnectionType: p.ASConnectionType,
		AudioQuality: p.AudioQuality, VideoQuality: p.VideoQuality, ScreenShareQuality: p.ScreenShareQuality,
		ShareApplication: p.ShareApplication, ShareDesktop: p.ShareDesktop,
		ShareWhiteboard: p.ShareWhiteboard, Recording: p.Recording,
		SIPURI: p.SIPURI, FromSIPURI: p.FromSIPURI, InRoomParticipants: p.InRoomParticipants,
		AudioCall: p.AudioCall, GroupID: p.GroupID, HasArchiving: p.HasArchiving,
		OptionalArchiving: p.OptionalArchiving, TotalJoinTimeCost: p.TotalJoinTimeCost,
		AICDisclaimer: p.AICDisclaimer,
	}
	if webinar {
		r.Status, r.InRoomParticipants, r.GroupID, r.TotalJoinTimeCost, r.AICDisclaimer = "", 0, "", 0, ""
		r.Camera = ""
	}
	if withRegistrant {
		r.RegistrantID = p.RegistrantID
	}
	if p.Leave != nil {
		r.LeaveTime = zoomTime(*p.Leave)
	}
	return withExtra(mustJSON(r), p.Extra)
}

// ReportJSON returns the row as GET /report/meetings/{uuid}/participants
// serves it; withRegistrant adds registrant_id.
func (p Participant) ReportJSON(withRegistrant bool) []byte {
	r := reportRow{
		ID: p.ParticipantUserID, UserID: p.UserID, Name: p.Name, UserEmail: p.Email,
		JoinTime: zoomTime(p.Join), Failover: p.Failover, Status: orDefault(p.Status, "in_meeting"),
		CustomerKey: p.CustomerKey, BOMeetingID: p.BOMeetingID, ParticipantUserID: p.ParticipantUserID,
	}
	if withRegistrant {
		r.RegistrantID = p.RegistrantID
	}
	if p.Leave != nil {
		r.LeaveTime = zoomTime(*p.Leave)
		r.Duration = int64(p.Leave.Sub(p.Join) / time.Second)
	}
	return withExtra(mustJSON(r), p.Extra)
}

// mustJSON marshals values that cannot fail (plain structs of strings,
// numbers and maps with string keys), without escaping HTML as Zoom does not.
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("zoomtest: " + err.Error())
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// withExtra appends extra's keys, sorted, to the JSON object obj.
func withExtra(obj []byte, extra map[string]any) []byte {
	if len(extra) == 0 {
		return obj
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := bytes.TrimSuffix(obj, []byte("}"))
	for _, k := range keys {
		out = append(out, ',')
		out = append(out, mustJSON(k)...)
		out = append(out, ':')
		out = append(out, mustJSON(extra[k])...)
	}
	return append(out, '}')
}

// clone returns a deep copy of p.
func (p Participant) clone() Participant {
	if p.Leave != nil {
		l := *p.Leave
		p.Leave = &l
	}
	p.InternalIPAddresses = slices.Clone(p.InternalIPAddresses)
	p.AudioCall = slices.Clone(p.AudioCall)
	if p.HasArchiving != nil {
		b := *p.HasArchiving
		p.HasArchiving = &b
	}
	if p.Extra != nil {
		m := make(map[string]any, len(p.Extra))
		for k, v := range p.Extra {
			m[k] = v
		}
		p.Extra = m
	}
	return p
}
