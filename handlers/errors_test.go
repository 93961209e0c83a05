package handlers

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// One adapter maps every handler error to a status, and a page route
// answers with the HTML error page, panics included; other routes JSON.
func TestErrorsMapToStatusesAndPages(t *testing.T) {
	var logs syncBuffer
	h := New(nil, nil, Config{}, slog.New(slog.NewTextHandler(&logs, nil)))
	r := h.Router().(Router)
	page := r.Group("", func(c *gin.Context) { c.Set(pageKey, true) })
	cases := []struct {
		name   string
		err    error
		status int
		text   string
	}{
		{"notfound", fmt.Errorf("models: meeting 7: %w", models.ErrNotFound), http.StatusNotFound, "not found"},
		{"invalid", &models.ValidationError{Field: "email", Problem: "is not an email address"}, http.StatusBadRequest, "email: is not an email address"},
		{"exists", fmt.Errorf("models: user x: %w", models.ErrExists), http.StatusConflict, "already exists"},
		{"given", errStatus(http.StatusTeapot, "short and stout", nil), http.StatusTeapot, "short and stout"},
		{"broken", errors.New("disk on fire"), http.StatusInternalServerError, "internal error (reference "},
	}
	for _, tc := range cases {
		r.GET("/api/"+tc.name, h.route(func(*gin.Context) error { return tc.err }))
		page.GET("/page/"+tc.name, h.route(func(*gin.Context) error { return tc.err }))
	}
	page.GET("/page/panic", h.route(func(*gin.Context) error { panic("boom") }))
	r.GET("/api/panic", h.route(func(*gin.Context) error { panic("boom") }))
	page.GET("/page/late", h.route(func(c *gin.Context) error {
		c.String(http.StatusOK, strings.Repeat("half a page ", 1000))
		c.Writer.Flush()
		return errors.New("failed half-way")
	}))
	srv := httptest.NewServer(r)
	defer srv.Close()

	get := func(path string) (int, string, string) {
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	for _, tc := range cases {
		code, ctype, body := get("/api/" + tc.name)
		assert.Equal(t, tc.status, code, tc.name)
		assert.Contains(t, ctype, "application/json", tc.name)
		assert.Contains(t, body, tc.text, tc.name)
		code, ctype, body = get("/page/" + tc.name)
		assert.Equal(t, tc.status, code, tc.name)
		assert.Contains(t, ctype, "text/html", tc.name)
		assert.Contains(t, body, "<html", tc.name)
	}
	code, ctype, body := get("/page/panic")
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Contains(t, ctype, "text/html")
	assert.Contains(t, body, "reference ")
	code, ctype, _ = get("/api/panic")
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Contains(t, ctype, "application/json")
	assert.Contains(t, logs.String(), "error_ref=")

	// Failing after the answer started: the connection is cut, so the
	// client sees a broken answer, not a complete-looking one.
	res, err := http.Get(srv.URL + "/page/late")
	require.NoError(t, err)
	_, err = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Error(t, err)
}
