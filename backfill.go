package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"rollcall/internal/app"
	"rollcall/jobs"
	"rollcall/models"
)

const backfillHelp = `Usage: rollcall backfill --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run]

Lists every past meeting and webinar instance that ended between the two
days (both included, days in ROLLCALL_TIMEZONE) and queues a fetch for each
one rollcall has not stored, for the running rollcall's workers; instances
already stored are left alone. Use it after an outage longer than Zoom's
webhook retries (three over 85 minutes). The sweep (ROLLCALL_SWEEP_EVERY)
does the same by itself over the last ROLLCALL_SWEEP_LOOKBACK.

It lists with Zoom's Dashboard in windows of at most a month (Business plan
or higher), else with the Report, host by host (Pro); Zoom keeps these lists
for 6 months, so an older range is refused. It prints what it found, how many
were already stored, how many it queued, and how many list requests Zoom
refused for plan or scope; /admin/coverage shows the same.

  --dry-run   count, queue nothing

Needs ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET and
ROLLCALL_DATABASE.
`

// backfill runs `rollcall backfill`.
func backfill(ctx context.Context, cfg app.Config, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fromArg := fs.String("from", "", "first day, YYYY-MM-DD")
	toArg := fs.String("to", "", "last day, YYYY-MM-DD")
	dryRun := fs.Bool("dry-run", false, "count, queue nothing")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("backfill: %w (try rollcall backfill --help)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backfill: unexpected %q (try rollcall backfill --help)", fs.Arg(0))
	}
	day := func(name, v string) (time.Time, error) {
		if v == "" {
			return time.Time{}, fmt.Errorf("backfill: --%s is required (YYYY-MM-DD)", name)
		}
		t, err := time.ParseInLocation(time.DateOnly, v, cfg.Timezone)
		if err != nil {
			return time.Time{}, fmt.Errorf("backfill: --%s %q is not a day like 2026-11-01", name, v)
		}
		return t, nil
	}
	from, err := day("from", *fromArg)
	if err != nil {
		return err
	}
	last, err := day("to", *toArg)
	if err != nil {
		return err
	}
	if from.After(last) {
		return fmt.Errorf("backfill: --from %s is after --to %s", *fromArg, *toArg)
	}
	to := last.AddDate(0, 0, 1) // the end of the last day
	if now := time.Now(); to.After(now) {
		to = now
	}
	if !to.After(from) {
		return fmt.Errorf("backfill: --from %s has not begun yet", *fromArg)
	}
	bar := newProgress(stdout)
	run, err := app.Backfill(ctx, cfg, log, jobs.Discovery{Via: models.ArrivedBackfill, From: from, To: to,
		DryRun: *dryRun, Progress: bar.update})
	bar.done()
	if err != nil {
		if errors.Is(err, jobs.ErrRange) {
			return fmt.Errorf("backfill: --from %s to --to %s: %w", *fromArg, *toArg, err)
		}
		return fmt.Errorf("backfill: %w", err)
	}
	lister := run.Lister
	if lister == "" {
		lister = "nothing (Zoom refused every list)"
	}
	queued := fmt.Sprint(run.Queued)
	if run.DryRun {
		queued += " (dry run: would be queued; nothing was)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "backfill %s to %s (%s), listed with %s\n", *fromArg, *toArg, cfg.Timezone, lister)
	fmt.Fprintf(&b, "found:          %d\n", run.Found)
	fmt.Fprintf(&b, "already stored: %d\n", run.AlreadyStored)
	fmt.Fprintf(&b, "queued:         %s\n", queued)
	fmt.Fprintf(&b, "refused:        %d\n", run.Refused)
	if run.Errors != "" {
		for _, line := range strings.Split(run.Errors, "\n") {
			fmt.Fprintf(&b, "error: %s\n", line)
		}
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// progress shows a discovery's windows: a bar redrawn in place on a
// terminal, a plain line per window otherwise (a pipe, a log file).
type progress struct {
	w        io.Writer
	terminal bool
	drawn    bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

const barWidth = 30

func (p *progress) update(done, total, found int) {
	if !p.terminal {
		fmt.Fprintf(p.w, "window %d of %d listed, %d found so far\n", done, total, found)
		return
	}
	filled := barWidth * done / max(total, 1)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d windows, %d found", strings.Repeat("#", filled),
		strings.Repeat(".", barWidth-filled), done, total, found)
	p.drawn = true
}

// done ends the bar's line.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
