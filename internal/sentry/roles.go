package sentry

import "slices"

// Sentry's role rules, as the provider relies on them. Org roles are
// SENTRY_ROLES in src/sentry/conf/server.py (plus "billing" on sentry.io);
// each org role's minimumTeamRole is there too, read through
// src/sentry/roles/manager.py.

// OrgRoles are Sentry's organization roles.
var OrgRoles = []string{"member", "admin", "manager", "owner", "billing"}

// Sentry's team roles.
const (
	TeamRoleContributor = "contributor"
	TeamRoleAdmin       = "admin"
)

// orgRolesWithTeamAdmin are the org roles whose minimum team role is admin:
// they are team admins on every team they join.
var orgRolesWithTeamAdmin = []string{"admin", "manager", "owner"}

// MinTeamRole is the team role an org role gives on every team: admin for
// admins, managers and owners, contributor for the others.
func MinTeamRole(orgRole string) string {
	if slices.Contains(orgRolesWithTeamAdmin, orgRole) {
		return TeamRoleAdmin
	}
	return TeamRoleContributor
}

// EffectiveTeamRole is the role a member holds on a team: the stored role
// when it is above the org role's minimum, else the minimum. A nil stored
// role is Sentry's null. (OrganizationMemberTeam.get_team_role in
// src/sentry/models/organizationmemberteam.py.)
func EffectiveTeamRole(stored *string, orgRole string) string {
	if stored != nil && *stored == TeamRoleAdmin {
		return TeamRoleAdmin
	}
	return MinTeamRole(orgRole)
}
