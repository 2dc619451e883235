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
// until the client goes away. Like hang, it is served in a bubble.
func stallBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"id": "42", "slug": `)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	<-r.Context().Done()
}

// bounds sets the time bounds of one attempt and of one call.
func bounds(attempt, operation time.Duration) func(*Config) {
	return func(cfg *Config) {
		cfg.AttemptTimeout = attempt
		cfg.OperationTimeout = operation
	}
}

// waits fixes the wait between retries at d, jitter and all.
func waits(d time.Duration) func(*Config) {
	return func(cfg *Config) {
		cfg.RetryWaitMin = d
		cfg.RetryWaitMax = d
	}
}

// checkElapsed fails the test unless a call took exactly want on the
// bubble's fake clock.
func checkElapsed(t *testing.T, took, want time.Duration) {
	t.Helper()
	if took != want {
		t.Errorf("the call gave up after %s, want exactly %s", took, want)
	}
}

// The tests below run in a synctest bubble (see inBubble): the bounds are
// the ones a user would meet, and a server that never answers costs them
// nothing but fake time.

func TestAttemptTimeoutRetriesGET(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){hang}}
		c := newBubbleClient(t, seq, bounds(30*time.Second, 100*time.Second), waits(time.Second), func(cfg *Config) { cfg.MaxRetries = 2 })
		var err error
		took := elapsed(func() { _, err = c.GetTeam(context.Background(), "acme", "backend") })
		if err == nil || err.Error() != "GET teams/acme/backend/: Sentry did not answer within 30s, the time allowed for one attempt" {
			t.Errorf("err = %v", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !IsOutcomeUnknown(err) {
			t.Errorf("err = %v: want a deadline, outcome unknown", err)
		}
		if seq.hits.Load() != 3 {
			t.Errorf("%d requests, want 3 (1 + 2 retries)", seq.hits.Load())
		}
		// Three attempts, each cut at its bound, and two waits between.
		checkElapsed(t, took, 3*30*time.Second+2*time.Second)
	})
}

func TestAttemptTimeoutPOSTNotRetried(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){hang}}
		c := newBubbleClient(t, seq, bounds(30*time.Second, 100*time.Second))
		var err error
		took := elapsed(func() { _, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}) })
		if err == nil || !strings.Contains(err.Error(), "Sentry did not answer within 30s") || !IsOutcomeUnknown(err) {
			t.Errorf("err = %v, want the attempt bound, outcome unknown", err)
		}
		if seq.hits.Load() != 1 {
			t.Errorf("POST sent %d times, want once", seq.hits.Load())
		}
		checkElapsed(t, took, 30*time.Second)
	})
}

func TestOperationTimeoutWhileInFlight(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		c := newBubbleClient(t, http.HandlerFunc(hang), bounds(time.Hour, 100*time.Second))
		var err error
		took := elapsed(func() { _, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}) })
		const want = "POST organizations/acme/teams/: Sentry did not answer within 1m40s, the time allowed for one call and its retries"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !IsOutcomeUnknown(err) {
			t.Errorf("err = %v: want a deadline, outcome unknown", err)
		}
		checkElapsed(t, took, 100*time.Second)
	})
}

func TestOperationTimeoutBetweenRetries(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(503, "")}}
		c := newBubbleClient(t, seq, bounds(time.Minute, 100*time.Second), waits(time.Hour))
		var err error
		took := elapsed(func() { _, err = c.GetTeam(context.Background(), "acme", "backend") })
		const want = "GET teams/acme/backend/: Sentry did not answer successfully within 1m40s, " +
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
		// The wait of an hour is cut short by the call's bound.
		checkElapsed(t, took, 100*time.Second)
	})
}

func TestOperationTimeoutAfter429IsKnown(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(429, `"slow down"`)}}
		c := newBubbleClient(t, seq, bounds(time.Minute, 100*time.Second), waits(time.Hour))
		_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
		if err == nil || !strings.Contains(err.Error(), "its last answer was 429 Too Many Requests") {
			t.Errorf("err = %v, want the bound and the 429", err)
		}
		if IsOutcomeUnknown(err) {
			t.Errorf("err = %v: a rate-limited POST was not carried out", err)
		}
	})
}

func TestCallerDeadlineEarlierThanBound(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		c := newBubbleClient(t, http.HandlerFunc(hang), bounds(time.Minute, time.Minute))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		took := elapsed(func() { _, err = c.GetTeam(ctx, "acme", "backend") })
		if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "time allowed") {
			t.Errorf("err = %v, want the caller's deadline", err)
		}
		checkElapsed(t, took, 10*time.Second)
	})
}

func TestCancelStopsAnAttemptAtOnce(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){hang}}
		c := newBubbleClient(t, seq, bounds(time.Minute, time.Minute))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Second, cancel)
		var err error
		took := elapsed(func() { _, err = c.GetTeam(ctx, "acme", "backend") })
		if !errors.Is(err, context.Canceled) || IsOutcomeUnknown(err) {
			t.Errorf("err = %v, want context.Canceled, outcome not unknown", err)
		}
		if seq.hits.Load() != 1 {
			t.Errorf("%d requests after cancellation, want 1", seq.hits.Load())
		}
		checkElapsed(t, took, 10*time.Second)
	})
}

func TestAttemptTimeoutCoversTheBody(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){stallBody}}
		c := newBubbleClient(t, seq, bounds(30*time.Second, 100*time.Second), func(cfg *Config) { cfg.MaxRetries = -1 })
		var err error
		took := elapsed(func() { _, err = c.GetTeam(context.Background(), "acme", "backend") })
		const want = "GET teams/acme/backend/: reading Sentry's 200 answer: Sentry's answer did not arrive in full within 30s, the time allowed for one attempt"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
		if !IsOutcomeUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v: want outcome unknown and a deadline", err)
		}
		checkElapsed(t, took, 30*time.Second)
	})
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
	paced, ok := c.http.HTTPClient.Transport.(*pacedTransport)
	if !ok {
		t.Fatalf("transport %#v, want the pacer's", c.http.HTTPClient.Transport)
	}
	at, ok := paced.base.(*attemptTransport)
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
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
			func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `"slow down"`)
			},
			teamOK,
		}}
		c := newBubbleClient(t, seq, bounds(time.Minute, 100*time.Second), func(cfg *Config) { cfg.RetryWaitMax = 2 * time.Hour })
		var err error
		took := elapsed(func() { _, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}) })
		if !hasStatus(err, http.StatusTooManyRequests) || IsOutcomeUnknown(err) {
			t.Errorf("err = %v, want the 429 at once, outcome known", err)
		}
		if seq.hits.Load() != 1 {
			t.Errorf("%d requests, want 1", seq.hits.Load())
		}
		// Not the bound's 100s: no time at all.
		checkElapsed(t, took, 0)
	})
}

func TestRateLimitWaitWithinTheBoundRetries(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		reset   time.Duration // from the start of the call
		waitMax time.Duration
		want    time.Duration // the wait, up to RetryWaitMin's jitter
	}{
		// Sentry's reset time, not the client's own backoff.
		{name: "until the reset", reset: 30 * time.Second, waitMax: time.Hour, want: 30 * time.Second},
		// The wait is capped at RetryWaitMax, well within the bound.
		{name: "capped", reset: time.Hour, waitMax: 10 * time.Second, want: 10 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				start := time.Now()
				seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
					func(w http.ResponseWriter, _ *http.Request) {
						w.Header().Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(start.Add(tt.reset).Unix(), 10))
						w.WriteHeader(http.StatusTooManyRequests)
					},
					teamOK,
				}}
				c := newBubbleClient(t, seq, bounds(time.Minute, 100*time.Second), func(cfg *Config) {
					cfg.RetryWaitMin = time.Second
					cfg.RetryWaitMax = tt.waitMax
				})
				var err error
				took := elapsed(func() { _, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}) })
				if err != nil {
					t.Fatalf("CreateTeam: %v", err)
				}
				if seq.hits.Load() != 2 {
					t.Errorf("%d requests, want 2", seq.hits.Load())
				}
				// The bubble's clock starts on a whole second, so the
				// reset names the instant exactly.
				if took < tt.want || took > tt.want+time.Second {
					t.Errorf("the retry came after %s, want %s and at most a second of jitter", took, tt.want)
				}
			})
		})
	}
}

func TestOperationTimeoutWhileReadingTheBody(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		c := newBubbleClient(t, http.HandlerFunc(stallBody), bounds(time.Hour, 100*time.Second))
		var err error
		took := elapsed(func() { _, err = c.GetTeam(context.Background(), "acme", "backend") })
		const want = "GET teams/acme/backend/: reading Sentry's 200 answer: Sentry's answer did not arrive in full within 1m40s, the time allowed for one call and its retries"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
		if !IsOutcomeUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v: want outcome unknown and a deadline", err)
		}
		checkElapsed(t, took, 100*time.Second)
	})
}
