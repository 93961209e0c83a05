package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// injectFault makes the store's writes fail as f does until the returned
// function is called.
func injectFault(t *testing.T, e *env, f models.Fault) (restore func()) {
	t.Helper()
	if e.store.Dialect() != models.DialectSQLite {
		t.Skip("SQLite pragmas simulate the full disk and the read-only file")
	}
	undo, err := e.store.InjectFault(context.Background(), f)
	require.NoError(t, err)
	return func() {
		t.Helper()
		require.NoError(t, undo())
	}
}

// A full disk must not turn into a 200 for an event that was not stored.
// SQLite reports a full disk (SQLITE_FULL) when the file may not grow
// (max_page_count) exactly as when the device is full. Distinct events are
// posted until one is refused: every 200 must be stored, every 503 not;
// once there is room again, Zoom's redeliveries of the refused ones succeed.
func TestWebhookAnswers503WhenTheDiskIsFull(t *testing.T) {
	e := newEnv(t)
	clearFault := injectFault(t, e, models.FaultDiskFull)

	body := func(i int) []byte {
		return []byte(strings.Replace(endedBody, "4444AAAiAAAAAiAiAiiAii==", "full-"+itoa64(int64(i))+"==", 1))
	}
	var accepted, refused []int
	for i := 0; i < 500 && len(refused) < 3; i++ {
		b := body(i)
		status, _ := e.post(t, b, signed(b, e.now, secret))
		switch status {
		case http.StatusOK:
			accepted = append(accepted, i)
		case http.StatusServiceUnavailable:
			refused = append(refused, i)
		default:
			t.Fatalf("event %d: status %d", i, status)
		}
	}
	require.NotEmpty(t, refused, "the database never filled up")
	ctx := context.Background()
	for _, i := range accepted {
		_, err := e.store.MeetingByUUID(ctx, "full-"+itoa64(int64(i))+"==")
		assert.NoError(t, err, "event %d was answered 200 but not stored", i)
	}
	for _, i := range refused {
		_, err := e.store.MeetingByUUID(ctx, "full-"+itoa64(int64(i))+"==")
		assert.ErrorIs(t, err, models.ErrNotFound, "event %d was answered 503 but stored", i)
	}

	clearFault()
	for _, i := range refused {
		b := body(i)
		status, _ := e.post(t, b, signed(b, e.now, secret))
		assert.Equal(t, http.StatusOK, status)
	}
	meetings, events, queued := e.counts(t)
	n := int64(len(accepted) + len(refused))
	assert.Equal(t, [3]int64{n, n, n}, [3]int64{meetings, events, queued})
}

func TestWebhookAnswers503WhenTheDatabaseIsReadOnly(t *testing.T) {
	e := newEnv(t)
	clearFault := injectFault(t, e, models.FaultReadOnly)
	status, _ := e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	clearFault()
	meetings, events, queued := e.counts(t)
	assert.Equal(t, [3]int64{0, 0, 0}, [3]int64{meetings, events, queued})

	status, _ = e.post(t, []byte(endedBody), signed([]byte(endedBody), e.now, secret))
	assert.Equal(t, http.StatusOK, status)
}

func itoa64(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
