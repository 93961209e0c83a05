package demo

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/models"
)

// demoRun is the demo serving on a free loopback port with a temp database.
type demoRun struct {
	URL, DBPath string
	Out         *apptest.Buffer // what it printed
}

// startDemo runs the demo on a 127.0.0.1:0 listener with the password pw,
// and stops it when t ends.
func startDemo(t *testing.T, pw secret) *demoRun {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	d := &demoRun{URL: "http://" + ln.Addr().String(), DBPath: filepath.Join(t.TempDir(), "demo.db"), Out: &apptest.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, ln, d.DBPath, pw, func(string) string { return "" }, d.Out, apptest.LogWriter(t))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "demo did not stop cleanly")
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop within 30s of its context ending")
		}
		t.Log("demo printed:\n" + d.Out.String())
	})
	return d
}

func TestDemoFillsThePages(t *testing.T) {
	const pw = "a demo password from stdin"
	d := startDemo(t, secret{value: pw, from: "stdin"})

	// The demo creates its database: open it only once the demo says it is
	// up (migrated), or the two race to set up the new file and one finds
	// it locked.
	require.Eventually(t, func() bool { return strings.Contains(d.Out.String(), "rollcall demo: ") },
		60*time.Second, 10*time.Millisecond, "the demo should start")
	db, err := models.Open(context.Background(), d.DBPath, nil)
	require.NoError(t, err)
	defer db.Close()
	require.Eventually(t, func() bool {
		counts, err := db.CountByStatus(context.Background())
		// Every ended meeting, and the one the sweep found; the live one
		// is live until demoLiveFor has passed.
		return err == nil && counts[models.FetchFetched] == demoMeetingCount+1 && counts[models.FetchLive] == 1
	}, 90*time.Second, 100*time.Millisecond, "every demo meeting should be fetched")
	require.Eventually(t, func() bool {
		return strings.Contains(d.Out.String(), fmt.Sprintf("All %d meetings fetched", demoMeetingCount+1))
	},
		10*time.Second, 20*time.Millisecond, "the demo should say when everything is fetched")
	out := d.Out.String()
	assert.Contains(t, out, "rollcall demo: "+d.URL+"\n")
	assert.Contains(t, out, "  email:    "+demoEmail+"\n")
	assert.Contains(t, out, "  password: (from stdin)\n")
	assert.NotContains(t, out, pw, "a password the user gave is not printed")

	want := demoMeetings(time.Now())
	require.Len(t, want, demoMeetingCount)
	var weekly, webinars, people300 int
	for _, m := range want {
		stored, err := db.MeetingByUUID(context.Background(), m.UUID)
		require.NoError(t, err, m.Topic)
		assert.Equal(t, len(m.Participants), stored.SegmentCount, m.Topic)
		if m.ID == demoSeriesNumber {
			weekly++
		}
		if stored.Webinar {
			webinars++
		}
		if stored.People >= 300 {
			people300++
		}
	}
	assert.Equal(t, demoSeriesSize, weekly)
	assert.Equal(t, 1, webinars)
	assert.Equal(t, 1, people300, "one all-hands of at least 300 people")

	c := apptest.SignIn(t, d.URL, demoEmail, pw)
	doc := apptest.GetDoc(t, c, d.URL+"/meetings")
	rows := doc.Find(`[data-testid="meeting-row"]`)
	assert.Equal(t, demoMeetingCount+2, rows.Length(), "the ended meetings, the missed one and the live one")
	assert.Equal(t, "live", strings.TrimSpace(rows.First().Find(`[data-testid="status"]`).Text()), "the live meeting comes first")
	page := doc.Text()
	for _, topic := range []string{"Weekly team sync", "All-hands: Q3 kickoff", `Security review <script>alert("topic")</script>`} {
		assert.Contains(t, page, topic)
	}
	assert.Zero(t, doc.Find("script").Length(), "a topic became a script element")

	doc = apptest.GetDoc(t, c, d.URL+"/series/84120031337")
	assert.Contains(t, doc.Text(), "12 instances")
	assert.NotZero(t, doc.Find(`[data-absent="true"]`).Length(), "the roster's absentees are marked")

	// The weekly series' roster, and the suggestion it leads to.
	doc = apptest.GetDoc(t, c, d.URL+"/series/84120031337/roster")
	roster, err := models.ParseRoster([]byte(demoRosterCSV(demoMeetings(time.Now())[:demoSeriesSize])))
	require.NoError(t, err)
	assert.Empty(t, roster.Refusals)
	assert.Greater(t, len(roster.Entries), 3, "regulars, two absentees and a guest")
	assert.Equal(t, len(roster.Entries), doc.Find(`[data-testid="roster-entry"]`).Length())
	doc = apptest.GetDoc(t, c, d.URL+"/admin/review")
	assert.Equal(t, 1, doc.Find(`[data-testid="suggestion"][data-from="n:sam okafor"][data-into="l:sam okafor"]`).Length())

	// The home page: the weekly sync fell, and two regulars are slipping.
	doc = apptest.GetDoc(t, c, d.URL+"/")
	assert.Contains(t, doc.Find(`[data-testid="falling-series"]`).Text(), "Weekly team sync")
	assert.Equal(t, 2, doc.Find(`[data-testid="slipping-person"]`).Length())
	assert.Equal(t, 1, doc.Find(`[data-testid="home-live-meeting"]`).Length(), "the live meeting is named")

	// A meeting page renders.
	apptest.GetDoc(t, c, d.URL+"/meetings/1")

	// The live meeting: its events arrive through the webhook; its page
	// shows who is in, waiting and gone, and reloads itself.
	live, err := db.MeetingByUUID(context.Background(), demoLive(time.Now()).UUID)
	require.NoError(t, err)
	assert.Equal(t, models.FetchLive, live.FetchStatus)
	doc = apptest.GetDoc(t, c, fmt.Sprintf("%s/meetings/%d", d.URL, live.ID))
	assert.Equal(t, 1, doc.Find(`meta[http-equiv="refresh"]`).Length())
	inNow := doc.Find(`[data-testid="in-now"] [data-testid="live-name"]`).Text()
	assert.Contains(t, inNow, "Hana Host")
	assert.Contains(t, doc.Find(`[data-testid="waiting"]`).Text(), "Elif Eriksen")
	assert.Contains(t, doc.Find(`[data-testid="left"]`).Text(), "Dmitri Diaz")

	// The meeting whose meeting.ended was lost came in through the sweep.
	missed, err := db.MeetingByUUID(context.Background(), demoMissed(time.Now()).UUID)
	require.NoError(t, err)
	assert.Equal(t, models.ArrivedSweep, missed.ArrivedVia)
	assert.Equal(t, models.FetchFetched, missed.FetchStatus)
}

func TestDemoRefusesANamedDatabaseThatExists(t *testing.T) {
	db := filepath.Join(t.TempDir(), "precious.db")
	s, err := models.Open(context.Background(), db, nil)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(context.Background()))
	s.Close()
	env := map[string]string{"ROLLCALL_DATABASE": db, "ROLLCALL_ADDR": "127.0.0.1:0"}
	err = Run(context.Background(), nil, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "already exists")
}

func TestDemoRefusesPostgres(t *testing.T) {
	env := map[string]string{"ROLLCALL_DATABASE": "postgres://x@127.0.0.1:1/none", "ROLLCALL_ADDR": "127.0.0.1:0"}
	err := Run(context.Background(), nil, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "ROLLCALL_DATABASE: the demo runs on a SQLite file")
}

func TestDemoPassword(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer devNull.Close()
	for _, tc := range []struct {
		name          string
		env           string
		stdin         io.Reader
		want, from    string // want "" means a random one
		wantErrSubstr string
	}{
		{name: "setting", env: "a demo password", want: "a demo password", from: EnvPassword},
		{name: "setting wins over stdin", env: "a demo password", stdin: strings.NewReader("from stdin too\n"),
			want: "a demo password", from: EnvPassword},
		{name: "stdin", stdin: strings.NewReader("piped password\nnext line\n"), want: "piped password", from: "stdin"},
		{name: "stdin without newline", stdin: strings.NewReader("piped password"), want: "piped password", from: "stdin"},
		{name: "stdin crlf", stdin: strings.NewReader("piped password\r\n"), want: "piped password", from: "stdin"},
		{name: "empty stdin", stdin: strings.NewReader("")},
		{name: "no stdin"},
		{name: "dev null", stdin: devNull},
		{name: "short setting", env: "short", wantErrSubstr: "the password (ROLLCALL_DEMO_PASSWORD) must be 10 to 72 characters long"},
		{name: "short stdin", stdin: strings.NewReader("short\n"), wantErrSubstr: "the password (stdin) must be 10 to 72"},
		{name: "long", env: strings.Repeat("x", 73), wantErrSubstr: "must be 10 to 72"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := password(func(k string) string {
				if k == EnvPassword {
					return tc.env
				}
				return ""
			}, tc.stdin)
			if tc.wantErrSubstr != "" {
				assert.ErrorContains(t, err, tc.wantErrSubstr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.from, got.from)
			if tc.want != "" {
				assert.Equal(t, tc.want, got.value)
			} else {
				assert.GreaterOrEqual(t, len(got.value), models.MinPasswordLength, "a random password")
			}
		})
	}
	a, err := password(func(string) string { return "" }, nil)
	require.NoError(t, err)
	b, err := password(func(string) string { return "" }, nil)
	require.NoError(t, err)
	assert.NotEqual(t, a.value, b.value, "random passwords differ")
}

func TestDemoHelpAndFlags(t *testing.T) {
	var out strings.Builder
	require.NoError(t, Run(context.Background(), []string{"--help"}, func(string) string { return "" }, nil, &out, io.Discard))
	assert.Contains(t, out.String(), "never contacted")
	assert.Contains(t, out.String(), EnvPassword)
	// The password is never a flag: a command line is visible to every user (ps).
	err := Run(context.Background(), []string{"--password", "a long enough password"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "flag provided but not defined: -password")
	err = Run(context.Background(), []string{"extra"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	assert.ErrorContains(t, err, `unexpected argument "extra"`)
}
