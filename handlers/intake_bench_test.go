package handlers_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"rollcall/zoom"
)

// BenchmarkIntake measures webhook intake over loopback HTTP: a signed
// meeting.ended, verified, stored and its fetch durably queued in one
// SQLite transaction. Baselines in the same run: a bare Gin handler that
// only verifies the signature, and a raw single-row SQLite commit loop.
//
//	go test ./handlers -run XXX -bench Intake -benchtime 3s
func BenchmarkIntake(b *testing.B) {
	b.Run("rollcall", func(b *testing.B) {
		e := newEnv(b)
		benchPost(b, e.srv.URL, 2, endedFor)
	})
	// The top of the hour: participant joins from 64 concurrent deliveries.
	b.Run("rollcall-joins-64", func(b *testing.B) {
		e := newEnv(b)
		benchPost(b, e.srv.URL, 32, joinedFor)
	})
	b.Run("baseline-gin-verify-only", func(b *testing.B) {
		r := gin.New()
		r.POST("/webhooks/zoom", func(c *gin.Context) {
			body, _ := io.ReadAll(c.Request.Body)
			if err := zoom.VerifyWebhook(secret, c.Request.Header, body, time.Now()); err != nil {
				c.Status(http.StatusUnauthorized)
				return
			}
			c.JSON(http.StatusOK, gin.H{"status": "ok"})
		})
		srv := httptest.NewServer(r)
		defer srv.Close()
		benchPost(b, srv.URL, 2, endedFor)
	})
	b.Run("baseline-sqlite-commit", func(b *testing.B) {
		db, err := sql.Open("sqlite3", "file:"+filepath.Join(b.TempDir(), "raw.db")+
			"?_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate&_synchronous=NORMAL&_stmt_cache_size=64")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, body TEXT)`); err != nil {
			b.Fatal(err)
		}
		body := bytes.Repeat([]byte("x"), len(endedBody))
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			tx, err := db.BeginTx(context.Background(), nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(`INSERT INTO t (k, body) VALUES (?, ?)`, fmt.Sprint(i), body); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var benchSeq atomic.Int64

// endedFor and joinedFor are the n-th distinct webhook of their kind.
func endedFor(n int64) []byte {
	return []byte(fmt.Sprintf(`{"event":"meeting.ended","event_ts":%d,"payload":{"account_id":"acct",`+
		`"object":{"id":"85912345678","uuid":"bench-%d==","host_id":"h1","topic":"Bench",`+
		`"type":2,"start_time":"2026-11-20T10:00:00Z","end_time":"2026-11-20T11:00:00Z","duration":60}}}`, n, n))
}

func joinedFor(n int64) []byte {
	return []byte(fmt.Sprintf(`{"event":"meeting.participant_joined","event_ts":%d,"payload":{"account_id":"acct",`+
		`"object":{"id":"85912345678","uuid":"bench-live==","host_id":"h1","topic":"Bench","type":2,`+
		`"start_time":"2026-11-20T10:00:00Z","participant":{"user_id":"%d","user_name":"Person %d",`+
		`"participant_uuid":"p-%d","email":"p%d@example.com","join_time":"2026-11-20T10:00:01Z"}}}}`, n, n, n, n, n))
}

// benchPost posts distinct signed webhooks (body(n) for the n-th) with
// parallelism × GOMAXPROCS concurrent deliveries.
func benchPost(b *testing.B, url string, parallelism int, body func(n int64) []byte) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := body(benchSeq.Add(1))
			req, _ := http.NewRequest(http.MethodPost, url+"/webhooks/zoom", bytes.NewReader(body))
			req.Header = signed(body, time.Now(), secret)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}
