package zoomtest

import (
	"context"

	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"rollcall/zoom"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func token(t *testing.T, s *Server) string {
	t.Helper()
	status, body := postToken(t, s, s.ClientID, s.ClientSecret, url.Values{
		"grant_type": {"account_credentials"}, "account_id": {s.AccountID}})
	require.Equal(t, http.StatusOK, status, body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &tok))
	return tok.AccessToken
}

func postToken(t *testing.T, s *Server, id, secret string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.OAuthURL(), strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, s *Server, tok, pathAndQuery string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+pathAndQuery, nil)
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTokenEndpoint(t *testing.T) {
	s := NewServer()
	defer s.Close()
	good := url.Values{"grant_type": {"account_credentials"}, "account_id": {s.AccountID}}
	tests := []struct {
		name       string
		id, secret string
		form       url.Values
		wantStatus int
		wantBody   string
	}{
		{"ok", s.ClientID, s.ClientSecret, good, 200, `"token_type":"bearer"`},
		{"bad secret", s.ClientID, "nope", good, 401, "Invalid client_id or client_secret"},
		{"bad client", "nope", s.ClientSecret, good, 401, "invalid_client"},
		{"client_credentials grant", s.ClientID, s.ClientSecret,
			url.Values{"grant_type": {"client_credentials"}, "account_id": {s.AccountID}}, 400, "unsupported_grant_type"},
		{"other account", s.ClientID, s.ClientSecret,
			url.Values{"grant_type": {"account_credentials"}, "account_id": {"x"}}, 400, "Invalid account_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postToken(t, s, tc.id, tc.secret, tc.form)
			assert.Equal(t, tc.wantStatus, status)
			assert.Contains(t, body, tc.wantBody)
		})
	}
	assert.Equal(t, 1, s.TokensIssued())
}

func TestAPIRequiresToken(t *testing.T) {
	s := NewServer()
	defer s.Close()
	m := Generate(GenOptions{Participants: 3, Seed: 1, UUID: "plainuuid"})
	s.AddMeeting(m)
	for _, tok := range []string{"", "forged"} {
		status, body := get(t, s, tok, "/v2/past_meetings/plainuuid")
		assert.Equal(t, 401, status)
		assert.JSONEq(t, `{"code":124,"message":"Invalid access token."}`, body)
	}
	tok := token(t, s)
	status, _ := get(t, s, tok, "/v2/past_meetings/plainuuid")
	assert.Equal(t, 200, status)

	s.SetNow(func() time.Time { return time.Now().Add(2 * time.Hour) })
	status, _ = get(t, s, tok, "/v2/past_meetings/plainuuid")
	assert.Equal(t, 401, status, "expired token")
}

func TestParticipantsPaging(t *testing.T) {
	s := NewServer()
	defer s.Close()
	m := Generate(GenOptions{Participants: 70, Seed: 3, UUID: "pagingtest"})
	s.AddMeeting(m)
	tok := token(t, s)

	type page struct {
		PageCount     int               `json:"page_count"`
		PageSize      int               `json:"page_size"`
		TotalRecords  int               `json:"total_records"`
		NextPageToken string            `json:"next_page_token"`
		Participants  []json.RawMessage `json:"participants"`
	}
	fetch := func(q string) (int, page, string) {
		status, body := get(t, s, tok, "/v2/metrics/meetings/pagingtest/participants?"+q)
		var p page
		if status == 200 {
			require.NoError(t, json.Unmarshal([]byte(body), &p))
		}
		return status, p, body
	}

	status, p, _ := fetch("type=past")
	require.Equal(t, 200, status)
	assert.Equal(t, DefaultPageSize, p.PageSize, "Zoom's default page size")
	assert.Equal(t, 3, p.PageCount)
	assert.Equal(t, 70, p.TotalRecords)
	assert.Len(t, p.Participants, 30)

	status, p, _ = fetch("type=past&page_size=1000")
	require.Equal(t, 200, status)
	assert.Equal(t, MaxPageSize, p.PageSize, "clamped to 300")
	assert.Len(t, p.Participants, 70)
	assert.Empty(t, p.NextPageToken)

	// Walk the pages, then reuse a token with other parameters.
	var rows int
	q := "type=past&page_size=25"
	first := ""
	for {
		status, p, _ = fetch(q)
		require.Equal(t, 200, status)
		rows += len(p.Participants)
		if p.NextPageToken == "" {
			break
		}
		if first == "" {
			first = p.NextPageToken
		}
		q = "type=past&page_size=25&next_page_token=" + p.NextPageToken
	}
	assert.Equal(t, 70, rows)
	status, _, body := fetch("type=pastOne&page_size=25&next_page_token=" + first)
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"code":300,"message":"The next page token is invalid or expired."}`, body)

	status, _, body = fetch("page_size=25")
	assert.Equal(t, 404, status, "type defaults to live")
	assert.Contains(t, body, "3001")

	// registrant_id only with include_fields.
	_, body = get(t, s, tok, "/v2/report/meetings/pagingtest/participants?page_size=300")
	assert.NotContains(t, body, "registrant_id")
	_, body = get(t, s, tok, "/v2/report/meetings/pagingtest/participants?page_size=300&include_fields=registrant_id")
	assert.Contains(t, body, "registrant_id")
}

func TestPageTokenTTL(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddMeeting(Generate(GenOptions{Participants: 40, Seed: 3, UUID: "ttl"}))
	s.SetTokenTTL(100 * time.Hour)
	tok := token(t, s)
	now := time.Now()
	s.SetNow(func() time.Time { return now })
	s.SetPageTokenTTL(time.Minute)

	_, body := get(t, s, tok, "/v2/report/meetings/ttl/participants?page_size=10")
	var p struct {
		NextPageToken string `json:"next_page_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	require.NotEmpty(t, p.NextPageToken)
	later := now.Add(59 * time.Second)
	s.SetNow(func() time.Time { return later })
	status, _ := get(t, s, tok, "/v2/report/meetings/ttl/participants?page_size=10&next_page_token="+p.NextPageToken)
	assert.Equal(t, 200, status)

	_, body = get(t, s, tok, "/v2/report/meetings/ttl/participants?page_size=10")
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	later = later.Add(61 * time.Second)
	s.SetNow(func() time.Time { return later })
	status, body = get(t, s, tok, "/v2/report/meetings/ttl/participants?page_size=10&next_page_token="+p.NextPageToken)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, `"code":300`)
}

func TestFaultsAndRequests(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddMeeting(Generate(GenOptions{Participants: 3, Seed: 3, UUID: "f"}))
	tok := token(t, s)
	s.ResetRequests()

	s.FailNext(2, RateLimited("Daily-limit", "2031-01-01T00:00:00Z"))
	s.FailNext(1, Fault{Path: "/v2/past_meetings/", Status: 500, Message: "boom"})
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"/past_meetings/f", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 429, resp.StatusCode)
		assert.Equal(t, "2031-01-01T00:00:00Z", resp.Header.Get("Retry-After"))
		assert.Equal(t, "Daily-limit", resp.Header.Get("X-RateLimit-Type"))
		assert.Equal(t, "Heavy", resp.Header.Get("X-RateLimit-Category"))
	}
	status, body := get(t, s, tok, "/v2/past_meetings/f")
	assert.Equal(t, 500, status)
	assert.JSONEq(t, `{"code":0,"message":"boom"}`, body)
	status, _ = get(t, s, tok, "/v2/past_meetings/f")
	assert.Equal(t, 200, status, "faults are used up")

	// A fresh connection: net/http silently retries a GET whose reused
	// keep-alive connection was dropped.
	s.FailNext(1, Fault{Hangup: true})
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err := fresh.Get(s.URL + "/v2/past_meetings/f")
	assert.Error(t, err, "hangup is a transport error")

	s.FailNext(5, ServerError(503))
	s.ClearFaults()
	status, _ = get(t, s, tok, "/v2/past_meetings/f")
	assert.Equal(t, 200, status)

	reqs := s.Requests()
	require.Len(t, reqs, 6)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "/v2/past_meetings/f", reqs[0].Path)
	assert.Equal(t, LabelLight, reqs[0].Label)
	assert.False(t, reqs[0].Time.IsZero())
}

func TestNotReadyFor(t *testing.T) {
	s := NewServer()
	defer s.Close()
	m := Generate(GenOptions{Participants: 3, Seed: 3, UUID: "nr"})
	s.AddMeeting(m)
	s.SetTokenTTL(100 * time.Hour)
	tok := token(t, s)
	s.SetNotReadyFor(2 * time.Minute)
	s.SetNow(func() time.Time { return m.End.Add(119 * time.Second) })
	status, body := get(t, s, tok, "/v2/past_meetings/nr")
	assert.Equal(t, 404, status)
	assert.JSONEq(t, `{"code":3001,"message":"Meeting does not exist: nr."}`, body)
	s.SetNow(func() time.Time { return m.End.Add(2 * time.Minute) })
	status, _ = get(t, s, tok, "/v2/past_meetings/nr")
	assert.Equal(t, 200, status)

	live := m
	live.UUID, live.End = "live", time.Time{}
	s.AddMeeting(live)
	status, _ = get(t, s, tok, "/v2/past_meetings/live")
	assert.Equal(t, 404, status, "a meeting that has not ended")
}

func TestMeetingIsACopy(t *testing.T) {
	s := NewServer()
	defer s.Close()
	m := Generate(GenOptions{Participants: 3, Seed: 3})
	s.AddMeeting(m)
	m.Participants[0].Name = "changed"
	got, ok := s.Meeting(m.UUID)
	require.True(t, ok)
	assert.NotEqual(t, "changed", got.Participants[0].Name)
	got.Participants[0].Name = "changed again"
	again, _ := s.Meeting(m.UUID)
	assert.NotEqual(t, "changed again", again.Participants[0].Name)
	_, ok = s.Meeting("nope")
	assert.False(t, ok)
	assert.Len(t, s.Meetings(), 1)
}

func TestExtraFieldsAndRows(t *testing.T) {
	leave := time.Date(2025, 1, 1, 10, 30, 0, 0, time.UTC)
	p := Participant{
		UserID: "1", Name: "<b>A</b> & B", Email: "a@b", ParticipantUserID: "u1", RegistrantID: "r1",
		Join: time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC), Leave: &leave,
		LeaveReason: "A left the meeting.<br>Reason: Host ended the meeting.",
		Extra:       map[string]any{"z_future": []int{1}, "a_future": "x"},
	}
	d := string(p.DashboardJSON(true))
	assert.Contains(t, d, `"user_name":"<b>A</b> & B"`, "no HTML escaping, as Zoom")
	assert.Contains(t, d, `"leave_reason":"A left the meeting.<br>Reason: Host ended the meeting."`)
	assert.Contains(t, d, `"registrant_id":"r1"`)
	assert.True(t, strings.HasSuffix(d, `,"a_future":"x","z_future":[1]}`))
	assert.True(t, json.Valid([]byte(d)))
	r := string(p.ReportJSON(false))
	assert.Contains(t, r, `"name":"<b>A</b> & B"`)
	assert.Contains(t, r, `"user_email":"a@b"`)
	assert.Contains(t, r, `"duration":1800`)
	assert.NotContains(t, r, "registrant_id")
	assert.NotContains(t, r, "leave_reason")
	assert.True(t, json.Valid([]byte(r)))
}

func TestServerAnswersOneUserByID(t *testing.T) {
	s := NewServer()
	defer s.Close()
	m := Generate(GenOptions{Participants: 3, Seed: 9})
	s.AddMeeting(m)
	s.AddUser(User{ID: "u/1+x", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})
	c, err := zoom.New(s.ClientConfig())
	require.NoError(t, err)
	ctx := context.Background()

	host, err := c.User(ctx, m.HostID)
	require.NoError(t, err)
	assert.Equal(t, m.HostID, host.ID)
	assert.Equal(t, m.HostName, host.Name(), "a meeting's host is a user")
	assert.Equal(t, m.HostEmail, host.Email)

	ada, err := c.User(ctx, "u/1+x")
	require.NoError(t, err, "an ID with / and + is escaped in the path")
	assert.Equal(t, "Ada Lovelace", ada.Name())

	_, err = c.User(ctx, "nobody")
	var apiErr *zoom.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.Status)
	assert.Equal(t, 1001, apiErr.Code)
	reqs := s.Requests()
	assert.Equal(t, LabelLight, reqs[len(reqs)-1].Label)
}
