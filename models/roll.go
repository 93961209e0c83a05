package models

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// This file applies identity links and expected people (roster entries and
// registrants) to one meeting's attendance: who came, who was expected,
// who was absent, and the name-only matches worth a suggestion. The
// meeting page, the CSVs, the series and person pages and the API all call
// BuildRoll (or Store.MeetingRoll), so they agree.

// Statuses of a person in a roll (attendance.csv's status column).
const (
	RollPresent         = "present"           // present under the thresholds
	RollPartial         = "partial"           // attended, under the present share
	RollAbsent          = "absent"            // expected, matched to nobody
	RollWaitingRoomOnly = "waiting_room_only" // seen only in the waiting room
)

// Expected is one person expected at an instance: a roster entry of its
// series, an approved registrant of the instance, or both (one email).
type Expected struct {
	// Key is the identity: "r:" and the registrant id, else the roster
	// entry's Key.
	Key string
	// RegistrantID and Email (lower-cased) are what attendees are matched
	// by, before identity links.
	RegistrantID, Email string
	// Name, ExternalID and Group describe the person.
	Name, ExternalID, Group string
	// OnRoster and Registered say why they were expected.
	OnRoster, Registered bool
}

// Reason says why the person was expected: "roster" (with the group),
// "registered", or both.
func (e Expected) Reason() string {
	var parts []string
	if e.OnRoster {
		r := "roster"
		if e.Group != "" {
			r += " (" + e.Group + ")"
		}
		parts = append(parts, r)
	}
	if e.Registered {
		parts = append(parts, "registered")
	}
	return strings.Join(parts, ", ")
}

// ExpectedAt merges a series' roster and an instance's registrants into
// the people expected there: a roster entry with a registrant's email is
// that registrant.
func ExpectedAt(roster []RosterEntry, regs []Registrant) []Expected {
	out := make([]Expected, 0, len(roster)+len(regs))
	byEmail := make(map[string]int, len(regs))
	seenReg := make(map[string]bool, len(regs))
	for _, r := range regs {
		if r.RegistrantID == "" || seenReg[r.RegistrantID] {
			continue
		}
		seenReg[r.RegistrantID] = true
		if r.Email != "" {
			if _, dup := byEmail[r.Email]; dup {
				continue // one person registered twice: one expectation
			}
			byEmail[r.Email] = len(out)
		}
		out = append(out, Expected{Key: KeyPrefixRegistrant + r.RegistrantID, RegistrantID: r.RegistrantID,
			Email: r.Email, Name: r.Name, Registered: true})
	}
	for _, e := range roster {
		if i, ok := byEmail[e.Email]; ok && e.Email != "" {
			out[i].OnRoster, out[i].ExternalID, out[i].Group = true, e.ExternalID, e.Group
			if e.Name != "" {
				out[i].Name = e.Name
			}
			continue
		}
		out = append(out, Expected{Key: e.Key(), Email: e.Email, Name: e.Name, ExternalID: e.ExternalID,
			Group: e.Group, OnRoster: true})
	}
	return out
}

// RollInput is what BuildRoll applies to a meeting's segments.
type RollInput struct {
	// Links are the identity links.
	Links PersonLinks
	// Expected are the people expected at the instance (ExpectedAt).
	Expected []Expected
	// Dismissed are the suggestions not to offer (Store.Dismissed).
	Dismissed map[string]bool
}

// RollRow is one person of a roll: an attendee, or an absentee (zero
// attendance, Status RollAbsent).
type RollRow struct {
	Attendance
	// Status is one of the Roll* statuses.
	Status string
	// Expected is whether the person was expected (always true for an
	// absentee); Reason says why ("" when not expected).
	Expected bool
	Reason   string
	// Keys are the person keys merged into the row by identity links,
	// Key first; nil when there is only Key.
	Keys []string
	// ExternalID and Group are the roster's, when it matched.
	ExternalID, Group string
}

// Suggestion is a link worth offering an admin: person From is perhaps
// person Into, because of their names alone.
type Suggestion struct {
	From, Into         string
	FromName, IntoName string
	// Why says where the match was seen.
	Why string
}

// Roll is one meeting's attendance with identity links and expected
// people applied.
type Roll struct {
	// People are the attendees in ComputeAttendance's order.
	People []RollRow
	// Absent are the expected people matched to nobody, by name then key.
	Absent []RollRow
	// HasExpected is whether anyone was expected (a roster or
	// registrants); without it Expected says nothing (an empty CSV cell).
	HasExpected bool
	// Suggestions are name-only matches of an absentee and an unexpected
	// attendee, not dismissed.
	Suggestions []Suggestion
}

// Rows returns the attendees then the absentees: attendance.csv's rows.
func (r Roll) Rows() []RollRow {
	return append(slices.Clip(r.People), r.Absent...)
}

// BuildRoll computes meeting m's attendance from segs at now under th,
// with in's identity links applied (a linked person's segments are one
// person's: overlapping devices count once) and in's expected people
// matched: by registrant id, then email (case-insensitive), then identity
// link. A display name alone never matches; a unique one is a Suggestion.
// It does no I/O.
func BuildRoll(m Meeting, segs []Segment, now time.Time, th Thresholds, in RollInput) Roll {
	keys := originalKeys(segs, in.Links)
	as := ComputeAttendance(ApplyLinks(segs, in.Links), m.Window(now), th)
	r := Roll{People: make([]RollRow, len(as)), HasExpected: len(in.Expected) > 0}
	for i := range as {
		r.People[i] = RollRow{Attendance: as[i], Status: AttendedStatus(&as[i]), Keys: keys[as[i].Key]}
	}
	if !r.HasExpected {
		return r
	}

	byRID, byEmail, byKey := attendeeIndexes(r.People)
	var unmatched []Expected
	for _, e := range in.Expected {
		i, ok := -1, false
		if e.RegistrantID != "" {
			i, ok = byRID[e.RegistrantID]
		}
		if !ok && e.Email != "" {
			i, ok = byEmail[e.Email]
		}
		if !ok {
			i, ok = byKey[in.Links.Resolve(e.Key)]
		}
		if !ok {
			unmatched = append(unmatched, e)
			continue
		}
		p := &r.People[i]
		if p.Reason != "" {
			p.Reason += "; "
		}
		p.Expected, p.Reason = true, p.Reason+e.Reason()
		if p.ExternalID == "" {
			p.ExternalID, p.Group = e.ExternalID, e.Group
		}
	}
	r.Absent = make([]RollRow, len(unmatched))
	for i, e := range unmatched {
		r.Absent[i] = RollRow{Attendance: Attendance{Key: e.Key, Name: e.Name, Email: e.Email}, Status: RollAbsent,
			Expected: true, Reason: e.Reason(), ExternalID: e.ExternalID, Group: e.Group}
	}
	slices.SortFunc(r.Absent, func(a, b RollRow) int {
		if c := cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	r.Suggestions = nameSuggestions(r.People, unmatched, in.Dismissed)
	return r
}

// AttendedStatus is the status of someone with a row in the meeting.
func AttendedStatus(a *Attendance) string {
	switch {
	case a.Sessions == 0:
		return RollWaitingRoomOnly
	case a.Present:
		return RollPresent
	}
	return RollPartial
}

// originalKeys returns, for each key that links merge others into, the
// keys merged (the resolved key first, then the rest sorted).
func originalKeys(segs []Segment, ids PersonLinks) map[string][]string {
	if !ids.Linked() {
		return nil
	}
	out := map[string][]string{}
	for i := range segs {
		k := segs[i].PersonKey
		if k == "" {
			k = segs[i].Key()
		}
		root := ids.Resolve(k)
		if root == k {
			continue
		}
		if !slices.Contains(out[root], k) {
			out[root] = append(out[root], k)
		}
	}
	for root, ks := range out {
		slices.Sort(ks)
		out[root] = append([]string{root}, ks...)
	}
	return out
}

// attendeeIndexes maps registrant ids, lower-cased emails and keys of the
// attendees to their index (the first attendee wins).
func attendeeIndexes(people []RollRow) (byRID, byEmail, byKey map[string]int) {
	byRID, byEmail, byKey = map[string]int{}, map[string]int{}, make(map[string]int, len(people))
	for i := range people {
		p := &people[i]
		byKey[p.Key] = i
		for j := range p.Segments {
			s := &p.Segments[j]
			if v := strings.TrimSpace(s.RegistrantID); v != "" {
				if _, ok := byRID[v]; !ok {
					byRID[v] = i
				}
			}
			if v := strings.TrimSpace(s.Email); v != "" {
				v = lower(v)
				if _, ok := byEmail[v]; !ok {
					byEmail[v] = i
				}
			}
		}
	}
	return byRID, byEmail, byKey
}

// nameSuggestions pairs each absentee whose normalized name no other
// absentee has with the one unexpected attendee of that name, if exactly
// one, unless the pair was dismissed.
func nameSuggestions(people []RollRow, absent []Expected, dismissed map[string]bool) []Suggestion {
	absentByName := map[string][]int{}
	for i, e := range absent {
		if n := NormalizeName(e.Name); n != "" {
			absentByName[n] = append(absentByName[n], i)
		}
	}
	if len(absentByName) == 0 {
		return nil
	}
	attendeeByName := map[string][]int{}
	for i := range people {
		if people[i].Expected {
			continue
		}
		if n := NormalizeName(people[i].Name); absentByName[n] != nil {
			attendeeByName[n] = append(attendeeByName[n], i)
		}
	}
	var out []Suggestion
	for n, es := range absentByName {
		ps := attendeeByName[n]
		if len(es) != 1 || len(ps) != 1 {
			continue
		}
		e, p := absent[es[0]], people[ps[0]]
		if dismissed[pairKey(p.Key, e.Key)] {
			continue
		}
		out = append(out, Suggestion{From: p.Key, Into: e.Key, FromName: p.Name, IntoName: e.Name,
			Why: "the name of an expected person (" + e.Reason() + ")"})
	}
	sortSuggestions(out)
	return out
}

// sortSuggestions orders suggestions by name, then keys.
func sortSuggestions(ss []Suggestion) {
	slices.SortFunc(ss, func(a, b Suggestion) int {
		if c := cmp.Compare(NormalizeName(a.IntoName), NormalizeName(b.IntoName)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Into, b.Into); c != 0 {
			return c
		}
		return cmp.Compare(a.From, b.From)
	})
}

// keyStrength ranks the kinds of person keys: a link is suggested from the
// weaker key into the stronger.
func keyStrength(key string) int {
	switch {
	case strings.HasPrefix(key, KeyPrefixRegistrant), strings.HasPrefix(key, KeyPrefixUser), strings.HasPrefix(key, KeyPrefixEmail):
		return 3
	case strings.HasPrefix(key, KeyPrefixListed):
		return 2
	case strings.HasPrefix(key, KeyPrefixName):
		return 1
	}
	return 0
}

// NamedKey is a person key with the name shown for it.
type NamedKey struct{ Key, Name string }

// NameTwins suggests links between people of one series (keys already
// resolved through the links) that share a normalized name under
// different keys: each weaker key into the strongest one of that name.
// Anonymous keys and dismissed pairs are left out; where is put in Why.
func NameTwins(people []NamedKey, where string, dismissed map[string]bool) []Suggestion {
	byName := map[string][]NamedKey{}
	for _, p := range people {
		if strings.HasPrefix(p.Key, KeyPrefixAnonymous) {
			continue
		}
		if n := NormalizeName(p.Name); n != "" && !slices.ContainsFunc(byName[n], func(q NamedKey) bool { return q.Key == p.Key }) {
			byName[n] = append(byName[n], p)
		}
	}
	var out []Suggestion
	for _, ps := range byName {
		if len(ps) < 2 {
			continue
		}
		slices.SortFunc(ps, func(a, b NamedKey) int {
			if c := cmp.Compare(keyStrength(b.Key), keyStrength(a.Key)); c != 0 {
				return c
			}
			return cmp.Compare(a.Key, b.Key)
		})
		into := ps[0]
		for _, p := range ps[1:] {
			if dismissed[pairKey(p.Key, into.Key)] {
				continue
			}
			out = append(out, Suggestion{From: p.Key, Into: into.Key, FromName: p.Name, IntoName: into.Name,
				Why: "the same name in " + where})
		}
	}
	sortSuggestions(out)
	return out
}

// RollLoader loads RollInputs for many meetings, reading the identity
// links and dismissed suggestions once and each series' roster once:
// exports and series pages use one per request.
type RollLoader struct {
	s         *Store
	loaded    bool
	ids       PersonLinks
	dismissed map[string]bool
	rosters   map[int64][]RosterEntry
}

// NewRollLoader returns a loader over s.
func (s *Store) NewRollLoader() *RollLoader {
	return &RollLoader{s: s, rosters: map[int64][]RosterEntry{}}
}

// PersonLinks returns the identity links, read on first use.
func (l *RollLoader) PersonLinks(ctx context.Context) (PersonLinks, error) {
	if !l.loaded {
		ids, err := l.s.PersonLinks(ctx)
		if err != nil {
			return PersonLinks{}, err
		}
		dismissed, err := l.s.Dismissed(ctx)
		if err != nil {
			return PersonLinks{}, err
		}
		l.ids, l.dismissed, l.loaded = ids, dismissed, true
	}
	return l.ids, nil
}

// Inputs returns the RollInput of each of ms, by meeting id.
func (l *RollLoader) Inputs(ctx context.Context, ms []Meeting) (map[uint64]RollInput, error) {
	ids, err := l.PersonLinks(ctx)
	if err != nil {
		return nil, err
	}
	mids := make([]uint64, len(ms))
	for i, m := range ms {
		mids[i] = m.ID
	}
	regs, err := l.s.Registrants(ctx, mids)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]RollInput, len(ms))
	for _, m := range ms {
		roster, ok := l.rosters[m.MeetingNumber]
		if !ok && m.MeetingNumber != 0 {
			if roster, err = l.s.Roster(ctx, m.MeetingNumber); err != nil {
				return nil, err
			}
			l.rosters[m.MeetingNumber] = roster
		}
		out[m.ID] = RollInput{Links: ids, Expected: ExpectedAt(roster, regs[m.ID]), Dismissed: l.dismissed}
	}
	return out, nil
}

// Roll builds meeting m's roll from segs at now under th.
func (l *RollLoader) Roll(ctx context.Context, m Meeting, segs []Segment, now time.Time, th Thresholds) (Roll, error) {
	ins, err := l.Inputs(ctx, []Meeting{m})
	if err != nil {
		return Roll{}, err
	}
	return BuildRoll(m, segs, now, th, ins[m.ID]), nil
}

// RollInputsFor loads the RollInput of each of ms, by meeting id.
func (s *Store) RollInputsFor(ctx context.Context, ms []Meeting) (map[uint64]RollInput, error) {
	return s.NewRollLoader().Inputs(ctx, ms)
}

// MeetingRoll loads meeting m's RollInput and builds its roll from segs.
func (s *Store) MeetingRoll(ctx context.Context, m Meeting, segs []Segment, now time.Time, th Thresholds) (Roll, error) {
	return s.NewRollLoader().Roll(ctx, m, segs, now, th)
}

// BuildRolledSeries is the matrix of series number: each instance of ms
// (in column order) from its segments (segs by meeting id) as its roll
// under ins (by meeting id: identity links, expected people), at now
// under th. The series page and the API's series share it.
func BuildRolledSeries(number int64, ms []Meeting, segs map[uint64][]Segment, ins map[uint64]RollInput, now time.Time, th Thresholds) Series {
	b := NewSeriesBuilder(number, ms, now, th)
	for i, m := range ms {
		b.AddRoll(i, BuildRoll(m, segs[m.ID], now, th, ins[m.ID]))
	}
	return b.Series()
}
