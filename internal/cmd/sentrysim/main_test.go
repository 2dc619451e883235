package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type announced struct {
	BaseURL      string            `json:"base_url"`
	Organization string            `json:"organization"`
	Tokens       map[string]string `json:"tokens"`
}

// start runs the program with args and returns its announcement, a
// function to stop it and the result of the run.
func start(t *testing.T, args ...string) (announced, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, stdout := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, stdout)
		_ = stdout.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("reading the announcement: %v (run: %v)", err, <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	var ann announced
	if err := json.Unmarshal([]byte(line), &ann); err != nil {
		cancel()
		t.Fatalf("announcement %q: %v", line, err)
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after cancellation")
			return nil
		}
	}
	return ann, stop
}

// get fetches a path of the running program and decodes a JSON answer.
func get(t *testing.T, ann announced, path, token string, out any) (int, http.Header) {
	t.Helper()
	root := strings.TrimSuffix(ann.BaseURL, "/api/")
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, root+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	return res.StatusCode, res.Header
}

func TestRun(t *testing.T) {
	ann, stop := start(t, "-addr", "127.0.0.1:0", "-org", "initech")
	if !strings.HasPrefix(ann.BaseURL, "http://127.0.0.1:") || !strings.HasSuffix(ann.BaseURL, "/api/") {
		t.Errorf("base_url %q", ann.BaseURL)
	}
	if ann.Organization != "initech" {
		t.Errorf("organization %q", ann.Organization)
	}
	prefixes := map[string]string{"owner": "sntryu_", "manager": "sntryu_", "member": "sntryu_", "scim": "sntryi_", "org_ci": "sntrys_"}
	for role, prefix := range prefixes {
		if !strings.HasPrefix(ann.Tokens[role], prefix) {
			t.Errorf("%s token does not start with %s", role, prefix)
		}
	}
	if len(ann.Tokens) != len(prefixes) {
		t.Errorf("%d tokens", len(ann.Tokens))
	}
	if status, _ := get(t, ann, "/_sim/health", "", nil); status != http.StatusOK {
		t.Fatalf("health: %d", status)
	}
	status, header := get(t, ann, "/api/0/organizations/initech/teams/", ann.Tokens["member"], nil)
	if status != http.StatusOK || header.Get("X-Sentry-Rate-Limit-Limit") != "" {
		t.Fatalf("teams: %d %v", status, header)
	}
	var cfg map[string]any
	get(t, ann, "/_sim/config", "", &cfg)
	if cfg["rate_limit"] != "off" || cfg["latency"] != "0s" || !reflect.DeepEqual(cfg["fault_statuses"], []any{500.0, 502.0, 503.0}) {
		t.Errorf("config %v", cfg)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunSwitchesAndSeed(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"teams": [{"id": "4506000000000000", "slug": "backend"}], "members": [{"email": "ann@example.com", "role": "member", "teams": [{"team": "backend"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ann, stop := start(t, "-seed", seed, "-rate-limit", "saas", "-rate-limits", "organization-teams=7, team-details=3",
		"-default-rate-limit", "30", "-concurrent-limit", "5", "-latency", "5ms", "-jitter", "2ms",
		"-fault-rate", "0", "-fault-statuses", "502,503", "-drop-rate", "0.1", "-drop-after-rate", "0.2", "-seed-random", "9",
		"-burst-429-interval", "5s")
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var cfg map[string]any
	get(t, ann, "/_sim/config", "", &cfg)
	want := map[string]any{
		"rate_limit": "saas", "rate_limits": map[string]any{"organization-teams": 7.0, "team-details": 3.0},
		"default_rate_limit": 30.0, "concurrent_limit": 5.0, "latency": "5ms", "jitter": "2ms",
		"fault_rate": 0.0, "fault_statuses": []any{502.0, 503.0}, "drop_rate": 0.1, "drop_after_rate": 0.2,
		"seed": 9.0, "burst_429": 0.0, "burst_429_every": 0.0, "burst_429_size": 0.0,
		"burst_429_interval": "5s",
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config %v\nwant %v", cfg, want)
	}
	// The recurring burst has been read back; it would refuse the
	// requests below one second in five.
	root := strings.TrimSuffix(ann.BaseURL, "/api/")
	off, err := http.Post(root+"/_sim/config", "application/json", strings.NewReader(`{"burst_429_interval": "0s"}`)) //nolint:noctx // A local test server.
	if err != nil {
		t.Fatal(err)
	}
	_ = off.Body.Close()
	if off.StatusCode != http.StatusOK {
		t.Fatalf("turning the burst off: %d", off.StatusCode)
	}
	var teams []map[string]any
	status, header := get(t, ann, "/api/0/organizations/acme/teams/", ann.Tokens["owner"], &teams)
	if status != http.StatusOK || len(teams) != 1 || teams[0]["slug"] != "backend" || teams[0]["id"] != "4506000000000000" {
		t.Errorf("teams %d %v", status, teams)
	}
	// The seed's id moved the sequence past it, the announced tokens' ids
	// included.
	var next map[string]string
	if get(t, ann, "/_sim/next-id", "", &next); next["next_id"] <= "4506000000000000" || len(next["next_id"]) != 16 {
		t.Errorf("next id %v", next)
	}
	if header.Get("X-Sentry-Rate-Limit-Limit") != "7" {
		t.Errorf("rate limit headers %v", header)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.json")
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"teams": [{"slug": "Not A Slug"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-nope"},
		{"extra"},
		{"-addr", "not an address"},
		{"-rate-limit", "sometimes"},
		{"-fault-rate", "2"},
		{"-drop-rate", "-1"},
		{"-latency", "soon"},
		{"-fault-statuses", "abc"},
		{"-fault-statuses", "404"},
		{"-rate-limits", "organization-teams"},
		{"-seed", missing},
		{"-seed", bad},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
