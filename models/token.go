package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// APIToken is a bearer token for the JSON API (/api/v1). It acts with its
// owner's role as the owner has it now: the user row is read at every
// request, so a removed user's tokens stop at once (removing a user also
// deletes them). Only the SHA-256 of the token is stored (schema version 6).
type APIToken struct {
	ID     uint64 `gorm:"primaryKey"`
	UserID uint64 `gorm:"not null;index"`
	User   User   `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	// Name is the owner's label for the token ("gradebook sync").
	Name      string `gorm:"size:100;not null"`
	TokenHash string `gorm:"size:64;not null;uniqueIndex" json:"-"`
	// ExpiresAt is when the token stops working; nil never.
	ExpiresAt *time.Time
	// LastUsedAt is the last request made with it, updated at most once
	// per TokenTouchEvery so that API traffic does not become writes.
	LastUsedAt *time.Time
	CreatedAt  time.Time
}

// TableName keeps the table's name short and plain.
func (APIToken) TableName() string { return "api_tokens" }

const (
	// TokenPrefix starts every API token, so that secret scanners and
	// people can tell one apart from other secrets.
	TokenPrefix = "rc_"
	// MaxTokenName is the longest token name accepted, in characters.
	MaxTokenName = 100
	// MaxTokensPerUser bounds the tokens one user may hold, so that the
	// table (and the settings page) stays small whatever a user does.
	MaxTokensPerUser = 25
	// TokenTouchEvery is how stale LastUsedAt may get before a request
	// updates it.
	TokenTouchEvery = time.Minute
	// maxTokenLength bounds what is hashed: a token is 46 characters.
	maxTokenLength = 128
)

// CreateToken makes a token for user userID named name, expiring after ttl
// (0: never), and returns it with the token itself, which is shown once
// and never stored.
func (s *Store) CreateToken(ctx context.Context, userID uint64, name string, ttl time.Duration, now time.Time) (APIToken, string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return APIToken{}, "", &ValidationError{"name", "give the token a name"}
	case utf8.RuneCountInString(name) > MaxTokenName:
		return APIToken{}, "", &ValidationError{"name", fmt.Sprintf("at most %d characters", MaxTokenName)}
	case ttl < 0:
		return APIToken{}, "", &ValidationError{"expires", "must not be negative"}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return APIToken{}, "", fmt.Errorf("models: token: %w", err)
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	t := APIToken{UserID: userID, Name: name, TokenHash: hashToken(secret), CreatedAt: now.UTC()}
	if ttl > 0 {
		exp := now.Add(ttl).UTC()
		t.ExpiresAt = &exp
	}
	err := s.Tx(ctx, func(tx *Tx) error {
		db := tx.db.WithContext(ctx)
		// Lock the owner's row so that tokens made at once are counted one
		// after the other (SQLite's writes already queue one at a time).
		lock := ""
		if tx.dialect == DialectPostgres {
			lock = " FOR UPDATE"
		}
		var owners []uint64
		if err := db.Raw("SELECT id FROM users WHERE id = ?"+lock, userID).Scan(&owners).Error; err != nil {
			return err
		}
		if len(owners) == 0 {
			return fmt.Errorf("user %d: %w", userID, ErrNotFound)
		}
		var n int64
		if err := db.Model(&APIToken{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxTokensPerUser {
			return &ValidationError{"token", fmt.Sprintf("at most %d tokens per user; revoke one first", MaxTokensPerUser)}
		}
		return db.Omit("User").Create(&t).Error
	})
	if err != nil {
		return APIToken{}, "", fmt.Errorf("models: create token: %w", err)
	}
	return t, secret, nil
}

// TokenUser returns the user of an unexpired token and the token. When the
// token's LastUsedAt is older than TokenTouchEvery it is set to now (one
// write per token per interval, whatever the traffic). An unknown, revoked
// or expired token is ErrNotFound.
func (s *Store) TokenUser(ctx context.Context, secret string, now time.Time) (User, APIToken, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > maxTokenLength {
		return User{}, APIToken{}, fmt.Errorf("models: token: %w", ErrNotFound)
	}
	now = now.UTC()
	var t APIToken
	err := s.db.WithContext(ctx).Preload("User").
		Where("token_hash = ? AND (expires_at IS NULL OR expires_at > ?)", hashToken(secret), now).Take(&t).Error
	if err != nil {
		return User{}, APIToken{}, notFound(err, "token")
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= TokenTouchEvery {
		stale := now.Add(-TokenTouchEvery)
		err := s.write(ctx, func(db *gorm.DB) error {
			// The condition makes concurrent requests (and replicas)
			// update it once.
			return db.Model(&APIToken{}).Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", t.ID, stale).
				Update("last_used_at", now).Error
		})
		if err != nil {
			return User{}, APIToken{}, fmt.Errorf("models: touch token %d: %w", t.ID, err)
		}
		t.LastUsedAt = &now
	}
	return t.User, t, nil
}

// Tokens returns the tokens of user userID (every user's when userID is
// 0), newest first, without their owners.
func (s *Store) Tokens(ctx context.Context, userID uint64) ([]APIToken, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	var ts []APIToken
	if err := q.Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("models: tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken deletes token id; with userID not 0, only if that user owns
// it. A token that is not there (or not theirs) is ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id, userID uint64) error {
	err := s.write(ctx, func(db *gorm.DB) error {
		q := db.Where("id = ?", id)
		if userID != 0 {
			q = q.Where("user_id = ?", userID)
		}
		res := q.Delete(&APIToken{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("models: revoke token %d: %w", id, err)
	}
	return nil
}
