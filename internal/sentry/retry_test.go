package sentry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// sequence answers the n-th request (from 0) with answers[n], and repeats the
// last answer after that. It counts the requests it saw.
type sequence struct {
	answers []func(w http.ResponseWriter, r *http.Request)
	hits    atomic.Int32
}

func (s *sequence) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.hits.Add(1)) - 1
	s.answers[min(n, len(s.answers)-1)](w, r)
}

func status(code int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func teamOK(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id": "42", "slug": "backend", "name": "Backend"}`)
}

// dropConnection reads the request and closes the connection without an
// answer, as a crashing proxy would.
func dropConnection(t *testing.T) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("response writer cannot be hijacked")
			return
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = conn.Close()
	}
}

func TestRetryGETOn503(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(503, "unavailable"), teamOK}}
	c := newTestClient(t, seq)
	team, err := c.GetTeam(context.Background(), "acme", "backend")
	if err != nil {
		t.Fatalf("GetTeam: %v", err)
	}
	if team.ID != "42" || seq.hits.Load() != 2 {
		t.Errorf("team %+v after %d requests, want id 42 after 2", team, seq.hits.Load())
	}
}

func TestRetryGETOn502And504(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(502, ""), status(504, ""), teamOK}}
	c := newTestClient(t, seq)
	if _, err := c.GetTeam(context.Background(), "acme", "backend"); err != nil {
		t.Fatalf("GetTeam: %v", err)
	}
	if seq.hits.Load() != 3 {
		t.Errorf("%d requests, want 3", seq.hits.Load())
	}
}

func TestRetryGETOn500(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
		status(500, `{"detail": "Internal Error", "errorId": "abc"}`), teamOK,
	}}
	c := newTestClient(t, seq)
	if _, err := c.GetTeam(context.Background(), "acme", "backend"); err != nil {
		t.Fatalf("GetTeam: %v", err)
	}
	if seq.hits.Load() != 2 {
		t.Errorf("%d requests, want 2", seq.hits.Load())
	}
}

func TestRetryPUTAndDELETEOn500(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(500, ""), teamOK}}
	c := newTestClient(t, seq)
	name := "Backend"
	if _, err := c.UpdateTeam(context.Background(), "acme", "backend", UpdateTeamRequest{Name: &name}); err != nil {
		t.Fatalf("UpdateTeam: %v", err)
	}
	seq2 := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(500, ""), status(204, "")}}
	c2 := newTestClient(t, seq2)
	if err := c2.DeleteTeam(context.Background(), "acme", "backend"); err != nil {
		t.Fatalf("DeleteTeam: %v", err)
	}
	if seq.hits.Load() != 2 || seq2.hits.Load() != 2 {
		t.Errorf("%d PUTs and %d DELETEs, want 2 each", seq.hits.Load(), seq2.hits.Load())
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 401, 403, 404, 409} {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(code, `{"detail": "no"}`), teamOK}}
		c := newTestClient(t, seq)
		_, err := c.GetTeam(context.Background(), "acme", "backend")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != code {
			t.Errorf("status %d: err = %v", code, err)
		}
		if seq.hits.Load() != 1 {
			t.Errorf("status %d: %d requests, want 1", code, seq.hits.Load())
		}
	}
}

func TestRetriedGETOn5xxExhaustsRetries(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(500, `{"detail": "Internal Error"}`)}}
	c := newTestClient(t, seq, func(cfg *Config) { cfg.MaxRetries = 3 })
	_, err := c.GetTeam(context.Background(), "acme", "backend")
	if !hasStatus(err, 500) || !IsOutcomeUnknown(err) {
		t.Errorf("err = %v, want the 500 APIError, outcome unknown", err)
	}
	if seq.hits.Load() != 4 {
		t.Errorf("%d requests, want 4 (1 + 3 retries)", seq.hits.Load())
	}
}

func TestRetryOn429WithRateLimitReset(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		limited := func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Sentry-Rate-Limit-Limit", "40")
			w.Header().Set("X-Sentry-Rate-Limit-Remaining", "0")
			w.Header().Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `"You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"`)
		}
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){limited, teamOK}}
		c := newBubbleClient(t, seq, func(cfg *Config) { cfg.RetryWaitMax = time.Minute })
		var err error
		took := elapsed(func() { _, err = c.GetTeam(context.Background(), "acme", "backend") })
		if err != nil {
			t.Fatalf("GetTeam: %v", err)
		}
		if seq.hits.Load() != 2 {
			t.Errorf("%d requests, want 2", seq.hits.Load())
		}
		// The bubble's clock starts on a whole second: the window resets
		// a second later, and the jitter adds at most resetJitter.
		if took < time.Second || took > time.Second+resetJitter {
			t.Errorf("the retry came after %s, want when the window resets, 1s, plus at most %s", took, resetJitter)
		}
	})
}

func TestRetriesExhaustedReturnLastAPIError(t *testing.T) {
	t.Parallel()
	const msg = "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(429, `"`+msg+`"`)}}
	c := newTestClient(t, seq, func(cfg *Config) { cfg.MaxRetries = 2 })

	_, err := c.ListTeams(context.Background(), "acme")
	if !hasStatus(err, http.StatusTooManyRequests) {
		t.Fatalf("err = %v, want a 429 APIError", err)
	}
	var apiErr *APIError
	errors.As(err, &apiErr)
	if apiErr.Detail != msg {
		t.Errorf("Detail = %q, want Sentry's message", apiErr.Detail)
	}
	if seq.hits.Load() != 3 {
		t.Errorf("%d requests, want 3 (1 + 2 retries)", seq.hits.Load())
	}
}

func TestNoRetriesWhenDisabled(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(503, ""), teamOK}}
	c := newTestClient(t, seq, func(cfg *Config) { cfg.MaxRetries = -1 })
	if _, err := c.GetTeam(context.Background(), "acme", "backend"); err == nil {
		t.Fatal("503 not returned")
	}
	if seq.hits.Load() != 1 {
		t.Errorf("%d requests, want 1", seq.hits.Load())
	}
}

func TestPOSTNotRetriedOn5xx(t *testing.T) {
	t.Parallel()
	for _, code := range []int{500, 502, 503, 504} {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(code, ""), teamOK}}
		c := newTestClient(t, seq)
		_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != code || apiErr.Method != http.MethodPost {
			t.Errorf("status %d: err = %v, want the %d APIError", code, err, code)
		}
		if seq.hits.Load() != 1 {
			t.Errorf("status %d: POST sent %d times, want once", code, seq.hits.Load())
		}
	}
}

func TestPOSTRetriedOn429(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(429, `"slow down"`), teamOK}}
	c := newTestClient(t, seq)
	if _, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	if seq.hits.Load() != 2 {
		t.Errorf("%d requests, want 2", seq.hits.Load())
	}
}

func TestIdempotentPOSTRetriedOn502(t *testing.T) {
	t.Parallel()
	var bodies []string
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			w.WriteHeader(http.StatusBadGateway)
		},
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"slug": "web"}`)
		},
	}}
	c := newTestClient(t, seq)
	var out struct{ Slug string }
	err := c.do(context.Background(), http.MethodPost, endpoint("projects", "acme", "web", "teams", "backend"),
		nil, map[string]string{"k": "v"}, &out, idempotent())
	if err != nil {
		t.Fatalf("do: %v", err)
	}
	if seq.hits.Load() != 2 || out.Slug != "web" {
		t.Errorf("%d requests, out %+v; want 2 and slug web", seq.hits.Load(), out)
	}
	// The retry must send the body again, not an empty one.
	if len(bodies) != 2 || bodies[0] != `{"k":"v"}` || bodies[1] != bodies[0] {
		t.Errorf("bodies sent: %q", bodies)
	}
}

func TestGETRetriedAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	seq := &sequence{}
	seq.answers = []func(http.ResponseWriter, *http.Request){dropConnection(t), teamOK}
	c := newTestClient(t, seq)
	if _, err := c.GetTeam(context.Background(), "acme", "backend"); err != nil {
		t.Fatalf("GetTeam: %v", err)
	}
	if seq.hits.Load() != 2 {
		t.Errorf("%d requests, want 2", seq.hits.Load())
	}
}

func TestPOSTNotRetriedAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	seq := &sequence{}
	seq.answers = []func(http.ResponseWriter, *http.Request){dropConnection(t), teamOK}
	c := newTestClient(t, seq)
	_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
	if err == nil {
		t.Fatal("CreateTeam succeeded after the connection dropped")
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("err = %v, want a transport error", err)
	}
	if seq.hits.Load() != 1 {
		t.Errorf("POST sent %d times, want once", seq.hits.Load())
	}
}

func TestPOSTRetriedAfterDialError(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){teamOK}}
	var dials atomic.Int32
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	c := newTestClient(t, seq, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: transport} })
	t.Cleanup(transport.CloseIdleConnections)

	if _, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	if dials.Load() != 2 || seq.hits.Load() != 1 {
		t.Errorf("%d dials and %d requests, want 2 and 1", dials.Load(), seq.hits.Load())
	}
}

func TestConnectionRefusedExhaustsRetries(t *testing.T) {
	t.Parallel()
	// A listener closed at once leaves a port nobody answers on.
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	c, err := NewClient(Config{BaseURL: "http://" + addr, Token: testToken, MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetTeam(context.Background(), "acme", "backend")
	if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want connection refused", err)
	}
	const prefix = "GET teams/acme/backend/: "
	if got := err.Error(); len(got) < len(prefix) || got[:len(prefix)] != prefix {
		t.Errorf("err = %q, want it to start with %q", got, prefix)
	}
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(http.StatusServiceUnavailable, "")}}
		// A wait of an hour: only cancellation can end this call in time.
		c := newBubbleClient(t, seq, bounds(time.Minute, 2*time.Hour), waits(time.Hour))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(10*time.Second, cancel)
		var err error
		took := elapsed(func() { _, err = c.GetTeam(ctx, "acme", "backend") })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if took != 10*time.Second {
			t.Errorf("GetTeam returned %s after it started, want at the cancellation, 10s", took)
		}
		if seq.hits.Load() != 1 {
			t.Errorf("%d requests, want 1", seq.hits.Load())
		}
	})
}

func TestContextAlreadyCancelled(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){teamOK}}
	c := newTestClient(t, seq)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetTeam(ctx, "acme", "backend"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if seq.hits.Load() != 0 {
		t.Errorf("%d requests sent with a cancelled context", seq.hits.Load())
	}
}

func TestServerWait(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name   string
		status int
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"rate limit reset", 429, map[string]string{"X-Sentry-Rate-Limit-Reset": "1700000010"}, 10 * time.Second, true},
		{"reset in the past", 429, map[string]string{"X-Sentry-Rate-Limit-Reset": "1699999990"}, -10 * time.Second, true},
		{"reset ignored on 503", 503, map[string]string{"X-Sentry-Rate-Limit-Reset": "1700000010"}, 0, false},
		{"retry-after seconds", 429, map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"retry-after wins", 429, map[string]string{"Retry-After": "2", "X-Sentry-Rate-Limit-Reset": "1700000010"}, 2 * time.Second, true},
		{"retry-after date", 503, map[string]string{"Retry-After": now.Add(5 * time.Second).UTC().Format(http.TimeFormat)}, 5 * time.Second, true},
		{"nothing", 429, nil, 0, false},
		{"garbage", 429, map[string]string{"X-Sentry-Rate-Limit-Reset": "soon"}, 0, false},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
		for k, v := range tt.header {
			resp.Header.Set(k, v)
		}
		got, ok := serverWait(resp, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: serverWait = %s, %v; want %s, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	minWait, maxWait := 500*time.Millisecond, 30*time.Second
	for attempt := range 20 {
		for range 50 {
			d := retryWait(minWait, maxWait, attempt, nil)
			if d < minWait || d > maxWait {
				t.Fatalf("attempt %d: wait %s outside [%s, %s]", attempt, d, minWait, maxWait)
			}
		}
	}
	// The ceiling grows: by attempt 10 every wait is at least half the max.
	if d := retryWait(minWait, maxWait, 10, nil); d < maxWait/2 {
		t.Errorf("attempt 10: wait %s, want at least %s", d, maxWait/2)
	}

	// A reset far ahead is capped at the maximum; one in the past waits the
	// minimum at least; one soon is waited for, plus at most the minimum.
	// In a bubble the clock stands still, so the reset is exact.
	inBubble(t, func(t *testing.T) {
		far := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
		far.Header.Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		if d := retryWait(minWait, maxWait, 0, far); d != maxWait {
			t.Errorf("reset an hour ahead: wait %s, want %s", d, maxWait)
		}
		past := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
		past.Header.Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10))
		if d := retryWait(minWait, maxWait, 0, past); d < minWait || d > 2*minWait {
			t.Errorf("reset in the past: wait %s, want within [%s, %s]", d, minWait, 2*minWait)
		}
		soon := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
		soon.Header.Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(5*time.Second).Unix(), 10))
		if d := retryWait(minWait, maxWait, 0, soon); d < 5*time.Second || d > 5*time.Second+minWait {
			t.Errorf("reset in 5s: wait %s, want within [5s, %s]", d, 5*time.Second+minWait)
		}
	})
}
