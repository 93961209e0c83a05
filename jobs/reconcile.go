package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"rollcall/models"
)

// ReconcileArgs asks for a sweep over meetings left pending.
type ReconcileArgs struct{}

// Kind is the job's stable name in the queue table.
func (ReconcileArgs) Kind() string { return "reconcile_pending" }

// ReconcileWorker makes sure every meeting still pending or fetching has a
// fetch queued. Normally one is (the unique insert then skips); after a lost
// job — a database restored from backup, a job deleted by hand — this brings
// the meeting back.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	queue *Queue
}

// Work re-queues fetches of meetings unchanged for ReconcileEvery.
func (w *ReconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	q := w.queue
	stale, err := q.store.StaleMeetings(ctx, q.cfg.Now().Add(-q.cfg.ReconcileEvery), 500)
	if err != nil {
		return err
	}
	requeued := 0
	for _, m := range stale {
		err := q.store.Tx(ctx, func(tx *models.Tx) error {
			queued, err := q.EnqueueFetchTx(ctx, tx, m, 0)
			if queued {
				requeued++
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	if requeued > 0 {
		q.log.Warn("re-queued fetches of stale meetings", "count", requeued)
	}
	return nil
}
