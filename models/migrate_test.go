package models

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/internal/testdb"
)

// allModels lists every table rollcall owns, in dependency order: the
// newest schema is the one AutoMigrate derives from them.
func allModels() []any {
	return []any{&Meeting{}, &Segment{}, &WebhookEvent{}, &User{}, &Session{}, &CoverageRun{}, &ParticipantEvent{}, &WebhookEndpoint{}, &WebhookDelivery{}, &Identity{}, &SSOState{}, &APIToken{}, &RosterEntry{}, &RosterUpload{}, &Registrant{}, &RegistrantFetch{}, &IdentityLink{}, &DismissedSuggestion{}}
}

// autoMigrate makes s's schema with GORM's AutoMigrate of the models and,
// on PostgreSQL, the trigram indexes of the meetings search: the way
// Store.Migrate did before migrations were versioned, with today's models.
func autoMigrate(t *testing.T, s *Store) {
	t.Helper()
	db := s.db.WithContext(context.Background())
	require.NoError(t, db.AutoMigrate(allModels()...))
	if s.dialect == DialectPostgres {
		require.NoError(t, db.Exec("CREATE EXTENSION IF NOT EXISTS pg_trgm").Error)
		for _, col := range []string{"topic", "host_name", "host_email"} {
			require.NoError(t, db.Exec("CREATE INDEX IF NOT EXISTS idx_meetings_"+col+"_trgm ON meetings USING gin ("+col+" gin_trgm_ops)").Error)
		}
	}
}

// openUnmigrated opens a fresh database for t without migrating it.
func openUnmigrated(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), testdb.DSN(t), nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// olderVersions are the versions of s's engine's migrations before the
// newest, oldest first.
func olderVersions(t *testing.T, s *Store) []int64 {
	t.Helper()
	p, err := s.migrations()
	require.NoError(t, err)
	var out []int64
	for _, src := range p.ListSources() {
		out = append(out, src.Version)
	}
	return out[:len(out)-1]
}

// latestVersion is the newest version among the migrations of s's engine.
func latestVersion(t *testing.T, s *Store) int64 {
	t.Helper()
	p, err := s.migrations()
	require.NoError(t, err)
	srcs := p.ListSources()
	require.NotEmpty(t, srcs)
	return srcs[len(srcs)-1].Version
}

// recordedVersions is goose's record of a database at the newest version:
// "0" (goose's start) and every migration's version (numbers may have
// gaps), sorted as rowStrings sorts.
func recordedVersions(t *testing.T, s *Store) []string {
	t.Helper()
	p, err := s.migrations()
	require.NoError(t, err)
	out := []string{"0"}
	for _, src := range p.ListSources() {
		out = append(out, fmt.Sprint(src.Version))
	}
	slices.Sort(out)
	return out
}

// notOurs reports whether table belongs to goose or the job queue.
func notOurs(table string) bool {
	return table == versionTable || strings.HasPrefix(table, "river")
}

// rowStrings runs q and returns each row's columns joined with "|", sorted.
func rowStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	require.NoError(t, err, q)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case []byte:
				parts[i] = string(v)
			case time.Time:
				parts[i] = v.UTC().Format(time.RFC3339Nano)
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	require.NoError(t, rows.Err())
	slices.Sort(out)
	return out
}

// tables returns rollcall's tables in s, sorted.
func tables(t *testing.T, s *Store) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence'"
	if s.dialect == DialectPostgres {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
	}
	var out []string
	for _, name := range rowStrings(t, s.sqlDB, q) {
		if !notOurs(name) {
			out = append(out, name)
		}
	}
	return out
}

var (
	sqlQuotes      = regexp.MustCompile("[`\"]")
	sqlSpacePunct  = regexp.MustCompile(`\s*([(),])\s*`)
	sqlSpaceRepeat = regexp.MustCompile(`\s+`)
)

// normalizeSQL drops quoting and layout from a statement SQLite kept, so that
// GORM's one-line statements compare with the migrations' laid-out ones.
func normalizeSQL(q string) string {
	q = sqlQuotes.ReplaceAllString(q, "")
	q = sqlSpacePunct.ReplaceAllString(q, "$1")
	return strings.TrimSpace(sqlSpaceRepeat.ReplaceAllString(q, " "))
}

// schemaOf describes every table, column, type, default, key, index,
// constraint and sequence of rollcall's tables in s (not goose's, not the job
// queue's), one sorted line each, for comparing two databases.
func schemaOf(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	add := func(kind string, rows []string) {
		for _, r := range rows {
			out = append(out, kind+": "+r)
		}
	}
	ts := tables(t, s)
	require.NotEmpty(t, ts)
	if s.dialect == DialectSQLite {
		for _, r := range rowStrings(t, s.sqlDB, "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master") {
			f := strings.SplitN(r, "|", 4)
			if notOurs(f[2]) {
				continue
			}
			out = append(out, "object: "+f[0]+"|"+f[1]+"|"+f[2]+"|"+normalizeSQL(f[3]))
		}
		for _, tb := range ts {
			add("column "+tb, rowStrings(t, s.sqlDB, "SELECT * FROM pragma_table_xinfo(?)", tb))
			add("fk "+tb, rowStrings(t, s.sqlDB, "SELECT * FROM pragma_foreign_key_list(?)", tb))
			for _, ix := range rowStrings(t, s.sqlDB, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", tb) {
				out = append(out, "index "+tb+": "+ix)
				name, _, _ := strings.Cut(ix, "|")
				add("index column "+name, rowStrings(t, s.sqlDB, "SELECT * FROM pragma_index_xinfo(?)", name))
			}
		}
		slices.Sort(out)
		return out
	}
	inOurs := "= ANY($1)"
	add("column", rowStrings(t, s.sqlDB, `SELECT table_name, ordinal_position, column_name, data_type,
		COALESCE(character_maximum_length, -1), is_nullable, COALESCE(column_default, '')
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name `+inOurs, ts))
	add("index", rowStrings(t, s.sqlDB, `SELECT tablename, indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename `+inOurs, ts))
	add("constraint", rowStrings(t, s.sqlDB, `SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c WHERE c.conrelid::regclass::text `+inOurs, ts))
	add("sequence", rowStrings(t, s.sqlDB, `SELECT s.relname, t.relname, a.attname, q.seqtypid::regtype::text,
		q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle
		FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
		JOIN pg_sequence q ON q.seqrelid = s.oid
		JOIN pg_class t ON t.oid = d.refobjid
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		WHERE d.deptype IN ('a', 'i') AND t.relname `+inOurs, ts))
	add("extension", rowStrings(t, s.sqlDB, "SELECT extname FROM pg_extension"))
	slices.Sort(out)
	return out
}

func TestMigrationsMatchModels(t *testing.T) {
	ctx := context.Background()
	migrated := openUnmigrated(t)
	require.NoError(t, migrated.Migrate(ctx))
	auto := openUnmigrated(t)
	autoMigrate(t, auto)

	want := schemaOf(t, auto)
	assert.Equal(t, want, schemaOf(t, migrated),
		"the newest migrations of %s must make the schema AutoMigrate derives from the models", migrated.dialect)
	assert.Equal(t, []string{"api_tokens", "coverage_runs", "dismissed_suggestions", "identities", "identity_links", "meetings", "participant_events", "registrant_fetches", "registrants", "roster_entries", "roster_uploads", "segments", "sessions", "sso_states", "users", "webhook_deliveries", "webhook_endpoints", "webhook_events"}, tables(t, migrated))
	if migrated.dialect == DialectPostgres {
		for _, ix := range searchIndexes {
			assert.Contains(t, want, "index: meetings|"+ix+"|CREATE INDEX "+ix+" ON public.meetings USING gin ("+
				strings.TrimSuffix(strings.TrimPrefix(ix, "idx_meetings_"), "_trgm")+" gin_trgm_ops)")
		}
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := openUnmigrated(t)
	v, err := s.SchemaVersion(ctx)
	require.NoError(t, err)
	assert.Zero(t, v, "a new database has no version")
	require.NoError(t, s.Migrate(ctx))
	before := schemaOf(t, s)
	require.NoError(t, s.Migrate(ctx), "migrating twice is fine")
	assert.Equal(t, before, schemaOf(t, s))
	v, err = s.SchemaVersion(ctx)
	require.NoError(t, err)
	assert.Equal(t, latestVersion(t, s), v)
	applied := rowStrings(t, s.sqlDB, "SELECT version_id FROM "+versionTable)
	assert.Equal(t, recordedVersions(t, s), applied, "each version is recorded once")
}

func TestMigrateConcurrently(t *testing.T) {
	// Replicas starting together on PostgreSQL, or goroutines of one
	// process on SQLite, migrate one after the other.
	ctx := context.Background()
	dsn := testdb.DSN(t)
	stores := make([]*Store, 3)
	for i := range stores {
		if i > 0 && !IsPostgres(dsn) {
			stores[i] = stores[0] // one process owns a SQLite file
			continue
		}
		s, err := Open(ctx, dsn, nil)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, recordedVersions(t, stores[0]), rowStrings(t, stores[0].sqlDB, "SELECT version_id FROM "+versionTable))
}

func TestAdoptionListMatchesVersion1(t *testing.T) {
	ctx := context.Background()
	s := openUnmigrated(t)
	p, err := s.migrations()
	require.NoError(t, err)
	_, err = p.UpTo(ctx, 1)
	require.NoError(t, err)
	var names []string
	for name := range v1Tables {
		names = append(names, name)
	}
	slices.Sort(names)
	require.Equal(t, names, tables(t, s))
	for _, name := range names {
		cols, err := s.columns(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, cols, v1Tables[name], "columns of %s", name)
	}
}

// fillEveryTable writes rows to every table of s through the Store, every
// column set, and fails when a table is left empty (a new table needs rows
// here).
func fillEveryTable(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	for i, uuid := range []string{"kept==", "failed=="} {
		m, err := s.UpsertEndedMeeting(ctx, MeetingEnded{UUID: uuid, MeetingNumber: 81234567890 + int64(i), Webinar: i == 1,
			Topic: "Weekly ✓", HostID: "host-1", Type: 8, StartTime: start, EndTime: &end, Timezone: "Europe/Paris", AccountID: "acct"})
		require.NoError(t, err)
		require.NoError(t, s.FillMeetingDetails(ctx, m.ID, MeetingDetails{HostName: "Hédi Host", HostEmail: "host@example.com"}))
		require.NoError(t, s.MarkFetching(ctx, m.ID))
		if i == 1 {
			require.NoError(t, s.MarkFailed(ctx, m.ID, "zoom said no"))
			continue
		}
		leave := start.Add(40 * time.Minute)
		segs := []Segment{
			{PersonKey: "e:ann@example.com", ParticipantID: "p1", UserID: "16778240", ParticipantUUID: "pu1",
				ParticipantUserID: "pui1", RegistrantID: "r1", CustomerKey: "ck", Name: "Ann", Email: "ann@example.com",
				JoinTime: start, LeaveTime: &leave, LeaveReason: "Ann left<br>the meeting", Status: "in_meeting",
				Role: "attendee", Device: "Mac", OS: "macOS", Location: "Paris (FR)", IPAddress: "192.0.2.1", Raw: `{"id":"p1"}`},
			{Name: "Guest", JoinTime: start.Add(time.Minute), Raw: `{}`},
		}
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error { return tx.ReplaceSegments(ctx, m.ID, "dashboard", segs) }))
		// A plain insert: RecordEvent's conflict target is the unique
		// index of version 10, which older schemas lack.
		require.NoError(t, s.db.Create(&WebhookEvent{DedupKey: EventDedupKey("meeting.ended", uuid), Event: "meeting.ended",
			MeetingUUID: uuid, EventTS: 1772442000123, ReceivedAt: end, Deliveries: 2, Body: `{"event":"meeting.ended"}`}).Error)
	}
	u, err := s.CreateUser(ctx, "admin@example.com", RoleAdmin, "correct horse battery")
	require.NoError(t, err)
	require.NoError(t, s.SetUserTimezone(ctx, u.ID, "Asia/Tokyo"))
	_, err = s.CreateSession(ctx, u.ID, time.Hour)
	require.NoError(t, err)

	if ok, err := s.hasTable(ctx, "coverage_runs"); assert.NoError(t, err) && ok { // version 2
		_, _, err := s.InsertDiscovered(ctx, Discovered{MeetingEnded: MeetingEnded{UUID: "swept==", MeetingNumber: 81234567892,
			Topic: "Found later", StartTime: start, EndTime: &end}, HostName: "Hédi Host", HostEmail: "host@example.com", Via: ArrivedSweep})
		require.NoError(t, err)
		require.NoError(t, s.RecordCoverageRun(ctx, &CoverageRun{Kind: ArrivedSweep, DryRun: true, StartedAt: end, FinishedAt: end,
			WindowFrom: start, WindowTo: end, Lister: "dashboard", Found: 3, AlreadyStored: 2, Queued: 1, Refused: 1, Errors: "zoom: 429"}))
	}
	if ok, err := s.hasTable(ctx, "participant_events"); assert.NoError(t, err) && ok { // version 3
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
			return tx.RecordParticipantEvents(ctx, []ParticipantEvent{{MeetingUUID: "kept==", ParticipantKey: "p:pu1",
				Event: "meeting.participant_joined", EventTime: start, ParticipantUUID: "pu1", Name: "Ann", ReceivedAt: start}})
		}))
	}
	if ok, err := s.hasTable(ctx, "api_tokens"); assert.NoError(t, err) && ok { // version 6
		_, secret, err := s.CreateToken(ctx, u.ID, "gradebook ✓", 1000*time.Hour, end)
		require.NoError(t, err)
		_, _, err = s.TokenUser(ctx, secret, end.Add(time.Minute)) // sets last_used_at
		require.NoError(t, err)
		_, _, err = s.CreateToken(ctx, u.ID, "forever", 0, end)
		require.NoError(t, err)
	}
	if ok, err := s.hasTable(ctx, "webhook_endpoints"); assert.NoError(t, err) && ok { // version 7
		ep, err := s.CreateWebhookEndpoint(ctx, "https://receiver.example/hook", "whsec_c2VjcmV0")
		require.NoError(t, err)
		require.NoError(t, s.Tx(ctx, func(tx *Tx) error {
			_, err := tx.CreateWebhookDeliveries(ctx, EventAttendanceReady, 1, func(WebhookEndpoint) (string, string) {
				return `{"type":"meeting.attendance_ready"}`, "msg_1"
			})
			return err
		}))
		ds, err := s.WebhookDeliveries(ctx, ep.ID, 10)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		require.NoError(t, s.RecordDeliveryAttempt(ctx, ds[0].ID, DeliveryAttempt{Attempt: 1, State: DeliveryRetrying,
			Code: 500, Error: "HTTP 500", At: end}))
	}
	if ok, err := s.hasTable(ctx, "identities"); assert.NoError(t, err) && ok { // version 9
		require.NoError(t, s.RecordPasswordSignIn(ctx, u, end))
		_, err = s.LinkIdentity(ctx, u.ID, ProviderOIDC, "sub-1", "admin@example.com")
		require.NoError(t, err)
		require.NoError(t, s.CreateSSOState(ctx, "state-1", SSOState{Provider: ProviderOIDC, Nonce: "n", Verifier: "v",
			Next: "/meetings", ExpiresAt: time.Now().Add(time.Hour)}, time.Now()))
	}
	if ok, err := s.hasTable(ctx, "roster_entries"); assert.NoError(t, err) && ok { // version 5
		require.NoError(t, s.ReplaceRoster(ctx, 81234567890, []RosterEntry{{Line: 2, Email: "ann@example.com", Name: "Ann",
			ExternalID: "S-1", Group: "A"}}, RosterUpload{UploadedBy: "admin@example.com", UploadedAt: end, Refusals: "line 3: no email and no name"}))
		kept, err := s.MeetingByUUID(ctx, "kept==")
		require.NoError(t, err)
		require.NoError(t, s.ReplaceRegistrants(ctx, kept.ID, []Registrant{{RegistrantID: "r1", Email: "Ann@example.com", Name: "Ann"}}, "", end))
		require.NoError(t, s.Link(ctx, "n:guest", "e:ann@example.com", "admin@example.com", end))
		require.NoError(t, s.Dismiss(ctx, "n:guest", "u:pui1", "admin@example.com", end))
	}
	for _, table := range tables(t, s) {
		var n int64
		require.NoError(t, s.sqlDB.QueryRow("SELECT COUNT(*) FROM "+table).Scan(&n))
		require.NotZero(t, n, "fillEveryTable leaves %s empty", table)
	}
}

// everyRow returns every row of every rollcall table of s, by table, with
// the columns named in cols (all of them for a table cols lacks), and the
// columns it read.
func everyRow(t *testing.T, s *Store, cols map[string][]string) (rows, read map[string][]string) {
	t.Helper()
	rows, read = map[string][]string{}, map[string][]string{}
	for _, table := range tables(t, s) {
		c, ok := cols[table]
		if !ok {
			var err error
			c, err = s.columns(context.Background(), table)
			require.NoError(t, err)
		}
		read[table] = c
		if ok || cols == nil {
			rows[table] = rowStrings(t, s.sqlDB, "SELECT "+strings.Join(c, ", ")+" FROM "+table)
		}
	}
	return rows, read
}

func TestUpgradeKeepsEveryRow(t *testing.T) {
	ctx := context.Background()
	// upgrade fills old, a database at an older schema, migrates it, and
	// checks that every row survived and the schema is the newest one.
	upgrade := func(t *testing.T, old *Store) {
		fillEveryTable(t, old)
		rows, cols := everyRow(t, old, nil)
		require.NoError(t, old.Migrate(ctx))
		after, _ := everyRow(t, old, cols)
		assert.Equal(t, rows, after, "the rows of the older schema's columns")
		// A process migrates before its first query; this one queried the
		// older schema, and PostgreSQL refuses a statement prepared then
		// (RETURNING * changed shape): start on fresh connections.
		old.sqlDB.SetMaxIdleConns(0)
		old.sqlDB.SetMaxIdleConns(10)
		v, err := old.SchemaVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, latestVersion(t, old), v)

		fresh := openUnmigrated(t)
		require.NoError(t, fresh.Migrate(ctx))
		assert.Equal(t, schemaOf(t, fresh), schemaOf(t, old), "an upgraded database has the schema of a new one")

		// The keys go on from where they were: nothing was re-created.
		var last uint64
		require.NoError(t, old.sqlDB.QueryRow("SELECT MAX(id) FROM meetings").Scan(&last))
		m, err := old.UpsertEndedMeeting(ctx, MeetingEnded{UUID: "after-upgrade==", StartTime: time.Now()})
		require.NoError(t, err)
		assert.Equal(t, last+1, m.ID)
	}

	t.Run("made by AutoMigrate before versioned migrations", func(t *testing.T) {
		// Version 1 is AutoMigrate's schema of the models of that time
		// (TestAdoptionListMatchesVersion1, and this test while version 1
		// was the newest): such a database is version 1 without goose's table.
		old := openUnmigrated(t)
		p, err := old.migrations()
		require.NoError(t, err)
		_, err = p.UpTo(ctx, 1)
		require.NoError(t, err)
		_, err = old.sqlDB.Exec("DROP TABLE " + versionTable)
		require.NoError(t, err)
		schema := schemaOf(t, old)
		upgrade(t, old)
		assert.Equal(t, recordedVersions(t, old), rowStrings(t, old.sqlDB, "SELECT version_id FROM "+versionTable),
			"adopted as version 1, then migrated")
		// Adoption touches nothing but goose's table; version 1 is the
		// newest, so nothing else ran either.
		if latestVersion(t, old) == 1 {
			assert.Equal(t, schema, schemaOf(t, old))
		}
	})
	s := openUnmigrated(t)
	for _, v := range olderVersions(t, s) {
		t.Run(fmt.Sprintf("at version %d", v), func(t *testing.T) {
			old := openUnmigrated(t)
			p, err := old.migrations()
			require.NoError(t, err)
			_, err = p.UpTo(ctx, v)
			require.NoError(t, err)
			upgrade(t, old)
		})
	}
}

func TestMigrateRefusesAPartialDatabase(t *testing.T) {
	ctx := context.Background()
	s := openUnmigrated(t)
	require.NoError(t, s.db.AutoMigrate(&Meeting{}, &Segment{}))
	err := s.Migrate(ctx)
	require.ErrorContains(t, err, "has the tables meetings, segments but not sessions, users, webhook_events")

	s = openUnmigrated(t)
	autoMigrate(t, s)
	require.NoError(t, s.db.Migrator().DropColumn(&User{}, "timezone"))
	require.ErrorContains(t, s.Migrate(ctx), "table users lacks column timezone")
	v, err := s.SchemaVersion(ctx)
	require.NoError(t, err)
	assert.Zero(t, v, "a refused database is not recorded")
}

func TestMigrateRefusesANewerDatabase(t *testing.T) {
	ctx := context.Background()
	s := openUnmigrated(t)
	require.NoError(t, s.Migrate(ctx))
	next := latestVersion(t, s) + 1
	_, err := s.sqlDB.Exec("INSERT INTO "+versionTable+" (version_id, is_applied) VALUES ($1, $2)", next, true)
	require.NoError(t, err)
	err = s.Migrate(ctx)
	require.ErrorContains(t, err, fmt.Sprintf("the database is at schema version %d, newer than this rollcall's %d", next, next-1))
}
