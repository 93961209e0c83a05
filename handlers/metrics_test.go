package handlers_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMetricsCountQueueJobs: /metrics reports the queue's jobs by state,
// which the queue counts.
func TestMetricsCountQueueJobs(t *testing.T) {
	e := newEnv(t)
	status, body := e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	require.Equal(t, http.StatusOK, status, body)

	res, err := http.Get(e.srv.URL + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Contains(t, string(b), "rollcall_queue_jobs{state=\"scheduled\"} 1\n")
	assert.Contains(t, string(b), "rollcall_meetings{fetch_status=\"pending\"} 1\n")
}
