package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/internal/testdb"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// EnvLong turns on the long variants of the hardening tests:
//
//	ROLLCALL_LONG=1 go test -run TestZoomFaultsAtScale -v -timeout 20m ./internal/app
const EnvLong = "ROLLCALL_LONG"

func long() bool { return os.Getenv(EnvLong) != "" }

// TestZoomFaultsAtScale posts meeting.ended for many meetings through the
// real webhook while the fake Zoom misbehaves in every way rollcall must
// survive: 429s with Retry-After in seconds and as a date, 5xx answers,
// dropped connections, slow answers, answers slower than a fetch attempt
// may take, 3001 "not ready" for a while (and, for a few, for ever),
// expiring page tokens, and credentials refused for a few requests. Every
// meeting must end fetched exactly as Zoom lists it, or failed with Zoom's
// reason, and the Heavy requests the fake saw must stay within Zoom's Pro
// limit, which the fake enforces.
//
// The default run uses 100 meetings (about 30 s); ROLLCALL_LONG=1 uses 500.
func TestZoomFaultsAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	n := 100
	if long() {
		n = 500
	}
	const heavyLimit = 10 // Zoom's Pro plan, and rollcall's default pacing
	fake := zoomtest.NewServer()
	defer fake.Close()
	fake.SetRateLimit(zoomtest.LabelHeavy, heavyLimit)
	fake.SetRateLimit(zoomtest.LabelMedium, 20)
	fake.SetRateLimit(zoomtest.LabelLight, 30)
	fake.SetNotReadyFor(4 * time.Second)

	a := apptest.Start(t, fake, map[string]string{
		"ROLLCALL_LOG_LEVEL":         "error",
		"ROLLCALL_JOB_TIMEOUT":       "10s",
		"ROLLCALL_NOT_READY_GIVE_UP": "8s",
	})
	db := a.Store()

	// The meetings: mostly small, every 25th large enough for three pages
	// (so expiring page tokens bite), every 10th ended just now (3001 for
	// 4 s), and every 50th never ready at Zoom.
	now := time.Now().UTC().Truncate(time.Second)
	var meetings []zoomtest.Meeting
	neverReady := map[string]bool{}
	for i := range n {
		opts := zoomtest.GenOptions{Participants: 2 + i%40, Seed: int64(7000 + i),
			Start: now.Add(-time.Duration(n-i) * 2 * time.Hour)}
		if i%25 == 3 {
			opts.Participants = 650
		}
		if i%10 == 7 {
			opts.Start = now.Add(-time.Hour) // ends now: not ready for 4 s
		}
		m := zoomtest.Generate(opts)
		meetings = append(meetings, m)
		atZoom := m
		if i%50 == 11 {
			atZoom.End = now.Add(100 * 24 * time.Hour) // Zoom never has it ready
			neverReady[m.UUID] = true
		}
		fake.AddMeeting(atZoom)
	}

	// Faults, fed in one at a time while the fetches run, so they land on
	// many different requests rather than as one burst.
	var faults []zoomtest.Fault
	addN := func(k int, f func() zoomtest.Fault) {
		for range k {
			faults = append(faults, f())
		}
	}
	scale := func(k int) int { return max(1, k*n/500) }
	addN(scale(60), func() zoomtest.Fault { return zoomtest.RateLimited("QPS", "1") })
	addN(scale(20), func() zoomtest.Fault {
		return zoomtest.RateLimited("Daily-limit", time.Now().Add(3*time.Second).UTC().Format(time.RFC3339))
	})
	for _, status := range []int{500, 502, 503, 504} {
		addN(scale(15), func() zoomtest.Fault { return zoomtest.ServerError(status) })
	}
	addN(scale(30), func() zoomtest.Fault { return zoomtest.Fault{Path: "/v2/", Hangup: true} })
	addN(scale(30), func() zoomtest.Fault { return zoomtest.Fault{Path: "/v2/", Delay: 1500 * time.Millisecond} })
	// Slower than ROLLCALL_JOB_TIMEOUT: the attempt times out and is retried.
	addN(2, func() zoomtest.Fault { return zoomtest.Fault{Path: "/v2/metrics/", Delay: 12 * time.Second} })
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(faults), func(i, j int) { faults[i], faults[j] = faults[j], faults[i] })
	// Credentials refused: a token that stops working and a token endpoint
	// that refuses the client, for a few requests.
	const credentialFaults = 3
	credentials := []func(){
		func() {
			fake.FailNext(2, zoomtest.Fault{Path: "/v2/metrics/", Status: http.StatusUnauthorized, Code: 124, Message: "Invalid access token."})
		},
		func() {
			fake.RevokeTokens()
			fake.FailNext(1, zoomtest.Fault{Path: "/oauth/token", Status: http.StatusUnauthorized,
				Body: `{"reason":"Invalid client_id or client_secret","error":"invalid_client"}`})
		},
		func() {
			fake.FailNext(2, zoomtest.Fault{Path: "/v2/past_meetings/", Status: http.StatusUnauthorized, Code: 124, Message: "Invalid access token."})
		},
	}

	ctx, stopFaults := context.WithCancel(context.Background())
	defer stopFaults()
	var injector sync.WaitGroup
	injector.Add(1)
	go func() {
		defer injector.Done()
		tick := time.NewTicker(60 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if len(faults) > 0 {
				fake.FailNext(1, faults[0])
				faults = faults[1:]
			}
			if i%40 == 39 {
				fake.ExpirePageTokens()
			}
			if i%100 == 50 && len(credentials) > 0 {
				credentials[0]()
				credentials = credentials[1:]
			}
		}
	}()

	// Post every meeting.ended through the real webhook, 8 at a time.
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	statuses := make([]int, n)
	for i, m := range meetings {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			statuses[i] = a.PostEnded(t, m)
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		require.Equal(t, http.StatusOK, s, "webhook %d", i)
	}
	t.Logf("%d webhooks posted in %s", n, time.Since(start).Round(time.Millisecond))

	// Wait until every meeting is fetched or failed.
	within := 3 * time.Minute
	if long() {
		within = 10 * time.Minute
	}
	var byStatus map[string]int64
	finished := func() bool {
		byStatus = fetchStatusCounts(t, db)
		return byStatus[models.FetchFetched]+byStatus[models.FetchFailed] == int64(n)
	}
	// Not require.Eventually: on a timeout the counts are still reported below.
	assert.Eventually(t, finished, within, 250*time.Millisecond)
	stopFaults()
	injector.Wait()
	t.Logf("after %s: %v", time.Since(start).Round(time.Millisecond), byStatus)
	require.Equal(t, int64(n), byStatus[models.FetchFetched]+byStatus[models.FetchFailed],
		"not every meeting finished within %s: %v", within, byStatus)

	// Fetched: exactly Zoom's rows, each once. Failed: with Zoom's reason,
	// and only for the reasons injected.
	notReady := regexp.MustCompile(`not ready after 8s: .*HTTP 404, code 3001`)
	refused := regexp.MustCompile(`HTTP 401(, code 124: Invalid access token\.|: Invalid client_id or client_secret)`)
	var credentialFailures []string
	notReadyFailures := 0
	for _, m := range meetings {
		stored, err := db.MeetingByUUID(context.Background(), m.UUID)
		require.NoError(t, err)
		switch {
		case neverReady[m.UUID] && refused.MatchString(stored.LastError):
			// A refused credential reached it before Zoom's 3001 ran out.
			assert.Equal(t, models.FetchFailed, stored.FetchStatus, m.UUID)
			credentialFailures = append(credentialFailures, stored.LastError)
		case neverReady[m.UUID]:
			assert.Equal(t, models.FetchFailed, stored.FetchStatus, "%s: Zoom never had it ready", m.UUID)
			assert.Regexp(t, notReady, stored.LastError, m.UUID)
			notReadyFailures++
		case stored.FetchStatus == models.FetchFetched:
			apptest.AssertStoredExactly(t, db, m)
		default:
			assert.Regexp(t, refused, stored.LastError, "%s failed for a reason that was not injected", m.UUID)
			credentialFailures = append(credentialFailures, stored.LastError)
		}
	}
	t.Logf("failed for refused credentials: %d %v", len(credentialFailures), credentialFailures)
	assert.LessOrEqual(t, len(credentialFailures), credentialFaults)
	assert.Equal(t, int64(notReadyFailures+len(credentialFailures)), byStatus[models.FetchFailed])

	// No duplicates anywhere: one meeting per UUID, one fetch job each
	// at most live, segments exactly as counted.
	own := testdb.Open(t, a.DSN)
	var want int64
	assert.Equal(t, int64(n), own.Count(t, "SELECT COUNT(*) FROM meetings"))
	segments := own.Count(t, "SELECT COUNT(*) FROM segments")
	for _, m := range meetings {
		stored, _ := db.MeetingByUUID(context.Background(), m.UUID)
		if stored.FetchStatus == models.FetchFetched {
			want += int64(len(m.Participants))
		}
	}
	assert.Equal(t, want, segments, "segments stored beyond Zoom's rows")

	// Pacing: the Heavy requests Zoom saw never exceeded its per-second limit.
	perSecond := map[int64]int{}
	var heavy int
	for _, r := range fake.Requests() {
		if r.Label == zoomtest.LabelHeavy {
			perSecond[r.Time.Unix()]++
			heavy++
		}
	}
	var worst []string
	for sec, c := range perSecond {
		if c > heavyLimit {
			worst = append(worst, fmt.Sprintf("%s: %d", time.Unix(sec, 0).UTC().Format(time.TimeOnly), c))
		}
	}
	sort.Strings(worst)
	t.Logf("%d Heavy requests over %d seconds", heavy, len(perSecond))
	assert.Empty(t, worst, "seconds in which Zoom saw more than %d Heavy requests", heavyLimit)
}

func fetchStatusCounts(t *testing.T, db *models.Store) map[string]int64 {
	t.Helper()
	out, err := db.CountByStatus(context.Background())
	require.NoError(t, err)
	return out
}
