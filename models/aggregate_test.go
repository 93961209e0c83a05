package models

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMinutesRoundsToNearestTenth(t *testing.T) {
	for _, tc := range []struct {
		secs int64
		want float64
	}{
		{0, 0}, {2, 0}, {3, 0.1}, {59, 1.0}, {86, 1.4}, {87, 1.5}, {114, 1.9}, {117, 2.0}, {119, 2.0}, {3600, 60}, {5400, 90},
	} {
		assert.Equal(t, tc.want, Minutes(tc.secs), "%d s", tc.secs)
		assert.Equal(t, tc.want, Attendance{AttendedSeconds: tc.secs}.AttendedMinutes(), "%d s", tc.secs)
		assert.Equal(t, tc.want, Totals{Seconds: tc.secs}.Minutes(), "%d s", tc.secs)
		assert.Equal(t, tc.want, SeriesCell{Seconds: tc.secs}.Minutes(), "%d s", tc.secs)
	}
}

func TestMeetingWindow(t *testing.T) {
	now := attAt(20 * time.Minute)
	t.Run("ended: start to end", func(t *testing.T) {
		w := Meeting{StartTime: attT0, EndTime: attAtp(time.Hour)}.Window(now)
		assert.Equal(t, attT0, w.Start)
		assert.Equal(t, attAt(time.Hour), w.Until())
		assert.False(t, w.Live())
	})
	t.Run("no end yet: live until now", func(t *testing.T) {
		m := Meeting{StartTime: attT0}
		w := m.Window(now)
		assert.Equal(t, now, w.Until())
		assert.True(t, w.Live())
		as := MeetingAttendance(m, []Segment{attSeg("a", 5*time.Minute, attNoLeave)}, now, DefaultThresholds())
		require.Len(t, as, 1)
		assert.Equal(t, int64(15*60), as[0].AttendedSeconds, "counted up to now")
		assert.False(t, as[0].LeftEarly, "still in a live meeting")
	})
}

// TestMeetingWindowFallsBackToTheAPI: the window is the webhook's start and
// end; where the payload lacked one, the API's past-meeting details fill it.
func TestMeetingWindowFallsBackToTheAPI(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	apiStart, apiEnd := attAt(-2*time.Minute), attAt(50*time.Minute)
	now := attAt(3 * time.Hour)
	hookEnd := attAt(time.Hour)
	for _, tc := range []struct {
		name               string
		start              time.Time
		end                *time.Time
		wantStart, wantEnd time.Time
	}{
		{"payload has both", attT0, &hookEnd, attT0, hookEnd},
		{"payload lacks the end", attT0, nil, attT0, apiEnd},
		{"payload lacks the start", time.Time{}, &hookEnd, apiStart, hookEnd},
		{"payload lacks both", time.Time{}, nil, apiStart, apiEnd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "w-" + tc.name, MeetingNumber: 9, StartTime: tc.start, EndTime: tc.end})
			require.NoError(t, err)
			require.NoError(t, s.FillMeetingDetails(ctx, m.ID, MeetingDetails{StartTime: apiStart, EndTime: apiEnd}))
			m, err = s.Meeting(ctx, m.ID)
			require.NoError(t, err)
			w := m.Window(now)
			assert.True(t, tc.wantStart.Equal(w.Start), "start %s", w.Start)
			assert.True(t, tc.wantEnd.Equal(w.Until()), "end %s", w.Until())
			assert.False(t, w.Live())
		})
	}
}

func TestAttendanceFacts(t *testing.T) {
	s1 := attSeg("u:1", 0, 10*time.Minute)
	s1.Device, s1.Location, s1.Role, s1.ParticipantID = " Mac ", "Berlin", "host", "pid-1"
	s2 := attSeg("u:1", time.Minute, 20*time.Minute)
	s2.Device, s2.Role, s2.RegistrantID, s2.ParticipantUserID = "Mac", "host", " reg-9 ", "puid-2"
	s3 := attWaiting("u:1", 2*time.Minute, 3*time.Minute)
	s3.Device, s3.Location, s3.Role = "Android", "Paris", "attendee"
	s4 := attSeg("u:1", 3*time.Minute, 30*time.Minute)
	s4.Device, s4.Location, s4.Role = "iPhone", "Berlin ", "co-host"
	as := ComputeAttendance([]Segment{s4, s3, s2, s1}, attHour(), DefaultThresholds())
	require.Len(t, as, 1)
	assert.Equal(t, Facts{
		Devices:      []string{"Mac", "iPhone"},
		Locations:    []string{"Berlin"},
		Roles:        []string{"host", "co-host"},
		RegistrantID: "reg-9",
		UserID:       "pid-1", // the first segment's: participant_user_id is empty there
	}, as[0].Facts())
	assert.Equal(t, Facts{}, Attendance{}.Facts())
}

// seriesFixture is three weekly instances of meeting 42: ann attends the
// first and third, bob (later "Robert") the first two, carl only waits in
// the third.
func seriesFixture() ([]Meeting, map[uint64][]Segment) {
	week := 7 * 24 * time.Hour
	ms := []Meeting{
		{ID: 1, MeetingNumber: 42, Topic: "Weekly", StartTime: attT0, EndTime: attAtp(time.Hour)},
		{ID: 2, MeetingNumber: 42, Topic: "Weekly sync", StartTime: attAt(week), EndTime: attAtp(week + time.Hour)},
		{ID: 3, MeetingNumber: 42, StartTime: attAt(2 * week), EndTime: attAtp(2*week + time.Hour)},
	}
	seg := func(m int, key, name, email string, join, leave time.Duration, waiting bool) Segment {
		s := Segment{PersonKey: key, Name: name, Email: email, Status: "in_meeting",
			JoinTime: ms[m].StartTime.Add(join), LeaveTime: new(ms[m].StartTime.Add(leave))}
		if waiting {
			s.Status = StatusWaitingRoom
		}
		return s
	}
	segs := map[uint64][]Segment{
		1: {
			seg(0, "e:ann", "ann", "ann@example.com", 0, time.Hour, false),
			seg(0, "e:bob", "Bob", "bob@example.com", 0, 119*time.Second, false),
		},
		2: {seg(1, "e:bob", "Robert", "", 0, 45*time.Minute, false)},
		3: {
			seg(2, "e:ann", "ann", "", 0, 30*time.Minute, false),
			seg(2, "e:carl", "carl", "", 0, 5*time.Minute, true),
		},
	}
	return ms, segs
}

func TestBuildSeries(t *testing.T) {
	ms, segs := seriesFixture()
	sr := BuildSeries(42, ms, segs, attAt(100*24*time.Hour), DefaultThresholds())
	assert.Equal(t, "Weekly sync", sr.Topic, "the latest non-empty topic")
	assert.Equal(t, ms, sr.Instances)
	require.Len(t, sr.People, 3)
	ann, carl, bob := sr.People[0], sr.People[1], sr.People[2]
	assert.Equal(t, []string{"e:ann", "e:carl", "e:bob"}, []string{ann.Key, carl.Key, bob.Key}, "by name, case-insensitive")

	// ann: 60 min (100 %), missing, 30 min (50 %).
	assert.Equal(t, "ann@example.com", ann.Email, "the latest non-empty email")
	assert.Equal(t, []SeriesCell{
		{Attended: true, Seconds: 3600, Percent: 100, Present: true},
		{},
		{Attended: true, Seconds: 1800, Percent: 50},
	}, ann.Cells)
	assert.Equal(t, 3, ann.Totals.Instances)
	assert.Equal(t, 2, ann.Totals.Attended)
	assert.Equal(t, 1, ann.Totals.Present)
	assert.Equal(t, int64(5400), ann.Totals.Seconds)
	assert.Equal(t, 90.0, ann.Totals.Minutes())
	assert.Equal(t, 50.0, ann.Totals.AveragePercent(), "(100 + 0 + 50) / 3: a missed instance counts 0")

	// bob: 119 s, 45 min (75 %), missing; his latest name wins.
	assert.Equal(t, "Robert", bob.Name)
	assert.Equal(t, "bob@example.com", bob.Email)
	assert.False(t, bob.Cells[2].Attended)
	assert.Equal(t, 2.0, bob.Cells[0].Minutes(), "119 s is 2.0 min")
	assert.Equal(t, 3.3, bob.Cells[0].PercentRounded())
	assert.True(t, bob.Cells[1].Present, "75 % is present")
	assert.Equal(t, int64(119+2700), bob.Totals.Seconds)
	assert.Equal(t, 47.0, bob.Totals.Minutes(), "2819 s is 46.98 min")
	assert.InDelta(t, (119.0/36+75)/3, bob.Totals.AveragePercent(), 1e-9)

	// carl only waited: a row with 0 s, not present.
	assert.Equal(t, SeriesCell{Attended: true}, carl.Cells[2])
	assert.Equal(t, Totals{Instances: 3, Attended: 1}, carl.Totals)

	// One instance at a time gives the same matrix.
	b := NewSeriesBuilder(42, ms, attAt(100*24*time.Hour), DefaultThresholds())
	for i := range ms {
		b.Add(i, segs[ms[i].ID])
	}
	assert.Equal(t, sr, b.Series())
}

func TestBuildSeriesTopicFallsBackToTheNumber(t *testing.T) {
	ms := []Meeting{{ID: 1, MeetingNumber: 42, StartTime: attT0, EndTime: attAtp(time.Hour)}}
	sr := BuildSeries(42, ms, nil, attT0, DefaultThresholds())
	assert.Equal(t, "Meeting 42", sr.Topic)
	assert.Empty(t, sr.People)
}

func TestBuildPersonHistory(t *testing.T) {
	week := 7 * 24 * time.Hour
	older := Meeting{ID: 1, StartTime: attT0, EndTime: attAtp(time.Hour)}
	newer := Meeting{ID: 2, StartTime: attAt(week), EndTime: attAtp(week + time.Hour)}
	none := Meeting{ID: 3, StartTime: attAt(-week), EndTime: attAtp(-week + time.Hour)}
	in := func(m Meeting, name, email string, secs int) Segment {
		return Segment{PersonKey: "e:ann", Name: name, Email: email, Status: "in_meeting",
			JoinTime: m.StartTime, LeaveTime: new(m.StartTime.Add(time.Duration(secs) * time.Second))}
	}
	h := BuildPersonHistory("e:ann", []PersonMeeting{
		{Meeting: newer, Segments: []Segment{in(newer, "Ann B.", "", 60)}},
		{Meeting: older, Segments: []Segment{in(older, "Ann", "ann@example.com", 59)}},
		{Meeting: none},
	}, attAt(100*24*time.Hour), DefaultThresholds())
	assert.Equal(t, "e:ann", h.Key)
	assert.Equal(t, "Ann B.", h.Name, "the latest meeting's name")
	assert.Equal(t, "ann@example.com", h.Email, "the latest non-empty email")
	require.Len(t, h.Meetings, 2, "a meeting without her segments is skipped")
	assert.Equal(t, newer, h.Meetings[0].Meeting)
	assert.Equal(t, int64(59), h.Meetings[1].Attendance.AttendedSeconds)
	assert.Equal(t, []int{2, 2, 0}, []int{h.Totals.Instances, h.Totals.Attended, h.Totals.Present})
	assert.Equal(t, int64(119), h.Totals.Seconds)
	assert.InDelta(t, (60.0+59.0)/36/2, h.Totals.AveragePercent(), 1e-9)
	assert.Equal(t, 2.0, h.Totals.Minutes(), "119 s is 2.0 min, as on the series page")
}
