package zoom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Participant is one participant row (one join..leave segment) from either
// the Dashboard or the Report participants API. A rejoin
// is a new row with a new UserID. Fields a source does not send stay zero.
//
// Raw holds the exact bytes of the JSON object Zoom sent, so nothing is ever
// lost, including fields this type does not know yet; store Raw when the
// original must be kept verbatim. The typed fields are a convenience view:
// if Zoom sends a value of an unexpected JSON type for a non-time field,
// decoding goes on (Raw still has it): a JSON bool or number where a string
// is specified (Zoom's spec and its real answers have differed this way) is
// kept as its JSON text ("true", "12"); any other mismatch leaves the field
// zero. A join_time or leave_time that is present but not an RFC 3339 time
// is an error.
//
// Marshalling a Participant writes the typed fields with Zoom's key names
// (zero values omitted), not Raw.
type Participant struct {
	// ID is the Zoom user ID when signed in; empty for guests and, since
	// 2023-03, for external users. Deprecated by Zoom: prefer ParticipantUserID.
	ID string `json:"id,omitempty"`
	// UserID is the per-meeting participant number; it changes on rejoin.
	UserID string `json:"user_id,omitempty"`
	// ParticipantUUID is a GUID assigned at join (Dashboard).
	ParticipantUUID string `json:"participant_uuid,omitempty"`
	// UserName is the display name (Dashboard).
	UserName string `json:"user_name,omitempty"`
	// Name is the display name (Report).
	Name string `json:"name,omitempty"`
	// Email is the participant's email (Dashboard); see Zoom's display rules.
	Email string `json:"email,omitempty"`
	// UserEmail is the participant's email (Report).
	UserEmail string `json:"user_email,omitempty"`
	// ParticipantUserID is the Zoom user ID of a signed-in participant.
	ParticipantUserID string `json:"participant_user_id,omitempty"`
	// RegistrantID is set for registered attendees (asked for with
	// include_fields=registrant_id); the only ID that survives a guest's rejoin.
	RegistrantID string `json:"registrant_id,omitempty"`
	// CustomerKey is the Meeting SDK customer key.
	CustomerKey string `json:"customer_key,omitempty"`
	// JoinTime is when this segment began, in UTC.
	JoinTime time.Time `json:"join_time,omitzero"`
	// LeaveTime is when this segment ended, in UTC; nil when Zoom sent none
	// (still in the meeting, or lost).
	LeaveTime *time.Time `json:"leave_time,omitempty"`
	// LeaveReason is Zoom's text, which may contain HTML such as <br> and
	// user-typed names: sanitize before display.
	LeaveReason string `json:"leave_reason,omitempty"`
	// Status is "in_meeting" or "in_waiting_room".
	Status string `json:"status,omitempty"`
	// Role is "host" or "attendee" (Dashboard).
	Role string `json:"role,omitempty"`
	// Duration is this segment's length in seconds (Report only).
	Duration int `json:"duration,omitempty"`
	// Failover reports a failover during the meeting (Report).
	Failover bool `json:"failover,omitempty"`
	// BOMeetingID is the breakout room's ID.
	BOMeetingID string `json:"bo_mtg_id,omitempty"`
	// InternalUser reports an account-internal user (past_meetings rows).
	InternalUser bool `json:"internal_user,omitempty"`

	// Device is "Phone", "H.323/SIP", "Windows", "Mac", "iOS", "Android"...
	Device string `json:"device,omitempty"`
	// OS is the operating system.
	OS string `json:"os,omitempty"`
	// OSVersion is the operating system's version.
	OSVersion string `json:"os_version,omitempty"`
	// Client is the Zoom client type.
	Client string `json:"client,omitempty"`
	// Version is the Zoom client version.
	Version string `json:"version,omitempty"`
	// DeviceName is the device's name.
	DeviceName string `json:"device_name,omitempty"`
	// PCName is the computer's name.
	PCName string `json:"pc_name,omitempty"`
	// Domain is the computer's domain.
	Domain string `json:"domain,omitempty"`
	// MacAddr is the MAC address (Zoom may pad it with white space).
	MacAddr string `json:"mac_addr,omitempty"`
	// HarddiskID is the disk's ID.
	HarddiskID string `json:"harddisk_id,omitempty"`
	// BrowserName is the browser of a web-client participant.
	BrowserName string `json:"browser_name,omitempty"`
	// BrowserVersion is that browser's version.
	BrowserVersion string `json:"browser_version,omitempty"`
	// ZoomThinClientPluginVersion is the VDI plugin version.
	ZoomThinClientPluginVersion string `json:"zoom_thin_client_plugin_version,omitempty"`

	// IPAddress is the public IP address.
	IPAddress string `json:"ip_address,omitempty"`
	// InternalIPAddresses are the device's private addresses.
	InternalIPAddresses []string `json:"internal_ip_addresses,omitempty"`
	// Location is a place name such as "San Jose (US)".
	Location string `json:"location,omitempty"`
	// NetworkType is "Wired", "Wifi", "PPP", "Cellular"...
	NetworkType string `json:"network_type,omitempty"`
	// DataCenter is the Zoom data centre code.
	DataCenter string `json:"data_center,omitempty"`
	// FullDataCenter is the data centre's full description.
	FullDataCenter string `json:"full_data_center,omitempty"`
	// ConnectionType is "P2P", "UDP", "TCP"...
	ConnectionType string `json:"connection_type,omitempty"`
	// VideoConnectionType is the video connection type.
	VideoConnectionType string `json:"video_connection_type,omitempty"`
	// ASConnectionType is the screen-share connection type.
	ASConnectionType string `json:"as_connection_type,omitempty"`

	// AudioQuality is "good", "fair", "poor", "bad" or empty.
	AudioQuality string `json:"audio_quality,omitempty"`
	// VideoQuality is like AudioQuality.
	VideoQuality string `json:"video_quality,omitempty"`
	// ScreenShareQuality is like AudioQuality.
	ScreenShareQuality string `json:"screen_share_quality,omitempty"`
	// Camera is the camera's name.
	Camera string `json:"camera,omitempty"`
	// Microphone is the microphone's name.
	Microphone string `json:"microphone,omitempty"`
	// Speaker is the speaker's name.
	Speaker string `json:"speaker,omitempty"`

	// ShareApplication reports application sharing.
	ShareApplication bool `json:"share_application,omitempty"`
	// ShareDesktop reports desktop sharing.
	ShareDesktop bool `json:"share_desktop,omitempty"`
	// ShareWhiteboard reports whiteboard sharing.
	ShareWhiteboard bool `json:"share_whiteboard,omitempty"`
	// Recording reports local recording.
	Recording bool `json:"recording,omitempty"`

	// SIPURI is the participant's SIP URI.
	SIPURI string `json:"sip_uri,omitempty"`
	// FromSIPURI is the calling SIP URI.
	FromSIPURI string `json:"from_sip_uri,omitempty"`
	// InRoomParticipants is the head count of a Zoom Room.
	InRoomParticipants int `json:"in_room_participants,omitempty"`
	// AudioCall lists phone calls of this participant.
	AudioCall []AudioCall `json:"audio_call,omitempty"`
	// GroupID is the participant's group (Zoom spells the key "groupId").
	GroupID string `json:"groupId,omitempty"`
	// HasArchiving reports archiving.
	HasArchiving bool `json:"has_archiving,omitempty"`
	// OptionalArchiving is Zoom's optional-archiving state: "no optional
	// archiving", "join without archiving" or "join with archiving".
	OptionalArchiving string `json:"optional_archiving,omitempty"`
	// TotalJoinTimeCost is the time to join, in seconds.
	TotalJoinTimeCost float64 `json:"total_jointime_cost,omitempty"`
	// AICDisclaimer is the participant's answer to the AI Companion
	// disclaimer: "no disclaimer", "agree" or "leave meeting".
	AICDisclaimer string `json:"aic_disclaimer,omitempty"`

	// Raw is the exact JSON object Zoom sent for this row.
	Raw json.RawMessage `json:"-"`
}

// AudioCall is one phone call of a participant (Dashboard audio_call[]).
type AudioCall struct {
	// CallNumber is the dialled or calling number.
	CallNumber string `json:"call_number,omitempty"`
	// CallType is the call's type, such as "call-in".
	CallType string `json:"call_type,omitempty"`
	// ZoomNumber is Zoom's number involved.
	ZoomNumber string `json:"zoom_number,omitempty"`
}

// DisplayName returns the Dashboard's user_name, else the Report's name.
func (p Participant) DisplayName() string {
	if p.UserName != "" {
		return p.UserName
	}
	return p.Name
}

// EmailAddress returns the Dashboard's email, else the Report's user_email.
func (p Participant) EmailAddress() string {
	if p.Email != "" {
		return p.Email
	}
	return p.UserEmail
}

// ZoomUserID returns participant_user_id, else the deprecated id: the Zoom
// user ID of a signed-in participant, empty for guests and external users.
func (p Participant) ZoomUserID() string {
	if p.ParticipantUserID != "" {
		return p.ParticipantUserID
	}
	return p.ID
}

// UnmarshalJSON decodes one row, keeping a copy of data in Raw. It resets
// p first; null leaves p zero.
func (p *Participant) UnmarshalJSON(data []byte) error {
	type plain Participant
	var aux struct {
		*plain
		// Shadow the time fields (shallower depth wins) to parse them here:
		// Zoom may send "" or null for a missing time.
		JoinTime  *string `json:"join_time"`
		LeaveTime *string `json:"leave_time"`
	}
	data = bytes.TrimSpace(data)
	*p = Participant{} // also for null: decoding may reuse a slice's elements
	if string(data) == "null" {
		return nil
	}
	aux.plain = (*plain)(p)
	if err := decodeLenient(data, &aux, p); err != nil {
		return fmt.Errorf("zoom: participant: %w", err)
	}
	if aux.JoinTime != nil {
		t, err := parseTime(*aux.JoinTime)
		if err != nil {
			return fmt.Errorf("zoom: participant join_time: %w", err)
		}
		p.JoinTime = t
	}
	if aux.LeaveTime != nil && *aux.LeaveTime != "" {
		t, err := parseTime(*aux.LeaveTime)
		if err != nil {
			return fmt.Errorf("zoom: participant leave_time: %w", err)
		}
		p.LeaveTime = &t
	}
	p.Raw = bytes.Clone(data)
	return nil
}

// parseTime parses Zoom's RFC 3339 times ("2019-09-07T13:15:02.837Z") into
// UTC. The empty string is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		// An offset pushed the UTC time out of RFC 3339's range; it could
		// not be marshalled again.
		return time.Time{}, fmt.Errorf("time %q is out of range in UTC", s)
	}
	return t, nil
}
