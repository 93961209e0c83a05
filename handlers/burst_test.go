package handlers_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The top of the hour: a burst of participant events at 64 concurrent
// deliveries, through the real webhook with the production time budget
// (2.5 s, so Zoom's 3 s is never reached). Every one must be answered 200
// — each 200 means stored — and every one must be in the database.
// 10,000 events; ROLLCALL_LONG=1 sends 50,000.
func TestWebhookBurstOfParticipantEvents(t *testing.T) {
	n := 10_000
	if os.Getenv("ROLLCALL_LONG") != "" {
		n = 50_000
	}
	e, _ := newEnvWith(t, envOptions{webhookTimeout: 2500 * time.Millisecond})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	var mu sync.Mutex
	var waits []time.Duration
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body := joinedFor(1_000_000 + i)
				req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/webhooks/zoom", bytes.NewReader(body))
				if !assert.NoError(t, err) {
					return
				}
				req.Header = signed(body, time.Now(), secret)
				start := time.Now()
				res, err := client.Do(req)
				if !assert.NoError(t, err) {
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				codes[res.StatusCode]++
				waits = append(waits, time.Since(start))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Equal(t, map[int]int{http.StatusOK: n}, codes)
	stored := e.db.Count(t, "SELECT COUNT(*) FROM webhook_events WHERE event = 'meeting.participant_joined'")
	assert.Equal(t, int64(n), stored, "every event answered 200 is stored")
	assert.Equal(t, int64(n), e.db.Count(t, "SELECT COUNT(*) FROM participant_events"), "and kept for live attendance")
	assert.Equal(t, int64(1), e.db.Count(t, "SELECT COUNT(*) FROM meetings WHERE fetch_status = 'live'"), "one live meeting")
	slices.Sort(waits)
	t.Logf("%d events: p50 %s, p99 %s, max %s", n, waits[len(waits)/2], waits[len(waits)*99/100], waits[len(waits)-1])
}
