package zoom

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

// TestSeedFixtureDecodesFieldForField decodes Zoom's Dashboard sample
// (testdata/dashboard_participants_seed.json)
// and checks every field of both rows, that Raw is the exact object, and
// that no key of the sample is left without a typed field.
func TestSeedFixtureDecodesFieldForField(t *testing.T) {
	data, err := os.ReadFile("testdata/dashboard_participants_seed.json")
	require.NoError(t, err)
	var page participantsPage
	require.NoError(t, json.Unmarshal(data, &page))

	assert.Equal(t, 1, page.PageCount)
	assert.Equal(t, 30, page.PageSize)
	assert.Equal(t, 2, page.TotalRecords)
	assert.Equal(t, "", page.NextPageToken)
	require.Len(t, page.Participants, 2)

	want := []Participant{{
		ID:              "d52f19c548b88490b5d16fcbd38",
		UserID:          "32dsfsd4g5gd",
		UserName:        "dojo",
		Device:          "WIN",
		IPAddress:       "127.0.0.1",
		Location:        "New York",
		NetworkType:     "Wired",
		Microphone:      "Plantronics BT600",
		Camera:          "FaceTime HD Camera",
		Speaker:         "Plantronics BT600",
		DataCenter:      "SC",
		FullDataCenter:  "United States;United States (US03_SC CRC)",
		ConnectionType:  "P2P",
		JoinTime:        time.Date(2019, 9, 7, 13, 15, 2, 837_000_000, time.UTC),
		LeaveTime:       ptr(time.Date(2019, 9, 7, 13, 15, 9, 837_000_000, time.UTC)),
		ShareDesktop:    true,
		ShareWhiteboard: true,
		Status:          "in_waiting_room",
		PCName:          "dojo's pc",
		Domain:          "Dojo-workspace",
		MacAddr:         " 00:0a:95:9d:68:16",
		HarddiskID:      "sed proident in",
		Version:         "4.4.55383.0716",
		LeaveReason:     "Dojo left the meeting.<br>Reason: Host ended the meeting.",
		Role:            "host",
	}, {
		ID:             "z8aaaaaaCfp8uQ",
		UserID:         "1670000000",
		UserName:       "Rea",
		Device:         "Android",
		IPAddress:      "120.000.000",
		Location:       "San Jose (US)",
		NetworkType:    "Wifi",
		DataCenter:     "SC",
		FullDataCenter: "United States;United States (US03_SC CRC)",
		ConnectionType: "UDP",
		JoinTime:       time.Date(2019, 8, 2, 15, 31, 48, 0, time.UTC),
		LeaveTime:      ptr(time.Date(2019, 8, 2, 16, 4, 12, 0, time.UTC)),
		PCName:         "Rea's PC",
		Domain:         "Rea-workspace",
		Version:        "4.4.55383.0716",
		LeaveReason:    "Rea left the meeting.<br>Reason: Host closed the meeting.",
		SIPURI:         "sip:sipp@10.100.112.140:11029",
		FromSIPURI:     "sip:sipp@10.100.112.140:11029",
		Role:           "host",
	}}

	var rawRows struct {
		Participants []json.RawMessage `json:"participants"`
	}
	require.NoError(t, json.Unmarshal(data, &rawRows))
	known := jsonKeys(reflect.TypeFor[Participant]())
	for i, got := range page.Participants {
		assert.Equal(t, []byte(rawRows.Participants[i]), []byte(got.Raw), "Raw is the exact object")
		assert.True(t, bytes.Contains(data, got.Raw))
		assert.Equal(t, time.UTC, got.JoinTime.Location())
		assert.Equal(t, time.UTC, got.LeaveTime.Location())

		w := want[i]
		w.Raw = got.Raw
		assert.Equal(t, w, got)

		// Nothing lost: every key of the sample has a typed field, and the
		// typed view marshals back to the same value (zero values omitted).
		var rawMap, typedMap map[string]any
		require.NoError(t, json.Unmarshal(got.Raw, &rawMap))
		typed, err := json.Marshal(got)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(typed, &typedMap))
		for k, v := range rawMap {
			assert.True(t, known[k], "key %q has a typed field", k)
			if tv, ok := typedMap[k]; ok {
				if k == "join_time" || k == "leave_time" {
					rt, _ := time.Parse(time.RFC3339, v.(string))
					tt, _ := time.Parse(time.RFC3339, tv.(string))
					assert.True(t, rt.Equal(tt), k)
					continue
				}
				assert.Equal(t, v, tv, k)
			} else {
				assert.Zero(t, v, "only zero values are omitted: %q", k)
			}
		}
	}
	assert.Equal(t, "dojo", page.Participants[0].DisplayName())
	assert.Equal(t, "d52f19c548b88490b5d16fcbd38", page.Participants[0].ZoomUserID())
	assert.Equal(t, "", page.Participants[0].EmailAddress())
}

// jsonKeys returns the JSON key of every field of struct type t.
func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}

// TestParticipantEveryDocumentedField decodes a row carrying every field
// Zoom documents for Dashboard and Report rows, plus an unknown one.
func TestParticipantEveryDocumentedField(t *testing.T) {
	row := `{
	  "id": "uid1", "user_id": "16778240", "participant_uuid": "67C1A429-1476-4C9C",
	  "user_name": "Ada <b>L</b>", "name": "Ada L", "email": "ada@example.com", "user_email": "ada@r.example",
	  "participant_user_id": "puid1", "registrant_id": "reg1", "customer_key": "ck1",
	  "join_time": "2025-01-02T03:04:05Z", "leave_time": "2025-01-02T04:04:05.5+01:00",
	  "leave_reason": "Ada left the meeting.<br>Reason: Network connection error.",
	  "status": "in_meeting", "role": "attendee", "duration": 3600, "failover": true, "bo_mtg_id": "bo1",
	  "internal_user": true,
	  "device": "Mac", "os": "macOS", "os_version": "14.5", "client": "Zoom", "version": "6.2",
	  "device_name": "MacBook", "pc_name": "Ada's Mac", "domain": "corp", "mac_addr": "00:11", "harddisk_id": "hd1",
	  "browser_name": "Firefox", "browser_version": "128", "zoom_thin_client_plugin_version": "1.2",
	  "ip_address": "203.0.113.9", "internal_ip_addresses": ["10.0.0.2", "192.168.1.3"], "location": "Lisbon (PT)",
	  "network_type": "Wifi", "data_center": "SC", "full_data_center": "US;US (SC)", "connection_type": "UDP",
	  "video_connection_type": "UDP", "as_connection_type": "TCP",
	  "audio_quality": "good", "video_quality": "fair", "screen_share_quality": "poor",
	  "camera": "FaceTime", "microphone": "Built-in", "speaker": "AirPods",
	  "share_application": true, "share_desktop": true, "share_whiteboard": true, "recording": true,
	  "sip_uri": "sip:a@b", "from_sip_uri": "sip:c@d", "in_room_participants": 4,
	  "audio_call": [{"call_number": "+1555", "call_type": "call-in", "zoom_number": "+1666"}],
	  "groupId": "g1", "has_archiving": true, "optional_archiving": "join with archiving", "total_jointime_cost": 2.5,
	  "aic_disclaimer": "agree",
	  "a_future_field": {"nested": [1, 2, 3]}
	}`
	var p Participant
	require.NoError(t, json.Unmarshal([]byte(row), &p))
	assert.Equal(t, Participant{
		ID: "uid1", UserID: "16778240", ParticipantUUID: "67C1A429-1476-4C9C",
		UserName: "Ada <b>L</b>", Name: "Ada L", Email: "ada@example.com", UserEmail: "ada@r.example",
		ParticipantUserID: "puid1", RegistrantID: "reg1", CustomerKey: "ck1",
		JoinTime:    time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		LeaveTime:   ptr(time.Date(2025, 1, 2, 3, 4, 5, 500_000_000, time.UTC)),
		LeaveReason: "Ada left the meeting.<br>Reason: Network connection error.",
		Status:      "in_meeting", Role: "attendee", Duration: 3600, Failover: true, BOMeetingID: "bo1",
		InternalUser: true,
		Device:       "Mac", OS: "macOS", OSVersion: "14.5", Client: "Zoom", Version: "6.2",
		DeviceName: "MacBook", PCName: "Ada's Mac", Domain: "corp", MacAddr: "00:11", HarddiskID: "hd1",
		BrowserName: "Firefox", BrowserVersion: "128", ZoomThinClientPluginVersion: "1.2",
		IPAddress: "203.0.113.9", InternalIPAddresses: []string{"10.0.0.2", "192.168.1.3"}, Location: "Lisbon (PT)",
		NetworkType: "Wifi", DataCenter: "SC", FullDataCenter: "US;US (SC)", ConnectionType: "UDP",
		VideoConnectionType: "UDP", ASConnectionType: "TCP",
		AudioQuality: "good", VideoQuality: "fair", ScreenShareQuality: "poor",
		Camera: "FaceTime", Microphone: "Built-in", Speaker: "AirPods",
		ShareApplication: true, ShareDesktop: true, ShareWhiteboard: true, Recording: true,
		SIPURI: "sip:a@b", FromSIPURI: "sip:c@d", InRoomParticipants: 4,
		AudioCall: []AudioCall{{CallNumber: "+1555", CallType: "call-in", ZoomNumber: "+1666"}},
		GroupID:   "g1", HasArchiving: true, OptionalArchiving: "join with archiving", TotalJoinTimeCost: 2.5,
		AICDisclaimer: "agree",
		Raw:           json.RawMessage(strings.TrimSpace(row)),
	}, p)
	assert.Contains(t, string(p.Raw), `"a_future_field": {"nested": [1, 2, 3]}`)
	assert.Equal(t, "Ada <b>L</b>", p.DisplayName())
	assert.Equal(t, "ada@example.com", p.EmailAddress())
	assert.Equal(t, "puid1", p.ZoomUserID())
}

func TestParticipantDecodingEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		row     string
		wantErr string
		check   func(t *testing.T, p Participant)
	}{
		{"no leave time", `{"user_id":"1","join_time":"2025-01-01T00:00:00Z"}`, "", func(t *testing.T, p Participant) {
			assert.Nil(t, p.LeaveTime)
		}},
		{"empty leave time", `{"leave_time":"","join_time":""}`, "", func(t *testing.T, p Participant) {
			assert.Nil(t, p.LeaveTime)
			assert.True(t, p.JoinTime.IsZero())
		}},
		{"null leave time", `{"leave_time":null}`, "", func(t *testing.T, p Participant) {
			assert.Nil(t, p.LeaveTime)
		}},
		{"fallbacks", `{"name":"N","user_email":"e@x","id":"i"}`, "", func(t *testing.T, p Participant) {
			assert.Equal(t, "N", p.DisplayName())
			assert.Equal(t, "e@x", p.EmailAddress())
			assert.Equal(t, "i", p.ZoomUserID())
		}},
		{"unexpected type keeps going", `{"duration":"12","user_name":"Kim","failover":"yes"}`, "", func(t *testing.T, p Participant) {
			assert.Zero(t, p.Duration)
			assert.Equal(t, "Kim", p.UserName)
			assert.Contains(t, string(p.Raw), `"duration":"12"`)
		}},
		// Zoom's spec types these as string enums; older answers sent bools.
		{"bool where the spec says string", `{"optional_archiving":true,"aic_disclaimer":false,"user_name":"Kim","has_archiving":"yes","os":7}`, "", func(t *testing.T, p Participant) {
			assert.Equal(t, "true", p.OptionalArchiving)
			assert.Equal(t, "false", p.AICDisclaimer)
			assert.Equal(t, "7", p.OS)
			assert.Equal(t, "Kim", p.UserName)
			assert.False(t, p.HasArchiving)
		}},
		{"string enums as specified", `{"optional_archiving":"join without archiving","aic_disclaimer":"leave meeting"}`, "", func(t *testing.T, p Participant) {
			assert.Equal(t, "join without archiving", p.OptionalArchiving)
			assert.Equal(t, "leave meeting", p.AICDisclaimer)
		}},
		{"nested mismatches keep going", `{"audio_call":[{"call_number":5551234,"call_type":"call-in"}],"internal_ip_addresses":[1,"10.0.0.1"],"in_room_participants":"3","user_id":"9"}`, "", func(t *testing.T, p Participant) {
			assert.Equal(t, "9", p.UserID)
			require.Len(t, p.AudioCall, 1)
			assert.Equal(t, "call-in", p.AudioCall[0].CallType)
			assert.Zero(t, p.InRoomParticipants)
		}},
		{"malformed join time", `{"join_time":"yesterday"}`, "join_time", nil},
		{"malformed leave time", `{"leave_time":"2025-13-01T00:00:00Z"}`, "leave_time", nil},
		{"not an object", `["a"]`, "zoom: participant", nil},
		{"broken JSON", `{"user_id":`, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Participant
			err := json.Unmarshal([]byte(tc.row), &p)
			if tc.check == nil {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.row, string(p.Raw))
			tc.check(t, p)
		})
	}
}

// TestPageSurvivesOddTypes: a page whose counts or rows carry a value of an
// unexpected JSON type decodes every row; each row keeps its exact bytes.
func TestPageSurvivesOddTypes(t *testing.T) {
	body := `{"page_count":1,"page_size":"300","total_records":"2","next_page_token":"","participants":[` +
		`{"user_id":"1","user_name":"Ann","optional_archiving":true,"aic_disclaimer":"agree"},` +
		`{"user_id":"2","user_name":"Bo","has_archiving":"yes","total_jointime_cost":"1.5","audio_call":{"call_number":"+1"}}]}`
	var page participantsPage
	require.NoError(t, json.Unmarshal([]byte(body), &page))
	require.Len(t, page.Participants, 2)
	assert.Zero(t, page.TotalRecords)
	assert.Equal(t, "true", page.Participants[0].OptionalArchiving)
	assert.Equal(t, "agree", page.Participants[0].AICDisclaimer)
	assert.Equal(t, "Bo", page.Participants[1].UserName)
	assert.False(t, page.Participants[1].HasArchiving)
	assert.Nil(t, page.Participants[1].AudioCall)
	assert.Contains(t, string(page.Participants[1].Raw), `"has_archiving":"yes"`)

	_, err := json.Marshal(page.Participants[0])
	require.NoError(t, err)
}
