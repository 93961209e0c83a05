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
	n := 20_000
	if v := os.Getenv("ROLLCALL_EXPORT_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("ROLLCALL_EXPORT_ROWS=%q: want a positive count", v)
		}
	}
	store, id := exportBenchStore(b, n)
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

	// Where the cursor's time goes: the raw-keys query alone, and the
	// cursor alone (every row scanned, nothing encoded).
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
func exportBenchStore(b *testing.B, n int) (*models.Store, uint64) {
	b.Helper()
	ctx := context.Background()
	path := os.Getenv("ROLLCALL_EXPORT_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "export.db")
	}
	store, err := models.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const uuid = "export-bench-meeting=="
	if m, err := store.MeetingByUUID(ctx, uuid); err == nil && m.SegmentCount == n {
		return store, m.ID
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
	return store, m.ID
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
