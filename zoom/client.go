package zoom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/time/rate"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultAPIURL   = "https://api.zoom.us/v2"
	DefaultOAuthURL = "https://zoom.us/oauth/token"

	// DefaultHeavyPerSecond, DefaultMediumPerSecond and DefaultLightPerSecond
	// are Zoom's Pro-plan per-second limits per rate-limit label. Business and
	// higher allow 40, 60 and 80.
	DefaultHeavyPerSecond  = 10
	DefaultMediumPerSecond = 20
	DefaultLightPerSecond  = 30
	// DefaultResourceIntensivePerMinute is Zoom's Pro-plan limit for the
	// Resource-intensive label (the Dashboard's meeting and webinar lists);
	// Business and higher allow 20 per minute.
	DefaultResourceIntensivePerMinute = 10

	// DefaultMaxRetries is how often a transient failure is retried.
	DefaultMaxRetries = 3
	// DefaultRetryBaseDelay is the first backoff; it doubles per retry, with jitter.
	DefaultRetryBaseDelay = 500 * time.Millisecond
	// DefaultRequestTimeout bounds one HTTP exchange when Config.HTTPClient is nil.
	DefaultRequestTimeout = 30 * time.Second

	// tokenRenewBefore renews the access token this long before it expires.
	tokenRenewBefore = time.Minute
	// maxErrorBody is how much of an error body is read.
	maxErrorBody = 64 << 10
)

// Config configures a Client. AccountID, ClientID and ClientSecret are
// required (a Server-to-Server OAuth app); everything else has a default.
type Config struct {
	// AccountID, ClientID and ClientSecret are the S2S OAuth app's credentials.
	AccountID, ClientID, ClientSecret string
	// APIURL is the API base, default https://api.zoom.us/v2.
	APIURL string
	// OAuthURL is the token endpoint, default https://zoom.us/oauth/token.
	OAuthURL string
	// Source selects the participants API; "" means SourceAuto.
	Source Source
	// HTTPClient is the base client for API and token calls (its Transport
	// and Timeout are used; the client adds the bearer token itself).
	// Nil means a client with DefaultRequestTimeout.
	HTTPClient *http.Client
	// HeavyPerSecond, MediumPerSecond and LightPerSecond are Zoom's limits
	// per rate-limit label; the client paces at 90 % of them so that rollcall
	// never causes its own 429s. 0 means the Pro-plan defaults (10, 20, 30
	// per second).
	HeavyPerSecond, MediumPerSecond, LightPerSecond float64
	// ResourceIntensivePerMinute is Zoom's per-minute limit for the
	// Resource-intensive label, paced at 90 % like the others; 0 means
	// DefaultResourceIntensivePerMinute.
	ResourceIntensivePerMinute float64
	// MaxRetries is how many times a transient failure (5xx, timeout,
	// connection error) is retried inside the client. 0 means
	// DefaultMaxRetries; a negative value disables retries.
	MaxRetries int
	// RetryBaseDelay is the first retry's backoff; each further retry doubles
	// it, and each wait is jittered to between half and all of it.
	// 0 means DefaultRetryBaseDelay.
	RetryBaseDelay time.Duration
	// Logger receives retry and fallback messages; nil discards them.
	Logger *slog.Logger
}

// Client calls Zoom's REST API with Server-to-Server OAuth. It is safe for
// concurrent use; share one per account.
type Client struct {
	apiURL     string
	source     Source
	http       *http.Client
	tokens     *tokenCache
	heavy      *rate.Limiter
	medium     *rate.Limiter
	light      *rate.Limiter
	intensive  *rate.Limiter
	maxRetries int
	retryBase  time.Duration
	log        *slog.Logger
	now        func() time.Time
}

// New validates cfg, applies defaults and returns a Client. It does no I/O:
// the first API call fetches the access token.
func New(cfg Config) (*Client, error) {
	for _, f := range []struct{ name, value string }{
		{"AccountID", cfg.AccountID}, {"ClientID", cfg.ClientID}, {"ClientSecret", cfg.ClientSecret},
	} {
		if strings.TrimSpace(f.value) == "" {
			return nil, fmt.Errorf("zoom: config: %s is required", f.name)
		}
	}
	src := cfg.Source
	if src == "" {
		src = SourceAuto
	}
	if _, err := ParseSource(string(src)); err != nil {
		return nil, fmt.Errorf("zoom: config: Source: %w", err)
	}
	apiURL, err := baseURL("APIURL", cfg.APIURL, DefaultAPIURL)
	if err != nil {
		return nil, err
	}
	oauthURL, err := baseURL("OAuthURL", cfg.OAuthURL, DefaultOAuthURL)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultRequestTimeout}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	base := cfg.RetryBaseDelay
	if base <= 0 {
		base = DefaultRetryBaseDelay
	}
	c := &Client{
		apiURL:     apiURL,
		source:     src,
		http:       hc,
		heavy:      newLimiter(cfg.HeavyPerSecond, DefaultHeavyPerSecond),
		medium:     newLimiter(cfg.MediumPerSecond, DefaultMediumPerSecond),
		light:      newLimiter(cfg.LightPerSecond, DefaultLightPerSecond),
		intensive:  newLimiter(perMinute(cfg.ResourceIntensivePerMinute), DefaultResourceIntensivePerMinute/60.0),
		maxRetries: retries,
		retryBase:  base,
		log:        log,
		now:        time.Now,
	}
	c.tokens = &tokenCache{
		cfg: &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     oauthURL,
			AuthStyle:    oauth2.AuthStyleInHeader,
			EndpointParams: url.Values{
				"grant_type": {"account_credentials"},
				"account_id": {cfg.AccountID},
			},
		},
		http: hc,
		sem:  make(chan struct{}, 1),
		now:  time.Now,
	}
	return c, nil
}

func baseURL(field, v, def string) (string, error) {
	if v == "" {
		v = def
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("zoom: config: %s %q is not an http(s) URL", field, v)
	}
	return strings.TrimRight(v, "/"), nil
}

// pacingHeadroom is the share of a label's limit the client uses. Zoom
// counts requests as they arrive; scheduling and network delay can move one
// into the next second, so pacing at exactly the limit lets a second see one
// request too many (seen in tests: 11 at 10/s). At 90 % the spacing leaves
// about a tenth of a second of slack per request.
const pacingHeadroom = 0.9

func newLimiter(perSecond, def float64) *rate.Limiter {
	if perSecond <= 0 {
		perSecond = def
	}
	// Burst 1: requests are spaced evenly, never bunched within a second.
	return rate.NewLimiter(rate.Limit(perSecond*pacingHeadroom), 1)
}

// perMinute converts a per-minute limit to per second; 0 stays 0 (the default).
func perMinute(n float64) float64 { return n / 60 }

// Source returns the participants source the client was configured with.
func (c *Client) Source() Source { return c.source }

// tokenCache holds one access token for all callers. A token is fetched by
// one caller at a time (sem), so many concurrent callers cause one fetch;
// waiting honours each caller's context.
type tokenCache struct {
	cfg  *clientcredentials.Config
	http *http.Client
	sem  chan struct{}
	tok  *oauth2.Token // guarded by sem
	now  func() time.Time
}

// token returns a cached token valid for at least tokenRenewBefore, fetching
// a new one when needed.
func (t *tokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("zoom: token: %w", ctx.Err())
	}
	defer func() { <-t.sem }()
	if t.tok != nil && (t.tok.Expiry.IsZero() || t.tok.Expiry.Sub(t.now()) > tokenRenewBefore) {
		return t.tok, nil
	}
	tok, err := t.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, t.http))
	if err != nil {
		return nil, tokenError(err)
	}
	t.tok = tok
	return tok, nil
}

// drop forgets the cached token if it is still the one given, so that only
// the first of many callers seeing a 401 causes a new fetch.
func (t *tokenCache) drop(ctx context.Context, accessToken string) {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	if t.tok != nil && t.tok.AccessToken == accessToken {
		t.tok = nil
	}
	<-t.sem
}

// tokenError turns a token-endpoint failure into an *APIError: a 4xx means
// bad credentials (ErrUnauthorized), a 5xx is transient, and a 429 is a
// *RateLimitError. Transport errors are returned wrapped as they are.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return fmt.Errorf("zoom: token: %w", err)
	}
	e := &APIError{Status: re.Response.StatusCode, Method: http.MethodPost, Path: "oauth/token",
		TrackingID: re.Response.Header.Get("x-zm-trackingid")}
	var body struct {
		Reason  string `json:"reason"`
		Error   string `json:"error"`
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(re.Body, &body)
	e.Code = body.Code
	e.Message = firstNonEmpty(body.Reason, body.Message, re.ErrorDescription, body.Error, re.ErrorCode,
		shorten(string(re.Body)), http.StatusText(e.Status))
	switch {
	case e.Status == http.StatusTooManyRequests:
		return rateLimitError(re.Response.Header, e, time.Now())
	case e.Status >= 400 && e.Status < 500:
		e.sentinel = ErrUnauthorized
	}
	return e
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func shorten(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// request describes one API call.
type request struct {
	limiter *rate.Limiter
	path    string // escaped path after the API base, starting with "/"
	query   url.Values
}

// get performs a GET with pacing, the bearer token, one token refresh on
// 401/124, and retries of transient failures; it decodes a 2xx JSON body
// into out. Errors are *APIError, *RateLimitError or transport errors.
func (c *Client) get(ctx context.Context, r request, out any) error {
	refreshed := false
	for attempt := 0; ; attempt++ {
		err := c.getOnce(ctx, r, out)
		if err == nil {
			return nil
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && !refreshed && apiErr.sentinel == nil &&
			(apiErr.Status == http.StatusUnauthorized || apiErr.Code == 124) {
			// The token may have been revoked or expired early: fetch a new
			// one and try once more (not counted as a transient retry).
			refreshed = true
			attempt--
			c.log.DebugContext(ctx, "zoom: access token refused, fetching a new one", "path", r.path, "error", err)
			continue
		}
		if !IsTransient(err) || attempt >= c.maxRetries || ctx.Err() != nil {
			return err
		}
		wait := c.backoff(attempt)
		c.log.WarnContext(ctx, "zoom: transient failure, retrying", "path", r.path,
			"attempt", attempt+1, "wait", wait, "error", err)
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return err
		}
	}
}

// backoff returns the jittered wait before retry number attempt+1:
// base·2^attempt scaled by a random factor in [0.5, 1).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retryBase << min(attempt, 20)
	return d/2 + rand.N(d/2+1)
}

func (c *Client) getOnce(ctx context.Context, r request, out any) error {
	if err := r.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("zoom: pacing %s: %w", r.path, err)
	}
	tok, err := c.tokens.token(ctx)
	if err != nil {
		return err
	}
	u := c.apiURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("zoom: GET %s: %w", r.path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("zoom: GET %s: %w", r.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("zoom: GET %s: decoding answer: %w", r.path, err)
		}
		return nil
	}
	apiErr := readAPIError(resp, r.path)
	if apiErr.Status == http.StatusUnauthorized || apiErr.Code == 124 {
		c.tokens.drop(ctx, tok.AccessToken)
	}
	if apiErr.Status == http.StatusTooManyRequests {
		return rateLimitError(resp.Header, apiErr, c.now())
	}
	return apiErr
}

// readAPIError reads Zoom's {"code":...,"message":...} error body.
func readAPIError(resp *http.Response, path string) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{
		Status:     resp.StatusCode,
		Method:     resp.Request.Method,
		Path:       path,
		TrackingID: resp.Header.Get("x-zm-trackingid"),
	}
	var zb struct {
		Code    json.Number `json:"code"`
		Message string      `json:"message"`
	}
	if json.Unmarshal(body, &zb) == nil && (zb.Code != "" || zb.Message != "") {
		if n, err := strconv.Atoi(zb.Code.String()); err == nil {
			e.Code = n
		}
		e.Message = zb.Message
	} else {
		e.Message = shorten(string(body))
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// rateLimitError builds a *RateLimitError from a 429's headers. Retry-After
// may be integer seconds, an RFC 3339 date (Zoom's daily limit) or an HTTP date.
func rateLimitError(h http.Header, apiErr *APIError, now time.Time) *RateLimitError {
	e := &RateLimitError{
		Type:     h.Get("X-RateLimit-Type"),
		Category: h.Get("X-RateLimit-Category"),
		Err:      apiErr,
	}
	e.RetryAfter, e.Until = parseRetryAfter(h.Get("Retry-After"), now)
	return e
}

func parseRetryAfter(v string, now time.Time) (time.Duration, time.Time) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, time.Time{}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, time.Time{}
		}
		d := time.Duration(min(n, int64(365*24*3600))) * time.Second
		return d, now.Add(d)
	}
	until, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if until, err = http.ParseTime(v); err != nil {
			return 0, time.Time{}
		}
	}
	return max(until.Sub(now), 0), until.UTC()
}
