package zoom

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// PageSize is the page size the client asks for: Zoom's maximum.
const PageSize = 300

// maxPageRestarts bounds how often an expired page token restarts pagination.
const maxPageRestarts = 2

// ParticipantsResult is every participant row of one meeting instance.
type ParticipantsResult struct {
	// Participants are the rows in Zoom's order, one per join segment.
	Participants []Participant
	// Source is the API that answered: SourceDashboard or SourceReport.
	Source Source
	// Pages is the number of pages of the pass that produced Participants.
	Pages int
}

// EscapeUUID returns a meeting UUID escaped for a URL path as Zoom requires:
// a UUID that begins with "/" or contains "//" is escaped twice (so "/"
// becomes %252F), any other once. Every byte other than A–Z, a–z, 0–9 and
// "-_.~" is percent-encoded, as JavaScript's encodeURIComponent does.
func EscapeUUID(uuid string) string {
	e := escapeComponent(uuid)
	if strings.HasPrefix(uuid, "/") || strings.Contains(uuid, "//") {
		e = escapeComponent(e)
	}
	return e
}

func escapeComponent(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// participantsPage is one page of either participants API.
type participantsPage struct {
	NextPageToken string        `json:"next_page_token"`
	PageCount     int           `json:"page_count"`
	PageSize      int           `json:"page_size"`
	TotalRecords  int           `json:"total_records"`
	Participants  []Participant `json:"participants"`
}

// UnmarshalJSON decodes a page; a page count of an unexpected JSON type is
// left zero rather than failing the page (rows are tolerant on their own).
func (pg *participantsPage) UnmarshalJSON(data []byte) error {
	type plain participantsPage
	return decodeLenient(data, (*plain)(pg), (*plain)(pg))
}

// Participants returns every participant row of the past meeting instance
// meetingUUID (use payload.object.uuid from meeting.ended, not the meeting
// number), following next_page_token with page_size=300 and
// include_fields=registrant_id.
//
// The source is the Client's Config.Source:
//   - SourceDashboard: GET /metrics/meetings/{uuid}/participants?type=past.
//     Zoom lists one-participant meetings only with type=pastOne; when
//     type=past answers an empty first page or code 3001, the client asks once
//     more with type=pastOne and uses that answer if it has rows (otherwise
//     the type=past answer stands, unless the pastOne call failed otherwise
//     than with 3001, when that error is returned). This costs one extra
//     Heavy call only for empty or not-ready meetings.
//   - SourceReport: GET /report/meetings/{uuid}/participants.
//   - SourceAuto: the Dashboard; if Zoom refuses it for plan or scope
//     (ErrPermission: code 200, 4700 or HTTP 403), the Report.
//   - SourceWebhooks: none; it fails at once.
//
// An expired page token (code 300 on a page after the first) restarts the
// pass from the first page, at most twice; then the error wraps
// ErrPageTokenExpired. Errors wrap ErrMeetingNotReady (3001: snooze and
// retry), ErrPermission, ErrUnauthorized, or are a *RateLimitError (429, not
// retried here) or another *APIError; transient failures were already retried.
func (c *Client) Participants(ctx context.Context, meetingUUID string) (ParticipantsResult, error) {
	return c.participants(ctx, "meetings", meetingUUID)
}

// WebinarParticipants is Participants for a webinar instance: it uses
// /metrics/webinars/{uuid}/participants and /report/webinars/{uuid}/participants.
// Zoom's webinar Dashboard knows only type=past and type=live (no pastOne),
// so a webinar is asked with type=past alone, without the pastOne retry.
func (c *Client) WebinarParticipants(ctx context.Context, webinarUUID string) (ParticipantsResult, error) {
	return c.participants(ctx, "webinars", webinarUUID)
}

func (c *Client) participants(ctx context.Context, kind, uuid string) (ParticipantsResult, error) {
	if uuid == "" {
		return ParticipantsResult{}, errors.New("zoom: participants: empty meeting UUID")
	}
	switch c.source {
	case SourceReport:
		return c.participantsFrom(ctx, SourceReport, kind, uuid)
	case SourceDashboard:
		return c.participantsFrom(ctx, SourceDashboard, kind, uuid)
	case SourceWebhooks:
		return ParticipantsResult{}, errors.New("zoom: participants: the source is webhooks: no API is asked")
	}
	res, err := c.participantsFrom(ctx, SourceDashboard, kind, uuid)
	if errors.Is(err, ErrPermission) {
		c.log.InfoContext(ctx, "zoom: dashboard refused, using the report", "meeting_uuid", uuid, "error", err)
		return c.participantsFrom(ctx, SourceReport, kind, uuid)
	}
	return res, err
}

func (c *Client) participantsFrom(ctx context.Context, src Source, kind, uuid string) (ParticipantsResult, error) {
	if src == SourceReport {
		return c.paginate(ctx, src, "/report/"+kind+"/"+EscapeUUID(uuid)+"/participants", "")
	}
	path := "/metrics/" + kind + "/" + EscapeUUID(uuid) + "/participants"
	res, err := c.paginate(ctx, src, path, "past")
	if kind == "webinars" {
		return res, err
	}
	if (err == nil && len(res.Participants) == 0) || errors.Is(err, ErrMeetingNotReady) {
		one, oneErr := c.paginate(ctx, src, path, "pastOne")
		switch {
		case oneErr == nil && len(one.Participants) > 0:
			return one, nil
		case oneErr != nil && !errors.Is(oneErr, ErrMeetingNotReady):
			// A rate limit or outage on the second call must not turn
			// into "no participants".
			return one, oneErr
		}
	}
	return res, err
}

// paginate fetches every page of one participants list, restarting on an
// expired page token.
func (c *Client) paginate(ctx context.Context, src Source, path, typ string) (ParticipantsResult, error) {
	for restart := 0; ; restart++ {
		res, err := c.onePass(ctx, src, path, typ)
		var apiErr *APIError
		if errors.As(err, &apiErr) && errors.Is(err, ErrPageTokenExpired) && restart < maxPageRestarts {
			c.log.WarnContext(ctx, "zoom: page token expired, restarting pagination", "path", path,
				"restart", restart+1, "error", err)
			continue
		}
		return res, err
	}
}

func (c *Client) onePass(ctx context.Context, src Source, path, typ string) (ParticipantsResult, error) {
	res := ParticipantsResult{Source: src}
	token := ""
	var buf []Participant // one page's rows, reused: decoding appends into it
	for {
		q := url.Values{
			"page_size":      {strconv.Itoa(PageSize)},
			"include_fields": {"registrant_id"},
		}
		if typ != "" {
			q.Set("type", typ)
		}
		if token != "" {
			q.Set("next_page_token", token)
		}
		page := participantsPage{Participants: buf[:0]}
		err := c.get(ctx, request{limiter: c.heavy, path: path, query: q}, &page)
		if err != nil {
			var apiErr *APIError
			if token != "" && errors.As(err, &apiErr) && apiErr.Code == 300 {
				apiErr.sentinel = ErrPageTokenExpired
			}
			return ParticipantsResult{Source: src, Pages: res.Pages}, err
		}
		res.Pages++
		if res.Participants == nil {
			res.Participants = make([]Participant, 0, min(max(page.TotalRecords, len(page.Participants)), 100_000))
		}
		res.Participants = append(res.Participants, page.Participants...)
		buf = page.Participants
		if page.NextPageToken == "" {
			return res, nil
		}
		if page.NextPageToken == token {
			return res, fmt.Errorf("zoom: GET %s: next_page_token did not advance", path)
		}
		token = page.NextPageToken
	}
}
