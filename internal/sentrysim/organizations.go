package sentrysim

import (
	"slices"
	"strconv"
)

// organizationBody is Sentry's OrganizationSerializer, as team details
// embed it.
func organizationBody(c *call, org *organization) object {
	base := "http://" + c.r.Host
	if c.r.TLS != nil {
		base = "https://" + c.r.Host
	}
	features := make([]string, 0, len(org.features))
	for name, on := range org.features {
		if on {
			features = append(features, name)
		}
	}
	slices.Sort(features)
	return object{
		{"id", strconv.FormatInt(org.id, 10)},
		{"slug", org.slug},
		{"status", object{{"id", "active"}, {"name", "active"}}},
		{"name", org.name},
		{"dateCreated", sentryTime(org.dateCreated)},
		{"isEarlyAdopter", org.earlyAdopter},
		{"require2FA", org.require2FA},
		{"requireEmailVerification", false},
		{"avatar", object{{"avatarType", "letter_avatar"}, {"avatarUuid", nil}, {"avatarUrl", nil}}},
		{"allowMemberInvite", !org.disableMemberInvite},
		{"allowMemberProjectCreation", !org.disableMemberProjectCreation},
		{"allowSuperuserAccess", !org.preventSuperuserAccess},
		{"links", object{{"organizationUrl", base}, {"regionUrl", base}}},
		{"hasAuthProvider", org.hasAuthProvider()},
		{"features", features},
	}
}
