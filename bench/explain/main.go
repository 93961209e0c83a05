// Command explain fills a rollcall database with 100,000 meetings and
// 5,000,000 segments (by default) and shows, for each query the pages and
// the queue run, the real SQL the Store sends, the engine's plan for it and
// how long it takes. It answers: does every query that matters use an index
// on both engines?
//
//	go run ./bench/explain                                  # SQLite, temp file
//	go run ./bench/explain -db 'postgres://postgres@127.0.0.1:5432/explain?sslmode=disable'
//
// The PostgreSQL database named must exist and is emptied first.
//
// The rows are generated, and the tables emptied, through the command's own
// connection; the queries measured are the Store's, whose statements and
// plans models.Store.Explain reports.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "github.com/mattn/go-sqlite3"    // registers the "sqlite3" driver

	"rollcall/models"
)

func main() {
	dsn := flag.String("db", "", "database: a postgres:// URL, or a SQLite path (default: a temp file)")
	meetings := flag.Int("meetings", 100_000, "meetings to generate")
	perMeeting := flag.Int("segments", 50, "segments per meeting")
	flag.Parse()
	if *dsn == "" {
		dir, err := os.MkdirTemp("", "rollcall-explain-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		*dsn = filepath.Join(dir, "explain.db")
	}
	ctx := context.Background()
	postgres := models.IsPostgres(*dsn)
	own, err := openOwn(*dsn, postgres)
	if err != nil {
		log.Fatal(err)
	}
	defer own.Close()
	if postgres {
		for _, t := range []string{"segments", "meetings", "webhook_events", "sessions", "users", "goose_db_version"} {
			own.Exec("DROP TABLE IF EXISTS " + t + " CASCADE")
		}
	}
	store, err := models.Open(ctx, *dsn, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	if err := fill(own, postgres, *meetings, *perMeeting); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("# %s: %d meetings, %d segments generated in %s\n\n", store.Dialect(), *meetings,
		*meetings**perMeeting, time.Since(start).Round(time.Second))

	mid := uint64(*meetings / 2)
	var deep models.MeetingCursor
	err = own.QueryRow(fmt.Sprintf("SELECT start_time, id FROM meetings ORDER BY start_time DESC, id DESC LIMIT 1 OFFSET %d",
		*meetings*9/10)).Scan(&deep.StartTime, &deep.ID)
	if err != nil {
		log.Fatal(err)
	}
	from := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var person string
	if err := own.QueryRow(fmt.Sprintf("SELECT person_key FROM segments WHERE meeting_id = %d LIMIT 1", mid)).Scan(&person); err != nil {
		log.Fatal(err)
	}
	queries := []struct {
		name string
		run  func(s *models.Store) error
	}{
		{"meetings list, first page", func(s *models.Store) error {
			_, err := s.ListMeetings(ctx, models.MeetingFilter{Limit: 50})
			return err
		}},
		{"meetings list, page 90% deep (keyset)", func(s *models.Store) error {
			_, err := s.ListMeetings(ctx, models.MeetingFilter{Limit: 50,
				Before: &deep})
			return err
		}},
		{"meetings list, date range", func(s *models.Store) error {
			_, err := s.ListMeetings(ctx, models.MeetingFilter{Limit: 50, From: from, To: from.AddDate(0, 0, 7)})
			return err
		}},
		{"meetings list, search", func(s *models.Store) error {
			_, err := s.ListMeetings(ctx, models.MeetingFilter{Limit: 50, Q: "topic 421"})
			return err
		}},
		{"meetings list, host filter", func(s *models.Store) error {
			_, err := s.ListMeetings(ctx, models.MeetingFilter{Limit: 50, Host: "host17@example.com"})
			return err
		}},
		{"meeting by uuid (webhook, worker)", func(s *models.Store) error {
			_, err := s.MeetingByUUID(ctx, fmt.Sprintf("m-%d==", mid))
			return err
		}},
		{"one meeting's segments (meeting page)", func(s *models.Store) error {
			_, err := s.SegmentsForPage(ctx, mid)
			return err
		}},
		{"one meeting's segments (sessions.csv cursor)", func(s *models.Store) error {
			rows, err := s.ExportSegments(ctx, mid)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			return rows.Close()
		}},
		{"series instances", func(s *models.Store) error {
			_, err := s.SeriesInstances(ctx, 80_000_000_017, 60)
			return err
		}},
		{"person's meetings", func(s *models.Store) error {
			_, err := s.PersonMeetings(ctx, person, 200)
			return err
		}},
		{"admin queue: counts by status", func(s *models.Store) error {
			_, err := s.CountByStatus(ctx)
			return err
		}},
		{"admin queue: pending and failed", func(s *models.Store) error {
			_, err := s.MeetingsByStatus(ctx, []string{models.FetchPending, models.FetchFetching, models.FetchFailed}, 200)
			return err
		}},
		{"reconciler: stale pending meetings", func(s *models.Store) error {
			_, err := s.StaleMeetings(ctx, time.Now().Add(-5*time.Minute), 500)
			return err
		}},
	}
	for _, q := range queries {
		plans, err := store.Explain(ctx, q.run)
		if err != nil {
			log.Fatalf("%s: %v", q.name, err)
		}
		var times []time.Duration
		for range 5 {
			t0 := time.Now()
			if err := q.run(store); err != nil {
				log.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		fmt.Printf("## %s — median %s\n\n", q.name, times[2].Round(10*time.Microsecond))
		for _, p := range plans {
			fmt.Printf("```sql\n%s\n```\n\n```\n%s```\n\n", p.SQL, p.Plan)
		}
	}
}

// openOwn opens the command's own connection to dsn, on which it empties
// and fills the tables.
func openOwn(dsn string, postgres bool) (*sql.DB, error) {
	if postgres {
		return sql.Open("pgx", dsn)
	}
	if !strings.HasPrefix(dsn, "file:") {
		dsn = "file:" + dsn
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return sql.Open("sqlite3", dsn+sep+"_busy_timeout=10000&_foreign_keys=on")
}

// fill generates the rows in SQL, on the engine itself: fast, and the same
// shape on both. Meeting i starts i×30 minutes after 2025-01-01; every 20th
// meeting shares a series number; 2% are pending or failed; each meeting
// has perMeeting segments of people drawn from 200,000.
func fill(db *sql.DB, postgres bool, meetings, perMeeting int) error {
	segs := meetings * perMeeting
	var mq, sq string
	if postgres {
		mq = fmt.Sprintf(`INSERT INTO meetings (id, uuid, meeting_number, webinar, topic, host_id, host_name, host_email, type,
			start_time, end_time, timezone, account_id, fetch_status, fetch_attempts, last_error, source, people, segment_count, created_at, updated_at)
			SELECT i, 'm-' || i || '==', 80000000000 + i %% 5000, false, 'Topic ' || (i %% 1000), 'h' || (i %% 300),
			'Host ' || (i %% 300), 'host' || (i %% 300) || '@example.com', 8,
			timestamptz '2025-01-01 00:00:00+00' + i * interval '30 minutes',
			timestamptz '2025-01-01 01:00:00+00' + i * interval '30 minutes', 'UTC', 'acct',
			CASE WHEN i %% 50 = 0 THEN 'pending' WHEN i %% 50 = 1 THEN 'failed' ELSE 'fetched' END, 1, '', 'dashboard', %d, %d, now(), now()
			FROM generate_series(1::bigint, %d) AS i`, perMeeting, perMeeting, meetings)
		sq = fmt.Sprintf(`INSERT INTO segments (meeting_id, seq, source, person_key, participant_id, user_id, participant_uuid,
			participant_user_id, registrant_id, customer_key, name, email, join_time, leave_time, leave_reason, status, role,
			device, os, location, ip_address, raw)
			SELECT i / %[1]d + 1, i %% %[1]d, 'dashboard', 'e:person' || ((i * 7919) %% 200000) || '@example.com', '', (i + 16778240)::text, '',
			'', '', '', 'Person ' || ((i * 7919) %% 200000), 'person' || ((i * 7919) %% 200000) || '@example.com',
			timestamptz '2025-01-01 00:00:00+00' + (i / %[1]d + 1) * interval '30 minutes' + (i %% %[1]d) * interval '1 minute',
			timestamptz '2025-01-01 00:40:00+00' + (i / %[1]d + 1) * interval '30 minutes' + (i %% %[1]d) * interval '1 minute',
			'Left the meeting.', 'in_meeting', 'attendee', 'Mac', 'macOS', 'Berlin', '192.0.2.1',
			'{"user_name":"Person","email":"p@example.com","device":"Mac"}'
			FROM generate_series(0::bigint, %[2]d - 1) AS i`, perMeeting, segs)
	} else {
		mq = fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)
			INSERT INTO meetings (id, uuid, meeting_number, webinar, topic, host_id, host_name, host_email, type,
			start_time, end_time, timezone, account_id, fetch_status, fetch_attempts, last_error, source, people, segment_count, created_at, updated_at)
			SELECT i, 'm-' || i || '==', 80000000000 + i %% 5000, 0, 'Topic ' || (i %% 1000), 'h' || (i %% 300),
			'Host ' || (i %% 300), 'host' || (i %% 300) || '@example.com', 8,
			strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', '2025-01-01', '+' || (i * 30) || ' minutes'),
			strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', '2025-01-01', '+' || (i * 30 + 60) || ' minutes'), 'UTC', 'acct',
			CASE WHEN i %% 50 = 0 THEN 'pending' WHEN i %% 50 = 1 THEN 'failed' ELSE 'fetched' END, 1, '', 'dashboard', %d, %d,
			datetime('now'), datetime('now') FROM c`, meetings, perMeeting, perMeeting)
		sq = fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < %[2]d - 1)
			INSERT INTO segments (meeting_id, seq, source, person_key, participant_id, user_id, participant_uuid,
			participant_user_id, registrant_id, customer_key, name, email, join_time, leave_time, leave_reason, status, role,
			device, os, location, ip_address, raw)
			SELECT i / %[1]d + 1, i %% %[1]d, 'dashboard', 'e:person' || ((i * 7919) %% 200000) || '@example.com', '', i + 16778240, '',
			'', '', '', 'Person ' || ((i * 7919) %% 200000), 'person' || ((i * 7919) %% 200000) || '@example.com',
			strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', '2025-01-01', '+' || ((i / %[1]d + 1) * 30 + i %% %[1]d) || ' minutes'),
			strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', '2025-01-01', '+' || ((i / %[1]d + 1) * 30 + i %% %[1]d + 40) || ' minutes'),
			'Left the meeting.', 'in_meeting', 'attendee', 'Mac', 'macOS', 'Berlin', '192.0.2.1',
			'{"user_name":"Person","email":"p@example.com","device":"Mac"}' FROM c`, perMeeting, segs)
	}
	if _, err := db.Exec(mq); err != nil {
		return fmt.Errorf("meetings: %w", err)
	}
	if _, err := db.Exec(sq); err != nil {
		return fmt.Errorf("segments: %w", err)
	}
	if postgres {
		db.Exec("SELECT setval(pg_get_serial_sequence('meetings', 'id'), (SELECT MAX(id) FROM meetings))")
	}
	_, err := db.Exec("ANALYZE")
	return err
}
