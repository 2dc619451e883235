package sentry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// renameProjectRaw renames a project as Sentry's UI does, with
// PUT /projects/{org}/{project}/ {"slug": to}; the client has no call for
// it because the provider does not manage projects.
func renameProjectRaw(t *testing.T, baseURL, token, org, from, to string) {
	t.Helper()
	body := `{"slug": "` + to + `"}`
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, baseURL+"/api/0/projects/"+org+"/"+from+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("renaming project %s to %s: %d", from, to, resp.StatusCode)
	}
}

// TestWritesToRenamedProjectAreNotFollowed: after a rename, Sentry answers
// the old slug with a 302. A read follows it to the project under its new
// slug; a write gets IsMoved with the new slug, is sent exactly once, and
// changes nothing.
func TestWritesToRenamedProjectAreNotFollowed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim := sentrysim.New(sentrysim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	token := sim.Tokens().Owner
	// Retries on: a write answered with a redirect must still be final.
	owner, err := NewClient(Config{BaseURL: srv.URL, Token: token, RetryWaitMin: 1, RetryWaitMax: 2})
	if err != nil {
		t.Fatal(err)
	}
	org := sim.Organization()
	for _, slug := range []string{"backend", "frontend"} {
		if _, err := owner.CreateTeam(ctx, org, CreateTeamRequest{Slug: slug}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := owner.CreateProject(ctx, org, "backend", CreateProjectRequest{Name: "Web App", Slug: "web-app"}); err != nil {
		t.Fatal(err)
	}
	renameProjectRaw(t, srv.URL, token, org, "web-app", "web-api")

	const linkRoute = "/projects/{org}/{project}/teams/{team}/"
	for _, tc := range []struct {
		method string
		call   func() error
	}{
		{http.MethodDelete, func() error {
			_, err := owner.RemoveProjectTeam(ctx, org, "web-app", "backend")
			return err
		}},
		{http.MethodPost, func() error {
			_, err := owner.AddProjectTeam(ctx, org, "web-app", "frontend")
			return err
		}},
	} {
		t.Run(tc.method, func(t *testing.T) {
			sim.ResetStats()
			err := tc.call()
			if !IsMoved(err) {
				t.Fatalf("want IsMoved, got %v", err)
			}
			if IsOutcomeUnknown(err) || IsNotFound(err) {
				t.Errorf("a redirect is a certain answer: %v", err)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound || apiErr.MovedTo != "web-api" ||
				!strings.Contains(apiErr.Location, "/projects/"+org+"/web-api/teams/") {
				t.Fatalf("error %#v", apiErr)
			}
			msg := err.Error()
			for _, want := range []string{`"web-api"`, "renamed", "not repeated", tc.method} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, token) {
				t.Errorf("message holds the token: %q", msg)
			}
			stats := sim.Stats()
			if got := stats.Count(tc.method, linkRoute); got != 1 {
				t.Errorf("%s sent %d times, want 1", tc.method, got)
			}
			if got := stats.Total(); got != 1 {
				t.Errorf("%d requests in all (%v), want 1: no follow-up", got, stats.Requests)
			}
		})
	}

	// Nothing changed, and a read of the old slug follows the redirect.
	p, err := owner.GetProject(ctx, org, "web-app")
	if err != nil {
		t.Fatal(err)
	}
	if p.Slug != "web-api" || !slices.Equal(teamSlugsOf(p), []string{"backend"}) {
		t.Fatalf("project %s with teams %v, want web-api with [backend]", p.Slug, teamSlugsOf(p))
	}
}

// TestCallerRedirectPolicyKept: a caller's own http.Client keeps its
// redirect policy, and the client's copy still refuses to follow writes.
func TestCallerRedirectPolicyKept(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		hits []string
	)
	requests := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(hits)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if strings.Contains(r.URL.Path, "/old/") {
			w.Header().Set("Location", strings.Replace(r.URL.Path, "/old/", "/new/", 1))
			w.WriteHeader(http.StatusFound)
			_, _ = w.Write([]byte(`<html><title>Moved</title></html>`))
			return
		}
		_, _ = w.Write([]byte(`{"id": "1", "slug": "new"}`))
	}))
	t.Cleanup(srv.Close)
	policyCalls := 0
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		policyCalls++
		return nil
	}}
	c, err := NewClient(Config{BaseURL: srv.URL, Token: "sntryu_secret", HTTPClient: hc, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := c.GetProject(context.Background(), "acme", "old"); err != nil || p.Slug != "new" {
		t.Fatalf("read: %v %v", p, err)
	}
	if policyCalls != 1 {
		t.Errorf("caller's policy called %d times, want 1", policyCalls)
	}
	_, err = c.RemoveProjectTeam(context.Background(), "acme", "old", "backend")
	var apiErr *APIError
	if !IsMoved(err) || !errors.As(err, &apiErr) || apiErr.MovedTo != "" || apiErr.Location != "/api/0/projects/acme/new/teams/backend/" {
		t.Fatalf("write: %v", err)
	}
	if !strings.Contains(err.Error(), "redirect to /api/0/projects/acme/new/teams/backend/") {
		t.Errorf("message %q", err)
	}
	want := []string{
		"GET /api/0/projects/acme/old/", "GET /api/0/projects/acme/new/",
		"DELETE /api/0/projects/acme/old/teams/backend/",
	}
	if got := requests(); !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	if policyCalls != 1 {
		t.Errorf("caller's policy called for a write")
	}
	if hc.CheckRedirect == nil || hc.Transport != nil {
		t.Error("the caller's http.Client was changed")
	}
}
