package zoomtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a := Generate(GenOptions{Participants: 500, Seed: 99})
	b := Generate(GenOptions{Participants: 500, Seed: 99})
	c := Generate(GenOptions{Participants: 500, Seed: 100})
	assert.Equal(t, a, b)
	assert.NotEqual(t, a.UUID, c.UUID)
	assert.NotEqual(t, a.Participants, c.Participants)
}

func TestGenerateRowCounts(t *testing.T) {
	for _, n := range []int{1, 2, 7, 300, 301, 10_000} {
		m := Generate(GenOptions{Participants: n, Seed: int64(n)})
		assert.Len(t, m.Participants, n)
		assert.Equal(t, "host", m.Participants[0].Role, "the host joins first")
	}
	assert.Len(t, Generate(GenOptions{}).Participants, 25)
	assert.Len(t, Generate(GenOptions{Participants: 20_000}).Participants, 10_000)
}

// TestGenerateIsRealistic checks a large meeting has every trap the
// generator promises.
func TestGenerateIsRealistic(t *testing.T) {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	m := Generate(GenOptions{Participants: 3000, Seed: 1, Start: start, Length: 90 * time.Minute})
	assert.Equal(t, start, m.Start)
	assert.Equal(t, start.Add(90*time.Minute), m.End)
	assert.GreaterOrEqual(t, m.ID, int64(10_000_000_000), "11-digit meeting number")

	type key struct{ userID, registrant, email, name string }
	segments := map[key][]Participant{}
	var (
		waiting, waitingOnly, noLeave, guests, registrants, members, html, script, br, nfd, cjk, emoji int
		overlapping, rejoins                                                                           int
	)
	userIDs := map[string]bool{}
	for i, p := range m.Participants {
		assert.False(t, userIDs[p.UserID], "user_id %s unique per row", p.UserID)
		userIDs[p.UserID] = true
		if i > 0 {
			assert.False(t, p.Join.Before(m.Participants[i-1].Join), "rows sorted by join time")
		}
		assert.Equal(t, p.Join, p.Join.Truncate(time.Second))
		if p.Leave != nil {
			assert.False(t, p.Leave.Before(p.Join), "row %d leaves (%s) before it joins (%s)", i, p.Leave, p.Join)
		}
		switch {
		case p.Status == "in_waiting_room":
			waiting++
			if strings.Contains(p.LeaveReason, "Removed by host from waiting room") {
				waitingOnly++
			}
		case p.Leave == nil:
			noLeave++
		}
		switch {
		case p.RegistrantID != "":
			registrants++
		case p.ParticipantUserID != "":
			members++
		case p.Email == "":
			guests++
		}
		html += b2i(strings.Contains(p.Name, "<b>"))
		script += b2i(strings.Contains(p.Name, "<script>") && strings.Contains(p.LeaveReason, "<script>"))
		br += b2i(strings.Contains(p.LeaveReason, "<br>Reason: "))
		nfd += b2i(!norm.NFC.IsNormalString(p.Name))
		cjk += b2i(strings.Contains(p.Name, "山田"))
		emoji += b2i(strings.Contains(p.Name, "🎉"))
		if p.Status != "in_waiting_room" {
			k := key{p.ParticipantUserID, p.RegistrantID, p.Email, p.Name}
			segments[k] = append(segments[k], p)
		}
	}
	for k, segs := range segments {
		if k.userID == "" && k.registrant == "" {
			continue // guests may share a name
		}
		if len(segs) > 1 {
			rejoins++
		}
		for i := range segs {
			for j := i + 1; j < len(segs); j++ {
				a, b := segs[i], segs[j]
				if a.Leave != nil && b.Join.Before(*a.Leave) && b.Device == "Phone" {
					overlapping++
				}
			}
		}
	}
	for name, n := range map[string]int{
		"waiting-room rows": waiting, "never admitted": waitingOnly, "missing leave": noLeave,
		"guests": guests, "registrants": registrants, "members": members, "HTML names": html,
		"script names and reasons": script, "<br> reasons": br, "NFD names": nfd, "CJK": cjk,
		"emoji": emoji, "rejoins": rejoins, "two devices at once": overlapping,
	} {
		assert.Positive(t, n, name)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestUUIDShapes(t *testing.T) {
	var slash, leading, double, plus int
	for seed := range uint64(2000) {
		u := UUID(seed)
		require.Len(t, u, 24)
		require.True(t, strings.HasSuffix(u, "=="))
		slash += b2i(strings.Contains(u, "/"))
		leading += b2i(strings.HasPrefix(u, "/"))
		double += b2i(strings.Contains(u, "//"))
		plus += b2i(strings.Contains(u, "+"))
	}
	assert.Positive(t, slash)
	assert.Positive(t, leading)
	assert.Positive(t, double)
	assert.Positive(t, plus)
	assert.Equal(t, UUID(7), UUID(7))
}

// TestAllFieldsKeepsTheOtherFields: AllFields draws from its own stream, so
// a meeting generated with it differs only in the added fields (and
// panelist roles of webinars).
func TestAllFieldsKeepsTheOtherFields(t *testing.T) {
	for _, webinar := range []bool{false, true} {
		plain := Generate(GenOptions{Participants: 300, Seed: 5, Webinar: webinar})
		full := Generate(GenOptions{Participants: 300, Seed: 5, Webinar: webinar, AllFields: true})
		require.Len(t, full.Participants, len(plain.Participants))
		full.Participants, plain.Participants = nil, nil
		assert.Equal(t, plain, full)
	}
	plain := Generate(GenOptions{Participants: 300, Seed: 5})
	full := Generate(GenOptions{Participants: 300, Seed: 5, AllFields: true})
	for i, p := range full.Participants {
		q := plain.Participants[i]
		assert.Equal(t, q.UserID, p.UserID)
		assert.Equal(t, q.Name, p.Name)
		assert.Equal(t, q.Join, p.Join)
		assert.Equal(t, q.Leave, p.Leave)
		assert.Equal(t, q.Device, p.Device)
		assert.Equal(t, q.IPAddress, p.IPAddress)
		assert.Equal(t, q.LeaveReason, p.LeaveReason)
		assert.Equal(t, string(q.ReportJSON(true)), string(p.ReportJSON(true)), "the Report row has no device data")
	}
	// Without AllFields the Dashboard row is what it always was.
	assert.NotContains(t, string(plain.Participants[1].DashboardJSON(true)), "optional_archiving")
}

func TestWebinarDashboardRowFollowsTheSpec(t *testing.T) {
	w := Generate(GenOptions{Participants: 200, Seed: 6, Webinar: true, AllFields: true})
	var panelists int
	for _, p := range w.Participants {
		row := string(p.DashboardWebinarJSON(true))
		for _, k := range []string{`"status"`, `"camera"`, `"in_room_participants"`, `"groupId"`, `"total_jointime_cost"`, `"aic_disclaimer"`} {
			assert.NotContains(t, row, k)
		}
		if p.Role == "panelist" {
			panelists++
		}
	}
	assert.Positive(t, panelists)
}

// TestGeneratedWebinarsHaveNoWaitingRoom: a webinar's dashboard rows carry no
// status, so the generator never puts a webinar attendee in a waiting room.
func TestGeneratedWebinarsHaveNoWaitingRoom(t *testing.T) {
	for seed := range int64(5) {
		w := Generate(GenOptions{Participants: 500, Seed: seed, Webinar: true})
		for _, p := range w.Participants {
			require.NotEqual(t, "in_waiting_room", p.Status, "seed %d: %s", seed, p.Name)
			if p.Leave != nil {
				require.False(t, p.Leave.Before(p.Join), "seed %d: %s leaves before joining", seed, p.Name)
			}
		}
	}
}
