package sentry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hang reads the request and never answers, until the client goes away.
// It is served in a synctest bubble (see inBubble), where a test whose
// client never gives up fails as a deadlock instead of hanging the suite.
func hang(_ http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

func checkOutcome(t *testing.T, name string, err error, want bool) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", name)
	}
	if got := IsOutcomeUnknown(err); got != want {
		t.Errorf("%s: IsOutcomeUnknown(%v) = %v, want %v", name, err, got, want)
	}
}

func TestOutcomeUnknownOnUncertainStatus(t *testing.T) {
	t.Parallel()
	for _, code := range []int{500, 502, 503, 504} {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(code, `{"detail": "Internal Error", "errorId": "abc"}`)}}
		c := newTestClient(t, seq, func(cfg *Config) { cfg.MaxRetries = 1 })

		_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
		checkOutcome(t, "POST "+http.StatusText(code), err, true)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != code {
			t.Errorf("status %d: errors.As to *APIError failed: %v", code, err)
		}
		if !strings.HasPrefix(err.Error(), "POST organizations/acme/teams/: ") {
			t.Errorf("status %d: err = %q, want the method and path first", code, err)
		}

		_, err = c.GetTeam(context.Background(), "acme", "backend")
		checkOutcome(t, "GET "+http.StatusText(code), err, true)
	}
}

func TestOutcomeKnownOn4xx(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 401, 403, 404, 409, 429} {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(code, `{"detail": "no"}`)}}
		c := newTestClient(t, seq, func(cfg *Config) { cfg.MaxRetries = 1 })
		_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
		checkOutcome(t, http.StatusText(code), err, false)
		if !hasStatus(err, code) {
			t.Errorf("status %d: err = %v", code, err)
		}
	}
}

func TestOutcomeUnknownAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	seq := &sequence{}
	seq.answers = []func(http.ResponseWriter, *http.Request){dropConnection(t)}
	c := newTestClient(t, seq, func(cfg *Config) { cfg.MaxRetries = 1 })

	_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
	checkOutcome(t, "POST", err, true)
	if !strings.HasPrefix(err.Error(), "POST organizations/acme/teams/: ") {
		t.Errorf("err = %q, want the method and path first", err)
	}
	_, err = c.GetTeam(context.Background(), "acme", "backend")
	checkOutcome(t, "GET", err, true)
}

func TestOutcomeKnownWhenNothingWasSent(t *testing.T) {
	t.Parallel()
	// A listener closed at once leaves a port nobody answers on.
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, err := NewClient(Config{BaseURL: "http://" + addr, Token: testToken, MaxRetries: 1,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
	checkOutcome(t, "connection refused", err, false)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("err = %v, want connection refused", err)
	}

	transport := &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "sentry.invalid", IsNotFound: true}}
		},
	}
	c = newTestClient(t, http.NotFoundHandler(), func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: transport} })
	_, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
	checkOutcome(t, "DNS", err, false)
}

func TestOutcomeKnownWhenCallerCancels(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		c := newBubbleClient(t, http.HandlerFunc(hang))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Second, cancel)
		_, err := c.CreateTeam(ctx, "acme", CreateTeamRequest{Slug: "backend"})
		checkOutcome(t, "cancelled POST", err, false)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestOutcomeUnknownWhenCallerDeadlinePassesInFlight(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		c := newBubbleClient(t, http.HandlerFunc(hang))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.CreateTeam(ctx, "acme", CreateTeamRequest{Slug: "backend"})
		checkOutcome(t, "POST past its deadline", err, true)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if !strings.HasPrefix(err.Error(), "POST organizations/acme/teams/: ") {
			t.Errorf("err = %q, want the method and path first", err)
		}
	})
}

func TestOutcomeUnknownOnUndecodableSuccess(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id": "1", "slug": `))
	}))
	_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
	checkOutcome(t, "cut-short 201", err, true)
}

func TestOutcomeStaysUnknownAfterUncertainAttempt(t *testing.T) {
	t.Parallel()
	// The first PUT may have renamed the team; the second's 400 may be
	// about that very rename.
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
		status(502, ""), status(400, `{"slug": ["The slug \"web\" is already in use."]}`),
	}}
	c := newTestClient(t, seq)
	slug := "web"
	_, err := c.UpdateTeam(context.Background(), "acme", "backend", UpdateTeamRequest{Slug: &slug})
	checkOutcome(t, "PUT 502 then 400", err, true)
	if !hasStatus(err, 400) {
		t.Errorf("err = %v, want the 400", err)
	}
}

func TestIsOutcomeUnknownWrapped(t *testing.T) {
	t.Parallel()
	inner := &OutcomeUnknownError{Err: errors.New("POST x/: boom")}
	if !IsOutcomeUnknown(errors.Join(errors.New("other"), inner)) {
		t.Error("joined error not recognised")
	}
	if IsOutcomeUnknown(nil) || IsOutcomeUnknown(errors.New("POST x/: 502")) {
		t.Error("plain errors recognised")
	}
	if inner.Error() != "POST x/: boom" {
		t.Errorf("Error() = %q", inner.Error())
	}
}
