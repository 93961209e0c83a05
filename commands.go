package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"rollcall/internal/app"
	"rollcall/models"
)

// buildCommit is the commit a release was built from, set with
// -ldflags "-X main.buildCommit=..." (build/static.sh does). When empty,
// versionString falls back to the Go build info's vcs.revision.
var buildCommit string

// commandHelp returns the help of cmd when args ask for it (-h, --help,
// help), so that `rollcall serve --help` explains instead of serving.
func commandHelp(cmd string, args []string) (string, bool) {
	if !slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" || a == "help" }) {
		return "", false
	}
	switch cmd {
	case "serve":
		return `Usage: rollcall [serve]

Runs the web app and the fetch queue until SIGINT or SIGTERM, then shuts down
in order (stops taking requests, lets running fetches finish, closes the
database). Migrations run at start.

Settings come from the environment. Required: ZOOM_ACCOUNT_ID,
ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET (the Server-to-Server OAuth app) and
ZOOM_WEBHOOK_SECRET_TOKEN. The most used others: ROLLCALL_ADDR [:8080],
ROLLCALL_DATABASE [rollcall.db], ROLLCALL_BASE_URL [http://localhost:8080],
ROLLCALL_ADMIN_EMAIL and ROLLCALL_ADMIN_PASSWORD (first admin),
ROLLCALL_TIMEZONE [UTC]. The README lists every setting.
`, true
	case "migrate":
		return `Usage: rollcall migrate

Creates or updates rollcall's tables and the job queue's tables in
ROLLCALL_DATABASE, prints "migrated <database>" and exits. serve does the
same at every start; run migrate on its own to upgrade before starting a new
version, or to check a database. Back the database up first.
`, true
	case "users":
		return `Usage:
  rollcall users add --email E [--role admin|viewer]   password from stdin
  rollcall users list
  rollcall users remove --email E                      also ends their sessions

Manages who may sign in, in ROLLCALL_DATABASE. --role defaults to viewer;
admins also manage users, re-fetch meetings and see the queue. The password
(at least 10 characters) is read from one line of stdin:

  printf '%s\n' "$PASSWORD" | rollcall users add --email boss@example.com --role admin
`, true
	case "migrate-data":
		return `Usage: rollcall migrate-data --from FILE --to URL

Copies rollcall's SQLite database FILE into the empty PostgreSQL database URL
(postgres://...): creates the tables, copies users, sessions, API tokens, meetings,
segments and webhook events with their ids, queues a fresh fetch for every
meeting not yet fetched, and checks both databases hold the same number of
rows in every table. Stop rollcall first; it refuses a database with data.
`, true
	case "tokens":
		return tokensHelp, true
	case "backfill":
		return backfillHelp, true
	case "version":
		return "Usage: rollcall version\n\nPrints the version and the commit it was built from.\n", true
	}
	return "", false
}

// healthcheck runs `rollcall healthcheck`: it asks the server on this
// machine for /healthz and fails unless it answers 200. It serves container
// health checks on images without curl.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stdout)
	url := fs.String("url", "", "the URL to check (default: /healthz on ROLLCALL_ADDR, via 127.0.0.1 when it names no host)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	fs.Usage = func() {
		io.WriteString(fs.Output(), "Usage: rollcall healthcheck [--url U] [--timeout D]\n\n"+
			"Exits 0 when the rollcall server on this machine answers /healthz with 200, else 1.\n"+
			"Used by the Dockerfile's HEALTHCHECK (the image has no curl).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("healthcheck: %w", err)
	}
	target := *url
	if target == "" {
		addr := strings.TrimSpace(getenv("ROLLCALL_ADDR"))
		if addr == "" {
			addr = ":8080"
		}
		target = "http://" + app.LocalAddr(addr) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", target, res.Status)
	}
	_, err = fmt.Fprintln(stdout, "ok")
	return err
}

// serve runs `rollcall serve`: the web app and the queue on ROLLCALL_ADDR
// until ctx ends, then an orderly shutdown (app.Serve).
func serve(ctx context.Context, cfg app.Config, stdout io.Writer, log *slog.Logger) error {
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return errors.Join(fmt.Errorf("ROLLCALL_ADDR: %w", err), a.Close())
	}
	// For people (and the tests that run the binary as a separate process).
	fmt.Fprintf(stdout, "rollcall listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "database", cfg.Database, "version", version)
	return a.Serve(ctx, ln)
}

// migrate runs `rollcall migrate`.
func migrate(ctx context.Context, cfg app.Config, stdout io.Writer, log *slog.Logger) error {
	store, err := app.OpenStore(ctx, cfg.Database, log)
	if err != nil {
		return err
	}
	defer store.Close()
	_, err = fmt.Fprintf(stdout, "migrated %s\n", cfg.Database)
	return err
}

// users runs `rollcall users add|list|remove`.
func users(ctx context.Context, cfg app.Config, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("users: say add, list or remove (try rollcall --help)")
	}
	fs := flag.NewFlagSet("users "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	email := fs.String("email", "", "the user's email address")
	role := fs.String("role", models.RoleViewer, "admin or viewer")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("users %s: %w", args[0], err)
	}
	store, err := app.OpenStore(ctx, cfg.Database, log)
	if err != nil {
		return err
	}
	defer store.Close()
	switch args[0] {
	case "add":
		if *email == "" {
			return errors.New("users add: --email is required")
		}
		password, err := readPassword(stdin)
		if err != nil {
			return err
		}
		u, err := store.CreateUser(ctx, *email, *role, password)
		if err != nil {
			return fmt.Errorf("users add: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "added %s (%s)\n", u.Email, u.Role)
		return err
	case "list":
		us, err := store.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tROLE\tADDED")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Email, u.Role, u.CreatedAt.UTC().Format("2006-01-02 15:04 MST"))
		}
		return tw.Flush()
	case "remove":
		if *email == "" {
			return errors.New("users remove: --email is required")
		}
		u, err := store.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("users remove: %w", err)
		}
		if err := store.DeleteUser(ctx, u.ID); err != nil {
			return fmt.Errorf("users remove: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "removed %s\n", u.Email)
		return err
	default:
		return fmt.Errorf("users: unknown command %q: say add, list or remove", args[0])
	}
}

// readPassword reads one line from stdin (piped or typed; a terminal echoes
// it, so pipe it in: `printf %s "$PW" | rollcall users add ...`).
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("users add: read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("users add: give the password on stdin")
	}
	return line, nil
}
