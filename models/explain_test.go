package models

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Explain reports the statements a Store method sends, each with the
// engine's plan, and returns fn's error as it is.
func TestExplainReportsStatementsAndPlans(t *testing.T) {
	ctx := context.Background()
	s := openStoreTest(t)
	addMeeting(t, s, "explained==", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 2)

	plans, err := s.Explain(ctx, func(s *Store) error {
		_, err := s.MeetingByUUID(ctx, "explained==")
		return err
	})
	require.NoError(t, err)
	require.Len(t, plans, 1)
	assert.Contains(t, plans[0].SQL, "explained==", "the statement has its arguments written in")
	assert.Contains(t, plans[0].SQL, "meetings")
	assert.NotEmpty(t, plans[0].Plan)
	assert.False(t, strings.HasPrefix(plans[0].Plan, "explain failed"), plans[0].Plan)
	if s.Dialect() == DialectSQLite {
		assert.Contains(t, plans[0].Plan, "idx_meetings_uuid")
	}

	_, err = s.Explain(ctx, func(s *Store) error {
		_, err := s.MeetingByUUID(ctx, "missing==")
		return err
	})
	assert.True(t, errors.Is(err, ErrNotFound), "fn's error comes back: %v", err)

	// The Store itself records nothing.
	plans, err = s.Explain(ctx, func(*Store) error {
		_, err := s.MeetingByUUID(ctx, "explained==")
		return err
	})
	require.NoError(t, err)
	assert.Empty(t, plans)
}
