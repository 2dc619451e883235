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

// A burst of requests over sentry.io's limit all succeed: each 429 waits
// for X-Sentry-Rate-Limit-Reset, so the burst drains a window at a time.
func TestRateLimitBurstAgainstEmulator(t *testing.T) {
	t.Parallel()
	const limit, burst = 5, 20
	sim := sentrysim.New(sentrysim.Options{RateLimit: sentrysim.RateLimitSaaS, RateLimits: map[string]int{"team-details": limit}})
	if err := sim.LoadSeed("acme", strings.NewReader(`{"teams": [{"slug": "backend"}]}`)); err != nil {
		t.Fatal(err)
	}
	counter := &statusCounter{next: sim, status: http.StatusTooManyRequests}
	c := simClient(t, counter, sim.Tokens().Owner, 3*time.Second)

	start := time.Now()
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
	elapsed := time.Since(start)
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	// 20 requests at 5 a second take four windows: at least three
	// window boundaries were waited for.
	if elapsed < 2*time.Second {
		t.Errorf("the burst drained in %s: the client did not wait for the reset", elapsed)
	}
	// Waiting for the reset, each request is refused at most once a
	// window; retrying at once would have been refused many times more.
	refused := counter.count.Load()
	if refused < burst-limit || refused > 45 {
		t.Errorf("%d answers were 429", refused)
	}
	if got := sim.Stats().Count(http.MethodGet, "/teams/{org}/{team}/"); got != burst+refused {
		t.Errorf("the emulator counted %d requests, want %d", got, burst+refused)
	}
}

// With 30% of requests failing with a 502 or 503, a team list of three
// pages still completes, each failed page read retried. (Reads are
// retried on a 500 too; the unit tests cover that, and the seed below is
// tied to these two statuses.)
func TestFaultRateAgainstEmulator(t *testing.T) {
	t.Parallel()
	sim := sentrysim.New(sentrysim.Options{FaultRate: 0.3, FaultStatuses: []int{502, 503}, Seed: 7})
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
