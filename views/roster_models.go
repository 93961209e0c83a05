package views

import "strings"

// AbsentRow is one person expected at a meeting who matched nobody.
type AbsentRow struct {
	Key, URL, Name, Email, Reason string
}

// SuggestionRow is a name-only match an admin may confirm (link From into
// Into) or dismiss.
type SuggestionRow struct {
	From, Into, FromName, IntoName, Why string
	FromURL, IntoURL                    string
}

// Roll is what a meeting page shows of who was expected.
type Roll struct {
	// HasExpected: a roster or registrants exist for the meeting.
	HasExpected bool
	Absent      []AbsentRow
	// Suggestions are shown to admins, with forms.
	Suggestions []SuggestionRow
	CanReview   bool
	// RosterURL is the series' roster page; BackURL the meeting page.
	RosterURL, BackURL string
	// RegistrantNote says why the registrants are missing (Zoom refused).
	RegistrantNote string
}

// RosterPage shows and sets a series' roster.
type RosterPage struct {
	Page
	Number    int64
	Topic     string
	SeriesURL string
	CSVURL    string
	FormURL   string
	CanEdit   bool
	Entries   []RosterRow
	// Upload reports the last upload; nil when there was none.
	Upload  *RosterUploadReport
	Notice  string
	Problem string
}

// RosterRow is one roster entry.
type RosterRow struct {
	Line                           int
	Email, Name, ExternalID, Group string
}

// RosterUploadReport is the outcome of the last upload.
type RosterUploadReport struct {
	By       string
	At       Time
	Taken    int
	Replaced bool
	Refusals []string
}

// ReviewPage lists the suggested links for admins.
type ReviewPage struct {
	Page
	Suggestions []SuggestionRow
	Notice      string
	Problem     string
}

// LinkRow is one identity link shown on a person page.
type LinkRow struct {
	From, Into, FromURL, IntoURL string
	By                           string
	At                           Time
	UnmergeURL                   string
}

// MissedMeetingRow is an instance a person was expected at and missed.
type MissedMeetingRow struct {
	URL, Topic string
	Start      Time
	Reason     string
}

// Identity is what a person page shows of links and absences.
type Identity struct {
	// Keys are the person keys shown as this person (more than one when
	// linked).
	Keys     []string
	Links    []LinkRow
	Missed   []MissedMeetingRow
	CanEdit  bool
	MergeURL string
	Notice   string
	Problem  string
}

// joinKeys lists person keys for a line of text.
func joinKeys(keys []string) string { return strings.Join(keys, ", ") }
