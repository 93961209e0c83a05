package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// buildBinary builds rollcall as a release would, once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rollcall")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Run(), "go build")
	return bin
}

// process is a running rollcall binary.
type process struct {
	cmd *exec.Cmd
	URL string
}

// startBinary runs `rollcall serve` as its own process (env is its whole
// environment, ROLLCALL_ADDR=127.0.0.1:0 among it) and learns its address
// from the line it prints for people, "rollcall listening on URL": a
// separate process has no listener to hand over. In-process tests give
// app.Serve a listener instead (internal/apptest).
func startBinary(t *testing.T, bin string, env []string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	cmd.Dir = t.TempDir()
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = apptest.LogWriter(t)
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "rollcall listening on "); ok {
			p.URL = u
			break
		}
	}
	require.NotEmpty(t, p.URL, "rollcall did not say where it listens")
	go func() {
		for sc.Scan() {
		}
	}()
	return p
}

// TestCrashDuringFetchesLosesNothing kills rollcall with SIGKILL while
// fetches are in flight, restarts it on the same database, and checks that
// every meeting ends fetched, each segment stored exactly once.
func TestCrashDuringFetchesLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits for River's rescuer: skipped with -short")
	}
	bin := buildBinary(t)
	fake := zoomtest.NewServer()
	defer fake.Close()
	fake.SetLatency(30 * time.Millisecond) // fetches take a while: the kill lands mid-way

	dbPath := testdb.DSN(t)
	env := binaryEnv(fake,
		"ROLLCALL_ADDR=127.0.0.1:0",
		"ROLLCALL_DATABASE="+dbPath,
		"ROLLCALL_FETCH_DELAY=0s", "ROLLCALL_SWEEP_EVERY=0",
		"ROLLCALL_NOT_READY_RETRY=50ms",
		"ROLLCALL_JOB_TIMEOUT=2s",
		"ROLLCALL_RESCUE_AFTER=1s",
		"ROLLCALL_LOG_LEVEL=warn",
	)
	p := startBinary(t, bin, env)

	const n = 24
	var ms []zoomtest.Meeting
	for i := range n {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: 900, Seed: int64(500 + i)})
		fake.AddMeeting(m)
		ms = append(ms, m)
		req, err := zoomtest.SignedWebhook(p.URL+"/webhooks/zoom", fake.WebhookSecret, zoomtest.MeetingEndedBody(m, m.End), time.Now())
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, fmt.Sprint(i))
	}

	db, err := models.Open(context.Background(), dbPath, nil)
	require.NoError(t, err)
	defer db.Close()
	own := testdb.Open(t, dbPath)
	const byStatus = "SELECT COUNT(*) FROM meetings WHERE fetch_status = ?"
	// Kill it once some meetings are stored and others are still fetching.
	require.Eventually(t, func() bool {
		return own.Count(t, byStatus, models.FetchFetched) >= 2
	}, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()
	fetched := own.Count(t, byStatus, models.FetchFetched)
	fetching := own.Count(t, byStatus, models.FetchFetching)
	t.Logf("killed with %d of %d meetings fetched, %d mid-fetch", fetched, n, fetching)
	require.Less(t, fetched, int64(n), "everything finished before the kill; the test proves nothing")

	restarted := time.Now()
	startBinary(t, bin, env)
	for _, m := range ms {
		apptest.WaitFetched(t, db, m.UUID, 120*time.Second)
		apptest.AssertStoredExactly(t, db, m)
	}
	t.Logf("all %d meetings fetched %s after the restart", n, time.Since(restarted).Round(time.Second))
	assert.Equal(t, int64(n), own.Count(t, "SELECT COUNT(*) FROM meetings"))
	assert.Equal(t, int64(n*900), own.Count(t, "SELECT COUNT(*) FROM segments"))
	// Segments are stored in the same transaction that completes the job,
	// so no stored fetch was repeated.
	completed := own.Count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'fetch_participants' AND state = 'completed'`)
	assert.Equal(t, int64(n), completed)
}
