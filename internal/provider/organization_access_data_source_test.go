package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccOrganizationAccessDataSource reads the settings as a member
// (org:read), before and after they change in Sentry.
func TestAccOrganizationAccessDataSource(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "the test changes the organization's settings")
	const config = "\ndata \"sentry_organization_access\" \"live\" {}\n"
	at := func(attr string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("data.sentry_organization_access.live", tfjsonpath.New(attr), v)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				// Sentry's defaults for a new organization.
				Config: env.providerConfig(t, "member") + config,
				ConfigStateChecks: []statecheck.StateCheck{
					at("id", knownvalue.StringExact(env.org)),
					at("organization", knownvalue.StringExact(env.org)),
					at("open_membership", knownvalue.Bool(true)),
					at("events_member_admin", knownvalue.Bool(true)),
					at("default_role", knownvalue.StringExact("member")),
				},
			},
			{
				PreConfig: func() {
					setOrg(t, env, map[string]any{"openMembership": false, "eventsMemberAdmin": false, "debugFilesRole": "manager"})
				},
				Config: env.providerConfig(t, "member") + config,
				ConfigStateChecks: []statecheck.StateCheck{
					at("open_membership", knownvalue.Bool(false)),
					at("events_member_admin", knownvalue.Bool(false)),
					at("debug_files_role", knownvalue.StringExact("manager")),
				},
			},
		},
	})
}
