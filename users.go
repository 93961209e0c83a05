package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"rollcall/models"
)

// bootstrapAdmin creates the admin of ROLLCALL_ADMIN_EMAIL and
// ROLLCALL_ADMIN_PASSWORD when no user exists yet.
func bootstrapAdmin(ctx context.Context, store *models.Store, cfg Config, log *slog.Logger) error {
	if cfg.AdminEmail == "" {
		return nil
	}
	n, err := store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if _, err := store.CreateUser(ctx, cfg.AdminEmail, models.RoleAdmin, cfg.AdminPassword); err != nil {
		var verr *models.ValidationError
		if errors.As(err, &verr) {
			return fmt.Errorf("ROLLCALL_ADMIN_%s: %s", strings.ToUpper(verr.Field), verr.Problem)
		}
		return err
	}
	log.Info("created the first admin", "email", models.NormalizeEmail(cfg.AdminEmail))
	return nil
}

// users runs `rollcall users add|list|remove`.
func users(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
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
	store, err := openStore(ctx, cfg, log)
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
