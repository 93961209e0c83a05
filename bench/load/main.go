// Command load measures rollcall under intake load: it starts rollcall in
// this process on loopback against a fake Zoom (zoomtest) with a fresh
// database, posts N distinct signed meeting.ended webhooks as fast as the
// machine takes them while K signed-in managers browse /meetings and
// /meetings/{id}, then waits until every meeting is fetched. It reports the
// achieved rate, p50/p99/max latency per route, errors, peak RSS, and two
// baselines measured first in the same run: /healthz and the webhook's
// refusal path (signature check only, no database).
//
//	go run ./bench/load -webhooks 50000 -concurrency 16 -managers 4
//	go run ./bench/load -postgres postgres://user@127.0.0.1:5432/postgres
//
// Everything stays on 127.0.0.1; every loop is bounded by -webhooks and
// -duration.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create the temp database

	"github.com/gin-gonic/gin"

	"rollcall/internal/app"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	webhooks     int
	concurrency  int
	managers     int
	participants int
	workers      int
	zoomRate     float64
	duration     time.Duration
	drainCap     time.Duration
	baseline     time.Duration
	postgres     string
	burst        int
}

func run() error {
	var o options
	flag.IntVar(&o.webhooks, "webhooks", 50000, "distinct meeting.ended webhooks to post")
	flag.IntVar(&o.concurrency, "concurrency", 16, "webhook senders at once")
	flag.IntVar(&o.managers, "managers", 4, "signed-in managers browsing pages meanwhile")
	flag.IntVar(&o.participants, "participants", 5, "participant rows per meeting at the fake Zoom")
	flag.IntVar(&o.workers, "workers", 4, "rollcall fetch workers (ROLLCALL_WORKERS)")
	flag.Float64Var(&o.zoomRate, "zoom-rate", 1000, "client pacing per Zoom rate label, requests/s (Zoom's Pro plan is 10 Heavy/s)")
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "cap on the webhook phase; fewer webhooks are posted if it runs out")
	flag.DurationVar(&o.drainCap, "drain", 30*time.Minute, "cap on waiting for every meeting to be fetched")
	flag.DurationVar(&o.baseline, "baseline", 5*time.Second, "length of each baseline measurement")
	flag.IntVar(&o.burst, "burst", 0, "instead of the meeting.ended load: post this many participant events at once (-concurrency senders, e.g. 64), the top of the hour")
	flag.StringVar(&o.postgres, "postgres", "", "postgres:// URL of a server on which to create (and drop) a temporary database; default a temporary SQLite file")
	flag.Parse()
	if o.webhooks < 1 || o.concurrency < 1 || o.managers < 0 {
		return errors.New("-webhooks and -concurrency must be at least 1, -managers at least 0")
	}
	ctx := context.Background()

	dsn, cleanup, err := tempDatabase(o.postgres)
	if err != nil {
		return err
	}
	defer cleanup()

	fake := zoomtest.NewServer()
	defer fake.Close()
	if o.burst > 0 {
		o.webhooks = 0 // the burst posts participant events instead
	}
	fmt.Printf("preparing %d meetings at the fake Zoom...\n", o.webhooks)
	meetings := make([]zoomtest.Meeting, o.webhooks)
	base := time.Now().UTC().Add(-time.Duration(o.webhooks+10) * time.Hour).Truncate(time.Hour)
	for i := range meetings {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: o.participants, Seed: int64(i + 1),
			Start: base.Add(time.Duration(i) * time.Hour), UUID: fmt.Sprintf("load-%08d-%s==", i, hex.EncodeToString([]byte{byte(i), byte(i >> 8)}))})
		fake.AddMeeting(m)
		meetings[i] = m
	}

	rc, err := startRollcall(ctx, dsn, fake, o)
	if err != nil {
		return err
	}
	defer rc.stop()

	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 4 * (o.concurrency + o.managers), MaxIdleConnsPerHost: 2 * (o.concurrency + o.managers)},
	}
	fmt.Printf("rollcall on %s, database %s, GOMAXPROCS %d\n", rc.url, redact(dsn), runtime.GOMAXPROCS(0))

	// Baselines, same client and concurrency, before any data exists.
	healthz := hammer(client, o.concurrency, o.baseline, func(int) (*http.Request, int) {
		req, _ := http.NewRequest(http.MethodGet, rc.url+"/healthz", nil)
		return req, http.StatusOK
	})
	unsigned := []byte(`{"event":"meeting.ended","payload":{"object":{"uuid":"x"}}}`)
	refused := hammer(client, o.concurrency, o.baseline, func(int) (*http.Request, int) {
		req, _ := zoomtest.SignedWebhook(rc.url+"/webhooks/zoom", "wrong secret", unsigned, time.Now())
		return req, http.StatusUnauthorized
	})

	if o.burst > 0 {
		return burst(ctx, rc, client, fake, o, dsn, healthz, refused)
	}

	// Managers sign in through the real form.
	var sessions []*http.Client
	for i := range o.managers {
		c, err := signIn(ctx, rc, client.Transport, i)
		if err != nil {
			return err
		}
		sessions = append(sessions, c)
	}

	// The load: webhooks as fast as they go, managers browsing meanwhile.
	stats := newRecorder()
	var next atomic.Int64
	var posted atomic.Int64
	deadline := time.Now().Add(o.duration)
	start := time.Now()
	var senders sync.WaitGroup
	for range o.concurrency {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= len(meetings) {
					return
				}
				m := meetings[i]
				req, err := zoomtest.SignedWebhook(rc.url+"/webhooks/zoom", fake.WebhookSecret,
					zoomtest.MeetingEndedBody(m, m.End), time.Now())
				if err != nil {
					stats.fail("POST /webhooks/zoom", err)
					continue
				}
				stats.do(client, "POST /webhooks/zoom", req, http.StatusOK)
				posted.Add(1)
			}
		}()
	}
	intakeDone := make(chan struct{})
	var browsers sync.WaitGroup
	for i, c := range sessions {
		browsers.Add(1)
		go func() {
			defer browsers.Done()
			browse(rc.url, c, stats, intakeDone, mrand.New(mrand.NewPCG(uint64(i), 7)))
		}()
	}
	senders.Wait()
	intake := time.Since(start)
	close(intakeDone)
	browsers.Wait()
	n := int(posted.Load())

	// Drain: every meeting fetched (or failed).
	drainStart := time.Now()
	fetched, failed, err := waitFetched(ctx, rc.store, n, o.drainCap)
	drain := time.Since(drainStart)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load: waiting for fetches:", err)
	}

	printHeader(dsn, healthz, refused)
	fmt.Printf("\nwebhooks: %d posted in %s = %.0f/s with %d senders, %d managers browsing\n",
		n, intake.Round(time.Millisecond), float64(n)/intake.Seconds(), o.concurrency, o.managers)
	fmt.Printf("%-26s %8s %10s %10s %10s %7s\n", "route", "requests", "p50", "p99", "max", "errors")
	for _, r := range stats.routes() {
		s := stats.by[r]
		fmt.Printf("%-26s %8d %10s %10s %10s %7d\n", r, len(s.lat), s.q(0.5), s.q(0.99), s.q(1), s.errors)
	}
	fmt.Printf("\nall fetched: %d fetched, %d failed of %d, %s after the last webhook (%s after the first); %.0f meetings/s, %d fetch workers, Zoom pacing %.0f/s per label\n",
		fetched, failed, n, drain.Round(time.Millisecond), (intake + drain).Round(time.Millisecond),
		float64(n)/(intake+drain).Seconds(), o.workers, o.zoomRate)
	fmt.Printf("peak RSS (VmHWM, whole process: rollcall, fake Zoom, load generator): %s\n", vmHWM())
	errs := stats.totalErrors()
	fmt.Printf("errors: %d\n", errs)
	for _, e := range stats.samples() {
		fmt.Println("  e.g.", e)
	}
	if errs > 0 || fetched+failed != int64(n) || failed > 0 {
		return fmt.Errorf("%d errors, %d of %d meetings fetched, %d failed", errs, fetched, n, failed)
	}
	return nil
}

// rollcall is rollcall serving in this process, as `rollcall serve` runs it
// (app.New and app.Serve), on a loopback listener.
type rollcall struct {
	url   string
	store *models.Store
	stop  func()
}

func startRollcall(ctx context.Context, dsn string, fake *zoomtest.Server, o options) (*rollcall, error) {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	vars := app.ZoomSettings(fake.ClientConfig(), fake.WebhookSecret)
	rate := strconv.FormatFloat(o.zoomRate, 'f', -1, 64)
	maps.Copy(vars, map[string]string{
		"ROLLCALL_DATABASE":        dsn,
		"ROLLCALL_FETCH_DELAY":     "0s",
		"ROLLCALL_SWEEP_EVERY":     "0",
		"ROLLCALL_NOT_READY_RETRY": "1s",
		"ROLLCALL_WORKERS":         strconv.Itoa(o.workers),
		"ZOOM_RATE_HEAVY":          rate,
		"ZOOM_RATE_MEDIUM":         rate,
		"ZOOM_RATE_LIGHT":          rate,
	})
	cfg, err := app.LoadConfig(func(k string) string { return vars[k] })
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(err, a.Close())
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	return &rollcall{url: "http://" + ln.Addr().String(), store: a.Store(), stop: func() {
		cancel()
		if err := <-served; err != nil {
			fmt.Fprintln(os.Stderr, "load: rollcall stopped with:", err)
		}
	}}, nil
}

const managerPassword = "load test manager password"

func signIn(ctx context.Context, a *rollcall, rt http.RoundTripper, i int) (*http.Client, error) {
	email := fmt.Sprintf("manager%d@example.com", i)
	if _, err := a.store.CreateUser(ctx, email, models.RoleViewer, managerPassword); err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: rt, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(a.url+"/login", url.Values{"email": {email}, "password": {managerPassword}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign-in of %s: HTTP %d", email, res.StatusCode)
	}
	return c, nil
}

var meetingLink = regexp.MustCompile(`href="/meetings/(\d+)"`)

// browse reads the meetings list (now and then a later page or a search),
// then one of the meetings on it, until stop closes.
func browse(base string, c *http.Client, stats *recorder, stop <-chan struct{}, r *mrand.Rand) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		list := base + "/meetings"
		if r.IntN(4) == 0 {
			list += "?q=" + url.QueryEscape([]string{"standup", "review", "sync", "planning"}[r.IntN(4)])
		}
		req, _ := http.NewRequest(http.MethodGet, list, nil)
		body := stats.do(c, "GET /meetings", req, http.StatusOK)
		ids := meetingLink.FindAllStringSubmatch(body, -1)
		if len(ids) == 0 {
			time.Sleep(50 * time.Millisecond) // nothing stored yet
			continue
		}
		id := ids[r.IntN(len(ids))][1]
		req, _ = http.NewRequest(http.MethodGet, base+"/meetings/"+id, nil)
		stats.do(c, "GET /meetings/:id", req, http.StatusOK)
	}
}

// waitFetched waits until n meetings are fetched or failed.
func waitFetched(ctx context.Context, store *models.Store, n int, within time.Duration) (fetched, failed int64, err error) {
	deadline := time.Now().Add(within)
	for {
		counts, err := store.CountByStatus(ctx)
		if err != nil {
			return 0, 0, err
		}
		fetched, failed = counts[models.FetchFetched], counts[models.FetchFailed]
		if fetched+failed >= int64(n) {
			return fetched, failed, nil
		}
		if time.Now().After(deadline) {
			return fetched, failed, fmt.Errorf("%d of %d done after %s", fetched+failed, n, within)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// series is the latencies and errors of one route.
type series struct {
	lat    []time.Duration
	errors int
	took   time.Duration
}

func (s *series) q(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	l := slices.Clone(s.lat)
	slices.Sort(l)
	i := int(math.Ceil(p*float64(len(l)))) - 1
	return l[max(0, min(i, len(l)-1))].Round(10 * time.Microsecond)
}

func (s *series) rate() float64 { return float64(len(s.lat)) / s.took.Seconds() }

type recorder struct {
	mu   sync.Mutex
	by   map[string]*series
	errs []string
}

func newRecorder() *recorder { return &recorder{by: map[string]*series{}} }

func (r *recorder) get(route string) *series {
	s := r.by[route]
	if s == nil {
		s = &series{}
		r.by[route] = s
	}
	return s
}

func (r *recorder) fail(route string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.get(route).errors++
	if len(r.errs) < 5 {
		r.errs = append(r.errs, route+": "+err.Error())
	}
}

// do sends req, records its latency under route, counts anything but want
// as an error, and returns the body.
func (r *recorder) do(c *http.Client, route string, req *http.Request, want int) string {
	t0 := time.Now()
	res, err := c.Do(req)
	if err != nil {
		r.fail(route, err)
		return ""
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(t0)
	if err == nil && res.StatusCode != want {
		err = fmt.Errorf("HTTP %d: %.200s", res.StatusCode, b)
	}
	if err != nil {
		r.fail(route, err)
		return ""
	}
	r.mu.Lock()
	s := r.get(route)
	s.lat = append(s.lat, d)
	r.mu.Unlock()
	return string(b)
}

func (r *recorder) routes() []string {
	var out []string
	for k := range r.by {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (r *recorder) totalErrors() int {
	n := 0
	for _, s := range r.by {
		n += s.errors
	}
	return n
}

func (r *recorder) samples() []string { return r.errs }

// hammer sends requests from k goroutines for d and returns what it saw.
func hammer(c *http.Client, k int, d time.Duration, mk func(i int) (*http.Request, int)) *series {
	rec := newRecorder()
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for g := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				req, want := mk(g*1_000_000 + i)
				rec.do(c, "x", req, want)
			}
		}()
	}
	wg.Wait()
	s := rec.get("x")
	s.took = time.Since(start)
	return s
}

// tempDatabase returns a fresh SQLite file, or a new database on the
// PostgreSQL server at pg, and a function that removes it.
func tempDatabase(pg string) (string, func(), error) {
	if pg == "" {
		dir, err := os.MkdirTemp("", "rollcall-load-")
		if err != nil {
			return "", nil, err
		}
		return dir + "/rollcall.db", func() { os.RemoveAll(dir) }, nil
	}
	admin, err := sql.Open("pgx", pg)
	if err != nil {
		return "", nil, err
	}
	name := "rollcall_load_" + strings.ToLower(rand.Text()[:10])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(pg)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "load: drop database:", err)
		}
		admin.Close()
	}, nil
}

func engine(dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return "PostgreSQL"
	}
	return "SQLite (temp file)"
}

func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return dsn
}

// vmHWM is the process's peak resident set size.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if kb, err := strconv.Atoi(f[0]); err == nil {
				return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "?"
}

// burst posts o.burst distinct participant events (joins of one large
// meeting) from o.concurrency senders as fast as they go, then reports the
// answer times and checks that every event answered 200 is stored.
func burst(ctx context.Context, rc *rollcall, client *http.Client, fake *zoomtest.Server, o options, dsn string, healthz, refused *series) error {
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: o.burst, Seed: 1, AllFields: true,
		Start: time.Now().UTC().Truncate(time.Minute), UUID: "burst-meeting=="})
	if len(m.Participants) < o.burst {
		return fmt.Errorf("the fake Zoom generated %d participants, not %d", len(m.Participants), o.burst)
	}
	before, err := storedEvents(ctx, rc.store)
	if err != nil {
		return err
	}
	stats := newRecorder()
	var next atomic.Int64
	start := time.Now()
	var senders sync.WaitGroup
	for range o.concurrency {
		senders.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= o.burst {
					return
				}
				p := m.Participants[i]
				req, err := zoomtest.SignedWebhook(rc.url+"/webhooks/zoom", fake.WebhookSecret,
					zoomtest.ParticipantJoinedBody(m, p, m.Start.Add(time.Duration(i)*time.Millisecond)), time.Now())
				if err != nil {
					stats.fail("POST /webhooks/zoom (join)", err)
					continue
				}
				stats.do(client, "POST /webhooks/zoom (join)", req, http.StatusOK)
			}
		})
	}
	senders.Wait()
	took := time.Since(start)
	after, err := storedEvents(ctx, rc.store)
	if err != nil {
		return err
	}
	s := stats.get("POST /webhooks/zoom (join)")
	printHeader(dsn, healthz, refused)
	fmt.Printf("\nburst: %d participant events from %d senders in %s = %.0f/s\n", o.burst, o.concurrency, took.Round(time.Millisecond), float64(o.burst)/took.Seconds())
	fmt.Printf("answers: p50 %s  p99 %s  max %s  errors %d (Zoom gives up on an answer after 3 s)\n", s.q(0.5), s.q(0.99), s.q(1), s.errors)
	fmt.Printf("stored: %d new events of %d posted\n", after-before, o.burst)
	fmt.Printf("peak RSS (VmHWM, whole process): %s\n", vmHWM())
	for _, e := range stats.samples() {
		fmt.Println("  e.g.", e)
	}
	if s.errors > 0 || after-before != int64(o.burst) || s.q(1) >= 3*time.Second {
		return fmt.Errorf("%d errors, %d of %d events stored, slowest answer %s", s.errors, after-before, o.burst, s.q(1))
	}
	return nil
}

// storedEvents counts the webhook events in the database.
func storedEvents(ctx context.Context, store *models.Store) (int64, error) {
	counts, err := store.RowCounts(ctx)
	if err != nil {
		return 0, err
	}
	for _, c := range counts {
		if c.Table == "webhook_events" {
			return c.Rows, nil
		}
	}
	return 0, errors.New("load: no webhook_events table")
}

// printHeader prints what a report starts with: the machine, the command,
// the date and the baselines measured in the same run.
func printHeader(dsn string, healthz, refused *series) {
	fmt.Println()
	fmt.Printf("machine: %d CPUs (%s), %s/%s, %s; database %s\n", runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), engine(dsn))
	fmt.Printf("command: %s\n", strings.Join(os.Args, " "))
	fmt.Printf("date: %s\n\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("baseline GET /healthz:                 %8.0f req/s  p50 %s  p99 %s  (%d errors)\n", healthz.rate(), healthz.q(0.5), healthz.q(0.99), healthz.errors)
	fmt.Printf("baseline webhook refused (verify only): %8.0f req/s  p50 %s  p99 %s  (%d errors)\n", refused.rate(), refused.q(0.5), refused.q(0.99), refused.errors)
}
