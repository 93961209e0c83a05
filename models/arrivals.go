package models

import (
	"context"
	"fmt"
	"slices"
)

// FillArrivals sets ArrivedVia and PracticeSession of ms from the
// database. The list queries leave those two out (their columns came in
// later schema versions, and the queries that share listColumns also run
// on a database still being upgraded); the API shows them, so it reads them
// here, one query by primary key per 500 meetings.
func (s *Store) FillArrivals(ctx context.Context, ms []Meeting) error {
	if len(ms) == 0 {
		return nil
	}
	at := make(map[uint64]int, len(ms))
	ids := make([]uint64, len(ms))
	for i, m := range ms {
		at[m.ID], ids[i] = i, m.ID
	}
	for chunk := range slices.Chunk(ids, 500) {
		var rows []struct {
			ID              uint64
			ArrivedVia      string
			PracticeSession bool
		}
		err := s.db.WithContext(ctx).Model(&Meeting{}).Select("id, arrived_via, practice_session").
			Where("id IN ?", chunk).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("models: arrivals of %d meetings: %w", len(chunk), err)
		}
		for _, r := range rows {
			m := &ms[at[r.ID]]
			m.ArrivedVia, m.PracticeSession = r.ArrivedVia, r.PracticeSession
		}
	}
	return nil
}
