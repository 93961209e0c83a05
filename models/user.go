package models

import "time"

// Roles a user can have.
const (
	RoleAdmin  = "admin"  // manages users, re-fetches meetings, sees the queue
	RoleViewer = "viewer" // reads pages and CSVs
)

// User is a person who signs in to rollcall.
type User struct {
	ID           uint64 `gorm:"primaryKey"`
	Email        string `gorm:"size:320;not null;uniqueIndex"` // stored lower-cased
	Role         string `gorm:"size:16;not null"`
	PasswordHash string `gorm:"not null" json:"-"`
	// Timezone is the IANA zone the user reads times in; empty means the
	// ROLLCALL_TIMEZONE default.
	Timezone  string `gorm:"size:64"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// IsAdmin reports whether u may manage users and re-fetch meetings.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// Session is a signed-in browser. Only the SHA-256 of its random token is
// stored, so a copy of the database cannot be used to sign in.
type Session struct {
	ID        uint64    `gorm:"primaryKey"`
	TokenHash string    `gorm:"size:64;not null;uniqueIndex"`
	UserID    uint64    `gorm:"not null;index"`
	User      User      `gorm:"constraint:OnDelete:CASCADE"`
	ExpiresAt time.Time `gorm:"not null;index"`
	CreatedAt time.Time
	LastSeen  time.Time
}
