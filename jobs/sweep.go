package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rollcall/models"
)

// SweepArgs asks for one sweep: a Discover over the last
// Config.SweepLookback, so that meetings whose webhook never came (Zoom
// gave up, or rollcall was down) are fetched all the same.
type SweepArgs struct{}

// Kind is the job's stable name in the queue table.
func (SweepArgs) Kind() string { return "sweep" }

// sweepTimeout bounds one sweep: the Dashboard's lists are paced at a few
// requests a minute, and the Report's at one request per host and type.
const sweepTimeout = 30 * time.Minute

// sweepInsertOpts makes a sweep one at a time across replicas: River's
// leader alone enqueues periodic jobs, and a sweep waiting or running keeps
// another from being inserted. A failed sweep is not retried; the next one
// covers its window again.
var sweepInsertOpts = &river.InsertOpts{
	MaxAttempts: 1,
	UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}},
}

// SweepWorker runs sweeps.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	queue  *Queue
	lister MeetingLister
}

// Timeout bounds one sweep.
func (w *SweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return sweepTimeout }

// Work discovers the meetings that ended in the last SweepLookback.
func (w *SweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	now := w.queue.cfg.Now()
	_, err := w.queue.Discover(ctx, w.lister, Discovery{Via: models.ArrivedSweep,
		From: now.Add(-w.queue.cfg.SweepLookback), To: now})
	return err
}
