package handlers

import (
	"context"
	"io"
	"testing"
	"time"

	"rollcall/models"
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
	n := exportBenchRows(b)
	store, id, _ := exportBenchStore(b, n)
	ctx := context.Background()

	// Both write the same cursor's rows; write returns how many it wrote.
	for _, w := range []struct {
		name  string
		write func(cur *models.SegmentRows, keys []string) (int, error)
	}{
		{"xlsx", func(cur *models.SegmentRows, keys []string) (int, error) {
			x, rows, err := writeSessionsXLSX(cur, time.UTC, keys)
			if err == nil {
				err = x.writeTo(io.Discard)
			}
			x.close()
			return rows, err
		}},
		{"csv", func(cur *models.SegmentRows, keys []string) (int, error) {
			return writeSessions(io.Discard, cur, csvOptions{loc: time.UTC}, keys)
		}},
	} {
		b.Run(w.name, func(b *testing.B) {
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
					rows, err = w.write(cur, keys)
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
}
