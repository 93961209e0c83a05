// Command rollcall turns Zoom meetings into attendance records: it receives
// Zoom's meeting.ended webhooks, fetches each meeting's participants through
// a durable queue, stores every join/leave segment, and serves the pages and
// CSVs managers read.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"rollcall/handlers"
	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rollcall: %v\n", err)
		os.Exit(1)
	}
}

const usage = `rollcall turns Zoom meetings into attendance records.

Usage:
  rollcall [serve]                              run the web app and the fetch queue
  rollcall demo [--password P]                  try it: a fake Zoom in-process fills a fresh database
  rollcall users add --email E --role admin|viewer   add a user; password from stdin
  rollcall users list                           list users
  rollcall users remove --email E               remove a user and end their sessions
  rollcall migrate                              create or update the tables, then exit
  rollcall migrate-data --from FILE --to URL    copy a SQLite database into an empty PostgreSQL one
  rollcall version                              print the version and commit
  rollcall healthcheck                          exit 0 if the local server answers /healthz
  rollcall COMMAND --help                       help on one command

Settings come from the environment (ROLLCALL_*, ZOOM_*); see the README.
`

// run is the whole program; tests call it as main does. Commands that read
// input (a password) read it from stdin.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWithInput(ctx, args, getenv, os.Stdin, stdout, stderr)
}

func runWithInput(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 1 {
		cmd = args[1]
	}
	if help, ok := commandHelp(cmd, args[min(len(args), 2):]); ok {
		_, err := io.WriteString(stdout, help)
		return err
	}
	switch cmd {
	case "-h", "--help", "help":
		_, err := io.WriteString(stdout, usage)
		return err
	case "version", "--version":
		_, err := fmt.Fprintln(stdout, versionString())
		return err
	case "demo":
		return demo(ctx, args[2:], getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[2:], getenv, stdout)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch cmd {
	case "serve":
		return serve(ctx, cfg, stdout, log)
	case "migrate":
		return migrate(ctx, cfg, stdout, log)
	case "users":
		return users(ctx, cfg, args[2:], stdin, stdout, log)
	case "migrate-data":
		return migrateData(ctx, args[2:], stdout, log)
	default:
		return fmt.Errorf("unknown command %q (try rollcall --help)", cmd)
	}
}

func versionString() string {
	commit := "unknown"
	if buildCommit != "" { // set by build/static.sh
		commit = buildCommit
	} else if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	return fmt.Sprintf("rollcall %s (commit %s)", version, commit)
}

// openStore opens and migrates the database, rollcall's tables and River's.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*models.Store, error) {
	store, err := models.Open(ctx, cfg.Database, log)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, store, log); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

func migrate(ctx context.Context, cfg Config, stdout io.Writer, log *slog.Logger) error {
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	_, err = fmt.Fprintf(stdout, "migrated %s\n", cfg.Database)
	return err
}

// serve runs the web app and the queue until ctx ends, then shuts down in
// order: stop taking HTTP requests, let running fetches finish, close the
// database.
func serve(ctx context.Context, cfg Config, stdout io.Writer, log *slog.Logger) error {
	if err := cfg.requireZoom(); err != nil {
		return err
	}
	zc := cfg.Zoom
	zc.Logger = log
	client, err := zoom.New(zc)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	queue, err := jobs.New(store, client, jobs.Config{
		FetchDelay:     cfg.FetchDelay,
		NotReadyRetry:  cfg.NotReadyRetry,
		NotReadyGiveUp: cfg.NotReadyGiveUp,
		Workers:        cfg.Workers,
		JobTimeout:     cfg.JobTimeout,
		RescueAfter:    cfg.RescueAfter,
		Retention:      cfg.Retention,
		DropNetworkIDs: !cfg.StoreNetworkIDs,
	}, log)
	if err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, store, cfg, log); err != nil {
		return err
	}
	h := handlers.New(store, queue, handlers.Config{
		WebhookSecret:  cfg.WebhookSecret,
		SecureCookies:  cfg.BaseURL.Scheme == "https",
		TrustedProxies: cfg.TrustedProxies,
		Timezone:       cfg.Timezone,
		Thresholds: &models.Thresholds{
			LateAfter: cfg.LateAfter, EarlyBefore: cfg.EarlyBefore, PresentPercent: cfg.PresentPercent,
		},
	}, log)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ROLLCALL_ADDR: %w", err)
	}
	srv := &http.Server{
		Handler:           h.Router(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "rollcall listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "database", cfg.Database, "version", version)

	select {
	case err = <-served:
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	httpErr := srv.Shutdown(shutCtx)
	queueErr := queue.Stop(shutCtx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, httpErr, queueErr)
}
