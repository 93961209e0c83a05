package models

import "time"

// Sign-in providers an Identity can come from.
const (
	ProviderPassword = "password" // rollcall's own form; Subject is the user id
	ProviderOIDC     = "oidc"     // ROLLCALL_OIDC_ISSUER; Subject is the ID token's sub
	ProviderZoom     = "zoom"     // Sign in with Zoom; Subject is the Zoom user id
)

// Identity is one way a user signs in (schema version 9). A returning
// single sign-on user is found by (Provider, Subject) only, never by
// email: an email is a hint for the first link, not a key.
type Identity struct {
	ID       uint64 `gorm:"primaryKey"`
	UserID   uint64 `gorm:"not null;index"`
	Provider string `gorm:"size:16;not null;uniqueIndex:idx_identities_provider_subject"`
	Subject  string `gorm:"size:255;not null;uniqueIndex:idx_identities_provider_subject"`
	// Email is what the provider said at the last sign-in (for the admin
	// page and the log), not a key.
	Email        string `gorm:"size:320"`
	CreatedAt    time.Time
	LastSignInAt *time.Time
}

// SSOState is one single sign-on under way (schema version 9): what the
// callback needs to finish it, found by the SHA-256 of the state that went
// to the provider and, in a cookie, to the browser. The callback deletes it
// as it reads it, so a state works once.
type SSOState struct {
	ID        uint64    `gorm:"primaryKey"`
	StateHash string    `gorm:"size:64;not null;uniqueIndex"`
	Provider  string    `gorm:"size:16;not null"`
	Nonce     string    `gorm:"size:64;not null"`
	Verifier  string    `gorm:"size:128;not null"` // PKCE code verifier
	Next      string    `gorm:"size:2048;not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

// TableName keeps GORM from naming the table s_s_o_states.
func (SSOState) TableName() string { return "sso_states" }
