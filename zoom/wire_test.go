package zoom_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// TestUUIDOnTheWire proves what path Zoom receives for UUIDs that need
// single and double encoding, on every endpoint, and that the fake (which,
// like Zoom, does not find a slashed UUID unless it is double-encoded)
// answers them.
func TestUUIDOnTheWire(t *testing.T) {
	tests := []struct {
		name, uuid, wire string
	}{
		{"plain", "iOTQZPmhTUq5a232ETb9eg==", "iOTQZPmhTUq5a232ETb9eg%3D%3D"},
		{"plus and inner slash", "ab+c/dEfG9hIjK1mNoPqRw==", "ab%2Bc%2FdEfG9hIjK1mNoPqRw%3D%3D"},
		{"leading slash", "/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"},
		{"double slash", "abc//def+gh/IjK1mNoPqRw==", "abc%252F%252Fdef%252Bgh%252FIjK1mNoPqRw%253D%253D"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.wire, zoom.EscapeUUID(tc.uuid))
			srv := zoomtest.NewServer()
			defer srv.Close()
			m := zoomtest.Generate(zoomtest.GenOptions{Participants: 3, Seed: 2, UUID: tc.uuid})
			srv.AddMeeting(m)
			c := newClient(t, srv)

			pm, err := c.PastMeeting(context.Background(), tc.uuid)
			require.NoError(t, err)
			assert.Equal(t, tc.uuid, pm.UUID)
			res, err := c.Participants(context.Background(), tc.uuid)
			require.NoError(t, err)
			assert.Len(t, res.Participants, 3)

			reqs := srv.Requests()
			var paths []string
			for _, r := range reqs {
				if strings.HasPrefix(r.Path, "/v2/") {
					paths = append(paths, r.EscapedPath)
				}
			}
			assert.Equal(t, []string{
				"/v2/past_meetings/" + tc.wire,
				"/v2/metrics/meetings/" + tc.wire + "/participants",
			}, paths)
		})
	}
}

// TestSingleEncodedSlashIsNotFound documents why double encoding matters:
// the fake, like Zoom, does not find "//" UUIDs encoded once.
func TestSingleEncodedSlashIsNotFound(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	uuid := "/ajXp112QmuoKj4854875=="
	srv.AddMeeting(zoomtest.Generate(zoomtest.GenOptions{Participants: 3, UUID: uuid}))
	c := newClient(t, srv)
	_, err := c.PastMeeting(context.Background(), uuid)
	require.NoError(t, err)

	tok := fetchToken(t, srv)
	req, err := http.NewRequest(http.MethodGet, srv.APIURL()+"/past_meetings/%2FajXp112QmuoKj4854875%3D%3D", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func fetchToken(t *testing.T, srv *zoomtest.Server) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost,
		srv.OAuthURL()+"?grant_type=account_credentials&account_id="+srv.AccountID, nil)
	require.NoError(t, err)
	req.SetBasicAuth(srv.ClientID, srv.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, "bearer", body.TokenType)
	assert.Equal(t, 3600, body.ExpiresIn)
	return body.AccessToken
}

// TestTokenRequest checks what the client sends to the token endpoint:
// Basic auth, grant_type=account_credentials and account_id.
func TestTokenRequest(t *testing.T) {
	var got *http.Request
	var form map[string][]string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		got, form = r, r.PostForm
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"bearer","expires_in":3599,"scope":"x","api_url":"https://api-eu.zoom.us"}`))
	}))
	defer fake.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
		assert.Empty(t, r.URL.Query().Get("access_token"), "token only in the header")
		_, _ = w.Write([]byte(`{"uuid":"u","id":85123456789,"start_time":"2025-01-01T10:00:00Z","end_time":"2025-01-01T11:00:00Z"}`))
	}))
	defer api.Close()
	c, err := zoom.New(zoom.Config{AccountID: "acct", ClientID: "cid", ClientSecret: "sec",
		APIURL: api.URL + "/v2", OAuthURL: fake.URL + "/oauth/token"})
	require.NoError(t, err)
	pm, err := c.PastMeeting(context.Background(), "u")
	require.NoError(t, err)
	assert.Equal(t, int64(85123456789), pm.ID)

	require.NotNil(t, got)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/oauth/token", got.URL.Path)
	id, secret, ok := got.BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "cid", id)
	assert.Equal(t, "sec", secret)
	assert.Equal(t, []string{"account_credentials"}, form["grant_type"])
	assert.Equal(t, []string{"acct"}, form["account_id"])
	assert.NotContains(t, form, "client_secret")
}

func TestTokenIsSharedByConcurrentCallers(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 4})
	srv.AddMeeting(m)
	srv.FailNext(1, zoomtest.Fault{Path: "/oauth/token", Delay: 50 * time.Millisecond}) // widen the race
	c := newClient(t, srv)

	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			_, err := c.PastMeeting(context.Background(), m.UUID)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, srv.TokensIssued())
	assert.Equal(t, 32, countRequests(srv, "/v2/"))
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 4})
	srv.AddMeeting(m)
	c := newClient(t, srv)
	ctx := context.Background()

	for range 3 {
		_, err := c.PastMeeting(ctx, m.UUID)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.TokensIssued(), "an hour-long token is reused")

	// A token with less than a minute left is renewed before use.
	srv.SetTokenTTL(30 * time.Second)
	srv.RevokeTokens()
	for range 3 {
		_, err := c.PastMeeting(ctx, m.UUID)
		require.NoError(t, err)
	}
	// 1 (revoked, refreshed after 401) + 3 (each one expiring within the margin).
	assert.Equal(t, 4, srv.TokensIssued())
}

// TestPacing checks the per-label limiter spaces requests so that a Zoom
// enforcing the same limit never answers 429.
func TestPacing(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 2400, Seed: 8}) // 8 pages
	srv.AddMeeting(m)
	srv.SetRateLimit(zoomtest.LabelHeavy, 20)
	c := newClient(t, srv, func(cfg *zoom.Config) { cfg.HeavyPerSecond = 20 })

	start := time.Now()
	res, err := c.Participants(context.Background(), m.UUID)
	require.NoError(t, err)
	assert.Equal(t, 8, res.Pages)
	assert.GreaterOrEqual(t, time.Since(start), 7*50*time.Millisecond-10*time.Millisecond)

	var last time.Time
	for _, r := range srv.Requests() {
		if r.Label != zoomtest.LabelHeavy {
			continue
		}
		if !last.IsZero() {
			// rate.Limiter schedules by reservation time, so one gap may be
			// shorter by the previous wake-up's lateness; the average holds.
			assert.GreaterOrEqual(t, r.Time.Sub(last), 25*time.Millisecond, "requests are spaced")
		}
		last = r.Time
	}

	// Light (past_meetings) has its own limiter: a Heavy call at 1/s does
	// not slow the Light call right after it.
	small := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 9})
	srv.AddMeeting(small)
	c2 := newClient(t, srv, func(cfg *zoom.Config) { cfg.HeavyPerSecond = 1 })
	_, err = c2.Participants(context.Background(), small.UUID)
	require.NoError(t, err)
	start = time.Now()
	_, err = c2.PastMeeting(context.Background(), small.UUID)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 500*time.Millisecond)
}

// TestFakeEnforcesRateLimit shows the fake's QPS limit and that the client
// returns its 429 as a RateLimitError (the unpaced client causes it).
func TestFakeEnforcesRateLimit(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 8})
	srv.AddMeeting(m)
	srv.SetRateLimit(zoomtest.LabelLight, 3)
	c := newClient(t, srv)
	var rl *zoom.RateLimitError
	for range 10 {
		if _, err := c.PastMeeting(context.Background(), m.UUID); err != nil {
			require.ErrorAs(t, err, &rl)
			break
		}
	}
	require.NotNil(t, rl, "the fake answered 429 within 10 fast calls")
	assert.Equal(t, "QPS", rl.Type)
	assert.Equal(t, "Light", rl.Category)
	assert.Equal(t, time.Second, rl.RetryAfter)
}

func TestOneParticipantMeetingUsesPastOne(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 1, Seed: 6})
	srv.AddMeeting(m)
	c := newClient(t, srv)
	res, err := c.Participants(context.Background(), m.UUID)
	require.NoError(t, err)
	require.Len(t, res.Participants, 1)
	assert.Equal(t, "host", res.Participants[0].Role)
	var types []string
	for _, r := range srv.Requests() {
		if r.Label == zoomtest.LabelHeavy {
			types = append(types, r.Query.Get("type"))
		}
	}
	assert.Equal(t, []string{"past", "pastOne"}, types)
}

func TestReportSource(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 40, Seed: 12})
	srv.AddMeeting(m)
	c := newClient(t, srv, func(cfg *zoom.Config) { cfg.Source = zoom.SourceReport })
	res, err := c.Participants(context.Background(), m.UUID)
	require.NoError(t, err)
	assert.Equal(t, zoom.SourceReport, res.Source)
	require.Len(t, res.Participants, 40)
	for i, p := range res.Participants {
		want := m.Participants[i]
		assert.Equal(t, want.Name, p.Name)
		assert.Empty(t, p.UserName)
		assert.Equal(t, want.Name, p.DisplayName())
		assert.Equal(t, want.Email, p.UserEmail)
		assert.Equal(t, want.Email, p.EmailAddress())
		assert.Equal(t, want.ParticipantUserID, p.ZoomUserID())
		assert.Equal(t, want.RegistrantID, p.RegistrantID)
		assert.Empty(t, p.Device)
		assert.Empty(t, p.LeaveReason)
		if want.Leave != nil {
			require.NotNil(t, p.LeaveTime)
			assert.Equal(t, int(want.Leave.Sub(want.Join)/time.Second), p.Duration)
		} else {
			assert.Nil(t, p.LeaveTime)
		}
	}
	for _, r := range srv.Requests() {
		if r.Label == zoomtest.LabelHeavy {
			assert.True(t, strings.HasPrefix(r.Path, "/v2/report/meetings/"), r.Path)
			assert.Empty(t, r.Query.Get("type"))
		}
	}
}

func TestWebinarParticipants(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	w := zoomtest.Generate(zoomtest.GenOptions{Participants: 30, Seed: 13, Webinar: true})
	srv.AddMeeting(w)
	c := newClient(t, srv)
	res, err := c.WebinarParticipants(context.Background(), w.UUID)
	require.NoError(t, err)
	assert.Len(t, res.Participants, 30)
	_, err = c.Participants(context.Background(), w.UUID)
	assert.ErrorIs(t, err, zoom.ErrMeetingNotReady, "a webinar is not a meeting")
}

func TestNew(t *testing.T) {
	valid := zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c"}
	tests := []struct {
		name    string
		edit    func(*zoom.Config)
		wantErr string
	}{
		{"valid", func(*zoom.Config) {}, ""},
		{"no account", func(c *zoom.Config) { c.AccountID = "" }, "AccountID is required"},
		{"no client id", func(c *zoom.Config) { c.ClientID = " " }, "ClientID is required"},
		{"no secret", func(c *zoom.Config) { c.ClientSecret = "" }, "ClientSecret is required"},
		{"bad source", func(c *zoom.Config) { c.Source = "csv" }, "unknown participants source"},
		{"bad api url", func(c *zoom.Config) { c.APIURL = "api.zoom.us/v2" }, "APIURL"},
		{"bad oauth url", func(c *zoom.Config) { c.OAuthURL = "ftp://x" }, "OAuthURL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.edit(&cfg)
			c, err := zoom.New(cfg)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, zoom.SourceAuto, c.Source())
				return
			}
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "zoom: "))
		})
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in   string
		want zoom.Source
		err  bool
	}{
		{"", zoom.SourceAuto, false},
		{"auto", zoom.SourceAuto, false},
		{" Dashboard ", zoom.SourceDashboard, false},
		{"REPORT", zoom.SourceReport, false},
		{"webhooks", zoom.SourceWebhooks, false},
		{"past_meetings", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := zoom.ParseSource(tc.in)
			if tc.err {
				assert.ErrorContains(t, err, "unknown participants source")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestLogger checks retries and fallbacks are logged with stable keys.
func TestLogger(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 4})
	srv.AddMeeting(m)
	srv.FailNext(1, zoomtest.ServerError(502))
	srv.SetDashboardDenied(true)
	var buf strings.Builder
	var mu sync.Mutex
	c := newClient(t, srv, func(cfg *zoom.Config) {
		cfg.Logger = slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return buf.Write(p)
		}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, err := c.Participants(context.Background(), m.UUID)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	out := buf.String()
	assert.Contains(t, out, `"msg":"zoom: transient failure, retrying"`)
	assert.Contains(t, out, `"attempt":1`)
	assert.Contains(t, out, `"msg":"zoom: dashboard refused, using the report"`)
	assert.Contains(t, out, `"meeting_uuid":`)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestAllFieldsRoundTrip: every spec field the fake serves (AllFields)
// reaches the typed Participant, with the string enums as Zoom spells them.
func TestAllFieldsRoundTrip(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 200, Seed: 47, AllFields: true})
	srv.AddMeeting(m)
	c := newClient(t, srv)
	res, err := c.Participants(context.Background(), m.UUID)
	require.NoError(t, err)
	require.Len(t, res.Participants, len(m.Participants))
	enums := map[string]bool{}
	for i, p := range res.Participants {
		want := m.Participants[i]
		assert.Equal(t, want.OptionalArchiving, p.OptionalArchiving)
		assert.Equal(t, want.AICDisclaimer, p.AICDisclaimer)
		assert.Equal(t, want.Client, p.Client)
		assert.Equal(t, want.MacAddr, p.MacAddr)
		assert.Equal(t, want.SIPURI, p.SIPURI)
		assert.Equal(t, want.InRoomParticipants, p.InRoomParticipants)
		assert.Equal(t, want.TotalJoinTimeCost, p.TotalJoinTimeCost)
		assert.Equal(t, want.AudioQuality, p.AudioQuality)
		assert.Equal(t, want.GroupID, p.GroupID)
		assert.Equal(t, len(want.AudioCall), len(p.AudioCall))
		enums[p.OptionalArchiving] = true
		enums[p.AICDisclaimer] = true
	}
	for _, v := range []string{"no optional archiving", "join without archiving", "join with archiving",
		"no disclaimer", "agree", "leave meeting"} {
		assert.True(t, enums[v], v)
	}
}
