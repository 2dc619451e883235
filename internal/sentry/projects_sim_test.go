package sentry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// simClients serves a fresh emulator and returns clients for its seeded
// owner and member.
func simClients(t *testing.T) (sim *sentrysim.Server, owner, member *Client, clientFor func(token string) *Client) {
	t.Helper()
	sim = sentrysim.New(sentrysim.Options{LegacyOrgTokens: true})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	clientFor = func(token string) *Client {
		c, err := NewClient(Config{BaseURL: srv.URL, Token: token, MaxRetries: -1})
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		return c
	}
	tokens := sim.Tokens()
	return sim, clientFor(tokens.Owner), clientFor(tokens.Member), clientFor
}

func teamSlugsOf(p *Project) []string {
	var out []string
	for _, t := range p.Teams {
		out = append(out, t.Slug)
	}
	return out
}

func TestProjectTeamLinksAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, owner, member, _ := simClients(t)
	for _, slug := range []string{"backend", "frontend"} {
		if _, err := owner.CreateTeam(ctx, "acme", CreateTeamRequest{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:]}); err != nil {
			t.Fatalf("CreateTeam %s: %v", slug, err)
		}
	}

	p, err := owner.CreateProject(ctx, "acme", "backend", CreateProjectRequest{Name: "Web App", Platform: "python"})
	if err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	if p.Slug != "web-app" || p.Name != "Web App" || p.Platform != "python" || p.ID == "" || p.DateCreated.IsZero() ||
		!slices.Equal(teamSlugsOf(p), []string{"backend"}) {
		t.Fatalf("created %+v", p)
	}
	if _, err := owner.CreateProject(ctx, "acme", "frontend", CreateProjectRequest{Name: "Other", Slug: "web-app"}); !IsConflict(err) {
		t.Errorf("duplicate slug: %v", err)
	}

	// Linking is idempotent.
	for range 2 {
		linked, err := owner.AddProjectTeam(ctx, "acme", "web-app", "frontend")
		if err != nil {
			t.Fatalf("AddProjectTeam: %v", err)
		}
		if !slices.Equal(teamSlugsOf(linked), []string{"backend", "frontend"}) {
			t.Fatalf("after linking: %v", teamSlugsOf(linked))
		}
	}
	byID, err := owner.GetProject(ctx, "acme", p.ID)
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	if !slices.Equal(teamSlugsOf(byID), []string{"backend", "frontend"}) || byID.Teams[0].ID == "" {
		t.Errorf("project teams %+v", byID.Teams)
	}

	var apiErr *APIError
	if _, err := owner.AddProjectTeam(ctx, "acme", "web-app", "nope"); !errors.As(err, &apiErr) ||
		apiErr.StatusCode != http.StatusNotFound || apiErr.Detail != "Team does not exist." {
		t.Errorf("unknown team: %v", err)
	}
	if _, err := member.RemoveProjectTeam(ctx, "acme", "web-app", "backend"); !IsForbidden(err) {
		t.Errorf("member unlinking: %v", err)
	}
	if _, err := member.CreateProject(ctx, "acme", "backend", CreateProjectRequest{Name: "Nope"}); !IsForbidden(err) {
		t.Errorf("member creating: %v", err)
	}

	for range 2 {
		unlinked, err := owner.RemoveProjectTeam(ctx, "acme", "web-app", "backend")
		if err != nil {
			t.Fatalf("RemoveProjectTeam: %v", err)
		}
		if unlinked.HasTeam("backend") || !unlinked.HasTeam("frontend") {
			t.Fatalf("after unlinking: %v", teamSlugsOf(unlinked))
		}
	}
	got, err := member.GetProject(ctx, "acme", p.ID)
	if err != nil {
		t.Fatalf("GetProject by id: %v", err)
	}
	if got.Slug != "web-app" || !slices.Equal(teamSlugsOf(got), []string{"frontend"}) {
		t.Errorf("read back %+v", got)
	}

	if err := member.DeleteProject(ctx, "acme", "web-app"); !IsForbidden(err) {
		t.Errorf("member deleting: %v", err)
	}
	if err := owner.DeleteProject(ctx, "acme", "web-app"); err != nil {
		t.Fatalf("DeleteProject: %v", err)
	}
	if _, err := owner.GetProject(ctx, "acme", "web-app"); !IsNotFound(err) {
		t.Errorf("deleted project: %v", err)
	}
	if err := owner.DeleteProject(ctx, "acme", "web-app"); !IsNotFound(err) {
		t.Errorf("deleting again: %v", err)
	}
}

func TestOrgAuthTokensAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, owner, member, clientFor := simClients(t)

	tok, err := member.CreateOrgAuthToken(ctx, "acme", "CI deploys")
	if err != nil {
		t.Fatalf("CreateOrgAuthToken: %v", err)
	}
	if !strings.HasPrefix(tok.Token, "sntrys_") || !slices.Equal(tok.Scopes, []string{"org:ci"}) ||
		tok.TokenLastCharacters != tok.Token[len(tok.Token)-4:] || tok.DateLastUsed != nil || tok.ID == "" {
		t.Fatalf("created %v", tok)
	}

	// The new token authenticates as the organization, with org:ci only.
	ci := clientFor(tok.Token)
	if _, err := ci.ListTeams(ctx, "acme"); !IsForbidden(err) {
		t.Errorf("org:ci listing teams: %v", err)
	}
	if _, err := ci.CreateOrgAuthToken(ctx, "acme", "more"); !IsForbidden(err) {
		t.Errorf("org:ci minting a token: %v", err)
	}
	read, err := owner.GetOrgAuthToken(ctx, "acme", tok.ID)
	if err != nil {
		t.Fatalf("GetOrgAuthToken: %v", err)
	}
	if read.Token != "" || read.DateLastUsed == nil || read.Name != "CI deploys" {
		t.Errorf("read back %v (last used %v)", read, read.DateLastUsed)
	}

	if err := member.RenameOrgAuthToken(ctx, "acme", tok.ID, "renamed"); err != nil {
		t.Fatalf("RenameOrgAuthToken: %v", err)
	}
	var apiErr *APIError
	if err := owner.RenameOrgAuthToken(ctx, "acme", tok.ID, ""); !errors.As(err, &apiErr) || apiErr.Detail != "The name cannot be blank." {
		t.Errorf("blank rename: %v", err)
	}
	if _, err := owner.CreateOrgAuthToken(ctx, "acme", ""); !errors.As(err, &apiErr) || apiErr.Detail != "The name cannot be blank." {
		t.Errorf("blank create: %v", err)
	}
	list, err := owner.ListOrgAuthTokens(ctx, "acme")
	if err != nil {
		t.Fatalf("ListOrgAuthTokens: %v", err)
	}
	if len(list) != 1 || list[0].ID != tok.ID || list[0].Name != "renamed" || list[0].Token != "" {
		t.Errorf("list %v", list)
	}

	if err := member.DeleteOrgAuthToken(ctx, "acme", tok.ID); !IsForbidden(err) {
		t.Errorf("member deleting: %v", err)
	}
	if err := owner.DeleteOrgAuthToken(ctx, "acme", tok.ID); err != nil {
		t.Fatalf("DeleteOrgAuthToken: %v", err)
	}
	if _, err := owner.GetOrgAuthToken(ctx, "acme", tok.ID); !IsNotFound(err) {
		t.Errorf("deleted token read: %v", err)
	}
	if err := owner.DeleteOrgAuthToken(ctx, "acme", tok.ID); !IsNotFound(err) {
		t.Errorf("deleting again: %v", err)
	}
	if _, err := ci.ListTeams(ctx, "acme"); !hasStatus(err, http.StatusUnauthorized) {
		t.Errorf("deleted token still authenticates: %v", err)
	}

	// The emulator's ready-made org:ci token behaves the same way.
	if _, err := clientFor(sim.OrgCIToken("acme")).ListOrgAuthTokens(ctx, "acme"); !IsForbidden(err) {
		t.Errorf("OrgCIToken listing tokens: %v", err)
	}
}

func TestPersonalTokensRefusedAgainstEmulator(t *testing.T) {
	t.Parallel()
	_, owner, _, _ := simClients(t)
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		err := owner.do(context.Background(), method, "api-tokens/", nil, map[string][]string{"scopes": {"org:read"}}, nil)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden ||
			apiErr.Detail != "Authentication credentials were not provided." {
			t.Errorf("%s api-tokens/: %v", method, err)
		}
	}
}
