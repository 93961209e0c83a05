package models

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom/zoomtest"
)

func TestLiveSegmentsPairing(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }
	ev := func(key, event string, min int, name string) ParticipantEvent {
		return ParticipantEvent{MeetingUUID: "m==", ParticipantKey: key, Event: event, EventTime: at(min),
			ParticipantUUID: strings.TrimPrefix(key, "p:"), Name: name}
	}
	const (
		join, leave         = "meeting.participant_joined", "meeting.participant_left"
		waitIn, admitted    = "meeting.participant_joined_waiting_room", "meeting.participant_admitted"
		breakIn, breakOut   = "meeting.participant_joined_breakout_room", "meeting.participant_left_breakout_room"
		webinarJ, webinarL  = "webinar.participant_joined", "webinar.participant_left"
		putIn, leftWaitRoom = "meeting.participant_put_in_waiting_room", "meeting.participant_left_waiting_room"
	)
	type seg struct {
		name        string
		join, leave int // minutes; leave -1 for none
		waiting     bool
	}
	tests := []struct {
		name string
		evs  []ParticipantEvent
		want []seg
	}{
		{"join then leave", []ParticipantEvent{ev("p:a", leave, 50, "Ann"), ev("p:a", join, 5, "Ann")},
			[]seg{{"Ann", 5, 50, false}}},
		{"still in", []ParticipantEvent{ev("p:a", join, 5, "Ann")}, []seg{{"Ann", 5, -1, false}}},
		{"a leave with no join is a segment from the start", []ParticipantEvent{ev("p:a", leave, 20, "Ann")},
			[]seg{{"Ann", 0, 20, false}}},
		{"a leave before its join: the join stays open", []ParticipantEvent{ev("p:a", join, 30, "Ann"), ev("p:a", leave, 20, "Ann")},
			[]seg{{"Ann", 0, 20, false}, {"Ann", 30, -1, false}}},
		{"two joins, two leaves: first in, first out", []ParticipantEvent{
			ev("n:ann", leave, 40, "Ann"), ev("n:ann", join, 10, "Ann"), ev("n:ann", leave, 30, "Ann"), ev("n:ann", join, 20, "Ann")},
			[]seg{{"Ann", 10, 30, false}, {"Ann", 20, 40, false}}},
		{"join and leave at one instant", []ParticipantEvent{ev("p:a", leave, 7, "Ann"), ev("p:a", join, 7, "Ann")},
			[]seg{{"Ann", 7, 7, false}}},
		{"waiting room then admitted", []ParticipantEvent{
			ev("p:w", admitted, 3, "Wen"), ev("p:w", waitIn, 1, "Wen"), ev("p:j", join, 3, "Wen"), ev("p:j", leave, 60, "Wen")},
			[]seg{{"Wen", 1, 3, true}, {"Wen", 3, 60, false}}},
		{"put back in the waiting room, still there", []ParticipantEvent{ev("p:w", putIn, 12, "Wen")}, []seg{{"Wen", 12, -1, true}}},
		{"left the waiting room", []ParticipantEvent{ev("p:w", waitIn, 2, "Wen"), ev("p:w", leftWaitRoom, 9, "Wen")},
			[]seg{{"Wen", 2, 9, true}}},
		{"breakout rooms are not attendance", []ParticipantEvent{ev("p:b", breakIn, 10, "Bo"), ev("p:b", breakOut, 20, "Bo")}, nil},
		{"webinar twins", []ParticipantEvent{ev("p:x", webinarL, 45, "Xi"), ev("p:x", webinarJ, 15, "Xi")},
			[]seg{{"Xi", 15, 45, false}}},
		{"duplicates are one event", []ParticipantEvent{
			ev("p:a", join, 5, "Ann"), ev("p:a", join, 5, "Ann"), ev("p:a", leave, 50, "Ann"), ev("p:a", leave, 50, "Ann")},
			[]seg{{"Ann", 5, 50, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := LiveSegments(tc.evs, start)
			require.Len(t, got, len(tc.want))
			for i, w := range tc.want {
				assert.Equal(t, w.name, got[i].Name, "segment %d", i)
				assert.Equal(t, at(w.join), got[i].JoinTime, "segment %d join", i)
				if w.leave < 0 {
					assert.Nil(t, got[i].LeaveTime, "segment %d leave", i)
				} else if assert.NotNil(t, got[i].LeaveTime, "segment %d leave", i) {
					assert.Equal(t, at(w.leave), *got[i].LeaveTime, "segment %d leave", i)
				}
				assert.Equal(t, w.waiting, got[i].Status == StatusWaitingRoom, "segment %d status", i)
				assert.Equal(t, SourceWebhooks, got[i].Source)
				assert.Equal(t, i, got[i].Seq)
				assert.Equal(t, got[i].Key(), got[i].PersonKey)
			}
		})
	}
}

func TestLiveSegmentsIdentityAndReason(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	leaveAt := start.Add(time.Hour)
	segs := LiveSegments([]ParticipantEvent{
		{ParticipantKey: "p:u1", Event: "meeting.participant_joined", EventTime: start, ParticipantUUID: "u1", Name: "Ann"},
		{ParticipantKey: "p:u1", Event: "meeting.participant_left", EventTime: leaveAt, ParticipantUUID: "u1", Name: "Ann",
			RegistrantID: "reg-1", LeaveReason: "Ann left the meeting."},
	}, start)
	require.Len(t, segs, 1)
	assert.Equal(t, "reg-1", segs[0].RegistrantID, "a field the join lacked comes from the leave")
	assert.Equal(t, "r:reg-1", segs[0].PersonKey)
	assert.Equal(t, "Ann left the meeting.", segs[0].LeaveReason)
}

// generatedEvents returns the live events of a generated meeting's rows, as
// the intake stores them: a join and (when the row ended) a leave per
// in-meeting row, joined_waiting_room and admitted per waiting-room row.
func generatedEvents(m zoomtest.Meeting) []ParticipantEvent {
	var evs []ParticipantEvent
	for _, p := range m.Participants {
		in, out := "meeting.participant_joined", "meeting.participant_left"
		if p.Status == StatusWaitingRoom {
			in, out = "meeting.participant_joined_waiting_room", "meeting.participant_admitted"
		}
		e := ParticipantEvent{MeetingUUID: m.UUID,
			ParticipantKey: EventParticipantKey(p.ParticipantUUID, p.RegistrantID, p.ParticipantUserID, p.ParticipantUserID, p.Email, p.Name, p.UserID),
			Event:          in, EventTime: p.Join, ParticipantUUID: p.ParticipantUUID, UserID: p.UserID, ParticipantID: p.ParticipantUserID,
			ParticipantUserID: p.ParticipantUserID, RegistrantID: p.RegistrantID, CustomerKey: p.CustomerKey, Name: p.Name, Email: p.Email}
		evs = append(evs, e)
		if p.Leave != nil {
			e.Event, e.EventTime, e.LeaveReason = out, *p.Leave, p.LeaveReason
			evs = append(evs, e)
		}
	}
	return evs
}

// TestLiveSegmentsAnyOrder feeds the same events in shuffled orders, with
// duplicates, and requires the same segments and attendance each time.
func TestLiveSegmentsAnyOrder(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		m := zoomtest.Generate(zoomtest.GenOptions{Participants: 150, Seed: seed})
		evs := generatedEvents(m)
		want := LiveSegments(evs, m.Start)
		require.NotEmpty(t, want)
		w := Window{Start: m.Start, End: &m.End}
		wantAttendance := ComputeAttendance(want, w, DefaultThresholds())
		for order := range 5 {
			r := rand.New(rand.NewPCG(uint64(seed), uint64(order)))
			shuffled := append([]ParticipantEvent(nil), evs...)
			for range len(evs) / 3 { // redeliveries
				shuffled = append(shuffled, evs[r.IntN(len(evs))])
			}
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got := LiveSegments(shuffled, m.Start)
			require.Equal(t, want, got, "seed %d, order %d", seed, order)
			require.Equal(t, wantAttendance, ComputeAttendance(got, w, DefaultThresholds()), "seed %d, order %d", seed, order)
		}
	}
}

// TestLiveMeetingLifecycle: the first event makes a live meeting, later
// events leave it be, meeting.ended ends it (pending, the payload's window),
// a sweep ends one whose meeting.ended never came, and deleting a meeting
// deletes its events.
func TestLiveMeetingLifecycle(t *testing.T) {
	ctx := t.Context()
	s := openStoreTest(t)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	joined := ParticipantEvent{MeetingUUID: "live==", ParticipantKey: "p:a", Event: "meeting.participant_joined",
		EventTime: start.Add(time.Minute), ParticipantUUID: "a", Name: "Ann"}
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
		if err := tx.EnsureLiveMeetings(ctx, []LiveMeeting{
			{UUID: "live==", MeetingNumber: 81234567890, StartTime: start.Add(time.Minute)},
			{UUID: "live==", MeetingNumber: 81234567890, Topic: "ignored: the first entry wins", StartTime: start},
			{UUID: "missed==", StartTime: start},
		}); err != nil {
			return err
		}
		return tx.RecordParticipantEvents(ctx, []ParticipantEvent{joined, joined})
	}))
	m, err := s.MeetingByUUID(ctx, "live==")
	require.NoError(t, err)
	assert.Equal(t, FetchLive, m.FetchStatus)
	assert.Nil(t, m.EndTime)
	assert.Equal(t, ArrivedWebhook, m.ArrivedVia)
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
		if err := tx.EnsureLiveMeetings(ctx, []LiveMeeting{{UUID: "live==", Topic: "Standup", StartTime: end}}); err != nil {
			return err
		}
		return tx.RecordParticipantEvents(ctx, []ParticipantEvent{joined})
	}))
	assert.Equal(t, int64(1), count(t, s, &ParticipantEvent{}), "one row per event")
	again, err := s.MeetingByUUID(ctx, "live==")
	require.NoError(t, err)
	assert.Equal(t, "Standup", again.Topic, "a later event fills in the topic")
	assert.Equal(t, m.StartTime, again.StartTime, "and changes nothing else")

	stored, err := s.StoredUUIDs(ctx, []string{"live==", "missed=="})
	require.NoError(t, err)
	assert.Empty(t, stored, "live meetings are not stored for sweeps")

	ended, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "live==", StartTime: start, EndTime: &end, Topic: "Standup"})
	require.NoError(t, err)
	assert.Equal(t, m.ID, ended.ID)
	assert.Equal(t, FetchPending, ended.FetchStatus)
	assert.Equal(t, start, ended.StartTime.UTC(), "the payload's start")
	require.NotNil(t, ended.EndTime)
	assert.Equal(t, end, ended.EndTime.UTC())

	swept, inserted, err := s.InsertDiscovered(ctx, Discovered{MeetingEnded: MeetingEnded{UUID: "missed==", StartTime: start, EndTime: &end},
		Via: ArrivedSweep})
	require.NoError(t, err)
	assert.True(t, inserted, "a sweep ends a live meeting whose meeting.ended was missed")
	assert.Equal(t, FetchPending, swept.FetchStatus)
	require.NotNil(t, swept.EndTime)

	segs, err := s.EventSegments(ctx, ended)
	require.NoError(t, err)
	require.Len(t, segs, 1)
	assert.Equal(t, m.ID, segs[0].MeetingID)
	require.NoError(t, s.DeleteMeeting(ctx, m.ID))
	assert.Zero(t, count(t, s, &ParticipantEvent{}))
}
