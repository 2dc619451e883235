package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func teamProjectGone(ctx context.Context, c *sentry.Client, rs *terraform.ResourceState) error {
	a := rs.Primary.Attributes
	p, err := c.GetProject(ctx, a["organization"], a["project"])
	if sentry.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.HasTeam(a["team"]) {
		return fmt.Errorf("team %s still has access to project %s", a["team"], a["project"])
	}
	return nil
}

// createProject makes a project owned by team behind Terraform's back.
func (e *accEnv) createProject(t *testing.T, team, slug string) {
	t.Helper()
	c := e.client(t, "owner")
	p, err := c.CreateProject(context.Background(), e.org, team, sentry.CreateProjectRequest{Name: slug, Slug: slug})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DeleteProject(context.Background(), e.org, p.Slug) })
}

func teamProjectConfig(env *accEnv, t *testing.T, actor, project, team string) string {
	return env.providerConfig(t, actor) + fmt.Sprintf(`
resource "sentry_team_project" "test" {
  project = %q
  team    = %q
}
`, project, team)
}

func TestAccTeamProject_lifecycle(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	env.createTeams(t, pfx+"-payments", pfx+"-contractors")
	env.createProject(t, pfx+"-payments", pfx+"-payment-api")
	c := env.client(t, "owner")
	ctx := context.Background()
	hasTeams := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			p, err := c.GetProject(ctx, env.org, pfx+"-payment-api")
			if err != nil {
				return err
			}
			var got []string
			for _, team := range p.Teams {
				got = append(got, team.Slug)
			}
			slices.Sort(got)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("project's teams are %v, want %v", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_team_project", teamProjectGone),
		Steps: []resource.TestStep{
			{
				Config:           teamProjectConfig(env, t, "owner", pfx+"-payment-api", pfx+"-contractors"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("sentry_team_project.test", "id", env.org+"/"+pfx+"-payment-api/"+pfx+"-contractors"),
					// The owning team's link is untouched.
					hasTeams(pfx+"-contractors", pfx+"-payments"),
				),
			},
			{
				ResourceName:      "sentry_team_project.test",
				ImportState:       true,
				ImportStateId:     env.org + "/" + pfx + "-payment-api/" + pfx + "-contractors",
				ImportStateVerify: true,
			},
			{
				// Unlinked in Sentry: the link leaves state and is planned anew.
				PreConfig: func() {
					if _, err := c.RemoveProjectTeam(ctx, env.org, pfx+"-payment-api", pfx+"-contractors"); err != nil {
						t.Fatal(err)
					}
				},
				Config: teamProjectConfig(env, t, "owner", pfx+"-payment-api", pfx+"-contractors"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_team_project.test", plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: hasTeams(pfx+"-contractors", pfx+"-payments"),
			},
		},
	})
	// Destroying the link left the owning team's link alone.
	if err := hasTeams(pfx + "-payments")(nil); err != nil {
		t.Fatal(err)
	}
}

func TestAccTeamProject_unknownNames(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	env.createTeams(t, pfx+"-payments")
	env.createProject(t, pfx+"-payments", pfx+"-payment-api")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      teamProjectConfig(env, t, "owner", pfx+"-payment-api", pfx+"-nobody"),
				ExpectError: wrappedText(`Team Not Found`),
			},
			{
				Config:      teamProjectConfig(env, t, "owner", pfx+"-nowhere", pfx+"-payments"),
				ExpectError: wrappedText(`Organization "` + env.org + `" has no project with the slug "` + pfx + `-nowhere"`),
			},
			{
				Config:      teamProjectConfig(env, t, "owner", pfx+"-payment-api", "Payments Team"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`does not match Sentry's slug rule`),
			},
		},
	})
}

// TestAccTeamProject_roles links as a manager, reads and imports as a
// member, and drops the link from state when the project is deleted. Live
// runs have only the owner's token and act as the owner throughout: the
// link, the read, the import and the deleted project are still exercised;
// the roles' limits are the emulator runs' to check.
func TestAccTeamProject_roles(t *testing.T) {
	env := newAccEnv(t)
	as := func(role string) string {
		if env.sim == nil {
			return "owner"
		}
		return role
	}
	pfx := randomName()
	env.createTeams(t, pfx+"-payments", pfx+"-contractors")
	env.createProject(t, pfx+"-payments", pfx+"-payment-api")
	ctx := context.Background()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:           teamProjectConfig(env, t, as("manager"), pfx+"-payment-api", pfx+"-contractors"),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				Config:             teamProjectConfig(env, t, as("member"), pfx+"-payment-api", pfx+"-contractors"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: false,
			},
			{
				Config:            teamProjectConfig(env, t, as("member"), pfx+"-payment-api", pfx+"-contractors"),
				ResourceName:      "sentry_team_project.test",
				ImportState:       true,
				ImportStateId:     env.org + "/" + pfx + "-payment-api/" + pfx + "-contractors",
				ImportStateVerify: true,
			},
			{
				// The project deleted in Sentry: the link leaves state, and
				// the next apply names the missing project.
				PreConfig: func() {
					if err := env.client(t, "owner").DeleteProject(ctx, env.org, pfx+"-payment-api"); err != nil {
						t.Fatal(err)
					}
				},
				Config:      teamProjectConfig(env, t, as("manager"), pfx+"-payment-api", pfx+"-contractors"),
				ExpectError: wrappedText(`Organization "` + env.org + `" has no project with the slug "` + pfx + `-payment-api"`),
			},
		},
	})
}
