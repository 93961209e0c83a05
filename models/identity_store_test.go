package models

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSSOStateWorksOnceAndExpires(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	now := time.Now()
	st := SSOState{Provider: ProviderOIDC, Nonce: "n1", Verifier: "v1", Next: "/x", ExpiresAt: now.Add(10 * time.Minute)}
	require.NoError(t, s.CreateSSOState(ctx, "state-1", st, now))

	_, err := s.TakeSSOState(ctx, ProviderZoom, "state-1", now)
	assert.ErrorIs(t, err, ErrSSOStateUsed, "another provider's callback cannot use it")

	// Many callbacks race with one state: exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan SSOState, 8)
	for range 8 {
		wg.Go(func() {
			if got, err := s.TakeSSOState(ctx, ProviderOIDC, "state-1", now); err == nil {
				wins <- got
			} else {
				assert.ErrorIs(t, err, ErrSSOStateUsed)
			}
		})
	}
	wg.Wait()
	close(wins)
	require.Len(t, wins, 1)
	got := <-wins
	assert.Equal(t, "n1", got.Nonce)
	assert.Equal(t, "/x", got.Next)

	require.NoError(t, s.CreateSSOState(ctx, "state-2", st, now))
	_, err = s.TakeSSOState(ctx, ProviderOIDC, "state-2", now.Add(11*time.Minute))
	assert.ErrorIs(t, err, ErrSSOStateUsed, "expired")

	// Expired rows are purged by the next start.
	require.NoError(t, s.CreateSSOState(ctx, "state-3", st, now))
	require.NoError(t, s.CreateSSOState(ctx, "state-4", SSOState{Provider: ProviderOIDC, ExpiresAt: now.Add(time.Hour)}, now.Add(20*time.Minute)))
	var n int64
	require.NoError(t, s.db.Model(&SSOState{}).Count(&n).Error)
	assert.Equal(t, int64(1), n, "only the live one is left")
}

func TestIdentities(t *testing.T) {
	s := openStoreTest(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "ann@example.com", RoleViewer, "a long password")
	require.NoError(t, err)
	id, err := s.LinkIdentity(ctx, u.ID, ProviderOIDC, "sub-1", "ann@example.com")
	require.NoError(t, err)
	_, err = s.LinkIdentity(ctx, u.ID, ProviderOIDC, "sub-1", "ann@example.com")
	assert.ErrorIs(t, err, ErrExists)
	_, err = s.LinkIdentity(ctx, u.ID, ProviderZoom, "sub-1", "ann@example.com")
	assert.NoError(t, err, "subjects are per provider")

	got, gotID, err := s.IdentityUser(ctx, ProviderOIDC, "sub-1")
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.ID)
	assert.Equal(t, id.ID, gotID.ID)
	_, _, err = s.IdentityUser(ctx, ProviderOIDC, "ann@example.com")
	assert.ErrorIs(t, err, ErrNotFound, "never found by email")

	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.RecordSignIn(ctx, id.ID, "ann@new.example", at))
	require.NoError(t, s.RecordPasswordSignIn(ctx, u, at))
	require.NoError(t, s.RecordPasswordSignIn(ctx, u, at.Add(time.Hour)))
	ids, err := s.Identities(ctx)
	require.NoError(t, err)
	require.Len(t, ids, 3, "one password identity however many sign-ins")
	for _, x := range ids {
		switch x.Provider {
		case ProviderPassword:
			assert.Equal(t, strconv.FormatUint(u.ID, 10), x.Subject)
			assert.True(t, x.LastSignInAt.Equal(at.Add(time.Hour)))
		case ProviderOIDC:
			assert.Equal(t, "ann@new.example", x.Email)
			assert.True(t, x.LastSignInAt.Equal(at))
		}
	}

	v, _, err := s.CreateSSOUser(ctx, "new@example.com", RoleViewer, ProviderOIDC, "sub-2")
	require.NoError(t, err)
	assert.Empty(t, v.PasswordHash)
	_, err = s.Authenticate(ctx, "new@example.com", "")
	assert.ErrorIs(t, err, ErrBadCredentials, "no password signs in an SSO user")
	_, _, err = s.CreateSSOUser(ctx, "ann@example.com", RoleViewer, ProviderOIDC, "sub-3")
	assert.ErrorIs(t, err, ErrExists)

	require.NoError(t, s.DeleteUser(ctx, u.ID))
	_, _, err = s.IdentityUser(ctx, ProviderOIDC, "sub-1")
	assert.ErrorIs(t, err, ErrNotFound, "a removed user's identities go with them")
}
