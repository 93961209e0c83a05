package handlers_test

// The adversarial suite of an outside attack on a running rollcall: each
// test replays an attack's essentials over real HTTP on loopback and
// asserts what must hold. They run in CI on both engines.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/handlers"
	"rollcall/models"
)

// liveHeap returns the bytes of live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// postLogin signs in with a raw form body (any size) and returns the status.
func postLogin(t *testing.T, base string, body io.Reader, size int64) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/login", body)
	require.NoError(t, err)
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil { // the server may close a connection whose body it refused
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// Finding 1: 60 parallel sign-ins with 8 MB emails grew the live heap from
// 5 MB to 877 MB. Now the form is refused past 64 KiB, and what is kept per
// failed sign-in has a fixed size.
func TestSecurityLoginFloodKeepsMemoryBounded(t *testing.T) {
	e, router := newEnvWith(t, envOptions{})
	before := liveHeap()
	var wg sync.WaitGroup
	codes := make(chan int, 60)
	for i := range 60 {
		wg.Go(func() {
			email := strings.Repeat("a", 8<<20) + strconv.Itoa(i) + "@example.com"
			body := "email=" + email + "&password=x"
			codes <- postLogin(t, e.srv.URL, strings.NewReader(body), int64(len(body)))
		})
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		assert.Contains(t, []int{0, http.StatusRequestEntityTooLarge}, code)
	}
	// Within the form limit: 5,000 long emails from as many addresses,
	// each remembered as a failure.
	for i := range 5000 {
		email := strings.Repeat("b", 60<<10-200) + strconv.Itoa(i) + "@example.com"
		code := loginFrom(router, fmt.Sprintf("10.%d.%d.1:1000", i/250, i%250), "", email, "guess")
		require.Equal(t, http.StatusUnauthorized, code)
	}
	after := liveHeap()
	grown := int64(after) - int64(before)
	t.Logf("live heap before %d KiB, after %d KiB", before>>10, after>>10)
	assert.Less(t, grown, int64(16<<20), "live heap grew by %d bytes under the sign-in flood", grown)
}

// rawRequest sends one request line with any method over TCP and returns
// the status code.
func rawRequest(t *testing.T, base, method, path string) int {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", method, path, u.Host)
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

func metricsSize(t *testing.T, base string) int {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return len(b)
}

// Finding 2: every method name became a permanent metrics label (10
// requests with 900 KB methods grew /metrics from 2 MB to 11 MB).
func TestSecurityOddMethodsDoNotGrowMetrics(t *testing.T) {
	e := newEnv(t)
	rawRequest(t, e.srv.URL, "BREW", "/healthz") // the OTHER series exists from here on
	base := metricsSize(t, e.srv.URL)
	for i := range 10 {
		code := rawRequest(t, e.srv.URL, strings.Repeat("X", 900<<10)+strconv.Itoa(i), "/healthz")
		assert.NotEqual(t, http.StatusOK, code)
	}
	for i := range 200 {
		rawRequest(t, e.srv.URL, "M"+strconv.Itoa(i), "/meetings/"+strconv.Itoa(i))
	}
	grown := metricsSize(t, e.srv.URL) - base
	assert.Less(t, grown, 2048, "/metrics grew by %d bytes after odd methods", grown)
	res, err := http.Get(e.srv.URL + "/metrics")
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Contains(t, string(b), `method="OTHER"`)
	assert.NotContains(t, string(b), "XXXXXXXX")
}

// redirectPayloads are next values that try to leave the site.
var redirectPayloads = []string{
	"/./\\evil.example", "/x/../\\evil.example", "/./%5Cevil.example", "/%5Cevil.example",
	"/%5C%5Cevil.example", "/%2F%2Fevil.example", "/%2f/evil.example", "//evil.example", "///evil.example",
	"/\\/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/%09/evil.example",
	"/%0A/evil.example", "\t//evil.example", " //evil.example", "https://evil.example/",
	"https:evil.example", "http:/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
	"/\u2215evil.example", "/\uff0fevil.example", "/\u29f8evil.example", "/%E2%88%95evil.example",
	"/.%2E/%5Cevil.example", "/..\\evil.example", "/a/../../\\evil.example", "/@evil.example",
	"/meetings?x=//evil.example", "/%00/evil.example", "", "meetings", "/" + strings.Repeat("a", 5000),
}

// sameOriginPath asserts that loc, a Location answer, stays on the site
// for a browser: a path, not "//host" or "/\host", no characters a browser
// drops or rewrites.
func sameOriginPath(t *testing.T, loc, payload string) {
	t.Helper()
	require.NotEmpty(t, loc, "%q", payload)
	assert.True(t, strings.HasPrefix(loc, "/"), "%q -> %q", payload, loc)
	assert.False(t, strings.HasPrefix(loc, "//"), "%q -> %q", payload, loc)
	assert.NotContains(t, loc, "\\", "%q -> %q", payload, loc)
	for _, r := range loc {
		assert.True(t, r > 0x20 && r < 0x7f, "%q -> %q has %U", payload, loc, r)
	}
	base, _ := url.Parse("https://rollcall.example/login")
	u, err := base.Parse(loc)
	require.NoError(t, err, "%q -> %q", payload, loc)
	assert.Equal(t, "rollcall.example", u.Host, "%q -> %q", payload, loc)
}

// Finding 3: /login?next=/./%5Cevil.example answered Location:
// /\evil.example, which browsers follow to //evil.example.
func TestSecurityLoginRedirectStaysOnSite(t *testing.T) {
	e := newEnv(t)
	email := e.user(t, models.RoleViewer)
	c := e.client(t, models.RoleAdmin) // signed in: GET /login goes straight to next
	for _, p := range redirectPayloads {
		t.Run(strconv.Quote(p), func(t *testing.T) {
			code, loc := status(t, c, http.MethodGet, e.srv.URL+"/login?next="+url.QueryEscape(p))
			require.Equal(t, http.StatusSeeOther, code)
			sameOriginPath(t, loc, p)

			jar, _ := cookiejar.New(nil)
			anon := &http.Client{Jar: jar, CheckRedirect: noRedirect}
			res := e.login(t, anon, email, password, p)
			require.Equal(t, http.StatusSeeOther, res.StatusCode)
			sameOriginPath(t, res.Header.Get("Location"), p)
		})
	}
	// A plain local path with a query still works.
	code, loc := status(t, c, http.MethodGet, e.srv.URL+"/login?next="+url.QueryEscape("/meetings?q=a%20b&tz=Europe/Berlin"))
	assert.Equal(t, http.StatusSeeOther, code)
	assert.Equal(t, "/meetings?q=a%20b&tz=Europe/Berlin", loc)
	code, loc = status(t, c, http.MethodGet, e.srv.URL+"/login?next="+url.QueryEscape("/people/n:jos%C3%A9"))
	assert.Equal(t, http.StatusSeeOther, code)
	assert.Equal(t, "/people/n:jos%C3%A9", loc)
}

// parallelLogins sends n sign-ins at once through the router as if from
// the peer remote and returns how many answered each status.
func parallelLogins(router http.Handler, n int, remote string, email func(i int) string, pw string) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			code := loginFrom(router, remote, "", email(i), pw)
			mu.Lock()
			got[code]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return got
}

// Finding 4: the throttle checked, hashed, then counted, so 100 parallel
// guesses from one address were all evaluated. Now at most the limit is.
func TestSecurityParallelGuessesStopAtTheLimit(t *testing.T) {
	e, router := newEnvWith(t, envOptions{})
	email := e.user(t, models.RoleViewer)
	got := parallelLogins(router, 100, "203.0.113.7:1000", func(int) string { return email }, "wrong guess!")
	assert.Equal(t, 5, got[http.StatusUnauthorized], "%v", got)
	assert.Equal(t, 95, got[http.StatusTooManyRequests], "%v", got)

	// Spraying many accounts from one address: at most 20 evaluated.
	got = parallelLogins(router, 100, "203.0.113.8:1000",
		func(i int) string { return "spray" + strconv.Itoa(i) + "@example.com" }, "wrong guess!")
	assert.Equal(t, 20, got[http.StatusUnauthorized], "%v", got)
	assert.Equal(t, 80, got[http.StatusTooManyRequests], "%v", got)
}

// Finding 5: five wrong passwords from anywhere locked any account, the
// admin's included. Now a block counts only the failures of the address
// that made them; an account attacked from many addresses is slowed for
// browsers it has never signed in from, and never for one it has.
func TestSecurityStrangerCannotLockOutAUser(t *testing.T) {
	e, router := newEnvWith(t, envOptions{})
	email := e.user(t, models.RoleAdmin)

	// Someone somewhere guesses until blocked.
	for range 10 {
		loginFrom(router, "203.0.113.66:1000", "", email, "wrong guess!")
	}
	assert.Equal(t, http.StatusTooManyRequests, loginFrom(router, "203.0.113.66:1000", "", email, password))
	// The admin, elsewhere, signs in at once.
	res := loginWithCookies(router, "198.51.100.10:2000", email, password, nil)
	require.Equal(t, http.StatusSeeOther, res.Code)
	device := cookieNamed(res.Result().Cookies(), handlers.DeviceCookie)
	require.NotNil(t, device, "a successful sign-in marks the browser")

	// A botnet: one guess from each of 40 addresses.
	for i := range 40 {
		loginFrom(router, "192.0.2."+strconv.Itoa(i+1)+":1000", "", email, "wrong guess!")
	}
	e.now = e.now.Add(5 * time.Second) // let any slowdown slot pass
	// A browser that never signed in to the account is now paced: one
	// attempt admitted, the next one right after refused with a wait.
	assert.Equal(t, http.StatusUnauthorized, loginFrom(router, "198.51.100.20:1000", "", email, "wrong guess!"))
	rec := loginWithCookies(router, "198.51.100.21:1000", email, password, nil)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	wait, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err)
	assert.LessOrEqual(t, wait, 3, "a slowdown, not a lockout")
	// ...and after the wait it gets in with the right password.
	e.now = e.now.Add(3 * time.Second)
	assert.Equal(t, http.StatusSeeOther, loginWithCookies(router, "198.51.100.21:1000", email, password, nil).Code)
	// The admin's own browser is never slowed, even right after a refusal.
	loginFrom(router, "192.0.2.200:1000", "", email, "wrong guess!")
	assert.Equal(t, http.StatusSeeOther, loginWithCookies(router, "198.51.100.10:2000", email, password, device).Code)
	// A forged mark does not help.
	forged := &http.Cookie{Name: handlers.DeviceCookie, Value: "AAAAAAAAAAAAAAAAAAAAAA.forged"}
	loginFrom(router, "192.0.2.201:1000", "", email, "wrong guess!")
	assert.Equal(t, http.StatusTooManyRequests, loginWithCookies(router, "198.51.100.30:1000", email, password, forged).Code)
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Finding 6: a throttled attempt cost nothing and logged the whole email
// at WARN: 180 MB of log in 5 s. Now the form is bounded, the email is
// checked before it is logged, and a blocked key logs once per window.
func TestSecurityLoginFloodKeepsTheLogSmall(t *testing.T) {
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, router := newEnvWith(t, envOptions{log: log})
	email := e.user(t, models.RoleViewer)
	for range 300 {
		loginFrom(router, "203.0.113.7:1000", "", email, "wrong guess!")
	}
	for i := range 10 {
		big := strings.Repeat("z", 9<<20) + strconv.Itoa(i)
		body := "email=" + big + "&password=x"
		postLogin(t, e.srv.URL, strings.NewReader(body), int64(len(body)))
	}
	for i := range 300 {
		loginFrom(router, "203.0.113.9:1000", "", strings.Repeat("y", 60<<10-100)+strconv.Itoa(i)+"@example.com", "x")
	}
	n := len(logs.String())
	assert.Less(t, n, 256<<10, "the log grew to %d bytes", n)
	assert.Equal(t, 1, strings.Count(logs.String(), `msg="login throttled" email=`+email),
		"one throttle line per blocked key and window")
}

// loginWithCookies posts a sign-in through router from remote with the
// given extra cookie and returns the recorder.
func loginWithCookies(router http.Handler, remote, email, pw string, ck *http.Cookie) *httptest.ResponseRecorder {
	form := url.Values{"email": {email}, "password": {pw}}
	req, _ := http.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	if ck != nil {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)
	return rec
}

// Low: ids of 2^63 and more answered 500 and logged an ERROR.
func TestSecurityHugeIdsAreNotFound(t *testing.T) {
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	e, _ := newEnvWith(t, envOptions{log: log})
	c := e.client(t, models.RoleAdmin)
	for _, id := range []string{"9223372036854775808", "18446744073709551615", "18446744073709551616", "0", "-1"} {
		for _, p := range []string{"/meetings/" + id, "/meetings/" + id + "/attendance.csv", "/meetings/" + id + "/sessions.csv"} {
			code, _ := status(t, c, http.MethodGet, e.srv.URL+p)
			assert.Equal(t, http.StatusNotFound, code, p)
		}
		for _, p := range []string{"/meetings/" + id + "/refetch", "/meetings/" + id + "/delete", "/admin/users/" + id + "/delete"} {
			code, _ := status(t, c, http.MethodPost, e.srv.URL+p)
			assert.Equal(t, http.StatusNotFound, code, p)
		}
	}
	for _, cur := range []string{"1,9223372036854775808", "9223372036854775808,1"} {
		code, _ := status(t, c, http.MethodGet, e.srv.URL+"/meetings?before="+cur)
		assert.Equal(t, http.StatusBadRequest, code, cur)
	}
	assert.NotContains(t, logs.String(), "level=ERROR")
}

// Low: personal pages carried no Cache-Control; HEAD answered 404.
func TestSecurityPagesAreNotCachedAndAnswerHead(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, models.RoleAdmin)
	for _, p := range []string{"/meetings", "/settings", "/admin/users"} {
		res, err := c.Get(e.srv.URL + p)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, "no-store", res.Header.Get("Cache-Control"), p)

		req, _ := http.NewRequest(http.MethodHead, e.srv.URL+p, nil)
		res, err = c.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, p)
		assert.Empty(t, b, p)
	}
	res, err := c.Get(e.srv.URL + "/static/app.css?v=stale")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"), "static files keep their own caching")
}

// Low: ?notice= and ?error= put a stranger's words in a page's notice box.
// Notices are now flash messages that only the server sets.
func TestSecurityNoticesComeOnlyFromTheServer(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, models.RoleAdmin)
	const phish = "Your account is suspended. Call +1 555 0100"
	for _, p := range []string{"/settings?notice=", "/admin/users?notice=", "/admin/users?error="} {
		code, body := status(t, c, http.MethodGet, e.srv.URL+p+url.QueryEscape(phish))
		assert.Equal(t, http.StatusOK, code)
		assert.NotContains(t, body, "suspended", p)
	}
	// A real notice shows once after the form post, then is gone.
	res, err := c.PostForm(e.srv.URL+"/settings", url.Values{"timezone": {"Europe/Paris"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/settings", res.Header.Get("Location"))
	_, body := status(t, c, http.MethodGet, e.srv.URL+"/settings")
	assert.Contains(t, body, `data-testid="settings-notice">Saved.<`)
	_, body = status(t, c, http.MethodGet, e.srv.URL+"/settings")
	assert.NotContains(t, body, "settings-notice")
}

// Low: a password of ten spaces was accepted; users could not change their
// own password.
func TestSecurityPasswords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.store.CreateUser(ctx, "spaces@example.com", models.RoleViewer, strings.Repeat(" ", 10))
	var verr *models.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "password", verr.Field)

	email := e.user(t, models.RoleViewer)
	jar1, _ := cookiejar.New(nil)
	other := &http.Client{Jar: jar1, CheckRedirect: noRedirect}
	require.Equal(t, http.StatusSeeOther, e.login(t, other, email, password, "").StatusCode)
	jar2, _ := cookiejar.New(nil)
	me := &http.Client{Jar: jar2, CheckRedirect: noRedirect}
	require.Equal(t, http.StatusSeeOther, e.login(t, me, email, password, "").StatusCode)

	change := func(current, next string) (int, string) {
		res, err := me.PostForm(e.srv.URL+"/settings/password", url.Values{"current_password": {current}, "new_password": {next}})
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := change("not my password", "a brand new secret")
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Contains(t, body, "current password is wrong")
	code, body = change(password, "          ")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, body, "only spaces")
	code, _ = change(password, "a brand new secret")
	assert.Equal(t, http.StatusSeeOther, code)

	// This session goes on; the other one ended; the old password is dead.
	code, _ = status(t, me, http.MethodGet, e.srv.URL+"/settings")
	assert.Equal(t, http.StatusOK, code)
	code, loc := status(t, other, http.MethodGet, e.srv.URL+"/settings")
	assert.Equal(t, http.StatusSeeOther, code)
	assert.True(t, strings.HasPrefix(loc, "/login"), loc)
	jar3, _ := cookiejar.New(nil)
	fresh := &http.Client{Jar: jar3, CheckRedirect: noRedirect}
	assert.Equal(t, http.StatusUnauthorized, e.login(t, fresh, email, password, "").StatusCode)
	assert.Equal(t, http.StatusSeeOther, e.login(t, fresh, email, "a brand new secret", "").StatusCode)

	// Guessing the current password through a borrowed session is limited.
	for range 5 {
		change("guess guess guess", "another new secret")
	}
	code, _ = change("a brand new secret", "another new secret")
	assert.Equal(t, http.StatusTooManyRequests, code)
}

// Thresholds of zero are a choice (anyone who joins is on time and
// present), not a request for the defaults.
func TestZeroThresholdsStayZero(t *testing.T) {
	e, _ := newEnvWith(t, envOptions{thresholds: &models.Thresholds{}})
	m := seedExport(t, e, 3, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), "Zero")
	c := e.client(t, models.RoleViewer)
	code, body := status(t, c, http.MethodGet, e.srv.URL+"/meetings/"+strconv.FormatUint(m.ID, 10))
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "first join more than 0s after the start")
	assert.Contains(t, body, "attendance of at least 0.0 %")
}

// Low: a NUL byte in a topic was written raw into the page's HTML (and
// stored as different bytes on the two engines). Text is cleaned when
// stored, on both engines alike.
func TestSecurityNULInATopicNeverReachesAPage(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(endedBody, `"topic":"Weekly <b>sync</b>"`, `"topic":"Weekly\u0000sync\u0000"`, 1)
	code, _ := e.post(t, []byte(body), signed([]byte(body), e.now, secret))
	require.Equal(t, http.StatusOK, code)
	m, err := e.store.MeetingByUUID(context.Background(), "4444AAAiAAAAAiAiAiiAii==")
	require.NoError(t, err)
	assert.NotContains(t, m.Topic, "\x00")
	c := e.client(t, models.RoleViewer)
	for _, p := range []string{"/meetings", "/meetings/" + strconv.FormatUint(m.ID, 10)} {
		code, page := status(t, c, http.MethodGet, e.srv.URL+p)
		require.Equal(t, http.StatusOK, code)
		assert.NotContains(t, page, "\x00", p)
		assert.Contains(t, page, "Weekly", p)
	}
}

// Anyone can post to the webhook: a flood of unsigned ones must not grow
// the log without end. Refusals are logged 10 a second in bursts of 100,
// and the next line logged counts the ones that were not.
func TestSecurityRefusalFloodKeepsTheLogSmall(t *testing.T) {
	var logs lockedBuffer
	e, _ := newEnvWith(t, envOptions{log: slog.New(slog.NewTextHandler(&logs, nil))})
	body := []byte(endedBody)
	for range 1000 {
		status, _ := e.post(t, body, signed(body, e.now, "not the secret"))
		require.Equal(t, http.StatusUnauthorized, status)
	}
	assert.Equal(t, 100, strings.Count(logs.String(), `msg="request failed"`), "the burst is logged, the rest counted")
	assert.NotContains(t, logs.String(), "refusals_not_logged_before")

	e.now = e.now.Add(time.Second) // the budget refills 10 a second
	status, _ := e.post(t, body, signed(body, e.now, "not the secret"))
	require.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, 101, strings.Count(logs.String(), `msg="request failed"`))
	assert.Contains(t, logs.String(), "refusals_not_logged_before=900")
}
