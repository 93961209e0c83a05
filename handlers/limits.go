package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// maxFormBytes bounds the body of a browser form post. rollcall's forms
// carry a few short fields; anything larger is refused with 413 before a
// handler sees it, so no field of it reaches memory, a key or a log.
const maxFormBytes = 64 << 10

// limitForms reads form posts of at most maxFormBytes, refusing larger
// ones with 413 Request Entity Too Large.
func (h *Handlers) limitForms(c *gin.Context) {
	if c.Request.Method != http.MethodPost || c.FullPath() == rosterPath {
		// The roster upload bounds its own body (maxRosterBytes), once
		// adminOnly has let the request through.
		c.Next()
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	if err := c.Request.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(c, errStatus(http.StatusRequestEntityTooLarge, "form too large", nil))
			return
		}
		h.fail(c, errStatus(http.StatusBadRequest, "bad form", err))
		return
	}
	c.Next()
}

// writeDeadline gives every response WriteTimeout to be written. Streams
// that flush (the CSV downloads) get it anew at each flush, so only a
// client that stops reading is cut off.
func (h *Handlers) writeDeadline(c *gin.Context) {
	rc := http.NewResponseController(c.Writer)
	if rc.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout)) == nil {
		c.Writer = &deadlineWriter{ResponseWriter: c.Writer, rc: rc, timeout: h.cfg.WriteTimeout}
	}
	c.Next()
}

// deadlineWriter moves the write deadline forward at every flush.
type deadlineWriter struct {
	gin.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *deadlineWriter) Flush() {
	w.ResponseWriter.Flush()
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Router is rollcall's HTTP handler: the Gin engine with every route
// (Routes lists them) behind the compression middleware (compress.go),
// answering HEAD on every GET route as HTTP asks. A HEAD is routed as a
// GET, and net/http drops the body because the connection's request is
// still a HEAD.
type Router struct {
	*gin.Engine
	serve http.Handler // the Engine, compressed
}

// ServeHTTP serves req.
func (r Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodHead {
		get := *req
		get.Method = http.MethodGet
		req = &get
	}
	r.serve.ServeHTTP(w, req)
}

// methodLabel bounds the method in metrics and logs: any token is a valid
// HTTP method to Go, so a stranger could otherwise mint a label per request.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// clip shortens a request-controlled value before it is logged, so that
// the log stays bounded whatever a stranger sends.
func clip(s string) string {
	const max = 256
	if len(s) <= max {
		return s
	}
	// Cut on a rune boundary.
	n := max
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// maxBulkExports is how many exports over many meetings (/meetings.csv)
// run at once; each reads every segment of its range, and a few of them in
// parallel would slow every page. Others wait up to bulkExportWait, then
// get 503 with a Retry-After.
const (
	maxBulkExports = 2
	bulkExportWait = 30 * time.Second
)

// limitBulk admits a bulk export when one of the maxBulkExports slots is
// free.
func (h *Handlers) limitBulk(c *gin.Context) {
	t := time.NewTimer(h.bulkWait)
	defer t.Stop()
	select {
	case h.bulk <- struct{}{}:
		defer func() { <-h.bulk }()
		c.Next()
	case <-t.C:
		c.Header("Retry-After", "60")
		h.fail(c, errStatus(http.StatusServiceUnavailable, "other large exports are running; try again in a minute", nil))
	case <-c.Request.Context().Done():
		c.Abort()
	}
}
