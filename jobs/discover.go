package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"rollcall/models"
	"rollcall/zoom"
)

// MeetingLister is what discovery needs of Zoom's lists of past meetings:
// *zoom.Client.
type MeetingLister interface {
	DashboardMeetings(ctx context.Context, opts zoom.ListOptions) ([]zoom.DashboardMeeting, error)
	DashboardWebinars(ctx context.Context, opts zoom.ListOptions) ([]zoom.DashboardMeeting, error)
	Users(ctx context.Context, status string) ([]zoom.User, error)
	UserMeetings(ctx context.Context, userID string, opts zoom.ListOptions) ([]zoom.ReportMeeting, error)
}

var _ MeetingLister = (*zoom.Client)(nil)

// ZoomKeepsMonths is how far back Zoom's lists of past meetings reach.
const ZoomKeepsMonths = 6

// Lists that discovery reads (models.CoverageRun.Lister).
const (
	ListerDashboard = "dashboard"
	ListerReport    = "report"
)

// ErrRange is returned by Discover for a range it refuses: empty, reversed,
// or reaching further back than Zoom keeps.
var ErrRange = errors.New("jobs: bad discovery range")

// Discovery asks for one pass over Zoom's lists of past meetings.
type Discovery struct {
	// Via is models.ArrivedSweep or models.ArrivedBackfill: how the
	// meetings found arrive, and the coverage run's kind.
	Via string
	// From and To bound the end times looked for: [From, To).
	From, To time.Time
	// DryRun counts what would be queued and queues nothing.
	DryRun bool
	// Progress, when set, is called after each window of at most a month
	// with the windows done, the total, and the instances found so far.
	Progress func(done, total, found int)
}

// Window is one range of UTC dates, both ends included, that Zoom's lists
// accept in one request (at most a month).
type Window struct{ From, To time.Time }

// Windows splits the UTC dates on which instants in [from, to) fall into
// windows of at most one calendar month each (Zoom refuses longer ranges).
func Windows(from, to time.Time) []Window {
	if !to.After(from) {
		return nil
	}
	first := dateOf(from)
	last := dateOf(to.Add(-time.Nanosecond))
	var out []Window
	for ws := first; !ws.After(last); {
		we := ws.AddDate(0, 1, -1)
		if we.After(last) {
			we = last
		}
		out = append(out, Window{ws, we})
		ws = we.AddDate(0, 0, 1)
	}
	return out
}

func dateOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// OldestListable is the earliest instant whose meetings Zoom's lists still
// return at now.
func OldestListable(now time.Time) time.Time {
	return dateOf(now).AddDate(0, -ZoomKeepsMonths, 0)
}

// Discover lists every meeting and webinar instance that ended in
// [d.From, d.To) and queues a fetch for each one rollcall has not stored
// (by UUID), storing it as arrived via d.Via; stored instances are left
// alone. It lists with the Dashboard (meetings type=past and pastOne,
// webinars type=past, matched on end time) in windows of at most a month,
// and from the first Dashboard refusal for plan or scope on with the Report
// (every user's meetings, type=past and pastOne). Zoom's pacing is the
// client's. It records the run (models.CoverageRun) and returns it; errors
// from Zoom are recorded in the run, not returned. The error is ErrRange for
// a range it refuses (nothing is recorded), or the store's.
func (q *Queue) Discover(ctx context.Context, lister MeetingLister, d Discovery) (models.CoverageRun, error) {
	now := q.cfg.Now()
	switch {
	case d.Via != models.ArrivedSweep && d.Via != models.ArrivedBackfill:
		return models.CoverageRun{}, fmt.Errorf("jobs: discover: arrival %q is not sweep or backfill", d.Via)
	case !d.To.After(d.From):
		return models.CoverageRun{}, fmt.Errorf("%w: it ends (%s) before it starts (%s)", ErrRange,
			d.To.UTC().Format(time.RFC3339), d.From.UTC().Format(time.RFC3339))
	case d.From.Before(OldestListable(now)):
		return models.CoverageRun{}, fmt.Errorf("%w: it starts %s, but Zoom lists past meetings for %d months only (from %s)",
			ErrRange, d.From.UTC().Format(time.DateOnly), ZoomKeepsMonths, OldestListable(now).Format(time.DateOnly))
	}
	run := models.CoverageRun{Kind: d.Via, DryRun: d.DryRun, StartedAt: now, WindowFrom: d.From, WindowTo: d.To}
	p := &pass{q: q, lister: lister, d: d, run: &run, found: map[string]models.Discovered{}, oldest: OldestListable(now)}
	p.list(ctx)
	if err := p.store(ctx); err != nil {
		p.fail(err)
	}
	run.Found = len(p.found)
	run.Errors = strings.Join(p.errs, "\n")
	run.FinishedAt = q.cfg.Now()
	// Record the run even when ctx ended (a shutdown mid-sweep).
	if err := q.store.RecordCoverageRun(context.WithoutCancel(ctx), &run); err != nil {
		return run, err
	}
	q.log.Info("discovery done", "via", d.Via, "dry_run", d.DryRun, "from", d.From, "to", d.To,
		"lister", run.Lister, "found", run.Found, "already_stored", run.AlreadyStored, "queued", run.Queued,
		"refused", run.Refused, "errors", len(p.errs))
	return run, nil
}

// pass is one Discover call's state.
type pass struct {
	q      *Queue
	lister MeetingLister
	d      Discovery
	run    *models.CoverageRun
	found  map[string]models.Discovered
	errs   []string
	oldest time.Time

	report bool        // the Dashboard refused: list with the Report
	users  []zoom.User // the Report's hosts, listed once
	listed bool        // users listed (or refused)
}

func (p *pass) fail(err error) {
	const maxErrors = 20
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, err.Error())
	} else if len(p.errs) == maxErrors {
		p.errs = append(p.errs, "… more errors left out")
	}
}

// refused counts a list request Zoom refused for plan or scope that
// nothing made up for, and records why.
func (p *pass) refused(err error) {
	p.run.Refused++
	p.fail(err)
}

func (p *pass) list(ctx context.Context) {
	windows := Windows(p.d.From, p.d.To)
	for i, w := range windows {
		if ctx.Err() != nil {
			p.fail(fmt.Errorf("stopped after %d of %d windows: %w", i, len(windows), ctx.Err()))
			return
		}
		if !p.report {
			p.dashboard(ctx, w)
		}
		if p.report {
			p.reportWindow(ctx, w)
		}
		if p.d.Progress != nil {
			p.d.Progress(i+1, len(windows), len(p.found))
		}
	}
}

// dashboard lists window w with the Dashboard; a refusal for plan or scope
// switches the pass to the Report (which then lists w again).
func (p *pass) dashboard(ctx context.Context, w Window) {
	opts := zoom.ListOptions{From: w.From, To: w.To, QueryDateType: "end_time"}
	calls := []struct {
		webinar bool
		typ     string
	}{{false, zoom.ListPast}, {false, zoom.ListPastOne}, {true, zoom.ListPast}}
	for _, c := range calls {
		opts.Type = c.typ
		list := p.lister.DashboardMeetings
		if c.webinar {
			list = p.lister.DashboardWebinars
		}
		rows, err := list(ctx, opts)
		if errors.Is(err, zoom.ErrPermission) {
			p.q.log.Warn("the Dashboard refused the list of past meetings; listing with the Report", "error", err)
			p.report = true
			return
		}
		if err != nil {
			p.fail(fmt.Errorf("dashboard %s %s to %s: %w", c.typ, w.From.Format(time.DateOnly), w.To.Format(time.DateOnly), err))
		}
		p.run.Lister = ListerDashboard
		for _, r := range rows {
			if r.EndTime == nil {
				continue
			}
			p.add(models.Discovered{MeetingEnded: models.MeetingEnded{UUID: r.UUID, MeetingNumber: r.ID,
				Webinar: c.webinar, Topic: r.Topic, StartTime: r.StartTime, EndTime: r.EndTime},
				HostName: r.Host, HostEmail: r.Email})
		}
	}
}

// reportWindow lists window w with the Report, host by host. The Report
// matches on start time, so it asks from the day before (a meeting may
// start one day and end the next).
func (p *pass) reportWindow(ctx context.Context, w Window) {
	if !p.listed {
		p.listed = true
		for _, status := range []string{"active", "inactive"} {
			us, err := p.lister.Users(ctx, status)
			if errors.Is(err, zoom.ErrPermission) {
				p.refused(fmt.Errorf("report: users: %w", err))
				return
			}
			if err != nil {
				p.fail(fmt.Errorf("report: %s users: %w", status, err))
			}
			p.users = append(p.users, us...)
		}
		p.run.Lister = ListerReport
	}
	from := w.From.AddDate(0, 0, -1)
	if from.Before(p.oldest) {
		from = p.oldest
	}
	for _, u := range p.users {
		for _, typ := range []string{zoom.ListPast, zoom.ListPastOne} {
			rows, err := p.lister.UserMeetings(ctx, u.ID, zoom.ListOptions{Type: typ, From: from, To: w.To})
			if errors.Is(err, zoom.ErrPermission) {
				p.refused(fmt.Errorf("report: meetings of %s: %w", u.Email, err))
				continue
			}
			if err != nil {
				p.fail(fmt.Errorf("report: %s meetings of %s %s to %s: %w", typ, u.Email,
					from.Format(time.DateOnly), w.To.Format(time.DateOnly), err))
			}
			for _, r := range rows {
				if r.EndTime.IsZero() {
					continue
				}
				end := r.EndTime
				p.add(models.Discovered{MeetingEnded: models.MeetingEnded{UUID: r.UUID, MeetingNumber: r.ID,
					Webinar: r.Type == 5 || r.Type == 6 || r.Type == 9, Topic: r.Topic, HostID: u.ID, Type: r.Type,
					StartTime: r.StartTime, EndTime: &end}, HostName: r.UserName, HostEmail: r.UserEmail})
			}
		}
	}
}

// add keeps d when it ended in the pass's range.
func (p *pass) add(d models.Discovered) {
	if d.UUID == "" || d.EndTime.Before(p.d.From) || !d.EndTime.Before(p.d.To) {
		return
	}
	if _, ok := p.found[d.UUID]; !ok {
		d.Via = p.d.Via
		p.found[d.UUID] = d
	}
}

// store queues a fetch of every instance found that rollcall lacks, each
// with its meeting row in one transaction.
func (p *pass) store(ctx context.Context) error {
	uuids := make([]string, 0, len(p.found))
	for u := range p.found {
		uuids = append(uuids, u)
	}
	slices.SortFunc(uuids, func(a, b string) int {
		return p.found[a].EndTime.Compare(*p.found[b].EndTime)
	})
	stored, err := p.q.store.StoredUUIDs(ctx, uuids)
	if err != nil {
		return err
	}
	for _, u := range uuids {
		if stored[u] {
			p.run.AlreadyStored++
			continue
		}
		if p.d.DryRun {
			p.run.Queued++ // would be
			continue
		}
		err := p.q.store.Tx(ctx, func(tx *models.Tx) error {
			m, inserted, err := tx.InsertDiscovered(ctx, p.found[u])
			if err != nil || !inserted {
				if err == nil {
					p.run.AlreadyStored++ // a webhook got there meanwhile
				}
				return err
			}
			if _, err := p.q.EnqueueFetchTx(ctx, tx, m, 0); err != nil {
				return err
			}
			p.run.Queued++
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
