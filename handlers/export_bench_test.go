package handlers

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rollcall/internal/testdb"
	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// BenchmarkExportSessions streams a sessions.csv of one meeting from a real
// SQLite file to io.Discard through the store's cursor and the encoder
// ("cursor"), beside a baseline in the same run: the same CSV records,
// already formatted and held in memory, written by a bare encoding/csv loop
// ("baseline"). Each reports rows/s, the peak heap in use while it ran
// (sampled every millisecond) and the process's peak RSS so far (VmHWM).
//
// The row count is ROLLCALL_EXPORT_ROWS (default 20,000, so that -bench .
// stays quick); BENCHMARKS.md's figures use 1,000,000. The database is built
// in a temp dir, or kept at ROLLCALL_EXPORT_DB to reuse between runs.
// VmHWM is per process and never goes down: run the sub-benchmarks in
// separate processes to read each one's peak RSS.
func BenchmarkExportSessions(b *testing.B) {
	n := exportBenchRows(b)
	store, id, path := exportBenchStore(b, n)
	ctx := context.Background()
	opt := csvOptions{loc: time.UTC}

	b.Run("cursor", func(b *testing.B) {
		var rows int
		peak := sampleHeap(func() {
			b.ResetTimer()
			for b.Loop() {
				keys, err := store.SegmentRawKeys(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				cur, err := store.ExportSegments(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				rows, err = writeSessions(io.Discard, cur, opt, keys)
				if err != nil {
					b.Fatal(err)
				}
				cur.Close()
			}
		})
		if rows != n {
			b.Fatalf("exported %d rows, want %d", rows, n)
		}
		reportExport(b, n, peak)
	})

	// Where the cursor's time goes: the raw-keys read alone (one meeting
	// row since schema version 8), and the cursor alone (every row
	// scanned, nothing encoded).
	b.Run("keys", func(b *testing.B) {
		peak := sampleHeap(func() {
			b.ResetTimer()
			for b.Loop() {
				if _, err := store.SegmentRawKeys(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
		reportExport(b, n, peak)
	})
	b.Run("scan", func(b *testing.B) {
		peak := sampleHeap(func() {
			b.ResetTimer()
			for b.Loop() {
				cur, err := store.ExportSegments(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				rows := 0
				for cur.Next() {
					rows++
				}
				if err := cur.Err(); err != nil || rows != n {
					b.Fatalf("scanned %d rows: %v", rows, err)
				}
				cur.Close()
			}
		})
		reportExport(b, n, peak)
	})

	// The goal's baseline: the same rows read by a bare database/sql
	// cursor (same columns, same order) and written by encoding/csv as they
	// come, times as RFC 3339 and raw as one cell, with no JSON decoding.
	b.Run("baseline-scan-csv", func(b *testing.B) {
		db := testdb.Open(b, path)
		var rows int
		peak := sampleHeap(func() {
			b.ResetTimer()
			for b.Loop() {
				var err error
				if rows, err = rawScanCSV(ctx, db.DB, id, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
		if rows != n {
			b.Fatalf("wrote %d rows, want %d", rows, n)
		}
		reportExport(b, n, peak)
	})

	b.Run("baseline", func(b *testing.B) {
		// Setup, not timed: the same records, formatted, in memory.
		cur, err := store.ExportSegments(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		keys, err := store.SegmentRawKeys(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := writeSessions(&buf, cur, opt, keys); err != nil {
			b.Fatal(err)
		}
		cur.Close()
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			b.Fatal(err)
		}
		buf = bytes.Buffer{}
		peak := sampleHeap(func() {
			b.ResetTimer()
			for b.Loop() {
				w := csv.NewWriter(io.Discard)
				w.UseCRLF = true
				for _, r := range recs {
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				w.Flush()
				if err := w.Error(); err != nil {
					b.Fatal(err)
				}
			}
		})
		runtime.KeepAlive(recs)
		reportExport(b, len(recs)-1, peak)
	})
}

func reportExport(b *testing.B, rows int, peakHeap uint64) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(vmHWM())/(1<<20), "VmHWM-MB")
}

// sampleHeap runs fn after a GC and returns the most heap in use (object
// bytes plus unused span bytes, i.e. HeapInuse) seen while it ran.
func sampleHeap(fn func()) uint64 {
	runtime.GC()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	var peak uint64
	read := func() {
		metrics.Read(samples)
		if v := samples[0].Value.Uint64() + samples[1].Value.Uint64(); v > peak {
			peak = v
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	return peak
}

// vmHWM returns the process's peak resident set size in bytes, from
// /proc/self/status; 0 where there is none.
func vmHWM() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// exportBenchStore returns a store holding one meeting with n segments,
// built from zoomtest.Generate's rows (10,000 realistic Dashboard rows,
// repeated with shifted join times) through jobs.SegmentFrom, and the
// meeting's id. With ROLLCALL_EXPORT_DB set, a database already holding n
// rows there is reused.
// exportBenchRows is the export benchmarks' row count:
// ROLLCALL_EXPORT_ROWS, or 20,000.
func exportBenchRows(b *testing.B) int {
	n := 20_000
	if v := os.Getenv("ROLLCALL_EXPORT_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("ROLLCALL_EXPORT_ROWS=%q: want a positive count", v)
		}
	}
	return n
}

func exportBenchStore(b *testing.B, n int) (store *models.Store, id uint64, path string) {
	b.Helper()
	ctx := context.Background()
	path = os.Getenv("ROLLCALL_EXPORT_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "export.db")
	}
	store, err := models.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	defer func() {
		if id != 0 {
			storeRawKeys(b, store, path, id)
		}
	}()
	if err := store.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const uuid = "export-bench-meeting=="
	if m, err := store.MeetingByUUID(ctx, uuid); err == nil && m.SegmentCount == n {
		return store, m.ID, path
	}
	zm := zoomtest.Generate(zoomtest.GenOptions{Participants: 10_000, Seed: 42, Topic: "Export benchmark"})
	end := zm.End
	m, err := store.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: uuid, MeetingNumber: zm.ID, Topic: zm.Topic,
		StartTime: zm.Start, EndTime: &end})
	if err != nil {
		b.Fatal(err)
	}
	tmpl := make([]models.Segment, len(zm.Participants))
	for i, p := range zm.Participants {
		var zp zoom.Participant
		if err := json.Unmarshal(p.DashboardJSON(true), &zp); err != nil {
			b.Fatal(err)
		}
		tmpl[i] = jobs.SegmentFrom(zp)
	}
	start := time.Now()
	// Planted through the benchmark's own connection, in one transaction.
	err = inTx(ctx, testdb.Open(b, path).DB, func(sqlTx *sql.Tx) error {
		if _, err := sqlTx.ExecContext(ctx, "DELETE FROM segments WHERE meeting_id = ?", m.ID); err != nil {
			return err
		}
		ins, err := sqlTx.PrepareContext(ctx, "INSERT INTO segments (meeting_id, seq, source, person_key, participant_id, "+
			"user_id, participant_uuid, participant_user_id, registrant_id, customer_key, name, email, join_time, leave_time, "+
			"leave_reason, status, role, device, os, location, ip_address, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
		if err != nil {
			return err
		}
		defer ins.Close()
		for i := range n {
			s := tmpl[i%len(tmpl)]
			shift := time.Duration(i/len(tmpl)) * time.Millisecond
			var leave any
			if s.LeaveTime != nil {
				leave = s.LeaveTime.Add(shift)
			}
			if _, err := ins.ExecContext(ctx, m.ID, i, "dashboard", s.PersonKey, s.ParticipantID, s.UserID, s.ParticipantUUID,
				s.ParticipantUserID, s.RegistrantID, s.CustomerKey, s.Name, s.Email, s.JoinTime.Add(shift), leave,
				s.LeaveReason, s.Status, s.Role, s.Device, s.OS, s.Location, s.IPAddress, s.Raw); err != nil {
				return err
			}
		}
		_, err = sqlTx.ExecContext(ctx, "UPDATE meetings SET segment_count = ?, fetch_status = 'fetched' WHERE id = ?", n, m.ID)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d segments in %s at %s", n, time.Since(start).Round(time.Millisecond), path)
	return store, m.ID, path
}

// storeRawKeys gives meeting id the raw-key set that ReplaceSegments would
// have stored with its rows (the rows are planted with plain inserts, and a
// database kept from before schema version 8 has none): the set the engine
// computes from the rows.
func storeRawKeys(b *testing.B, store *models.Store, path string, id uint64) {
	ctx := context.Background()
	m, err := store.Meeting(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	if m.RawKeys != nil {
		return
	}
	keys, err := store.SegmentRawKeys(ctx, id) // none stored: computed from the rows
	if err != nil {
		b.Fatal(err)
	}
	js, _ := json.Marshal(keys)
	testdb.Open(b, path).Exec(b, "UPDATE meetings SET raw_keys = ? WHERE id = ?", string(js), id)
}

// inTx runs fn in a transaction of db, committed if fn returns nil.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// rawScanCSV writes meeting id's segments as CSV to w the plainest way:
// one database/sql query with the export's columns and order, each row's
// values written by encoding/csv as they are (times as RFC 3339). It
// returns how many rows it wrote.
func rawScanCSV(ctx context.Context, db *sql.DB, id uint64, w io.Writer) (int, error) {
	q := "SELECT id, meeting_id, seq, source, person_key, COALESCE(participant_id, ''), COALESCE(user_id, ''), " +
		"COALESCE(participant_uuid, ''), COALESCE(participant_user_id, ''), COALESCE(registrant_id, ''), " +
		"COALESCE(customer_key, ''), COALESCE(name, ''), COALESCE(email, ''), join_time, leave_time, " +
		"COALESCE(leave_reason, ''), COALESCE(status, ''), COALESCE(role, ''), COALESCE(device, ''), " +
		"COALESCE(os, ''), COALESCE(location, ''), COALESCE(ip_address, ''), raw " +
		"FROM segments WHERE meeting_id = ? ORDER BY join_time, name, seq, id"
	rows, err := db.QueryContext(ctx, q, id)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	out := csv.NewWriter(w)
	out.UseCRLF = true
	var (
		sid, mid, seq int64
		text          [17]string
		join          time.Time
		leave         sql.NullTime
		raw           string
		rec           = make([]string, 0, 23)
		n             int
	)
	for rows.Next() {
		err := rows.Scan(&sid, &mid, &seq, &text[0], &text[1], &text[2], &text[3], &text[4], &text[5], &text[6],
			&text[7], &text[8], &text[9], &join, &leave, &text[10], &text[11], &text[12], &text[13], &text[14],
			&text[15], &text[16], &raw)
		if err != nil {
			return n, err
		}
		lv := ""
		if leave.Valid {
			lv = leave.Time.UTC().Format(time.RFC3339)
		}
		rec = append(rec[:0], strconv.FormatInt(sid, 10), strconv.FormatInt(mid, 10), strconv.FormatInt(seq, 10))
		rec = append(rec, text[:10]...)
		rec = append(rec, join.UTC().Format(time.RFC3339), lv)
		rec = append(rec, text[10:]...)
		rec = append(rec, raw)
		if err := out.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	out.Flush()
	return n, out.Error()
}
