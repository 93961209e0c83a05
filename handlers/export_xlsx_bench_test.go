package handlers

import (
	"context"
	"io"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkExportSessionsXLSX writes the sessions export of one meeting as
// .xlsx ("xlsx": the store's cursor, writeSessionsXLSX into excelize's
// StreamWriter, the workbook zipped to io.Discard) and, in the same run as
// its baseline, as sessions.csv from the same rows ("csv": the cursor and
// the CSV encoder). Each reports rows/s, the peak heap in use while it ran
// and the process's peak RSS (VmHWM; run each sub-benchmark in its own
// process to read its own). Rows and database as BenchmarkExportSessions
// (ROLLCALL_EXPORT_ROWS, default 20,000; ROLLCALL_EXPORT_DB to reuse one).
func BenchmarkExportSessionsXLSX(b *testing.B) {
	n := 20_000
	if v := os.Getenv("ROLLCALL_EXPORT_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("ROLLCALL_EXPORT_ROWS=%q: want a positive count", v)
		}
	}
	store, id, _ := exportBenchStore(b, n)
	ctx := context.Background()

	b.Run("xlsx", func(b *testing.B) {
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
				x, got, err := writeSessionsXLSX(cur, time.UTC, keys)
				if err == nil {
					err = x.writeTo(io.Discard)
				}
				x.close()
				cur.Close()
				if err != nil {
					b.Fatal(err)
				}
				rows = got
			}
		})
		if rows != n {
			b.Fatalf("exported %d rows, want %d", rows, n)
		}
		reportExport(b, n, peak)
	})

	b.Run("csv", func(b *testing.B) {
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
				rows, err = writeSessions(io.Discard, cur, csvOptions{loc: time.UTC}, keys)
				cur.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		if rows != n {
			b.Fatalf("exported %d rows, want %d", rows, n)
		}
		reportExport(b, n, peak)
	})
}
