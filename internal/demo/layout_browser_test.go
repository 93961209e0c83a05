package demo

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/apptest"
	"rollcall/zoom/zoomtest"
)

// worldPeople are names and places in the scripts a manager abroad reads;
// the browser test shows them on the meeting page, so its screenshots show
// whether the fonts have their glyphs.
var worldPeople = []struct{ name, location string }{
	{"山田 花子", "東京 (JP)"},
	{"김민준", "서울 (KR)"},
	{"ليلى حداد", "القاهرة (EG)"},
	{"נועה כהן", "תל אביב (IL)"},
	{"प्रिया शर्मा", "मुंबई (IN)"},
	{"สมชาย ใจดี", "กรุงเทพมหานคร (TH)"},
}

// layoutCheck is run in the page: it lists every visible element that
// reaches past the viewport's right (or left) edge, and every box whose
// content is wider than the box (scrollWidth over clientWidth), outside
// the scrollers that are meant to scroll sideways (data-wide: the
// timeline's bars, the series matrix). Elements inside an SVG are the
// picture's own business. It returns one line per problem, at most 20.
const layoutCheck = `(() => {
	const vw = document.documentElement.clientWidth;
	const out = [];
	const name = el => el.tagName.toLowerCase() + (el.dataset.testid ? "[" + el.dataset.testid + "]" : "") +
		(el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
		" \"" + (el.textContent || "").trim().slice(0, 40) + "\"";
	if (document.documentElement.scrollWidth > vw + 1) {
		out.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + vw);
	}
	for (const el of document.body.querySelectorAll("*")) {
		if (el.closest("[data-wide]") && !el.matches("[data-wide]")) continue;
		if (el.ownerSVGElement) continue;
		if (el.closest(".skip, .sr-only")) continue;
		const cs = getComputedStyle(el);
		if (cs.display === "none" || cs.visibility === "hidden") continue;
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0) continue;
		if (r.right > vw + 1 || r.left < -1) {
			out.push("wider than the viewport (" + Math.round(r.left) + ".." + Math.round(r.right) + " of " + vw + "): " + name(el));
		}
		const scrolls = cs.overflowX === "auto" || cs.overflowX === "scroll";
		if (!scrolls && cs.display !== "inline" && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
			out.push("text overflows its box (" + el.scrollWidth + " > " + el.clientWidth + "): " + name(el));
		}
		if (scrolls && !el.matches("[data-wide]") && el.scrollWidth > el.clientWidth + 1) {
			out.push("scrolls sideways (" + el.scrollWidth + " > " + el.clientWidth + "): " + name(el));
		}
		if (out.length >= 20) break;
	}
	return out.join("\n");
})()`

// TestBrowserPagesFitPhoneAndDesktop opens the home, list, meeting, series
// and person pages in chromium at 390 px (a phone) and 1,400 px, saves a
// screenshot of each (their paths are logged; go test -run Fit -v), and
// fails when an element is wider than the viewport or text overflows its
// box, except inside the timeline's and the matrix's own scrollers. At
// 390 px the meeting's people are cards, and a tapped name opens the
// person's details without script.
func TestBrowserPagesFitPhoneAndDesktop(t *testing.T) {
	ctx := newBrowser(t)
	fake := zoomtest.NewServer()
	defer fake.Close()
	a := apptest.Start(t, fake, map[string]string{
		"ROLLCALL_ADMIN_EMAIL":    "manager@example.com",
		"ROLLCALL_ADMIN_PASSWORD": "browser test password",
	})
	db := a.Store()

	all := demoMeetings(time.Now())
	series := all[:demoSeriesSize]
	latest := &series[0]
	for i, w := range worldPeople {
		p := &latest.Participants[1+i]
		p.Name, p.Location = w.name, w.location
	}
	webinar := all[demoSeriesSize+1]
	for _, m := range append(append([]zoomtest.Meeting{}, series...), webinar) {
		fake.AddMeeting(m)
		require.Equal(t, http.StatusOK, a.PostEnded(t, m))
	}
	for _, m := range series {
		apptest.WaitFetched(t, db, m.UUID, 60*time.Second)
	}
	named := apptest.WaitFetched(t, db, webinar.UUID, 60*time.Second)
	assert.Equal(t, webinar.HostName, named.HostName, "webinar.ended names its host by ID only; Zoom's user lookup names them")
	stored, err := db.MeetingByUUID(context.Background(), latest.UUID)
	require.NoError(t, err)
	segs, err := db.SegmentsForPage(context.Background(), stored.ID)
	require.NoError(t, err)
	meetingPath := "/meetings/" + strconv.FormatUint(stored.ID, 10)
	personPath := "/people/" + segs[0].PersonKey

	signIn(t, ctx, a.URL)
	dir := screenshotDir(t)
	pages := []struct{ name, path, ready string }{
		{"home", "/", `[data-testid="glance"]`},
		{"list", "/meetings", `[data-testid="meeting-row"]`},
		{"meeting", meetingPath, `[data-testid="people-table"]`},
		{"series", "/series/" + strconv.FormatInt(demoSeriesNumber, 10), `[data-testid="series-matrix"]`},
		{"person", personPath, `[data-testid="person-meetings"]`},
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		require.NoError(t, err, js)
		return v
	}
	for _, width := range []int64{390, 1400} {
		require.NoError(t, chromedp.Do(ctx, viewport(width)))
		for _, pg := range pages {
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Navigate(a.URL+pg.path),
				chromedp.WaitVisible(chromedp.CSS(pg.ready)),
			), pg.name)
			assert.Empty(t, eval(layoutCheck), "%s at %d px", pg.name, width)
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			require.NoError(t, err)
			require.Greater(t, len(png), 10_000, "screenshot looks empty")
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.png", pg.name, width))
			require.NoError(t, os.WriteFile(path, png, 0o644))
			t.Logf("screenshot of the %s page at %d px: %s", pg.name, width, path)
		}
	}

	// At 390 px the people are cards: no visible header row, a block per
	// person with a label before each value; tapping a name opens the rest.
	require.NoError(t, chromedp.Do(ctx,
		viewport(390),
		chromedp.Navigate(a.URL+meetingPath),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="people-table"]`)),
	))
	assert.Equal(t, "block", eval(`getComputedStyle(document.querySelector('[data-testid="person"]')).display`))
	assert.Equal(t, "none", eval(`getComputedStyle(document.querySelector('[data-testid="people-table"] thead')).display`),
		"each value has its label in the card")
	assert.Equal(t, "Attended", eval(`getComputedStyle(document.querySelector('[data-testid="attended"]'), "::before").content.replaceAll('"', '')`))
	assert.Equal(t, "none", eval(`getComputedStyle(document.querySelector('[data-testid="person-email"]')).display`),
		"details wait for a tap")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="person-details"] summary`))))
	assert.Equal(t, "block", eval(`getComputedStyle(document.querySelector('[data-testid="person-email"]')).display`),
		"a tapped name shows the person's details")
	assert.Empty(t, eval(layoutCheck), "meeting at 390 px with a person open")
	// The timeline's names stay in view while its bars scroll.
	assert.Equal(t, "true", eval(`String(document.querySelector('.tl-scroll').scrollWidth > document.querySelector('.tl-scroll').clientWidth)`))
	before := eval(`String(document.querySelector('.tl-names').getBoundingClientRect().left)`)
	eval(`document.querySelector('.tl-scroll').scrollLeft = 300; ""`)
	assert.Equal(t, before, eval(`String(document.querySelector('.tl-names').getBoundingClientRect().left)`))
	assert.Contains(t, eval(`document.querySelector('.tl-names').textContent`), worldPeople[0].name)
	for _, w := range worldPeople {
		assert.Contains(t, eval(`document.body.textContent`), w.location)
	}
	// Every chart says what it shows in words.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(a.URL+"/series/"+strconv.FormatInt(demoSeriesNumber, 10)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="series-trend"]`))))
	desc := eval(`document.querySelector('[data-testid="series-trend"] svg desc').textContent`)
	assert.True(t, strings.Contains(desc, "average attendance"), desc)
}

// signIn signs in through the login form as the test's manager.
func signIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-email"]`), "manager@example.com"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), "browser test password"),
	))
	_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)))
	require.NoError(t, err)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	require.Equal(t, base+"/", loc, "sign-in lands on the home page")
}

// viewport emulates a window width px wide: a phone's (mobile, touch)
// below 640 px.
func viewport(width int64) chromedp.Action[chromedp.Void] {
	if width < 640 {
		return chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return chromedp.EmulateViewport(width, 900)
}
