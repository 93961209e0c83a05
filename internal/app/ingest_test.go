package app_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// The ingest pipeline end to end, also under Zoom's misbehaviours: signed
// webhook over HTTP → durable job → fetch from the fake Zoom → stored.

func TestIngestEndToEnd(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 40, Seed: 1})
	fake.AddMeeting(m)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	apptest.WaitFetched(t, db, m.UUID, 20*time.Second)
	apptest.AssertStoredExactly(t, db, m)
}

func TestIngestConcurrentDuplicateDeliveries(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 25, Seed: 2})
	fake.AddMeeting(m)
	var wg sync.WaitGroup
	statuses := make([]int, 3)
	for i := range statuses {
		wg.Add(1)
		go func() { defer wg.Done(); statuses[i] = a.PostEnded(t, m) }()
	}
	wg.Wait()
	assert.Equal(t, []int{200, 200, 200}, statuses)
	apptest.WaitFetched(t, db, m.UUID, 20*time.Second)
	apptest.AssertStoredExactly(t, db, m)

	own := testdb.Open(t, a.DSN)
	assert.Equal(t, int64(1), own.Count(t, "SELECT COUNT(*) FROM meetings"))
	assert.Equal(t, int64(1), own.Count(t, "SELECT COUNT(*) FROM webhook_events"))
	assert.Equal(t, int64(1), own.Count(t, "SELECT COUNT(*) FROM river_job WHERE kind = 'fetch_participants'"),
		"duplicate deliveries queued more than one fetch")

	// A late redelivery, after the fetch, changes nothing.
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	assert.Equal(t, int64(1), own.Count(t, "SELECT COUNT(*) FROM river_job WHERE kind = 'fetch_participants'"))
	apptest.AssertStoredExactly(t, db, m)
}

func TestIngestManyMeetings(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()
	var ms []zoomtest.Meeting
	for i := range 20 {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: 1 + i*7, Seed: int64(100 + i)})
		fake.AddMeeting(m)
		ms = append(ms, m)
		require.Equal(t, http.StatusOK, a.PostEnded(t, m), fmt.Sprint(i))
	}
	for _, m := range ms {
		apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
		apptest.AssertStoredExactly(t, db, m)
	}
}

func TestIngestRidesOutRateLimits(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 30, Seed: 11})
	fake.AddMeeting(m)
	fake.FailNext(2, zoomtest.RateLimited("QPS", "1"))
	fake.FailNext(1, zoomtest.RateLimited("Daily-limit", time.Now().Add(time.Second).UTC().Format(time.RFC3339)))
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	apptest.AssertStoredExactly(t, db, m)
}

func TestIngestStaysWithinZoomRateLimit(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	fake.SetRateLimit(zoomtest.LabelHeavy, 10) // Zoom Pro: Heavy 10/s
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	var ms []zoomtest.Meeting
	for i := range 12 {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: 400, Seed: int64(200 + i)})
		fake.AddMeeting(m)
		ms = append(ms, m)
		require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	}
	for _, m := range ms {
		apptest.WaitFetched(t, db, m.UUID, 60*time.Second)
		apptest.AssertStoredExactly(t, db, m)
	}
	perSecond := map[int64]int{}
	for _, r := range fake.Requests() {
		if r.Label == zoomtest.LabelHeavy {
			perSecond[r.Time.Unix()]++
		}
	}
	for sec, n := range perSecond {
		assert.LessOrEqual(t, n, 10, "Heavy requests in second %d", sec)
	}
}

func TestIngestWaitsWhileZoomIsNotReady(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 20, Seed: 12})
	fake.AddMeeting(m)
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	// The fake's clock starts at the meeting's end as the webhook arrives;
	// Zoom answers 3001 for the first second after it.
	began := time.Now()
	fake.SetNow(func() time.Time { return m.End.Add(time.Since(began)) })
	fake.SetNotReadyFor(time.Second)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	got := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	apptest.AssertStoredExactly(t, db, m)
	assert.GreaterOrEqual(t, got.FetchAttempts, 2, "the first fetch should have met 3001")
}

func TestIngestGivesUpWhenNeverReady(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 13})
	fake.SetNow(func() time.Time { return m.End })
	fake.SetNotReadyFor(time.Hour)
	fake.AddMeeting(m)
	// A give-up window of a second instead of an hour.
	a := apptest.Start(t, fake, map[string]string{"ROLLCALL_NOT_READY_GIVE_UP": "1s"})
	db := a.Store()

	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	got := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	assert.Equal(t, models.FetchFailed, got.FetchStatus)
	assert.Contains(t, got.LastError, "3001")
}

func TestIngestRestartsPaginationWhenAPageTokenExpires(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 700, Seed: 14}) // 3 pages
	fake.AddMeeting(m)
	fake.FailNext(1, zoomtest.Fault{Path: "/v2/metrics/", Query: "next_page_token=", Status: 400, Code: 300,
		Message: "The next page token is invalid or expired."})
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	apptest.AssertStoredExactly(t, db, m)
}

func TestIngestRetriesServerErrors(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 50, Seed: 15})
	fake.AddMeeting(m)
	fake.FailNext(6, zoomtest.ServerError(http.StatusBadGateway))
	fake.FailNext(1, zoomtest.Fault{Path: "/v2/", Hangup: true})
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	apptest.WaitFetched(t, db, m.UUID, 60*time.Second)
	apptest.AssertStoredExactly(t, db, m)
}

func TestIngestFallsBackToTheReport(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	fake.SetDashboardDenied(true)
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 40, Seed: 16})
	fake.AddMeeting(m)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	got := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	apptest.AssertStoredExactly(t, db, m)
	assert.Equal(t, "report", got.Source)
}

func TestIngestRecordsBadCredentials(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{"ZOOM_CLIENT_SECRET": "wrong"})
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 5, Seed: 17})
	fake.AddMeeting(m)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	got := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	assert.Equal(t, models.FetchFailed, got.FetchStatus)
	assert.NotEmpty(t, got.LastError)
	t.Logf("recorded reason: %s", got.LastError)
	segs, err := db.Segments(t.Context(), got.ID)
	require.NoError(t, err)
	assert.Empty(t, segs)
}

func TestIngestTenThousandParticipants(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 participants: skipped with -short")
	}
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 10_000, Seed: 18})
	fake.AddMeeting(m)
	var pages atomic.Int64
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	apptest.WaitFetched(t, db, m.UUID, 90*time.Second)
	apptest.AssertStoredExactly(t, db, m)
	for _, r := range fake.Requests() {
		if r.Label == zoomtest.LabelHeavy {
			pages.Add(1)
		}
	}
	assert.Equal(t, int64(34), pages.Load())
}

func TestIngestWebinar(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 60, Seed: 19, Webinar: true})
	fake.AddMeeting(m)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	got := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	apptest.AssertStoredExactly(t, db, m)
	assert.True(t, got.Webinar)
}

func TestIngestCanLeaveOutNetworkIDs(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{"ROLLCALL_STORE_NETWORK_IDS": "false"})
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 30, Seed: 20})
	for i := range m.Participants {
		m.Participants[i].IPAddress = "192.0.2.77"
		m.Participants[i].InternalIPAddresses = []string{"10.9.9.9"}
		m.Participants[i].Extra = map[string]any{"mac_addr": "00:0a:95:9d:68:16", "harddisk_id": "HD-4242"}
	}
	fake.AddMeeting(m)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	got := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	require.Equal(t, models.FetchFetched, got.FetchStatus, got.LastError)
	segs, err := db.Segments(t.Context(), got.ID)
	require.NoError(t, err)
	require.Len(t, segs, 30)
	for _, s := range segs {
		assert.Empty(t, s.IPAddress)
		for _, secret := range []string{"192.0.2.77", "10.9.9.9", "00:0a:95:9d:68:16", "HD-4242", "ip_address", "mac_addr"} {
			assert.NotContains(t, s.Raw, secret)
		}
		assert.Contains(t, s.Raw, `"user_name"`, "the rest of the row is kept")
	}
}

// Zoom's strings can hold characters PostgreSQL's text refuses (NUL); the
// fetch must store them anyway rather than fail the meeting.
func TestIngestStoresOddCharacters(t *testing.T) {
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, nil)
	db := a.Store()

	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 10, Seed: 21})
	m.Topic = "Stand\x00up"
	m.Participants[3].Name = "Ann\x00ie"
	m.Participants[4].LeaveReason = "left\x00<br>again"
	fake.AddMeeting(m)
	require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	got := apptest.WaitFetched(t, db, m.UUID, 30*time.Second)
	apptest.AssertStoredExactly(t, db, m)
	assert.Contains(t, []string{"Stand\x00up", "Standup"}, got.Topic)
}
