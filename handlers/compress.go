package handlers

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// Compression. Every response — pages, CSVs, JSON — is compressed when the
// client accepts it: zstd where it is accepted (preferred at equal
// weight), else gzip, by klauspost/compress's gzhttp middleware, which
// also sets Vary: Accept-Encoding. It streams: a CSV's flushes flush the
// compressor and then the connection, so a 1,000,000-row export stays in
// constant memory and keeps renewing its write deadline. Left as they
// are: responses under compressMinSize (not worth a header), responses
// that already carry a Content-Encoding (/metrics compresses itself), and
// content types that are compressed already (archives, images, audio,
// video: gzhttp.DefaultContentTypeFilter).
//
// BREACH: a compressed response's length can leak a secret in it when the
// same response reflects text an attacker chose. rollcall's pages carry
// no token (cross-site posts are refused by Sec-Fetch-Site/Origin checks,
// not a CSRF token in the form; the session is a cookie, never in a
// body), and the session cookie is SameSite=Lax, so a third-party page
// cannot make the many authenticated requests the attack needs without
// top-level navigations the user sees. What a page holds is the
// attendance data itself; as a second layer, each compressed response
// gets 1–32 bytes of padding derived from its first 64 KiB (gzhttp's
// RandomJitter), so that a guess that changes the reflected text also
// changes the length by an amount the attacker cannot predict.
const (
	// compressMinSize: smaller bodies go as they are.
	compressMinSize = 1024
	// compressJitter is the most padding a compressed response gets.
	compressJitter = 32
)

// newCompressor returns the middleware that compresses h's responses.
func newCompressor() (func(http.Handler) http.HandlerFunc, error) {
	return gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinSize),
		// The library's default: the 1.5 MB meeting page becomes 56 KB
		// for about a seventh of the page's own time (BENCHMARKS.md).
		gzhttp.CompressionLevel(gzip.DefaultCompression),
		gzhttp.RandomJitter(compressJitter, 0, false),
	)
}
