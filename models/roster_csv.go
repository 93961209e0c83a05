package models

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Limits on one roster entry's fields, in bytes.
const (
	maxRosterEmail = 254
	maxRosterField = 200
)

// maxRefusals is how many refusals an upload reports line by line; the
// rest are counted in one last line.
const maxRefusals = 200

// RosterParse is the outcome of reading a roster file.
type RosterParse struct {
	// Entries are the lines taken, in file order.
	Entries []RosterEntry
	// Refusals are the lines refused, each "line N: reason", at most
	// maxRefusals of them and then a count of the rest.
	Refusals []string
	// Ignored are header columns rollcall does not use.
	Ignored []string
}

// ParseRoster reads a roster file: UTF-8 with or without a BOM, comma or
// semicolon separated (whichever the header line has more of), a header
// naming at least email or name (external_id and group are optional, any
// order, case-insensitive; other columns are ignored). A line is refused,
// with its reason, for an invalid or too-long value, no email and no name,
// or the same email (or, without one, the same name) as an earlier line;
// blank lines are skipped. A file that cannot be a roster at all (no usable
// header, more than MaxRosterEntries entries) is a ValidationError, and
// then nothing should change.
func ParseRoster(data []byte) (RosterParse, error) {
	var out RosterParse
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true // a quote inside a bare value is text (Zoom-ish names, formulas)
	r.ReuseRecord = true

	header, err := r.Read()
	for err == nil && blankRecord(header) {
		header, err = r.Read()
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return out, &ValidationError{"roster", "the file is empty"}
		}
		return out, &ValidationError{"roster", "line 1: the header cannot be read: " + csvReason(err)}
	}
	cols, ignored := rosterColumns(header)
	out.Ignored = ignored
	if cols["email"] < 0 && cols["name"] < 0 {
		return out, &ValidationError{"roster", "the header needs an email or name column"}
	}

	firstEmail, firstName := map[string]int{}, map[string]int{}
	refused := 0
	refuse := func(line int, reason string) {
		refused++
		if len(out.Refusals) < maxRefusals {
			out.Refusals = append(out.Refusals, fmt.Sprintf("line %d: %s", line, reason))
		}
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				refuse(pe.StartLine, csvReason(err))
				continue
			}
			return out, &ValidationError{"roster", csvReason(err)}
		}
		if blankRecord(rec) {
			continue
		}
		line, _ := r.FieldPos(0)
		e, reason := rosterEntry(rec, cols)
		e.Line = line
		if reason == "" {
			reason = duplicate(e, firstEmail, firstName)
		}
		if reason != "" {
			refuse(line, reason)
			continue
		}
		if len(out.Entries) == MaxRosterEntries {
			return RosterParse{}, &ValidationError{"roster",
				fmt.Sprintf("more than %d entries (line %d is one too many); the roster was not changed", MaxRosterEntries, line)}
		}
		out.Entries = append(out.Entries, e)
	}
	if refused > len(out.Refusals) {
		out.Refusals = append(out.Refusals, fmt.Sprintf("and %d more lines refused", refused-len(out.Refusals)))
	}
	return out, nil
}

// separator picks ';' when the first non-blank line has more semicolons
// than commas, else ','.
func separator(data []byte) rune {
	line := data
	for len(line) > 0 {
		var rest []byte
		line, rest, _ = bytes.Cut(line, []byte("\n"))
		if len(bytes.TrimSpace(line)) > 0 {
			break
		}
		line = rest
	}
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		return ';'
	}
	return ','
}

// rosterColumns maps the known columns to their index (-1 when absent)
// and lists the other header cells.
func rosterColumns(header []string) (map[string]int, []string) {
	cols := map[string]int{"email": -1, "name": -1, "external_id": -1, "group": -1}
	var ignored []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if j, ok := cols[h]; ok && j < 0 {
			cols[h] = i
		} else if h != "" {
			ignored = append(ignored, clipText(h, 40))
		}
	}
	return cols, ignored
}

// rosterEntry reads one record, or says why it is refused.
func rosterEntry(rec []string, cols map[string]int) (RosterEntry, string) {
	cell := func(name string) string {
		if i := cols[name]; i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for _, v := range rec {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return RosterEntry{}, "not UTF-8 text"
		}
	}
	e := RosterEntry{Email: cell("email"), Name: collapseSpace(cell("name")), ExternalID: cell("external_id"), Group: cell("group")}
	switch {
	case e.Email == "" && e.Name == "":
		return e, "no email and no name"
	case len(e.Email) > maxRosterEmail:
		return e, fmt.Sprintf("email longer than %d bytes", maxRosterEmail)
	case len(e.Name) > maxRosterField, len(e.ExternalID) > maxRosterField, len(e.Group) > maxRosterField:
		return e, fmt.Sprintf("a value longer than %d bytes", maxRosterField)
	}
	if e.Email != "" {
		a, err := mail.ParseAddress(e.Email)
		if err != nil || a.Address != e.Email || a.Name != "" {
			return e, fmt.Sprintf("invalid email %q", clipText(e.Email, 60))
		}
		e.Email = lower(e.Email)
	}
	return e, ""
}

// duplicate says whether e repeats an earlier entry's email or, for a
// name-only entry, name, and remembers e's.
func duplicate(e RosterEntry, firstEmail, firstName map[string]int) string {
	if e.Email != "" {
		if l, ok := firstEmail[e.Email]; ok {
			return fmt.Sprintf("the same email as line %d", l)
		}
		firstEmail[e.Email] = e.Line
		return ""
	}
	n := NormalizeName(e.Name)
	if l, ok := firstName[n]; ok {
		return fmt.Sprintf("the same name as line %d, and no email to tell them apart", l)
	}
	firstName[n] = e.Line
	return ""
}

// blankRecord reports whether every cell is blank.
func blankRecord(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// csvReason is a CSV error without the reader's line prefix.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "not valid CSV (" + pe.Err.Error() + ")"
	}
	return err.Error()
}

// clipText cuts s to at most n bytes on a rune boundary, marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
