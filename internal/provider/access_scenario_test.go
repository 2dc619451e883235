package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// scenarioConfig is an organization's access control: four domain teams
// and a contractor team, the projects each team owns, and members with
// org and team roles. janeRole is Jane's role on payments.
func scenarioConfig(env *accEnv, t *testing.T, pfx, janeRole string) string {
	return env.providerConfig(t, "owner") + fmt.Sprintf(`
resource "sentry_team" "payments" {
  slug = "%[1]s-payments"
  name = "%[1]s Payments"
}

resource "sentry_team" "identity" {
  slug = "%[1]s-identity"
  name = "%[1]s Identity"
}

resource "sentry_team" "notifications" {
  slug = "%[1]s-notifications"
  name = "%[1]s Notifications"
}

resource "sentry_team" "platform" {
  slug = "%[1]s-platform"
  name = "%[1]s Platform"
}

resource "sentry_team" "contractors" {
  slug = "%[1]s-contractors"
  name = "%[1]s Contractors"
}

resource "sentry_team_project" "payment_api" {
  project = "%[1]s-payment-api"
  team    = sentry_team.payments.slug
}

resource "sentry_team_project" "billing_worker" {
  project = "%[1]s-billing-worker"
  team    = sentry_team.payments.slug
}

resource "sentry_team_project" "auth_service" {
  project = "%[1]s-auth-service"
  team    = sentry_team.identity.slug
}

# The contractor team sees only payment-api.
resource "sentry_team_project" "contractors_payment_api" {
  project = "%[1]s-payment-api"
  team    = sentry_team.contractors.slug
}

# A member moving between contributor and team admin on payments.
resource "sentry_member" "jane" {
  email = "%[1]s-jane@acme.example"
  role  = "member"
  teams = [
    { team = sentry_team.payments.slug, role = %[2]q },
    { team = sentry_team.identity.slug, role = "contributor" },
  ]
}

# A manager on the platform team.
resource "sentry_member" "lee" {
  email = "%[1]s-lee@acme.example"
  role  = "manager"
  teams = [{ team = sentry_team.platform.slug }]
}

# An owner listed on a team: team admin everywhere, so no role.
resource "sentry_member" "olga" {
  email = "%[1]s-olga@acme.example"
  role  = "owner"
  teams = [{ team = sentry_team.notifications.slug }]
}

# A contractor who only sees payment-api.
resource "sentry_member" "sam" {
  email = "%[1]s-sam@contractor.example"
  role  = "member"
  teams = [{ team = sentry_team.contractors.slug, role = "contributor" }]
}
`, pfx, janeRole)
}

// TestAccAccessScenario runs a realistic organization end to end, and
// counts the API requests a refresh makes (in emulator runs, which can
// count them).
func TestAccAccessScenario(t *testing.T) {
	env := newAccEnv(t)
	ctx := context.Background()
	c := env.client(t, "owner")
	pfx := randomName()
	paymentAPI := pfx + "-payment-api"
	// Projects are made outside Terraform, under a team that is not part of
	// the configuration.
	setup, err := c.CreateTeam(ctx, env.org, sentry.CreateTeamRequest{Slug: pfx + "-setup", Name: pfx + " Setup"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DeleteTeam(ctx, env.org, setup.ID) })
	for _, p := range []string{paymentAPI, pfx + "-billing-worker", pfx + "-auth-service"} {
		env.createProject(t, setup.Slug, p)
	}
	if err := c.DeleteTeam(ctx, env.org, setup.ID); err != nil {
		t.Fatal(err)
	}
	projectTeams := func(project string) ([]string, error) {
		p, err := c.GetProject(ctx, env.org, project)
		if err != nil {
			return nil, err
		}
		var slugs []string
		for _, team := range p.Teams {
			slugs = append(slugs, team.Slug)
		}
		slices.Sort(slugs)
		return slugs, nil
	}
	ownership := func(s *terraform.State) error {
		want := map[string]string{
			paymentAPI:              pfx + "-contractors " + pfx + "-payments",
			pfx + "-billing-worker": pfx + "-payments",
			pfx + "-auth-service":   pfx + "-identity",
		}
		for project, teams := range want {
			got, err := projectTeams(project)
			if err != nil {
				return err
			}
			if strings.Join(got, " ") != teams {
				return fmt.Errorf("project %s is owned by %v, want %s", project, got, teams)
			}
		}
		return nil
	}
	janeOnPayments := func(want string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			m, err := c.GetMember(ctx, env.org, s.RootModule().Resources["sentry_member.jane"].Primary.ID)
			if err != nil {
				return err
			}
			for _, tr := range m.TeamRoles {
				if tr.TeamSlug == pfx+"-payments" {
					if got := sentry.EffectiveTeamRole(tr.Role, m.OrgRole); got != want {
						return fmt.Errorf("jane is %s on payments, want %s", got, want)
					}
					return nil
				}
			}
			return fmt.Errorf("jane is not on payments: %+v", m.TeamRoles)
		}
	}

	steps := []resource.TestStep{
		{
			Config:           scenarioConfig(env, t, pfx, "contributor"),
			ConfigPlanChecks: emptyPlanAfterApply,
			Check:            resource.ComposeTestCheckFunc(ownership, janeOnPayments("contributor")),
		},
		{
			Config: scenarioConfig(env, t, pfx, "admin"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("sentry_member.jane", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("sentry_member.olga", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("sentry_team_project.contractors_payment_api", plancheck.ResourceActionNoop),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(ownership, janeOnPayments("admin")),
		},
		{
			Config:           scenarioConfig(env, t, pfx, "contributor"),
			ConfigPlanChecks: emptyPlanAfterApply,
			Check:            janeOnPayments("contributor"),
		},
	}
	if env.sim != nil {
		steps = append(steps, resource.TestStep{
			// A refresh costs one request per member, one per team, and
			// one per project-team link: 4 + 5 + 4.
			PreConfig:    func() { env.sim.ResetStats() },
			RefreshState: true,
			Check: func(*terraform.State) error {
				stats := env.sim.Stats()
				members := stats.Count("GET", "/organizations/{org}/members/{member}/")
				links := stats.Count("GET", "/projects/{org}/{project}/")
				teams := stats.Count("GET", "/teams/{org}/{team}/")
				if members != 4 || links != 4 || teams != 5 || stats.Total() != 13 {
					return fmt.Errorf("a refresh made %d requests (%d member, %d link, %d team reads): %v",
						stats.Total(), members, links, teams, stats.Requests)
				}
				return nil
			},
		})
	}
	steps = append(steps, resource.TestStep{
		ResourceName:            "sentry_member.olga",
		ImportState:             true,
		ImportStateId:           env.org + "/" + pfx + "-olga@acme.example",
		ImportStateVerify:       true,
		ImportStateVerifyIgnore: []string{"send_invite"},
	}, resource.TestStep{
		ResourceName:      "sentry_team_project.contractors_payment_api",
		ImportState:       true,
		ImportStateId:     env.org + "/" + paymentAPI + "/" + pfx + "-contractors",
		ImportStateVerify: true,
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy: resource.ComposeTestCheckFunc(
			env.checkDestroyed(t, "sentry_member", memberGone),
			env.checkDestroyed(t, "sentry_team", teamGone),
		),
		Steps: steps,
	})
}
