package inventory

import (
	"slices"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

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
// role is Sentry's null.
func EffectiveTeamRole(stored *string, orgRole string) string {
	if stored != nil && *stored == TeamRoleAdmin {
		return TeamRoleAdmin
	}
	return MinTeamRole(orgRole)
}

// TeamRoleAsRead is a member's team role as sentry_member reads it when
// the configuration says nothing about it (after an import): nil, which
// configuration leaves out, for an admin's, manager's or owner's implied
// admin role; the effective role otherwise, since a contributor's role and
// a member's admin role tell something.
func TeamRoleAsRead(stored *string, orgRole string) *string {
	effective := EffectiveTeamRole(stored, orgRole)
	if MinTeamRole(orgRole) == effective && effective != TeamRoleContributor {
		return nil
	}
	return &effective
}

// MemberEmail is the member's address as the provider reads it: the
// invitation's, in Sentry's case, else the user's.
func MemberEmail(m *sentry.Member) string {
	if m.Email == "" && m.User != nil {
		return m.User.Email
	}
	return m.Email
}
