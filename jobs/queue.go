// Package jobs holds rollcall's durable background work on River: fetching a
// meeting instance's participants from Zoom, re-queueing fetches that a
// crash or an outage left behind, and sweeping Zoom's lists of past
// meetings for the ones whose webhook never came (discover.go).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"rollcall/models"
	"rollcall/zoom"
)

// ParticipantSource is what the fetch worker needs of Zoom: *zoom.Client.
type ParticipantSource interface {
	Participants(ctx context.Context, meetingUUID string) (zoom.ParticipantsResult, error)
	WebinarParticipants(ctx context.Context, webinarUUID string) (zoom.ParticipantsResult, error)
	PastMeeting(ctx context.Context, meetingUUID string) (zoom.PastMeeting, error)
	// WebinarReport gives a past webinar's details, for a webinar.ended
	// that came without its end_time (Zoom's spec makes it optional).
	WebinarReport(ctx context.Context, webinarUUID string) (zoom.ReportDetail, error)
	// User names a host known only by ID (a webinar's).
	User(ctx context.Context, userID string) (zoom.User, error)
}

var _ ParticipantSource = (*zoom.Client)(nil)

// Config tunes the queue. Zero values take the defaults in brackets.
type Config struct {
	// FetchDelay is the wait after meeting.ended before the first fetch
	// (0: at once; rollcall's setting defaults to 2m).
	FetchDelay time.Duration
	// NotReadyRetry is the first wait after Zoom says the data is not ready;
	// it doubles up to NotReadyMaxWait [10s, 5m].
	NotReadyRetry   time.Duration
	NotReadyMaxWait time.Duration
	// NotReadyGiveUp is how long after the first planned fetch rollcall keeps
	// asking before it records the meeting as failed [1h].
	NotReadyGiveUp time.Duration
	// Workers is how many fetches run at once [4].
	Workers int
	// JobTimeout bounds one fetch attempt [5m]. A job still marked running
	// after JobTimeout plus RescueAfter (a crashed process) is retried.
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// ReconcileEvery is how often stale pending meetings are re-queued [5m].
	ReconcileEvery time.Duration
	// MaxAttempts is how many times a transient failure is retried [12].
	MaxAttempts int
	// Retention deletes meetings that started longer ago than this, with
	// their segments, hourly; 0 keeps everything.
	Retention time.Duration
	// EventsOnly stores each ended meeting's live participant events as its
	// participants, FetchDelay after meeting.ended (a grace period for late
	// events), and never asks Zoom's participants APIs
	// (ZOOM_PARTICIPANTS_SOURCE=webhooks).
	EventsOnly bool
	// DropNetworkIDs keeps participants' IP addresses, MAC addresses and
	// hard-disk ids out of the database altogether.
	DropNetworkIDs bool
	// Lister lists Zoom's past meetings for sweeps; nil runs none.
	Lister MeetingLister
	// SweepEvery is how often a sweep looks for meetings whose webhook
	// never came; 0 turns sweeps off. SweepLookback is how far back each
	// looks [72h].
	SweepEvery    time.Duration
	SweepLookback time.Duration
	// BaseURL is rollcall's address, for the links in outbound webhook
	// events ("" gives relative links).
	BaseURL string
	// WebhookTimeout bounds one outbound webhook attempt [10s].
	WebhookTimeout time.Duration
	// Now is the clock for scheduling, give-up deadlines, reconciling and
	// retention [time.Now]. River keeps its own clock.
	Now func() time.Time
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.NotReadyRetry, 10*time.Second)
	def(&c.NotReadyMaxWait, 5*time.Minute)
	def(&c.NotReadyGiveUp, time.Hour)
	def(&c.JobTimeout, 5*time.Minute)
	def(&c.RescueAfter, 30*time.Second)
	def(&c.ReconcileEvery, 5*time.Minute)
	def(&c.SweepLookback, 72*time.Hour)
	def(&c.WebhookTimeout, 10*time.Second)
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Queue is rollcall's River client with its workers.
type Queue struct {
	river  *river.Client[*sql.Tx]
	store  *models.Store
	cfg    Config
	log    *slog.Logger
	intake *groupCommit
}

func driverFor(store *models.Store) (riverdriver.Driver[*sql.Tx], error) {
	dialect, pool := store.QueuePool()
	switch dialect {
	case models.DialectSQLite:
		return riversqlite.New(pool), nil
	case models.DialectPostgres:
		return riverdatabasesql.New(pool), nil
	default:
		return nil, fmt.Errorf("jobs: no queue driver for %s", dialect)
	}
}

// Migrate runs River's own migrations on the store's database.
func Migrate(ctx context.Context, store *models.Store, log *slog.Logger) error {
	drv, err := driverFor(store)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// quiet keeps River's chatter at warnings and above.
func quiet(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(levelFilter{log.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

// New builds the queue. src may be nil for a process that only enqueues
// (such as `rollcall migrate`); then no workers run.
func New(store *models.Store, src ParticipantSource, cfg Config, log *slog.Logger) (*Queue, error) {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	drv, err := driverFor(store)
	if err != nil {
		return nil, err
	}
	q := &Queue{store: store, cfg: cfg, log: log}
	q.intake = newGroupCommit(q)
	rc := &river.Config{
		Logger:               quiet(log),
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobTimeout + cfg.RescueAfter,
		// Few workers on a small queue: poll often so a due job starts promptly.
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
	}
	if src != nil {
		workers := river.NewWorkers()
		fetch := newFetchWorker(store, src, cfg, log)
		fetch.outbound = q
		river.AddWorker(workers, fetch)
		river.AddWorker(workers, newDeliverWorker(store, cfg, log))
		river.AddWorker(workers, &ReconcileWorker{queue: q})
		river.AddWorker(workers, &PurgeWorker{queue: q})
		if cfg.Lister != nil {
			river.AddWorker(workers, &SweepWorker{queue: q, lister: cfg.Lister})
		}
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
		rc.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.ReconcileEvery),
				func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		}
		if cfg.Lister != nil && cfg.SweepEvery > 0 {
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(cfg.SweepEvery),
				func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, sweepInsertOpts },
				&river.PeriodicJobOpts{RunOnStart: true}))
		}
	}
	client, err := river.NewClient(drv, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: new queue: %w", err)
	}
	q.river = client
	return q, nil
}

// Start starts working jobs until ctx ends or Stop is called.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.river.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop lets running fetches finish (soft stop) until ctx ends, then cancels them.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return q.river.StopAndCancel(hard)
	}
	return err
}

// fetchUnique keeps one live fetch per meeting: a duplicate enqueue while one
// is waiting or running is skipped, while a new fetch after a finished one
// (an admin's re-fetch) is allowed.
var fetchUnique = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	},
}

// EnqueueFetchTx queues a fetch of meeting m inside tx (from
// models.Store.Tx), due after delay. It reports whether a new job was queued
// (false when one is already waiting or running).
func (q *Queue) EnqueueFetchTx(ctx context.Context, tx *models.Tx, m models.Meeting, delay time.Duration) (bool, error) {
	opts := &river.InsertOpts{UniqueOpts: fetchUnique}
	if delay > 0 {
		opts.ScheduledAt = q.cfg.Now().Add(delay)
	}
	res, err := q.river.InsertTx(ctx, tx.SQLTx(), FetchParticipantsArgs{MeetingID: m.ID, UUID: m.UUID}, opts)
	if err != nil {
		return false, fmt.Errorf("jobs: enqueue fetch of %s: %w", m.UUID, err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// Refetch queues a new fetch of meeting id now (an admin's request).
func (q *Queue) Refetch(ctx context.Context, id uint64) (queued bool, err error) {
	err = q.store.Tx(ctx, func(tx *models.Tx) error {
		m, err := tx.Meeting(ctx, id)
		if err != nil {
			return err
		}
		queued, err = q.EnqueueFetchTx(ctx, tx, m, 0)
		if err != nil || !queued {
			return err
		}
		return tx.MarkPending(ctx, id, "")
	})
	return queued, err
}

// JobCounts returns how many jobs the queue holds in each state (available,
// scheduled, running, retryable, completed, ...); states without jobs are
// absent.
func (q *Queue) JobCounts(ctx context.Context) (map[string]int64, error) {
	_, pool := q.store.QueuePool()
	rows, err := pool.QueryContext(ctx, "SELECT state, COUNT(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("jobs: count jobs by state: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("jobs: count jobs by state: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: count jobs by state: %w", err)
	}
	return out, nil
}
