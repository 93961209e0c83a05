// Package static holds rollcall's stylesheet and icon, embedded in the
// binary and served under /static/ with long caching.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

//go:embed app.css icon.svg
var files embed.FS

// FS returns the embedded files.
func FS() fs.FS { return files }

// Version returns a short content hash of the named file, for a URL that
// changes whenever the file does (so it can be cached for a year).
// It returns "" for a file that is not embedded.
func Version(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
