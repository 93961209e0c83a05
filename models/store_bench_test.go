package models_test

import (
	"context"
	"encoding/json"
	"testing"

	"rollcall/internal/testdb"
	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// BenchmarkReplaceSegments stores a 10,000-participant fetch
// (zoomtest.Generate, seed 42, through jobs.SegmentFrom as the fetch job
// converts it) with Tx.ReplaceSegments, beside its baseline in the same
// run: a raw prepared single-row INSERT of the same rows, executed once
// per row in one transaction through database/sql, after the same DELETE
// of the previous rows. The engine is SQLite, or PostgreSQL when
// ROLLCALL_TEST_POSTGRES is set.
//
//	go test ./models -run XXX -bench ReplaceSegments -benchtime 20x
func BenchmarkReplaceSegments(b *testing.B) {
	ctx := context.Background()
	dsn := testdb.DSN(b)
	store, err := models.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	zm := zoomtest.Generate(zoomtest.GenOptions{Participants: 10_000, Seed: 42, Topic: "Store benchmark"})
	end := zm.End
	m, err := store.UpsertEndedMeeting(ctx, models.MeetingEnded{UUID: "store-bench==", MeetingNumber: zm.ID,
		Topic: zm.Topic, StartTime: zm.Start, EndTime: &end})
	if err != nil {
		b.Fatal(err)
	}
	segs := make([]models.Segment, len(zm.Participants))
	for i, p := range zm.Participants {
		var zp zoom.Participant
		if err := json.Unmarshal(p.DashboardJSON(true), &zp); err != nil {
			b.Fatal(err)
		}
		segs[i] = jobs.SegmentFrom(zp)
		segs[i].PersonKey = segs[i].Key()
	}

	b.Run("rollcall", func(b *testing.B) {
		work := make([]models.Segment, len(segs))
		b.ReportAllocs()
		for b.Loop() {
			copy(work, segs)
			err := store.Tx(ctx, func(tx *models.Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", work) })
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(segs)*b.N)/b.Elapsed().Seconds(), "rows/s")
	})

	b.Run("baseline-prepared-insert", func(b *testing.B) {
		db := testdb.Open(b, dsn)
		del := "DELETE FROM segments WHERE meeting_id = $1"
		ins := "INSERT INTO segments (meeting_id, seq, source, person_key, participant_id, user_id, participant_uuid, " +
			"participant_user_id, registrant_id, customer_key, name, email, join_time, leave_time, leave_reason, status, " +
			"role, device, os, location, ip_address, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, " +
			"$14, $15, $16, $17, $18, $19, $20, $21, $22)"
		if store.Dialect() == models.DialectSQLite {
			del, ins = sqliteParams(del), sqliteParams(ins)
		}
		b.ReportAllocs()
		for b.Loop() {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, del, m.ID); err != nil {
				b.Fatal(err)
			}
			stmt, err := tx.PrepareContext(ctx, ins)
			if err != nil {
				b.Fatal(err)
			}
			for i := range segs {
				s := &segs[i]
				if _, err := stmt.ExecContext(ctx, m.ID, i, "dashboard", s.PersonKey, s.ParticipantID, s.UserID,
					s.ParticipantUUID, s.ParticipantUserID, s.RegistrantID, s.CustomerKey, s.Name, s.Email, s.JoinTime,
					s.LeaveTime, s.LeaveReason, s.Status, s.Role, s.Device, s.OS, s.Location, s.IPAddress, s.Raw); err != nil {
					b.Fatal(err)
				}
			}
			stmt.Close()
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(segs)*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// sqliteParams turns $n placeholders into SQLite's ?n.
func sqliteParams(q string) string {
	out := make([]byte, 0, len(q))
	for i := 0; i < len(q); i++ {
		if q[i] == '$' {
			out = append(out, '?')
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
