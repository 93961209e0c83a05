package demo

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/zoom/zoomtest"
)

// Payloads that would run script if any page put them into HTML unescaped
// or into an attribute or link unchecked. Each sets window.__xss.
const (
	xssScript = `<script>window.__xss=1</script>`
	xssImg    = `<img src=x onerror="window.__xss=1">`
	xssLink   = `<a href="javascript:window.__xss=1">open me</a>`
	xssSVG    = `<svg onload="window.__xss=1"></svg>`
)

// chromiumPath finds Debian's chromium (or ROLLCALL_CHROMIUM). Without one,
// a plain `go test` skips the browser tests, but CI (CI=true) fails them:
// CI installs chromium, so a missing one is a broken CI machine.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ROLLCALL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "chromium not found: the browser test needs Debian's chromium (apt-get install -y chromium) or ROLLCALL_CHROMIUM=/path/to/chrome"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so this is a failure, not a skip")
	}
	t.Skip(msg + "; skipped")
	return ""
}

// newBrowser starts a headless chromium with a fresh profile, isolated from
// the network beyond what the test opens.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	// Generous: the layout test opens ten pages on a machine that may be
	// busy with other builds.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelTab)
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// hostileMeeting is a generated meeting whose topic, names, emails and
// leave reasons carry script payloads.
func hostileMeeting() zoomtest.Meeting {
	m := zoomtest.Generate(zoomtest.GenOptions{
		Participants: 30, Seed: 4040, Topic: "Payload " + xssScript + " " + xssImg + " " + xssLink,
	})
	payloads := []string{xssScript, xssImg, xssLink, xssSVG}
	for i, p := range payloads {
		row := &m.Participants[1+i]
		row.Name = "Mallory " + p
		row.LeaveReason = "Mallory left the meeting.<br>Reason: " + p + " " + payloads[(i+1)%len(payloads)]
	}
	m.Participants[5].Email = `mallory"><svg onload="window.__xss=1">@example.com`
	m.Participants[6].Name = `javascript:window.__xss=1`
	return m
}

// TestBrowserMeetingPageRunsNoInjectedScript signs in through the real
// login form in chromium, opens a meeting whose topic, names, emails and
// leave reasons carry script payloads, and proves that none ran: no
// window.__xss, no dialog, no injected element or handler, the payloads
// shown as text, and the Content-Security-Policy refusing an inline script
// even when one gets into the page. It saves screenshots of the meeting
// page and logs their paths (go test -run Browser -v).
func TestBrowserMeetingPageRunsNoInjectedScript(t *testing.T) {
	ctx := newBrowser(t)
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL":    "manager@example.com",
		"ROLLCALL_ADMIN_PASSWORD": "browser test password",
	})
	db := a.Store()

	hostile := hostileMeeting()
	weekly := demoMeetings(time.Now())[0] // what the demo and README show
	for _, m := range []zoomtest.Meeting{weekly, hostile} {
		fake.AddMeeting(m)
		require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	}
	hostileID := apptest.WaitFetched(t, db, hostile.UUID, 30*time.Second).ID
	weeklyID := apptest.WaitFetched(t, db, weekly.UUID, 30*time.Second).ID

	// Record dialogs (alert, confirm, prompt) and CSP violations from the
	// first byte of every page on.
	var dialogs atomic.Int32
	go func() {
		for ev, err := range chromedp.Events(ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			dialogs.Add(1)
			t.Logf("dialog opened: %q", ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation",
			e => window.__csp.push(e.effectiveDirective + " " + e.blockedURI));`,
	})
	require.NoError(t, err)

	// Sign in through the form, as a manager would.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/meetings/"+strconv.FormatUint(hostileID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-email"]`), "manager@example.com"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), "browser test password"),
	))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)))
	require.NoError(t, err)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(loc, "/meetings/"+strconv.FormatUint(hostileID, 10)), "sign-in should go on to the meeting, got %s", loc)

	// The meeting page, its CSP header, and every person's sessions open.
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(loc))
	require.NoError(t, err)
	require.Equal(t, int64(http.StatusOK), res.Status)
	csp, _ := res.Headers["Content-Security-Policy"].(string)
	assert.Contains(t, csp, "default-src 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="people-table"]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`, chromedp.EvalIgnoreExceptions),
		chromedp.Sleep(300*time.Millisecond), // give any handler a chance to fire
	))

	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		require.NoError(t, err, js)
		return v
	}
	assert.Equal(t, "undefined", eval(`typeof window.__xss`), "an injected script ran")
	assert.Zero(t, dialogs.Load(), "a dialog opened")
	assert.Equal(t, "0", eval(`String(document.scripts.length)`), "the page should carry no script at all")
	assert.Equal(t, "0", eval(`String(document.querySelectorAll('img[src="x"], svg[onload], iframe, object, embed').length)`), "a payload became an element")
	assert.Equal(t, "0", eval(`String([...document.querySelectorAll("*")].filter(e => [...e.attributes].some(a => a.name.startsWith("on"))).length)`), "an element carries an event handler")
	assert.Equal(t, "0", eval(`String([...document.querySelectorAll("a[href]")].filter(a => a.protocol === "javascript:").length)`), "a javascript: link")
	text := eval(`document.body.innerText`)
	assert.Contains(t, text, "Payload "+xssScript, "the topic should show as text")
	assert.Contains(t, text, "Mallory "+xssImg, "a name should show as text")
	assert.Contains(t, text, "Mallory left the meeting.\nReason:", "a leave reason's <br> should be a line break")
	assert.NotContains(t, eval(`document.querySelector('[data-testid="people-table"]').innerText`), "Reason: <script>",
		"leave reasons lose their markup")

	// Defence in depth: even an inline script that got into the DOM is
	// refused by the Content-Security-Policy.
	assert.Equal(t, "undefined", eval(`(() => {
		const s = document.createElement("script");
		s.textContent = "window.__inline = 1";
		document.body.appendChild(s);
		return typeof window.__inline;
	})()`), "the CSP should refuse an inline script")
	require.Eventually(t, func() bool {
		return strings.Contains(eval(`window.__csp.join("\n")`), "script-src")
	}, 5*time.Second, 50*time.Millisecond, "no securitypolicyviolation for the inline script")

	dir := screenshotDir(t)
	shot := func(name string, id uint64) string {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(a.URL+"/meetings/"+strconv.FormatUint(id, 10)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="people-table"]`)),
		))
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.Greater(t, len(png), 10_000, "screenshot looks empty")
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, png, 0o644))
		return path
	}
	t.Logf("screenshot of the meeting page with script payloads: %s", shot("meeting-payloads.png", hostileID))
	t.Logf("screenshot of a demo meeting page (README's docs/meeting.png): %s", shot("meeting.png", weeklyID))
	assert.Equal(t, "undefined", eval(`typeof window.__xss`))
	assert.Zero(t, dialogs.Load())
}

// screenshotDir is where the browser test leaves its screenshots: the
// ROLLCALL_SCREENSHOTS directory, else rollcall-screenshots in the system
// temp directory (kept after the test, so a person can look).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("ROLLCALL_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "rollcall-screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// TestBrowserConfirmASuggestionMergesTheRow opens the demo's weekly
// meeting, which has a roster, in chromium as an admin: the absentees are
// listed with their reasons, a registrant on no roster is matched by her
// registrant id, and the guest whose name alone matches a roster entry is
// a suggestion. Confirming it merges the guest's row with the roster's
// entry: one row, expected, and one absentee fewer.
func TestBrowserConfirmASuggestionMergesTheRow(t *testing.T) {
	ctx := newBrowser(t)
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL":    "manager@example.com",
		"ROLLCALL_ADMIN_PASSWORD": "browser test password",
	})
	db := a.Store()
	now := time.Now()
	weekly := demoMeetings(now)[:demoSeriesSize]
	latest := weekly[0]
	fake.AddMeeting(latest)
	addNoShowRegistrant(fake)
	require.NoError(t, setDemoRoster(context.Background(), db, weekly, now))
	require.Equal(t, http.StatusOK, a.PostEnded(t, latest))
	id := apptest.WaitFetched(t, db, latest.UUID, 30*time.Second).ID
	require.Eventually(t, func() bool { // registrants come right after the participants
		_, err := db.RegistrantFetchOf(context.Background(), id)
		return err == nil
	}, 30*time.Second, 50*time.Millisecond)
	meeting := a.URL + "/meetings/" + strconv.FormatUint(id, 10)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(meeting),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-email"]`), "manager@example.com"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), "browser test password"),
	))
	_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="absent-table"]`))))

	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		require.NoError(t, err, js)
		return v
	}
	absentNames := func() string {
		return eval(`[...document.querySelectorAll('[data-testid="absent-name"]')].map(e => e.innerText).join("|")`)
	}
	count := func(sel string) string {
		return eval(`String(document.querySelectorAll('` + sel + `').length)`)
	}
	before := absentNames()
	for _, name := range []string{"Nadia Petrova", "Priya Raman", "Sam Okafor", "Tom Becker"} {
		assert.Contains(t, before, name)
	}
	assert.Contains(t, eval(`document.body.innerText`), "registered", "Nadia's reason")
	assert.Equal(t, "1", count(`[data-key="r:demo-registrant-rita"] [data-testid="expected"]`), "Rita matched by her registrant id alone")
	assert.Equal(t, "1", count(`[data-testid="person"][data-key="n:sam okafor"]`), "the guest has a row of her own")
	assert.Equal(t, "0", count(`[data-testid="person"][data-key="n:sam okafor"] [data-testid="expected"]`), "a name alone is no match")

	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="suggestion"][data-from="n:sam okafor"] [data-testid="confirm"]`)))
	require.NoError(t, err)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	assert.Equal(t, meeting, loc, "the form returns to the meeting")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="people-table"]`))))

	after := absentNames()
	assert.NotContains(t, after, "Sam Okafor")
	assert.Equal(t, len(strings.Split(before, "|"))-1, len(strings.Split(after, "|")), "one absentee fewer")
	assert.Equal(t, "0", count(`[data-testid="person"][data-key="n:sam okafor"]`), "the guest's row is merged")
	assert.Equal(t, "1", count(`[data-testid="person"][data-key="l:sam okafor"] [data-testid="expected"]`))
	assert.Equal(t, "0", count(`[data-testid="suggestion"][data-from="n:sam okafor"]`))
	assert.Contains(t, eval(`document.body.innerText`), "Linked: n:sam okafor is now l:sam okafor.")
}
