package sentry

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sentry limits each caller per endpoint and method: the rate limit key is
// "<category>:<view>:<method>:<caller id>" (get_rate_limit_key in
// src/sentry/ratelimits/utils.py), checked against a fixed window whose
// count and end come back on every answer as X-Sentry-Rate-Limit-Remaining
// and -Reset (epoch seconds; src/sentry/ratelimits/redis.py puts the reset
// at the start of the next window), then against a concurrent limit
// (X-Sentry-Rate-Limit-ConcurrentLimit, -ConcurrentRemaining). A pacer
// keeps one caller's view of those limits, route by route, so that its
// requests wait for a window to turn instead of spending themselves on
// 429s, and stay under the concurrent limit.

const (
	// resetJitter spreads the requests that waited for a window to turn
	// over its start, so that they do not all arrive in its first
	// millisecond, and hold past a reset whole-second headers round down.
	resetJitter = 500 * time.Millisecond
	// maxHold bounds one wait for a window's reset, against a reset time
	// far ahead (a skewed clock): the request then goes and learns again.
	maxHold = 30 * time.Second
	// windowLength is the length of the windows Sentry's API endpoints
	// declare (RateLimit(limit=..., window=1)); when one ends, the pacer
	// expects the next to have its full limit until an answer says
	// otherwise.
	windowLength = time.Second
)

// pacer keeps one caller's rate limits by route. It is safe for
// concurrent use.
type pacer struct {
	mu     sync.Mutex
	routes map[string]*routePace
	// jitter returns a random wait in [0, n]; tests replace it.
	jitter func(n time.Duration) time.Duration
}

// routePace is what the pacer knows about one route's limits.
type routePace struct {
	// limit is the window's size, 0 until an answer says.
	limit int
	// remaining is the requests left in the window ending at reset,
	// after those sent since Sentry last counted; -1 when unknown.
	remaining int
	reset     time.Time
	// concurrentLimit is how many requests may be in flight, 0 when
	// unknown; inFlight how many of the caller's are.
	concurrentLimit int
	inFlight        int
	// freed is closed, and cleared, when a request ends; waiters for a
	// concurrent slot take it and check again.
	freed chan struct{}
}

func newPacer() *pacer {
	return &pacer{routes: make(map[string]*routePace), jitter: randomDuration}
}

// pacers is the process's pacers, one per Sentry, token and HTTP client:
// the provider's resources share one client per token, and Terraform may
// configure the provider more than once in a process (aliases, or each
// operation of a test), so clients made apart still share their limits.
var pacers = struct {
	sync.Mutex
	m map[pacerKey]*pacer
}{m: make(map[pacerKey]*pacer)}

type pacerKey struct {
	baseURL string
	// token is a digest, so that the map holds no secret.
	token [sha256.Size]byte
	// client is the caller's own HTTP client, nil for the default: a
	// client of its own (a test's in-memory transport) is another
	// connection to another server.
	client *http.Client
}

// sharedPacer returns the process's pacer for the caller.
func sharedPacer(baseURL, token string, client *http.Client) *pacer {
	k := pacerKey{baseURL: baseURL, token: sha256.Sum256([]byte(token)), client: client}
	pacers.Lock()
	defer pacers.Unlock()
	p := pacers.m[k]
	if p == nil {
		p = newPacer()
		pacers.m[k] = p
	}
	return p
}

// routeKey names the route of a request path relative to the API root,
// as Sentry's rate limit key names the endpoint: the method and the path
// with its identifiers (slugs, ids) replaced. Sentry's paths alternate a
// fixed word and an identifier after the organization, except under
// /teams/{org}/{team}/ and /projects/{org}/{project}/, which name two
// identifiers first.
func routeKey(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	twoIDs := segs[0] == "teams" || segs[0] == "projects"
	for i := 1; i < len(segs); i++ {
		variable := i%2 == 1
		if twoIDs {
			variable = i <= 2 || i%2 == 0
		}
		if variable {
			segs[i] = "*"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

func (p *pacer) route(key string) *routePace {
	r := p.routes[key]
	if r == nil {
		r = &routePace{remaining: -1}
		p.routes[key] = r
	}
	return r
}

// acquire waits until a request on the route may go: its window has
// requests left (or the pacer does not know), and fewer than the
// concurrent limit of the caller's requests are in flight. It returns
// what to call once the request has ended, or ctx's error if ctx ends
// first.
func (p *pacer) acquire(ctx context.Context, key string) (done func(), err error) {
	var hold *time.Timer
	// heldLong is set once the request waited maxHold for a reset
	// that is still ahead: it goes, and its answer tells the truth.
	heldLong := false
	defer func() {
		if hold != nil {
			hold.Stop()
		}
	}()
	for {
		p.mu.Lock()
		r := p.route(key)
		now := time.Now()
		r.turn(now)
		var wait <-chan struct{}
		var until time.Duration
		switch {
		case r.remaining == 0 && !heldLong:
			// Spent: hold until the window turns, each request by a
			// different bit more.
			until = r.reset.Sub(now)
			if until > maxHold {
				until, heldLong = maxHold, true
			}
			until += p.jitter(resetJitter)
		case r.concurrentLimit > 0 && r.inFlight >= r.concurrentLimit:
			if r.freed == nil {
				r.freed = make(chan struct{})
			}
			wait = r.freed
		default:
			if r.remaining > 0 {
				r.remaining--
			}
			r.inFlight++
			p.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { p.release(key) }) }, nil
		}
		p.mu.Unlock()

		if wait == nil {
			if hold == nil {
				hold = time.NewTimer(until)
			} else {
				hold.Reset(until)
			}
			select {
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			case <-hold.C:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-wait:
		}
	}
}

// turn starts the next window once the known one has ended: the full
// limit when it is known, else unknown.
func (r *routePace) turn(now time.Time) {
	if r.reset.IsZero() || now.Before(r.reset) {
		return
	}
	if r.limit > 0 {
		r.remaining = r.limit
		// Whole windows past the known end.
		r.reset = r.reset.Add((now.Sub(r.reset)/windowLength + 1) * windowLength)
		return
	}
	r.remaining, r.reset = -1, time.Time{}
}

// release ends a request: its concurrent slot is free.
func (p *pacer) release(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.route(key)
	r.inFlight--
	if r.freed != nil {
		close(r.freed)
		r.freed = nil
	}
}

// learn takes in what an answer on the route says of its limits.
func (p *pacer) learn(key string, h http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.route(key).learn(h, time.Now())
}

// learn takes in what an answer says of the route's limits. Answers come
// back out of order: one from an earlier window says nothing of the
// current one, and within a window the lowest count is the latest.
func (r *routePace) learn(h http.Header, now time.Time) {
	// Capped: a header cannot make the pacer count past what an int
	// holds, and no endpoint allows a million requests a second.
	if n, ok := headerInt(h, "X-Sentry-Rate-Limit-ConcurrentLimit"); ok && n > 0 {
		r.concurrentLimit = int(min(n, 1e6))
	}
	if n, ok := headerInt(h, "X-Sentry-Rate-Limit-Limit"); ok && n > 0 {
		r.limit = int(min(n, 1e6))
	}
	remaining, okRemaining := headerInt(h, "X-Sentry-Rate-Limit-Remaining")
	resetAt, okReset := headerInt(h, "X-Sentry-Rate-Limit-Reset")
	if !okRemaining || !okReset || remaining < 0 || resetAt <= 0 || resetAt > maxResetEpoch {
		return
	}
	remaining = min(remaining, 1e6)
	reset := time.Unix(resetAt, 0)
	if !reset.After(now) {
		// The window has already ended.
		return
	}
	switch {
	case r.reset.IsZero() || reset.After(r.reset):
		r.reset, r.remaining = reset, int(remaining)
	case reset.Equal(r.reset):
		if r.remaining < 0 || int(remaining) < r.remaining {
			r.remaining = int(remaining)
		}
	}
}

func headerInt(h http.Header, name string) (int64, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// pacedTransport sends every attempt through the pacer: it first waits
// the pause checkRetry chose before a retry, then for the route's limits,
// and hands the pacer every answer's headers. It sits above the
// per-attempt bound, so waiting does not count against an attempt.
type pacedTransport struct {
	base  http.RoundTripper
	pacer *pacer
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := stateFrom(ctx)
	if d := st.nextWait; d > 0 {
		st.nextWait = 0
		if !sleepContext(ctx, d) {
			return nil, context.Cause(ctx)
		}
	}
	path := st.path
	if path == "" {
		path = req.URL.Path
	}
	key := routeKey(req.Method, path)
	done, err := t.pacer.acquire(ctx, key)
	if err != nil {
		return nil, err
	}
	// The attempt starts now, and its answer is the last one known.
	st.started = time.Now()
	st.lastStatus.Store(0)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		done()
		return nil, err
	}
	t.pacer.learn(key, resp.Header)
	resp.Body = &releasingBody{ReadCloser: resp.Body, done: done}
	return resp, nil
}

// CloseIdleConnections passes the call on to the pool.
func (t *pacedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// releasingBody frees the request's concurrent slot when its answer has
// been read and closed.
type releasingBody struct {
	io.ReadCloser
	done func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.done()
	return err
}

// sleepContext waits d, or less if ctx ends first; it reports whether the
// wait ran to its end.
func sleepContext(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
