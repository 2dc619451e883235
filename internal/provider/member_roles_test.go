package provider

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func TestAccMember_asManager(t *testing.T) {
	env := newAccEnv(t)
	env.createTeams(t, "tf-payments")
	email := "mia@acme.example"
	c := env.client(t, "owner")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps: []resource.TestStep{
			{
				Config:           memberConfig(env, t, "manager", email, "member", memberTeams("tf-payments=contributor")),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				Config:           memberConfig(env, t, "manager", email, "member", memberTeams("tf-payments=admin")),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            memberHasTeams(env, c, email, map[string]string{"tf-payments": "admin"}),
			},
			{
				ResourceName:            "sentry_member.test",
				ImportState:             true,
				ImportStateId:           env.org + "/" + email,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"send_invite"},
			},
			{
				// A manager cannot make an owner.
				Config:      memberConfig(env, t, "manager", email, "owner", memberTeams("tf-payments=admin")),
				ExpectError: regexp.MustCompile(`(?s)Role Above the Token's Role.*a manager cannot make\s+owners`),
			},
			{
				// Nothing was changed by the refused request.
				Config:           memberConfig(env, t, "manager", email, "member", memberTeams("tf-payments=admin")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccMember_asMember(t *testing.T) {
	env := newAccEnv(t)
	email := "noah@acme.example"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps: []resource.TestStep{
			{
				Config:           memberConfig(env, t, "owner", email, "member", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				// A member's token can read members: the plan is empty.
				Config:             memberConfig(env, t, "member", email, "member", ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: false,
			},
			{
				ResourceName:            "sentry_member.test",
				Config:                  memberConfig(env, t, "member", email, "member", ""),
				ImportState:             true,
				ImportStateId:           env.org + "/" + email,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"send_invite"},
			},
			{
				// ...but not change them.
				Config:      memberConfig(env, t, "member", email, "manager", ""),
				ExpectError: regexp.MustCompile(`(?s)Role Above the Token's Role.*a member cannot make\s+managers`),
			},
			{
				Config:           memberConfig(env, t, "owner", email, "member", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
		},
	})
}

func TestAccMember_errors(t *testing.T) {
	env := newAccEnv(t)
	if env.sim == nil {
		t.Fatal("this test uses the emulator's organization token and SCIM controls")
	}
	orgTokenProvider := strings.Replace(env.providerConfig(t, "owner"), env.token(t, "owner"), env.sim.OrgCIToken(env.org), 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				// Already a member: the error gives the exact import command.
				Config: memberConfig(env, t, "owner", "member@acme.example", "member", ""),
				ExpectError: wrappedText(`member@acme.example is already invited to or a member of organization "acme". ` +
					`Bring the existing member under Terraform with: terraform import <resource address> acme/member@acme.example`),
			},
			{
				// An organization auth token cannot manage members.
				Config:      orgTokenProvider + `resource "sentry_member" "test" { email = "x@acme.example" }`,
				ExpectError: regexp.MustCompile(`(?s)Unable to Invite Member.*403 Forbidden.*user auth token with member:admin`),
			},
		},
	})
}

func TestAccMember_ownRole(t *testing.T) {
	env := newAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:             memberConfig(env, t, "manager", "manager@acme.example", "manager", ""),
				ResourceName:       "sentry_member.test",
				ImportState:        true,
				ImportStateId:      env.org + "/manager@acme.example",
				ImportStatePersist: true,
			},
			{
				Config:      memberConfig(env, t, "manager", "manager@acme.example", "member", ""),
				ExpectError: regexp.MustCompile(`(?s)Cannot Change Own Role.*Use another owner's or manager's token`),
			},
			{
				// An owner's token cleans up.
				Config:           memberConfig(env, t, "owner", "manager@acme.example", "manager", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
		},
	})
}

func TestAccMember_identityProviderManaged(t *testing.T) {
	env := newAccEnv(t)
	if env.sim == nil {
		t.Fatal("this test marks a member as provisioned with the emulator's controls")
	}
	email := "idp@acme.example"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps: []resource.TestStep{
			{
				Config: memberConfig(env, t, "owner", email, "member", ""),
				Check: func(*terraform.State) error {
					return env.sim.SetMemberProvisioned(env.org, email, true)
				},
			},
			{
				// Removing a member the identity provider manages.
				Config: env.providerConfig(t, "owner"),
				ExpectError: wrappedText(`This user is managed through your organization's identity provider. ` +
					`The organization's identity provider manages this through SCIM`),
			},
			{
				PreConfig: func() {
					if err := env.sim.SetMemberProvisioned(env.org, email, false); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.providerConfig(t, "owner"),
			},
		},
	})
}
