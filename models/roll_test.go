package models

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rollMeeting is the test meeting: 09:00–10:00 on attT0's day.
var rollMeeting = Meeting{ID: 7, MeetingNumber: 42, StartTime: attT0, EndTime: attAtp(time.Hour)}

// links returns the identities of from→into pairs.
func links(pairs ...string) PersonLinks {
	var ls []IdentityLink
	for i := 0; i+1 < len(pairs); i += 2 {
		ls = append(ls, IdentityLink{FromKey: pairs[i], IntoKey: pairs[i+1]})
	}
	return NewPersonLinks(ls)
}

// rowsByKey indexes a roll's attendees by key, failing on duplicates.
func rowsByKey(t *testing.T, rows []RollRow) map[string]RollRow {
	t.Helper()
	m := map[string]RollRow{}
	for _, r := range rows {
		require.NotContains(t, m, r.Key, "duplicate person")
		m[r.Key] = r
	}
	return m
}

// TestLinkedDevicesCountOnce checks the attendance rules with identity
// links against numbers computed by hand: a linked person's segments are
// one person's, clipped to the window, overlaps counted once.
func TestLinkedDevicesCountOnce(t *testing.T) {
	m, th := rollMeeting, DefaultThresholds() // 75 %, late/early 5 min
	tests := []struct {
		name     string
		segs     []Segment
		ids      PersonLinks
		key      string
		secs     int64
		percent  float64 // rounded, as shown
		sessions int
		status   string
		late     bool
		early    bool
		keys     []string
	}{
		{
			// Laptop 08:50–09:30 counts from 09:00 (30 min); phone
			// 09:20–10:10 counts to 10:00 (40 min); their union is the
			// whole hour, not 70 minutes.
			name: "two devices spanning the window",
			segs: []Segment{attSeg("n:ann", -10*time.Minute, 30*time.Minute), attSeg("e:ann@example.com", 20*time.Minute, 70*time.Minute)},
			ids:  links("n:ann", "e:ann@example.com"),
			key:  "e:ann@example.com", secs: 3600, percent: 100, sessions: 2, status: RollPresent,
			keys: []string{"e:ann@example.com", "n:ann"},
		},
		{
			// 09:10–09:40 and 09:20–09:30: the phone adds nothing.
			name: "a device inside another",
			segs: []Segment{attSeg("u:1", 10*time.Minute, 40*time.Minute), attSeg("n:bo", 20*time.Minute, 30*time.Minute)},
			ids:  links("n:bo", "u:1"),
			key:  "u:1", secs: 1800, percent: 50, sessions: 2, status: RollPartial, late: true, early: true,
			keys: []string{"u:1", "n:bo"},
		},
		{
			// A chain n:x → u:9 → e:x. 09:00–09:10 ∪ 09:05–09:15 is 15
			// min, 09:50–10:00 is 10: 1500 s, 41.7 %.
			name: "a chain of links",
			segs: []Segment{attSeg("n:x", 0, 10*time.Minute), attSeg("u:9", 5*time.Minute, 15*time.Minute), attSeg("e:x", 50*time.Minute, 60*time.Minute)},
			ids:  links("n:x", "u:9", "u:9", "e:x"),
			key:  "e:x", secs: 1500, percent: 41.7, sessions: 3, status: RollPartial,
			keys: []string{"e:x", "n:x", "u:9"},
		},
		{
			// The waiting room (08:55–09:00, as n:cy) is no time; 09:00–09:45
			// as e:cy is 2700 s, exactly 75 %: present, and left early.
			name: "waiting room of a linked key",
			segs: []Segment{attWaiting("n:cy", -5*time.Minute, 0), attSeg("e:cy", 0, 45*time.Minute)},
			ids:  links("n:cy", "e:cy"),
			key:  "e:cy", secs: 2700, percent: 75, sessions: 1, status: RollPresent, early: true,
			keys: []string{"e:cy", "n:cy"},
		},
		{
			// The same segments with no link: two people, as before.
			name: "no link, two people",
			segs: []Segment{attSeg("n:ann", -10*time.Minute, 30*time.Minute), attSeg("e:ann@example.com", 20*time.Minute, 70*time.Minute)},
			key:  "n:ann", secs: 1800, percent: 50, sessions: 1, status: RollPartial, early: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			roll := BuildRoll(m, tc.segs, attAt(2*time.Hour), th, RollInput{Links: tc.ids})
			r, ok := rowsByKey(t, roll.People)[tc.key]
			require.True(t, ok, "row %s", tc.key)
			assert.Equal(t, tc.secs, r.AttendedSeconds)
			assert.Equal(t, tc.percent, r.PercentRounded())
			assert.Equal(t, tc.sessions, r.Sessions)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, tc.late, r.Late, "late")
			assert.Equal(t, tc.early, r.LeftEarly, "left early")
			assert.Equal(t, tc.keys, r.Keys)
			if tc.ids.Linked() {
				assert.Len(t, roll.People, 1, "one row for the linked person")
			} else {
				assert.Len(t, roll.People, 2)
			}
			assert.False(t, roll.HasExpected)
		})
	}
	// The stored segments are never changed by applying links.
	segs := []Segment{attSeg("n:ann", 0, time.Minute)}
	BuildRoll(m, segs, attAt(2*time.Hour), th, RollInput{Links: links("n:ann", "e:ann")})
	assert.Equal(t, "n:ann", segs[0].PersonKey)
}

func TestRollMatchesExpectedPeople(t *testing.T) {
	m, th := rollMeeting, DefaultThresholds()
	withEmail := func(s Segment, email string) Segment { s.Email = email; return s }
	withRID := func(s Segment, rid string) Segment { s.RegistrantID = rid; return s }
	named := func(s Segment, name string) Segment { s.Name = name; return s }
	segs := []Segment{
		withEmail(attSeg("u:100", 0, time.Hour), "Ann@Example.com"),                           // roster by email
		withRID(attSeg("r:reg-7", 0, 30*time.Minute), "reg-7"),                                // registrant only
		named(attSeg("n:bob stone", 0, time.Hour), "bob  Stone"),                              // a name like a roster entry's
		named(attSeg("n:bobby stone", 0, time.Hour), "Bobby Stone"),                           // a similar name: nothing
		named(attWaiting("n:walk in", 0, time.Hour), "Walk In"),                               // waiting room only, unexpected
		named(attSeg("n:cy", 0, time.Hour), "Cy"), named(attSeg("u:cy2", 0, time.Hour), "Cy"), // two of one name
	}
	roster := []RosterEntry{
		{Line: 2, Email: "ann@example.com", Name: "Ann", Group: "A"},
		{Line: 3, Name: "Bob Stone"},
		{Line: 4, Name: "Cy"},
		{Line: 5, Email: "dee@example.com", Name: "Dee"},
	}
	regs := []Registrant{
		{RegistrantID: "reg-7", Email: "reg7@example.com", Name: "Reg Seven"},
		{RegistrantID: "reg-8", Email: "dee@example.com", Name: "Dee D"}, // also on the roster
	}
	in := RollInput{Expected: ExpectedAt(roster, regs)}
	roll := BuildRoll(m, segs, attAt(2*time.Hour), th, in)
	require.True(t, roll.HasExpected)
	people := rowsByKey(t, roll.People)

	assert.True(t, people["u:100"].Expected)
	assert.Equal(t, "roster (A)", people["u:100"].Reason)
	assert.Equal(t, RollPresent, people["u:100"].Status)
	assert.True(t, people["r:reg-7"].Expected)
	assert.Equal(t, "registered", people["r:reg-7"].Reason)
	assert.Equal(t, RollPartial, people["r:reg-7"].Status)
	assert.False(t, people["n:bob stone"].Expected, "a name alone never matches")
	assert.False(t, people["n:bobby stone"].Expected)
	assert.Equal(t, RollWaitingRoomOnly, people["n:walk in"].Status)
	assert.False(t, people["n:walk in"].Expected)

	var absent []string
	for _, a := range roll.Absent {
		absent = append(absent, a.Key+" "+a.Reason)
		assert.Equal(t, RollAbsent, a.Status)
		assert.Zero(t, a.AttendedSeconds)
		assert.Zero(t, a.Sessions)
		assert.False(t, a.Present)
	}
	assert.Equal(t, []string{"l:bob stone roster", "l:cy roster", "r:reg-8 roster, registered"}, absent)

	// Bob Stone's name is unique on both sides: a suggestion. Cy's is
	// not (two attendees): none. Bobby is never suggested.
	require.Len(t, roll.Suggestions, 1)
	assert.Equal(t, Suggestion{From: "n:bob stone", Into: "l:bob stone", FromName: "bob  Stone", IntoName: "Bob Stone",
		Why: "the name of an expected person (roster)"}, roll.Suggestions[0])

	// Dismissed: not offered again.
	in.Dismissed = map[string]bool{pairKey("n:bob stone", "l:bob stone"): true}
	assert.Empty(t, BuildRoll(m, segs, attAt(2*time.Hour), th, in).Suggestions)

	// Confirmed (a link): Bob Stone came, one row, no longer absent.
	in.Links = links("n:bob stone", "l:bob stone")
	roll = BuildRoll(m, segs, attAt(2*time.Hour), th, in)
	people = rowsByKey(t, roll.People)
	assert.True(t, people["l:bob stone"].Expected)
	assert.Equal(t, []string{"l:bob stone", "n:bob stone"}, people["l:bob stone"].Keys)
	assert.Len(t, roll.Absent, 2)
	assert.Len(t, roll.Rows(), len(segs)+2, "every attendee (one a person here), then the absentees")
	assert.Equal(t, RollAbsent, roll.Rows()[len(segs)].Status)
}

func TestNameTwins(t *testing.T) {
	people := []NamedKey{{"n:ann lee", "Ann Lee"}, {"e:ann@example.com", "ann lee"}, {"u:5", "ANN LEE"},
		{"n:ann lee", "Ann Lee"}, {"n:solo", "Solo"}, {"a:uuid:1", "Ann Lee"}}
	got := NameTwins(people, "the series Weekly", nil)
	require.Len(t, got, 2)
	assert.Equal(t, "e:ann@example.com", got[0].Into, "into the strongest key, the first of them by key")
	assert.ElementsMatch(t, []string{"n:ann lee", "u:5"}, []string{got[0].From, got[1].From})
	got = NameTwins(people, "x", map[string]bool{pairKey("u:5", "e:ann@example.com"): true})
	require.Len(t, got, 1)
	assert.Equal(t, "n:ann lee", got[0].From)
}

func TestIdentitiesResolveAndGroup(t *testing.T) {
	ids := links("a", "b", "b", "c", "d", "c")
	assert.Equal(t, "c", ids.Resolve("a"))
	assert.Equal(t, "c", ids.Resolve("c"))
	assert.Equal(t, "z", ids.Resolve("z"))
	assert.Equal(t, []string{"a", "b", "c", "d"}, ids.Group("b"))
	assert.Equal(t, []string{"z"}, ids.Group("z"))
	// A cycle (refused by Store.Link) cannot hang Resolve.
	cyc := links("x", "y", "y", "x")
	assert.Contains(t, []string{"x", "y"}, cyc.Resolve("x"))
}
