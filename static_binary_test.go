package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// TestStaticBinary proves what the Dockerfile's image relies on, without a
// container engine: build/static.sh (the script the Dockerfile runs) makes
// one static binary that needs no shared library, no file beside it and no
// environment but the settings, and that binary serves /healthz, answers
// `rollcall healthcheck`, takes a signed webhook, fetches from (fake) Zoom,
// stores the meeting and shows it in a time zone from its embedded tzdata.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a static binary with cgo SQLite (minutes on a cold cache): skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "rollcall")
	build := exec.Command("sh", "build/static.sh", bin)
	build.Env = append(os.Environ(), "VERSION=v9.9.9-static-test", "COMMIT=0123456789abcdef0123456789abcdef01234567")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build/static.sh:\n%s", out)
	assert.NotContains(t, string(out), "warning", "the static link should be clean (no dlopen or getaddrinfo in a static binary)")

	// Not dynamic: no loader, no libc.so in the image.
	if ldd, err := exec.LookPath("ldd"); err == nil {
		out, _ := exec.Command(ldd, bin).CombinedOutput() // exits 1 for static binaries
		assert.Contains(t, string(out), "not a dynamic executable", "ldd %s", bin)
	} else {
		t.Log("ldd not found; relying on file and the build info")
	}
	if file, err := exec.LookPath("file"); err == nil {
		out, err := exec.Command(file, bin).CombinedOutput()
		require.NoError(t, err)
		assert.Contains(t, string(out), "statically linked", "file %s", bin)
	}
	info, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	require.NoError(t, err, "%s", info)
	assert.Contains(t, string(info), "CGO_ENABLED=1", "SQLite is the cgo driver, linked in")
	assert.Contains(t, string(info), "timetzdata", "time zones must work on an image without /usr/share/zoneinfo")

	// Nothing but the settings: no PATH, no HOME, an empty working directory.
	ver := exec.Command(bin, "version")
	ver.Env, ver.Dir = []string{}, t.TempDir()
	v, err := ver.CombinedOutput()
	require.NoError(t, err, "%s", v)
	assert.Equal(t, "rollcall v9.9.9-static-test (commit 0123456789abcdef0123456789abcdef01234567)\n", string(v))

	fake := zoomtest.NewServer()
	defer fake.Close()
	data := t.TempDir() // the image's /data volume
	dbPath := filepath.Join(data, "rollcall.db")
	env := binaryEnv(fake,
		"ROLLCALL_ADDR=127.0.0.1:0",
		"ROLLCALL_DATABASE="+dbPath,
		"ROLLCALL_TIMEZONE=Europe/Berlin",
		"ROLLCALL_FETCH_DELAY=0s", "ROLLCALL_SWEEP_EVERY=0",
		"ROLLCALL_ADMIN_EMAIL=ops@example.com",
		"ROLLCALL_ADMIN_PASSWORD=static binary password",
	)
	p := startBinary(t, bin, env) // runs in an empty directory with exactly env

	res, err := http.Get(p.URL + "/healthz")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	// The HEALTHCHECK command, as the container runs it.
	hc := exec.Command(bin, "healthcheck")
	hc.Env, hc.Dir = []string{"ROLLCALL_ADDR=" + strings.TrimPrefix(p.URL, "http://")}, t.TempDir()
	hcOut, err := hc.CombinedOutput()
	assert.NoError(t, err, "healthcheck: %s", hcOut)
	dead := exec.Command(bin, "healthcheck", "--timeout", "1s")
	dead.Env = []string{"ROLLCALL_ADDR=127.0.0.1:1"}
	assert.Error(t, dead.Run(), "healthcheck must fail when nothing answers")

	// A signed webhook round trip: webhook → queue → fake Zoom → stored.
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 60, Seed: 77})
	fake.AddMeeting(m)
	req, err := zoomtest.SignedWebhook(p.URL+"/webhooks/zoom", fake.WebhookSecret, zoomtest.MeetingEndedBody(m, m.End), time.Now())
	require.NoError(t, err)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	db, err := models.Open(context.Background(), dbPath, nil)
	require.NoError(t, err)
	defer db.Close()
	stored := apptest.WaitFetched(t, db, m.UUID, 60*time.Second)
	apptest.AssertStoredExactly(t, db, m)

	c := apptest.SignIn(t, p.URL, "ops@example.com", "static binary password")
	doc := apptest.GetDoc(t, c, p.URL+"/meetings/"+strconv.FormatUint(stored.ID, 10))
	assert.Contains(t, doc.Find(`[data-testid="zone"]`).Text(), "Europe/Berlin")
	assert.Equal(t, m.Topic, strings.TrimSpace(doc.Find(`[data-testid="topic"]`).Text()))
}
