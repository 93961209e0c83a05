package models

import (
	"html"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
)

// brPolicy strips every element except br (script, style and similar
// elements lose their content too) and HTML-escapes all text. A policy is
// safe for concurrent use once built; it is built on first use and never
// changed afterwards.
var brPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.StrictPolicy()
	p.AllowElements("br")
	return p
})

// SanitizeLeaveReason turns a leave reason as Zoom sent it into plain text
// for display (docs/ARCHITECTURE.md): every <br> variant (<br>, <br/>, <BR />,
// <br class=x>, and </br>, which browsers also read as a break) becomes "\n",
// every other tag and comment is removed, the content of script, style and
// similar elements is dropped, entities are decoded exactly once
// ("&amp;lt;" gives the text "&lt;"), invalid UTF-8 becomes U+FFFD, and the
// result is trimmed of surrounding white space. The result is text, not
// HTML: it may contain "<" and must be escaped on output (templ does).
func SanitizeLeaveReason(raw string) string {
	return strings.TrimSpace(toText(raw, "\n"))
}

// PlainText turns a value that may carry HTML, such as a display name, into
// one line of plain text: tags removed as by SanitizeLeaveReason, but <br>
// and every run of white space (newlines included) become one space,
// entities are decoded once, and the result is trimmed. Like
// SanitizeLeaveReason, its result must be escaped on output.
func PlainText(raw string) string {
	return collapseSpace(toText(raw, " "))
}

// toText strips tags from raw, writes br for each <br>, and decodes entities.
func toText(raw, br string) string {
	if !utf8.ValidString(raw) {
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	// Fast path: no markup and no entity means nothing to strip or decode.
	// The HTML tokenizer turns "\r\n" and "\r" into "\n"; do the same here.
	if !strings.ContainsAny(raw, "<&") {
		if strings.Contains(raw, "\r") {
			raw = crlf.Replace(raw)
		}
		return raw
	}
	// Second fast path: Zoom's own markup is only <br> ("Ann left the
	// meeting.<br>Reason: ..."), and a 1,000-person page holds a thousand
	// such reasons, each different by name.
	if out, ok := brOnly(raw, br); ok {
		return out
	}
	return sanitizeHTML(raw, br)
}

// sanitizeHTML is toText's general path, through the HTML policy.
func sanitizeHTML(raw, br string) string {
	// The policy escapes every text character it keeps, so the only "<" left
	// in its output starts one of the br tags it let through.
	s := brPolicy().Sanitize(raw)
	if strings.Contains(s, "<") {
		s = strings.NewReplacer("<br/>", br, "<br>", br, "</br>", br).Replace(s)
	}
	// Exactly one decoding: the policy decoded the input's entities while
	// parsing and re-escaped them, so this restores the input's text.
	return html.UnescapeString(s)
}

// brTags are the spellings of a line break brOnly handles; anything else
// goes through the policy.
var brTags = []string{"<br>", "<br/>", "<br />", "</br>"}

// brOnly returns toText's result for raw when raw's only markup is brTags
// (any letter case) and it holds no entity and no NUL, which is exactly
// when the policy's result would be raw with each tag replaced by br and
// line ends normalized; ok is false otherwise.
func brOnly(raw, br string) (out string, ok bool) {
	if strings.ContainsAny(raw, "&\x00") {
		return "", false
	}
	if strings.Contains(raw, "\r") {
		raw = crlf.Replace(raw) // before a br "\n" can follow a "\r"
	}
	var b strings.Builder
	b.Grow(len(raw))
	rest := raw
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		n := 0
		for _, tag := range brTags {
			if len(rest) >= len(tag) && strings.EqualFold(rest[:len(tag)], tag) {
				n = len(tag)
				break
			}
		}
		if n == 0 {
			return "", false
		}
		b.WriteString(br)
		rest = rest[n:]
	}
	return b.String(), true
}

// crlf normalizes line ends as the HTML tokenizer does.
var crlf = strings.NewReplacer("\r\n", "\n", "\r", "\n")
