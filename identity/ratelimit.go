package identity

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys bounds the keys a RateLimiter tracks at once.
const DefaultMaxKeys = 100_000

// RateLimiter is a token bucket per key (a client address, a username),
// e.g. to slow down password guessing. It is safe for concurrent use. Its
// memory is bounded: a key not seen for the idle time is forgotten, and at
// most DefaultMaxKeys keys are kept (beyond that, an arbitrary key is
// forgotten to make room, which hands that key a full bucket again).
type RateLimiter struct {
	limit   rate.Limit
	burst   int
	idle    time.Duration
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter allows each key burst events at once and r a second
// thereafter, e.g. NewRateLimiter(rate.Every(time.Minute), 10, time.Hour).
// A key is forgotten after idle without events; idle is raised, if need be,
// to the time a bucket takes to refill, so that forgetting a key never
// lets it do more than remembering it would have.
func NewRateLimiter(r rate.Limit, burst int, idle time.Duration) *RateLimiter {
	if r > 0 && r != rate.Inf {
		refill := time.Duration(float64(burst) / float64(r) * float64(time.Second))
		if idle < refill {
			idle = refill
		}
	}
	if idle <= 0 {
		idle = time.Hour
	}
	return &RateLimiter{
		limit: r, burst: burst, idle: idle, maxKeys: DefaultMaxKeys,
		buckets: make(map[string]*bucket),
	}
}

// Allow reports whether one more event for key may happen now, and counts
// it if so.
func (l *RateLimiter) Allow(key string) bool { return l.AllowAt(key, time.Now()) }

// AllowAt is Allow at a given time (for tests and replays). Times should
// not go backwards by much; the buckets treat an earlier time as now.
func (l *RateLimiter) AllowAt(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= l.idle {
		l.sweep(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.sweep(now)
			for k := range l.buckets { // still full: forget any one
				if len(l.buckets) < l.maxKeys {
					break
				}
				delete(l.buckets, k)
			}
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// sweep forgets the keys idle for l.idle or longer. l.mu is held.
func (l *RateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= l.idle {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// Len is the number of keys tracked.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
