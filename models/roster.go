package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// This file holds who is expected at a meeting: a series' roster (set by
// an admin from a CSV file, roster_csv.go) and the approved registrants of
// an instance (fetched from Zoom with its participants). The matching of
// expected people to attendees is in roll.go.

// MaxRosterEntries is the most entries one series' roster may hold.
const MaxRosterEntries = 10000

// RosterEntry is one person on a series' roster.
type RosterEntry struct {
	ID uint64 `gorm:"primaryKey"`
	// MeetingNumber is the series the entry belongs to.
	MeetingNumber int64 `gorm:"not null;index"`
	// Line is the entry's line in the uploaded file.
	Line int `gorm:"not null"`
	// Email is lower-cased; Name is as given (trimmed). One of them is set.
	Email string `gorm:"size:254"`
	Name  string `gorm:"size:200"`
	// ExternalID and Group are the optional columns external_id and group.
	ExternalID string `gorm:"size:200"`
	Group      string `gorm:"column:group_name;size:200"`
}

// Key is the identity the entry stands for: the email's person key
// ("e:"), else "l:" and the normalized name. A name-only entry never has
// an attendee's key ("n:"), so it is matched only through an identity link
// an admin made (often by confirming a suggestion), never by name alone.
func (e RosterEntry) Key() string {
	if e.Email != "" {
		return KeyPrefixEmail + e.Email
	}
	return KeyPrefixListed + NormalizeName(e.Name)
}

// KeyPrefixListed marks the identity of a roster entry that has a name but
// no email.
const KeyPrefixListed = "l:"

// RosterUpload reports the last upload of a series' roster: who, when,
// how many entries were taken and the refusals, one a line.
type RosterUpload struct {
	MeetingNumber int64     `gorm:"primaryKey;autoIncrement:false"`
	UploadedBy    string    `gorm:"size:320;not null"`
	UploadedAt    time.Time `gorm:"not null"`
	Taken         int       `gorm:"not null;default:0"`
	// Replaced is false when the whole file was refused and the roster
	// kept as it was.
	Replaced bool `gorm:"not null;default:false"`
	Refusals string
}

// RefusalLines returns the refusals, one a line.
func (u RosterUpload) RefusalLines() []string {
	if u.Refusals == "" {
		return nil
	}
	return strings.Split(u.Refusals, "\n")
}

// Registrant is one approved registrant of a meeting instance.
type Registrant struct {
	ID        uint64 `gorm:"primaryKey"`
	MeetingID uint64 `gorm:"not null;index"`
	// RegistrantID is Zoom's registrant id (participant rows' registrant_id).
	RegistrantID string `gorm:"not null;index"`
	// Email is lower-cased.
	Email string `gorm:"index"`
	Name  string
}

// RegistrantFetch records the last fetch of an instance's registrants:
// how many, or why Zoom refused them (Error, shown on the meeting page).
type RegistrantFetch struct {
	MeetingID uint64    `gorm:"primaryKey;autoIncrement:false"`
	FetchedAt time.Time `gorm:"not null"`
	Count     int       `gorm:"not null;default:0"`
	Error     string
}

// ReplaceRoster sets the roster of series number to entries (which
// ParseRoster checked) and records the upload, in one transaction.
func (s *Store) ReplaceRoster(ctx context.Context, number int64, entries []RosterEntry, up RosterUpload) error {
	if len(entries) > MaxRosterEntries {
		return &ValidationError{"roster", fmt.Sprintf("more than %d entries", MaxRosterEntries)}
	}
	up.MeetingNumber, up.UploadedAt, up.Replaced = number, up.UploadedAt.UTC(), true
	up.Taken = len(entries)
	err := s.Tx(ctx, func(tx *Tx) error {
		db := tx.db.WithContext(ctx)
		if err := db.Where("meeting_number = ?", number).Delete(&RosterEntry{}).Error; err != nil {
			return err
		}
		if len(entries) > 0 {
			rows := slices.Clone(entries)
			for i := range rows {
				rows[i].ID, rows[i].MeetingNumber = 0, number
			}
			if err := db.CreateInBatches(rows, 500).Error; err != nil {
				return err
			}
		}
		return saveUpload(db, up)
	})
	if err != nil {
		return fmt.Errorf("models: replace roster of %d: %w", number, err)
	}
	return nil
}

// RecordRefusedRoster records an upload refused as a whole: the roster of
// series number stays as it was.
func (s *Store) RecordRefusedRoster(ctx context.Context, number int64, up RosterUpload) error {
	up.MeetingNumber, up.UploadedAt, up.Replaced, up.Taken = number, up.UploadedAt.UTC(), false, 0
	if err := s.write(ctx, func(db *gorm.DB) error { return saveUpload(db, up) }); err != nil {
		return fmt.Errorf("models: record roster upload of %d: %w", number, err)
	}
	return nil
}

// saveUpload replaces the upload record of up's series.
func saveUpload(db *gorm.DB, up RosterUpload) error {
	if err := db.Where("meeting_number = ?", up.MeetingNumber).Delete(&RosterUpload{}).Error; err != nil {
		return err
	}
	return db.Create(&up).Error
}

// Roster returns the roster of series number in file order (empty when it
// has none).
func (s *Store) Roster(ctx context.Context, number int64) ([]RosterEntry, error) {
	var es []RosterEntry
	if err := s.db.WithContext(ctx).Where("meeting_number = ?", number).Order("line, id").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("models: roster of %d: %w", number, err)
	}
	return es, nil
}

// LastRosterUpload returns the last upload of series number's roster, or
// ErrNotFound.
func (s *Store) LastRosterUpload(ctx context.Context, number int64) (RosterUpload, error) {
	var up RosterUpload
	err := s.db.WithContext(ctx).Where("meeting_number = ?", number).Take(&up).Error
	if err != nil {
		return up, notFound(err, fmt.Sprintf("roster upload of %d", number))
	}
	return up, nil
}

// RosterNumbers returns the series that have a roster.
func (s *Store) RosterNumbers(ctx context.Context) ([]int64, error) {
	var ns []int64
	err := s.db.WithContext(ctx).Model(&RosterEntry{}).Distinct().Order("meeting_number").Pluck("meeting_number", &ns).Error
	if err != nil {
		return nil, fmt.Errorf("models: series with rosters: %w", err)
	}
	return ns, nil
}

// RosterEntriesMatching returns the roster entries, of any series, whose
// email is one of emails or whose Key is one of keys: the entries that
// expect one person.
func (s *Store) RosterEntriesMatching(ctx context.Context, emails, keys []string) ([]RosterEntry, error) {
	var names []string
	for _, k := range keys {
		if n, ok := strings.CutPrefix(k, KeyPrefixListed); ok {
			names = append(names, n)
		}
		if e, ok := strings.CutPrefix(k, KeyPrefixEmail); ok {
			emails = append(emails, e)
		}
	}
	var out []RosterEntry
	for chunk := range slices.Chunk(emails, 500) {
		var part []RosterEntry
		if err := s.db.WithContext(ctx).Where("email IN ?", chunk).Find(&part).Error; err != nil {
			return nil, fmt.Errorf("models: roster entries by email: %w", err)
		}
		out = append(out, part...)
	}
	if len(names) > 0 {
		// Name-only entries are few per person key; compare normalized.
		var part []RosterEntry
		if err := s.db.WithContext(ctx).Where("email = ''").Find(&part).Error; err != nil {
			return nil, fmt.Errorf("models: roster entries by name: %w", err)
		}
		for _, e := range part {
			if slices.Contains(names, NormalizeName(e.Name)) {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// ReplaceRegistrants stores the outcome of fetching meeting id's approved
// registrants: the list (replacing an earlier one) when fetchErr is "",
// else only the error, keeping what an earlier fetch stored.
func (s *Store) ReplaceRegistrants(ctx context.Context, id uint64, regs []Registrant, fetchErr string, at time.Time) error {
	err := s.Tx(ctx, func(tx *Tx) error {
		db := tx.db.WithContext(ctx)
		rec := RegistrantFetch{MeetingID: id, FetchedAt: at.UTC(), Count: len(regs), Error: fetchErr}
		if fetchErr == "" {
			if err := db.Where("meeting_id = ?", id).Delete(&Registrant{}).Error; err != nil {
				return err
			}
			rows := make([]Registrant, len(regs))
			for i, r := range regs {
				rows[i] = Registrant{MeetingID: id, RegistrantID: strings.TrimSpace(r.RegistrantID),
					Email: lower(strings.TrimSpace(r.Email)), Name: strings.TrimSpace(r.Name)}
			}
			if len(rows) > 0 {
				if err := db.CreateInBatches(rows, 500).Error; err != nil {
					return err
				}
			}
		} else {
			var n int64
			if err := db.Model(&Registrant{}).Where("meeting_id = ?", id).Count(&n).Error; err != nil {
				return err
			}
			rec.Count = int(n)
		}
		if err := db.Where("meeting_id = ?", id).Delete(&RegistrantFetch{}).Error; err != nil {
			return err
		}
		return db.Create(&rec).Error
	})
	if err != nil {
		return fmt.Errorf("models: registrants of meeting %d: %w", id, err)
	}
	return nil
}

// Registrants returns the stored registrants of the meetings ids, by
// meeting id.
func (s *Store) Registrants(ctx context.Context, ids []uint64) (map[uint64][]Registrant, error) {
	out := map[uint64][]Registrant{}
	for chunk := range slices.Chunk(ids, 500) {
		var part []Registrant
		if err := s.db.WithContext(ctx).Where("meeting_id IN ?", chunk).Order("meeting_id, id").Find(&part).Error; err != nil {
			return nil, fmt.Errorf("models: registrants: %w", err)
		}
		for _, r := range part {
			out[r.MeetingID] = append(out[r.MeetingID], r)
		}
	}
	return out, nil
}

// RegistrantFetchOf returns the last registrant fetch of meeting id, or
// ErrNotFound when there was none.
func (s *Store) RegistrantFetchOf(ctx context.Context, id uint64) (RegistrantFetch, error) {
	var f RegistrantFetch
	err := s.db.WithContext(ctx).Where("meeting_id = ?", id).Take(&f).Error
	if err != nil {
		return f, notFound(err, fmt.Sprintf("registrant fetch of meeting %d", id))
	}
	return f, nil
}

// RegistrantMeetings returns the ids of the meetings at which a registrant
// has one of the registrant ids rids or one of the emails.
func (s *Store) RegistrantMeetings(ctx context.Context, rids, emails []string) ([]uint64, error) {
	var ids []uint64
	if len(rids) == 0 && len(emails) == 0 {
		return nil, nil
	}
	q := s.db.WithContext(ctx).Model(&Registrant{}).Distinct()
	switch {
	case len(rids) > 0 && len(emails) > 0:
		q = q.Where("registrant_id IN ? OR email IN ?", rids, emails)
	case len(rids) > 0:
		q = q.Where("registrant_id IN ?", rids)
	default:
		q = q.Where("email IN ?", emails)
	}
	if err := q.Pluck("meeting_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("models: meetings of registrants: %w", err)
	}
	return ids, nil
}

// errSamePerson refuses a link between keys that are one person already.
var errSamePerson = errors.New("already the same person")
