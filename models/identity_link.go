package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Identity links: an admin says that two person keys are one human (a
// guest's name and their registered email, a second device signed in with
// another account). A link is applied when attendance is read, never to
// the stored segments, so undoing it restores exactly what was there.

// MaxKeyBytes bounds a person key given in a form.
const MaxKeyBytes = 512

// maxLinkHops bounds how far Resolve follows links; Link refuses cycles,
// so a chain is only ever as long as the links made in a row.
const maxLinkHops = 64

// IdentityLink says that the person FromKey is the person IntoKey. Each key
// is linked into at most one other.
type IdentityLink struct {
	ID        uint64    `gorm:"primaryKey"`
	FromKey   string    `gorm:"not null;uniqueIndex"`
	IntoKey   string    `gorm:"not null;index"`
	CreatedBy string    `gorm:"size:320;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// DismissedSuggestion is a suggested link an admin dismissed: it is not
// offered again.
type DismissedSuggestion struct {
	ID          uint64    `gorm:"primaryKey"`
	FromKey     string    `gorm:"not null;uniqueIndex:idx_dismissed_suggestions_pair,priority:1"`
	IntoKey     string    `gorm:"not null;uniqueIndex:idx_dismissed_suggestions_pair,priority:2"`
	DismissedBy string    `gorm:"size:320;not null"`
	DismissedAt time.Time `gorm:"not null"`
}

// PersonLinks resolves person keys through the identity links. The zero
// value (no links) resolves every key to itself.
type PersonLinks struct {
	into map[string]string
}

// NewPersonLinks returns the resolver of links.
func NewPersonLinks(links []IdentityLink) PersonLinks {
	ids := PersonLinks{into: make(map[string]string, len(links))}
	for _, l := range links {
		ids.into[l.FromKey] = l.IntoKey
	}
	return ids
}

// Resolve returns the key that key is linked into, following links; a key
// linked to nothing is its own.
func (ids PersonLinks) Resolve(key string) string {
	for range maxLinkHops {
		next, ok := ids.into[key]
		if !ok {
			return key
		}
		key = next
	}
	return key
}

// Linked reports whether any link exists.
func (ids PersonLinks) Linked() bool { return len(ids.into) > 0 }

// Signature is a short digest of every link: equal for equal sets of
// links, so that what was computed under them can be told stale.
func (ids PersonLinks) Signature() string {
	if !ids.Linked() {
		return ""
	}
	froms := slices.Sorted(maps.Keys(ids.into))
	h := sha256.New()
	for _, from := range froms {
		h.Write([]byte(from))
		h.Write([]byte{0})
		h.Write([]byte(ids.into[from]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// Group returns every key that resolves to the same key as key (key
// included), sorted.
func (ids PersonLinks) Group(key string) []string {
	root := ids.Resolve(key)
	out := []string{root}
	for from := range ids.into {
		if from != root && ids.Resolve(from) == root {
			out = append(out, from)
		}
	}
	slices.Sort(out)
	return out
}

// ApplyLinks returns segs with each PersonKey (or Key, when unset)
// replaced by the key it resolves to. segs is not modified; with no links
// it is returned as it is.
func ApplyLinks(segs []Segment, ids PersonLinks) []Segment {
	if !ids.Linked() {
		return segs
	}
	out := slices.Clone(segs)
	for i := range out {
		k := out[i].PersonKey
		if k == "" {
			k = out[i].Key()
		}
		out[i].PersonKey = ids.Resolve(k)
	}
	return out
}

// checkKey refuses a key no person could have.
func checkKey(field, key string) error {
	switch {
	case strings.TrimSpace(key) == "":
		return &ValidationError{field, "no person given"}
	case len(key) > MaxKeyBytes:
		return &ValidationError{field, fmt.Sprintf("longer than %d bytes", MaxKeyBytes)}
	case !strings.Contains(key, ":"):
		return &ValidationError{field, "not a person key"}
	}
	return nil
}

// Links returns every identity link, oldest first.
func (s *Store) Links(ctx context.Context) ([]IdentityLink, error) {
	var ls []IdentityLink
	if err := s.db.WithContext(ctx).Order("created_at, id").Find(&ls).Error; err != nil {
		return nil, fmt.Errorf("models: identity links: %w", err)
	}
	return ls, nil
}

// PersonLinks returns the resolver of every identity link.
func (s *Store) PersonLinks(ctx context.Context) (PersonLinks, error) {
	ls, err := s.Links(ctx)
	if err != nil {
		return PersonLinks{}, err
	}
	return NewPersonLinks(ls), nil
}

// Link records that person from is person into, made by who at at. It
// refuses (ValidationError) a key linked already (unlink it first) and a
// link between keys that are one person already, which would make a cycle.
func (s *Store) Link(ctx context.Context, from, into, who string, at time.Time) error {
	if err := checkKey("person", from); err != nil {
		return err
	}
	if err := checkKey("into", into); err != nil {
		return err
	}
	err := s.Tx(ctx, func(tx *Tx) error {
		// Read inside the transaction: two admins linking at once cannot
		// both pass the cycle check (the unique from_key stops the rest).
		ids, err := tx.PersonLinks(ctx)
		if err != nil {
			return err
		}
		if cur, ok := ids.into[from]; ok {
			return &ValidationError{"person", "is linked to " + cur + " already; unlink it first"}
		}
		if ids.Resolve(into) == ids.Resolve(from) {
			return &ValidationError{"into", errSamePerson.Error()}
		}
		l := IdentityLink{FromKey: from, IntoKey: into, CreatedBy: who, CreatedAt: at.UTC()}
		return tx.db.WithContext(ctx).Create(&l).Error
	})
	var ve *ValidationError
	if err != nil && !errors.As(err, &ve) {
		if isUniqueViolation(err) {
			return &ValidationError{"person", "is linked already; unlink it first"}
		}
		return fmt.Errorf("models: link %q into %q: %w", from, into, err)
	}
	return err
}

// Unlink removes the link made from person key; ErrNotFound when there is
// none.
func (s *Store) Unlink(ctx context.Context, key string) error {
	var n int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := db.Where("from_key = ?", key).Delete(&IdentityLink{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("models: unlink %q: %w", key, err)
	}
	if n == 0 {
		return fmt.Errorf("models: link of %q: %w", key, ErrNotFound)
	}
	return nil
}

// Dismiss records that the suggestion to link from into into is not to be
// offered again. Dismissing twice is fine.
func (s *Store) Dismiss(ctx context.Context, from, into, who string, at time.Time) error {
	if err := checkKey("from", from); err != nil {
		return err
	}
	if err := checkKey("into", into); err != nil {
		return err
	}
	err := s.write(ctx, func(db *gorm.DB) error {
		var n int64
		if err := db.Model(&DismissedSuggestion{}).Where("from_key = ? AND into_key = ?", from, into).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		return db.Create(&DismissedSuggestion{FromKey: from, IntoKey: into, DismissedBy: who, DismissedAt: at.UTC()}).Error
	})
	if err != nil && !isUniqueViolation(err) {
		return fmt.Errorf("models: dismiss %q into %q: %w", from, into, err)
	}
	return nil
}

// Dismissed returns the dismissed suggestions as a set of from+"\x00"+into.
func (s *Store) Dismissed(ctx context.Context) (map[string]bool, error) {
	var ds []DismissedSuggestion
	if err := s.db.WithContext(ctx).Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("models: dismissed suggestions: %w", err)
	}
	out := make(map[string]bool, len(ds))
	for _, d := range ds {
		out[pairKey(d.FromKey, d.IntoKey)] = true
	}
	return out, nil
}

// pairKey is the set key of a suggestion.
func pairKey(from, into string) string { return from + "\x00" + into }

// isUniqueViolation reports whether err is a unique-constraint violation
// (the store translates both engines' into gorm.ErrDuplicatedKey).
func isUniqueViolation(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// MeetingIDsOfPeople returns the ids of up to limit meeting instances in
// which any of keys has a segment, newest first: the meetings whose
// attendance an identity link of those people changes.
func (s *Store) MeetingIDsOfPeople(ctx context.Context, keys []string, limit int) ([]uint64, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&Segment{}).Where("person_key IN ?", keys).
		Distinct().Order("meeting_id DESC").Limit(limit).Pluck("meeting_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("models: meetings of %d people: %w", len(keys), err)
	}
	return ids, nil
}
