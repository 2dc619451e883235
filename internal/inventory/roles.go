package inventory

import (
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// TeamRoleAsRead is a member's team role as sentry_member reads it when
// the configuration says nothing about it (after an import): nil, which
// configuration leaves out, for an admin's, manager's or owner's implied
// admin role; the effective role otherwise, since a contributor's role and
// a member's admin role tell something.
func TeamRoleAsRead(stored *string, orgRole string) *string {
	effective := sentry.EffectiveTeamRole(stored, orgRole)
	if sentry.MinTeamRole(orgRole) == effective && effective != sentry.TeamRoleContributor {
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
