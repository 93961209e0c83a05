package models

import (
	"context"
	"errors"
	"fmt"
)

// Fault is a way the database refuses writes, which Store.InjectFault
// simulates so that tests outside models can prove what the app does then.
type Fault int

const (
	// FaultDiskFull stops the database file from growing: a write that
	// needs a new page fails exactly as on a full disk (SQLITE_FULL).
	FaultDiskFull Fault = iota + 1
	// FaultReadOnly makes every write fail as on a read-only database.
	FaultReadOnly
)

// InjectFault makes the Store's writes fail as f does until the returned
// restore function is called; it exists for tests of the app's failure paths
// and no production code calls it. SQLite only (on PostgreSQL it returns an
// error): it pins the Store's pool to one connection, for the rest of the
// Store's life, and sets a per-connection PRAGMA on it (max_page_count or
// query_only). The job queue's pool is left alone.
func (s *Store) InjectFault(ctx context.Context, f Fault) (restore func() error, err error) {
	if s.dialect != DialectSQLite {
		return nil, fmt.Errorf("models: inject fault: not on %s", s.dialect)
	}
	s.sqlDB.SetMaxOpenConns(1)
	s.sqlDB.SetMaxIdleConns(1)
	var set, unset string
	switch f {
	case FaultDiskFull:
		var pages int64
		if err := s.sqlDB.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			return nil, fmt.Errorf("models: inject fault: %w", err)
		}
		set = fmt.Sprintf("PRAGMA max_page_count = %d", pages+1)
		unset = "PRAGMA max_page_count = 1073741823"
	case FaultReadOnly:
		set, unset = "PRAGMA query_only = ON", "PRAGMA query_only = OFF"
	default:
		return nil, errors.New("models: inject fault: unknown fault")
	}
	if _, err := s.sqlDB.ExecContext(ctx, set); err != nil {
		return nil, fmt.Errorf("models: inject fault: %w", err)
	}
	return func() error {
		if _, err := s.sqlDB.ExecContext(context.WithoutCancel(ctx), unset); err != nil {
			return fmt.Errorf("models: clear fault: %w", err)
		}
		return nil
	}, nil
}
