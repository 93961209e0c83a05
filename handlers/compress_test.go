package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

// rawGet fetches path as an admin with Accept-Encoding accept (none when
// empty), without the transport's own decoding, and returns the response
// with its body as sent.
func (e *pagesEnv) rawGet(t *testing.T, path, accept string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set(testRoleHeader, models.RoleAdmin)
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, body
}

// decode undoes a response's Content-Encoding.
func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	switch encoding {
	case "":
		return body
	case "gzip":
		r, err := gzip.NewReader(bytes.NewReader(body))
		require.NoError(t, err)
		out, err := io.ReadAll(r)
		require.NoError(t, err)
		return out
	case "zstd":
		r, err := zstd.NewReader(bytes.NewReader(body))
		require.NoError(t, err)
		defer r.Close()
		out, err := io.ReadAll(r)
		require.NoError(t, err)
		return out
	}
	t.Fatalf("unexpected Content-Encoding %q", encoding)
	return nil
}

// Pages and CSVs are compressed with what the client accepts (zstd first),
// decode to the very bytes sent uncompressed, and say Vary:
// Accept-Encoding; a client that accepts nothing gets them as they are.
func TestResponsesAreCompressedWhenAccepted(t *testing.T) {
	e := newPagesEnv(t)
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	m := e.addMeeting(t, models.MeetingEnded{UUID: "big==", MeetingNumber: 1, Topic: "All hands", StartTime: start, EndTime: &end},
		bigMeetingSegments(start))

	for _, path := range []string{meetingURL(m.ID), meetingURL(m.ID) + "/attendance.csv", meetingURL(m.ID) + "/sessions.csv", "/static/app.css"} {
		t.Run(path, func(t *testing.T) {
			res, plain := e.rawGet(t, path, "")
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Empty(t, res.Header.Get("Content-Encoding"))
			assert.Contains(t, res.Header.Values("Vary"), "Accept-Encoding")
			for _, tc := range []struct{ accept, want string }{
				{"gzip", "gzip"},
				{"zstd", "zstd"},
				{"gzip, deflate, br, zstd", "zstd"},
				{"gzip;q=1.0, zstd;q=0.5", "gzip"},
				{"identity", ""},
				{"br", ""},
			} {
				res, body := e.rawGet(t, path, tc.accept)
				require.Equal(t, http.StatusOK, res.StatusCode, tc.accept)
				assert.Equal(t, tc.want, res.Header.Get("Content-Encoding"), tc.accept)
				assert.Contains(t, res.Header.Values("Vary"), "Accept-Encoding", tc.accept)
				assert.Equal(t, plain, decode(t, tc.want, body), tc.accept)
				if tc.want != "" && !strings.HasSuffix(path, ".css") {
					assert.Less(t, len(body), len(plain)/5, "%s: %d of %d bytes", tc.accept, len(body), len(plain))
				}
			}
		})
	}
}

// Small answers are not worth compressing: a 404 page's JSON twin, the
// health check, a redirect (the home page, to a stranger).
func TestSmallResponsesAreNotCompressed(t *testing.T) {
	e := newPagesEnv(t)
	for path, role := range map[string]string{"/healthz": models.RoleAdmin, "/meetings/999/attendance.csv": models.RoleAdmin, "/": ""} {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		require.NoError(t, err)
		if role != "" {
			req.Header.Set(testRoleHeader, role)
		}
		req.Header.Set("Accept-Encoding", "gzip, zstd")
		client := &http.Client{
			Transport:     &http.Transport{DisableCompression: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		res, err := client.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		assert.Empty(t, res.Header.Get("Content-Encoding"), path)
		assert.Less(t, len(body), compressMinSize, path)
	}
}
