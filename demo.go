package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// Demo defaults.
const (
	demoEmail    = "demo@example.com"
	demoDatabase = "rollcall-demo.db"
	demoAddr     = "127.0.0.1:8080"
)

const demoUsage = `Usage: rollcall demo [--password P]

Runs rollcall against a fake Zoom started in this process on loopback (the
real Zoom is never contacted), then posts signed meeting.ended and
webinar.ended webhooks for a few dozen generated meetings to rollcall's real
webhook endpoint, so the pages fill within seconds while the queue fetches
their participants. It prints the URL and a demo admin login. Ctrl-C stops it.

Settings honoured: ROLLCALL_ADDR (default 127.0.0.1:8080), ROLLCALL_DATABASE
(default rollcall-demo.db, which is deleted and recreated at every start so
the demo is always fresh; a database you name must not exist yet),
ROLLCALL_TIMEZONE, the attendance thresholds and ROLLCALL_LOG_LEVEL (default
warn). Every ZOOM_* setting is replaced by the fake's.

Flags:
`

// demo runs `rollcall demo`.
func demo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stdout)
	password := fs.String("password", "", "the demo admin's password, at least 10 characters (default: a random one)")
	fs.Usage = func() {
		io.WriteString(fs.Output(), demoUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("demo: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected argument %q (try rollcall demo --help)", fs.Arg(0))
	}
	pw := *password
	if pw == "" {
		pw = strings.ToLower(rand.Text()[:20])
	} else if n := len([]rune(pw)); n < models.MinPasswordLength || len(pw) > 72 {
		return fmt.Errorf("demo: --password must be %d to 72 characters long", models.MinPasswordLength)
	}

	dbPath, err := freshDemoDatabase(strings.TrimSpace(getenv("ROLLCALL_DATABASE")))
	if err != nil {
		return err
	}
	dbNote := dbPath + " (new)"
	if dbPath == demoDatabase {
		dbNote = dbPath + " (deleted and recreated at every demo start)"
	}
	addr := strings.TrimSpace(getenv("ROLLCALL_ADDR"))
	if addr == "" {
		addr = demoAddr
	}

	fake := zoomtest.NewServer()
	defer fake.Close()

	vars := fakeZoomSettings(fake)
	maps.Copy(vars, map[string]string{
		"ROLLCALL_ADDR":            addr,
		"ROLLCALL_DATABASE":        dbPath,
		"ROLLCALL_BASE_URL":        "http://" + browsable(addr),
		"ROLLCALL_ADMIN_EMAIL":     demoEmail,
		"ROLLCALL_ADMIN_PASSWORD":  pw,
		"ROLLCALL_FETCH_DELAY":     "1s",
		"ROLLCALL_NOT_READY_RETRY": "1s",
		"ZOOM_PARTICIPANTS_SOURCE": "auto",
	})
	if strings.TrimSpace(getenv("ROLLCALL_LOG_LEVEL")) == "" {
		vars["ROLLCALL_LOG_LEVEL"] = "warn"
	}
	cfg, err := loadConfig(func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return getenv(k)
	})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	// Run the real serve path; it says where it listens on its stdout.
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	listening := &lineWatch{prefix: "rollcall listening on ", found: make(chan string, 1)}
	served := make(chan error, 1)
	go func() { served <- serve(serveCtx, cfg, listening, log) }()
	var url string
	select {
	case url = <-listening.found:
	case err := <-served:
		return fmt.Errorf("demo: %w", err)
	case <-ctx.Done():
		return <-served
	}
	if err := waitReady(ctx, url); err != nil {
		stopServe()
		return errors.Join(err, <-served)
	}

	meetings := demoMeetings(time.Now())
	for _, m := range meetings {
		fake.AddMeeting(m)
	}
	if err := postEndedWebhooks(ctx, url, fake.WebhookSecret, meetings); err != nil {
		stopServe()
		return errors.Join(err, <-served)
	}
	fmt.Fprintf(stdout, `rollcall demo: %s
  email:    %s
  password: %s
  database: %s
  zoom:     a fake Zoom at %s; the real Zoom is never contacted
Posted %d signed meeting.ended/webinar.ended webhooks; the queue is fetching their participants.
`, url, demoEmail, pw, dbNote, fake.URL, len(meetings))

	progress := make(chan string, 1)
	go func() { progress <- demoProgress(serveCtx, dbPath, len(meetings)) }()
	for {
		select {
		case msg := <-progress:
			if msg != "" {
				fmt.Fprintln(stdout, msg)
			}
			progress = nil
		case err := <-served:
			return err
		}
	}
}

// freshDemoDatabase picks the demo's database: the default file is deleted
// (with its WAL files) so every demo starts fresh; a file the user named is
// never deleted and must not exist yet.
func freshDemoDatabase(named string) (string, error) {
	if named == "" {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if err := os.Remove(demoDatabase + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("demo: start fresh: %w", err)
			}
		}
		return demoDatabase, nil
	}
	if models.IsPostgres(named) {
		return "", errors.New("ROLLCALL_DATABASE: the demo runs on a SQLite file, not PostgreSQL; unset it or name a new file")
	}
	if fi, err := os.Stat(named); err == nil && fi.Size() > 0 {
		return "", fmt.Errorf("ROLLCALL_DATABASE: %s already exists; the demo needs a fresh database and never deletes one you named: remove it or name a new file", named)
	}
	return named, nil
}

// browsable turns a listen address into one a browser can open: an
// unspecified host becomes localhost.
func browsable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// lineWatch is an io.Writer that reports the rest of the first line that
// begins with prefix.
type lineWatch struct {
	prefix string
	found  chan string
	mu     sync.Mutex
	buf    []byte
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if rest, ok := strings.CutPrefix(line, w.prefix); ok {
			select {
			case w.found <- strings.TrimSpace(rest):
			default:
			}
		}
	}
}

// waitReady polls /readyz until it answers 200.
func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
		if err != nil {
			return err
		}
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("demo: rollcall did not become ready in 30s")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// postEndedWebhooks posts a signed meeting.ended (webinar.ended for a
// webinar) for each meeting to rollcall's webhook endpoint, as Zoom would.
func postEndedWebhooks(ctx context.Context, url, secret string, meetings []zoomtest.Meeting) error {
	for _, m := range meetings {
		req, err := zoomtest.SignedWebhook(url+"/webhooks/zoom", secret, zoomtest.MeetingEndedBody(m, m.End), time.Now())
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		res, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("demo: post webhook: %w", err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("demo: webhook for %q answered %s", m.Topic, res.Status)
		}
	}
	return nil
}

// demoProgress waits until all n meetings are fetched (or failed) and
// returns a line saying so; "" when ctx ends first.
func demoProgress(ctx context.Context, dbPath string, n int) string {
	start := time.Now()
	store, err := models.Open(ctx, dbPath, nil)
	if err != nil {
		return "demo: cannot watch progress: " + err.Error()
	}
	defer store.Close()
	for {
		counts, err := store.CountByStatus(ctx)
		if err == nil && counts[models.FetchFetched]+counts[models.FetchFailed] >= int64(n) {
			msg := fmt.Sprintf("All %d meetings fetched in %s. Open the URL above and sign in; Ctrl-C stops the demo.",
				counts[models.FetchFetched], time.Since(start).Round(100*time.Millisecond))
			if f := counts[models.FetchFailed]; f > 0 {
				msg += fmt.Sprintf(" (%d failed: see /admin/jobs)", f)
			}
			return msg
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Demo meeting numbers and seeds (fixed, so every demo shows the same data
// relative to today).
const (
	demoSeriesNumber   = 84_120_031_337
	demoSeriesSeed     = 7
	demoSeriesSize     = 12
	demoAllHandsSeed   = 42
	demoWebinarSeed    = 43
	demoOtherMeetings  = 16
	demoOtherFirstSeed = 100
)

// demoMeetingCount is how many meetings demoMeetings returns.
const demoMeetingCount = demoSeriesSize + 2 + demoOtherMeetings

// demoMeetings returns the demo's ended meetings, the newest ending before
// now: a weekly recurring team meeting with a dozen instances whose
// attendees mostly overlap, a 300-person all-hands, a webinar, and others
// of various sizes. zoomtest.Generate puts rejoins, two-device overlaps,
// guests, waiting-room rows, missing leave times, and HTML and script in
// names and leave reasons into each of them.
func demoMeetings(now time.Time) []zoomtest.Meeting {
	day := now.UTC().Truncate(24 * time.Hour)
	var ms []zoomtest.Meeting

	// The weekly team sync: same people (same seed), a different mix each week.
	latest := day.Add(9 * time.Hour)
	if latest.Add(time.Hour).After(now) {
		latest = latest.Add(-24 * time.Hour)
	}
	for k := range demoSeriesSize {
		m := zoomtest.Generate(zoomtest.GenOptions{
			Participants: 24,
			Seed:         demoSeriesSeed,
			Start:        latest.Add(-time.Duration(k) * 7 * 24 * time.Hour),
			Length:       45 * time.Minute,
			UUID:         zoomtest.UUID(uint64(7000 + k)),
			Topic:        "Weekly team sync",
		})
		m.ID, m.Type = demoSeriesNumber, 8
		m.Participants = weekOf(m, mrand.New(mrand.NewPCG(uint64(k), 0xdead)))
		ms = append(ms, m)
	}

	ms = append(ms, zoomtest.Generate(zoomtest.GenOptions{
		Participants: 445, // join segments: about 300 people
		Seed:         demoAllHandsSeed,
		Start:        day.Add(-24*time.Hour + 16*time.Hour),
		Length:       90 * time.Minute,
		Topic:        "All-hands: Q3 kickoff",
	}))
	webinar := zoomtest.Generate(zoomtest.GenOptions{
		Participants: 150,
		Seed:         demoWebinarSeed,
		Start:        day.Add(-3*24*time.Hour + 17*time.Hour),
		Length:       time.Hour,
		Webinar:      true,
		Topic:        "Webinar: attendance reports without the spreadsheet",
	})
	ms = append(ms, webinar)

	topics := []string{
		"", // Generate's own topics, some with HTML
		`Security review <script>alert("topic")</script>`,
		"",
		`Design crit <img src=x onerror=alert(1)>`,
		"1:1 Ada / Ben",
		"",
		"Customer call — ACME & Co",
		"",
	}
	for i := range demoOtherMeetings {
		seed := int64(demoOtherFirstSeed + i)
		r := mrand.New(mrand.NewPCG(uint64(seed), 1))
		ms = append(ms, zoomtest.Generate(zoomtest.GenOptions{
			Participants: 4 + r.IntN(70),
			Seed:         seed,
			Start:        day.Add(-time.Duration(1+i*4/3) * 24 * time.Hour).Add(time.Duration(8+r.IntN(9)) * time.Hour),
			Length:       time.Duration(20+r.IntN(70)) * time.Minute,
			Topic:        topics[i%len(topics)],
		}))
	}
	return ms
}

// weekOf varies one instance of the weekly meeting: some people are absent
// this week, some come late; the host always attends.
func weekOf(m zoomtest.Meeting, r *mrand.Rand) []zoomtest.Participant {
	absent := map[string]bool{}
	late := map[string]time.Duration{}
	var rows []zoomtest.Participant
	for _, p := range m.Participants {
		k := demoPersonKey(p)
		if p.Role != "host" {
			if _, seen := late[k]; !seen && !absent[k] {
				switch x := r.IntN(100); {
				case x < 15:
					absent[k] = true
				case x < 27:
					late[k] = time.Duration(6+r.IntN(12)) * time.Minute
				default:
					late[k] = 0
				}
			}
		}
		if absent[k] {
			continue
		}
		if d := late[k]; d > 0 {
			p.Join = p.Join.Add(d)
			if p.Leave != nil && !p.Leave.After(p.Join) {
				continue
			}
		}
		rows = append(rows, p)
	}
	slices.SortStableFunc(rows, func(a, b zoomtest.Participant) int { return a.Join.Compare(b.Join) })
	return rows
}

// demoPersonKey groups rows into people roughly as DESIGN.md §6 does.
func demoPersonKey(p zoomtest.Participant) string {
	for _, k := range []string{p.RegistrantID, p.ParticipantUserID, strings.ToLower(p.Email)} {
		if k != "" {
			return k
		}
	}
	return strings.ToLower(strings.TrimSpace(p.Name))
}

// fakeZoomSettings are the settings that point rollcall at the fake Zoom:
// its credentials, webhook secret and URLs.
func fakeZoomSettings(fake *zoomtest.Server) map[string]string {
	return map[string]string{
		"ZOOM_ACCOUNT_ID":           fake.AccountID,
		"ZOOM_CLIENT_ID":            fake.ClientID,
		"ZOOM_CLIENT_SECRET":        fake.ClientSecret,
		"ZOOM_WEBHOOK_SECRET_TOKEN": fake.WebhookSecret,
		"ZOOM_API_URL":              fake.APIURL(),
		"ZOOM_OAUTH_URL":            fake.OAuthURL(),
	}
}
