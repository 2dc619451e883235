package sentry

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Team is a Sentry team. Fields that describe the caller rather than the team
// (isMember, teamRole, access) are left out on purpose: they differ between
// tokens and would make plans flap.
type Team struct {
	ID          string          `json:"id"`
	Slug        string          `json:"slug"`
	Name        string          `json:"name"`
	DateCreated time.Time       `json:"dateCreated"`
	MemberCount int             `json:"memberCount"`
	Flags       map[string]bool `json:"flags"`
}

// IDPProvisioned reports whether the team is managed by the organization's
// identity provider through SCIM; Sentry then refuses to rename or delete it
// through the teams API.
func (t *Team) IDPProvisioned() bool {
	return t != nil && t.Flags["idp:provisioned"]
}

// CreateTeamRequest is the body of [Client.CreateTeam]. Sentry needs a slug
// or a name; without a slug it derives one from the name.
type CreateTeamRequest struct {
	Slug string `json:"slug,omitempty"`
	Name string `json:"name,omitempty"`
}

// UpdateTeamRequest is the body of [Client.UpdateTeam]; nil fields are left
// unchanged.
type UpdateTeamRequest struct {
	Slug *string `json:"slug,omitempty"`
	Name *string `json:"name,omitempty"`
}

// CreateTeam creates a team in org. An explicit slug that is taken is a 409
// ([IsConflict]).
func (c *Client) CreateTeam(ctx context.Context, org string, req CreateTeamRequest) (*Team, error) {
	var team Team
	if _, err := c.doObject(ctx, http.MethodPost, endpoint("organizations", org, "teams"), req, &team, "team", func() string { return team.ID }); err != nil {
		return nil, err
	}
	return &team, nil
}

// GetTeam reads one team; team is its slug or numeric id.
func (c *Client) GetTeam(ctx context.Context, org, team string) (*Team, error) {
	var t Team
	if _, err := c.doObject(ctx, http.MethodGet, endpoint("teams", org, team), nil, &t, "team", func() string { return t.ID }); err != nil {
		return nil, err
	}
	return &t, nil
}

// UpdateTeam changes a team's slug and/or name; team is its slug or numeric
// id. A slug that is taken is a 400 with a "slug" field error.
func (c *Client) UpdateTeam(ctx context.Context, org, team string, req UpdateTeamRequest) (*Team, error) {
	var t Team
	if err := c.do(ctx, http.MethodPut, endpoint("teams", org, team), nil, req, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteTeam deletes a team; team is its slug or numeric id. Sentry frees
// the slug at once and removes the team in the background.
func (c *Client) DeleteTeam(ctx context.Context, org, team string) error {
	return c.do(ctx, http.MethodDelete, endpoint("teams", org, team), nil, nil, nil)
}

// ListTeams returns every team in org, ordered by slug.
func (c *Client) ListTeams(ctx context.Context, org string) ([]Team, error) {
	return collect(c.Teams(ctx, org, ""))
}

// Teams walks the teams of org a page at a time, ordered by slug; query,
// when not empty, is Sentry's team search ("slug:a slug:b", free text
// matched against names and slugs). Stopping the loop stops the requests.
func (c *Client) Teams(ctx context.Context, org, query string) iter.Seq2[Team, error] {
	// detailed=0 leaves each team's project list out of the answer, which
	// Team does not keep anyway.
	q := url.Values{"detailed": {"0"}}
	if query != "" {
		q.Set("query", query)
	}
	return paginate[Team](ctx, c, endpoint("organizations", org, "teams"), q)
}
