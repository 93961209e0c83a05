package models

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// checkPassword returns a ValidationError when password is not acceptable:
// shorter than MinPasswordLength characters, longer than the 72 bytes
// bcrypt reads, or nothing but white space.
func checkPassword(password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return &ValidationError{"password", fmt.Sprintf("must be at least %d characters", MinPasswordLength)}
	}
	if len(password) > 72 {
		return &ValidationError{"password", "must be at most 72 bytes"}
	}
	if strings.TrimSpace(password) == "" {
		return &ValidationError{"password", "must not be only spaces"}
	}
	return nil
}

// ChangePassword sets the password of user id to next when current is
// their password now (else ErrBadCredentials), and ends every other session
// of theirs: a session opened with the old password, perhaps by someone
// else, stops working. keepToken is the session to keep (the caller's).
func (s *Store) ChangePassword(ctx context.Context, id uint64, current, next, keepToken string) error {
	if err := checkPassword(next); err != nil {
		return err
	}
	var u User
	if err := s.db.WithContext(ctx).Take(&u, id).Error; err != nil {
		return notFound(err, fmt.Sprintf("user %d", id))
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return ErrBadCredentials
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("models: hash password: %w", err)
	}
	return s.Tx(ctx, func(tx *Tx) error {
		res := tx.db.Model(&User{}).Where("id = ? AND password_hash = ?", id, u.PasswordHash).Update("password_hash", string(hash))
		if res.Error != nil {
			return fmt.Errorf("models: change password of user %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 { // changed meanwhile by another request
			return ErrBadCredentials
		}
		if err := tx.db.Where("user_id = ? AND token_hash <> ?", id, hashToken(keepToken)).Delete(&Session{}).Error; err != nil {
			return fmt.Errorf("models: end sessions of user %d: %w", id, err)
		}
		return nil
	})
}
