package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, stdout := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-org", "initech"}, stdout)
		_ = stdout.Close()
	}()

	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the announcement: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	var ann struct {
		BaseURL      string            `json:"base_url"`
		Organization string            `json:"organization"`
		Tokens       map[string]string `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(line), &ann); err != nil {
		t.Fatalf("announcement %q: %v", line, err)
	}
	if !strings.HasPrefix(ann.BaseURL, "http://127.0.0.1:") || !strings.HasSuffix(ann.BaseURL, "/api/") {
		t.Errorf("base_url %q", ann.BaseURL)
	}
	if ann.Organization != "initech" {
		t.Errorf("organization %q", ann.Organization)
	}
	for _, role := range []string{"owner", "manager", "member"} {
		if !strings.HasPrefix(ann.Tokens[role], "sntryu_") {
			t.Errorf("%s token %q", role, ann.Tokens[role])
		}
	}

	root := strings.TrimSuffix(ann.BaseURL, "/api/")
	get := func(path, token string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+path, nil)
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
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}
	if status := get("/_sim/health", ""); status != http.StatusOK {
		t.Fatalf("health: %d", status)
	}
	if status := get("/api/0/organizations/initech/teams/", ann.Tokens["member"]); status != http.StatusOK {
		t.Fatalf("teams: %d", status)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-addr", "not an address"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
