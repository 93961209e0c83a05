package jobs

import (
	"context"
	"net/http"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/models"
	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

// withRegistrants is the fake participant source with a real Zoom client's
// registrant lists (over HTTP, from the fake Zoom server).
type withRegistrants struct {
	*fakeZoom
	client *zoom.Client
}

func (w withRegistrants) MeetingRegistrants(ctx context.Context, id int64, o zoom.RegistrantOptions) ([]zoom.Registrant, error) {
	return w.client.MeetingRegistrants(ctx, id, o)
}

func (w withRegistrants) WebinarRegistrants(ctx context.Context, id int64, o zoom.RegistrantOptions) ([]zoom.Registrant, error) {
	return w.client.WebinarRegistrants(ctx, id, o)
}

// fetchWithRegistrants works one fetch of m with registrants served by
// the fake Zoom server.
func fetchWithRegistrants(t *testing.T, e *testEnv, fake *zoomtest.Server, m models.Meeting) {
	t.Helper()
	client, err := zoom.New(fake.ClientConfig())
	require.NoError(t, err)
	src := withRegistrants{fakeZoom: e.zoom, client: client}
	e.inTx(t, func(tx *models.Tx) {
		drv, err := driverFor(tx.Store)
		require.NoError(t, err)
		w := newFetchWorker(tx.Store, src, e.cfg, nil)
		res, err := rivertest.NewWorker(t, drv, e.riverConfig(), w).Work(context.Background(), t, tx.SQLTx(),
			FetchParticipantsArgs{MeetingID: m.ID, UUID: m.UUID}, nil)
		require.NoError(t, err)
		assert.Equal(t, river.EventKindJobCompleted, res.EventKind)
	})
}

func TestFetchStoresApprovedRegistrants(t *testing.T) {
	e := newTestEnv(t, Config{})
	fake := zoomtest.NewServer()
	t.Cleanup(fake.Close)
	m := e.meeting(t, "uuid-reg", false)
	fake.AddRegistrant(m.MeetingNumber, zoomtest.Registrant{ID: "reg-1", Email: "Grace@Example.com", FirstName: "Grace", LastName: "Hopper"})
	fake.AddRegistrant(m.MeetingNumber, zoomtest.Registrant{ID: "reg-2", Email: "pending@example.com", Status: "pending"})
	fake.AddRegistrant(m.MeetingNumber, zoomtest.Registrant{ID: "reg-3", Email: "ken@example.com", FirstName: "Ken"})
	e.zoom.answer(twoAttendees, nil)

	fetchWithRegistrants(t, e, fake, m)

	ctx := context.Background()
	regs, err := e.store.Registrants(ctx, []uint64{m.ID})
	require.NoError(t, err)
	require.Len(t, regs[m.ID], 2, "approved only")
	assert.Equal(t, "reg-1", regs[m.ID][0].RegistrantID)
	assert.Equal(t, "grace@example.com", regs[m.ID][0].Email, "lower-cased")
	assert.Equal(t, "Grace Hopper", regs[m.ID][0].Name)
	assert.Equal(t, "Ken", regs[m.ID][1].Name)
	f, err := e.store.RegistrantFetchOf(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, f.Count)
	assert.Empty(t, f.Error)
}

func TestFetchRecordsARegistrantScopeRefusalAndKeepsTheParticipants(t *testing.T) {
	e := newTestEnv(t, Config{})
	fake := zoomtest.NewServer()
	t.Cleanup(fake.Close)
	m := e.meeting(t, "uuid-scope", false)
	fake.AddRegistrant(m.MeetingNumber, zoomtest.Registrant{ID: "reg-1", Email: "grace@example.com"})
	fake.FailNext(1, zoomtest.Fault{Path: "/v2/meetings/", Status: http.StatusBadRequest, Code: 4700,
		Message: "Invalid access token, does not contain scopes:[meeting:read:list_registrants:admin]."})
	e.zoom.answer(twoAttendees, nil)

	fetchWithRegistrants(t, e, fake, m)

	ctx := context.Background()
	got := e.storedMeeting(t, m.ID)
	assert.Equal(t, models.FetchFetched, got.FetchStatus, "the participants are stored all the same")
	assert.Equal(t, 2, got.SegmentCount)
	f, err := e.store.RegistrantFetchOf(ctx, m.ID)
	require.NoError(t, err)
	assert.Contains(t, f.Error, "meeting:read:list_registrants:admin")
	regs, err := e.store.Registrants(ctx, []uint64{m.ID})
	require.NoError(t, err)
	assert.Empty(t, regs[m.ID])
}

func TestFetchTreatsAMeetingWithoutRegistrationAsNone(t *testing.T) {
	e := newTestEnv(t, Config{})
	fake := zoomtest.NewServer()
	t.Cleanup(fake.Close)
	m := e.meeting(t, "uuid-noreg", false) // the fake knows no such meeting: 404, 3001
	e.zoom.answer(twoAttendees, nil)

	fetchWithRegistrants(t, e, fake, m)

	f, err := e.store.RegistrantFetchOf(context.Background(), m.ID)
	require.NoError(t, err)
	assert.Empty(t, f.Error)
	assert.Zero(t, f.Count)
}
