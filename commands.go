package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
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
(postgres://...): creates the tables, copies users, sessions, meetings,
segments and webhook events with their ids, queues a fresh fetch for every
meeting not yet fetched, and checks both databases hold the same number of
rows in every table. Stop rollcall first; it refuses a database with data.
`, true
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
		target = "http://" + localAddr(getenv("ROLLCALL_ADDR")) + "/healthz"
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

// localAddr turns a listen address (ROLLCALL_ADDR, default :8080) into one
// to dial on this machine.
func localAddr(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
