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

// ReportDetail is the report of one ended meeting or webinar instance, from
// GET /report/meetings/{id} or GET /report/webinars/{id}. Times are UTC;
// EndTime is zero when Zoom sent none; Duration is in minutes.
type ReportDetail struct {
	// UUID identifies the instance.
	UUID string
	// ID is the meeting (or webinar) number.
	ID int64
	// Type is Zoom's meeting type (5, 6 or 9 for webinars).
	Type int
	// Topic is the title.
	Topic string
	// UserName and UserEmail are the host's name and email.
	UserName, UserEmail string
	// Dept is the host's department.
	Dept string
	// StartTime and EndTime bound the instance.
	StartTime, EndTime time.Time
	// Duration is the length in minutes.
	Duration int
	// ParticipantsCount is Zoom's participant count.
	ParticipantsCount int
	// TotalMinutes is the sum of all participants' minutes.
	TotalMinutes int
	// Raw is the exact JSON Zoom sent.
	Raw json.RawMessage
}

type reportDetailJSON struct {
	UUID              string          `json:"uuid"`
	ID                json.RawMessage `json:"id"`
	Type              int             `json:"type"`
	Topic             string          `json:"topic"`
	UserName          string          `json:"user_name"`
	UserEmail         string          `json:"user_email"`
	Dept              string          `json:"dept"`
	StartTime         string          `json:"start_time"`
	EndTime           string          `json:"end_time"`
	Duration          int             `json:"duration"`
	ParticipantsCount int             `json:"participants_count"`
	TotalMinutes      int             `json:"total_minutes"`
}

// MeetingReport returns the report of the ended meeting instance meetingUUID
// (Pro plan or higher, rate label Heavy). Errors are as for Participants; a
// meeting Zoom has not finished processing wraps ErrMeetingNotReady.
func (c *Client) MeetingReport(ctx context.Context, meetingUUID string) (ReportDetail, error) {
	return c.reportDetail(ctx, "meetings", meetingUUID)
}

// WebinarReport returns the report of the ended webinar instance
// webinarUUID from GET /report/webinars/{webinarId} (Pro plan or higher
// with the Webinar add-on, rate label Heavy): its start, end and duration,
// for a webinar.ended that came without end_time. Errors are as for
// MeetingReport.
func (c *Client) WebinarReport(ctx context.Context, webinarUUID string) (ReportDetail, error) {
	return c.reportDetail(ctx, "webinars", webinarUUID)
}

func (c *Client) reportDetail(ctx context.Context, kind, uuid string) (ReportDetail, error) {
	if uuid == "" {
		return ReportDetail{}, fmt.Errorf("zoom: %s report: empty UUID", kind)
	}
	path := "/report/" + kind + "/" + EscapeUUID(uuid)
	var raw json.RawMessage
	if err := c.get(ctx, request{limiter: c.heavy, path: path}, &raw); err != nil {
		return ReportDetail{}, err
	}
	var j reportDetailJSON
	if err := decodeLenient(raw, &j, &j); err != nil {
		return ReportDetail{}, fmt.Errorf("zoom: GET %s: decoding answer: %w", path, err)
	}
	start, err := parseTime(j.StartTime)
	if err != nil {
		return ReportDetail{}, fmt.Errorf("zoom: GET %s: start_time: %w", path, err)
	}
	end, err := parseTime(j.EndTime)
	if err != nil {
		return ReportDetail{}, fmt.Errorf("zoom: GET %s: end_time: %w", path, err)
	}
	return ReportDetail{
		UUID: j.UUID, ID: lenientNumber(j.ID), Type: j.Type, Topic: j.Topic,
		UserName: j.UserName, UserEmail: j.UserEmail, Dept: j.Dept,
		StartTime: start, EndTime: end, Duration: j.Duration,
		ParticipantsCount: j.ParticipantsCount, TotalMinutes: j.TotalMinutes, Raw: raw,
	}, nil
}
