package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"rollcall/models"
	"rollcall/zoom"
)

// FetchParticipantsArgs asks for the participants of one meeting instance.
// Jobs are unique by these args while one is waiting or running.
type FetchParticipantsArgs struct {
	MeetingID uint64 `json:"meeting_id" river:"unique"`
	UUID      string `json:"uuid" river:"unique"`
}

// Kind is the job's stable name in the queue table.
func (FetchParticipantsArgs) Kind() string { return "fetch_participants" }

// FetchWorker pulls every participant of a meeting instance from Zoom and
// stores them, replacing an earlier fetch atomically.
type FetchWorker struct {
	river.WorkerDefaults[FetchParticipantsArgs]
	store *models.Store
	src   ParticipantSource
	cfg   Config
	log   *slog.Logger
	// outbound announces stored participants to webhook endpoints
	// (deliver.go); nil announces nothing.
	outbound *Queue
	hosts    *hostNames
}

// newFetchWorker builds the fetch worker; cfg must have its defaults, and a
// nil log discards.
func newFetchWorker(store *models.Store, src ParticipantSource, cfg Config, log *slog.Logger) *FetchWorker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &FetchWorker{store: store, src: src, cfg: cfg, log: log, hosts: newHostNames(cfg.Now)}
}

// Timeout bounds one attempt.
func (w *FetchWorker) Timeout(*river.Job[FetchParticipantsArgs]) time.Duration {
	return w.cfg.JobTimeout
}

// Work runs one fetch attempt. Zoom's "not ready yet" and rate limits snooze
// the job; bad credentials cancel it and mark the meeting failed with Zoom's
// message, and so do missing permissions unless the meeting has live
// participant events, which are then stored as its participants (source
// webhooks); with Config.EventsOnly the events are stored without asking
// Zoom at all; anything else is retried by River with
// backoff until MaxAttempts, and the meeting is then marked failed.
func (w *FetchWorker) Work(ctx context.Context, job *river.Job[FetchParticipantsArgs]) error {
	log := w.log.With("job_id", job.ID, "meeting_uuid", job.Args.UUID, "attempt", job.Attempt)
	m, err := w.store.Meeting(ctx, job.Args.MeetingID)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(err) // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if err := w.store.MarkFetching(ctx, m.ID); err != nil {
		return err
	}
	if w.cfg.EventsOnly {
		// ZOOM_PARTICIPANTS_SOURCE=webhooks: the live events are the record.
		return w.saveEvents(ctx, job, m)
	}
	err = w.fetch(ctx, job, m)
	if err == nil {
		return nil
	}
	return w.outcome(ctx, job, m, log, err)
}

func (w *FetchWorker) fetch(ctx context.Context, job *river.Job[FetchParticipantsArgs], m models.Meeting) error {
	// A webinar keeps what its webinar.ended said, unless that lacked the
	// window: then the webinar's report gives it (attendance cannot be
	// computed without an end).
	if m.Webinar && (m.EndTime == nil || m.StartTime.IsZero()) {
		rd, err := w.src.WebinarReport(ctx, m.UUID)
		if err != nil {
			return fmt.Errorf("webinar details: %w", err)
		}
		if err := w.store.FillMeetingDetails(ctx, m.ID, models.MeetingDetails{
			Topic: rd.Topic, HostName: rd.UserName, HostEmail: rd.UserEmail,
			Type: rd.Type, StartTime: rd.StartTime, EndTime: rd.EndTime,
		}); err != nil {
			return err
		}
		m.HostName, m.HostEmail = cmp.Or(m.HostName, rd.UserName), cmp.Or(m.HostEmail, rd.UserEmail)
	}
	if !m.Webinar && (m.Topic == "" || m.EndTime == nil || m.StartTime.IsZero() || m.HostEmail == "") {
		pm, err := w.src.PastMeeting(ctx, m.UUID)
		switch {
		case err == nil:
			if err := w.store.FillMeetingDetails(ctx, m.ID, models.MeetingDetails{
				Topic: pm.Topic, HostID: pm.HostID, HostName: pm.UserName, HostEmail: pm.UserEmail,
				Type: pm.Type, StartTime: pm.StartTime, EndTime: pm.EndTime,
			}); err != nil {
				return err
			}
			m.HostName, m.HostEmail = cmp.Or(m.HostName, pm.UserName), cmp.Or(m.HostEmail, pm.UserEmail)
		case m.StartTime.IsZero() || m.EndTime == nil:
			// Without a window attendance cannot be computed: this matters.
			return fmt.Errorf("meeting details: %w", err)
		default:
			// Only cosmetic details were missing; the participants matter more.
			w.log.Warn("past meeting details unavailable", "meeting_uuid", m.UUID, "error", err)
		}
	}
	if err := w.nameHost(ctx, m); err != nil {
		return err
	}
	list := w.src.Participants
	if m.Webinar {
		list = w.src.WebinarParticipants
	}
	res, err := list(ctx, m.UUID)
	if err != nil {
		return err
	}
	if len(res.Participants) == 0 {
		return errNoParticipants
	}
	segs := make([]models.Segment, len(res.Participants))
	for i, p := range res.Participants {
		segs[i] = segmentFrom(p, w.cfg.DropNetworkIDs)
	}
	if err := w.save(ctx, job, m, string(res.Source), segs); err != nil {
		return err
	}
	w.fetchRegistrants(ctx, m)
	return nil
}

// RegistrantSource lists a meeting's or webinar's registrants:
// *zoom.Client. A ParticipantSource that is one too has registrants
// fetched with the participants.
type RegistrantSource interface {
	MeetingRegistrants(ctx context.Context, meetingID int64, opts zoom.RegistrantOptions) ([]zoom.Registrant, error)
	WebinarRegistrants(ctx context.Context, webinarID int64, opts zoom.RegistrantOptions) ([]zoom.Registrant, error)
}

var _ RegistrantSource = (*zoom.Client)(nil)

// fetchRegistrants stores the approved registrants of meeting m's number,
// who count as expected at the instance. It runs after the participants
// are stored and never fails their fetch: Zoom's refusal (a missing scope,
// most often) is recorded with the meeting and shown on its page, and a
// meeting without registration simply has none.
func (w *FetchWorker) fetchRegistrants(ctx context.Context, m models.Meeting) {
	rs, ok := w.src.(RegistrantSource)
	if !ok || m.MeetingNumber <= 0 {
		return
	}
	list := rs.MeetingRegistrants
	if m.Webinar {
		list = rs.WebinarRegistrants
	}
	got, err := list(ctx, m.MeetingNumber, zoom.RegistrantOptions{Status: "approved"})
	var regs []models.Registrant
	reason := ""
	switch {
	case err == nil:
		regs = make([]models.Registrant, 0, len(got))
		for _, r := range got {
			if r.ID == "" || (r.Status != "" && r.Status != "approved") {
				continue
			}
			name := strings.TrimSpace(strings.TrimSpace(r.FirstName) + " " + strings.TrimSpace(r.LastName))
			regs = append(regs, models.Registrant{RegistrantID: r.ID, Email: r.Email, Name: name})
		}
	case noRegistration(err):
		regs = []models.Registrant{} // nothing to expect
	case errors.Is(err, zoom.ErrPermission):
		scope := "meeting:read:list_registrants:admin"
		if m.Webinar {
			scope = "webinar:read:list_registrants:admin"
		}
		reason = "Zoom refused the registrants (needs the scope " + scope + "): " + err.Error()
		w.log.Warn("registrants refused", "meeting_uuid", m.UUID, "error", err)
	default:
		reason = "registrants not fetched: " + err.Error()
		w.log.Warn("registrants not fetched", "meeting_uuid", m.UUID, "error", err)
	}
	if err := w.store.ReplaceRegistrants(ctx, m.ID, regs, reason, w.cfg.Now()); err != nil {
		w.log.Error("registrants not stored", "meeting_uuid", m.UUID, "error", err)
	}
}

// noRegistration reports whether Zoom's answer means the meeting has no
// registration (or no longer exists), rather than a refusal.
func noRegistration(err error) bool {
	var ae *zoom.APIError
	if !errors.As(err, &ae) || errors.Is(err, zoom.ErrPermission) || errors.Is(err, zoom.ErrUnauthorized) {
		return false
	}
	// 404 (3001): no such meeting; other 4xx: registration is not enabled.
	return ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests
}

// nameHost stores the name and email of meeting m's host when m knows the
// host only by ID (a webinar.ended says no more), from Zoom's user lookup
// through w.hosts. The name is cosmetic: a failed lookup is logged and the
// page keeps showing the ID.
func (w *FetchWorker) nameHost(ctx context.Context, m models.Meeting) error {
	if m.HostID == "" || m.HostName != "" || m.HostEmail != "" {
		return nil
	}
	name, email, err := w.hosts.lookup(ctx, m.HostID, w.src.User)
	if err != nil {
		w.log.Warn("host lookup failed", "meeting_uuid", m.UUID, "error", err)
		return nil
	}
	return w.store.FillMeetingDetails(ctx, m.ID, models.MeetingDetails{HostName: name, HostEmail: email})
}

// save stores segs as meeting m's participants and completes job in the
// same transaction: a crash either loses both (the job runs again) or
// keeps both (it never does), so a stored fetch is never repeated.
func (w *FetchWorker) save(ctx context.Context, job *river.Job[FetchParticipantsArgs], m models.Meeting, source string, segs []models.Segment) error {
	return w.store.Tx(ctx, func(tx *models.Tx) error {
		if err := tx.ReplaceSegments(ctx, m.ID, source, segs); err != nil {
			return err
		}
		if err := w.announce(ctx, tx, m, source, len(segs)); err != nil { // deliver.go
			return err
		}
		var err error
		switch tx.Dialect() {
		case models.DialectSQLite:
			_, err = river.JobCompleteTx[*riversqlite.Driver](ctx, tx.SQLTx(), job)
		default:
			_, err = river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.SQLTx(), job)
		}
		if err != nil {
			return fmt.Errorf("jobs: complete fetch of %s: %w", m.UUID, err)
		}
		return nil
	})
}

// saveEvents stores the segments built from meeting m's live participant
// events as its participants, from source models.SourceWebhooks, and
// completes job, as save does.
func (w *FetchWorker) saveEvents(ctx context.Context, job *river.Job[FetchParticipantsArgs], m models.Meeting) error {
	segs, err := w.store.EventSegments(ctx, m)
	if err != nil {
		return err
	}
	return w.save(ctx, job, m, models.SourceWebhooks, segs)
}

// errNoParticipants: Zoom answered but listed nobody, which right after a
// meeting ends means its data is not processed yet.
var errNoParticipants = errors.New("zoom listed no participants yet")

func (w *FetchWorker) outcome(ctx context.Context, job *river.Job[FetchParticipantsArgs], m models.Meeting, log *slog.Logger, err error) error {
	var rl *zoom.RateLimitError
	switch {
	case errors.Is(err, zoom.ErrMeetingNotReady), errors.Is(err, errNoParticipants):
		deadline := job.CreatedAt.Add(w.cfg.FetchDelay + w.cfg.NotReadyGiveUp)
		if w.cfg.Now().After(deadline) {
			if errors.Is(err, errNoParticipants) {
				// Zoom kept saying nobody attended: record exactly that.
				log.Info("meeting has no participants", "error", err)
				return w.save(ctx, job, m, "", nil)
			}
			reason := fmt.Sprintf("Zoom still reports the meeting as not ready after %s: %v", w.cfg.NotReadyGiveUp, err)
			return w.fail(ctx, m, log, reason, river.JobCancel(err))
		}
		waits := waitsOf(job)
		wait := notReadyWait(w.cfg, waits)
		log.Info("participants not ready, snoozing", "wait", wait, "error", err)
		if err := w.store.MarkPending(ctx, m.ID, "waiting for Zoom: "+err.Error()); err != nil {
			return err
		}
		return snooze(ctx, waits, wait)
	case errors.As(err, &rl):
		wait := rateLimitWait(rl, w.cfg.Now())
		log.Warn("rate limited by Zoom, snoozing", "wait", wait, "error", err)
		if err := w.store.MarkPending(ctx, m.ID, "rate limited by Zoom: "+err.Error()); err != nil {
			return err
		}
		return snooze(ctx, waitsOf(job), wait)
	case errors.Is(err, zoom.ErrPermission):
		// Zoom refuses this account both participant lists: the live
		// events, when there are any, are the record instead.
		evs, evErr := w.store.ParticipantEvents(ctx, m.UUID)
		if evErr != nil {
			return evErr
		}
		if len(evs) > 0 {
			log.Info("participants API refused; storing the live events as the record", "events", len(evs), "error", err)
			return w.saveEvents(ctx, job, m)
		}
		return w.fail(ctx, m, log, err.Error(), river.JobCancel(err))
	case errors.Is(err, zoom.ErrUnauthorized):
		return w.fail(ctx, m, log, err.Error(), river.JobCancel(err))
	case job.Attempt >= job.MaxAttempts:
		return w.fail(ctx, m, log, fmt.Sprintf("gave up after %d attempts: %v", job.Attempt, err), err)
	default:
		log.Warn("fetch failed, will retry", "error", err)
		if err := w.store.MarkPending(ctx, m.ID, err.Error()); err != nil {
			return err
		}
		return err
	}
}

func (w *FetchWorker) fail(ctx context.Context, m models.Meeting, log *slog.Logger, reason string, jobErr error) error {
	log.Error("fetch failed for good", "error", reason)
	if err := w.store.MarkFailed(ctx, m.ID, reason); err != nil {
		return err
	}
	return jobErr
}

// waitsKey is the job metadata key in which the fetch worker counts the
// times it has snoozed this job ("not ready" and rate limits alike): the
// next "not ready" wait doubles with each. It is written only by snooze,
// through River's public metadata API, so it never depends on how River
// itself keeps count.
const waitsKey = "fetch_waits"

// waitsOf returns how many times job has been snoozed by this worker.
func waitsOf(job *river.Job[FetchParticipantsArgs]) int {
	var md map[string]json.RawMessage
	var n int
	// Missing or malformed: no waits yet.
	if json.Unmarshal(job.Metadata, &md) == nil && json.Unmarshal(md[waitsKey], &n) == nil {
		return n
	}
	return 0
}

// snooze counts one more wait on the job (waits so far plus one) and snoozes
// it for wait.
func snooze(ctx context.Context, waits int, wait time.Duration) error {
	if err := river.MetadataSet(ctx, waitsKey, waits+1); err != nil {
		return fmt.Errorf("jobs: count snooze: %w", err)
	}
	return river.JobSnooze(wait)
}

// notReadyWait is the n-th wait for Zoom's data: NotReadyRetry doubled n
// times, capped at NotReadyMaxWait.
func notReadyWait(cfg Config, n int) time.Duration {
	wait := cfg.NotReadyRetry
	for i := 0; i < n && wait < cfg.NotReadyMaxWait; i++ {
		wait *= 2
	}
	return min(wait, cfg.NotReadyMaxWait)
}

// rateLimitWait honours Zoom's Retry-After (seconds or a date); without one it
// waits a minute. A little jitter keeps many snoozed jobs from waking at once.
func rateLimitWait(rl *zoom.RateLimitError, now time.Time) time.Duration {
	wait := time.Minute
	switch {
	case rl.RetryAfter > 0:
		wait = rl.RetryAfter
	case !rl.Until.IsZero():
		wait = max(rl.Until.Sub(now), time.Second)
	}
	return wait + rand.N(wait/10+250*time.Millisecond)
}

// SegmentFrom turns one Zoom participant row into the segment a fetch
// stores, so that tests and benchmarks elsewhere build data the real way.
func SegmentFrom(p zoom.Participant) models.Segment { return segmentFrom(p, false) }

// networkIDs are the participant fields that identify a person's machine
// and network; with DropNetworkIDs they are never stored.
var networkIDs = []string{"ip_address", "internal_ip_addresses", "mac_addr", "harddisk_id"}

// segmentFrom turns one Zoom participant row into a stored segment.
func segmentFrom(p zoom.Participant, dropNetworkIDs bool) models.Segment {
	raw := string(p.Raw)
	if raw == "" {
		b, _ := json.Marshal(p)
		raw = string(b)
	}
	if dropNetworkIDs {
		raw = withoutKeys(raw, networkIDs)
		p.IPAddress = ""
	}
	s := models.Segment{
		ParticipantID:     p.ID,
		UserID:            p.UserID,
		ParticipantUUID:   p.ParticipantUUID,
		ParticipantUserID: p.ParticipantUserID,
		RegistrantID:      p.RegistrantID,
		CustomerKey:       p.CustomerKey,
		Name:              p.DisplayName(),
		Email:             p.EmailAddress(),
		JoinTime:          p.JoinTime.UTC(),
		LeaveReason:       p.LeaveReason,
		Status:            p.Status,
		Role:              p.Role,
		Device:            p.Device,
		OS:                p.OS,
		Location:          p.Location,
		IPAddress:         p.IPAddress,
		Raw:               raw,
	}
	if p.LeaveTime != nil {
		t := p.LeaveTime.UTC()
		s.LeaveTime = &t
	}
	s.PersonKey = s.Key()
	return s
}

// withoutKeys returns the JSON object raw without keys. The object is
// re-encoded (its keys come out sorted) only when it had one of them.
func withoutKeys(raw string, keys []string) string {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return "{}" // not an object: keep nothing rather than something unredacted
	}
	found := false
	for _, k := range keys {
		if _, ok := obj[k]; ok {
			delete(obj, k)
			found = true
		}
	}
	if !found {
		return raw
	}
	b, _ := json.Marshal(obj)
	return string(b)
}
