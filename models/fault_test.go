package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// InjectFault makes writes fail until cleared, on SQLite; PostgreSQL
// refuses it.
func TestInjectFault(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	write := func(s *Store, uuid string) error {
		_, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: uuid, Topic: fmt.Sprintf("%0500d", 0), StartTime: start})
		return err
	}
	s := openStoreTest(t)
	if s.Dialect() != DialectSQLite {
		_, err := s.InjectFault(ctx, FaultReadOnly)
		assert.ErrorContains(t, err, "not on postgres")
		return
	}

	t.Run("read-only", func(t *testing.T) {
		s := openStoreTest(t)
		restore, err := s.InjectFault(ctx, FaultReadOnly)
		require.NoError(t, err)
		assert.Error(t, write(s, "refused=="))
		_, err = s.MeetingByUUID(ctx, "refused==")
		assert.ErrorIs(t, err, ErrNotFound, "reads still work and nothing was stored")
		require.NoError(t, restore())
		assert.NoError(t, write(s, "refused=="))
	})

	t.Run("disk full", func(t *testing.T) {
		s := openStoreTest(t)
		restore, err := s.InjectFault(ctx, FaultDiskFull)
		require.NoError(t, err)
		var refused error
		for i := 0; i < 1000 && refused == nil; i++ {
			refused = write(s, fmt.Sprintf("full-%d==", i))
		}
		require.Error(t, refused, "the file never stopped growing")
		assert.ErrorContains(t, refused, "full")
		require.NoError(t, restore())
		assert.NoError(t, write(s, "room-again=="))
	})
}
