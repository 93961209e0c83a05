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
	// Extra fields are added to both rows verbatim, after the known ones:
	// use it to serve fields the client does not know (a future Zoom field)
	// or values of an unexpected type.
	Extra map[string]any
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
	Status              string   `json:"status"`
	PCName              string   `json:"pc_name,omitempty"`
	Domain              string   `json:"domain,omitempty"`
	Version             string   `json:"version,omitempty"`
	LeaveReason         string   `json:"leave_reason,omitempty"`
	Role                string   `json:"role"`
	BOMeetingID         string   `json:"bo_mtg_id,omitempty"`
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
	if p.Extra != nil {
		m := make(map[string]any, len(p.Extra))
		for k, v := range p.Extra {
			m[k] = v
		}
		p.Extra = m
	}
	return p
}
