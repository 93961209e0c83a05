package zoom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// PastMeeting is the detail of one ended meeting instance, from
// GET /past_meetings/{uuid}. Times are UTC; Duration is in minutes.
type PastMeeting struct {
	// UUID identifies this instance.
	UUID string
	// ID is the meeting number shared by all instances.
	ID int64
	// HostID is the host's Zoom user ID.
	HostID string
	// Topic is the meeting's title.
	Topic string
	// UserName and UserEmail are the host's name and email.
	UserName, UserEmail string
	// Type is Zoom's meeting type (1 instant, 2 scheduled, 3/8 recurring, 4 PMI...).
	Type int
	// StartTime and EndTime bound the instance.
	StartTime, EndTime time.Time
	// Duration is the length in minutes.
	Duration int
	// ParticipantsCount is Zoom's participant count.
	ParticipantsCount int
	// TotalMinutes is the sum of all participants' minutes, host included.
	TotalMinutes int
	// Dept is the host's department.
	Dept string
	// Raw is the exact JSON Zoom sent.
	Raw json.RawMessage
}

type pastMeetingJSON struct {
	UUID              string        `json:"uuid"`
	ID                MeetingNumber `json:"id"`
	HostID            string        `json:"host_id"`
	Topic             string        `json:"topic"`
	UserName          string        `json:"user_name"`
	UserEmail         string        `json:"user_email"`
	Type              int           `json:"type"`
	StartTime         string        `json:"start_time"`
	EndTime           string        `json:"end_time"`
	Duration          int           `json:"duration"`
	ParticipantsCount int           `json:"participants_count"`
	TotalMinutes      int           `json:"total_minutes"`
	Dept              string        `json:"dept"`
}

// PastMeeting returns the details of the ended meeting instance meetingUUID
// (rate label Light). Errors are as for Participants; a meeting Zoom has not
// finished processing wraps ErrMeetingNotReady.
func (c *Client) PastMeeting(ctx context.Context, meetingUUID string) (PastMeeting, error) {
	if meetingUUID == "" {
		return PastMeeting{}, errors.New("zoom: past meeting: empty meeting UUID")
	}
	path := "/past_meetings/" + EscapeUUID(meetingUUID)
	var raw json.RawMessage
	if err := c.get(ctx, request{limiter: c.light, path: path}, &raw); err != nil {
		return PastMeeting{}, err
	}
	var j pastMeetingJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return PastMeeting{}, fmt.Errorf("zoom: GET %s: decoding answer: %w", path, err)
	}
	start, err := parseTime(j.StartTime)
	if err != nil {
		return PastMeeting{}, fmt.Errorf("zoom: GET %s: start_time: %w", path, err)
	}
	end, err := parseTime(j.EndTime)
	if err != nil {
		return PastMeeting{}, fmt.Errorf("zoom: GET %s: end_time: %w", path, err)
	}
	return PastMeeting{
		UUID: j.UUID, ID: int64(j.ID), HostID: j.HostID, Topic: j.Topic,
		UserName: j.UserName, UserEmail: j.UserEmail, Type: j.Type,
		StartTime: start, EndTime: end, Duration: j.Duration,
		ParticipantsCount: j.ParticipantsCount, TotalMinutes: j.TotalMinutes, Dept: j.Dept,
		Raw: raw,
	}, nil
}
