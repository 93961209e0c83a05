package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// PurgeArgs asks for the retention sweep: meetings older than
// ROLLCALL_RETENTION go, with their segments and webhook events, and so do
// expired sessions, and outbound webhook deliveries older than 30 days.
type PurgeArgs struct{}

// Kind is the job's stable name in the queue table.
func (PurgeArgs) Kind() string { return "purge" }

// PurgeWorker runs the retention sweep.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	queue *Queue
}

// Work deletes what retention no longer keeps.
func (w *PurgeWorker) Work(ctx context.Context, job *river.Job[PurgeArgs]) error {
	q := w.queue
	if q.cfg.Retention > 0 {
		n, err := q.store.PurgeMeetingsBefore(ctx, q.cfg.Now().Add(-q.cfg.Retention))
		if err != nil {
			return err
		}
		if n > 0 {
			q.log.Info("retention: deleted old meetings", "count", n, "retention", q.cfg.Retention.String())
		}
	}
	if _, err := q.store.PurgeWebhookDeliveries(ctx, q.cfg.Now().Add(-deliveryLogKeep)); err != nil {
		return err
	}
	_, err := q.store.PurgeExpiredSessions(ctx)
	return err
}

// deliveryLogKeep is how long outbound webhook deliveries stay in the log.
const deliveryLogKeep = 30 * 24 * time.Hour
