package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrSSOStateUsed is returned by TakeSSOState for a state that is unknown,
// used already or expired: the three look alike to whoever sent it.
var ErrSSOStateUsed = errors.New("sign-in state unknown, used or expired")

// maxLiveSSOStates bounds the sign-ins under way: each visit to a provider's
// start route stores one row for ten minutes, and strangers can make them.
const maxLiveSSOStates = 10_000

// CreateSSOState stores st for the callback under the hash of state, first
// deleting expired rows, and refuses when too many sign-ins are under way.
func (s *Store) CreateSSOState(ctx context.Context, state string, st SSOState, now time.Time) error {
	st.StateHash = hashToken(state)
	return s.Tx(ctx, func(tx *Tx) error {
		db := tx.db.WithContext(ctx)
		if err := db.Where("expires_at <= ?", now.UTC()).Delete(&SSOState{}).Error; err != nil {
			return fmt.Errorf("models: purge sign-in states: %w", err)
		}
		var n int64
		if err := db.Model(&SSOState{}).Count(&n).Error; err != nil {
			return fmt.Errorf("models: count sign-in states: %w", err)
		}
		if n >= maxLiveSSOStates {
			return fmt.Errorf("models: %d sign-ins under way: %w", n, ErrBusy)
		}
		st.ExpiresAt = st.ExpiresAt.UTC()
		if err := db.Create(&st).Error; err != nil {
			return fmt.Errorf("models: store sign-in state: %w", err)
		}
		return nil
	})
}

// ErrBusy is returned when a bounded table is full.
var ErrBusy = errors.New("too many at once")

// TakeSSOState returns and deletes the state of provider stored under
// state. Two callbacks racing with one state cannot both win: only the one
// whose delete removed the row gets it.
func (s *Store) TakeSSOState(ctx context.Context, provider, state string, now time.Time) (SSOState, error) {
	var st SSOState
	err := s.Tx(ctx, func(tx *Tx) error {
		db := tx.db.WithContext(ctx)
		if err := db.Where("state_hash = ? AND provider = ?", hashToken(state), provider).Take(&st).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrSSOStateUsed
			}
			return fmt.Errorf("models: sign-in state: %w", err)
		}
		res := db.Where("id = ?", st.ID).Delete(&SSOState{})
		if res.Error != nil {
			return fmt.Errorf("models: use sign-in state: %w", res.Error)
		}
		if res.RowsAffected != 1 || !now.Before(st.ExpiresAt) {
			return ErrSSOStateUsed
		}
		return nil
	})
	if err != nil {
		return SSOState{}, err
	}
	return st, nil
}

// IdentityUser returns the user who signs in as (provider, subject) and
// that identity.
func (s *Store) IdentityUser(ctx context.Context, provider, subject string) (User, Identity, error) {
	var id Identity
	db := s.db.WithContext(ctx)
	if err := db.Where("provider = ? AND subject = ?", provider, subject).Take(&id).Error; err != nil {
		return User{}, Identity{}, notFound(err, "identity "+provider)
	}
	var u User
	if err := db.Take(&u, id.UserID).Error; err != nil {
		return User{}, Identity{}, notFound(err, "user of identity "+provider)
	}
	return u, id, nil
}

// LinkIdentity adds identity (provider, subject) to user userID; ErrExists
// if that identity belongs to someone already.
func (s *Store) LinkIdentity(ctx context.Context, userID uint64, provider, subject, email string) (Identity, error) {
	id := Identity{UserID: userID, Provider: provider, Subject: subject, Email: email}
	err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&id).Error })
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Identity{}, fmt.Errorf("models: identity %s: %w", provider, ErrExists)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("models: link identity %s: %w", provider, err)
	}
	return id, nil
}

// CreateSSOUser adds a user who signs in only through identity (provider,
// subject): no password (the form never accepts one for them). ErrExists if
// the email or the identity is taken.
func (s *Store) CreateSSOUser(ctx context.Context, email, role, provider, subject string) (User, Identity, error) {
	email = NormalizeEmail(email)
	if err := checkEmail(email); err != nil {
		return User{}, Identity{}, err
	}
	u := User{Email: email, Role: role}
	id := Identity{Provider: provider, Subject: subject, Email: email}
	err := s.Tx(ctx, func(tx *Tx) error {
		db := tx.db.WithContext(ctx)
		if err := db.Create(&u).Error; err != nil {
			return err
		}
		id.UserID = u.ID
		return db.Create(&id).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return User{}, Identity{}, fmt.Errorf("models: user %s: %w", email, ErrExists)
	}
	if err != nil {
		return User{}, Identity{}, fmt.Errorf("models: create user %s: %w", email, err)
	}
	return u, id, nil
}

// RecordSignIn notes a sign-in through identity id: its time and the email
// the provider gave this time.
func (s *Store) RecordSignIn(ctx context.Context, id uint64, email string, at time.Time) error {
	at = at.UTC()
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&Identity{}).Where("id = ?", id).
			Updates(map[string]any{"last_sign_in_at": at, "email": email}).Error
	})
	if err != nil {
		return fmt.Errorf("models: record sign-in: %w", err)
	}
	return nil
}

// RecordPasswordSignIn notes a sign-in of user u through the password form,
// making its password identity on the first one.
func (s *Store) RecordPasswordSignIn(ctx context.Context, u User, at time.Time) error {
	at = at.UTC()
	id := Identity{UserID: u.ID, Provider: ProviderPassword, Subject: strconv.FormatUint(u.ID, 10),
		Email: u.Email, CreatedAt: at, LastSignInAt: &at}
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "provider"}, {Name: "subject"}},
			DoUpdates: clause.AssignmentColumns([]string{"last_sign_in_at", "email"}),
		}).Create(&id).Error
	})
	if err != nil {
		return fmt.Errorf("models: record password sign-in: %w", err)
	}
	return nil
}

// SetUserRole sets the role of user id (admin or viewer).
func (s *Store) SetUserRole(ctx context.Context, id uint64, role string) error {
	if role != RoleAdmin && role != RoleViewer {
		return &ValidationError{"role", fmt.Sprintf("%q is not admin or viewer", role)}
	}
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&User{}).Where("id = ?", id).Update("role", role).Error
	})
	if err != nil {
		return fmt.Errorf("models: set role of user %d: %w", id, err)
	}
	return nil
}

// Identities returns every identity, by user then provider.
func (s *Store) Identities(ctx context.Context) ([]Identity, error) {
	var ids []Identity
	if err := s.db.WithContext(ctx).Order("user_id, provider, id").Find(&ids).Error; err != nil {
		return nil, fmt.Errorf("models: identities: %w", err)
	}
	return ids, nil
}
