package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

func TestAccOrganizationAuthDataSource(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "the test sets up an SSO provider")
	const config = "\ndata \"sentry_organization_auth\" \"sso\" {}\n"
	at := func(attr string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("data.sentry_organization_auth.sso", tfjsonpath.New(attr), v)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				// No provider: empty values, not an error.
				Config: env.providerConfig(t, "member") + config,
				ConfigStateChecks: []statecheck.StateCheck{
					at("has_provider", knownvalue.Bool(false)),
					at("provider_name", knownvalue.StringExact("")),
					at("pending_links_count", knownvalue.Int64Exact(0)),
				},
			},
			{
				PreConfig: func() {
					provider, required, linked := "okta", true, true
					if _, err := env.sim.SetOrgSettings(env.org, sentrysim.OrgSettings{SSOProvider: &provider, SSORequired: &required}); err != nil {
						t.Fatal(err)
					}
					if err := env.sim.SetMemberPosture(env.org, sentrysim.MemberPosture{Email: "owner@acme.example", SSOLinked: &linked}); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.providerConfig(t, "member") + config,
				ConfigStateChecks: []statecheck.StateCheck{
					at("has_provider", knownvalue.Bool(true)),
					at("provider_name", knownvalue.StringExact("okta")),
					at("require_link", knownvalue.Bool(true)),
					at("scim_enabled", knownvalue.Bool(true)),
					// The manager and the member have not linked.
					at("pending_links_count", knownvalue.Int64Exact(2)),
					at("default_role", knownvalue.StringExact("member")),
				},
			},
		},
	})
}
