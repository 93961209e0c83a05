package jobs

import (
	"context"
	"fmt"
	"testing"

	"rollcall/models"
)

// BenchmarkIntakeBatch is intake's database work alone: one transaction
// storing a batch of prepared participant joins (events, live meeting,
// participant events), per event, by batch size. It shows what a batch
// saves over a transaction per event; the HTTP side is BenchmarkIntake in
// package handlers. Baselines on the same store: an empty transaction, and
// one holding a single bare insert into webhook_events.
//
//	go test ./jobs -run XXX -bench IntakeBatch -benchtime 20000x
func BenchmarkIntakeBatch(b *testing.B) {
	b.Run("empty-tx", func(b *testing.B) {
		e := newTestEnv(b, Config{})
		for b.Loop() {
			if err := e.store.Tx(context.Background(), func(tx *models.Tx) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-insert-tx", func(b *testing.B) {
		e := newTestEnv(b, Config{})
		n := 0
		for b.Loop() {
			n++
			if err := e.store.Tx(context.Background(), func(tx *models.Tx) error {
				_, err := tx.SQLTx().Exec("INSERT INTO webhook_events (dedup_key, event, meeting_uuid, event_ts, received_at, body) VALUES (?, 'x', 'u', ?, '2026-01-01', 'body')", fmt.Sprint(n), n)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, size := range []int{1, 4, 16, 64, 256} {
		b.Run(fmt.Sprint("events-", size), func(b *testing.B) {
			ctx := context.Background()
			e := newTestEnv(b, Config{})
			q, err := New(e.store, nil, e.cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			next := func() []*intakeEvent {
				ins := make([]*intakeEvent, size)
				for i := range ins {
					in := q.prepareIntake(participantEvent("bench-live", n))
					ins[i] = &in
					n++
				}
				return ins
			}
			b.ResetTimer()
			for done := 0; done < b.N; done += size {
				b.StopTimer()
				ins := next()
				b.StartTimer()
				err := e.store.Tx(ctx, func(tx *models.Tx) error {
					_, err := q.acceptTx(ctx, tx, ins)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
