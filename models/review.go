package models

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// ReviewSuggestions returns the links worth offering an admin, from the
// latest instances meetings: each roll's name-only matches of an absentee
// (BuildRoll), and people of one series who share a normalized name under
// different keys (NameTwins). Dismissed pairs are left out, and so is a
// pair already linked.
func (s *Store) ReviewSuggestions(ctx context.Context, instances int, now time.Time, th Thresholds) ([]Suggestion, error) {
	var ms []Meeting
	if err := s.db.WithContext(ctx).Select(listColumns).Order("start_time DESC, id DESC").Limit(instances).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("models: meetings to review: %w", err)
	}
	l := s.NewRollLoader()
	ins, err := l.Inputs(ctx, ms)
	if err != nil {
		return nil, err
	}
	mids := make([]uint64, len(ms))
	for i, m := range ms {
		mids[i] = m.ID
	}
	segs, err := s.SegmentsOf(ctx, mids)
	if err != nil {
		return nil, err
	}
	var out []Suggestion
	seen := map[string]bool{}
	add := func(ss []Suggestion) {
		for _, sg := range ss {
			if k := pairKey(sg.From, sg.Into); !seen[k] && l.ids.Resolve(sg.From) != l.ids.Resolve(sg.Into) {
				seen[k] = true
				out = append(out, sg)
			}
		}
	}
	series := map[int64][]NamedKey{}
	topics := map[int64]string{}
	for _, m := range ms {
		roll := BuildRoll(m, segs[m.ID], now, th, ins[m.ID])
		add(roll.Suggestions)
		if m.MeetingNumber == 0 {
			continue
		}
		if topics[m.MeetingNumber] == "" {
			topics[m.MeetingNumber] = m.Topic
		}
		for _, p := range roll.People {
			series[m.MeetingNumber] = append(series[m.MeetingNumber], NamedKey{Key: p.Key, Name: p.Name})
		}
	}
	for number, people := range series {
		where := "the series " + strconv.FormatInt(number, 10)
		if t := topics[number]; t != "" {
			where = "the series " + t
		}
		add(NameTwins(people, where, l.dismissed))
	}
	sortSuggestions(out)
	return out, nil
}
