// Command rollcall turns Zoom meetings into attendance records: it receives
// Zoom's meeting.ended webhooks, fetches each meeting's participants through
// a durable queue, stores every join/leave segment, and serves the pages and
// CSVs managers read.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/gin-gonic/gin"

	"rollcall/internal/app"
	"rollcall/internal/demo"
	"rollcall/internal/migratedata"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	gin.SetMode(gin.ReleaseMode) // Gin's only global: no debug route listing
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rollcall: %v\n", err)
		os.Exit(1)
	}
}

const usage = `rollcall turns Zoom meetings into attendance records.

Usage:
  rollcall [serve]                              run the web app and the fetch queue
  rollcall demo                                 try it: a fake Zoom in-process fills a fresh database
  rollcall users add --email E --role admin|viewer   add a user; password from stdin
  rollcall users list                           list users
  rollcall users remove --email E               remove a user and end their sessions
  rollcall tokens add --email E [--name N] [--expires 720h]   make an API token; prints only it
  rollcall tokens list                          list API tokens
  rollcall tokens revoke --id N                 revoke an API token
  rollcall backfill --from D --to D [--dry-run] queue fetches of past meetings rollcall missed
  rollcall migrate                              create or update the tables, then exit
  rollcall migrate-data --from FILE --to URL    copy a SQLite database into an empty PostgreSQL one
  rollcall version                              print the version and commit
  rollcall healthcheck                          exit 0 if the local server answers /healthz
  rollcall COMMAND --help                       help on one command

Settings come from the environment (ROLLCALL_*, ZOOM_*); see the README.
`

// run is the whole program; tests call it as main does. Commands that read
// input (a password) read it from stdin.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
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
		return demo.Run(ctx, args[2:], getenv, stdin, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[2:], getenv, stdout)
	}
	cfg, err := app.LoadConfig(getenv)
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
	case "tokens":
		return tokens(ctx, cfg, args[2:], stdout, log)
	case "backfill":
		return backfill(ctx, cfg, args[2:], stdout, log)
	case "migrate-data":
		return migratedata.Run(ctx, args[2:], stdout, log)
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
