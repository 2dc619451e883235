package sentry

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Member is an organization member: a user with an org role, or a pending
// invite (User is nil and Pending true until the invite is accepted).
type Member struct {
	ID           string          `json:"id"`
	Email        string          `json:"email"`
	Name         string          `json:"name"`
	OrgRole      string          `json:"orgRole"`
	Pending      bool            `json:"pending"`
	Expired      bool            `json:"expired"`
	InviteStatus string          `json:"inviteStatus"`
	DateCreated  time.Time       `json:"dateCreated"`
	User         *MemberUser     `json:"user"`
	Flags        map[string]bool `json:"flags"`
	// Teams and TeamRoles come only with [Client.GetMember] (and the
	// answers of [Client.UpdateMember]); the members lists leave them out.
	Teams     []string         `json:"teams"`
	TeamRoles []MemberTeamRole `json:"teamRoles"`
	// IsOnlyOwner is set by [Client.GetMember].
	IsOnlyOwner bool `json:"isOnlyOwner"`
	// TeamRole and TeamSlug come only with [Client.ListTeamMembers]:
	// TeamRole is the stored team role, nil where Sentry stores null (the
	// org role's minimum applies).
	TeamRole *string `json:"teamRole"`
	TeamSlug string  `json:"teamSlug"`
}

// MemberUser is the user account behind a joined member.
type MemberUser struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	// Has2FA is whether the user enrolled a second factor.
	Has2FA bool `json:"has2fa"`
}

// MemberTeamRole is a member's stored role on one team. A nil Role is
// Sentry's null: the member has the minimum team role its org role gives
// (contributor for members, admin for admins, managers and owners).
type MemberTeamRole struct {
	TeamSlug string  `json:"teamSlug"`
	Role     *string `json:"role"`
}

// IDPProvisioned reports whether the member was made through SCIM; Sentry
// then refuses to remove it through the members API.
func (m *Member) IDPProvisioned() bool {
	return m != nil && m.Flags["idp:provisioned"]
}

// InviteMemberRequest is the body of [Client.InviteMember].
type InviteMemberRequest struct {
	Email   string `json:"email"`
	OrgRole string `json:"orgRole"`
	// TeamRoles names the teams to join. Sentry ignores the roles sent on
	// invite and stores null; set them afterwards with
	// [Client.UpdateMember].
	TeamRoles []MemberTeamRole `json:"teamRoles,omitempty"`
	// SendInvite is whether Sentry emails the invite; nil means yes.
	SendInvite *bool `json:"sendInvite,omitempty"`
}

// UpdateMemberRequest is the body of [Client.UpdateMember]; nil and false
// fields are not sent.
//
// Sentry saves teams before it checks the org role, so a refused role change
// may still have changed the teams. A request without TeamRoles takes the
// member off every team: send the member's teams with every org role change.
type UpdateMemberRequest struct {
	OrgRole *string
	// TeamRoles replaces the member's whole team set; a non-nil pointer to
	// an empty (or nil) slice removes every team.
	TeamRoles *[]MemberTeamRole
	// Reinvite resends a pending invite; Sentry refuses it together with
	// any other change.
	Reinvite bool
	// Regenerate, with Reinvite, starts a new 30-day invite; Sentry will not
	// resend an expired invite without it. It needs member:admin.
	Regenerate bool
}

// MarshalJSON writes the fields that are set; a non-nil TeamRoles is always
// a JSON array, as Sentry fails on a null one.
func (r UpdateMemberRequest) MarshalJSON() ([]byte, error) {
	body := struct {
		OrgRole    *string           `json:"orgRole,omitempty"`
		TeamRoles  *[]MemberTeamRole `json:"teamRoles,omitempty"`
		Reinvite   bool              `json:"reinvite,omitempty"`
		Regenerate bool              `json:"regenerate,omitempty"`
	}{OrgRole: r.OrgRole, Reinvite: r.Reinvite, Regenerate: r.Regenerate}
	if r.TeamRoles != nil {
		roles := *r.TeamRoles
		if roles == nil {
			roles = []MemberTeamRole{}
		}
		body.TeamRoles = &roles
	}
	return json.Marshal(body)
}

// TeamMembershipResult is what [Client.AddTeamMember] did.
type TeamMembershipResult int

const (
	// TeamMemberAdded means the member was added to the team (201).
	TeamMemberAdded TeamMembershipResult = iota + 1
	// TeamMemberAlreadyPresent means the member was already on the team
	// (204).
	TeamMemberAlreadyPresent
	// TeamMemberAccessRequested means the caller may not add members to the
	// team, so Sentry only filed an access request for a team admin to
	// approve (202): the member is not on the team yet.
	TeamMemberAccessRequested
)

// String names the result.
func (r TeamMembershipResult) String() string {
	switch r {
	case TeamMemberAdded:
		return "added"
	case TeamMemberAlreadyPresent:
		return "already present"
	case TeamMemberAccessRequested:
		return "access requested"
	}
	return fmt.Sprintf("TeamMembershipResult(%d)", int(r))
}

// InviteMember invites an address to org as a pending member. A duplicate
// address is a 400 with an "email" field error ("has already been invited"
// or "is already a member"), not a 409. The request is not repeated after a
// 5xx or a dropped connection, as Sentry may have made the invite already.
func (c *Client) InviteMember(ctx context.Context, org string, req InviteMemberRequest) (*Member, error) {
	var m Member
	if _, err := c.doObject(ctx, http.MethodPost, endpoint("organizations", org, "members"), req, &m, "member", func() string { return m.ID }); err != nil {
		return nil, err
	}
	return &m, nil
}

// GetMember reads one member, with its teams and team roles.
func (c *Client) GetMember(ctx context.Context, org, memberID string) (*Member, error) {
	var m Member
	if _, err := c.doObject(ctx, http.MethodGet, endpoint("organizations", org, "members", memberID), nil, &m, "member", func() string { return m.ID }); err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateMember changes a member's org role and team roles, or resends its
// invite, and returns the member as GetMember does. It needs a user token:
// Sentry refuses organization tokens.
func (c *Client) UpdateMember(ctx context.Context, org, memberID string, req UpdateMemberRequest) (*Member, error) {
	var m Member
	if err := c.do(ctx, http.MethodPut, endpoint("organizations", org, "members", memberID), nil, req, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// DeleteMember removes a member or withdraws an invite.
func (c *Client) DeleteMember(ctx context.Context, org, memberID string) error {
	return c.do(ctx, http.MethodDelete, endpoint("organizations", org, "members", memberID), nil, nil, nil)
}

// memberQuery is the members list's query string: Sentry's search syntax
// ("email:a@b.c role:owner isInvited:true", free text) in query=.
func memberQuery(query string) url.Values {
	if query == "" {
		return nil
	}
	return url.Values{"query": {query}}
}

// ListMembers returns every member of org, pending invites included, in id
// order; query, when not empty, is Sentry's member search.
func (c *Client) ListMembers(ctx context.Context, org, query string) ([]Member, error) {
	return collect(c.Members(ctx, org, query))
}

// Members walks the members of org a page at a time; stopping the loop stops
// the requests.
func (c *Client) Members(ctx context.Context, org, query string) iter.Seq2[Member, error] {
	return paginate[Member](ctx, c, endpoint("organizations", org, "members"), memberQuery(query))
}

// ListTeamMembers returns the members of a team (slug or id) with their
// stored team roles: one request per 100 members, the cheap way to learn
// everyone's teams.
func (c *Client) ListTeamMembers(ctx context.Context, org, team string) ([]Member, error) {
	return listAll[Member](ctx, c, endpoint("teams", org, team, "members"), nil)
}

// AddTeamMember puts a member on a team with no stored role. Repeating it is
// harmless, so it is retried like a GET. The provider sets teams with
// [Client.UpdateMember]; acceptance tests use this to change a member's
// teams behind Terraform's back, the way a user in Sentry's UI would.
func (c *Client) AddTeamMember(ctx context.Context, org, memberID, team string) (TeamMembershipResult, error) {
	var code int
	path := endpoint("organizations", org, "members", memberID, "teams", team)
	if err := c.do(ctx, http.MethodPost, path, nil, nil, nil, idempotent(), responseStatus(&code)); err != nil {
		return 0, err
	}
	switch code {
	case http.StatusCreated:
		return TeamMemberAdded, nil
	case http.StatusNoContent:
		return TeamMemberAlreadyPresent, nil
	case http.StatusAccepted:
		return TeamMemberAccessRequested, nil
	}
	return 0, fmt.Errorf("POST %s: unexpected status %d", path, code)
}
