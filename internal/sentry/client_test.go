package sentry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// testToken looks like a real user token so that tests can assert it never
// shows up where it must not.
const testToken = "sntryu_0123456789abcdef0123456789abcdef-secret"

// newTestClient serves h on a loopback test server and returns a client for
// it with waits short enough that retries cost milliseconds.
func newTestClient(t *testing.T, h http.Handler, mods ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return testClient(t, Config{BaseURL: srv.URL}, mods...)
}

// testClient completes cfg (base URL and HTTP client) with the tests'
// token, user agent and short retry waits, applies mods and builds the
// client.
func testClient(t *testing.T, cfg Config, mods ...func(*Config)) *Client {
	t.Helper()
	cfg.Token = testToken
	cfg.UserAgent = "terraform-provider-sentry/test"
	cfg.RetryWaitMin = time.Millisecond
	cfg.RetryWaitMax = 5 * time.Millisecond
	for _, mod := range mods {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func writeJSON(t *testing.T, w http.ResponseWriter, status int, v any) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Errorf("encoding response: %v", err)
	}
}

func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", "https://sentry.io/api/0/"},
		{"https://sentry.io", "https://sentry.io/api/0/"},
		{"https://sentry.io/", "https://sentry.io/api/0/"},
		{"https://sentry.io/api", "https://sentry.io/api/0/"},
		{"https://sentry.io/api/", "https://sentry.io/api/0/"},
		{"https://sentry.io/api/0", "https://sentry.io/api/0/"},
		{"https://sentry.io/api/0/", "https://sentry.io/api/0/"},
		{"https://sentry.io/api/0//", "https://sentry.io/api/0/"},
		{"https://sentry.io///", "https://sentry.io/api/0/"},
		{"  https://sentry.io/api/\n", "https://sentry.io/api/0/"},
		{"https://us.sentry.io", "https://us.sentry.io/api/0/"},
		{"https://de.sentry.io/api/", "https://de.sentry.io/api/0/"},
		{"https://sentry.example.com/prefix/api/", "https://sentry.example.com/prefix/api/0/"},
		{"https://sentry.example.com/prefix", "https://sentry.example.com/prefix/api/0/"},
		{"https://sentry.example.com/prefix/", "https://sentry.example.com/prefix/api/0/"},
		{"https://sentry.example.com/prefix/api/0/", "https://sentry.example.com/prefix/api/0/"},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000/api/0/"},
		{"HTTPS://sentry.io/api/", "https://sentry.io/api/0/"},
	}
	for _, tt := range tests {
		if _, err := NewClient(Config{BaseURL: tt.in, Token: testToken}); err != nil {
			t.Errorf("NewClient(%q): %v", tt.in, err)
			continue
		}
		if got, err := NormaliseBaseURL(tt.in); err != nil || got != tt.want {
			t.Errorf("NormaliseBaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNewClientRejectsBadBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantMsg string
	}{
		{"sentry.io", "https://"},
		{"ftp://sentry.io/", "https://"},
		{"https://", "no host"},
		{"://x", "invalid base URL"},
		{"https://sentry.io/api/?org=acme", "query"},
		{"https://sentry.io/api/#top", "fragment"},
		{"https://admin:hunter2@sentry.io/", "password"},
	}
	for _, tt := range tests {
		_, err := NewClient(Config{BaseURL: tt.in, Token: testToken})
		if err == nil {
			t.Errorf("NewClient(%q) succeeded, want an error", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("NewClient(%q) error %q does not mention %q", tt.in, err, tt.wantMsg)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("NewClient(%q) error %q repeats the password", tt.in, err)
		}
	}
}

func TestNewClientMissingToken(t *testing.T) {
	t.Parallel()
	for _, token := range []string{"", "  \n"} {
		_, err := NewClient(Config{Token: token})
		if !errors.Is(err, ErrMissingToken) {
			t.Errorf("NewClient(token %q) error = %v, want ErrMissingToken", token, err)
		}
	}
}

func TestNewClientRetryWaits(t *testing.T) {
	t.Parallel()
	if _, err := NewClient(Config{Token: testToken, RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond}); err == nil {
		t.Error("RetryWaitMin > RetryWaitMax accepted")
	}
	// Only a minimum above the default maximum: the maximum follows it.
	c, err := NewClient(Config{Token: testToken, RetryWaitMin: time.Minute})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if c.http.RetryWaitMax != time.Minute {
		t.Errorf("RetryWaitMax = %s, want 1m", c.http.RetryWaitMax)
	}

	for _, tt := range []struct{ in, want int }{{0, 5}, {-1, -1}, {2, 2}} {
		c, err := NewClient(Config{Token: testToken, MaxRetries: tt.in})
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		if c.maxRetries != tt.want {
			t.Errorf("MaxRetries %d: maxRetries = %d, want %d", tt.in, c.maxRetries, tt.want)
		}
		// No retries at all stops retryablehttp too.
		if (c.http.RetryMax == 0) != (tt.want < 0) {
			t.Errorf("MaxRetries %d: RetryMax = %d", tt.in, c.http.RetryMax)
		}
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	var body []byte
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
		writeJSON(t, w, http.StatusCreated, map[string]any{"id": "1", "slug": "backend"})
	}))

	if _, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	for name, want := range map[string]string{
		"Authorization": "Bearer " + testToken,
		"User-Agent":    "terraform-provider-sentry/test",
		"Accept":        "application/json",
		"Content-Type":  "application/json",
	} {
		if v := got.Get(name); v != want {
			t.Errorf("header %s = %q, want %q", name, v, want)
		}
	}
	if string(bytes.TrimSpace(body)) != `{"slug":"backend"}` {
		t.Errorf("body = %s", body)
	}
}

func TestDefaultUserAgent(t *testing.T) {
	t.Parallel()
	var ua string
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua = r.UserAgent()
		w.WriteHeader(http.StatusNoContent)
	}), func(cfg *Config) { cfg.UserAgent = "" })
	if err := c.DeleteTeam(context.Background(), "acme", "backend"); err != nil {
		t.Fatalf("DeleteTeam: %v", err)
	}
	if ua != defaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", ua, defaultUserAgent)
	}
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		segments []string
		want     string
	}{
		{[]string{"teams", "acme", "backend"}, "teams/acme/backend/"},
		{[]string{"teams", "acme", "a/b"}, "teams/acme/a%2Fb/"},
		{[]string{"teams", "acme corp", "x?y#z"}, "teams/acme%20corp/x%3Fy%23z/"},
		{[]string{"teams", "acme", ".."}, "teams/acme/%2E%2E/"},
		{[]string{"teams", "acme", "."}, "teams/acme/%2E/"},
	}
	for _, tt := range tests {
		if got := endpoint(tt.segments...); got != tt.want {
			t.Errorf("endpoint(%q) = %q, want %q", tt.segments, got, tt.want)
		}
	}
}

func TestEmptyPathSegmentRejected(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("request sent for an empty identifier")
	}))
	if _, err := c.GetTeam(context.Background(), "acme", ""); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("GetTeam with empty slug: err = %v", err)
	}
}

func TestMalformedSuccessBody(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"id": "1", "slug": `)
	}))
	_, err := c.GetTeam(context.Background(), "acme", "backend")
	if err == nil {
		t.Fatal("malformed body accepted")
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("malformed 2xx body gave an APIError: %v", err)
	}
	if !strings.Contains(err.Error(), "GET teams/acme/backend/") {
		t.Errorf("error %q does not name the method and path", err)
	}
}

func TestLogsOmitSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)

	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "req-42")
		writeJSON(t, w, http.StatusCreated, map[string]any{"id": "7", "name": "ci", "token": "sntrys_minted-secret"})
	}))
	var out map[string]any
	if err := c.do(ctx, http.MethodPost, "organizations/acme/org-auth-tokens/", nil, map[string]string{"name": testToken}, &out); err != nil {
		t.Fatalf("do: %v", err)
	}

	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatalf("decoding logs: %v", err)
	}
	if len(entries) != 1 {
		t.Fatalf("got %d log entries, want 1: %s", len(entries), logs.String())
	}
	e := entries[0]
	for key, want := range map[string]any{
		"@message":   "Sentry API request",
		"method":     "POST",
		"path":       "organizations/acme/org-auth-tokens/",
		"status":     float64(201),
		"attempt":    float64(1),
		"request_id": "req-42",
	} {
		if e[key] != want {
			t.Errorf("log field %s = %v, want %v", key, e[key], want)
		}
	}
	if _, ok := e["duration_ms"]; !ok {
		t.Error("log entry has no duration_ms")
	}
	raw, _ := json.Marshal(entries)
	for _, secret := range []string{testToken, "sntrys_minted-secret", "Bearer"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("logs contain %q: %s", secret, raw)
		}
	}
}

func TestResponseStatusAndHeader(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Answer", "already")
		w.WriteHeader(http.StatusNoContent)
	}))
	var (
		code   int
		header http.Header
		out    = map[string]any{"kept": true}
	)
	err := c.do(context.Background(), http.MethodPost, endpoint("organizations", "acme", "members", "7", "teams", "backend"),
		nil, nil, &out, responseStatus(&code), responseHeader(&header))
	if err != nil {
		t.Fatalf("do: %v", err)
	}
	if code != http.StatusNoContent || header.Get("X-Answer") != "already" {
		t.Errorf("status %d, header %v", code, header)
	}
	// An empty 204 body leaves out alone.
	if out["kept"] != true {
		t.Errorf("out = %v", out)
	}
}
