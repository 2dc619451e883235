package sentry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stallBody sends the headers and the start of a body, then nothing more,
// until the client goes away.
func stallBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"id": "42", "slug": `)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	select {
	case <-r.Context().Done():
	case <-time.After(20 * time.Second):
	}
}

// bounds sets millisecond time bounds.
func bounds(attempt, operation time.Duration) func(*Config) {
	return func(cfg *Config) {
		cfg.AttemptTimeout = attempt
		cfg.OperationTimeout = operation
	}
}

// timed runs f and fails the test when it takes longer than limit.
func timed(t *testing.T, limit time.Duration, f func() error) error {
	t.Helper()
	start := time.Now()
	err := f()
	if took := time.Since(start); took > limit {
		t.Errorf("the call took %s, want under %s", took, limit)
	}
	return err
}

func TestAttemptTimeoutRetriesGET(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){hang}}
	c := newTestClient(t, seq, bounds(50*time.Millisecond, 10*time.Second), func(cfg *Config) { cfg.MaxRetries = 2 })
	err := timed(t, 5*time.Second, func() error {
		_, err := c.GetTeam(context.Background(), "acme", "backend")
		return err
	})
	if err == nil || err.Error() != "GET teams/acme/backend/: Sentry did not answer within 50ms, the time allowed for one attempt" {
		t.Errorf("err = %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !IsOutcomeUnknown(err) {
		t.Errorf("err = %v: want a deadline, outcome unknown", err)
	}
	if seq.hits.Load() != 3 {
		t.Errorf("%d requests, want 3 (1 + 2 retries)", seq.hits.Load())
	}
}

func TestAttemptTimeoutPOSTNotRetried(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){hang}}
	c := newTestClient(t, seq, bounds(50*time.Millisecond, 10*time.Second))
	err := timed(t, 5*time.Second, func() error {
		_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "Sentry did not answer within 50ms") || !IsOutcomeUnknown(err) {
		t.Errorf("err = %v, want the attempt bound, outcome unknown", err)
	}
	if seq.hits.Load() != 1 {
		t.Errorf("POST sent %d times, want once", seq.hits.Load())
	}
}

func TestOperationTimeoutWhileInFlight(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(hang), bounds(time.Minute, 100*time.Millisecond))
	err := timed(t, 5*time.Second, func() error {
		_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
		return err
	})
	const want = "POST organizations/acme/teams/: Sentry did not answer within 100ms, the time allowed for one call and its retries"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !IsOutcomeUnknown(err) {
		t.Errorf("err = %v: want a deadline, outcome unknown", err)
	}
}

func TestOperationTimeoutBetweenRetries(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(503, "")}}
	c := newTestClient(t, seq, bounds(time.Minute, 100*time.Millisecond), func(cfg *Config) {
		cfg.RetryWaitMin = time.Hour
		cfg.RetryWaitMax = time.Hour
	})
	err := timed(t, 5*time.Second, func() error {
		_, err := c.GetTeam(context.Background(), "acme", "backend")
		return err
	})
	const want = "GET teams/acme/backend/: Sentry did not answer successfully within 100ms, " +
		"the time allowed for one call and its retries (its last answer was 503 Service Unavailable)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if !IsOutcomeUnknown(err) {
		t.Errorf("err = %v: after a 503 the outcome is unknown", err)
	}
	if seq.hits.Load() != 1 {
		t.Errorf("%d requests, want 1", seq.hits.Load())
	}
}

func TestOperationTimeoutAfter429IsKnown(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(429, `"slow down"`)}}
	c := newTestClient(t, seq, bounds(time.Minute, 100*time.Millisecond), func(cfg *Config) {
		cfg.RetryWaitMin = time.Hour
		cfg.RetryWaitMax = time.Hour
	})
	_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
	if err == nil || !strings.Contains(err.Error(), "its last answer was 429 Too Many Requests") {
		t.Errorf("err = %v, want the bound and the 429", err)
	}
	if IsOutcomeUnknown(err) {
		t.Errorf("err = %v: a rate-limited POST was not carried out", err)
	}
}

func TestCallerDeadlineEarlierThanBound(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(hang), bounds(time.Minute, time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := timed(t, 5*time.Second, func() error {
		_, err := c.GetTeam(ctx, "acme", "backend")
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "time allowed") {
		t.Errorf("err = %v, want the caller's deadline", err)
	}
}

func TestCancelStopsAnAttemptAtOnce(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){hang}}
	c := newTestClient(t, seq, bounds(time.Minute, time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := timed(t, 5*time.Second, func() error {
		_, err := c.GetTeam(ctx, "acme", "backend")
		return err
	})
	if !errors.Is(err, context.Canceled) || IsOutcomeUnknown(err) {
		t.Errorf("err = %v, want context.Canceled, outcome not unknown", err)
	}
	if seq.hits.Load() != 1 {
		t.Errorf("%d requests after cancellation, want 1", seq.hits.Load())
	}
}

func TestAttemptTimeoutCoversTheBody(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){stallBody}}
	c := newTestClient(t, seq, bounds(100*time.Millisecond, 10*time.Second), func(cfg *Config) { cfg.MaxRetries = -1 })
	err := timed(t, 5*time.Second, func() error {
		_, err := c.GetTeam(context.Background(), "acme", "backend")
		return err
	})
	const want = "GET teams/acme/backend/: reading Sentry's 200 answer: Sentry's answer did not arrive in full within 100ms, the time allowed for one attempt"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if !IsOutcomeUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v: want outcome unknown and a deadline", err)
	}
}

func TestTimeoutDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient(Config{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if c.operationTimeout != defaultOperationTimeout || c.operationTimeout >= 2*time.Minute {
		t.Errorf("operation bound %s, want %s (under two minutes)", c.operationTimeout, defaultOperationTimeout)
	}
	at, ok := c.http.HTTPClient.Transport.(*attemptTransport)
	if !ok || at.timeout != defaultAttemptTimeout {
		t.Errorf("transport %#v, want an attempt bound of %s", c.http.HTTPClient.Transport, defaultAttemptTimeout)
	}
	if c.http.HTTPClient.Timeout != 0 && c.http.HTTPClient.Timeout < defaultAttemptTimeout {
		t.Errorf("http.Client timeout %s cuts attempts short", c.http.HTTPClient.Timeout)
	}

	for _, cfg := range []Config{
		{Token: testToken, AttemptTimeout: -time.Second},
		{Token: testToken, OperationTimeout: -time.Second},
	} {
		if _, err := NewClient(cfg); err == nil || !strings.Contains(err.Error(), "negative") {
			t.Errorf("NewClient(%+v): err = %v, want a negative-bound error", cfg, err)
		}
	}
}

func TestCallersHTTPClientLeftAlone(t *testing.T) {
	t.Parallel()
	transport := &http.Transport{}
	hc := &http.Client{Transport: transport}
	if _, err := NewClient(Config{Token: testToken, HTTPClient: hc}); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != transport {
		t.Error("NewClient changed the caller's http.Client")
	}
}

func TestRateLimitWaitPastTheBoundGivesUpAtOnce(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `"slow down"`)
		},
		teamOK,
	}}
	c := newTestClient(t, seq, bounds(time.Minute, 5*time.Second), func(cfg *Config) { cfg.RetryWaitMax = 2 * time.Hour })
	err := timed(t, 2*time.Second, func() error {
		_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
		return err
	})
	if !hasStatus(err, http.StatusTooManyRequests) || IsOutcomeUnknown(err) {
		t.Errorf("err = %v, want the 429 at once, outcome known", err)
	}
	if seq.hits.Load() != 1 {
		t.Errorf("%d requests, want 1", seq.hits.Load())
	}
}

func TestRateLimitWaitWithinTheBoundRetries(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
		},
		teamOK,
	}}
	// The wait is capped at RetryWaitMax, well within the bound.
	c := newTestClient(t, seq, bounds(time.Minute, 5*time.Second), func(cfg *Config) { cfg.RetryWaitMax = 10 * time.Millisecond })
	if _, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	if seq.hits.Load() != 2 {
		t.Errorf("%d requests, want 2", seq.hits.Load())
	}
}

func TestOperationTimeoutWhileReadingTheBody(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(stallBody), bounds(time.Minute, 100*time.Millisecond))
	err := timed(t, 5*time.Second, func() error {
		_, err := c.GetTeam(context.Background(), "acme", "backend")
		return err
	})
	const want = "GET teams/acme/backend/: reading Sentry's 200 answer: Sentry's answer did not arrive in full within 100ms, the time allowed for one call and its retries"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if !IsOutcomeUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v: want outcome unknown and a deadline", err)
	}
}
