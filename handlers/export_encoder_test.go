package handlers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
)

func TestDefuse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{`@SUM(1+1)*cmd|' /C calc'!A0`, `'@SUM(1+1)*cmd|' /C calc'!A0`},
		{`+cmd|' /C calc'!A0`, `'+cmd|' /C calc'!A0`},
		{`-2+3`, `'-2+3`},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"", ""},
		{"Ada", "Ada"},
		{" =1", " =1"}, // not first: a spreadsheet reads it as text
		{"a=1", "a=1"},
		{"'=1", "'=1"},
		{"3600", "3600"},
		{"2026-11-20T10:00:00-05:00", "2026-11-20T10:00:00-05:00"},
		{"true", "true"},
	} {
		assert.Equal(t, tc.want, defuse(tc.in), "%q", tc.in)
	}
}

func TestNumbersAreNeverDefused(t *testing.T) {
	for _, v := range []string{csvUint(-5), csvUint(0), csvUint(1 << 40), csvDecimal(-0.04), csvDecimal(99.95), csvDecimal(0)} {
		assert.Equal(t, v, defuse(v))
		assert.NotContains(t, v, ",")
	}
	assert.Equal(t, "0", csvUint(-5))
	assert.Equal(t, "0.0", csvDecimal(-1))
	assert.Equal(t, "12.5", csvDecimal(12.5))
}

// TestCSVStreamRFC4180 checks the exact bytes: records end in CRLF, quoting
// only where needed, quotes doubled, a line break inside a field kept as it
// is stored (a bare LF stays LF, a CRLF stays CRLF).
func TestCSVStreamRFC4180(t *testing.T) {
	var b bytes.Buffer
	s := newCSVStream(&b, false, []string{"a", "b", "c", "d", "e"})
	require.NoError(t, s.write([]string{"plain", "comma, inside", `say "hi"`, "two\nlines", " lead"}))
	require.NoError(t, s.write([]string{"Zoë", "山田", "", "=1", "3.5"}))
	require.NoError(t, s.write([]string{"win\r\nbreak", "cr\ronly", `\.`, "\u00a0nbsp", `"`}))
	require.NoError(t, s.close())
	assert.Equal(t, "a,b,c,d,e\r\n"+
		"plain,\"comma, inside\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\"\r\n"+
		"Zoë,山田,,'=1,3.5\r\n"+
		"\"win\r\nbreak\",\"cr\ronly\",\"\\.\",\"\u00a0nbsp\",\"\"\"\"\r\n", b.String())

	recs, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"plain", "comma, inside", `say "hi"`, "two\nlines", " lead"}, recs[1])
}

func TestCSVStreamBOM(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, newCSVStream(&b, true, []string{"x"}).close())
	assert.Equal(t, "\xEF\xBB\xBFx\r\n", b.String())
}

type flushCounter struct {
	bytes.Buffer
	flushes int
}

func (f *flushCounter) Flush() { f.flushes++ }

func TestCSVStreamFlushesPeriodically(t *testing.T) {
	var w flushCounter
	s := newCSVStream(&w, false, []string{"n"})
	for range 2*flushEvery + 10 {
		require.NoError(t, s.write([]string{"row"}))
	}
	// The header counts as a row: flushes at 1,000 and 2,000 rows.
	assert.Equal(t, 2, w.flushes)
	assert.Positive(t, w.Len(), "flushed rows reached the writer")
	require.NoError(t, s.close())
	assert.Equal(t, 3, w.flushes)
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n += len(p); w.n > 100 {
		return 0, errors.New("client went away")
	}
	return len(p), nil
}

func TestEncoderReturnsWriteError(t *testing.T) {
	enc := newAttendanceEncoder(&failingWriter{}, time.UTC, false)
	var err error
	for i := 0; i < 100_000 && err == nil; i++ {
		err = enc.Encode(&models.RollRow{Attendance: models.Attendance{Name: strings.Repeat("x", 50)}}, false)
	}
	if err == nil {
		err = enc.Close()
	}
	assert.ErrorContains(t, err, "client went away")
	assert.ErrorContains(t, enc.Close(), "client went away", "Close keeps the first error")
}

func TestFileNames(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	day := time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC) // the 21st in Berlin
	for _, tc := range []struct {
		topic, ascii, header string
	}{
		{"Weekly sync", "Weekly_sync-attendance_2026-11-21_Europe-Berlin.csv",
			`attachment; filename=Weekly_sync-attendance_2026-11-21_Europe-Berlin.csv`},
		{"Weekly <b>sync</b>", "Weekly_sync-attendance_2026-11-21_Europe-Berlin.csv", ""},
		{`../../etc/passwd"; x=`, "etc_passwd_x-attendance_2026-11-21_Europe-Berlin.csv", ""},
		{"", "meeting-attendance_2026-11-21_Europe-Berlin.csv", ""},
		{"山田", "meeting-attendance_2026-11-21_Europe-Berlin.csv",
			`attachment; filename=meeting-attendance_2026-11-21_Europe-Berlin.csv; filename*=utf-8''%E5%B1%B1%E7%94%B0-attendance_2026-11-21_Europe-Berlin.csv`},
		{"Café: Q&A", "Caf_Q_A-attendance_2026-11-21_Europe-Berlin.csv",
			`attachment; filename=Caf_Q_A-attendance_2026-11-21_Europe-Berlin.csv; filename*=utf-8''Caf%C3%A9%20Q&A-attendance_2026-11-21_Europe-Berlin.csv`},
	} {
		n := fileName{topic: tc.topic, kind: "attendance", day: day, loc: berlin}
		assert.Equal(t, tc.ascii, n.ascii(), tc.topic)
		if tc.header != "" {
			assert.Equal(t, tc.header, n.contentDisposition(), tc.topic)
		}
		assert.NotContains(t, n.contentDisposition(), "\n")
		// A client reading the header gets the Unicode name where there is
		// one (filename* wins), else the ASCII one.
		disp, params, err := mime.ParseMediaType(n.contentDisposition())
		require.NoError(t, err, tc.topic)
		assert.Equal(t, "attachment", disp)
		want := n.ascii()
		if strings.Contains(n.contentDisposition(), "filename*=") {
			want = n.unicode()
		}
		assert.Equal(t, want, params["filename"], tc.topic)
	}
	long := fileName{topic: strings.Repeat("long ", 40), kind: "attendance", day: day, loc: berlin}.ascii()
	topic, _, _ := strings.Cut(long, "-attendance_")
	assert.LessOrEqual(t, len(topic), 80)
	assert.True(t, strings.HasPrefix(topic, "long_long_"), long)
}

// TestZoomFieldsMatchesEncodingJSON checks zoomFields against
// json.Unmarshal on awkward but valid objects, and that it takes nothing
// from malformed ones or from JSON that is not an object.
func TestZoomFieldsMatchesEncodingJSON(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e", "k\"q", "é"}
	index := map[string]int{}
	for i, k := range keys {
		index[k] = i
	}
	for _, raw := range []string{
		`{}`,
		` { "a" : "x" , "b":1 } `,
		`{"a":"with \"quotes\" and \\ and } ]","b":[1,{"x":"]}"}],"c":{"n":{"m":[]}},"d":null,"e":true}`,
		`{"k\"q":"escaped key","\u00e9":"unicode key","a":-1.5e3}`,
		`{"a":"first","a":"last"}`,
		"{\"a\":\n\t\"x\"\r\n}",
		`{"zz":{"a":"nested, not top-level"}}`,
	} {
		vals := make([]string, len(keys))
		zoomFields(raw, index, vals)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(raw), &m), raw)
		for i, k := range keys {
			assert.Equal(t, string(m[k]), vals[i], "%s in %s", k, raw)
		}
	}
	for _, raw := range []string{``, `[]`, `"a"`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a":"x}`, `{"a":[1}`, `{"a":1}x`, `{"a":tru}`, `null`} {
		vals := make([]string, len(keys))
		zoomFields(raw, index, vals)
		assert.Equal(t, make([]string, len(keys)), vals, raw)
	}
}

func TestSessionsEncoderFallsBackOnOddRaw(t *testing.T) {
	var b bytes.Buffer
	enc := newSessionsEncoder(&b, time.UTC, false, []string{"id", "x"})
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	require.NoError(t, enc.Encode(&models.Segment{Name: "A", JoinTime: t0, Raw: `not json`}))
	require.NoError(t, enc.Encode(&models.Segment{Name: "B", JoinTime: t0, Raw: `{"id":"z","x":[ 1, 2 ]}`}))
	require.NoError(t, enc.Close())
	recs, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	h := recs[0]
	assert.Equal(t, "x", h[len(h)-1])
	assert.Equal(t, "", recs[1][len(h)-1])
	assert.Equal(t, "[1,2]", recs[2][len(h)-1], "compact JSON")
	assert.Equal(t, "", recs[1][4], "no leave, no duration")
}

// TestExportFailedMidStreamCutsTheConnection: after the first byte the
// status is gone; the client must see a broken transfer, not a short file
// that looks complete. The panic recovery lets the abort through, and still
// answers any other panic with a 500.
func TestExportFailedMidStreamCutsTheConnection(t *testing.T) {
	h := New(nil, nil, Config{}, nil)
	r := gin.New()
	r.Use(h.recoverPanics)
	r.GET("/x.csv", h.route(func(c *gin.Context) error {
		w := startCSV(c, fileName{topic: "t", kind: "k", loc: time.UTC})
		s := newCSVStream(w, false, []string{"a"})
		for range flushEvery + 1 { // past the first flush
			_ = s.write([]string{"row"})
		}
		return exportFailed(c, errors.New("database went away"))
	}))
	r.GET("/early.csv", h.route(func(c *gin.Context) error {
		startCSV(c, fileName{topic: "t", kind: "k", loc: time.UTC})
		return exportFailed(c, errors.New("database went away"))
	}))
	r.GET("/bug", func(c *gin.Context) { panic("a bug") })
	srv := httptest.NewServer(r)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/x.csv")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "a truncated body, not a clean end")
	assert.True(t, strings.HasPrefix(string(body), "a\r\nrow\r\n"), "the rows before the failure arrived")

	res, err = http.Get(srv.URL + "/early.csv")
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Empty(t, res.Header.Get("Content-Disposition"), "an error is not an attachment")

	res, err = http.Get(srv.URL + "/bug")
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err, "an ordinary panic is answered, not cut")
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Regexp(t, `^\{"error":"internal error \(reference [0-9a-f]{12}\)"\}$`, string(b))
}
