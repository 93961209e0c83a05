package models

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s := openStoreTest(t)
	u, err := s.CreateUser(ctx, "ann@example.com", RoleViewer, "a long password")
	require.NoError(t, err)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

	tok, secret, err := s.CreateToken(ctx, u.ID, "  sync  ", 24*time.Hour, now)
	require.NoError(t, err)
	assert.Equal(t, "sync", tok.Name)
	assert.Len(t, secret, len(TokenPrefix)+43)
	require.NotNil(t, tok.ExpiresAt)
	assert.Equal(t, now.Add(24*time.Hour), *tok.ExpiresAt)

	got, gotTok, err := s.TokenUser(ctx, secret, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, u.Email, got.Email)
	assert.Equal(t, tok.ID, gotTok.ID)
	for _, bad := range []string{"", secret + "x", strings.ToUpper(secret), "rc_", TokenPrefix + strings.Repeat("a", 200), secret[3:]} {
		_, _, err := s.TokenUser(ctx, bad, now)
		assert.ErrorIs(t, err, ErrNotFound, bad)
	}
	_, _, err = s.TokenUser(ctx, secret, now.Add(24*time.Hour))
	assert.ErrorIs(t, err, ErrNotFound, "expired at its expiry")

	// Bad input.
	for _, tc := range []struct {
		name string
		ttl  time.Duration
	}{{"", 0}, {"   ", 0}, {strings.Repeat("é", MaxTokenName+1), 0}, {"x", -time.Second}} {
		_, _, err := s.CreateToken(ctx, u.ID, tc.name, tc.ttl, now)
		var verr *ValidationError
		assert.ErrorAs(t, err, &verr, "%q %v", tc.name, tc.ttl)
	}
	_, _, err = s.CreateToken(ctx, 999, "x", 0, now)
	assert.ErrorIs(t, err, ErrNotFound, "no such user")

	// At most MaxTokensPerUser, even when asked for at once.
	var wg sync.WaitGroup
	for range MaxTokensPerUser + 5 {
		wg.Go(func() { _, _, _ = s.CreateToken(ctx, u.ID, "many", 0, now) })
	}
	wg.Wait()
	ts, err := s.Tokens(ctx, u.ID)
	require.NoError(t, err)
	assert.Len(t, ts, MaxTokensPerUser)

	// Revoke: only the owner's, once.
	other, err := s.CreateUser(ctx, "bob@example.com", RoleAdmin, "a long password")
	require.NoError(t, err)
	assert.ErrorIs(t, s.RevokeToken(ctx, tok.ID, other.ID), ErrNotFound)
	require.NoError(t, s.RevokeToken(ctx, tok.ID, u.ID))
	assert.ErrorIs(t, s.RevokeToken(ctx, tok.ID, u.ID), ErrNotFound)
	all, err := s.Tokens(ctx, 0)
	require.NoError(t, err)
	assert.Len(t, all, MaxTokensPerUser-1)
}
