package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func TestAccMember_asManager(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	env.token(t, "manager")
	env.createTeams(t, pfx+"-payments")
	email := pfx + "-mia@acme.example"
	c := env.client(t, "owner")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps: []resource.TestStep{
			{
				Config:           memberConfig(env, t, "manager", email, "member", memberTeams(pfx+"-payments=contributor")),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				Config:           memberConfig(env, t, "manager", email, "member", memberTeams(pfx+"-payments=admin")),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            memberHasTeams(env, c, email, map[string]string{pfx + "-payments": "admin"}),
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
				Config:      memberConfig(env, t, "manager", email, "owner", memberTeams(pfx+"-payments=admin")),
				ExpectError: regexp.MustCompile(`(?s)Role Above the Token's Role.*a manager cannot make\s+owners`),
			},
			{
				// Nothing was changed by the refused request.
				Config:           memberConfig(env, t, "manager", email, "member", memberTeams(pfx+"-payments=admin")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccMember_asMember(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	env.token(t, "member")
	email := pfx + "-noah@acme.example"
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
	env := newAccEnv(t, legacyOrgTokens)
	ctx := context.Background()
	owner := env.client(t, "owner")
	// A member invited behind Terraform's back, and an organization auth
	// token, both made for this test and removed after it.
	email := randomEmail()
	invite, err := owner.InviteMember(ctx, env.org, sentry.InviteMemberRequest{Email: email, OrgRole: "member"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.DeleteMember(ctx, env.org, invite.ID) })
	orgToken, err := owner.CreateOrgAuthToken(ctx, env.org, randomName())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.DeleteOrgAuthToken(ctx, env.org, orgToken.ID) })
	orgTokenProvider := fmt.Sprintf("provider \"sentry\" {\n  base_url     = %q\n  auth_token   = %q\n  organization = %q\n}\n",
		env.baseURL, orgToken.Token, env.org)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				// Already a member: the error gives the exact import command.
				Config: memberConfig(env, t, "owner", email, "member", ""),
				ExpectError: wrappedText(email + ` is already invited to or a member of organization "` + env.org + `". ` +
					`Bring the existing member under Terraform with: terraform import <resource address> ` + env.org + `/` + email),
			},
			{
				// An organization auth token cannot manage members.
				Config:      orgTokenProvider + fmt.Sprintf(`resource "sentry_member" "test" { email = %q }`, randomEmail()),
				ExpectError: regexp.MustCompile(`(?s)Unable to Invite Member.*403 Forbidden.*user auth token with member:admin`),
			},
		},
	})
}

func TestAccMember_ownRole(t *testing.T) {
	env := newAccEnv(t)
	env.token(t, "manager")
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

// TestAccMember_identityProviderManaged checks the refusal to remove a
// member the identity provider manages. The member is provisioned the way
// an identity provider does it, through SCIM (which marks it
// idp:provisioned), and imported; the test skips where there is no SCIM
// token.
func TestAccMember_identityProviderManaged(t *testing.T) {
	env := newSCIMEnv(t)
	ctx := context.Background()
	email := randomEmail()
	user, err := env.scimClient.CreateSCIMUser(ctx, env.org, email, "member")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.scimClient.DeleteSCIMUser(context.Background(), env.org, user.ID) })
	// Sentry flags a member made through SCIM idp:provisioned, which the
	// refusal below rests on.
	m, err := env.client(t, "owner").GetMember(ctx, env.org, user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !m.IDPProvisioned() {
		t.Fatalf("a member made through SCIM should be flagged idp:provisioned: %v", m.Flags)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps: []resource.TestStep{
			{
				Config:             memberConfig(env.accEnv, t, "owner", email, "member", ""),
				ResourceName:       "sentry_member.test",
				ImportState:        true,
				ImportStateId:      env.org + "/" + email,
				ImportStatePersist: true,
			},
			{
				// Imported as the identity provider made it.
				Config: memberConfig(env.accEnv, t, "owner", email, "member", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.TestCheckResourceAttr("sentry_member.test", "id", user.ID),
			},
			{
				// Removing a member the identity provider manages.
				Config: env.providerConfig(t, "owner"),
				ExpectError: wrappedText(`This user is managed through your organization's identity provider. ` +
					`The organization's identity provider manages this through SCIM`),
			},
			{
				// The identity provider removes it; the refresh notices.
				PreConfig: func() {
					if err := env.scimClient.DeleteSCIMUser(ctx, env.org, user.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.providerConfig(t, "owner"),
			},
		},
	})
}
