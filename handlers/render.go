package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"rollcall/models"
	"rollcall/static"
	"rollcall/views"
)

// contentSecurityPolicy allows the page's own stylesheet, images and form
// posts and nothing else: no script at all, no inline style, no framing.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries: a CSP without
// unsafe-inline, no MIME sniffing, no referrer to other sites, no framing.
func (h *Handlers) securityHeaders(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	// Pages and downloads show one person's view of personal data: no
	// shared or back-button cache keeps them. Static files set their own.
	hd.Set("Cache-Control", "no-store")
	c.Next()
}

// staticURL returns the versioned URL of an embedded static file. The
// version is a hash of the content, so the URL may be cached for a year.
var staticURL = sync.OnceValue(func() func(string) string {
	urls := map[string]string{}
	for _, name := range []string{"app.css", "icon.svg"} {
		urls[name] = "/static/" + name + "?v=" + static.Version(name)
	}
	return func(name string) string { return urls[name] }
})

// serveStatic serves the embedded files under /static/. A request carrying
// the current version is cached for a year; any other is revalidated.
func (h *Handlers) serveStatic(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("filepath"), "/")
	if v := c.Query("v"); v != "" && v == static.Version(name) {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.FileFromFS(name, http.FS(static.FS()))
}

// render writes comp with status as an HTML page, rendering with the
// request's context straight into the response. The views hold no
// fallible logic (every value arrives computed), so the only errors left are
// a gone client or a cancelled request, where the status no longer matters;
// streaming spares a 1,000-person page (about 3 MB) a copy in memory.
func render(c *gin.Context, status int, comp templ.Component) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := comp.Render(c.Request.Context(), c.Writer); err != nil {
		_ = c.Error(fmt.Errorf("handlers: render %s: %w", c.Request.URL.Path, err))
	}
}

// renderError renders the HTML page of a failed request. h.fail can call it
// for requests that accept HTML.
func (h *Handlers) renderError(c *gin.Context, status int, msg string) {
	p := views.ErrorPage{Page: h.frame(c, currentUser(c), http.StatusText(status), "", ""), Status: status, Message: msg}
	render(c, status, views.Error(p))
	c.Abort()
}

// thresholds returns the configured thresholds, or the defaults.
func (h *Handlers) thresholds() models.Thresholds {
	if h.cfg.Thresholds == nil {
		return models.DefaultThresholds()
	}
	return *h.cfg.Thresholds
}

// viewerZone returns the zone to show times in: ?tz=, else the user's own,
// else the configured default, else UTC. An unknown ?tz= is a 400.
func (h *Handlers) viewerZone(c *gin.Context, u models.User) (*time.Location, error) {
	if tz := c.Query("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, errStatus(http.StatusBadRequest, "unknown time zone "+strconv.Quote(tz), err)
		}
		return loc, nil
	}
	if u.Timezone != "" {
		if loc, err := time.LoadLocation(u.Timezone); err == nil {
			return loc, nil
		}
	}
	if h.cfg.Timezone != nil {
		return h.cfg.Timezone, nil
	}
	return time.UTC, nil
}

// frame returns the layout values of a page.
func (h *Handlers) frame(c *gin.Context, u models.User, title, nav, zone string) views.Page {
	return views.Page{
		Title: title, Nav: nav, Email: u.Email, Admin: u.IsAdmin(),
		CSS: staticURL()("app.css"), Icon: staticURL()("icon.svg"), Zone: zone,
	}
}

// clock formats instants in the viewer's zone.
type clock struct {
	loc *time.Location
	// day is the meeting's date in loc; times on that day omit the date.
	day string
}

const (
	fmtFull  = "Mon 2 Jan 2006 15:04:05 MST"
	fmtDay   = "2006-01-02"
	fmtShort = "15:04:05"
)

// full formats t with its date and zone abbreviation.
func (k clock) full(t time.Time) views.Time {
	if t.IsZero() {
		return views.Time{Text: "—"}
	}
	t = t.In(k.loc)
	return views.Time{ISO: t.Format(time.RFC3339), Text: t.Format(fmtFull)}
}

// short formats t as a time of day, with the date when it is not k.day.
func (k clock) short(t time.Time) views.Time {
	if t.IsZero() {
		return views.Time{Text: "—"}
	}
	t = t.In(k.loc)
	text := t.Format(fmtShort)
	if d := t.Format(fmtDay); d != k.day {
		text = d + " " + text
	}
	return views.Time{ISO: t.Format(time.RFC3339), Text: text}
}

// list formats t for a list: date and time of day, to the minute.
func (k clock) list(t time.Time) views.Time {
	if t.IsZero() {
		return views.Time{Text: "—"}
	}
	t = t.In(k.loc)
	return views.Time{ISO: t.Format(time.RFC3339), Text: t.Format("2006-01-02 15:04")}
}

// duration formats whole seconds as "1h 02m 05s", "12m 30s" or "45s".
func duration(secs int64) string {
	if secs < 0 {
		secs = 0
	}
	h, m, s := secs/3600, secs/60%60, secs%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm %02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

// oneDecimal formats f with one decimal, as the attendance rules round.
func oneDecimal(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// parseID reads the numeric id path parameter name; a bad one is a 404
// (no meeting has that id). Ids are positive int64s in both databases, so
// one of 2^63 or more is not found either, not an error.
func parseID(c *gin.Context, name string) (uint64, error) {
	id, err := strconv.ParseUint(c.Param(name), 10, 63)
	if err != nil || id == 0 {
		return 0, errStatus(http.StatusNotFound, "not found", err)
	}
	return id, nil
}

// topicLabel is how a list names a meeting: its topic, or "(no topic)".
func topicLabel(topic string) string {
	if topic == "" {
		return "(no topic)"
	}
	return topic
}

// meetingURL returns the page of meeting id.
func meetingURL(id uint64) string { return "/meetings/" + strconv.FormatUint(id, 10) }

// seriesURL returns the page of the series of meeting number n.
func seriesURL(n int64) string { return "/series/" + strconv.FormatInt(n, 10) }
