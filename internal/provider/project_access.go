package provider

import (
	"slices"
	"strings"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// How a person reaches a project without a team, as global_reason says.
const (
	globalReasonOrgRole        = "org_role"
	globalReasonOpenMembership = "open_membership"
)

// globalOrgRoles are the org roles marked is_global in Sentry's roles
// configuration (SENTRY_ROLES in src/sentry/conf/server.py): they reach
// every team and project.
var globalOrgRoles = []string{"manager", "owner"}

// orgRolesWithoutProjectRead are org roles whose scopes lack project:read,
// so that no path lets them read a project, open membership or not.
// Open membership does give a billing member global access
// (OrganizationMemberAccess in src/sentry/auth/access.py sets
// has_global_access from allow_joinleave whatever the role, so
// has_project_access is true), but ProjectPermission.has_object_permission
// (src/sentry/api/bases/project.py) also wants one of project:read,
// project:write or project:admin: from the org role's scopes
// (OrganizationPermission's has_scope), or through has_any_project_scope
// from a team role on one of the project's teams. Billing's scopes are
// org:billing alone (the role is SaaS's; Sentry's own SENTRY_ROLES in
// src/sentry/conf/server.py does not define it) and it may not hold team
// roles (is_team_roles_allowed), so neither path opens.
var orgRolesWithoutProjectRead = []string{"billing"}

// accessRules are the organization's settings that decide access.
type accessRules struct {
	// openMembership is allow_joinleave.
	openMembership bool
	// teamRoles is the "team-roles" feature: without it a team role adds
	// nothing to the org role's scopes.
	teamRoles bool
}

// accessTeam is one of a person's teams among a project's teams.
type accessTeam struct {
	Team string
	// Role is the effective team role, contributor or admin.
	Role string
}

// accessEntry is one person who reaches a project.
type accessEntry struct {
	Email, UserID, OrgRole string
	// EffectiveRole is the person's role on the project: the highest team
	// role the paths give.
	EffectiveRole string
	// GlobalReason is globalReasonOrgRole or globalReasonOpenMembership
	// for global access, "" without.
	GlobalReason string
	// Teams are the person's teams among the project's teams, by slug.
	Teams []accessTeam
}

// projectAccessOf computes who reaches a project with the teams
// projectTeams, the way src/sentry/auth/access.py does:
//
//   - has_global_access is organization.flags.allow_joinleave or the org
//     role's is_global; with it, has_project_access is true for every
//     active project of the organization;
//   - otherwise has_project_access is membership of one of the project's
//     teams (project_ids_with_team_membership: active OrganizationMemberTeam
//     rows of active teams);
//   - access needs a member with a user (from_user/from_member): pending
//     invitations reach nothing, whatever teams they were invited to;
//   - a team role gives scopes on the project's teams only with the
//     team-roles feature (has_any_project_scope), and never below the org
//     role's minimum team role (roles/manager.py, minimumTeamRole).
//
// everyone are the members that may have global access (the whole list,
// or only owners and managers when open membership is off); teamMembers
// are the member lists of the project's teams by slug, with stored team
// roles. Entries come sorted by email.
func projectAccessOf(rules accessRules, projectTeams []string, everyone []sentry.Member, teamMembers map[string][]sentry.Member) []accessEntry {
	byID := make(map[string]*accessEntry)
	reaches := func(m *sentry.Member) bool {
		return !m.Pending && m.User != nil && !slices.Contains(orgRolesWithoutProjectRead, m.OrgRole)
	}
	entryOf := func(m *sentry.Member) *accessEntry {
		e := byID[m.ID]
		if e == nil {
			e = &accessEntry{Email: inventory.MemberEmail(m), UserID: m.User.ID, OrgRole: m.OrgRole,
				EffectiveRole: sentry.MinTeamRole(m.OrgRole), Teams: []accessTeam{}}
			switch {
			case slices.Contains(globalOrgRoles, m.OrgRole):
				e.GlobalReason = globalReasonOrgRole
			case rules.openMembership:
				e.GlobalReason = globalReasonOpenMembership
			}
			byID[m.ID] = e
		}
		return e
	}
	teams := slices.Clone(projectTeams)
	slices.Sort(teams)
	for _, slug := range slices.Compact(teams) {
		for i := range teamMembers[slug] {
			m := &teamMembers[slug][i]
			if !reaches(m) {
				continue
			}
			e := entryOf(m)
			role := sentry.MinTeamRole(m.OrgRole)
			if rules.teamRoles {
				role = sentry.EffectiveTeamRole(m.TeamRole, m.OrgRole)
			}
			e.Teams = append(e.Teams, accessTeam{Team: slug, Role: role})
			if role == sentry.TeamRoleAdmin {
				e.EffectiveRole = sentry.TeamRoleAdmin
			}
		}
	}
	for i := range everyone {
		m := &everyone[i]
		if !reaches(m) || (!rules.openMembership && !slices.Contains(globalOrgRoles, m.OrgRole)) {
			continue
		}
		entryOf(m)
	}
	out := make([]accessEntry, 0, len(byID))
	for _, e := range byID {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b accessEntry) int {
		if c := strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email)); c != 0 {
			return c
		}
		return strings.Compare(a.UserID, b.UserID)
	})
	return out
}
