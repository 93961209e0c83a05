package handlers

import (
	"crypto/sha256"
	"sync"
	"time"
)

// throttle counts attempts per key in a fixed window and refuses a key that
// reached its limit until the window ends. It is per process: with several
// replicas an attacker gets the limit once per replica, which still turns
// a password guessing run from millions of tries into dozens.
//
// An attempt is counted when it is admitted (take), before the password is
// checked, so parallel requests cannot all pass the check; a success gives
// its attempt back (refund). Keys are stored as fixed-size hashes and the
// table is bounded, so a stranger sending huge or endless distinct keys
// cannot grow memory.
type throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	max    int // entries kept at most
	seen   map[throttleKey]*throttleEntry
}

// throttleKey is a hash of the caller's key: 16 bytes whatever it was.
type throttleKey [16]byte

type throttleEntry struct {
	attempts int
	reset    time.Time
	// refused is set once a refusal of this window was reported, so that an
	// attacker hammering a blocked key logs one line per window, not one
	// per request.
	refused bool
}

// defaultThrottleEntries bounds each throttle's table. An entry is about
// 100 bytes, so a full table stays near 5 MB.
const defaultThrottleEntries = 50_000

func newThrottle(limit int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{limit: limit, window: window, now: now, max: defaultThrottleEntries,
		seen: map[throttleKey]*throttleEntry{}}
}

func hashKey(key string) throttleKey {
	sum := sha256.Sum256([]byte(key))
	return throttleKey(sum[:16])
}

// take admits one attempt of key and counts it, or refuses it when key has
// used its limit in the current window. until is when the window ends;
// first is true for the first refusal of the window.
func (t *throttle) take(key string) (ok bool, until time.Time, first bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	k := hashKey(key)
	e := t.seen[k]
	if e == nil || !now.Before(e.reset) {
		t.makeRoom(now)
		e = &throttleEntry{reset: now.Add(t.window)}
		t.seen[k] = e
	}
	if e.attempts >= t.limit {
		first = !e.refused
		e.refused = true
		return false, e.reset, first
	}
	e.attempts++
	return true, e.reset, false
}

// count returns how many attempts key made in its current window.
func (t *throttle) count(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.seen[hashKey(key)]
	if e == nil || !t.now().Before(e.reset) {
		return 0
	}
	return e.attempts
}

// refund gives back one attempt of key (it succeeded, or it was never
// evaluated).
func (t *throttle) refund(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.seen[hashKey(key)]; e != nil && e.attempts > 0 {
		e.attempts--
	}
}

// forget clears key after a success.
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, hashKey(key))
}

// makeRoom keeps the table under its bound before a new entry: expired
// entries go first; if a flood of live keys still fills it, a tenth of the
// table goes, oldest windows first among those visited. Called with mu held.
func (t *throttle) makeRoom(now time.Time) {
	if len(t.seen) < t.max {
		return
	}
	for k, e := range t.seen {
		if !now.Before(e.reset) {
			delete(t.seen, k)
		}
	}
	if len(t.seen) < t.max {
		return
	}
	// Still full of live keys: whoever fills it controls many addresses
	// already. Drop entries that are not blocking anything first, then any.
	drop := t.max / 10
	for k, e := range t.seen {
		if drop == 0 {
			return
		}
		if e.attempts < t.limit {
			delete(t.seen, k)
			drop--
		}
	}
	for k := range t.seen {
		if drop == 0 {
			return
		}
		delete(t.seen, k)
		drop--
	}
}

// slowdown admits at most one attempt per interval for a key, for keys
// the caller decided to slow down (an account under attack from many
// addresses). It refuses nothing for good: someone who waits interval gets
// in. Memory is bounded like throttle's.
type slowdown struct {
	mu       sync.Mutex
	interval time.Duration
	now      func() time.Time
	max      int
	next     map[throttleKey]time.Time
}

func newSlowdown(interval time.Duration, now func() time.Time) *slowdown {
	return &slowdown{interval: interval, now: now, max: defaultThrottleEntries, next: map[throttleKey]time.Time{}}
}

// admit reports whether key may make an attempt now; if not, when it may.
func (s *slowdown) admit(key string) (bool, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	k := hashKey(key)
	if at, ok := s.next[k]; ok && now.Before(at) {
		return false, at
	}
	if len(s.next) >= s.max {
		for k2, at := range s.next {
			if !now.Before(at) {
				delete(s.next, k2)
			}
		}
		for k2 := range s.next { // still full: forget arbitrary keys
			if len(s.next) < s.max {
				break
			}
			delete(s.next, k2)
		}
	}
	s.next[k] = now.Add(s.interval)
	return true, time.Time{}
}
