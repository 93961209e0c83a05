package handlers_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/handlers"
	"rollcall/zoom"
)

// Hostile webhooks. FuzzWebhook throws arbitrary bodies and headers at the
// real router over a real database; TestWebhookHostileBodies pins the
// status of each classic bad input. Run the fuzzer with
//
//	go test ./handlers -run XXX -fuzz FuzzWebhook -fuzztime 60s
//
// Without -fuzz, `go test` runs the seed corpus (below and in
// testdata/fuzz/FuzzWebhook) as ordinary tests.

// webhookStatuses are the only answers docs/ARCHITECTURE.md allows the webhook.
var webhookStatuses = map[int]bool{200: true, 400: true, 401: true, 413: true, 503: true}

// signMode says how FuzzWebhook signs a body.
const (
	signGood      = iota // correct signature, timestamp now + skew
	signWrongKey         // signed with another secret
	signRaw              // the fuzzer's own header values
	signNone             // no headers at all
	signOtherBody        // a correct signature of a different body
	signGoodStamp        // correct signature over the fuzzer's own timestamp text
	signModes
)

func FuzzWebhook(f *testing.F) {
	e := newEnv(f)
	router := e.srv.Config.Handler
	now := e.now

	add := func(body string, mode uint8, skew int64, sig, ts string) {
		f.Add([]byte(body), mode, skew, sig, ts)
	}
	stamp := strconv.FormatInt(now.Unix(), 10)
	for _, b := range []string{
		endedBody,
		`{"event":"endpoint.url_validation","event_ts":1,"payload":{"plainToken":"abc"}}`,
		`{"event":"meeting.participant_joined","event_ts":2,"payload":{"object":{"id":1,"uuid":"u","participant":{"user_id":"1","join_time":"2026-01-01T00:00:00Z"}}}}`,
		`{"event":"webinar.ended","event_ts":3,"payload":{"object":{"id":"9","uuid":"/a//b==","start_time":"2026-01-01T00:00:00Z"}}}`,
		`{"event":"meeting.ended","payload":{"object":{"id":[1],"uuid":5}}}`,
		`{"event":"meeting.ended","payload":{"object":{"id":1e30,"uuid":"x","start_time":"yesterday"}}}`,
		`{"event":"x","event_ts":"12"}`, `{}`, `[]`, `null`, ``, "{\"event\":\"a\x00\"}", "{\"event\":\"\xff\xfe\"}",
		`{"event":"meeting.ended","event_ts":1,"payload":{"object":{"uuid":"u","topic":"\u0000"}}}`,
		strings.Repeat("[", 20000),
	} {
		for mode := range uint8(signModes) {
			add(b, mode, 0, "v0=00", stamp)
		}
	}
	add(endedBody, signGood, 301, "", "")
	add(endedBody, signGood, -301, "", "")
	add(endedBody, signGoodStamp, 0, "", stamp+"000")
	add(endedBody, signGoodStamp, 0, "", " "+stamp)
	add(endedBody, signGoodStamp, 0, "", "+"+stamp)
	add(endedBody, signRaw, 0, "v0="+strings.Repeat("0", 64), stamp)

	f.Fuzz(func(t *testing.T, body []byte, mode uint8, skew int64, sig, ts string) {
		mode %= signModes
		skew %= 3600 // seconds either way: inside and outside the 5-minute window
		h := http.Header{}
		verified := false
		switch mode {
		case signGood:
			s := strconv.FormatInt(now.Unix()+skew, 10)
			h.Set(zoom.HeaderTimestamp, s)
			h.Set(zoom.HeaderSignature, zoom.Sign(secret, s, body))
			verified = skew >= -300 && skew <= 300
		case signWrongKey:
			h = signed(body, now, secret+"x")
		case signRaw:
			h[http.CanonicalHeaderKey(zoom.HeaderSignature)] = []string{sig}
			h[http.CanonicalHeaderKey(zoom.HeaderTimestamp)] = []string{ts}
			// A fuzzer that forges HMAC-SHA256 deserves to win; it will not.
		case signOtherBody:
			h = signed(append(bytes.Clone(body), 'x'), now, secret)
		case signGoodStamp:
			h[http.CanonicalHeaderKey(zoom.HeaderTimestamp)] = []string{ts}
			h.Set(zoom.HeaderSignature, zoom.Sign(secret, ts, body))
			if n, err := strconv.ParseInt(ts, 10, 64); err == nil && ts == strings.TrimSpace(ts) {
				d := now.Unix() - n
				verified = d >= -300 && d <= 300
			}
		}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/zoom", bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		m0, ev0, j0 := e.counts(t)
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		status := rec.Code
		m1, ev1, j1 := e.counts(t)

		if !webhookStatuses[status] {
			t.Fatalf("status %d is not one docs/ARCHITECTURE.md allows (mode %d): %s", status, mode, rec.Body)
		}
		tooBig := len(body) > handlers.MaxWebhookBody
		switch {
		case tooBig && status != http.StatusRequestEntityTooLarge:
			t.Fatalf("%d-byte body answered %d, want 413", len(body), status)
		case !tooBig && !verified && status != http.StatusUnauthorized:
			t.Fatalf("unverified request (mode %d) answered %d, want 401: %s", mode, status, rec.Body)
		case verified && !tooBig && status == http.StatusUnauthorized:
			t.Fatalf("correctly signed request (mode %d) answered 401", mode)
		}
		if status != http.StatusOK {
			if [3]int64{m0, ev0, j0} != [3]int64{m1, ev1, j1} && status != http.StatusServiceUnavailable {
				t.Fatalf("a refused request (%d, mode %d) changed the database: meetings %d→%d, events %d→%d, jobs %d→%d",
					status, mode, m0, m1, ev0, ev1, j0, j1)
			}
			return
		}
		// Accepted: at most one new event, meeting and fetch.
		if ev1-ev0 > 1 || m1-m0 > 1 || j1-j0 > 1 {
			t.Fatalf("one webhook stored more than one thing: meetings +%d, events +%d, jobs +%d", m1-m0, ev1-ev0, j1-j0)
		}
	})
}

// hostile is one bad webhook and what it must get.
type hostile struct {
	name   string
	body   []byte
	header func(e *env, body []byte) http.Header
	status int
	// stored is how many events the request may store (0 for refusals).
	stored int64
}

func goodSig(e *env, b []byte) http.Header { return signed(b, e.now, secret) }

func at(d time.Duration) func(e *env, b []byte) http.Header {
	return func(e *env, b []byte) http.Header { return signed(b, e.now.Add(d), secret) }
}

func ended(object string) []byte {
	return []byte(`{"event":"meeting.ended","event_ts":1739923528123,"payload":{"account_id":"acct","object":` + object + `}}`)
}

func hostileCases() []hostile {
	const obj = `"uuid":"hostile==","host_id":"h","topic":"t","type":2,"start_time":"2026-11-20T10:00:00Z","end_time":"2026-11-20T11:00:00Z"`
	huge := append([]byte(`{"event":"meeting.ended","pad":"`), bytes.Repeat([]byte("x"), handlers.MaxWebhookBody)...)
	huge = append(huge, `"}`...)
	justUnder := append([]byte(`{"event":"meeting.sharing_started","pad":"`), bytes.Repeat([]byte("y"), handlers.MaxWebhookBody-64)...)
	justUnder = append(justUnder, `"}`...)
	nested := func(depth int) []byte {
		return []byte(`{"event":"meeting.sharing_started","event_ts":5,"x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`)
	}
	raw := func(sig, ts []string) func(*env, []byte) http.Header {
		return func(_ *env, _ []byte) http.Header {
			h := http.Header{}
			for _, v := range sig {
				h.Add(zoom.HeaderSignature, v)
			}
			for _, v := range ts {
				h.Add(zoom.HeaderTimestamp, v)
			}
			return h
		}
	}
	good := ended(`{"id":"85912345678",` + obj + `}`)
	return []hostile{
		// Verified bodies that are not events: 400, nothing stored.
		{"empty body", nil, goodSig, 400, 0},
		{"whitespace body", []byte(" \n\t "), goodSig, 400, 0},
		{"truncated", good[:len(good)/2], goodSig, 400, 0},
		{"truncated by one byte", good[:len(good)-1], goodSig, 400, 0},
		{"not an object", []byte(`["meeting.ended"]`), goodSig, 400, 0},
		{"JSON null", []byte(`null`), goodSig, 400, 0},
		{"event as number", []byte(`{"event":42}`), goodSig, 400, 0},
		{"event empty", []byte(`{"event":""}`), goodSig, 400, 0},
		{"event_ts not a number", []byte(`{"event":"meeting.sharing_started","event_ts":"soon"}`), goodSig, 400, 0},
		{"event_ts as float", []byte(`{"event":"meeting.sharing_started","event_ts":1.7e12}`), goodSig, 400, 0},
		{"deeply nested (100k)", nested(100_000), goodSig, 400, 0},
		{"nested past Go's limit (10001)", nested(10_001), goodSig, 400, 0},
		{"nested but legal (5000), unknown event", nested(5000), goodSig, 200, 1},
		{"id as array", ended(`{"id":[1],` + obj + `}`), goodSig, 400, 0},
		{"id as object", ended(`{"id":{"n":1},` + obj + `}`), goodSig, 400, 0},
		{"id as bool", ended(`{"id":true,` + obj + `}`), goodSig, 400, 0},
		{"id as float", ended(`{"id":859.5,` + obj + `}`), goodSig, 400, 0},
		{"id as 1e30", ended(`{"id":1e30,` + obj + `}`), goodSig, 400, 0},
		{"id past int64", ended(`{"id":"99999999999999999999",` + obj + `}`), goodSig, 400, 0},
		{"id negative", ended(`{"id":-5,` + obj + `}`), goodSig, 400, 0},
		{"uuid as number", ended(`{"id":1,"uuid":12345,"start_time":"2026-11-20T10:00:00Z"}`), goodSig, 400, 0},
		{"uuid missing", ended(`{"id":1,"start_time":"2026-11-20T10:00:00Z"}`), goodSig, 400, 0},
		{"object as string", ended(`"meeting"`), goodSig, 400, 0},
		{"start_time malformed", ended(`{"id":1,"uuid":"st==","start_time":"2026-13-45 25:61"}`), goodSig, 400, 0},
		{"start_time year 10000", ended(`{"id":1,"uuid":"st==","start_time":"10000-01-01T00:00:00Z"}`), goodSig, 400, 0},
		{"end_time malformed", ended(`{"id":1,"uuid":"st==","start_time":"2026-11-20T10:00:00Z","end_time":"later"}`), goodSig, 400, 0},
		// Tolerated: a wrong-typed time is treated as absent, and the fetch
		// asks Zoom's past-meeting details for the window (docs/ARCHITECTURE.md).
		{"start_time as number", ended(`{"id":1,"uuid":"stn==","start_time":1700000000}`), goodSig, 200, 1},
		// JSON is UTF-8 (RFC 8259 §8.1): anything else is not a Zoom event.
		{"invalid UTF-8 in topic", ended(`{"id":1,"uuid":"utf==","topic":"bad ` + "\xff\xfe" + `","start_time":"2026-11-20T10:00:00Z"}`), goodSig, 400, 0},
		{"invalid UTF-8 in an unknown event", []byte("{\"event\":\"meeting.sharing_started\",\"event_ts\":9,\"x\":\"\xc3\x28\"}"), goodSig, 400, 0},
		{"UTF-16 body", []byte("\xff\xfe{\x00\"\x00e\x00\"\x00}\x00"), goodSig, 400, 0},
		{"NUL byte raw", []byte("{\"event\":\"meeting.ended\x00\"}"), goodSig, 400, 0},
		{"NUL byte between tokens", append(bytes.Clone(good), 0), goodSig, 400, 0},
		{"url_validation without token", []byte(`{"event":"endpoint.url_validation","payload":{}}`), goodSig, 400, 0},
		{"url_validation token as number", []byte(`{"event":"endpoint.url_validation","payload":{"plainToken":7}}`), goodSig, 400, 0},
		{"over 1 MiB with Content-Length", huge, goodSig, 413, 0},
		{"just under 1 MiB", justUnder, goodSig, 200, 1},
		// Verified and well formed: stored.
		{"good", good, goodSig, 200, 1},
		// Redeliveries of "good" (same event) are answered 200 and stored once.
		{"good again, timestamp 4 minutes ahead", good, at(4 * time.Minute), 200, 0},
		{"good again, timestamp 4 minutes old", good, at(-4 * time.Minute), 200, 0},
		// Not verified: 401, nothing stored.
		{"no headers", good, func(*env, []byte) http.Header { return http.Header{} }, 401, 0},
		{"no headers, empty body", nil, func(*env, []byte) http.Header { return http.Header{} }, 401, 0},
		{"no headers, over 1 MiB", huge, func(*env, []byte) http.Header { return http.Header{} }, 413, 0},
		{"signature only", good, func(e *env, b []byte) http.Header {
			h := goodSig(e, b)
			h.Del(zoom.HeaderTimestamp)
			return h
		}, 401, 0},
		{"timestamp only", good, func(e *env, b []byte) http.Header {
			h := goodSig(e, b)
			h.Del(zoom.HeaderSignature)
			return h
		}, 401, 0},
		{"wrong secret", good, func(e *env, b []byte) http.Header { return signed(b, e.now, "not-the-secret") }, 401, 0},
		{"empty secret", good, func(e *env, b []byte) http.Header { return signed(b, e.now, "") }, 401, 0},
		{"replayed 6 minutes later", good, at(-6 * time.Minute), 401, 0},
		{"replayed a day later", good, at(-24 * time.Hour), 401, 0},
		{"future timestamp", good, at(6 * time.Minute), 401, 0},
		{"far-future timestamp", good, func(e *env, b []byte) http.Header {
			return raw([]string{zoom.Sign(secret, "9223372036854775807", b)}, []string{"9223372036854775807"})(e, b)
		}, 401, 0},
		{"timestamp in milliseconds", good, func(e *env, b []byte) http.Header {
			ms := strconv.FormatInt(e.now.UnixMilli(), 10)
			return raw([]string{zoom.Sign(secret, ms, b)}, []string{ms})(e, b)
		}, 401, 0},
		{"timestamp as RFC 3339", good, func(e *env, b []byte) http.Header {
			ts := e.now.UTC().Format(time.RFC3339)
			return raw([]string{zoom.Sign(secret, ts, b)}, []string{ts})(e, b)
		}, 401, 0},
		{"signature without v0=", good, func(e *env, b []byte) http.Header {
			h := goodSig(e, b)
			h.Set(zoom.HeaderSignature, strings.TrimPrefix(h.Get(zoom.HeaderSignature), "v0="))
			return h
		}, 401, 0},
		{"signature v1=", good, func(e *env, b []byte) http.Header {
			h := goodSig(e, b)
			h.Set(zoom.HeaderSignature, "v1="+strings.TrimPrefix(h.Get(zoom.HeaderSignature), "v0="))
			return h
		}, 401, 0},
		{"signature truncated", good, func(e *env, b []byte) http.Header {
			h := goodSig(e, b)
			h.Set(zoom.HeaderSignature, h.Get(zoom.HeaderSignature)[:40])
			return h
		}, 401, 0},
		{"signature of the body without its last byte", good, func(e *env, b []byte) http.Header { return signed(b[:len(b)-1], e.now, secret) }, 401, 0},
		{"invalid UTF-8, unsigned", []byte("{\"event\":\"\xff\xfe\xfd\"}"), func(*env, []byte) http.Header { return http.Header{} }, 401, 0},
		// Duplicate headers: the first value is the one checked.
		{"duplicate signature, bad first", good, func(e *env, b []byte) http.Header {
			g := goodSig(e, b)
			return raw([]string{"v0=" + strings.Repeat("0", 64), g.Get(zoom.HeaderSignature)}, []string{g.Get(zoom.HeaderTimestamp)})(e, b)
		}, 401, 0},
		{"duplicate timestamp, stale first", good, func(e *env, b []byte) http.Header {
			g := goodSig(e, b)
			old := strconv.FormatInt(e.now.Add(-time.Hour).Unix(), 10)
			return raw([]string{g.Get(zoom.HeaderSignature)}, []string{old, g.Get(zoom.HeaderTimestamp)})(e, b)
		}, 401, 0},
		{"duplicate signature, good first", good, func(e *env, b []byte) http.Header {
			g := goodSig(e, b)
			return raw([]string{g.Get(zoom.HeaderSignature), "v0=" + strings.Repeat("0", 64)}, []string{g.Get(zoom.HeaderTimestamp)})(e, b)
		}, 200, 0},
	}
}

func TestWebhookHostileBodies(t *testing.T) {
	e := newEnv(t)
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, ev0, _ := e.counts(t)
			status, body := e.post(t, tc.body, tc.header(e, tc.body))
			assert.Equal(t, tc.status, status, body)
			_, ev1, _ := e.counts(t)
			assert.Equal(t, tc.stored, ev1-ev0, "events stored")
		})
	}
	// Every refusal left nothing behind: only the accepted cases stored
	// events, and only the two accepted meeting.ended events (the good one
	// delivered four times) made a meeting and a fetch each.
	var accepted int64
	for _, tc := range hostileCases() {
		accepted += tc.stored
	}
	meetings, events, jobs := e.counts(t)
	assert.Equal(t, [3]int64{2, accepted, 2}, [3]int64{meetings, events, jobs})
}

// Bodies that are text Zoom could never send but that verify: an escaped
// NUL (U+0000) in a string, which PostgreSQL text cannot hold, and a lone
// surrogate. Either they are stored (200) or
// refused (400); never a 5xx, which would make Zoom redeliver them for
// 85 minutes, and never a different answer on the two database engines.
func TestWebhookHostileText(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"escaped NUL in topic", ended(`{"id":1,"uuid":"nul==","topic":"a\u0000b","start_time":"2026-11-20T10:00:00Z"}`)},
		{"escaped NUL in uuid", ended(`{"id":1,"uuid":"nul\u0000==","start_time":"2026-11-20T10:00:00Z"}`)},
		{"escaped NUL in an unknown event", []byte(`{"event":"meeting.sharing_started","event_ts":10,"x":"\u0000"}`)},
		{"lone surrogate", ended(`{"id":1,"uuid":"sur==","topic":"\ud800","start_time":"2026-11-20T10:00:00Z"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.post(t, tc.body, signed(tc.body, e.now, secret))
			assert.Contains(t, []int{200, 400}, status, "%s", body)
		})
	}
}

// A Content-Length over 1 MiB is refused before the body is read, even when
// the body never comes; a chunked body is cut off at 1 MiB.
func TestWebhookHugeBodiesOverTheWire(t *testing.T) {
	e := newEnv(t)
	u, err := url.Parse(e.srv.URL)
	require.NoError(t, err)
	send := func(t *testing.T, head string, body []byte) int {
		t.Helper()
		conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
		go func() {
			fmt.Fprintf(conn, "POST /webhooks/zoom HTTP/1.1\r\nHost: %s\r\n%s\r\n", u.Host, head)
			conn.Write(body) //nolint:errcheck // the server may hang up early: that is the point
		}()
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	t.Run("Content-Length 2 MiB, no body sent", func(t *testing.T) {
		assert.Equal(t, 413, send(t, "Content-Length: 2097152\r\n", nil))
	})
	t.Run("Content-Length 1 GiB", func(t *testing.T) {
		assert.Equal(t, 413, send(t, "Content-Length: 1073741824\r\n", []byte(`{"event":`)))
	})
	t.Run("chunked, 2 MiB", func(t *testing.T) {
		var b bytes.Buffer
		chunk := bytes.Repeat([]byte("z"), 64<<10)
		for range 32 {
			fmt.Fprintf(&b, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		b.WriteString("0\r\n\r\n")
		assert.Equal(t, 413, send(t, "Transfer-Encoding: chunked\r\n", b.Bytes()))
	})
	m, ev, j := e.counts(t)
	assert.Equal(t, [3]int64{0, 0, 0}, [3]int64{m, ev, j})
}
