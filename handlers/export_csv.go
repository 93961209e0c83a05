package handlers

import (
	"bufio"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"rollcall/models"
)

// CSV exports (docs/ARCHITECTURE.md). Each file kind has a small streaming encoder
// (attendanceEncoder, sessionsEncoder, seriesEncoder, meetingsEncoder): the
// constructor writes the header, Encode writes one row, Close flushes and
// returns the writer's first error. They share csvStream, which owns the
// rules every cell follows:
//
//   - RFC 4180: comma-separated, records ending in CRLF, a field quoted when
//     it holds a comma, quote, CR or LF (or begins with white space), quotes
//     doubled. A line break inside a field is written as it is stored (a
//     bare LF stays a bare LF): encoding/csv's CRLF mode would turn it into
//     CRLF, and Python's csv module and pandas would then read a CR that was
//     never in the data. So csvStream writes records itself (writeField).
//   - UTF-8 throughout; an optional BOM first, for Excel.
//   - Formula injection: any cell beginning with '=', '+', '-', '@', tab or
//     CR gets a leading "'", so that a spreadsheet shows it as text. The
//     rule applies to every cell, header included; the numbers, booleans
//     and RFC 3339 times the encoders produce never begin with one of those
//     characters (they are never negative), so they are never changed.
//
// Rows are flushed to the client every flushEvery rows, and the response
// writer is flushed then too, so memory stays at one buffer and the client
// sees progress on a long export.

// flushEvery is how many rows an export writes between flushes.
const flushEvery = 1000

// csvBufferSize is the size of the buffer between the CSV writer and the
// response.
const csvBufferSize = 64 << 10

// csvStream writes CSV records to w with the rules above.
type csvStream struct {
	bw    *bufio.Writer
	flush func() // flushes the layer below bw; nil when there is none
	rows  int
	err   error
}

// newCSVStream returns a stream to w that has written the BOM (when bom)
// and header. When w is an http.Flusher it is flushed every flushEvery rows.
func newCSVStream(w io.Writer, bom bool, header []string) *csvStream {
	bw := bufio.NewWriterSize(w, csvBufferSize)
	s := &csvStream{bw: bw}
	if f, ok := w.(http.Flusher); ok {
		s.flush = f.Flush
	}
	if bom {
		_, s.err = bw.WriteString("\uFEFF")
	}
	s.write(header)
	return s
}

// write writes one record, neutralizing formula cells in place.
func (s *csvStream) write(rec []string) error {
	if s.err != nil {
		return s.err
	}
	for i, v := range rec {
		if i > 0 {
			s.bw.WriteByte(',')
		}
		writeField(s.bw, defuse(v))
	}
	if _, err := s.bw.WriteString("\r\n"); err != nil { // bufio keeps its first error
		s.err = err
		return err
	}
	if s.rows++; s.rows%flushEvery == 0 {
		return s.flushAll()
	}
	return nil
}

// flushAll sends everything buffered to the client.
func (s *csvStream) flushAll() error {
	if err := s.bw.Flush(); err != nil {
		s.err = err
		return err
	}
	if s.flush != nil {
		s.flush()
	}
	return nil
}

// close flushes the stream and returns the first error writing it.
func (s *csvStream) close() error {
	if s.err != nil {
		return s.err
	}
	return s.flushAll()
}

// writeField writes one field, quoted when it needs to be (as encoding/csv
// decides: a comma, quote, CR or LF inside, white space first, or the
// lone `\.`), with its quotes doubled and every other byte as it is.
func writeField(bw *bufio.Writer, v string) {
	if !fieldNeedsQuotes(v) {
		bw.WriteString(v)
		return
	}
	bw.WriteByte('"')
	for {
		i := strings.IndexByte(v, '"')
		if i < 0 {
			break
		}
		bw.WriteString(v[:i+1])
		bw.WriteByte('"')
		v = v[i+1:]
	}
	bw.WriteString(v)
	bw.WriteByte('"')
}

// fieldNeedsQuotes reports whether v must be quoted.
func fieldNeedsQuotes(v string) bool {
	if v == "" {
		return false
	}
	if v == `\.` || strings.ContainsAny(v, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(v)
	return unicode.IsSpace(r)
}

// defuse prefixes a cell that a spreadsheet would read as a formula with
// "'" (OWASP's CSV injection advice).
func defuse(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + v
	}
	return v
}

// csvTime formats t as RFC 3339 in loc, with fractional seconds only when
// t has them; the zero time is an empty cell.
func csvTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339Nano)
}

// csvUint formats a count or a number of seconds; negatives become 0 (a
// count is never negative, and a "-" would read as a formula).
func csvUint(n int64) string {
	if n < 0 {
		n = 0
	}
	return strconv.FormatInt(n, 10)
}

// csvDecimal formats f with one decimal and "." whatever the locale;
// negatives become 0.
func csvDecimal(f float64) string {
	if f < 0 || f != f {
		f = 0
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// csvBool formats b as true or false.
func csvBool(b bool) string { return strconv.FormatBool(b) }

// csvOptions are the query parameters every export takes.
type csvOptions struct {
	loc *time.Location // ?tz=, else the user's zone, else the default
	bom bool           // ?bom=1
}

// exportOptions reads ?tz= and ?bom=. An unknown zone is a 400.
func (h *Handlers) exportOptions(c *gin.Context) (csvOptions, error) {
	loc, err := h.viewerZone(c, currentUser(c))
	if err != nil {
		return csvOptions{}, err
	}
	bom, _ := strconv.ParseBool(c.Query("bom"))
	return csvOptions{loc: loc, bom: bom}, nil
}

// exportedMeeting reads what an export of one meeting asks for: the
// meeting of the :id parameter, and ?tz= and ?bom=.
func (h *Handlers) exportedMeeting(c *gin.Context) (models.Meeting, csvOptions, error) {
	id, err := parseID(c, "id")
	if err != nil {
		return models.Meeting{}, csvOptions{}, err
	}
	opt, err := h.exportOptions(c)
	if err != nil {
		return models.Meeting{}, csvOptions{}, err
	}
	m, err := h.store.Meeting(c.Request.Context(), id)
	return m, opt, err
}

// startCSV sets the headers of a CSV download named by name and returns
// the writer of its body. Nothing is written yet, so the status can still
// change if the export fails before its first row.
func startCSV(c *gin.Context, name fileName) io.Writer {
	hd := c.Writer.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", name.contentDisposition())
	hd.Set("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	return c.Writer
}

// exportFailed is the error of a failed export. Before the first byte it
// is answered as usual (and no longer as an attachment). After it the
// status is gone: fail then panics with http.ErrAbortHandler, which
// recoverPanics lets through and net/http answers by cutting the response
// (HTTP/1.x: the connection is closed before the last chunk; HTTP/2: the
// stream is reset), so the client sees a truncated transfer instead of a
// short file that looks complete.
func exportFailed(c *gin.Context, err error) error {
	if !c.Writer.Written() {
		c.Writer.Header().Del("Content-Disposition")
	}
	return err
}

// fileName is the download name of an export: "<topic>-<kind>_<date>_<zone>.csv".
type fileName struct {
	topic, kind string
	day         time.Time // formatted as yyyy-mm-dd in loc; zero leaves the date out
	loc         *time.Location
	// dates overrides day with a preformatted date part ("2026-11-01_2026-11-30").
	dates string
	// ext is the extension, dot included; "" is ".csv".
	ext string
}

// ascii returns the name in safe ASCII characters only (safeName): the
// filename= parameter every client understands.
func (n fileName) ascii() string {
	return n.build(safeName(n.topic, "meeting"))
}

// unicode returns the name with the topic's non-ASCII letters intact, for
// RFC 5987's filename*; characters that file systems refuse are dropped.
func (n fileName) unicode() string {
	t := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || strings.ContainsRune(`/\:*?"<>|%`, r) {
			return ' '
		}
		return r
	}, models.PlainText(n.topic))
	t = strings.Join(strings.Fields(t), " ")
	if len(t) > 120 {
		t = strings.ToValidUTF8(t[:120], "")
	}
	if t == "" {
		t = "meeting"
	}
	return n.build(t)
}

func (n fileName) build(topic string) string {
	date := n.dates
	if date == "" && !n.day.IsZero() {
		date = n.day.In(n.loc).Format("2006-01-02")
	}
	zone := safeName(strings.ReplaceAll(n.loc.String(), "/", "-"), "zone")
	out := topic + "-" + n.kind
	if date != "" {
		out += "_" + date
	}
	ext := n.ext
	if ext == "" {
		ext = ".csv"
	}
	return out + "_" + zone + ext
}

// contentDisposition returns the attachment header (RFC 6266): filename=
// in safe ASCII, which every client understands, and, when the topic has
// letters beyond ASCII, filename* (RFC 5987, UTF-8) with them.
// mime.FormatMediaType quotes and encodes both.
func (n fileName) contentDisposition() string {
	h := mime.FormatMediaType("attachment", map[string]string{"filename": n.ascii()})
	u := mime.FormatMediaType("attachment", map[string]string{"filename": n.unicode()})
	if ext, ok := strings.CutPrefix(u, "attachment; filename*="); ok {
		h += "; filename*=" + ext
	}
	return h
}

// safeName reduces s to the characters every browser and file system takes
// in a file name: ASCII letters, digits, '-', '_' and '.'. HTML is dropped
// first; every run of other characters becomes one '_'; the result is
// trimmed of '_' and '.' and cut to 80 bytes. An empty result is def.
func safeName(s, def string) string {
	s = models.PlainText(s)
	var b strings.Builder
	under := false
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			under = b.Len() > 0
			continue
		}
		if b.Len() >= 81 {
			break
		}
		if under && r != '_' {
			b.WriteByte('_')
		}
		under = false
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > 80 {
		out = out[:80] // ASCII only: no rune is cut
	}
	out = strings.Trim(out, "_.")
	if out == "" {
		return def
	}
	return out
}
