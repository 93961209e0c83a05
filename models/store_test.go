package models

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

func TestDuplicateKeysAreErrDuplicatedKey(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	db := s.db.WithContext(ctx)

	_, err := s.CreateUser(ctx, "ann@example.com", RoleViewer, "a long password")
	require.NoError(t, err)
	_, err = s.CreateUser(ctx, " ANN@example.com", RoleAdmin, "another long password")
	assert.ErrorIs(t, err, ErrExists)

	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, db.Create(&Meeting{UUID: "u==", StartTime: start, FetchStatus: FetchPending}).Error)
	err = db.Create(&Meeting{UUID: "u==", StartTime: start, FetchStatus: FetchPending}).Error
	assert.ErrorIs(t, err, gorm.ErrDuplicatedKey, "unique index on %s", s.dialect)

	e := WebhookEvent{DedupKey: "k", Event: "meeting.ended", ReceivedAt: start, Body: "{}"}
	require.NoError(t, db.Create(&e).Error)
	err = db.Create(&WebhookEvent{ID: e.ID, DedupKey: "other", Event: "x", ReceivedAt: start, Body: "{}"}).Error
	assert.ErrorIs(t, err, gorm.ErrDuplicatedKey, "primary key on %s", s.dialect)

	err = db.Omit("User").Create(&Session{TokenHash: "h", UserID: 999, ExpiresAt: start}).Error
	assert.ErrorIs(t, err, gorm.ErrForeignKeyViolated, "foreign key on %s", s.dialect)
	assert.False(t, errors.Is(err, gorm.ErrDuplicatedKey))
}

// hostile are strings a webhook or Zoom's API may carry, with what either
// engine must give back for them: NULs dropped, each run of invalid UTF-8
// replaced by one U+FFFD, everything else kept byte for byte.
var hostile = []struct{ in, want string }{
	{"plain", "plain"},
	{"nul\x00inside", "nulinside"},
	{"\x00", ""},
	{"bad \xff\xfe bytes", "bad \uFFFD bytes"},
	{"cut \xc3", "cut \uFFFD"},
	{"overlong \xc0\xaf", "overlong \uFFFD"},
	{"surrogate \xed\xa0\x80", "surrogate \uFFFD"},
	{"both\x00 \x80", "both \uFFFD"},
	{"José 🎉 \u2028 \uFEFF \uFFFD", "José 🎉 \u2028 \uFEFF \uFFFD"},
	{"<b>tags</b> & 'quotes' \"and\" \\ back\r\nslash", "<b>tags</b> & 'quotes' \"and\" \\ back\r\nslash"},
	{"  spaces kept  ", "  spaces kept  "},
	{"0012", "0012"},
	{"1e3", "1e3"},
	{"\x7f\x01control", "\x7f\x01control"},
}

func TestHostileTextIsStoredTheSameOnEveryEngine(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	u, err := s.CreateUser(ctx, "ann@example.com", RoleViewer, "a long password")
	require.NoError(t, err)
	for i, h := range hostile {
		uuid := "uuid-" + h.in
		m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: uuid, MeetingNumber: int64(i), Topic: h.in,
			HostID: h.in, StartTime: start.Add(time.Duration(i) * time.Hour), Timezone: h.in, AccountID: h.in})
		require.NoError(t, err, "%q", h.in)
		assert.Equal(t, "uuid-"+h.want, m.UUID)
		require.NoError(t, s.FillMeetingDetails(ctx, m.ID, MeetingDetails{HostName: h.in, HostEmail: h.in}))
		segs := []Segment{{PersonKey: h.in, Name: h.in, Email: h.in, LeaveReason: h.in, Device: h.in,
			JoinTime: start, Raw: h.in}}
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "report", segs) }))
		require.NoError(t, s.MarkFailed(ctx, m.ID, h.in))
		_, err = s.RecordEvent(ctx, &WebhookEvent{DedupKey: uuid, Event: h.in, MeetingUUID: uuid, Body: h.in})
		require.NoError(t, err)
		require.NoError(t, s.SetUserTimezone(ctx, u.ID, h.in))

		got, err := s.Meeting(ctx, m.ID)
		require.NoError(t, err)
		for name, v := range map[string]string{"uuid": got.UUID[len("uuid-"):], "topic": got.Topic,
			"host_id": got.HostID, "host_name": got.HostName, "host_email": got.HostEmail,
			"timezone": got.Timezone, "account_id": got.AccountID, "last_error": got.LastError} {
			assert.Equal(t, []byte(h.want), []byte(v), "meetings.%s of %q", name, h.in)
		}
		ss, err := s.Segments(ctx, m.ID)
		require.NoError(t, err)
		require.Len(t, ss, 1)
		for name, v := range map[string]string{"person_key": ss[0].PersonKey, "name": ss[0].Name,
			"email": ss[0].Email, "leave_reason": ss[0].LeaveReason, "device": ss[0].Device, "raw": ss[0].Raw} {
			assert.Equal(t, []byte(h.want), []byte(v), "segments.%s of %q", name, h.in)
		}
		var e WebhookEvent
		require.NoError(t, s.db.Where("dedup_key = ?", "uuid-"+h.want).Take(&e).Error)
		assert.Equal(t, []byte(h.want), []byte(e.Event), "webhook_events.event of %q", h.in)
		assert.Equal(t, []byte(h.want), []byte(e.Body), "webhook_events.body of %q", h.in)
		assert.Equal(t, []byte("uuid-"+h.want), []byte(e.MeetingUUID))
		got2, err := s.UserByEmail(ctx, "ann@example.com")
		require.NoError(t, err)
		assert.Equal(t, []byte(h.want), []byte(got2.Timezone), "users.timezone of %q", h.in)
	}
}

func TestTxHandsOutItsSQLTx(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	boom := errors.New("boom")
	err := s.Tx(ctx, func(tx *Tx) error {
		require.NotNil(t, tx.SQLTx())
		m, err := tx.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "rolled-back==", StartTime: start})
		require.NoError(t, err)
		var n int
		require.NoError(t, tx.SQLTx().QueryRowContext(ctx, "SELECT COUNT(*) FROM meetings WHERE id = $1", m.ID).Scan(&n))
		assert.Equal(t, 1, n, "the *sql.Tx sees the transaction's writes")
		return boom
	})
	assert.ErrorIs(t, err, boom)
	_, err = s.MeetingByUUID(ctx, "rolled-back==")
	assert.ErrorIs(t, err, ErrNotFound, "rolled back")
}

func TestDeleteUserWaitsForTheWriter(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "ann@example.com", RoleViewer, "a long password")
	require.NoError(t, err)
	_, err = s.CreateSession(ctx, u.ID, time.Hour)
	require.NoError(t, err)

	if s.dialect == DialectSQLite {
		// While another transaction holds SQLite's writer queue, DeleteUser
		// waits in it, and a caller that gives up gets its context's error.
		held, release := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			done <- s.Tx(ctx, func(*Tx) error { close(held); <-release; return nil })
		}()
		<-held
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		err := s.DeleteUser(cancelled, u.ID)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorContains(t, err, "waiting for the database")
		// So do writes of one statement.
		for name, write := range map[string]func(context.Context) error{
			"SetUserTimezone": func(ctx context.Context) error { return s.SetUserTimezone(ctx, u.ID, "UTC") },
			"MarkFetching":    func(ctx context.Context) error { return s.MarkFetching(ctx, 1) },
			"CreateSession":   func(ctx context.Context) error { _, err := s.CreateSession(ctx, u.ID, time.Hour); return err },
			"UpsertEndedMeeting": func(ctx context.Context) error {
				_, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "x", StartTime: time.Now()})
				return err
			},
		} {
			assert.ErrorContains(t, write(cancelled), "waiting for the database", name)
		}
		close(release)
		require.NoError(t, <-done)
	}

	require.NoError(t, s.DeleteUser(ctx, u.ID))
	assert.Zero(t, count(t, s, &Session{}))
	assert.ErrorIs(t, s.DeleteUser(ctx, u.ID), ErrNotFound)
}

func TestAuthenticateUnknownEmail(t *testing.T) {
	s := openStoreTest(t)
	_, err := s.Authenticate(context.Background(), "nobody@example.com", "whatever password")
	assert.ErrorIs(t, err, ErrBadCredentials)
	assert.NotEmpty(t, dummyHash())
}

func TestNestedTxRollsBackAlone(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	boom := errors.New("boom")
	require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
		_, err := tx.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "outer==", StartTime: start})
		require.NoError(t, err)
		err = tx.Tx(ctx, func(inner *Tx) error {
			_, err := inner.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "inner==", StartTime: start})
			require.NoError(t, err)
			return boom
		})
		assert.ErrorIs(t, err, boom)
		return nil
	}))
	_, err := s.MeetingByUUID(ctx, "outer==")
	assert.NoError(t, err)
	_, err = s.MeetingByUUID(ctx, "inner==")
	assert.ErrorIs(t, err, ErrNotFound)
}
