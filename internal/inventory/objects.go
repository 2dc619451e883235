package inventory

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// Team is a team as sentry_team reads it. Teams made through SCIM are not
// teams here but [SCIMGroup]s.
type Team struct {
	ID   string
	Slug string
	Name string
	// Raw is Sentry's team as its list sent it.
	Raw sentry.Team
}

// TeamOptions are the options of [Teams].
type TeamOptions struct {
	// Query is Sentry's team search, applied by Sentry: "slug:a slug:b",
	// or free text matched against names and slugs.
	Query string
	Options
}

// Teams lists the organization's teams, ordered by slug, one request per
// 100 teams. Teams provisioned through SCIM are left out: the identity
// provider owns them, and sentry_scim_group manages them.
func Teams(ctx context.Context, c *sentry.Client, org string, o TeamOptions) iter.Seq2[Team, error] {
	teams := func(yield func(Team, error) bool) {
		for t, err := range c.Teams(ctx, org, o.Query) {
			if err != nil {
				yield(Team{}, err)
				return
			}
			if t.IDPProvisioned() {
				continue
			}
			if !yield(Team{ID: t.ID, Slug: t.Slug, Name: t.Name, Raw: t}, nil) {
				return
			}
		}
	}
	return limited(teams, o.Options, TypeTeam, "teams")
}

// SCIMGroup is a SCIM group as sentry_scim_group reads it.
type SCIMGroup struct {
	// ID is the group's id, which is its team's id.
	ID          string
	DisplayName string
	// TeamSlug is the slug of the group's team.
	TeamSlug string
	// MemberIDs are the ids of the members in the group, sorted.
	MemberIDs []string
}

// SCIMGroups lists the organization's SCIM groups, the teams provisioned
// through SCIM (the ones [Teams] leaves out), through the SCIM API
// (scim is a client with the organization's SCIM token) with their
// members: one SCIM request per 100 groups, and one teams list (c, else
// scim) per 100 teams for the groups' slugs. Without a SCIM client, or
// when Sentry answers 403 because SCIM is off for the organization (or the
// token may not use it), the listing yields one [SkippedError].
func SCIMGroups(ctx context.Context, c, scim *sentry.Client, org string, o Options) iter.Seq2[SCIMGroup, error] {
	if scim == nil {
		return fail[SCIMGroup](&SkippedError{Type: TypeSCIMGroup,
			Reason: "no SCIM token: set the provider's scim_token or SENTRY_SCIM_TOKEN to the token from the " +
				"organization's SCIM settings to list SCIM groups"})
	}
	if c == nil {
		c = scim
	}
	groups := func(yield func(SCIMGroup, error) bool) {
		o.report(TypeSCIMGroup, "SCIM groups", 0, 0)
		list, err := scim.ListSCIMGroups(ctx, org, "")
		if sentry.IsForbidden(err) {
			yield(SCIMGroup{}, &SkippedError{Type: TypeSCIMGroup, Err: err,
				Reason: fmt.Sprintf("Sentry refused the SCIM API (403) in organization %q: SCIM provisioning is off "+
					"(it needs SAML with SCIM enabled), or the SCIM token lacks team scopes", org)})
			return
		}
		if err != nil {
			yield(SCIMGroup{}, err)
			return
		}
		if len(list) == 0 {
			return
		}
		// Sentry's SCIM API lists every team as a group; only the teams
		// the identity provider made are SCIM groups, the others are
		// sentry_team's.
		slugs := make(map[string]string)
		for t, err := range c.Teams(ctx, org, "") {
			if err != nil {
				yield(SCIMGroup{}, err)
				return
			}
			if t.IDPProvisioned() {
				slugs[t.ID] = t.Slug
			}
		}
		slices.SortFunc(list, func(a, b sentry.SCIMGroup) int { return strings.Compare(slugs[a.ID], slugs[b.ID]) })
		for _, g := range list {
			slug, ok := slugs[g.ID]
			if !ok {
				// Not provisioned, or deleted between the two lists.
				continue
			}
			if !yield(SCIMGroup{ID: g.ID, DisplayName: g.DisplayName, TeamSlug: slug, MemberIDs: g.MemberIDs()}, nil) {
				return
			}
		}
	}
	return limited(groups, o, TypeSCIMGroup, "SCIM groups")
}

// Member is an organization member or invitation as sentry_member reads
// it.
type Member struct {
	ID string
	// Email is the address in Sentry's case.
	Email string
	// Role is the org role.
	Role    string
	Pending bool
	Expired bool
	// Teams are the member's teams, sorted by slug, with roles as
	// sentry_member reads them ([TeamRoleAsRead]). Nil when teams were not
	// asked for, or when the member is on a team the identity provider
	// manages through SCIM: the member's teams are then left out of the
	// configuration. Empty, not nil, for a member on no team.
	Teams []MemberTeam
	// Raw is Sentry's member as the members list sent it: without teams.
	Raw sentry.Member
}

// MemberTeam is one of a member's teams.
type MemberTeam struct {
	// Team is the team's slug.
	Team string
	// Role is "contributor" or "admin", or nil for the org role's implied
	// admin role.
	Role *string
}

// MemberOptions are the options of [Members].
type MemberOptions struct {
	// Query is Sentry's member search, applied by Sentry: "email:x",
	// "isInvited:true", "has2fa:false", free text.
	Query string
	// Role keeps only members with this org role (Sentry's role: search).
	Role string
	// Teams fills each member's Teams. Sentry's members list carries no
	// teams: they come from one team-members list per team (and per 100
	// members of a team), read before the first member is yielded.
	Teams bool
	Options
}

// Members lists the organization's members and invitations (pending and
// expired ones included), in Sentry's order (by id): one request per 100
// members, plus with Teams one teams list per 100 teams and one
// team-members list per team, never a read per member.
func Members(ctx context.Context, c *sentry.Client, org string, o MemberOptions) iter.Seq2[Member, error] {
	query := strings.TrimSpace(o.Query)
	if o.Role != "" {
		query = strings.TrimSpace("role:" + o.Role + " " + query)
	}
	members := func(yield func(Member, error) bool) {
		var teamsOf map[string][]MemberTeam
		var scimManaged map[string]bool
		if o.Teams {
			var err error
			if teamsOf, scimManaged, err = MemberTeams(ctx, ClientTeamLists(c), org, o.Options); err != nil {
				yield(Member{}, err)
				return
			}
		}
		for m, err := range c.Members(ctx, org, query) {
			if err != nil {
				yield(Member{}, err)
				return
			}
			out := Member{ID: m.ID, Email: MemberEmail(&m), Role: m.OrgRole, Pending: m.Pending, Expired: m.Expired, Raw: m}
			if o.Teams && !scimManaged[m.ID] {
				out.Teams = make([]MemberTeam, 0, len(teamsOf[m.ID]))
				for _, t := range teamsOf[m.ID] {
					out.Teams = append(out.Teams, MemberTeam{Team: t.Team, Role: TeamRoleAsRead(t.Role, m.OrgRole)})
				}
			}
			if !yield(out, nil) {
				return
			}
		}
	}
	return limited(members, o.Options, TypeMember, "members")
}

// TeamLists are an organization's teams list and its teams' member lists,
// which [MemberTeams] reads members' teams from. [ClientTeamLists] reads
// them from Sentry, one after another; the provider's data sources read
// them through the run's shared reads, which read each list once a run.
type TeamLists interface {
	// ListTeams is the organization's teams.
	ListTeams(ctx context.Context, org string) ([]sentry.Team, error)
	// MembersOfTeams is the member lists (with stored team roles) of the
	// teams with these slugs, by slug (none for a team deleted since the
	// teams list was read, see [TeamMembers]); done is called after each
	// list, one call at a time. An error names the team whose list failed.
	MembersOfTeams(ctx context.Context, org string, slugs []string, done func()) (map[string][]sentry.Member, error)
}

// ClientTeamLists reads the team lists through c, one request after
// another.
func ClientTeamLists(c *sentry.Client) TeamLists { return clientTeamLists{c} }

type clientTeamLists struct{ c *sentry.Client }

func (l clientTeamLists) ListTeams(ctx context.Context, org string) ([]sentry.Team, error) {
	return l.c.ListTeams(ctx, org)
}

func (l clientTeamLists) MembersOfTeams(ctx context.Context, org string, slugs []string, done func()) (map[string][]sentry.Member, error) {
	out := make(map[string][]sentry.Member, len(slugs))
	for _, slug := range slugs {
		members, err := TeamMembers(ctx, l.c, org, slug)
		if err != nil {
			return nil, fmt.Errorf("listing the members of team %q: %w", slug, err)
		}
		out[slug] = members
		done()
	}
	return out, nil
}

// TeamMembers is a team's member list, with stored team roles. A team
// deleted since the teams list was read has none: Sentry answers its list
// with 404, and an organization's teams change while they are read.
func TeamMembers(ctx context.Context, c *sentry.Client, org, team string) ([]sentry.Member, error) {
	members, err := c.ListTeamMembers(ctx, org, team)
	if sentry.IsNotFound(err) {
		return nil, nil
	}
	return members, err
}

// MemberTeams reads every team's member list, the only way to learn all
// members' teams without a read per member: each member's teams by member
// id, sorted by slug, with the stored roles, and the members on a SCIM
// team. It reads the teams list and one member list per team (and per 100
// members of a team), reporting "team members" progress.
func MemberTeams(ctx context.Context, lists TeamLists, org string, o Options) (map[string][]MemberTeam, map[string]bool, error) {
	teams, err := lists.ListTeams(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	slugs := make([]string, 0, len(teams))
	for _, t := range teams {
		slugs = append(slugs, t.Slug)
	}
	o.report(TypeMember, "team members", 0, len(teams))
	read := 0
	byTeam, err := lists.MembersOfTeams(ctx, org, slugs, func() {
		read++
		o.report(TypeMember, "team members", read, len(teams))
	})
	if err != nil {
		return nil, nil, err
	}
	teamsOf := make(map[string][]MemberTeam)
	scimManaged := make(map[string]bool)
	for _, t := range teams {
		for _, m := range byTeam[t.Slug] {
			teamsOf[m.ID] = append(teamsOf[m.ID], MemberTeam{Team: t.Slug, Role: m.TeamRole})
			if t.IDPProvisioned() {
				scimManaged[m.ID] = true
			}
		}
	}
	for _, ts := range teamsOf {
		slices.SortFunc(ts, func(a, b MemberTeam) int { return strings.Compare(a.Team, b.Team) })
	}
	return teamsOf, scimManaged, nil
}

// TeamProject is a team's link to a project, as sentry_team_project reads
// it.
type TeamProject struct {
	// Project is the project's slug.
	Project string
	// Team is the team's slug.
	Team string
}

// TeamProjectOptions are the options of [TeamProjects].
type TeamProjectOptions struct {
	// Team keeps only the links of the team with this slug.
	Team string
	// Project keeps only the links of the project with this slug.
	Project string
	Options
}

// TeamProjects lists the organization's team-project links, ordered by
// project slug, then team slug, from the organization's projects list,
// which carries each project's teams: one request per 100 projects. Team
// and Project filter on Sentry's side.
func TeamProjects(ctx context.Context, c *sentry.Client, org string, o TeamProjectOptions) iter.Seq2[TeamProject, error] {
	var terms []string
	if o.Project != "" {
		terms = append(terms, "slug:"+o.Project)
	}
	if o.Team != "" {
		terms = append(terms, "team:"+o.Team)
	}
	links := func(yield func(TeamProject, error) bool) {
		n := 0
		for p, err := range c.Projects(ctx, org, strings.Join(terms, " ")) {
			if err != nil {
				yield(TeamProject{}, err)
				return
			}
			n++
			o.report(TypeTeamProject, "projects", n, 0)
			// Sentry's search matches what it is given; check again, so a
			// filter never lets another project or team through.
			if o.Project != "" && p.Slug != o.Project {
				continue
			}
			slugs := make([]string, 0, len(p.Teams))
			for _, t := range p.Teams {
				if o.Team == "" || t.Slug == o.Team {
					slugs = append(slugs, t.Slug)
				}
			}
			slices.Sort(slugs)
			for _, s := range slices.Compact(slugs) {
				if !yield(TeamProject{Project: p.Slug, Team: s}, nil) {
					return
				}
			}
		}
	}
	return limited(links, o.Options, TypeTeamProject, "links")
}

// OrgAuthToken is an organization auth token as sentry_api_token reads it,
// without its value: Sentry shows a token's value only when it is created.
type OrgAuthToken struct {
	ID   string
	Name string
	// Raw is Sentry's token as its list sent it, without a value.
	Raw sentry.OrgAuthToken
}

// OrgAuthTokens lists the organization's auth tokens, ordered by id, in
// one request (Sentry does not page them). Today's Sentry answers any
// bearer token on that endpoint with 403 "Authentication credentials were
// not provided." (getsentry/sentry PR #99457: authentication_classes =
// (SessionNoAuthTokenAuthentication,) in
// src/sentry/api/endpoints/organization_auth_tokens.py); the listing then
// yields one [SkippedError], so that a whole-organization listing goes on
// with the other types.
func OrgAuthTokens(ctx context.Context, c *sentry.Client, org string, o Options) iter.Seq2[OrgAuthToken, error] {
	tokens := func(yield func(OrgAuthToken, error) bool) {
		list, err := c.ListOrgAuthTokens(ctx, org)
		if sentry.IsSessionOnly(err) {
			yield(OrgAuthToken{}, &SkippedError{Type: TypeOrgAuthToken, Err: err, Reason: fmt.Sprintf(
				"since 2025-09 on sentry.io and 25.10 self-hosted, only a signed-in browser session may list "+
					"organization auth tokens, so they are not imported and stay as they are in Sentry: manage them in "+
					"organization %q's settings (Developer Settings, Organization Tokens; Auth Tokens on older "+
					"releases) and watch them with the sentry_api_tokens data source", org)})
			return
		}
		if err != nil {
			yield(OrgAuthToken{}, err)
			return
		}
		slices.SortFunc(list, func(a, b sentry.OrgAuthToken) int { return compareIDs(a.ID, b.ID) })
		for _, t := range list {
			t.Token = ""
			if !yield(OrgAuthToken{ID: t.ID, Name: t.Name, Raw: t}, nil) {
				return
			}
		}
	}
	return limited(tokens, o, TypeOrgAuthToken, "tokens")
}

// compareIDs orders Sentry's numeric ids as numbers.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// SCIMTeamSlugs returns the slugs of the organization's teams made through
// SCIM, whose membership belongs to the identity provider: one teams list.
func SCIMTeamSlugs(ctx context.Context, c *sentry.Client, org string) (map[string]bool, error) {
	teams, err := c.ListTeams(ctx, org)
	if err != nil {
		return nil, err
	}
	slugs := make(map[string]bool)
	for _, t := range teams {
		if t.IDPProvisioned() {
			slugs[t.Slug] = true
		}
	}
	return slugs, nil
}

// OnSCIMTeam reports whether any of a member's teams is one of scimTeams.
func OnSCIMTeam(m *sentry.Member, scimTeams map[string]bool) bool {
	for _, tr := range m.TeamRoles {
		if scimTeams[tr.TeamSlug] {
			return true
		}
	}
	for _, slug := range m.Teams {
		if scimTeams[slug] {
			return true
		}
	}
	return false
}
