package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func memberGone(ctx context.Context, c *sentry.Client, rs *terraform.ResourceState) error {
	_, err := c.GetMember(ctx, rs.Primary.Attributes["organization"], rs.Primary.ID)
	if sentry.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("member %s still exists", rs.Primary.ID)
}

// memberTeams renders a teams attribute from "slug=role" pairs; an empty
// role leaves it out (null).
func memberTeams(pairs ...string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(", ")
		}
		slug, role, _ := strings.Cut(p, "=")
		if role == "" {
			fmt.Fprintf(&b, "{ team = %q }", slug)
		} else {
			fmt.Fprintf(&b, "{ team = %q, role = %q }", slug, role)
		}
	}
	b.WriteString("]")
	return b.String()
}

func memberConfig(env *accEnv, t *testing.T, actor, email, role, teams string) string {
	teamsLine := ""
	if teams != "" {
		teamsLine = "  teams = " + teams + "\n"
	}
	return env.providerConfig(t, actor) + fmt.Sprintf(`
resource "sentry_member" "test" {
  email = %q
  role  = %q
%s}
`, email, role, teamsLine)
}

func TestAccMember_lifecycle(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	env.createTeams(t, pfx+"-payments", pfx+"-identity")
	email := pfx + "-dana@acme.example"
	c := env.client(t, "owner")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps: []resource.TestStep{
			{
				// Invited with teams: roles are set after the invitation.
				Config:           memberConfig(env, t, "owner", email, "member", memberTeams(pfx+"-payments=contributor", pfx+"-identity=")),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("sentry_member.test", tfjsonpath.New("pending"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("sentry_member.test", tfjsonpath.New("expired"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("sentry_member.test", tfjsonpath.New("user_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue("sentry_member.test", tfjsonpath.New("invite_status"), knownvalue.StringExact("approved")),
					statecheck.ExpectKnownValue("sentry_member.test", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))),
				},
				Check: memberHasTeams(env, c, email, map[string]string{pfx + "-payments": "contributor", pfx + "-identity": "contributor"}),
			},
			{
				// Contributor to team admin: one update, in place.
				Config: memberConfig(env, t, "owner", email, "member", memberTeams(pfx+"-payments=admin", pfx+"-identity=")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_member.test", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: memberHasTeams(env, c, email, map[string]string{pfx + "-payments": "admin", pfx + "-identity": "contributor"}),
			},
			{
				// And back, and off one team.
				Config:           memberConfig(env, t, "owner", email, "member", memberTeams(pfx+"-payments=contributor")),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            memberHasTeams(env, c, email, map[string]string{pfx + "-payments": "contributor"}),
			},
			{
				// Promoted to manager: Sentry stores null for the implied admin
				// role, which must not show as a change.
				Config:           memberConfig(env, t, "owner", email, "manager", memberTeams(pfx+"-payments=admin")),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            memberHasTeams(env, c, email, map[string]string{pfx + "-payments": "admin"}),
			},
			{
				Config:           memberConfig(env, t, "owner", email, "manager", memberTeams(pfx+"-payments=")),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				ResourceName:            "sentry_member.test",
				ImportState:             true,
				ImportStateId:           env.org + "/" + email,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"send_invite"},
			},
			{
				ResourceName: "sentry_member.test",
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return env.org + "/" + s.RootModule().Resources["sentry_member.test"].Primary.ID, nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"send_invite"},
			},
		},
	})
}

// memberHasTeams checks the member's effective team roles in Sentry.
func memberHasTeams(env *accEnv, c *sentry.Client, email string, want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		m, err := c.GetMember(ctx, env.org, s.RootModule().Resources["sentry_member.test"].Primary.ID)
		if err != nil {
			return err
		}
		if !strings.EqualFold(m.Email, email) {
			return fmt.Errorf("member is %q, want %q", m.Email, email)
		}
		got := map[string]string{}
		for _, tr := range m.TeamRoles {
			got[tr.TeamSlug] = sentry.EffectiveTeamRole(tr.Role, m.OrgRole)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("member's teams in Sentry are %v, want %v", got, want)
		}
		return nil
	}
}

// acceptInviteStep accepts the member's invitation in Sentry and expects
// the computed attributes to follow with nothing planned. Only the emulator
// can accept an invitation; live runs leave the step out.
func acceptInviteStep(env *accEnv, t *testing.T, email, config string) []resource.TestStep {
	if env.sim == nil {
		return nil
	}
	return []resource.TestStep{{
		PreConfig: func() {
			if _, err := env.sim.AcceptInvite(env.org, email); err != nil {
				t.Fatal(err)
			}
		},
		Config:           config,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("sentry_member.test", tfjsonpath.New("pending"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue("sentry_member.test", tfjsonpath.New("user_id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))),
		},
	}}
}

func TestAccMember_drift(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	env.createTeams(t, pfx+"-payments", pfx+"-identity")
	email := pfx + "-drift@acme.example"
	c := env.client(t, "owner")
	ctx := context.Background()
	config := memberConfig(env, t, "owner", email, "member", memberTeams(pfx+"-payments=admin"))
	var memberID string
	steps := []resource.TestStep{
		{
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: func(s *terraform.State) error {
				memberID = s.RootModule().Resources["sentry_member.test"].Primary.ID
				return nil
			},
		},
		{
			// Role and teams changed in Sentry: plan puts them back in place.
			PreConfig: func() {
				role := "manager"
				teams := []sentry.MemberTeamRole{{TeamSlug: pfx + "-identity"}}
				if _, err := c.UpdateMember(ctx, env.org, memberID, sentry.UpdateMemberRequest{OrgRole: &role, TeamRoles: &teams}); err != nil {
					t.Fatal(err)
				}
			},
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("sentry_member.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("sentry_member.test", tfjsonpath.New("role"), knownvalue.StringExact("member")),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: memberHasTeams(env, c, email, map[string]string{pfx + "-payments": "admin"}),
		},
	}
	steps = append(steps, acceptInviteStep(env, t, email, config)...)
	steps = append(steps, resource.TestStep{
		// Removed in Sentry: a warning, and the member is invited again.
		PreConfig: func() {
			if err := c.DeleteMember(ctx, env.org, memberID); err != nil {
				t.Fatal(err)
			}
		},
		Config: config,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_member.test", plancheck.ResourceActionCreate)},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps:                    steps,
	})
}

func TestAccMember_teamsLeftAlone(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	env.createTeams(t, pfx+"-payments")
	email := pfx + "-free@acme.example"
	c := env.client(t, "owner")
	ctx := context.Background()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps: []resource.TestStep{
			{
				Config:           memberConfig(env, t, "owner", email, "member", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				// Joining a team elsewhere is not drift when teams is left out.
				PreConfig: func() {
					id := ""
					members, err := c.ListMembers(ctx, env.org, "email:"+email)
					if err != nil || len(members) != 1 {
						t.Fatalf("finding the member: %v (%d found)", err, len(members))
					}
					id = members[0].ID
					if _, err := c.AddTeamMember(ctx, env.org, id, pfx+"-payments"); err != nil {
						t.Fatal(err)
					}
				},
				Config:           memberConfig(env, t, "owner", email, "member", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            memberHasTeams(env, c, email, map[string]string{pfx + "-payments": "contributor"}),
			},
			{
				// A role change keeps the teams Terraform does not manage.
				Config:           memberConfig(env, t, "owner", email, "manager", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            memberHasTeams(env, c, email, map[string]string{pfx + "-payments": "admin"}),
			},
			{
				// teams = [] takes the member off every team.
				Config:           memberConfig(env, t, "owner", email, "manager", "[]"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            memberHasTeams(env, c, email, map[string]string{}),
			},
		},
	})
}

func TestAccMember_planTimeValidation(t *testing.T) {
	env := newAccEnv(t)
	cases := []struct {
		email, role, teams string
		want               *regexp.Regexp
	}{
		{email: "not-an-address", role: "member", want: wrappedText(`"not-an-address" is not an email address`)},
		{email: "Jane <jane@example.com>", role: "member", want: wrappedText(`without a display name`)},
		{email: "a@example.com", role: "superuser", want: regexp.MustCompile(`value must be one of`)},
		{email: "a@example.com", role: "member", teams: memberTeams("x=owner"), want: wrappedText(`value must be one of: ["contributor" "admin"]`)},
		{email: "a@example.com", role: "member", teams: memberTeams("Bad Team=admin"), want: regexp.MustCompile(`does not match Sentry's slug rule`)},
		{email: "a@example.com", role: "member", teams: memberTeams("x=admin", "x=contributor"), want: wrappedText(`The team "x" appears more than once`)},
		{email: "a@example.com", role: "owner", teams: memberTeams("x=contributor"), want: wrappedText(`makes them a team admin on every team they join`)},
		{email: "a@example.com", role: "manager", teams: memberTeams("x=contributor"), want: wrappedText(`cannot make them a contributor on "x"`)},
		{email: "a@example.com", role: "billing", teams: memberTeams("x="), want: wrappedText(`Sentry does not put billing members on teams`)},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      memberConfig(env, t, "owner", tc.email, tc.role, tc.teams),
			PlanOnly:    true,
			ExpectError: tc.want,
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProviders, Steps: steps})
}
