package handlers

import (
	"sync"
	"time"
)

// throttle counts failures per key in a fixed window and refuses a key that
// reached its limit until the window ends. It is per process: with several
// replicas an attacker gets the limit once per replica, which still turns
// a password guessing run from millions of tries into dozens.
type throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	seen   map[string]*throttleEntry
}

type throttleEntry struct {
	failures int
	reset    time.Time
}

func newThrottle(limit int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{limit: limit, window: window, now: now, seen: map[string]*throttleEntry{}}
}

// blocked reports whether key has used up its failures, and until when.
func (t *throttle) blocked(key string) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.seen[key]
	if e == nil || !t.now().Before(e.reset) {
		return false, time.Time{}
	}
	return e.failures >= t.limit, e.reset
}

// fail counts one failure of key.
func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.seen) > 100_000 { // bounded memory under a flood of keys
		for k, e := range t.seen {
			if !now.Before(e.reset) {
				delete(t.seen, k)
			}
		}
	}
	e := t.seen[key]
	if e == nil || !now.Before(e.reset) {
		e = &throttleEntry{reset: now.Add(t.window)}
		t.seen[key] = e
	}
	e.failures++
}

// forget clears key after a success.
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, key)
}
