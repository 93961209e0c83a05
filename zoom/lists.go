package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// List types for ListOptions.Type.
const (
	// ListPast lists ended meetings with two or more participants.
	ListPast = "past"
	// ListPastOne lists ended meetings with one participant (not for webinars).
	ListPastOne = "pastOne"
	// ListPastJoined lists meetings a user joined (UserMeetings only).
	ListPastJoined = "pastJoined"
)

// ListOptions selects ended meetings or webinars by date.
type ListOptions struct {
	// Type is ListPast (the default), ListPastOne or, for UserMeetings,
	// ListPastJoined. Zoom's own default is "live", so the client always sends one.
	Type string
	// From and To are the first and last day of the range, taken as UTC
	// dates (the time of day is ignored). Zoom accepts a range of at most
	// one month that lies within the last six months.
	From, To time.Time
	// QueryDateType is "start_time" (Zoom's default) or "end_time": which
	// time the Dashboard lists match against the range. UserMeetings
	// ignores it.
	QueryDateType string
}

func (o ListOptions) query(what string, allowed ...string) (url.Values, error) {
	if o.From.IsZero() || o.To.IsZero() {
		return nil, fmt.Errorf("zoom: %s: From and To are required", what)
	}
	from, to := o.From.UTC().Format(time.DateOnly), o.To.UTC().Format(time.DateOnly)
	if to < from {
		return nil, fmt.Errorf("zoom: %s: To %s is before From %s", what, to, from)
	}
	typ := o.Type
	if typ == "" {
		typ = ListPast
	}
	ok := false
	for _, a := range allowed {
		ok = ok || typ == a
	}
	if !ok {
		return nil, fmt.Errorf("zoom: %s: type %q is not one of %q", what, typ, allowed)
	}
	q := url.Values{"type": {typ}, "from": {from}, "to": {to}, "page_size": {strconv.Itoa(PageSize)}}
	if o.QueryDateType != "" {
		q.Set("query_date_type", o.QueryDateType)
	}
	return q, nil
}

// DashboardMeeting is one row of the Dashboard's meeting or webinar list
// (GET /metrics/meetings, GET /metrics/webinars). Fields of an unexpected
// JSON type, and times that are not RFC 3339, stay zero; Raw keeps them.
type DashboardMeeting struct {
	// UUID identifies the instance: fetch its participants with it.
	UUID string `json:"uuid"`
	// ID is the meeting (or webinar) number.
	ID int64 `json:"-"`
	// Topic is the title.
	Topic string `json:"topic"`
	// Host and Email are the host's display name and email.
	Host  string `json:"host"`
	Email string `json:"email"`
	// UserType is the host's licence, such as "Licensed".
	UserType string `json:"user_type"`
	// Dept is the host's department.
	Dept string `json:"dept"`
	// StartTime and EndTime bound the instance (UTC); EndTime is nil when absent.
	StartTime time.Time  `json:"-"`
	EndTime   *time.Time `json:"-"`
	// Duration is Zoom's "hh:mm:ss" or "mm:ss" text, such as "05:27".
	Duration string `json:"duration"`
	// Participants is Zoom's participant count.
	Participants int `json:"participants"`
	// SessionKey is the Meeting SDK session key, if any.
	SessionKey string `json:"session_key"`
	// HasRecording, HasScreenShare, HasVideo, HasPSTN, HasVoIP, HasSIP and
	// HasArchiving are Zoom's feature flags for the instance.
	HasRecording   bool `json:"has_recording"`
	HasScreenShare bool `json:"has_screen_share"`
	HasVideo       bool `json:"has_video"`
	HasPSTN        bool `json:"has_pstn"`
	HasVoIP        bool `json:"has_voip"`
	HasSIP         bool `json:"has_sip"`
	HasArchiving   bool `json:"has_archiving"`
	// Raw is the exact JSON object Zoom sent.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes one row leniently, keeping a copy in Raw.
func (m *DashboardMeeting) UnmarshalJSON(data []byte) error {
	type plain DashboardMeeting
	var aux struct {
		*plain
		ID        json.RawMessage `json:"id"`
		StartTime *string         `json:"start_time"`
		EndTime   *string         `json:"end_time"`
	}
	*m = DashboardMeeting{}
	aux.plain = (*plain)(m)
	if err := decodeRow(data, &aux, m); err != nil {
		return fmt.Errorf("zoom: meeting list row: %w", err)
	}
	m.ID = lenientNumber(aux.ID)
	m.StartTime = lenientTime(aux.StartTime)
	m.EndTime = lenientTimePtr(aux.EndTime)
	return nil
}

// ReportMeeting is one row of GET /report/users/{userId}/meetings. Duration
// is in minutes. Fields of an unexpected JSON type, and times that are not
// RFC 3339, stay zero; Raw keeps them.
type ReportMeeting struct {
	// UUID identifies the instance.
	UUID string `json:"uuid"`
	// ID is the meeting (or webinar) number.
	ID int64 `json:"-"`
	// Type is Zoom's meeting type (1–4, 7, 8 meetings; 5, 6, 9 webinars).
	Type int `json:"type"`
	// Topic is the title.
	Topic string `json:"topic"`
	// UserName and UserEmail are the host's.
	UserName  string `json:"user_name"`
	UserEmail string `json:"user_email"`
	// StartTime and EndTime bound the instance (UTC).
	StartTime time.Time `json:"-"`
	EndTime   time.Time `json:"-"`
	// Duration is the length in minutes.
	Duration int `json:"duration"`
	// TotalMinutes is the sum of all participants' minutes.
	TotalMinutes int `json:"total_minutes"`
	// ParticipantsCount is Zoom's participant count.
	ParticipantsCount int `json:"participants_count"`
	// Source is where the meeting was held, such as "Zoom".
	Source string `json:"source"`
	// SessionKey is the Meeting SDK session key, if any.
	SessionKey string `json:"session_key"`
	// Raw is the exact JSON object Zoom sent.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes one row leniently, keeping a copy in Raw.
func (m *ReportMeeting) UnmarshalJSON(data []byte) error {
	type plain ReportMeeting
	var aux struct {
		*plain
		ID        json.RawMessage `json:"id"`
		StartTime *string         `json:"start_time"`
		EndTime   *string         `json:"end_time"`
	}
	*m = ReportMeeting{}
	aux.plain = (*plain)(m)
	if err := decodeRow(data, &aux, m); err != nil {
		return fmt.Errorf("zoom: report meeting row: %w", err)
	}
	m.ID = lenientNumber(aux.ID)
	m.StartTime = lenientTime(aux.StartTime)
	m.EndTime = lenientTime(aux.EndTime)
	return nil
}

// User is one row of GET /users. Fields of an unexpected JSON type stay
// zero; Raw keeps them.
type User struct {
	// ID is the Zoom user ID (participant rows' participant_user_id, meetings' host_id).
	ID string `json:"id"`
	// Email is the user's email.
	Email string `json:"email"`
	// FirstName, LastName and DisplayName are the user's names.
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	DisplayName string `json:"display_name"`
	// Type is 1 Basic, 2 Licensed, 4 Unassigned or 99 None.
	Type int `json:"type"`
	// Status is "active", "inactive" or "pending".
	Status string `json:"status"`
	// RoleID is the user's role.
	RoleID string `json:"role_id"`
	// Dept is the user's department.
	Dept string `json:"dept"`
	// Timezone is the user's IANA time zone.
	Timezone string `json:"timezone"`
	// PMI is the user's personal meeting ID.
	PMI int64 `json:"pmi"`
	// CreatedAt and LastLoginTime are UTC; zero when absent.
	CreatedAt     time.Time `json:"-"`
	LastLoginTime time.Time `json:"-"`
	// Raw is the exact JSON object Zoom sent.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes one row leniently, keeping a copy in Raw.
func (u *User) UnmarshalJSON(data []byte) error {
	type plain User
	var aux struct {
		*plain
		CreatedAt     *string `json:"created_at"`
		LastLoginTime *string `json:"last_login_time"`
	}
	*u = User{}
	aux.plain = (*plain)(u)
	if err := decodeRow(data, &aux, u); err != nil {
		return fmt.Errorf("zoom: user row: %w", err)
	}
	u.CreatedAt = lenientTime(aux.CreatedAt)
	u.LastLoginTime = lenientTime(aux.LastLoginTime)
	return nil
}

// Registrant is one row of a meeting's or webinar's registrant list.
// Fields of an unexpected JSON type stay zero; Raw keeps them.
type Registrant struct {
	// ID is the registrant ID, which participant rows carry as registrant_id.
	ID string `json:"id"`
	// Email is the email the registrant typed.
	Email string `json:"email"`
	// FirstName and LastName are the names the registrant typed.
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	// Status is "approved", "pending" or "denied".
	Status string `json:"status"`
	// CreateTime is when the registrant registered (UTC).
	CreateTime time.Time `json:"-"`
	// JoinURL is the registrant's own join link.
	JoinURL string `json:"join_url"`
	// Raw is the exact JSON object Zoom sent.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes one row leniently, keeping a copy in Raw.
func (r *Registrant) UnmarshalJSON(data []byte) error {
	type plain Registrant
	var aux struct {
		*plain
		CreateTime *string `json:"create_time"`
	}
	*r = Registrant{}
	aux.plain = (*plain)(r)
	if err := decodeRow(data, &aux, r); err != nil {
		return fmt.Errorf("zoom: registrant row: %w", err)
	}
	r.CreateTime = lenientTime(aux.CreateTime)
	return nil
}

// decodeRow decodes a list row with decodeLenient and sets target's Raw to
// a copy of data; a JSON null leaves target zero, with a non-nil Raw of "null".
func decodeRow(data []byte, aux, target any) error {
	data = bytes.TrimSpace(data)
	if string(data) != "null" {
		if err := decodeLenient(data, aux, target); err != nil {
			return err
		}
	}
	raw := json.RawMessage(bytes.Clone(data))
	switch t := target.(type) {
	case *DashboardMeeting:
		t.Raw = raw
	case *ReportMeeting:
		t.Raw = raw
	case *User:
		t.Raw = raw
	case *Registrant:
		t.Raw = raw
	}
	return nil
}

func lenientNumber(raw json.RawMessage) int64 {
	var n MeetingNumber
	if len(raw) == 0 || n.UnmarshalJSON(raw) != nil {
		return 0
	}
	return int64(n)
}

func lenientTime(s *string) time.Time {
	if s == nil {
		return time.Time{}
	}
	t, err := parseTime(*s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func lenientTimePtr(s *string) *time.Time {
	t := lenientTime(s)
	if t.IsZero() {
		return nil
	}
	return &t
}

// DashboardMeetings lists ended meetings between opts.From and opts.To from
// GET /metrics/meetings (Business plan or higher, rate label
// Resource-intensive: paced by Config.ResourceIntensivePerMinute), following
// every page. opts.Type is ListPast or ListPastOne. Errors are typed as for
// Participants (ErrPermission for a plan without the Dashboard, a
// *RateLimitError, ErrPageTokenExpired after two restarts...).
func (c *Client) DashboardMeetings(ctx context.Context, opts ListOptions) ([]DashboardMeeting, error) {
	q, err := opts.query("dashboard meetings", ListPast, ListPastOne)
	if err != nil {
		return nil, err
	}
	return listAll[DashboardMeeting](ctx, c, c.intensive, "/metrics/meetings", q, "meetings")
}

// DashboardWebinars lists ended webinars from GET /metrics/webinars, as
// DashboardMeetings does; Zoom knows no pastOne for webinars, so opts.Type
// must be ListPast (or empty).
func (c *Client) DashboardWebinars(ctx context.Context, opts ListOptions) ([]DashboardMeeting, error) {
	q, err := opts.query("dashboard webinars", ListPast)
	if err != nil {
		return nil, err
	}
	return listAll[DashboardMeeting](ctx, c, c.intensive, "/metrics/webinars", q, "webinars")
}

// UserMeetings lists the meetings of userID (a Zoom user ID or email)
// between opts.From and opts.To from GET /report/users/{userId}/meetings
// (Pro plan or higher, rate label Heavy), following every page. opts.Type
// is ListPast (meetings with two or more participants), ListPastOne or
// ListPastJoined. Errors are typed as for Participants.
func (c *Client) UserMeetings(ctx context.Context, userID string, opts ListOptions) ([]ReportMeeting, error) {
	if userID == "" {
		return nil, errors.New("zoom: user meetings: empty user ID")
	}
	q, err := opts.query("user meetings", ListPast, ListPastOne, ListPastJoined)
	if err != nil {
		return nil, err
	}
	q.Del("query_date_type")
	return listAll[ReportMeeting](ctx, c, c.heavy, "/report/users/"+escapeComponent(userID)+"/meetings", q, "meetings")
}

// Users lists the account's users with the given status ("active",
// "inactive", "pending"; "" means Zoom's default, active) from GET /users
// (rate label Medium), following every page.
func (c *Client) Users(ctx context.Context, status string) ([]User, error) {
	q := url.Values{"page_size": {strconv.Itoa(PageSize)}}
	if status != "" {
		q.Set("status", status)
	}
	return listAll[User](ctx, c, c.medium, "/users", q, "users")
}

// RegistrantOptions filters a registrant list.
type RegistrantOptions struct {
	// Status is "approved" (the default), "pending" or "denied".
	Status string
	// OccurrenceID selects one occurrence of a recurring meeting.
	OccurrenceID string
}

func (o RegistrantOptions) query() url.Values {
	q := url.Values{"page_size": {strconv.Itoa(PageSize)}, "status": {o.Status}}
	if o.Status == "" {
		q.Set("status", "approved")
	}
	if o.OccurrenceID != "" {
		q.Set("occurrence_id", o.OccurrenceID)
	}
	return q
}

// MeetingRegistrants lists the registrants of meeting number meetingID
// from GET /meetings/{meetingId}/registrants (rate label Medium), following
// every page. A meeting without registration answers an error from Zoom.
func (c *Client) MeetingRegistrants(ctx context.Context, meetingID int64, opts RegistrantOptions) ([]Registrant, error) {
	if meetingID <= 0 {
		return nil, errors.New("zoom: meeting registrants: no meeting number")
	}
	path := "/meetings/" + strconv.FormatInt(meetingID, 10) + "/registrants"
	return listAll[Registrant](ctx, c, c.medium, path, opts.query(), "registrants")
}

// WebinarRegistrants lists the registrants of webinar number webinarID
// from GET /webinars/{webinarId}/registrants (rate label Medium), following
// every page.
func (c *Client) WebinarRegistrants(ctx context.Context, webinarID int64, opts RegistrantOptions) ([]Registrant, error) {
	if webinarID <= 0 {
		return nil, errors.New("zoom: webinar registrants: no webinar number")
	}
	path := "/webinars/" + strconv.FormatInt(webinarID, 10) + "/registrants"
	return listAll[Registrant](ctx, c, c.medium, path, opts.query(), "registrants")
}

// listAll fetches every page of a list whose rows are under key, restarting
// at most maxPageRestarts times when a page token expires.
func listAll[T any](ctx context.Context, c *Client, lim *rate.Limiter, path string, q url.Values, key string) ([]T, error) {
	for restart := 0; ; restart++ {
		rows, err := listPass[T](ctx, c, lim, path, q, key)
		if errors.Is(err, ErrPageTokenExpired) && restart < maxPageRestarts {
			c.log.WarnContext(ctx, "zoom: page token expired, restarting the list", "path", path,
				"restart", restart+1, "error", err)
			continue
		}
		return rows, err
	}
}

func listPass[T any](ctx context.Context, c *Client, lim *rate.Limiter, path string, base url.Values, key string) ([]T, error) {
	var all []T
	token := ""
	for {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		if token != "" {
			q.Set("next_page_token", token)
		}
		var page map[string]json.RawMessage
		if err := c.get(ctx, request{limiter: lim, path: path, query: q}, &page); err != nil {
			var apiErr *APIError
			if token != "" && errors.As(err, &apiErr) && apiErr.Code == 300 {
				apiErr.sentinel = ErrPageTokenExpired
			}
			return all, err
		}
		if rows := bytes.TrimSpace(page[key]); len(rows) > 0 && string(rows) != "null" {
			var part []T
			if err := json.Unmarshal(rows, &part); err != nil {
				return all, fmt.Errorf("zoom: GET %s: decoding %s: %w", path, key, err)
			}
			all = append(all, part...)
		}
		next := ""
		if raw := bytes.TrimSpace(page["next_page_token"]); len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &next); err != nil {
				return all, fmt.Errorf("zoom: GET %s: next_page_token: %w", path, err)
			}
		}
		if next == "" {
			return all, nil
		}
		if next == token {
			return all, fmt.Errorf("zoom: GET %s: next_page_token did not advance", path)
		}
		token = next
	}
}
