package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// demoRun is `rollcall demo` started by run() in the test.
type demoRun struct {
	URL, Email, Password, DBPath string
	cancel                       context.CancelFunc
	done                         chan error
}

// startDemo runs the demo on a free loopback port with a temp database and
// reads the URL and login it prints.
func startDemo(t *testing.T, args ...string) *demoRun {
	t.Helper()
	d := &demoRun{DBPath: filepath.Join(t.TempDir(), "demo.db"), done: make(chan error, 1)}
	env := map[string]string{"ROLLCALL_ADDR": "127.0.0.1:0", "ROLLCALL_DATABASE": d.DBPath}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	pr, pw := io.Pipe()
	go func() {
		err := run(ctx, append([]string{"rollcall", "demo"}, args...), func(k string) string { return env[k] }, pw, testLogWriter{t})
		pw.Close()
		d.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-d.done:
			assert.NoError(t, err, "demo did not stop cleanly")
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop within 30s of its context ending")
		}
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			t.Log("demo: " + sc.Text())
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(60 * time.Second)
	for d.URL == "" || d.Email == "" || d.Password == "" {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "demo stopped printing before its login")
			if v, ok := strings.CutPrefix(line, "rollcall demo: "); ok {
				d.URL = v
			} else if v, ok := strings.CutPrefix(line, "  email:"); ok {
				d.Email = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(line, "  password:"); ok {
				d.Password = strings.TrimSpace(v)
			}
		case err := <-d.done:
			d.done <- err
			t.Fatalf("demo exited at start: %v", err)
		case <-deadline:
			t.Fatal("demo printed no URL and login within 60s")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return d
}

// signIn posts the login form and returns a client holding the session.
func signIn(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "sign-in should land on a page")
	require.Equal(t, "/meetings", res.Request.URL.Path, "sign-in should go on to /meetings")
	return c
}

func getDoc(t *testing.T, c *http.Client, u string) *goquery.Document {
	t.Helper()
	res, err := c.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, u)
	doc, err := goquery.NewDocumentFromReader(res.Body)
	require.NoError(t, err)
	return doc
}

func TestDemoFillsThePages(t *testing.T) {
	d := startDemo(t)
	assert.Equal(t, demoEmail, d.Email)
	assert.GreaterOrEqual(t, len(d.Password), models.MinPasswordLength)

	db, err := models.Open(context.Background(), d.DBPath, nil)
	require.NoError(t, err)
	defer db.Close()
	require.Eventually(t, func() bool {
		counts, err := db.CountByStatus(context.Background())
		return err == nil && counts[models.FetchFetched] == demoMeetingCount
	}, 90*time.Second, 100*time.Millisecond, "every demo meeting should be fetched")

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

	c := signIn(t, d.URL, d.Email, d.Password)
	doc := getDoc(t, c, d.URL+"/meetings")
	rows := doc.Find(`[data-testid="meeting-row"]`)
	assert.Equal(t, demoMeetingCount, rows.Length())
	page := doc.Text()
	for _, topic := range []string{"Weekly team sync", "All-hands: Q3 kickoff", `Security review <script>alert("topic")</script>`} {
		assert.Contains(t, page, topic)
	}
	assert.Zero(t, doc.Find("script").Length(), "a topic became a script element")

	doc = getDoc(t, c, d.URL+"/series/84120031337")
	assert.Contains(t, doc.Text(), "12 instances")

	// A meeting page renders.
	res, err := c.Get(d.URL + "/meetings/1")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

func TestDemoRefusesANamedDatabaseThatExists(t *testing.T) {
	db := filepath.Join(t.TempDir(), "precious.db")
	s, err := models.Open(context.Background(), db, nil)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(context.Background()))
	s.Close()
	env := map[string]string{"ROLLCALL_DATABASE": db, "ROLLCALL_ADDR": "127.0.0.1:0"}
	err = run(context.Background(), []string{"rollcall", "demo"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "already exists")
}

func TestDemoPasswordFlag(t *testing.T) {
	err := run(context.Background(), []string{"rollcall", "demo", "--password", "short"}, func(string) string { return "" }, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "--password")
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"rollcall", "demo", "--help"}, func(string) string { return "" }, &out, io.Discard))
	assert.Contains(t, out.String(), "never contacted")
}

func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--help"}, {"migrate", "-h"}, {"users", "add", "--help"}, {"version", "--help"},
		{"demo", "--help"}, {"healthcheck", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out strings.Builder
			// No settings at all: help must not need them, nor touch a database.
			err := run(context.Background(), append([]string{"rollcall"}, args...), func(string) string { return "" }, &out, io.Discard)
			require.NoError(t, err)
			assert.Contains(t, out.String(), "Usage")
		})
	}
}
