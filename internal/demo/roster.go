package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"rollcall/models"
	"rollcall/zoom/zoomtest"
)

// The weekly team sync has a roster, so its pages show who was absent.
// Beside regular attendees it lists:
//   - two people who never come (absent at every instance);
//   - a guest by name alone, who joins the latest instance without an
//     email: a suggestion to confirm, never a match by itself;
//
// and Zoom has two registrants: one who joins the latest instance as a
// guest with only her registrant id (matched by it, though on no roster),
// and one who never comes.
const (
	demoGuestName       = "Sam Okafor"
	demoRegistrantName  = "Rita Alvarez"
	demoRegistrantID    = "demo-registrant-rita"
	demoNoShowID        = "demo-registrant-nadia"
	demoRosterRegulars  = 10
	demoRosterAbsentees = "priya.raman@example.com;Priya Raman;Platform\r\ntom.becker@example.com;Tom Becker;Design\r\n"
)

// addRosterGuests adds to the latest weekly instance m the guest the
// roster names and the registrant who is on no roster.
func addRosterGuests(m *zoomtest.Meeting) {
	join := m.Start.Add(3 * time.Minute)
	leave := m.End.Add(-2 * time.Minute)
	m.Participants = append(m.Participants,
		zoomtest.Participant{UserID: "16999001", ParticipantUUID: "DE120000-0000-4000-8000-000000000001", Name: demoGuestName,
			Join: join, Leave: &leave, Device: "Web", LeaveReason: demoGuestName + " left the meeting."},
		zoomtest.Participant{UserID: "16999002", ParticipantUUID: "DE120000-0000-4000-8000-000000000002", Name: demoRegistrantName,
			RegistrantID: demoRegistrantID, Join: join.Add(time.Minute), Leave: &leave, Device: "iOS"},
	)
}

// addNoShowRegistrant makes Zoom list a registrant who never comes.
func addNoShowRegistrant(fake *zoomtest.Server) {
	fake.AddRegistrant(demoSeriesNumber, zoomtest.Registrant{ID: demoNoShowID, Email: "nadia.petrova@example.com",
		FirstName: "Nadia", LastName: "Petrova"})
}

// demoRosterCSV is the roster file of the weekly series: the first
// demoRosterRegulars attendees with an email (by email), the absentees and
// the guest by name, with a group column, semicolon separated as many
// spreadsheets export it.
func demoRosterCSV(weekly []zoomtest.Meeting) string {
	var emails []string
	names := map[string]string{}
	for _, m := range weekly {
		for _, p := range m.Participants {
			e := strings.ToLower(strings.TrimSpace(p.Email))
			if e != "" && p.RegistrantID == "" && !slices.Contains(emails, e) {
				emails = append(emails, e)
				names[e] = p.Name
			}
		}
	}
	slices.Sort(emails)
	var b strings.Builder
	b.WriteString("email;name;group\r\n")
	for i, e := range emails[:min(demoRosterRegulars, len(emails))] {
		fmt.Fprintf(&b, "%s;%s;Team %c\r\n", e, strings.NewReplacer(";", " ", "\"", "").Replace(names[e]), 'A'+rune(i%2))
	}
	b.WriteString(demoRosterAbsentees)
	b.WriteString(";" + demoGuestName + ";Guests\r\n")
	return b.String()
}

// setDemoRoster stores the weekly series' roster as an upload by the demo
// admin would.
func setDemoRoster(ctx context.Context, store *models.Store, weekly []zoomtest.Meeting, now time.Time) error {
	parsed, err := models.ParseRoster([]byte(demoRosterCSV(weekly)))
	if err != nil {
		return fmt.Errorf("demo: roster: %w", err)
	}
	return store.ReplaceRoster(ctx, demoSeriesNumber, parsed.Entries, models.RosterUpload{
		UploadedBy: demoEmail, UploadedAt: now, Refusals: strings.Join(parsed.Refusals, "\n"),
	})
}
