// Package demo is `rollcall demo`: rollcall against a fake Zoom started in
// the same process, filled through the real webhook path with a few dozen
// generated meetings, so that a person can look around within seconds.
package demo

import (
	"bufio"
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
	"time"

	"rollcall/internal/app"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// Demo defaults.
const (
	demoEmail    = "demo@example.com"
	demoDatabase = "rollcall-demo.db"
	demoAddr     = "127.0.0.1:8080"
)

// EnvPassword names the setting that holds the demo admin's password.
const EnvPassword = "ROLLCALL_DEMO_PASSWORD"

const demoUsage = `Usage: rollcall demo

Runs rollcall against a fake Zoom started in this process on loopback (the
real Zoom is never contacted), then posts signed meeting.ended and
webinar.ended webhooks for a few dozen generated meetings to rollcall's real
webhook endpoint, so the pages fill within seconds while the queue fetches
their participants. It prints the URL and a demo admin login. Ctrl-C stops it.

The demo admin's password comes from ROLLCALL_DEMO_PASSWORD, else from the
first line of stdin when stdin is a pipe or a file, else it is random and
printed. It is never a flag: every user of the machine can read a command
line (ps). For example:

  printf '%s\n' "$PASSWORD" | rollcall demo

Settings honoured: ROLLCALL_ADDR (default 127.0.0.1:8080), ROLLCALL_DATABASE
(default rollcall-demo.db, which is deleted and recreated at every start so
the demo is always fresh; a database you name must not exist yet),
ROLLCALL_TIMEZONE, the attendance thresholds and ROLLCALL_LOG_LEVEL (default
warn). Every ZOOM_* setting is replaced by the fake's.
`

// Run runs `rollcall demo` with args (the words after demo) until ctx ends.
// getenv reads the settings, stdin may hold the password, stdout gets the
// URL and login, stderr the log.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() { io.WriteString(fs.Output(), demoUsage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("demo: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected argument %q (try rollcall demo --help)", fs.Arg(0))
	}
	pw, err := password(getenv, stdin)
	if err != nil {
		return err
	}
	dbPath, err := freshDemoDatabase(strings.TrimSpace(getenv("ROLLCALL_DATABASE")))
	if err != nil {
		return err
	}
	addr := strings.TrimSpace(getenv("ROLLCALL_ADDR"))
	if addr == "" {
		addr = demoAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ROLLCALL_ADDR: %w", err)
	}
	return serve(ctx, ln, dbPath, pw, getenv, stdout, stderr)
}

// secret is the demo admin's password and where it came from.
type secret struct {
	value, from string // from is "" for a random one
}

// password picks the demo admin's password: ROLLCALL_DEMO_PASSWORD, else
// the first line of stdin unless stdin is a terminal (or another character
// device, such as /dev/null), else a random one.
func password(getenv func(string) string, stdin io.Reader) (secret, error) {
	pw := secret{value: getenv(EnvPassword), from: EnvPassword}
	if pw.value == "" && readable(stdin) {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return secret{}, fmt.Errorf("demo: read the password from stdin: %w", err)
		}
		pw = secret{value: strings.TrimRight(line, "\r\n"), from: "stdin"}
	}
	if pw.value == "" {
		return secret{value: strings.ToLower(rand.Text()[:20])}, nil
	}
	if n := len([]rune(pw.value)); n < models.MinPasswordLength || len(pw.value) > 72 {
		return secret{}, fmt.Errorf("demo: the password (%s) must be %d to 72 characters long", pw.from, models.MinPasswordLength)
	}
	return pw, nil
}

// readable reports whether the password may be read from stdin: not when
// there is none, nor from a terminal (it would wait for a person who was
// not asked) or /dev/null.
func readable(stdin io.Reader) bool {
	if stdin == nil {
		return false
	}
	f, ok := stdin.(*os.File)
	if !ok {
		return true
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice == 0
}

// serve runs the demo on ln: a fake Zoom, rollcall (app.New and app.Serve)
// on a fresh SQLite file at dbPath, and the generated meetings posted to
// it; it prints the URL and login and runs until ctx ends.
func serve(ctx context.Context, ln net.Listener, dbPath string, pw secret, getenv func(string) string, stdout, stderr io.Writer) error {
	fake := zoomtest.NewServer()
	defer fake.Close()

	url := "http://" + app.LocalAddr(ln.Addr().String())
	vars := app.ZoomSettings(fake.ClientConfig(), fake.WebhookSecret)
	maps.Copy(vars, map[string]string{
		"ROLLCALL_DATABASE":        dbPath,
		"ROLLCALL_BASE_URL":        url,
		"ROLLCALL_ADMIN_EMAIL":     demoEmail,
		"ROLLCALL_ADMIN_PASSWORD":  pw.value,
		"ROLLCALL_FETCH_DELAY":     "1s",
		"ROLLCALL_NOT_READY_RETRY": "1s",
		"ZOOM_PARTICIPANTS_SOURCE": "auto",
		// The first sweep, at start, finds the meeting whose webhook went
		// missing (demoMissed); a short lookback keeps it to that one.
		"ROLLCALL_SWEEP_EVERY":    "1h",
		"ROLLCALL_SWEEP_LOOKBACK": demoSweepLookback.String(),
	})
	if strings.TrimSpace(getenv("ROLLCALL_LOG_LEVEL")) == "" {
		vars["ROLLCALL_LOG_LEVEL"] = "warn"
	}
	cfg, err := app.LoadConfig(func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return getenv(k)
	})
	if err != nil {
		ln.Close()
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	now := time.Now()
	// Zoom lists the missed meeting before rollcall starts, so that the
	// sweep rollcall runs at start brings it in.
	missed := demoMissed(now)
	fake.AddMeeting(missed)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return fmt.Errorf("demo: %w", err)
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	served := make(chan error, 1)
	go func() { served <- a.Serve(serveCtx, ln) }()

	meetings := demoMeetings(now)
	for _, m := range meetings {
		fake.AddMeeting(m)
	}
	addNoShowRegistrant(fake)
	if err := setDemoRoster(ctx, a.Store(), meetings[:demoSeriesSize], now); err != nil {
		stopServe()
		return errors.Join(err, <-served)
	}
	if err := postEndedWebhooks(ctx, url, fake.WebhookSecret, meetings); err != nil {
		stopServe()
		return errors.Join(err, <-served)
	}
	live := demoLive(now)
	fake.AddMeeting(live) // for the fetch once it has ended
	streamed := make(chan error, 1)
	go func() { streamed <- streamLiveEvents(serveCtx, url, fake.WebhookSecret, live, now) }()
	shown := pw.value
	if pw.from != "" {
		shown = "(from " + pw.from + ")"
	}
	dbNote := dbPath + " (new)"
	if dbPath == demoDatabase {
		dbNote = dbPath + " (deleted and recreated at every demo start)"
	}
	fmt.Fprintf(stdout, `rollcall demo: %s
  email:    %s
  password: %s
  database: %s
  zoom:     a fake Zoom at %s; the real Zoom is never contacted
Posted %d signed meeting.ended/webinar.ended webhooks; the queue is fetching their participants.
%q is live: its participant events stream in until %s, then it ends.
%q lost its meeting.ended webhook: the sweep at start brings it in (see /admin/coverage).
"Weekly team sync" has a roster (%s/series/%d/roster): its pages list who was absent, and /admin/review
  offers %q to confirm as the guest of that name.
`, url, demoEmail, shown, dbNote, fake.URL, len(meetings), live.Topic, live.End.Local().Format("15:04:05"), missed.Topic,
		url, demoSeriesNumber, demoGuestName)

	progress := make(chan string, 1)
	go func() { progress <- demoProgress(serveCtx, a.Store(), len(meetings)+1) }()
	for {
		select {
		case msg := <-progress:
			if msg != "" {
				fmt.Fprintln(stdout, msg)
			}
			progress = nil
		case err := <-streamed:
			if err != nil {
				log.Warn("demo: live events stopped", "error", err)
			}
			streamed = nil
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

// postWebhook posts body to rollcall's webhook endpoint, signed as Zoom
// signs it, and requires 200.
func postWebhook(ctx context.Context, url, secret string, body []byte) error {
	req, err := zoomtest.SignedWebhook(url+"/webhooks/zoom", secret, body, time.Now())
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
		return fmt.Errorf("demo: webhook answered %s", res.Status)
	}
	return nil
}

// streamLiveEvents posts the live meeting m's events as Zoom would: the
// ones that happened before now at once, each later one at its time, and
// meeting.ended last. It returns when all are posted or ctx ends.
func streamLiveEvents(ctx context.Context, url, secret string, m zoomtest.Meeting, now time.Time) error {
	for _, ev := range zoomtest.MeetingEvents(m) {
		if wait := ev.Time.Sub(now) - time.Since(now); wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
		if err := postWebhook(ctx, url, secret, ev.Body); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("%s: %w", ev.Name, err)
		}
	}
	return nil
}

// postEndedWebhooks posts a signed meeting.ended (webinar.ended for a
// webinar) for each meeting to rollcall's webhook endpoint, as Zoom would.
func postEndedWebhooks(ctx context.Context, url, secret string, meetings []zoomtest.Meeting) error {
	for _, m := range meetings {
		if err := postWebhook(ctx, url, secret, zoomtest.MeetingEndedBody(m, m.End)); err != nil {
			return fmt.Errorf("%w (the end of %q)", err, m.Topic)
		}
	}
	return nil
}

// demoProgress waits until all n meetings are fetched (or failed) and
// returns a line saying so; "" when ctx ends first.
func demoProgress(ctx context.Context, store *models.Store, n int) string {
	start := time.Now()
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
		m.Participants = weekOf(m, mrand.New(mrand.NewPCG(uint64(k), 0xdead)), k)
		if k == 0 {
			addRosterGuests(&m)
		}
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

// The live meeting and the missed one.
const (
	demoLiveSeed      = 44
	demoMissedSeed    = 45
	demoLiveFor       = 4 * time.Minute  // how long the live meeting goes on after the demo starts
	demoSweepLookback = 30 * time.Minute // the demo's ROLLCALL_SWEEP_LOOKBACK
)

// demoLive returns the meeting that is live while the demo runs: it began
// ten minutes before now and ends demoLiveFor after. Beside a generated
// crowd, its events show each live case: Ben leaves and rejoins, Chloé
// waits in the waiting room and is admitted, Dmitri left before the demo
// started, Elif is still waiting when it starts.
func demoLive(now time.Time) zoomtest.Meeting {
	start := now.UTC().Truncate(time.Second).Add(-10 * time.Minute)
	m := zoomtest.Generate(zoomtest.GenOptions{
		Participants: 18,
		Seed:         demoLiveSeed,
		Start:        start,
		Length:       10*time.Minute + demoLiveFor,
		Topic:        "Live now: design review",
	})
	at := func(d time.Duration) *time.Time { t := now.UTC().Truncate(time.Second).Add(d); return &t }
	row := func(n int, name, email string, join, leave *time.Time, status, reason string) zoomtest.Participant {
		p := zoomtest.Participant{UserID: fmt.Sprint(16900000 + n), ParticipantUUID: fmt.Sprintf("DE110000-0000-4000-8000-%012d", n),
			Name: name, Email: email, Join: *join, Leave: leave, Status: status, Role: "attendee", Device: "Mac"}
		if leave != nil {
			p.LeaveReason = reason
		}
		return p
	}
	m.Participants = append(m.Participants,
		row(1, "Ben Brown", "ben@example.com", at(-9*time.Minute), at(time.Minute), "in_meeting", "Ben Brown left the meeting."),
		row(2, "Ben Brown", "ben@example.com", at(2*time.Minute), nil, "in_meeting", ""),
		row(3, "Chloé Chen", "", at(30*time.Second), at(90*time.Second), "in_waiting_room", "Chloé Chen left the meeting.<br>Reason: Leave waiting room."),
		row(4, "Chloé Chen", "", at(90*time.Second), nil, "in_meeting", ""),
		row(5, "Dmitri Diaz", "dmitri@example.com", at(-8*time.Minute), at(-2*time.Minute), "in_meeting", "Dmitri Diaz got disconnected from the meeting."),
		row(6, "Elif Eriksen", "", at(-time.Minute), at(3*time.Minute), "in_waiting_room", "Elif Eriksen left the meeting.<br>Reason: Leave waiting room."),
		row(7, "Elif Eriksen", "", at(3*time.Minute), nil, "in_meeting", ""),
	)
	slices.SortStableFunc(m.Participants, func(a, b zoomtest.Participant) int { return a.Join.Compare(b.Join) })
	return m
}

// demoMissed returns a meeting that ended a few minutes before now and
// whose meeting.ended webhook never reached rollcall: only Zoom's list of
// past meetings knows it, and the sweep brings it in.
func demoMissed(now time.Time) zoomtest.Meeting {
	return zoomtest.Generate(zoomtest.GenOptions{
		Participants: 12,
		Seed:         demoMissedSeed,
		Start:        now.UTC().Truncate(time.Second).Add(-25 * time.Minute),
		Length:       20 * time.Minute,
		Topic:        "Vendor sync (its webhook went missing)",
	})
}

// weekOf varies one instance of the weekly meeting: some people are absent
// this week, some come late; the host always attends.
func weekOf(m zoomtest.Meeting, r *mrand.Rand, week int) []zoomtest.Participant {
	absent := map[string]bool{}
	late := map[string]time.Duration{}
	var rows []zoomtest.Participant
	regulars := 0 // distinct people other than the host, in order of appearance
	for _, p := range m.Participants {
		k := demoPersonKey(p)
		if p.Role != "host" {
			if _, seen := late[k]; !seen && !absent[k] {
				regulars++
				switch x := r.IntN(100); {
				case slipping(regulars, week):
					// Two regulars drift in half-way through the last three
					// weeks, three more in the latest: the home page shows
					// two people slipping and the series falling.
					late[k] = 25 * time.Minute
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

// slipping reports whether the n-th regular of the weekly sync comes late
// week weeks ago (0: the latest): the 3rd and 5th in the last three weeks,
// the 7th, 9th and 11th in the latest.
func slipping(n, week int) bool {
	return (week < 3 && (n == 3 || n == 5)) || (week == 0 && (n == 7 || n == 9 || n == 11))
}

// demoPersonKey groups rows into people roughly as rollcall does (the
// first of registrant id, participant user id, email, name).
func demoPersonKey(p zoomtest.Participant) string {
	for _, k := range []string{p.RegistrantID, p.ParticipantUserID, strings.ToLower(p.Email)} {
		if k != "" {
			return k
		}
	}
	return strings.ToLower(strings.TrimSpace(p.Name))
}
