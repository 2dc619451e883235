package provider

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
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

// renameProject renames a project as Sentry's UI does, acting as the
// owner.
func (e *accEnv) renameProject(t *testing.T, from, to string) {
	t.Helper()
	renameProjectAs(t, e.baseURL, e.token(t, "owner"), e.org, from, to)
}

// renameProjectAs renames a project as Sentry's UI does, with
// PUT /projects/{org}/{project}/ {"slug": to}; the provider does not
// manage projects, so its client has no call for it.
func renameProjectAs(t *testing.T, baseURL, token, org, from, to string) {
	t.Helper()
	base, err := sentry.NormaliseBaseURL(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, base+"projects/"+org+"/"+from+"/", strings.NewReader(`{"slug": "`+to+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("renaming project %s to %s: %d", from, to, resp.StatusCode)
	}
}

// writesTo counts the requests of the emulator's counters that could have
// changed something: every method but GET and HEAD.
func writesTo(stats sentrysim.Stats) map[string]int64 {
	out := make(map[string]int64)
	for key, n := range stats.Requests {
		if !strings.HasPrefix(key, "GET ") && !strings.HasPrefix(key, "HEAD ") {
			out[key] = n
		}
	}
	return out
}

// TestAccTeamProject_projectRenamed renames the linked project in Sentry:
// the plan fails with the old and the new slug and changes nothing; with
// the new slug in the configuration the plan is empty, the apply writes
// nothing and the link stays.
func TestAccTeamProject_projectRenamed(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "the test counts the requests Sentry received")
	pfx := randomName()
	owners, contractors := pfx+"-payments", pfx+"-contractors"
	oldSlug, newSlug := pfx+"-payment-api", pfx+"-billing-api"
	env.createTeams(t, owners, contractors)
	env.createProject(t, owners, oldSlug)
	ctx := context.Background()
	c := env.client(t, "owner")
	t.Cleanup(func() { _ = c.DeleteProject(ctx, env.org, newSlug) })
	linked := func(want bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			p, err := c.GetProject(ctx, env.org, newSlug)
			if err != nil {
				return err
			}
			if p.Slug != newSlug || p.HasTeam(contractors) != want || !p.HasTeam(owners) {
				return fmt.Errorf("project %s has teams %+v; want %s linked: %v", p.Slug, p.Teams, contractors, want)
			}
			return nil
		}
	}
	noWrites := func() error {
		if w := writesTo(env.sim.Stats()); len(w) != 0 {
			return fmt.Errorf("Sentry received writes: %v", w)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_team_project", teamProjectGone),
		Steps: []resource.TestStep{
			{
				Config:           teamProjectConfig(env, t, "owner", oldSlug, contractors),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				// Renamed in Sentry; the configuration has the old slug.
				PreConfig: func() {
					env.renameProject(t, oldSlug, newSlug)
					env.sim.ResetStats()
				},
				Config:   teamProjectConfig(env, t, "owner", oldSlug, contractors),
				PlanOnly: true,
				ExpectError: wrappedText(`Project "` + oldSlug + `" in organization "` + env.org + `" was renamed to "` +
					newSlug + `" in Sentry, and team "` + contractors + `"'s link to it is still there.`),
			},
			{
				// The same error names the fix.
				Config:      teamProjectConfig(env, t, "owner", oldSlug, contractors),
				ExpectError: wrappedText(`Set project = "` + newSlug + `" in this resource's configuration`),
			},
			{
				// The plan and the apply above wrote nothing; with the new
				// slug the plan is empty and the apply writes nothing.
				PreConfig: func() {
					if err := noWrites(); err != nil {
						t.Fatal(err)
					}
					if err := linked(true)(nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: teamProjectConfig(env, t, "owner", newSlug, contractors),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("sentry_team_project.test", "project", newSlug),
					resource.TestCheckResourceAttr("sentry_team_project.test", "id", env.org+"/"+newSlug+"/"+contractors),
					func(*terraform.State) error { return noWrites() },
					linked(true),
				),
			},
			{
				ResourceName:      "sentry_team_project.test",
				ImportState:       true,
				ImportStateId:     env.org + "/" + newSlug + "/" + contractors,
				ImportStateVerify: true,
			},
		},
	})
	// Destroying removed the link under the new slug, and only that link.
	if err := linked(false)(nil); err != nil {
		t.Fatal(err)
	}
}
