package zoom_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rollcall/zoom"
	"rollcall/zoom/zoomtest"
)

func newClient(t *testing.T, srv *zoomtest.Server, edit ...func(*zoom.Config)) *zoom.Client {
	t.Helper()
	cfg := srv.ClientConfig()
	for _, f := range edit {
		f(&cfg)
	}
	c, err := zoom.New(cfg)
	require.NoError(t, err)
	return c
}

func TestParticipantsAllPages(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 1000, Seed: 7})
	srv.AddMeeting(m)
	c := newClient(t, srv)

	res, err := c.Participants(context.Background(), m.UUID)
	require.NoError(t, err)
	assert.Equal(t, zoom.SourceDashboard, res.Source)
	assert.Equal(t, 4, res.Pages)
	require.Len(t, res.Participants, 1000)
	for i, p := range res.Participants {
		want := m.Participants[i]
		assert.Equal(t, want.UserID, p.UserID)
		assert.Equal(t, want.Name, p.DisplayName())
		assert.Equal(t, want.Email, p.EmailAddress())
		assert.Equal(t, want.RegistrantID, p.RegistrantID)
		assert.True(t, want.Join.Equal(p.JoinTime))
		assert.NotEmpty(t, p.Raw)
	}
	for _, r := range srv.Requests() {
		if r.Label == zoomtest.LabelHeavy {
			assert.Equal(t, "300", r.Query.Get("page_size"))
			assert.Equal(t, "registrant_id", r.Query.Get("include_fields"))
			assert.Equal(t, "past", r.Query.Get("type"))
		}
	}
	assert.Equal(t, 1, srv.TokensIssued())
}

func TestPastMeeting(t *testing.T) {
	srv := zoomtest.NewServer()
	defer srv.Close()
	m := zoomtest.Generate(zoomtest.GenOptions{Participants: 10, Seed: 3})
	srv.AddMeeting(m)
	c := newClient(t, srv)

	pm, err := c.PastMeeting(context.Background(), m.UUID)
	require.NoError(t, err)
	assert.Equal(t, m.UUID, pm.UUID)
	assert.Equal(t, m.ID, pm.ID)
	assert.Equal(t, m.Topic, pm.Topic)
	assert.Equal(t, m.HostID, pm.HostID)
	assert.True(t, m.Start.Equal(pm.StartTime))
	assert.True(t, m.End.Equal(pm.EndTime))
	assert.Equal(t, 60, pm.Duration)
	assert.Equal(t, time.UTC, pm.StartTime.Location())
}
