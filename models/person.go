package models

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Prefixes of person keys, one per kind of identity (docs/ARCHITECTURE.md). A key is
// its kind's prefix followed by the identifier, so identifiers of different
// kinds never collide ("r:x" is not "u:x").
const (
	KeyPrefixRegistrant = "r:" // Zoom registrant_id
	KeyPrefixUser       = "u:" // participant_user_id, or the deprecated id
	KeyPrefixEmail      = "e:" // lower-cased email
	KeyPrefixName       = "n:" // normalized display name (NormalizeName)
	// KeyPrefixAnonymous marks a segment with no identity at all: no
	// registrant id, user id, email or (non-blank) name, as Zoom sends for
	// HIPAA/BAA accounts. PersonKey returns the bare prefix; Segment.Key
	// appends a per-join identifier so that anonymous joins are never merged.
	KeyPrefixAnonymous = "a:"
)

// PersonKey returns the key that identifies a person within one meeting
// instance, following docs/ARCHITECTURE.md: the first non-empty of registrantID
// ("r:"), participantUserID and then id ("u:", both are the Zoom user id),
// the trimmed, lower-cased email ("e:"), and the display name normalized by
// NormalizeName ("n:"). Identifiers are trimmed of surrounding white space
// first, so a blank value counts as empty. When every value is empty it
// returns KeyPrefixAnonymous alone; callers that hold a whole segment should
// use Segment.Key, which keeps anonymous joins apart.
//
// A rejoin that lacks the key its earlier segment had gets a different key:
// PersonKey never merges across kinds.
func PersonKey(registrantID, participantUserID, id, email, name string) string {
	if v := strings.TrimSpace(registrantID); v != "" {
		return KeyPrefixRegistrant + v
	}
	if v := strings.TrimSpace(participantUserID); v != "" {
		return KeyPrefixUser + v
	}
	if v := strings.TrimSpace(id); v != "" {
		return KeyPrefixUser + v
	}
	if v := strings.TrimSpace(email); v != "" {
		return KeyPrefixEmail + lower(v)
	}
	if v := NormalizeName(name); v != "" {
		return KeyPrefixName + v
	}
	return KeyPrefixAnonymous
}

// Key returns the segment's person key: PersonKey of its registrant id,
// participant user id, id, email and name. A segment with none of these
// (KeyPrefixAnonymous) is keyed by its own join instead: the participant
// UUID, else Zoom's per-meeting user_id, else the join time. Merging every
// nameless row into one "person" would invent an attendee holding the union
// of strangers' time; one row per join under-merges instead, as Zoom's own
// report does, and the key stays stable across re-fetches of the same data.
func (s Segment) Key() string {
	k := PersonKey(s.RegistrantID, s.ParticipantUserID, s.ParticipantID, s.Email, s.Name)
	if k != KeyPrefixAnonymous {
		return k
	}
	if v := strings.TrimSpace(s.ParticipantUUID); v != "" {
		return KeyPrefixAnonymous + "uuid:" + v
	}
	if v := strings.TrimSpace(s.UserID); v != "" {
		return KeyPrefixAnonymous + "uid:" + v
	}
	return KeyPrefixAnonymous + "join:" + s.JoinTime.UTC().Format("2006-01-02T15:04:05.999999999Z")
}

// NormalizeName returns a display name in the form docs/ARCHITECTURE.md compares
// names in: invalid UTF-8 replaced by U+FFFD, NFC-normalized, surrounding
// white space trimmed, every inner run of white space (Unicode White_Space)
// collapsed to one ASCII space, and lower-cased with Unicode's full mapping
// (so "JOSÉ", "José" and "Jose\u0301" all become "josé"). A blank name gives "".
func NormalizeName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "\uFFFD")
	}
	name = norm.NFC.String(name)
	name = collapseSpace(name)
	if name == "" {
		return ""
	}
	name = lower(name)
	// Lower-casing can, in rare scripts, leave a sequence that is not in NFC.
	if !norm.NFC.IsNormalString(name) {
		name = norm.NFC.String(name)
	}
	return name
}

// collapseSpace trims s and replaces each inner run of Unicode white space by
// one ASCII space. It returns s itself when nothing changes.
func collapseSpace(s string) string {
	clean := true
	prevSpace := true // a leading space is a change too
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// lower lower-cases s with Unicode's full case mapping (final sigma
// included), taking a fast path for ASCII.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return cases.Lower(language.Und).String(s)
		}
	}
	return strings.ToLower(s)
}
