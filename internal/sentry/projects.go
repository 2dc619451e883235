package sentry

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Project is a Sentry project as the provider sees it: its identity and the
// teams it belongs to. Fields that describe the caller (isMember, access)
// are left out.
type Project struct {
	ID          string        `json:"id"`
	Slug        string        `json:"slug"`
	Name        string        `json:"name"`
	Platform    string        `json:"platform"`
	DateCreated time.Time     `json:"dateCreated"`
	Teams       []ProjectTeam `json:"teams"`
}

// ProjectTeam is a team as project bodies list it.
type ProjectTeam struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// HasTeam reports whether the team with the slug is one of the project's.
func (p *Project) HasTeam(slug string) bool {
	if p == nil {
		return false
	}
	for _, t := range p.Teams {
		if t.Slug == slug {
			return true
		}
	}
	return false
}

// CreateProjectRequest is the body of [Client.CreateProject]. Without a
// slug Sentry derives one from the name; an empty platform is left out.
type CreateProjectRequest struct {
	Name     string `json:"name"`
	Slug     string `json:"slug,omitempty"`
	Platform string `json:"platform,omitempty"`
}

// CreateProject creates a project owned by team in org. A slug that is
// taken is a 409 ([IsConflict]). The call is not repeated after a failure
// that may have reached Sentry, since that could make a second project.
// The provider does not manage projects: acceptance tests use it to set up
// the projects that sentry_team_project links teams to.
func (c *Client) CreateProject(ctx context.Context, org, team string, req CreateProjectRequest) (*Project, error) {
	var p Project
	if _, err := c.doObject(ctx, http.MethodPost, endpoint("teams", org, team, "projects"), req, &p, "project", func() string { return p.ID }); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetProject reads a project; project is its slug or numeric id.
func (c *Client) GetProject(ctx context.Context, org, project string) (*Project, error) {
	var p Project
	if _, err := c.doObject(ctx, http.MethodGet, endpoint("projects", org, project), nil, &p, "project", func() string { return p.ID }); err != nil {
		return nil, err
	}
	return &p, nil
}

// DeleteProject schedules a project for deletion; project is its slug or
// numeric id. Sentry frees the slug at once. Like [Client.CreateProject],
// only acceptance tests use it, to clean up after themselves.
func (c *Client) DeleteProject(ctx context.Context, org, project string) error {
	return c.do(ctx, http.MethodDelete, endpoint("projects", org, project), nil, nil, nil)
}

// Projects walks the projects of org a page at a time, ordered by slug,
// each with its teams: the cheapest way to learn every project-team link.
// query, when not empty, is Sentry's project search ("slug:api",
// "team:backend", free text). Stopping the loop stops the requests.
func (c *Client) Projects(ctx context.Context, org, query string) iter.Seq2[Project, error] {
	// collapse=latestDeploys spares Sentry a query per project for
	// deploys, which Project does not keep.
	q := url.Values{"collapse": {"latestDeploys"}}
	if query != "" {
		q.Set("query", query)
	}
	return paginate[Project](ctx, c, endpoint("organizations", org, "projects"), q)
}

// AddProjectTeam links team to project and returns the project. Sentry
// answers 201 whether or not the link existed, so the call is safe to
// repeat and is retried like a read. An unknown team is a 404 whose detail
// is "Team does not exist.".
func (c *Client) AddProjectTeam(ctx context.Context, org, project, team string) (*Project, error) {
	var p Project
	path := endpoint("projects", org, project, "teams", team)
	if _, err := c.doObject(ctx, http.MethodPost, path, nil, &p, "project", func() string { return p.ID }, idempotent()); err != nil {
		return nil, err
	}
	return &p, nil
}

// RemoveProjectTeam unlinks team from project and returns the project;
// Sentry answers 200 also when there was no link. A team admin may only
// unlink teams it administers (403 otherwise).
func (c *Client) RemoveProjectTeam(ctx context.Context, org, project, team string) (*Project, error) {
	var p Project
	if err := c.do(ctx, http.MethodDelete, endpoint("projects", org, project, "teams", team), nil, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
