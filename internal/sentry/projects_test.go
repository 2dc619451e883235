package sentry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// projectJSON is a trimmed project body as the team link endpoints send it.
const projectJSON = `{
	"id": "4505000000000007",
	"slug": "web",
	"name": "Web",
	"platform": "python",
	"dateCreated": "2024-03-01T12:30:45.123Z",
	"isMember": true,
	"access": ["project:read"],
	"status": "active",
	"team": {"id": "11", "slug": "backend", "name": "Backend"},
	"teams": [{"id": "11", "slug": "backend", "name": "Backend"}, {"id": "12", "slug": "frontend", "name": "Frontend"}]
}`

func checkProject(t *testing.T, p *Project) {
	t.Helper()
	want := time.Date(2024, 3, 1, 12, 30, 45, 123000000, time.UTC)
	if p.ID != "4505000000000007" || p.Slug != "web" || p.Name != "Web" || p.Platform != "python" || !p.DateCreated.Equal(want) {
		t.Errorf("project = %+v", p)
	}
	if len(p.Teams) != 2 || p.Teams[1] != (ProjectTeam{ID: "12", Slug: "frontend", Name: "Frontend"}) {
		t.Errorf("teams = %+v", p.Teams)
	}
}

func TestCreateProject(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusCreated, projectJSON)
	p, err := c.CreateProject(context.Background(), "acme", "backend", CreateProjectRequest{Name: "Web"})
	if err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	checkProject(t, p)
	// Slug and platform are left out when empty, so Sentry derives the slug.
	checkRequest(t, *reqs, "POST", "/api/0/teams/acme/backend/projects/", map[string]any{"name": "Web"})
}

func TestCreateProjectWithSlugAndPlatform(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusCreated, projectJSON)
	_, err := c.CreateProject(context.Background(), "acme", "4505", CreateProjectRequest{Name: "Web", Slug: "web", Platform: "python"})
	if err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	checkRequest(t, *reqs, "POST", "/api/0/teams/acme/4505/projects/",
		map[string]any{"name": "Web", "slug": "web", "platform": "python"})
}

func TestCreateProjectConflict(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusConflict, `{"detail": "A project with this slug already exists."}`)
	_, err := c.CreateProject(context.Background(), "acme", "backend", CreateProjectRequest{Name: "Web", Slug: "web"})
	var apiErr *APIError
	if !IsConflict(err) || !errors.As(err, &apiErr) || apiErr.Detail != "A project with this slug already exists." {
		t.Errorf("err = %v, want the 409", err)
	}
}

func TestCreateProjectNotRetriedOn502(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(http.StatusBadGateway, ""), status(http.StatusCreated, projectJSON)}}
	c := newTestClient(t, seq)
	if _, err := c.CreateProject(context.Background(), "acme", "backend", CreateProjectRequest{Name: "Web"}); err == nil {
		t.Fatal("CreateProject succeeded through a 502")
	}
	if seq.hits.Load() != 1 {
		t.Errorf("POST sent %d times, want once", seq.hits.Load())
	}
}

func TestGetProject(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, projectJSON)
	p, err := c.GetProject(context.Background(), "acme", "web")
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	checkProject(t, p)
	if !p.HasTeam("frontend") || !p.HasTeam("backend") || p.HasTeam("ops") {
		t.Errorf("HasTeam wrong for %+v", p.Teams)
	}
	checkRequest(t, *reqs, "GET", "/api/0/projects/acme/web/", nil)
}

func TestGetProjectNullPlatformAndNoTeams(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusOK, `{"id": "1", "slug": "web", "name": "Web", "platform": null,
		"dateCreated": "2024-03-01T12:30:45Z", "teams": []}`)
	p, err := c.GetProject(context.Background(), "acme", "web")
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	if p.Platform != "" || len(p.Teams) != 0 || p.HasTeam("") {
		t.Errorf("project = %+v", p)
	}
	var nilProject *Project
	if nilProject.HasTeam("backend") {
		t.Error("a nil project has a team")
	}
}

func TestGetProjectNotFound(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusNotFound, `{"detail": "The requested resource does not exist"}`)
	if _, err := c.GetProject(context.Background(), "acme", "gone"); !IsNotFound(err) {
		t.Errorf("err = %v, want a 404", err)
	}
}

func TestDeleteProject(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusNoContent, "")
	if err := c.DeleteProject(context.Background(), "acme", "web"); err != nil {
		t.Fatalf("DeleteProject: %v", err)
	}
	checkRequest(t, *reqs, "DELETE", "/api/0/projects/acme/web/", nil)
}

func TestAddProjectTeam(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusCreated, projectJSON)
	p, err := c.AddProjectTeam(context.Background(), "acme", "web", "frontend")
	if err != nil {
		t.Fatalf("AddProjectTeam: %v", err)
	}
	checkProject(t, p)
	checkRequest(t, *reqs, "POST", "/api/0/projects/acme/web/teams/frontend/", nil)
}

func TestAddProjectTeamRetriedOn502(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
		status(http.StatusBadGateway, ""),
		func(w http.ResponseWriter, r *http.Request) {
			if b, _ := io.ReadAll(r.Body); len(b) != 0 {
				t.Errorf("body %q", b)
			}
			status(http.StatusCreated, projectJSON)(w, r)
		},
	}}
	c := newTestClient(t, seq)
	p, err := c.AddProjectTeam(context.Background(), "acme", "web", "frontend")
	if err != nil {
		t.Fatalf("AddProjectTeam: %v", err)
	}
	if seq.hits.Load() != 2 || !p.HasTeam("frontend") {
		t.Errorf("%d requests, project %+v", seq.hits.Load(), p)
	}
}

func TestAddProjectTeamUnknownTeam(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusNotFound, `{"detail": "Team does not exist."}`)
	_, err := c.AddProjectTeam(context.Background(), "acme", "web", "nope")
	var apiErr *APIError
	if !IsNotFound(err) || !errors.As(err, &apiErr) || apiErr.Detail != "Team does not exist." {
		t.Errorf("err = %v", err)
	}
}

func TestRemoveProjectTeam(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, projectJSON)
	p, err := c.RemoveProjectTeam(context.Background(), "acme", "web", "ops")
	if err != nil {
		t.Fatalf("RemoveProjectTeam: %v", err)
	}
	checkProject(t, p)
	checkRequest(t, *reqs, "DELETE", "/api/0/projects/acme/web/teams/ops/", nil)
}

func TestRemoveProjectTeamForbidden(t *testing.T) {
	t.Parallel()
	// This endpoint's own refusal carries the detail as a list.
	c, _ := recordingServer(t, http.StatusForbidden, `{"detail": ["You do not have permission to perform this action."]}`)
	_, err := c.RemoveProjectTeam(context.Background(), "acme", "web", "ops")
	var apiErr *APIError
	if !IsForbidden(err) || !errors.As(err, &apiErr) || apiErr.Detail != "You do not have permission to perform this action." {
		t.Errorf("err = %v", err)
	}
}

func TestProjectPathsEscaped(t *testing.T) {
	t.Parallel()
	var paths []string
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, projectJSON)
	}))
	ctx := context.Background()
	if _, err := c.GetProject(ctx, "acme", "../teams/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddProjectTeam(ctx, "acme", "web", "a/b"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetProject(ctx, "acme", ".."); err != nil {
		t.Fatal(err)
	}
	want := []string{"/api/0/projects/acme/..%2Fteams%2Fx/", "/api/0/projects/acme/web/teams/a%2Fb/", "/api/0/projects/acme/%2E%2E/"}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("paths = %q, want %q", paths, want)
	}
	if _, err := c.GetProject(ctx, "acme", ""); err == nil {
		t.Error("an empty project slug was sent")
	}
}
