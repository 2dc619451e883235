package sentry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// statusCounter counts the answers of one status.
type statusCounter struct {
	next   http.Handler
	status int
	count  atomic.Int64
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (c *statusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	c.next.ServeHTTP(rec, r)
	if rec.status == c.status {
		c.count.Add(1)
	}
}

func simClient(t *testing.T, h http.Handler, token string, retryWaitMax time.Duration) *sentry.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := sentry.NewClient(sentry.Config{BaseURL: srv.URL, Token: token, RetryWaitMin: time.Millisecond, RetryWaitMax: retryWaitMax})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// windowTurner stands between the client and the emulator and runs the
// emulator's rate limit windows on a clock of its own: a window takes one
// request from each caller still waiting for success, then turns. The
// windows so depend on counts, never on how fast real time passes.
type windowTurner struct {
	next http.Handler

	mu       sync.Mutex
	turned   *sync.Cond
	now      time.Time
	waiting  int // callers without a success yet
	admitted int // requests let into this window
	answered int
	ok       int
	refused  int
	windows  int
}

func newWindowTurner(sim *sentrysim.Server, callers int) *windowTurner {
	w := &windowTurner{next: sim, now: time.Unix(1714564800, 0), waiting: callers, windows: 1}
	w.turned = sync.NewCond(&w.mu)
	sim.SetRateLimitClock(w.clock)
	return w
}

func (w *windowTurner) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *windowTurner) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	for w.admitted >= w.waiting {
		w.turned.Wait()
	}
	w.admitted++
	w.mu.Unlock()

	rec := &statusRecorder{ResponseWriter: rw, status: http.StatusOK}
	w.next.ServeHTTP(rec, r)

	w.mu.Lock()
	defer w.mu.Unlock()
	w.answered++
	switch rec.status {
	case http.StatusOK:
		w.ok++
	case http.StatusTooManyRequests:
		w.refused++
	}
	if w.answered == w.waiting {
		// Every caller has had its turn in this window: the next one
		// starts, without those that succeeded.
		w.waiting -= w.ok
		w.admitted, w.answered, w.ok = 0, 0, 0
		w.now = w.now.Add(time.Second)
		if w.waiting > 0 {
			w.windows++
		}
		w.turned.Broadcast()
	}
}

// A burst of requests over sentry.io's limit all succeed: each 429 is
// retried until a window has room, so the burst drains a window at a time.
// How long the client waits is serverWait's, tested on its own; here the
// windows turn by count, so the numbers are exact.
func TestRateLimitBurstAgainstEmulator(t *testing.T) {
	t.Parallel()
	const limit, burst = 5, 20
	sim := sentrysim.New(sentrysim.Options{Config: sentrysim.Config{RateLimit: sentrysim.RateLimitSaaS, RateLimits: map[string]int{"team-details": limit}}})
	if err := sim.LoadSeed("acme", strings.NewReader(`{"teams": [{"slug": "backend"}]}`)); err != nil {
		t.Fatal(err)
	}
	turner := newWindowTurner(sim, burst)
	srv := httptest.NewServer(turner)
	t.Cleanup(srv.Close)
	// The reset the emulator names is in the turner's past, so the client
	// retries after its shortest wait; enough retries for a caller that
	// comes last in every window.
	c, err := sentry.NewClient(sentry.Config{BaseURL: srv.URL, Token: sim.Tokens().Owner, MaxRetries: 4 * burst,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make([]error, burst)
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.GetTeam(context.Background(), "acme", "backend")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	// 20 callers at 5 a window: windows of 20, 15, 10 and 5 requests,
	// of which 15, 10 and 5 were refused.
	turner.mu.Lock()
	defer turner.mu.Unlock()
	if turner.windows != burst/limit || turner.refused != 30 || turner.waiting != 0 {
		t.Errorf("%d windows, %d refused, %d callers left; want %d, 30, 0", turner.windows, turner.refused, turner.waiting, burst/limit)
	}
	if got := sim.Stats().Count(http.MethodGet, "/teams/{org}/{team}/"); got != int64(burst+turner.refused) {
		t.Errorf("the emulator counted %d requests, want %d", got, burst+turner.refused)
	}
}

// With 30% of requests failing with a 502 or 503, a team list of three
// pages still completes, each failed page read retried. (Reads are
// retried on a 500 too; the unit tests cover that, and the seed below is
// tied to these two statuses.)
func TestFaultRateAgainstEmulator(t *testing.T) {
	t.Parallel()
	sim := sentrysim.New(sentrysim.Options{Config: sentrysim.Config{FaultRate: 0.3, FaultStatuses: []int{502, 503}, Seed: 7}})
	var seed strings.Builder
	seed.WriteString(`{"teams": [`)
	for i := range 250 {
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"slug": "team-%03d"}`, i)
	}
	seed.WriteString(`]}`)
	if err := sim.LoadSeed("acme", strings.NewReader(seed.String())); err != nil {
		t.Fatal(err)
	}
	counter := &statusCounter{next: sim, status: http.StatusOK}
	c := simClient(t, counter, sim.Tokens().Owner, 5*time.Millisecond)

	teams, err := c.ListTeams(context.Background(), "acme")
	if err != nil {
		t.Fatalf("ListTeams: %v", err)
	}
	if len(teams) != 250 || teams[0].Slug != "team-000" || teams[249].Slug != "team-249" {
		t.Fatalf("%d teams", len(teams))
	}
	// Seed 7 fails the first reads of pages one and two.
	requests := sim.Stats().Count(http.MethodGet, "/organizations/{org}/teams/")
	if ok := counter.count.Load(); ok != 3 || requests != 5 {
		t.Errorf("%d requests, %d answered; want 5 and 3", requests, ok)
	}
}
