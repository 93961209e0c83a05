package jobs

import (
	"context"
	"errors"
	"sync"
	"time"

	"rollcall/zoom"
)

// A webinar.ended names its host only by Zoom user ID. The fetch asks Zoom
// for the user (GET /users/{id}) and stores the name and email on the
// meeting; hostNames remembers the answers so that a series of webinars
// asks once per host, not once per instance.
const (
	// hostCacheSize bounds the memory: past it, expired entries go, then
	// any one entry per new host.
	hostCacheSize = 1024
	// hostCacheTTL is how long an answer (a name, or "no such user") is
	// trusted: a host who renames themselves is seen within a day.
	hostCacheTTL = 24 * time.Hour
)

// hostNames is a bounded, expiring map from host ID to the user's name and
// email. An empty entry records that Zoom does not know the user.
type hostNames struct {
	mu      sync.Mutex
	entries map[string]hostEntry
	now     func() time.Time
}

type hostEntry struct {
	name, email string
	at          time.Time
}

func newHostNames(now func() time.Time) *hostNames {
	if now == nil {
		now = time.Now
	}
	return &hostNames{entries: map[string]hostEntry{}, now: now}
}

// lookup returns the name and email of host id, asking ask only when no
// fresh answer is remembered. A 404 (Zoom does not know the user) is
// remembered as empty; any other error is returned and not remembered.
func (h *hostNames) lookup(ctx context.Context, id string, ask func(context.Context, string) (zoom.User, error)) (name, email string, err error) {
	h.mu.Lock()
	e, ok := h.entries[id]
	h.mu.Unlock()
	if ok && h.now().Sub(e.at) < hostCacheTTL {
		return e.name, e.email, nil
	}
	u, err := ask(ctx, id)
	var apiErr *zoom.APIError
	if err != nil && !(errors.As(err, &apiErr) && apiErr.Status == 404) {
		return "", "", err
	}
	e = hostEntry{name: u.Name(), email: u.Email, at: h.now()}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, known := h.entries[id]; !known && len(h.entries) >= hostCacheSize {
		h.evict()
	}
	h.entries[id] = e
	return e.name, e.email, nil
}

// evict makes room for one entry: every expired one goes, else any one.
// h.mu must be held.
func (h *hostNames) evict() {
	now := h.now()
	for id, e := range h.entries {
		if now.Sub(e.at) >= hostCacheTTL {
			delete(h.entries, id)
		}
	}
	for id := range h.entries {
		if len(h.entries) < hostCacheSize {
			return
		}
		delete(h.entries, id)
	}
}

// size returns how many answers are remembered.
func (h *hostNames) size() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.entries)
}
