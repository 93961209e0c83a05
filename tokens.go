package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"rollcall/internal/app"
	"rollcall/models"
)

const tokensHelp = `Usage:
  rollcall tokens add --email E [--name N] [--expires 720h]   prints the token, only it
  rollcall tokens list                                         every user's tokens
  rollcall tokens revoke --id N

Manages bearer tokens of the JSON API (/api/v1) in ROLLCALL_DATABASE. A token
acts as its user, with the role the user has at each request; removing the
user revokes their tokens. add prints the token on stdout and nothing else
(only its SHA-256 is stored: it cannot be shown again), so a script can keep it:

  TOKEN=$(rollcall tokens add --email boss@example.com --name gradebook --expires 720h)
  curl -H "Authorization: Bearer $TOKEN" http://localhost:8080/api/v1/meetings

--expires is a duration (720h is 30 days); without it the token never expires.
`

// tokens runs `rollcall tokens add|list|revoke`.
func tokens(ctx context.Context, cfg app.Config, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("tokens: say add, list or revoke (try rollcall tokens --help)")
	}
	fs := flag.NewFlagSet("tokens "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "the email of the user the token acts as")
	name := fs.String("name", "cli", "a label for the token")
	expires := fs.Duration("expires", 0, "lifetime, e.g. 720h (0: never expires)")
	id := fs.Uint64("id", 0, "the id of the token to revoke (see list)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("tokens %s: %w", args[0], err)
	}
	store, err := app.OpenStore(ctx, cfg.Database, log)
	if err != nil {
		return err
	}
	defer store.Close()
	switch args[0] {
	case "add":
		if *email == "" {
			return errors.New("tokens add: --email is required")
		}
		u, err := store.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("tokens add: %w", err)
		}
		_, secret, err := store.CreateToken(ctx, u.ID, *name, *expires, time.Now())
		if err != nil {
			return fmt.Errorf("tokens add: %w", err)
		}
		_, err = fmt.Fprintln(stdout, secret)
		return err
	case "list":
		return listTokens(ctx, store, stdout)
	case "revoke":
		if *id == 0 {
			return errors.New("tokens revoke: --id is required")
		}
		if err := store.RevokeToken(ctx, *id, 0); err != nil {
			return fmt.Errorf("tokens revoke: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "revoked token %d\n", *id)
		return err
	default:
		return fmt.Errorf("tokens: unknown command %q: say add, list or revoke", args[0])
	}
}

// listTokens prints every token (never the token itself: it is not stored).
func listTokens(ctx context.Context, store *models.Store, stdout io.Writer) error {
	ts, err := store.Tokens(ctx, 0)
	if err != nil {
		return err
	}
	us, err := store.Users(ctx)
	if err != nil {
		return err
	}
	emails := map[uint64]string{}
	for _, u := range us {
		emails[u.ID] = u.Email
	}
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 MST")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tCREATED\tLAST USED\tEXPIRES")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", strconv.FormatUint(t.ID, 10), emails[t.UserID], strconv.Quote(t.Name),
			when(&t.CreatedAt), when(t.LastUsedAt), when(t.ExpiresAt))
	}
	return tw.Flush()
}
