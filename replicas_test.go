package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// TestReplicasShareOnePostgres runs three rollcall processes on one
// PostgreSQL database behind a round-robin "load balancer", posts 1,000
// distinct and 1,000 duplicate meeting.ended webhooks, SIGKILLs one replica
// half-way, and checks that every meeting was stored exactly once and its
// fetch job completed exactly once.
func TestReplicasShareOnePostgres(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("replicas need PostgreSQL: set " + testdb.EnvPostgres)
	}
	if testing.Short() {
		t.Skip("builds the binary and runs three replicas: skipped with -short")
	}
	bin := buildBinary(t)
	fake := zoomtest.NewServer()
	defer fake.Close()
	dsn := testdb.DSN(t)
	env := binaryEnv(fake,
		"ROLLCALL_ADDR=127.0.0.1:0",
		"ROLLCALL_DATABASE="+dsn,
		"ROLLCALL_FETCH_DELAY=0s", "ROLLCALL_SWEEP_EVERY=0",
		"ROLLCALL_NOT_READY_RETRY=50ms",
		"ROLLCALL_JOB_TIMEOUT=3s",
		"ROLLCALL_RESCUE_AFTER=1s",
		"ROLLCALL_LOG_LEVEL=error",
	)
	// Migrate once before the replicas race to start.
	require.NoError(t, run(context.Background(), []string{"rollcall", "migrate"},
		func(k string) string { return map[string]string{"ROLLCALL_DATABASE": dsn}[k] }, nil, io.Discard, io.Discard))
	replicas := []*process{startBinary(t, bin, env), startBinary(t, bin, env), startBinary(t, bin, env)}
	var mu sync.Mutex
	dead := map[int]bool{}

	const n = 1000
	ms := make([]zoomtest.Meeting, n)
	for i := range ms {
		ms[i] = zoomtest.Generate(zoomtest.GenOptions{Participants: 4, Seed: int64(10_000 + i),
			Start: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)})
		fake.AddMeeting(ms[i])
	}
	// post delivers one webhook like a load balancer: round-robin, skipping
	// a replica that refuses connections.
	var rr int
	post := func(m zoomtest.Meeting) {
		for range 6 {
			mu.Lock()
			i := rr % len(replicas)
			rr++
			skip := dead[i]
			mu.Unlock()
			if skip {
				continue
			}
			req, err := zoomtest.SignedWebhook(replicas[i].URL+"/webhooks/zoom", fake.WebhookSecret,
				zoomtest.MeetingEndedBody(m, m.End), time.Now())
			require.NoError(t, err)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				continue // the killed replica: the balancer tries the next
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		t.Errorf("no replica accepted %s", m.UUID)
	}
	var wg sync.WaitGroup
	work := make(chan zoomtest.Meeting)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				post(m)
			}
		}()
	}
	for i := range 2 * n {
		if i == n {
			// Half-way: kill replica 1 with fetches in flight.
			mu.Lock()
			dead[1] = true
			mu.Unlock()
			require.NoError(t, replicas[1].cmd.Process.Signal(syscall.SIGKILL))
		}
		work <- ms[(i*7)%n] // every meeting twice, in a shuffled order
	}
	close(work)
	wg.Wait()

	db, err := models.Open(context.Background(), dsn, nil)
	require.NoError(t, err)
	defer db.Close()
	for _, m := range ms {
		apptest.WaitFetched(t, db, m.UUID, 3*time.Minute)
	}
	own := testdb.Open(t, dsn)
	meetings := own.Count(t, "SELECT COUNT(*) FROM meetings")
	segments := own.Count(t, "SELECT COUNT(*) FROM segments")
	var want int64
	for _, m := range ms {
		want += int64(len(m.Participants))
	}
	assert.Equal(t, int64(n), meetings)
	assert.Equal(t, want, segments, "segments stored more or less than once")
	for _, m := range ms[:50] {
		apptest.AssertStoredExactly(t, db, m)
	}
	// Each meeting's fetch job ran to completion exactly once.
	rows, err := own.Query(`SELECT args->>'uuid' AS uuid, COUNT(*) AS n FROM river_job
		WHERE kind = 'fetch_participants' AND state = 'completed' GROUP BY 1 HAVING COUNT(*) <> 1`)
	require.NoError(t, err)
	var dup []string
	for rows.Next() {
		var uuid string
		var n int
		require.NoError(t, rows.Scan(&uuid, &n))
		dup = append(dup, fmt.Sprintf("%s: %d", uuid, n))
	}
	require.NoError(t, rows.Err())
	rows.Close()
	assert.Empty(t, dup, "meetings whose fetch completed more than once")
	completed := own.Count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'fetch_participants' AND state = 'completed'`)
	assert.Equal(t, int64(n), completed, "completed fetch jobs")
}
