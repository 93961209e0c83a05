package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MissedMeeting is an instance a person was expected at and missed.
type MissedMeeting struct {
	Meeting Meeting
	// Reason says why they were expected (Expected.Reason).
	Reason string
}

// PersonMissed returns the instances, newest first and at most limit of
// them, that the person of history h was expected at (by a roster entry or
// as a registrant) and missed: their absent rows in those instances' rolls.
// keys are the person's keys (PersonLinks.Group), ids the links.
func (s *Store) PersonMissed(ctx context.Context, h PersonHistory, keys []string, ids PersonLinks, now time.Time, th Thresholds, limit int) ([]MissedMeeting, error) {
	cands, err := s.expectedMeetings(ctx, h, keys, limit)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	ins, err := s.RollInputsFor(ctx, cands)
	if err != nil {
		return nil, err
	}
	mids := make([]uint64, len(cands))
	for i, m := range cands {
		mids[i] = m.ID
	}
	segs, err := s.SegmentsOf(ctx, mids)
	if err != nil {
		return nil, err
	}
	mine := func(r RollRow) bool {
		return slices.Contains(keys, r.Key) || ids.Resolve(r.Key) == h.Key ||
			(r.Email != "" && slices.Contains(h.Emails, r.Email))
	}
	var out []MissedMeeting
	for _, m := range cands {
		roll := BuildRoll(m, segs[m.ID], now, th, ins[m.ID])
		if i := slices.IndexFunc(roll.Absent, mine); i >= 0 {
			out = append(out, MissedMeeting{Meeting: m, Reason: roll.Absent[i].Reason})
		}
	}
	return out, nil
}

// expectedMeetings returns the instances, newest first and at most limit,
// of the series whose rosters list the person and of the registrations
// they made, leaving out those they have a row in.
func (s *Store) expectedMeetings(ctx context.Context, h PersonHistory, keys []string, limit int) ([]Meeting, error) {
	attended := make(map[uint64]bool, len(h.Meetings))
	for _, pa := range h.Meetings {
		attended[pa.Meeting.ID] = true
	}
	var cands []Meeting
	seen := map[uint64]bool{}
	add := func(m Meeting) {
		if !attended[m.ID] && !seen[m.ID] {
			seen[m.ID] = true
			cands = append(cands, m)
		}
	}
	entries, err := s.RosterEntriesMatching(ctx, slices.Clone(h.Emails), keys)
	if err != nil {
		return nil, err
	}
	numbers := map[int64]bool{}
	for _, e := range entries {
		if numbers[e.MeetingNumber] {
			continue
		}
		numbers[e.MeetingNumber] = true
		ms, err := s.SeriesInstances(ctx, e.MeetingNumber, limit)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		for _, m := range ms {
			add(m)
		}
	}
	rids := slices.Clone(h.RegistrantIDs)
	for _, k := range keys {
		if v, ok := strings.CutPrefix(k, KeyPrefixRegistrant); ok && !slices.Contains(rids, v) {
			rids = append(rids, v)
		}
	}
	regIDs, err := s.RegistrantMeetings(ctx, rids, h.Emails)
	if err != nil {
		return nil, err
	}
	for chunk := range slices.Chunk(regIDs, 500) {
		var ms []Meeting
		if err := s.db.WithContext(ctx).Select(listColumns).Where("id IN ?", chunk).Find(&ms).Error; err != nil {
			return nil, fmt.Errorf("models: meetings of registrations: %w", err)
		}
		for _, m := range ms {
			add(m)
		}
	}
	cands = newestFirst(cands, limit)
	return cands, nil
}
