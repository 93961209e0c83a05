package models

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestSanitizeLeaveReason(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain text unchanged", "Ann left the meeting.", "Ann left the meeting."},
		{"trimmed", "  \n Host ended the meeting. \t", "Host ended the meeting."},
		{"br", "a<br>b", "a\nb"},
		{"br self-closing", "a<br/>b", "a\nb"},
		{"br upper case with space", "a<BR />b", "a\nb"},
		{"br with attribute", "a<br class=x>b", "a\nb"},
		{"br with quoted attribute holding >", `a<br title="x>y">b`, "a\nb"},
		{"end br reads as a break, as in browsers", "a</br>b", "a\nb"},
		{"several br", "a<br><br>b", "a\n\nb"},
		{"leading and trailing br trimmed", "<br>a<br/>", "a"},
		{"other tags removed", "<b>Ann</b> <i>left</i>", "Ann left"},
		{"nested tags", "<div><p><b><i>deep</i></b></p></div>", "deep"},
		{"misnested tags", "<b><i>x</b></i>", "x"},
		{"unclosed tag at end dropped", "left <b unclosed", "left"},
		{"unclosed element keeps text", "<b>left", "left"},
		{"script content removed", "a<script>alert(1)</script>b", "ab"},
		{"script with attributes", `a<script src="x.js" type="module">alert(1)</script>b`, "ab"},
		{"unclosed script swallows rest", "a<script>alert(1)", "a"},
		{"style content removed", "<style>body{display:none}</style>visible", "visible"},
		{"split script tag leaves only text", "<scr<script>ipt>alert(1)</script>", "ipt>alert(1)"},
		{"javascript url", `<a href="javascript:alert(1)">click</a>`, "click"},
		{"event handler attribute", `<img src=x onerror="alert(1)">done`, "done"},
		{"attribute with > inside quotes", `<img alt="a>b" src=x>ok`, "ok"},
		{"attribute with > inside single quotes", `<span title='1>2'>ok</span>`, "ok"},
		{"comment removed", "a<!-- <script>x</script> -->b", "ab"},
		{"ampersand entity", "Tom &amp; Jerry", "Tom & Jerry"},
		{"escaped tag becomes text", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"},
		{"numeric entities", "&#60;b&#x3E;", "<b>"},
		{"decoded once only", "&amp;lt;script&amp;gt;", "&lt;script&gt;"},
		{"double-escaped amp", "&amp;amp;", "&amp;"},
		{"bare ampersand and angle kept", "a & b < c > d", "a & b < c > d"},
		{"nbsp trimmed at ends", "&nbsp;x&nbsp;", "x"},
		{"quotes decoded", "&quot;hi&quot; &#39;there&#39;", `"hi" 'there'`},
		{"crlf normalized", "a\r\nb\rc", "a\nb\nc"},
		{"crlf normalized with markup", "<b>a</b>\r\nb", "a\nb"},
		{"invalid UTF-8 replaced", "a\xffb", "a\ufffdb"},
		{"invalid UTF-8 inside tag", "<b\xff>x</b>", "x"},
		{"zoom enum text", "José García got disconnected from the meeting.", "José García got disconnected from the meeting."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SanitizeLeaveReason(tc.in)
			assert.Equal(t, tc.want, got)
			assert.True(t, utf8.ValidString(got))
		})
	}
}

func TestSanitizeLeaveReasonLongInput(t *testing.T) {
	in := strings.Repeat("<b>x</b><br>&amp;<script>y</script>", 50_000) // ~1.7 MB
	got := SanitizeLeaveReason(in)
	assert.Equal(t, strings.TrimSpace(strings.Repeat("x\n&", 50_000)), got)

	deep := strings.Repeat("<div>", 100_000) + "z" + strings.Repeat("</div>", 100_000)
	assert.Equal(t, "z", SanitizeLeaveReason(deep))
}

func TestSanitizeLeaveReasonNoMarkupLeft(t *testing.T) {
	// Whatever the input, the only "<" in the output came from the input's
	// text (escaped there), never from a tag that survived.
	for _, in := range []string{
		"<scr<script>ipt>", "<<b>b>", "<a <b>>", "<img src=x onerror=alert(1)//", "<svg><script>1</script></svg>",
	} {
		got := SanitizeLeaveReason(in)
		assert.NotContains(t, got, "<script", "%q", in)
		assert.NotContains(t, got, "onerror=alert(1)>", "%q", in)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain name unchanged", "José García", "José García"},
		{"tags removed", "<b>Ann</b> Lee", "Ann Lee"},
		{"br becomes space", "Ann<br>Lee", "Ann Lee"},
		{"white space collapsed", "  Ann \n\t Lee ", "Ann Lee"},
		{"entities decoded once", "Tom &amp;amp; Jerry", "Tom &amp; Jerry"},
		{"script removed", "Ann<script>alert(1)</script>", "Ann"},
		{"escaped tag stays text", "&lt;b&gt;Ann", "<b>Ann"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, PlainText(tc.in))
		})
	}
}

func BenchmarkSanitizeLeaveReason(b *testing.B) {
	inputs := []string{"Ann left the meeting.", "Host ended the meeting.<br/>Network connection error."}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = SanitizeLeaveReason(inputs[i%len(inputs)])
	}
}

// TestBrOnlyMatchesThePolicy checks the <br> fast path against the policy
// path on every string (with markup: toText's first fast path takes the
// others) of up to four pieces drawn from text, br spellings,
// and the characters the HTML tokenizer treats specially: where the fast
// path answers, its answer must be the policy's, for both line-break
// replacements.
func TestBrOnlyMatchesThePolicy(t *testing.T) {
	pieces := []string{"Ann", " ", "\r\n", "\r", "\n", ">", `"`, "'", "é", "<br>", "<BR/>", "<Br />", "</br>", "<br", "<b>", "<", "&", "&amp;", "/"}
	answered := 0
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		for _, br := range []string{"\n", " "} {
			if !strings.Contains(prefix, "<") {
				break // toText's first fast path answers these
			}
			if got, ok := brOnly(prefix, br); ok {
				answered++
				if want := sanitizeHTML(prefix, br); got != want {
					t.Errorf("brOnly(%q, %q) = %q, the policy gives %q", prefix, br, got, want)
				}
			}
		}
		if depth == 4 {
			return
		}
		for _, p := range pieces {
			walk(prefix+p, depth+1)
		}
	}
	walk("", 0)
	assert.Greater(t, answered, 10_000, "the fast path should answer most of these")
	// What it must refuse: other tags, entities, an unfinished tag.
	for _, in := range []string{"a<b>x</b>", "Tom &amp; Jerry", "left <br", "a<br class=x>b", "a<script>x</script>"} {
		_, ok := brOnly(in, "\n")
		assert.False(t, ok, in)
	}
}
