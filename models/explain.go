package models

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// QueryPlan is one statement a Store method sent and the engine's plan for
// it.
type QueryPlan struct {
	// SQL is the statement with its arguments written in, as GORM logs it.
	SQL string
	// Plan is the engine's plan, one line per row: EXPLAIN QUERY PLAN's
	// details on SQLite, EXPLAIN ANALYZE's text on PostgreSQL (which runs
	// the statement). If the engine could not explain the statement, it is
	// "explain failed: " and the error.
	Plan string
}

// Explain runs fn on a Store that records every statement it sends, then
// asks the engine for each one's plan, in the order they were sent. It
// answers, for bench/explain, whether the queries the app runs use an
// index on both engines; fn should only read, as on PostgreSQL every
// statement runs once more under EXPLAIN ANALYZE. fn's error is returned
// as it is.
func (s *Store) Explain(ctx context.Context, fn func(s *Store) error) ([]QueryPlan, error) {
	capture := &captureLogger{}
	recording := *s
	recording.db = s.db.Session(&gorm.Session{Logger: capture})
	if err := fn(&recording); err != nil {
		return nil, err
	}
	plans := make([]QueryPlan, 0, len(capture.sqls))
	for _, sql := range capture.sqls {
		plans = append(plans, QueryPlan{SQL: sql, Plan: s.plan(ctx, sql)})
	}
	return plans, nil
}

// plan returns the engine's plan of sql, one line per row.
func (s *Store) plan(ctx context.Context, sql string) string {
	prefix := "EXPLAIN QUERY PLAN "
	if s.dialect == DialectPostgres {
		prefix = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
	}
	rows, err := s.db.WithContext(ctx).Raw(prefix + sql).Rows()
	if err != nil {
		return "explain failed: " + err.Error() + "\n"
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "explain failed: " + err.Error() + "\n"
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "explain failed: " + err.Error() + "\n"
		}
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		fmt.Fprintf(&b, "%v\n", vals[len(vals)-1])
	}
	return b.String()
}

// captureLogger records the SQL of every statement run through it.
type captureLogger struct {
	mu   sync.Mutex
	sqls []string
}

func (c *captureLogger) LogMode(logger.LogLevel) logger.Interface { return c }
func (c *captureLogger) Info(context.Context, string, ...any)     {}
func (c *captureLogger) Warn(context.Context, string, ...any)     {}
func (c *captureLogger) Error(context.Context, string, ...any)    {}
func (c *captureLogger) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	c.mu.Lock()
	c.sqls = append(c.sqls, sql)
	c.mu.Unlock()
}
