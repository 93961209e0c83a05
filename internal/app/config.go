package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rollcall/handlers"
	"rollcall/zoom"
)

// Config is every setting of rollcall, read once from the environment by
// LoadConfig and passed to New. The README lists them.
type Config struct {
	Addr           string
	Database       string
	BaseURL        *url.URL
	AdminEmail     string
	AdminPassword  string
	Timezone       *time.Location
	FetchDelay     time.Duration
	NotReadyRetry  time.Duration
	NotReadyGiveUp time.Duration // ROLLCALL_NOT_READY_GIVE_UP [1h]
	LateAfter      time.Duration
	EarlyBefore    time.Duration
	PresentPercent float64
	Retention      time.Duration
	// SweepEvery (ROLLCALL_SWEEP_EVERY, default 1h; 0 turns it off) is how
	// often rollcall sweeps Zoom's lists of past meetings for the ones whose
	// webhook never came, over the last SweepLookback
	// (ROLLCALL_SWEEP_LOOKBACK, default 72h).
	SweepEvery    time.Duration
	SweepLookback time.Duration
	// StoreNetworkIDs (ROLLCALL_STORE_NETWORK_IDS, default true): false keeps
	// participants' IP and MAC addresses and hard-disk ids out of the database.
	StoreNetworkIDs bool
	// TrustedProxies (ROLLCALL_TRUSTED_PROXIES): comma-separated CIDRs or
	// addresses of the reverse proxies whose X-Forwarded-For is believed;
	// unset (or "none") trusts no one, so a client cannot name its own
	// address.
	TrustedProxies []string
	WebhookSecret  string
	Zoom           zoom.Config
	// SSO is single sign-on (config_sso.go): the OpenID Connect provider,
	// Sign in with Zoom, and whether the password form stays.
	SSO handlers.SSOConfig

	// Tuning.
	Workers    int           // ROLLCALL_WORKERS: concurrent fetches [4]
	JobTimeout time.Duration // ROLLCALL_JOB_TIMEOUT: one fetch attempt [5m]
	// ROLLCALL_RESCUE_AFTER: a fetch still marked running this long after
	// its timeout belonged to a process that died, and is retried [30s].
	RescueAfter time.Duration
	LogLevel    slog.Level // ROLLCALL_LOG_LEVEL: debug, info, warn, error [info]
}

// LoadConfig reads and validates the settings through getenv (os.Getenv in
// production). Each bad setting gives one line naming it; all of them are
// reported at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	p := settings{getenv: getenv}
	c := Config{
		Addr:            p.str("ROLLCALL_ADDR", ":8080"),
		Database:        p.str("ROLLCALL_DATABASE", "rollcall.db"),
		BaseURL:         p.url("ROLLCALL_BASE_URL", "http://localhost:8080"),
		AdminEmail:      p.str("ROLLCALL_ADMIN_EMAIL", ""),
		AdminPassword:   p.str("ROLLCALL_ADMIN_PASSWORD", ""),
		Timezone:        p.zone("ROLLCALL_TIMEZONE", "UTC"),
		FetchDelay:      p.duration("ROLLCALL_FETCH_DELAY", "2m", 0),
		NotReadyRetry:   p.duration("ROLLCALL_NOT_READY_RETRY", "10s", time.Millisecond),
		NotReadyGiveUp:  p.duration("ROLLCALL_NOT_READY_GIVE_UP", "1h", time.Second),
		LateAfter:       p.duration("ROLLCALL_LATE_AFTER", "5m", 0),
		EarlyBefore:     p.duration("ROLLCALL_EARLY_BEFORE", "5m", 0),
		PresentPercent:  p.percent("ROLLCALL_PRESENT_PERCENT", "75"),
		Retention:       p.duration("ROLLCALL_RETENTION", "0", 0),
		SweepEvery:      p.durationOrOff("ROLLCALL_SWEEP_EVERY", "1h", time.Second),
		SweepLookback:   p.durationRange("ROLLCALL_SWEEP_LOOKBACK", "72h", time.Second, maxSweepLookback),
		StoreNetworkIDs: p.boolean("ROLLCALL_STORE_NETWORK_IDS", "true"),
		TrustedProxies:  p.cidrs("ROLLCALL_TRUSTED_PROXIES"),
		WebhookSecret:   p.str("ZOOM_WEBHOOK_SECRET_TOKEN", ""),
		Zoom: zoom.Config{
			AccountID:    p.str("ZOOM_ACCOUNT_ID", ""),
			ClientID:     p.str("ZOOM_CLIENT_ID", ""),
			ClientSecret: p.str("ZOOM_CLIENT_SECRET", ""),
			APIURL:       p.url("ZOOM_API_URL", "https://api.zoom.us/v2").String(),
			OAuthURL:     p.url("ZOOM_OAUTH_URL", "https://zoom.us/oauth/token").String(),
			Source:       p.source("ZOOM_PARTICIPANTS_SOURCE", "auto"),
			// Zoom's per-account limits by plan: Pro Heavy 10/s,
			// Medium 20/s, Light 30/s; Business+ 40, 60, 80. Each replica
			// paces itself: with N replicas give each the limit ÷ N.
			HeavyPerSecond:  p.rate("ZOOM_RATE_HEAVY", "10"),
			MediumPerSecond: p.rate("ZOOM_RATE_MEDIUM", "20"),
			LightPerSecond:  p.rate("ZOOM_RATE_LIGHT", "30"),
			// The Dashboard's meeting lists (sweeps, backfills): 10 a
			// minute on Pro, 20 on Business and higher.
			ResourceIntensivePerMinute: p.perMinute("ZOOM_RATE_RESOURCE_INTENSIVE", "10"),
		},
		Workers:     p.count("ROLLCALL_WORKERS", "4"),
		JobTimeout:  p.duration("ROLLCALL_JOB_TIMEOUT", "5m", time.Second),
		RescueAfter: p.duration("ROLLCALL_RESCUE_AFTER", "30s", time.Second),
		LogLevel:    p.level("ROLLCALL_LOG_LEVEL", "info"),
	}
	c.SSO = p.loadSSO(c.Zoom.AccountID, c.Zoom.OAuthURL, c.Zoom.APIURL)
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		p.bad("ROLLCALL_ADMIN_EMAIL", "ROLLCALL_ADMIN_EMAIL and ROLLCALL_ADMIN_PASSWORD go together: set both or neither")
	}
	return c, errors.Join(p.errs...)
}

// ZoomSettings returns the settings (environment variables) from which
// LoadConfig reads zc's credentials and URLs and the webhook secret: the
// way to point rollcall at another Zoom, such as a fake one.
func ZoomSettings(zc zoom.Config, webhookSecret string) map[string]string {
	return map[string]string{
		"ZOOM_ACCOUNT_ID":           zc.AccountID,
		"ZOOM_CLIENT_ID":            zc.ClientID,
		"ZOOM_CLIENT_SECRET":        zc.ClientSecret,
		"ZOOM_WEBHOOK_SECRET_TOKEN": webhookSecret,
		"ZOOM_API_URL":              zc.APIURL,
		"ZOOM_OAUTH_URL":            zc.OAuthURL,
	}
}

// requireZoom checks the settings that serving real Zoom traffic needs.
func (c Config) requireZoom() error {
	var errs []error
	for _, s := range []struct{ name, val string }{
		{"ZOOM_ACCOUNT_ID", c.Zoom.AccountID},
		{"ZOOM_CLIENT_ID", c.Zoom.ClientID},
		{"ZOOM_CLIENT_SECRET", c.Zoom.ClientSecret},
		{"ZOOM_WEBHOOK_SECRET_TOKEN", c.WebhookSecret},
	} {
		if s.val == "" {
			errs = append(errs, fmt.Errorf("%s is not set (see README: Deploying)", s.name))
		}
	}
	return errors.Join(errs...)
}

// settings reads environment variables and collects one error per bad one.
type settings struct {
	getenv func(string) string
	errs   []error
}

func (p *settings) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

func (p *settings) bad(name, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
}

func (p *settings) duration(name, def string, least time.Duration) time.Duration {
	v := p.str(name, def)
	d, err := time.ParseDuration(v)
	if err != nil || d < least {
		p.bad(name, "%q is not a duration of at least %s (write it like 90s, 2m or 8760h)", v, least)
		return 0
	}
	return d
}

// maxSweepLookback keeps a sweep within what Zoom's lists of past meetings
// reach (six months).
const maxSweepLookback = 180 * 24 * time.Hour

// durationOrOff reads a duration that is 0 (off) or at least least.
func (p *settings) durationOrOff(name, def string, least time.Duration) time.Duration {
	v := p.str(name, def)
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || (d > 0 && d < least) {
		p.bad(name, "%q is not 0 (off) or a duration of at least %s (write it like 30m or 1h)", v, least)
		return 0
	}
	return d
}

// durationRange reads a duration from least to most.
func (p *settings) durationRange(name, def string, least, most time.Duration) time.Duration {
	v := p.str(name, def)
	d, err := time.ParseDuration(v)
	if err != nil || d < least || d > most {
		p.bad(name, "%q is not a duration from %s to %s (write it like 72h)", v, least, most)
		return 0
	}
	return d
}

func (p *settings) cidrs(name string) []string {
	v := p.str(name, "")
	switch v {
	case "":
		return nil
	case "none":
		return []string{}
	}
	var out []string
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if _, _, err := net.ParseCIDR(part); err != nil && net.ParseIP(part) == nil {
			p.bad(name, "%q is not an IP address or CIDR (such as 10.0.0.0/8)", part)
			continue
		}
		out = append(out, part)
	}
	return out
}

func (p *settings) boolean(name, def string) bool {
	v := p.str(name, def)
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.bad(name, "%q is not true or false", v)
	}
	return b
}

func (p *settings) url(name, def string) *url.URL {
	v := p.str(name, def)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.bad(name, "%q is not an http(s) URL", v)
		return &url.URL{}
	}
	return u
}

func (p *settings) zone(name, def string) *time.Location {
	v := p.str(name, def)
	loc, err := time.LoadLocation(v)
	if err != nil {
		p.bad(name, "%q is not an IANA time zone (such as Europe/Berlin)", v)
		return time.UTC
	}
	return loc
}

func (p *settings) percent(name, def string) float64 {
	v := p.str(name, def)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 100 {
		p.bad(name, "%q is not a percentage from 0 to 100", v)
		return 0
	}
	return f
}

func (p *settings) rate(name, def string) float64 {
	v := p.str(name, def)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 10_000 {
		p.bad(name, "%q is not a rate in requests per second (such as 10 or 0.5)", v)
		return 1
	}
	return f
}

func (p *settings) perMinute(name, def string) float64 {
	v := p.str(name, def)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 600_000 {
		p.bad(name, "%q is not a rate in requests per minute (such as 10 or 20)", v)
		return 1
	}
	return f
}

func (p *settings) count(name, def string) int {
	v := p.str(name, def)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		p.bad(name, "%q is not a whole number from 1 to 1000", v)
		return 1
	}
	return n
}

func (p *settings) source(name, def string) zoom.Source {
	v := p.str(name, def)
	s, err := zoom.ParseSource(v)
	if err != nil {
		p.bad(name, "%q is not one of auto, dashboard, report, webhooks", v)
	}
	return s
}

func (p *settings) level(name, def string) slog.Level {
	v := p.str(name, def)
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.bad(name, "%q is not one of debug, info, warn, error", v)
	}
	return l
}
