package handlers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// routerWith returns rollcall's router (every middleware) with two extra
// routes: /test/big writes 64 MiB at once, /test/stream 2 MiB in flushed
// chunks. The server's socket buffers are kept small, as on a busy
// machine, so that a write waits for the client to read.
func routerWith(t *testing.T, writeTimeout time.Duration) *httptest.Server {
	t.Helper()
	h := New(nil, nil, Config{WriteTimeout: writeTimeout}, nil)
	r := h.Router().(Router)
	// Fresh random bytes for every chunk: compression (which the client
	// may ask for) cannot shrink them, not even by finding an earlier
	// chunk again, so the socket fills as it would with plain bytes.
	const chunkSize = 32 << 10
	r.GET("/test/big", func(c *gin.Context) {
		src := rand.NewChaCha8([32]byte{1})
		chunk := make([]byte, chunkSize)
		for range 64 << 20 / chunkSize {
			_, _ = src.Read(chunk)
			if _, err := c.Writer.Write(chunk); err != nil {
				return
			}
		}
	})
	r.GET("/test/stream", func(c *gin.Context) {
		src := rand.NewChaCha8([32]byte{2})
		chunk := make([]byte, chunkSize)
		for range 2 << 20 / chunkSize {
			_, _ = src.Read(chunk)
			if _, err := c.Writer.Write(chunk); err != nil {
				return
			}
			c.Writer.Flush()
		}
	})
	srv := httptest.NewUnstartedServer(r)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// smallBuffers sets a 64 KiB send buffer on each accepted connection.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(64 << 10)
	}
	return c, err
}

// Low finding: with no write timeout, 40 clients that never read a large
// page held 230 MB for over a minute. A response now has WriteTimeout to
// be written; after it the server cuts the connection.
// The same holds through compression.
func TestClientThatStopsReadingIsCutOff(t *testing.T) {
	for _, accept := range []string{"identity", "gzip", "zstd"} {
		t.Run(accept, func(t *testing.T) { stopReading(t, accept) })
	}
}

func stopReading(t *testing.T, accept string) {
	srv := routerWith(t, 300*time.Millisecond)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(4096))
	_, err = fmt.Fprintf(conn, "GET /test/big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: %s\r\n\r\n", accept)
	require.NoError(t, err)
	time.Sleep(time.Second) // read nothing for more than the timeout
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	if accept != "identity" {
		assert.Equal(t, accept, res.Header.Get("Content-Encoding"))
	}
	n, err := io.Copy(io.Discard, res.Body)
	t.Logf("read %d of %d bytes before the cut", n, 64<<20)
	assert.Error(t, err, "a client that did not read got the whole 64 MiB")
	assert.Less(t, n, int64(64<<20))
}

// A download that flushes as it goes gets the timeout anew at each flush:
// a slow but steady reader finishes even when the whole takes longer. The
// compressor passes each flush on, so the same holds compressed (the
// body read here is the compressed one: random bytes stay as large).
func TestSteadyReaderOfAStreamFinishes(t *testing.T) {
	for _, accept := range []string{"identity", "gzip", "zstd"} {
		t.Run(accept, func(t *testing.T) { readSteadily(t, accept) })
	}
}

func readSteadily(t *testing.T, accept string) {
	const timeout = time.Second
	srv := routerWith(t, timeout)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(64 << 10)
		}
		return c, err
	}}}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/test/stream", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", accept)
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	if accept != "identity" {
		assert.Equal(t, accept, res.Header.Get("Content-Encoding"))
	}
	var n int64
	buf := make([]byte, 4<<10)
	start := time.Now()
	for {
		k, err := res.Body.Read(buf)
		n += int64(k)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "after %d bytes, %s", n, time.Since(start))
		time.Sleep(5 * time.Millisecond) // at most 800 KiB/s: the whole outlasts the timeout
	}
	if accept == "identity" {
		assert.Equal(t, int64(2<<20), n)
	} else {
		assert.GreaterOrEqual(t, n, int64(2<<20), "random bytes do not shrink")
	}
	assert.Greater(t, time.Since(start), timeout, "the reader was not slower than the timeout: the test proves nothing")
	t.Logf("streamed %d bytes in %s with a %s write timeout", n, time.Since(start), timeout)
}

// The throttle's table stays bounded whatever keys a flood brings, and a
// key that is blocking is not the first to go.
func TestThrottleTableIsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := newThrottle(5, time.Minute, func() time.Time { return now })
	th.max = 1000
	for range 5 {
		th.take("victim-attacker")
	}
	for i := range 20_000 {
		th.take(fmt.Sprint("flood-", i))
		assert.LessOrEqual(t, len(th.seen), th.max)
	}
	ok, _, _ := th.take("victim-attacker")
	assert.False(t, ok, "the flood evicted a blocking key")
	now = now.Add(time.Minute)
	ok, _, _ = th.take("victim-attacker")
	assert.True(t, ok, "a window ends")
}

// Exports over many meetings run a few at a time; one more waits for a
// slot and, if none frees up, is told to come back.
func TestBulkExportsRunAFewAtATime(t *testing.T) {
	h := New(nil, nil, Config{}, nil)
	h.bulkWait = 200 * time.Millisecond
	r := h.Router().(Router)
	release := make(chan struct{})
	started := make(chan struct{}, maxBulkExports)
	r.GET("/test/bulk", h.limitBulk, func(c *gin.Context) {
		started <- struct{}{}
		<-release
		c.String(http.StatusOK, "done")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	codes := make(chan int, maxBulkExports)
	for range maxBulkExports {
		go func() {
			res, err := http.Get(srv.URL + "/test/bulk")
			if err != nil {
				codes <- 0
				return
			}
			res.Body.Close()
			codes <- res.StatusCode
		}()
	}
	for range maxBulkExports {
		<-started
	}
	res, err := http.Get(srv.URL + "/test/bulk")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Equal(t, "60", res.Header.Get("Retry-After"))
	close(release)
	for range maxBulkExports {
		assert.Equal(t, http.StatusOK, <-codes)
	}
	res, err = http.Get(srv.URL + "/test/bulk") // a slot is free again
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
}
