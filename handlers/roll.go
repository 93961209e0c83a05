package handlers

import (
	"rollcall/models"
	"rollcall/views"
)

// rollView lays out the expected side of meeting m's roll: absentees and
// suggestions.
func rollView(m models.Meeting, roll models.Roll) views.Roll {
	v := views.Roll{HasExpected: roll.HasExpected, Absent: make([]views.AbsentRow, len(roll.Absent)), BackURL: meetingURL(m.ID)}
	if m.MeetingNumber > 0 {
		v.RosterURL = rosterURL(m.MeetingNumber)
	}
	for i, a := range roll.Absent {
		name := a.Name
		if name == "" {
			name = "(no name)"
		}
		v.Absent[i] = views.AbsentRow{Key: a.Key, URL: personURL(a.Key), Name: name, Email: a.Email, Reason: a.Reason}
	}
	v.Suggestions = suggestionRows(roll.Suggestions)
	return v
}

// suggestionRows lays out suggestions.
func suggestionRows(ss []models.Suggestion) []views.SuggestionRow {
	out := make([]views.SuggestionRow, len(ss))
	for i, s := range ss {
		out[i] = views.SuggestionRow{From: s.From, Into: s.Into, FromName: orNoName(s.FromName), IntoName: orNoName(s.IntoName),
			Why: s.Why, FromURL: personURL(s.From), IntoURL: personURL(s.Into)}
	}
	return out
}

// orNoName is name, or "(no name)" when it is empty.
func orNoName(name string) string {
	if name == "" {
		return "(no name)"
	}
	return name
}
