package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/handlers"
	"rollcall/models"
)

// openAPIValidator loads the document the server serves and returns a
// validator of it (libopenapi-validator: OpenAPI 3.1, JSON Schema 2020-12).
func openAPIValidator(t *testing.T, e *env) validator.Validator {
	t.Helper()
	status, hd, doc := e.apiGet(t, "", "/openapi.json")
	require.Equal(t, http.StatusOK, status, "the document is served without a token")
	require.Equal(t, "application/json; charset=utf-8", hd.Get("Content-Type"))
	d, err := libopenapi.NewDocument(doc)
	require.NoError(t, err)
	assert.Equal(t, "3.1.0", d.GetVersion())
	// Formats (date-time) are asserted too, not only annotations.
	v, errs := validator.NewValidator(d, config.WithFormatAssertions())
	require.Empty(t, errs)
	ok, verrs := v.ValidateDocument()
	for _, ve := range verrs {
		t.Errorf("openapi.json: %s: %s", ve.Message, ve.Reason)
	}
	require.True(t, ok)
	return v
}

// validateResponse asks for path with the bearer token tok, checks the
// status, and validates the answer against the document.
func validateResponse(t *testing.T, v validator.Validator, e *env, tok, path string, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1"+path, nil)
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, want, res.StatusCode, "%s: %s", path, body)
	res.Body = io.NopCloser(bytes.NewReader(body))
	ok, errs := v.ValidateHttpResponse(req, res)
	for _, ve := range errs {
		t.Errorf("GET %s (%d): %s: %s %v", path, want, ve.Message, ve.Reason, ve.SchemaValidationErrors)
	}
	assert.True(t, ok, "GET %s", path)
	return body
}

// Every API endpoint's real answers — successes and errors — are what
// openapi.json says, checked by a validator that is not ours.
func TestAPIMatchesOpenAPI(t *testing.T) {
	e := newExportEnv(t)
	m := seedExport(t, e, 11, weeklyStart, "Weekly <b>sync</b>, Q&A")
	seedExport(t, e, 12, weeklyStart.Add(7*24*time.Hour), "Weekly sync")
	// A live meeting: no end, a person still in (null leave).
	_, err := e.store.UpsertEndedMeeting(context.Background(), models.MeetingEnded{UUID: "live==", MeetingNumber: 5,
		StartTime: e.now.Add(-time.Hour)})
	require.NoError(t, err)
	segs, err := e.store.SegmentsForPage(context.Background(), m.ID)
	require.NoError(t, err)
	person := url.PathEscape(segs[0].PersonKey)
	v := openAPIValidator(t, e)
	tok := e.token(t, models.RoleViewer)
	id := strconv.FormatUint(m.ID, 10)
	number := strconv.FormatInt(m.MeetingNumber, 10)

	cases := []struct {
		route, path string
		status      int
	}{
		{"/meetings", "/meetings", 200},
		{"/meetings", "/meetings?limit=1", 200},
		{"/meetings", "/meetings?limit=1&q=weekly&from=2026-01-01&to=2026-12-31&updated_since=2026-01-01T00:00:00Z", 200},
		{"/meetings", "/meetings?limit=501", 400},
		{"/meetings", "/meetings?cursor=x", 400},
		{"/meetings", "/meetings?from=tomorrow", 400},
		{"/meetings/:id", "/meetings/" + id, 200},
		{"/meetings/:id", "/meetings/99999", 404},
		{"/meetings/:id/attendance", "/meetings/" + id + "/attendance", 200},
		{"/meetings/:id/attendance", "/meetings/99999/attendance", 404},
		{"/meetings/:id/segments", "/meetings/" + id + "/segments", 200},
		{"/meetings/:id/segments", "/meetings/x/segments", 404},
		{"/series/:number", "/series/" + number, 200},
		{"/series/:number", "/series/1", 404},
		{"/people/*key", "/people/" + person, 200},
		{"/people/*key", "/people/n:nobody", 404},
		{"/openapi.json", "/openapi.json", 200},
	}
	seen := map[string]map[bool]bool{}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			validateResponse(t, v, e, tok, tc.path, tc.status)
			if tc.route != "/openapi.json" {
				validateResponse(t, v, e, "", tc.path, http.StatusUnauthorized)
				validateResponse(t, v, e, "rc_revoked", tc.path, http.StatusUnauthorized)
			}
		})
		if seen[tc.route] == nil {
			seen[tc.route] = map[bool]bool{}
		}
		seen[tc.route][tc.status == 200] = true
	}
	// The live meeting's attendance and the first page with it.
	validateResponse(t, v, e, tok, "/meetings?limit=500", 200)

	_, router := newEnvWith(t, envOptions{})
	for _, r := range router.(handlers.Router).Routes() {
		route, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok {
			continue
		}
		assert.True(t, seen[route][true], "no successful answer of %s was validated", route)
		if route != "/openapi.json" {
			assert.True(t, seen[route][false], "no error answer of %s was validated", route)
		}
	}
}

// The validator really validates: answers that break the document are
// refused (a field missing, a field the document does not have, a wrong
// type), so the passing test above means something.
func TestAPIOpenAPIValidatorRefusesDrift(t *testing.T) {
	e := newEnv(t)
	seedMeetings(t, e, 1, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	v := openAPIValidator(t, e)
	tok := e.token(t, models.RoleViewer)
	status, _, body := e.apiGet(t, tok, "/meetings")
	require.Equal(t, http.StatusOK, status)
	var page map[string]any
	require.NoError(t, json.Unmarshal(body, &page))
	meeting := page["meetings"].([]any)[0].(map[string]any)

	for name, change := range map[string]func(){
		"a field missing":        func() { delete(meeting, "topic") },
		"an undocumented field":  func() { meeting["secret"] = "x" },
		"a wrong type":           func() { meeting["id"] = "1" },
		"a value outside enum":   func() { meeting["status"] = "exploded" },
		"a time that is not one": func() { meeting["start_time"] = "yesterday" },
	} {
		t.Run(name, func(t *testing.T) {
			saved := map[string]any{}
			for k, val := range meeting {
				saved[k] = val
			}
			t.Cleanup(func() {
				clear(meeting)
				for k, val := range saved {
					meeting[k] = val
				}
			})
			change()
			b, err := json.Marshal(page)
			require.NoError(t, err)
			req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/meetings", nil)
			require.NoError(t, err)
			res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
				Body: io.NopCloser(bytes.NewReader(b)), Request: req}
			ok, _ := v.ValidateHttpResponse(req, res)
			assert.False(t, ok, "the validator took %s", name)
		})
	}
}
