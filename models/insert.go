package models

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// The hot writes (webhook intake, storing a fetch) skip GORM: its
// reflection costs more than the engine's work for a batch of small rows,
// and its Create reads back ids that nobody uses. They go through
// insertRows instead, in multi-row INSERT statements of a few fixed sizes,
// so that each engine's statement cache (mattn/go-sqlite3's
// _stmt_cache_size, pgx's per-connection cache) keeps every shape
// prepared.

// maxInsertChunk is the most rows one INSERT statement carries. A chunk is
// a power of two up to it, so that a table has at most 8 statement shapes;
// 64 rows of segments are 1,472 parameters, far below either engine's limit.
const maxInsertChunk = 64

// rowInsert is one multi-row INSERT: INSERT INTO table (cols) VALUES
// (...), (...) suffix. suffix is an ON CONFLICT or RETURNING clause, or "".
type rowInsert struct {
	table  string
	cols   []string
	suffix string
}

// statements caches rowInsert.statement's results: the hot inserts ask
// for the same few shapes all day.
var statements sync.Map // statementKey -> string

type statementKey struct {
	ins     *rowInsert
	dialect string
	rows    int
}

// statement returns the SQL of ins for rows rows in dialect's placeholders.
func (ins *rowInsert) statement(dialect string, rows int) string {
	k := statementKey{ins, dialect, rows}
	if q, ok := statements.Load(k); ok {
		return q.(string)
	}
	q := ins.build(dialect, rows)
	statements.Store(k, q)
	return q
}

// build writes the SQL that statement returns.
func (ins *rowInsert) build(dialect string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(ins.table)
	b.WriteString(" (")
	b.WriteString(strings.Join(ins.cols, ", "))
	b.WriteString(") VALUES ")
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range ins.cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if dialect == DialectPostgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	if ins.suffix != "" {
		b.WriteByte(' ')
		b.WriteString(ins.suffix)
	}
	return b.String()
}

// chunkSize is the size of the next chunk when left rows remain: the
// largest power of two not above left or maxInsertChunk.
func chunkSize(left int) int {
	n := maxInsertChunk
	for n > left {
		n /= 2
	}
	return n
}

// insertRows inserts n rows inside the transaction; rowArgs appends the
// values of row i (one per column, in order) to args. Text values are
// cleaned as GORM's callback cleans them (cleanText). When scan is not
// nil the statements' results (a RETURNING clause) are passed to it row by
// row.
func (s *Tx) insertRows(ctx context.Context, ins *rowInsert, n int, rowArgs func(i int, args []any) []any,
	scan func(*sql.Rows) error) error {
	args := make([]any, 0, len(ins.cols)*min(n, maxInsertChunk))
	for start := 0; start < n; {
		size := chunkSize(n - start)
		args = args[:0]
		for i := start; i < start+size; i++ {
			args = rowArgs(i, args)
		}
		for i, a := range args {
			if v, ok := a.(string); ok {
				args[i] = cleanText(v)
			}
		}
		if err := s.runInsert(ctx, ins.statement(s.dialect, size), args, scan); err != nil {
			return err
		}
		start += size
	}
	return nil
}

func (s *Tx) runInsert(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	if scan == nil {
		_, err := s.sqlTx.ExecContext(ctx, query, args...)
		return err
	}
	rows, err := s.sqlTx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// rebind turns query's ? placeholders into PostgreSQL's $1, $2, … there;
// query must hold no other question mark.
func (s *Store) rebind(query string) string {
	if s.dialect != DialectPostgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}
