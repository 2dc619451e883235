package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// TestMembersQueryTypedFilters: each typed filter becomes Sentry's search
// term.
func TestMembersQueryTypedFilters(t *testing.T) {
	scopes, _ := types.SetValueFrom(context.Background(), types.StringType, []string{"member:admin", "org:admin"})
	cases := []struct {
		model membersDataModel
		want  string
	}{
		{membersDataModel{Has2FA: types.BoolValue(true)}, "has2fa:true"},
		{membersDataModel{Has2FA: types.BoolValue(false)}, "has2fa:false"},
		{membersDataModel{SSOLinked: types.BoolValue(false)}, "ssoLinked:false"},
		{membersDataModel{Pending: types.BoolValue(true)}, "isInvited:true"},
		{membersDataModel{Scopes: scopes}, "scope:member:admin scope:org:admin"},
		{membersDataModel{Role: types.StringValue("owner"), Has2FA: types.BoolValue(true), SSOLinked: types.BoolValue(true),
			Query: types.StringValue("ann")}, "role:owner has2fa:true ssoLinked:true ann"},
	}
	for _, c := range cases {
		if c.model.Scopes.IsNull() || c.model.Scopes.ElementType(context.Background()) == nil {
			c.model.Scopes = types.SetNull(types.StringType)
		}
		if got := membersQuery(c.model); got != c.want {
			t.Errorf("membersQuery = %q, want %q", got, c.want)
		}
	}
}

// TestAccMembersDataSource_posture: each member's 2FA, SSO link, SCIM
// flags, sign-in times and invitation age come from what Sentry sends, and
// the typed filters narrow the list the way Sentry's search does.
func TestAccMembersDataSource_posture(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "members who joined, their 2FA, SSO links and sign-in times are set through the emulator's controls")
	pfx := randomName()
	ann, bob, cat, inv := pfx+"-ann@acme.example", pfx+"-bob@acme.example", pfx+"-cat@acme.example", pfx+"-inv@acme.example"
	lastLogin := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	lastActive := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	yes, no := true, false
	for email, role := range map[string]string{ann: "owner", bob: "member", cat: "manager"} {
		if _, err := env.sim.AddMember(env.org, email, role); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []sentrysim.MemberPosture{
		{Email: ann, Has2FA: &yes, SSOLinked: &yes, LastLogin: &lastLogin, LastActive: &lastActive},
		{Email: bob, Has2FA: &no, SSOLinked: &no},
		{Email: cat, Has2FA: &no, SSOLinked: &yes},
	} {
		if err := env.sim.SetMemberPosture(env.org, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.sim.SetMemberProvisioned(env.org, bob, true); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client(t, "owner").InviteMember(context.Background(), env.org,
		sentry.InviteMemberRequest{Email: inv, OrgRole: "member"}); err != nil {
		t.Fatal(err)
	}
	// Narrow every read to this test's members.
	query := fmt.Sprintf("  query = %q\n", pfx)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				// Scopes are checked at plan time.
				Config:      membersDataConfig(env, t, query+`  scopes = ["member:delete"]`),
				ExpectError: regexp.MustCompile(`value must be one of`),
				PlanOnly:    true,
			},
			{
				Config: membersDataConfig(env, t, query),
				Check: func(s *terraform.State) error {
					got, err := dataMembers(s)
					if err != nil {
						return err
					}
					want := map[string]map[string]string{
						ann: {"has_2fa": "true", "sso_linked": "true", "idp_provisioned": "false", "idp_role_restricted": "false",
							"last_login": "2024-01-02T03:04:05Z", "last_active": "2024-02-03T04:05:06Z", "invite_status": "approved"},
						bob: {"has_2fa": "false", "sso_linked": "false", "idp_provisioned": "true", "invite_status": "approved"},
						cat: {"has_2fa": "false", "sso_linked": "true", "idp_provisioned": "false"},
						inv: {"sso_linked": "false", "invite_status": "approved", "invite_age_days": "0", "pending": "true"},
					}
					for email, attrs := range want {
						for k, v := range attrs {
							if got[email][k] != v {
								return fmt.Errorf("%s: %s = %q, want %q (%v)", email, k, got[email][k], v, got[email])
							}
						}
					}
					for _, k := range []string{"has_2fa", "last_login", "last_active"} {
						if v, ok := got[inv][k]; ok {
							return fmt.Errorf("the invitation's %s = %q, want null", k, v)
						}
					}
					for _, k := range []string{"last_login", "last_active", "invite_age_days"} {
						if v, ok := got[bob][k]; ok {
							return fmt.Errorf("bob's %s = %q, want null", k, v)
						}
					}
					return nil
				},
			},
			{
				Config: membersDataConfig(env, t, query+"  has_2fa = true"),
				Check:  expectMembers(ann),
			},
			{
				// Sentry answers has2fa:false with every joined member; the
				// provider keeps those without 2FA.
				Config: membersDataConfig(env, t, query+"  has_2fa = false"),
				Check:  expectMembers(bob, cat),
			},
			{
				Config: membersDataConfig(env, t, query+"  sso_linked = false"),
				Check:  expectMembers(bob, inv),
			},
			{
				Config: membersDataConfig(env, t, query+"  sso_linked = true\n  has_2fa = false"),
				Check:  expectMembers(cat),
			},
			{
				Config: membersDataConfig(env, t, query+`  scopes = ["member:admin"]`),
				Check:  expectMembers(ann, cat),
			},
			{
				Config: membersDataConfig(env, t, query+`  scopes = ["org:admin", "member:invite"]`),
				Check:  expectMembers(ann, bob, cat, inv),
			},
		},
	})
}
