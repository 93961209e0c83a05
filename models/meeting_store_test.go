package models

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/testdb"
)

func openStoreTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), testdb.DSN(t), nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(context.Background()))
	return s
}

func addMeeting(t *testing.T, s *Store, uuid string, start time.Time, segs int) Meeting {
	t.Helper()
	ctx := context.Background()
	end := start.Add(time.Hour)
	m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: uuid, MeetingNumber: 1, StartTime: start, EndTime: &end})
	require.NoError(t, err)
	_, err = s.RecordEvent(ctx, &WebhookEvent{DedupKey: uuid, Event: "meeting.ended", MeetingUUID: uuid, Body: "{}"})
	require.NoError(t, err)
	var ss []Segment
	for i := range segs {
		ss = append(ss, Segment{Name: "p", JoinTime: start.Add(time.Duration(i) * time.Minute), Raw: "{}"})
	}
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", ss) }))
	return m
}

func count(t *testing.T, s *Store, model any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, s.db.Model(model).Count(&n).Error)
	return n
}

func TestDeleteMeetingRemovesEverythingOfIt(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	a := addMeeting(t, s, "a==", start, 3)
	addMeeting(t, s, "b==", start, 2)

	require.NoError(t, s.DeleteMeeting(ctx, a.ID))
	_, err := s.Meeting(ctx, a.ID)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, int64(2), count(t, s, &Segment{}))
	assert.Equal(t, int64(1), count(t, s, &WebhookEvent{}))
	assert.ErrorIs(t, s.DeleteMeeting(ctx, a.ID), ErrNotFound)
}

func TestPurgeMeetingsBefore(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	old := time.Now().Add(-400 * 24 * time.Hour)
	for i := range 250 { // more than one batch
		addMeeting(t, s, "old-"+string(rune('A'+i%26))+string(rune('a'+i/26)), old.Add(time.Duration(i)*time.Minute), 1)
	}
	recent := addMeeting(t, s, "recent==", time.Now().Add(-24*time.Hour), 2)

	n, err := s.PurgeMeetingsBefore(ctx, time.Now().Add(-365*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 250, n)
	assert.Equal(t, int64(1), count(t, s, &Meeting{}))
	assert.Equal(t, int64(2), count(t, s, &Segment{}))
	assert.Equal(t, int64(1), count(t, s, &WebhookEvent{}))
	_, err = s.Meeting(ctx, recent.ID)
	assert.NoError(t, err)
}

func TestUpsertEndedMeetingReturnsTheStoredRow(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	first, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "u==", MeetingNumber: 7, Topic: "Standup", StartTime: start})
	require.NoError(t, err)
	require.NotZero(t, first.ID)
	require.NoError(t, s.MarkFailed(ctx, first.ID, "boom"))

	end := start.Add(time.Hour)
	again, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "u==", MeetingNumber: 7, Topic: "Other", StartTime: start, EndTime: &end})
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, "Standup", again.Topic, "a stored topic is kept")
	require.NotNil(t, again.EndTime, "a missing end is filled")
	assert.True(t, end.Equal(*again.EndTime))
	assert.Equal(t, FetchFailed, again.FetchStatus, "the fetch state is the stored one")
	assert.Equal(t, "boom", again.LastError)
}

// RecordEvents stores a batch in one statement: an event stored before,
// or repeated within the batch, is a redelivery, counted exactly.
func TestRecordEventsCountsRedeliveries(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	ev := func(k string) *WebhookEvent {
		return &WebhookEvent{DedupKey: k, Event: "meeting.participant_joined", MeetingUUID: "u\x00", Body: "{\"k\":\"" + k + "\"}"}
	}
	record := func(evs ...*WebhookEvent) (isNew []bool) {
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
			var err error
			isNew, err = tx.RecordEvents(ctx, evs)
			return err
		}))
		return isNew
	}
	assert.Equal(t, []bool{true}, record(ev("a")))
	assert.Equal(t, []bool{true, false, false, true, false, false},
		record(ev("b"), ev("a"), ev("b"), ev("c"), ev("b"), ev("a")))

	var rows []WebhookEvent
	require.NoError(t, s.db.Order("dedup_key").Find(&rows).Error)
	require.Len(t, rows, 3)
	got := map[string]int{}
	for _, r := range rows {
		got[r.DedupKey] = r.Deliveries
		assert.Equal(t, "u", r.MeetingUUID, "text is cleaned as on every write")
	}
	assert.Equal(t, map[string]int{"a": 3, "b": 3, "c": 1}, got)
}
