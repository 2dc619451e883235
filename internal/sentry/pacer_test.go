package sentry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The pacer's tests run in synctest bubbles: the bubble's clock starts on
// a whole second and moves only when everything waits, so a hold until a
// window's reset takes exactly as long as the pacer chose.

// limitHeaders are the rate limit headers of an answer in the window
// ending at reset.
func limitHeaders(limit, remaining int, reset time.Time) http.Header {
	h := http.Header{}
	h.Set("X-Sentry-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Sentry-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-Sentry-Rate-Limit-ConcurrentLimit", "25")
	return h
}

// fixedJitter makes the pacer's jitter the whole of its range.
func fixedJitter(p *pacer) *pacer {
	p.jitter = func(n time.Duration) time.Duration { return n }
	return p
}

// take acquires a slot and ends the request at once, and returns how long
// it waited.
func take(t *testing.T, p *pacer, key string) time.Duration {
	t.Helper()
	var done func()
	var err error
	took := elapsed(func() { done, err = p.acquire(context.Background(), key) })
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	done()
	return took
}

func TestPacerHoldsUntilTheWindowTurns(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := fixedJitter(newPacer())
		const key = "GET organizations/*/members"
		reset := time.Now().Add(time.Second)
		// Two left in this window: they go at once, the third waits
		// for the next window and the jitter after it.
		p.learn(key, limitHeaders(3, 2, reset))
		for i := range 2 {
			if took := take(t, p, key); took != 0 {
				t.Errorf("request %d waited %s with the window not spent", i, took)
			}
		}
		if took := take(t, p, key); took != time.Second+resetJitter {
			t.Errorf("the request after the window was spent waited %s, want %s", took, time.Second+resetJitter)
		}
		// The new window has the limit, less the one just sent.
		for i := range 2 {
			if took := take(t, p, key); took != 0 {
				t.Errorf("request %d of the new window waited %s", i, took)
			}
		}
		if took := take(t, p, key); took == 0 {
			t.Error("the fourth request of a window of 3 did not wait")
		}
		// Another route is not held.
		p.learn(key, limitHeaders(3, 0, time.Now().Add(time.Second)))
		if took := take(t, p, "GET organizations/*/teams"); took != 0 {
			t.Errorf("another route waited %s", took)
		}
	})
}

func TestPacerLearnsOnlyNewerOrLowerCounts(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := fixedJitter(newPacer())
		const key = "PUT teams/*/*"
		now := time.Now()
		p.learn(key, limitHeaders(40, 5, now.Add(time.Second)))
		// A later answer from the same window with a higher count
		// was counted earlier: the lower one stands.
		p.learn(key, limitHeaders(40, 9, now.Add(time.Second)))
		// An answer from a window that has ended says nothing.
		p.learn(key, limitHeaders(40, 0, now))
		p.mu.Lock()
		r := *p.routes[key]
		p.mu.Unlock()
		if r.remaining != 5 || !r.reset.Equal(now.Add(time.Second)) || r.limit != 40 || r.concurrentLimit != 25 {
			t.Errorf("route %+v, want 5 left until %v", r, now.Add(time.Second))
		}
		// A 429 of the current window spends it.
		p.learn(key, limitHeaders(40, 0, now.Add(time.Second)))
		if took := take(t, p, key); took != time.Second+resetJitter {
			t.Errorf("after a 429 the request waited %s, want %s", took, time.Second+resetJitter)
		}
		// A reset far ahead (a skewed clock) holds a request for
		// maxHold at most; then it goes and learns.
		p.learn(key, limitHeaders(40, 0, time.Now().Add(time.Hour)))
		if took := take(t, p, key); took != maxHold+resetJitter {
			t.Errorf("with the reset an hour ahead the request waited %s, want %s", took, maxHold+resetJitter)
		}

		// Without headers (self-hosted Sentry) nothing is held.
		q := newPacer()
		q.learn(key, http.Header{})
		for range 100 {
			if took := take(t, q, key); took != 0 {
				t.Fatalf("a request waited %s with no limits known", took)
			}
		}
	})
}

func TestPacerSpreadsTheWakeUps(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPacer()
		const key = "POST organizations/*/members"
		start := time.Now()
		p.learn(key, limitHeaders(40, 0, start.Add(time.Second)))
		var mu sync.Mutex
		woke := map[time.Duration]bool{}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				done, err := p.acquire(context.Background(), key)
				if err != nil {
					t.Error(err)
					return
				}
				took := time.Since(start)
				done()
				mu.Lock()
				woke[took] = true
				mu.Unlock()
				if took < time.Second || took > time.Second+resetJitter {
					t.Errorf("woke after %s, want within [1s, %s]", took, time.Second+resetJitter)
				}
			})
		}
		wg.Wait()
		// Twenty random draws over 500ms in nanoseconds: the same
		// instant twice would mean no jitter.
		if len(woke) < 15 {
			t.Errorf("20 held requests woke at %d distinct instants, want them spread", len(woke))
		}
	})
}

func TestPacerKeepsUnderTheConcurrentLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPacer()
		const key = "GET projects/*/*"
		h := http.Header{}
		h.Set("X-Sentry-Rate-Limit-ConcurrentLimit", "2")
		p.learn(key, h)
		var running, most atomic.Int32
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				done, err := p.acquire(context.Background(), key)
				if err != nil {
					t.Error(err)
					return
				}
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(100 * time.Millisecond)
				running.Add(-1)
				done()
			})
		}
		took := elapsed(wg.Wait)
		if most.Load() != 2 {
			t.Errorf("at most %d requests ran at once, want the limit of 2", most.Load())
		}
		// Ten requests of 100ms, two at a time.
		if took != 500*time.Millisecond {
			t.Errorf("the requests took %s, want 500ms", took)
		}
	})
}

func TestPacerStopsAtCancellation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPacer()
		const key = "DELETE organizations/*/members/*"
		h := limitHeaders(40, 0, time.Now().Add(10*time.Second))
		h.Set("X-Sentry-Rate-Limit-ConcurrentLimit", "1")
		p.learn(key, h)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		var err error
		took := elapsed(func() { _, err = p.acquire(ctx, key) })
		if !errors.Is(err, context.Canceled) || took != time.Second {
			t.Errorf("held request: %v after %s, want cancelled after 1s", err, took)
		}

		// A request waiting for a concurrent slot stops too.
		q := newPacer()
		q.learn(key, http.Header{"X-Sentry-Rate-Limit-Concurrentlimit": {"1"}})
		done, err := q.acquire(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer done()
		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		took = elapsed(func() { _, err = q.acquire(ctx, key) })
		if !errors.Is(err, context.Canceled) || took != time.Second {
			t.Errorf("request waiting for a slot: %v after %s, want cancelled after 1s", err, took)
		}
	})
}

func TestRouteKey(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ method, path, want string }{
		{"GET", "organizations/acme/members/", "GET organizations/*/members"},
		{"PUT", "organizations/acme/members/42/", "PUT organizations/*/members/*"},
		{"PUT", "organizations/other/members/7/", "PUT organizations/*/members/*"},
		{"POST", "organizations/acme/members/42/teams/backend/", "POST organizations/*/members/*/teams/*"},
		{"GET", "organizations/acme/teams/", "GET organizations/*/teams"},
		{"GET", "teams/acme/backend/", "GET teams/*/*"},
		{"GET", "teams/acme/members/", "GET teams/*/*"},
		{"GET", "teams/acme/backend/members/", "GET teams/*/*/members"},
		{"POST", "teams/acme/backend/projects/", "POST teams/*/*/projects"},
		{"POST", "projects/acme/web/teams/backend/", "POST projects/*/*/teams/*"},
		{"GET", "organizations/acme/org-auth-tokens/5/", "GET organizations/*/org-auth-tokens/*"},
		{"PATCH", "organizations/acme/scim/v2/Groups/9", "PATCH organizations/*/scim/*/Groups/*"},
		{"GET", "organizations/acme/audit-logs/", "GET organizations/*/audit-logs"},
	} {
		if got := routeKey(tt.method, tt.path); got != tt.want {
			t.Errorf("routeKey(%s, %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestPacerSharedByClientsOfOneToken(t *testing.T) {
	t.Parallel()
	paced := func(cfg Config) *pacer {
		t.Helper()
		c, err := NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		paced, ok := c.http.HTTPClient.Transport.(*pacedTransport)
		if !ok {
			t.Fatalf("transport %T, want the pacer's", c.http.HTTPClient.Transport)
		}
		return paced.pacer
	}
	const base = "https://pacer-shared.example/api/0/"
	a := paced(Config{BaseURL: base, Token: "sntryu_a"})
	if b := paced(Config{BaseURL: "https://pacer-shared.example/", Token: "sntryu_a\n"}); b != a {
		t.Error("two clients of the same Sentry and token have their own pacers")
	}
	if b := paced(Config{BaseURL: base, Token: "sntryu_b"}); b == a {
		t.Error("clients of two tokens share a pacer")
	}
	if b := paced(Config{BaseURL: "https://de.pacer-shared.example/", Token: "sntryu_a"}); b == a {
		t.Error("clients of two Sentry hosts share a pacer")
	}
	if b := paced(Config{BaseURL: base, Token: "sntryu_a", HTTPClient: &http.Client{}}); b == a {
		t.Error("a client with an HTTP client of its own shares the default's pacer")
	}
}

// limiter429 is Sentry's rate limiter refusing: the window spent until
// the next second.
func limiter429(w http.ResponseWriter, _ *http.Request) {
	for k, v := range limitHeaders(40, 0, time.Now().Truncate(time.Second).Add(time.Second)) {
		w.Header()[k] = v
	}
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(w, `{"detail": "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"}`)
}

func TestRateLimiter429RetriedUntilTheDeadline(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		// Far more refusals than MaxRetries, each a window: the call
		// keeps trying and gets through.
		answers := make([]func(http.ResponseWriter, *http.Request), 0, 21)
		for range 20 {
			answers = append(answers, limiter429)
		}
		seq := &sequence{answers: append(answers, teamOK)}
		c := newBubbleClient(t, seq, func(cfg *Config) { cfg.MaxRetries = 2 })
		if _, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}); err != nil {
			t.Fatalf("after 20 refusals of the rate limiter: %v", err)
		}
		if seq.hits.Load() != 21 {
			t.Errorf("%d requests, want 21", seq.hits.Load())
		}

		// Refused for good: the call ends with Sentry's 429 when the
		// next window no longer fits in its bound, not after a count.
		seq = &sequence{answers: []func(http.ResponseWriter, *http.Request){limiter429}}
		c = newBubbleClient(t, seq, bounds(30*time.Second, 10*time.Second), func(cfg *Config) { cfg.MaxRetries = 2 })
		var err error
		took := elapsed(func() { _, err = c.GetTeam(context.Background(), "acme", "backend") })
		if !hasStatus(err, http.StatusTooManyRequests) {
			t.Errorf("err = %v, want Sentry's 429", err)
		}
		if n := seq.hits.Load(); n < 8 || n > 11 {
			t.Errorf("%d requests in a 10s bound of 1s windows", n)
		}
		if took > 10*time.Second || took < 8*time.Second {
			t.Errorf("gave up after %s, want near the 10s bound", took)
		}

		// MaxRetries -1 still means no retries at all.
		seq = &sequence{answers: []func(http.ResponseWriter, *http.Request){limiter429, teamOK}}
		c = newBubbleClient(t, seq, func(cfg *Config) { cfg.MaxRetries = -1 })
		if _, err := c.GetTeam(context.Background(), "acme", "backend"); !hasStatus(err, http.StatusTooManyRequests) {
			t.Errorf("err = %v, want the 429 without a retry", err)
		}
	})
}

func TestEndpointThrottleKeepsItsRetryCount(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		// The invitations' throttle passed the limiter: its window has
		// requests left, and it may last a day.
		throttled := func(w http.ResponseWriter, _ *http.Request) {
			for k, v := range limitHeaders(40, 30, time.Now().Truncate(time.Second).Add(time.Second)) {
				w.Header()[k] = v
			}
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"detail": "You are being rate limited for too many invitations."}`)
		}
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){throttled}}
		c := newBubbleClient(t, seq, func(cfg *Config) { cfg.MaxRetries = 2 })
		if _, err := c.InviteMember(context.Background(), "acme", InviteMemberRequest{Email: "ann@example.com", OrgRole: "member"}); !hasStatus(err, http.StatusTooManyRequests) {
			t.Errorf("err = %v, want the throttle's 429", err)
		}
		if seq.hits.Load() != 3 {
			t.Errorf("%d requests, want 3 (1 + 2 retries)", seq.hits.Load())
		}
	})
}

func TestSpentWindowHoldsOtherRequests(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		// The first answer says the window is spent (the last request it
		// allowed); every later request on the route waits for the
		// next window instead of meeting a 429.
		var hits atomic.Int32
		var mu sync.Mutex
		var at []time.Duration
		start := time.Now()
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := hits.Add(1)
			mu.Lock()
			at = append(at, time.Since(start))
			mu.Unlock()
			remaining := 0
			if n > 1 {
				remaining = 30
			}
			for k, v := range limitHeaders(40, remaining, time.Now().Truncate(time.Second).Add(time.Second)) {
				w.Header()[k] = v
			}
			teamOK(w, r)
		})
		c := newBubbleClient(t, h)
		if _, err := c.GetTeam(context.Background(), "acme", "backend"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if _, err := c.GetTeam(context.Background(), "acme", "frontend"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if hits.Load() != 6 {
			t.Errorf("%d requests, want 6", hits.Load())
		}
		for i, d := range at[1:] {
			if d < time.Second {
				t.Errorf("request %d went at %s, inside the spent window", i+2, d)
			}
		}
	})
}
