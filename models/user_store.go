package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// ErrExists is returned when creating a record whose key is taken.
var ErrExists = errors.New("already exists")

// ErrBadCredentials is returned by Authenticate for an unknown email or a
// wrong password, alike.
var ErrBadCredentials = errors.New("email or password is wrong")

// ValidationError is a bad value a person gave; its text is safe to show.
type ValidationError struct{ Field, Problem string }

func (e *ValidationError) Error() string { return e.Field + ": " + e.Problem }

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// NormalizeEmail trims and lower-cases an email address for storage and lookup.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser adds a user with a bcrypt hash of password.
func (s *Store) CreateUser(ctx context.Context, email, role, password string) (User, error) {
	email = NormalizeEmail(email)
	if err := checkEmail(email); err != nil {
		return User{}, err
	}
	if role != RoleAdmin && role != RoleViewer {
		return User{}, &ValidationError{"role", fmt.Sprintf("%q is not admin or viewer", role)}
	}
	if err := checkPassword(password); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return User{}, fmt.Errorf("models: hash password: %w", err)
	}
	u := User{Email: email, Role: role, PasswordHash: string(hash)}
	if err := s.write(ctx, func(db *gorm.DB) error {
		return db.Create(&u).Error
	}); err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return User{}, fmt.Errorf("models: user %s: %w", email, ErrExists)
		}
		return User{}, fmt.Errorf("models: create user %s: %w", email, err)
	}
	return u, nil
}

// checkEmail refuses what is not one plain, normalized email address.
func checkEmail(email string) error {
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return &ValidationError{"email", fmt.Sprintf("%q is not an email address", email)}
	}
	return nil
}

// UserByEmail returns the user with email.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("email = ?", NormalizeEmail(email)).Take(&u).Error
	if err != nil {
		return User{}, notFound(err, "user "+email)
	}
	return u, nil
}

// Users returns every user, by email.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	var us []User
	if err := s.db.WithContext(ctx).Order("email").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("models: users: %w", err)
	}
	return us, nil
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// DeleteUser removes the user with id, every session and API token of
// theirs and every identity they sign in with.
func (s *Store) DeleteUser(ctx context.Context, id uint64) error {
	return s.Tx(ctx, func(tx *Tx) error {
		db := tx.db.WithContext(ctx)
		if err := db.Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
			return fmt.Errorf("models: delete sessions of user %d: %w", id, err)
		}
		if err := db.Where("user_id = ?", id).Delete(&Identity{}).Error; err != nil {
			return fmt.Errorf("models: delete identities of user %d: %w", id, err)
		}
		if err := db.Where("user_id = ?", id).Delete(&APIToken{}).Error; err != nil {
			return fmt.Errorf("models: delete tokens of user %d: %w", id, err)
		}
		res := db.Delete(&User{}, id)
		if res.Error != nil {
			return fmt.Errorf("models: delete user %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("models: user %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// SetUserTimezone sets the zone user id reads times in ("" for the default).
func (s *Store) SetUserTimezone(ctx context.Context, id uint64, zone string) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Model(&User{}).Where("id = ?", id).Update("timezone", zone).Error
	})
	if err != nil {
		return fmt.Errorf("models: set timezone of user %d: %w", id, err)
	}
	return nil
}

// dummyHash is compared against when the email is unknown, so that an
// unknown email takes as long to refuse as a wrong password. It is made on
// first use, not when the package loads: a bcrypt hash takes tens of
// milliseconds, which every command and test binary would pay.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("rollcall-no-such-user"), bcrypt.DefaultCost)
	return h
})

// Authenticate returns the user whose email and password match, or
// ErrBadCredentials.
func (s *Store) Authenticate(ctx context.Context, email, password string) (User, error) {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// CreateSession starts a session for user id lasting ttl and returns its
// token, which only the browser keeps: the database holds its hash.
func (s *Store) CreateSession(ctx context.Context, userID uint64, ttl time.Duration) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("models: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC()
	sess := Session{TokenHash: hashToken(token), UserID: userID, ExpiresAt: now.Add(ttl), LastSeen: now}
	if err := s.write(ctx, func(db *gorm.DB) error {
		return db.Omit("User").Create(&sess).Error
	}); err != nil {
		return "", fmt.Errorf("models: create session: %w", err)
	}
	return token, nil
}

// SessionUser returns the user of an unexpired session token.
func (s *Store) SessionUser(ctx context.Context, token string) (User, error) {
	if token == "" {
		return User{}, fmt.Errorf("models: session: %w", ErrNotFound)
	}
	var sess Session
	err := s.db.WithContext(ctx).Preload("User").
		Where("token_hash = ? AND expires_at > ?", hashToken(token), time.Now().UTC()).Take(&sess).Error
	if err != nil {
		return User{}, notFound(err, "session")
	}
	return sess.User, nil
}

// DeleteSession ends the session of token (logout). Ending one that does
// not exist is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		return db.Where("token_hash = ?", hashToken(token)).Delete(&Session{}).Error
	})
	if err != nil {
		return fmt.Errorf("models: delete session: %w", err)
	}
	return nil
}

// PurgeExpiredSessions deletes sessions past their expiry.
func (s *Store) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := db.Where("expires_at <= ?", time.Now().UTC()).Delete(&Session{})
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}
