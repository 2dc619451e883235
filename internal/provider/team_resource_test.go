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

func teamConfig(env *accEnv, t *testing.T, role, slug, name string) string {
	slugLine := ""
	if slug != "" {
		slugLine = fmt.Sprintf("  slug = %q\n", slug)
	}
	return env.providerConfig(t, role) + fmt.Sprintf(`
resource "sentry_team" "test" {
%s  name = %q
}
`, slugLine, name)
}

func teamGone(ctx context.Context, c *sentry.Client, rs *terraform.ResourceState) error {
	_, err := c.GetTeam(ctx, rs.Primary.Attributes["organization"], rs.Primary.ID)
	if sentry.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("team %s still exists", rs.Primary.ID)
}

var emptyPlanAfterApply = resource.ConfigPlanChecks{
	PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
}

func TestAccTeam_lifecycle(t *testing.T) {
	env := newAccEnv(t)
	slug := randomName()
	var teamID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_team", teamGone),
		Steps: []resource.TestStep{
			{
				Config:           teamConfig(env, t, "owner", slug, slug+" Backend"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("organization"), knownvalue.StringExact(env.org)),
					statecheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("slug"), knownvalue.StringExact(slug)),
					statecheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("name"), knownvalue.StringExact(slug+" Backend")),
					statecheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))),
					statecheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("date_created"),
						knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
				},
				Check: func(s *terraform.State) error {
					teamID = s.RootModule().Resources["sentry_team.test"].Primary.ID
					team, err := env.client(t, "owner").GetTeam(context.Background(), env.org, teamID)
					if err != nil {
						return err
					}
					if team.Slug != slug || team.Name != slug+" Backend" {
						return fmt.Errorf("Sentry has team %q %q", team.Slug, team.Name)
					}
					return nil
				},
			},
			{
				// Renaming both slug and name is an in-place update that keeps the id.
				Config: teamConfig(env, t, "owner", slug+"-eng", slug+" Backend Engineering"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_team.test", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					rs := s.RootModule().Resources["sentry_team.test"]
					if rs.Primary.ID != teamID {
						return fmt.Errorf("id changed from %s to %s on rename", teamID, rs.Primary.ID)
					}
					team, err := env.client(t, "owner").GetTeam(context.Background(), env.org, slug+"-eng")
					if err != nil {
						return err
					}
					if team.ID != teamID || team.Name != slug+" Backend Engineering" {
						return fmt.Errorf("Sentry has team %s %q", team.ID, team.Name)
					}
					return nil
				},
			},
			{
				ResourceName:      "sentry_team.test",
				ImportState:       true,
				ImportStateId:     env.org + "/" + slug + "-eng",
				ImportStateVerify: true,
			},
			{
				ResourceName: "sentry_team.test",
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return env.org + "/" + s.RootModule().Resources["sentry_team.test"].Primary.ID, nil
				},
				ImportStateVerify: true,
			},
			{
				// A bare slug uses the provider's organization.
				ResourceName:      "sentry_team.test",
				ImportState:       true,
				ImportStateId:     slug + "-eng",
				ImportStateVerify: true,
			},
		},
	})
}

func TestAccTeam_slugFromName(t *testing.T) {
	env := newAccEnv(t)
	name := randomName()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_team", teamGone),
		Steps: []resource.TestStep{
			{
				Config:           teamConfig(env, t, "owner", "", name+" Data Platform"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("slug"), knownvalue.StringExact(name+"-data-platform")),
				},
			},
			{
				// Renaming keeps the slug Sentry generated.
				Config: teamConfig(env, t, "owner", "", name+" Data Platform Team"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_team.test", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("slug"), knownvalue.StringExact(name+"-data-platform")),
					statecheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("name"), knownvalue.StringExact(name+" Data Platform Team")),
				},
			},
		},
	})
}

func TestAccTeam_drift(t *testing.T) {
	env := newAccEnv(t)
	ctx := context.Background()
	slug := randomName()
	config := teamConfig(env, t, "owner", slug, slug+" Drift")
	var teamID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_team", teamGone),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					teamID = s.RootModule().Resources["sentry_team.test"].Primary.ID
					return nil
				},
			},
			{
				// Renamed in Sentry's UI: the plan shows an in-place update back,
				// not a new team, and applying it keeps the same team.
				PreConfig: func() {
					slug, name := slug+"-renamed", slug+" Renamed in Sentry"
					if _, err := env.client(t, "owner").UpdateTeam(ctx, env.org, teamID, sentry.UpdateTeamRequest{Slug: &slug, Name: &name}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("sentry_team.test", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("slug"), knownvalue.StringExact(slug)),
						plancheck.ExpectKnownValue("sentry_team.test", tfjsonpath.New("name"), knownvalue.StringExact(slug+" Drift")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources["sentry_team.test"].Primary.ID; id != teamID {
						return fmt.Errorf("drift repair replaced the team: id %s became %s", teamID, id)
					}
					return nil
				},
			},
			{
				// Deleted in Sentry: the team leaves state and is planned anew;
				// the slug was freed at once, so it can be made again.
				PreConfig: func() {
					if err := env.client(t, "owner").DeleteTeam(ctx, env.org, teamID); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_team.test", plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources["sentry_team.test"].Primary.ID; id == teamID {
						return fmt.Errorf("expected a new team, still have id %s", id)
					}
					return nil
				},
			},
		},
	})
}

func TestAccTeam_duplicateSlug(t *testing.T) {
	env := newAccEnv(t)
	slug := randomName()
	existing, err := env.client(t, "owner").CreateTeam(context.Background(), env.org, sentry.CreateTeamRequest{Slug: slug, Name: slug + " Taken"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.client(t, "owner").DeleteTeam(context.Background(), env.org, existing.ID) })

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: teamConfig(env, t, "owner", slug, slug+" Another"),
				ExpectError: wrappedText(`already has a team with the slug "` + slug + `". ` +
					`Choose another slug, or bring the existing team under Terraform with: ` +
					`terraform import <resource address> ` + env.org + `/` + slug),
			},
		},
	})
}

func TestAccTeam_planTimeValidation(t *testing.T) {
	env := newAccEnv(t)
	cases := []struct {
		slug, name string
		want       string
	}{
		{slug: "Backend", name: "x", want: `does not match Sentry's slug rule`},
		{slug: "back end", name: "x", want: `does not match Sentry's slug rule`},
		{slug: "12345", name: "x", want: `only digits`},
		{slug: strings.Repeat("a", 51), name: "x", want: `Sentry allows at most 50`},
		{slug: randomName(), name: strings.Repeat("n", 65), want: `Sentry requires 1 to 64 characters`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      teamConfig(env, t, "owner", c.slug, c.name),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(regexp.QuoteMeta(c.want)),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProviders, Steps: steps})
	if env.sim != nil {
		teams, err := env.client(t, "owner").ListTeams(context.Background(), env.org)
		if err != nil {
			t.Fatal(err)
		}
		if len(teams) != 0 {
			t.Fatalf("plan-time validation failures reached Sentry: %d teams exist", len(teams))
		}
	}
}

func TestAccTeam_memberCannotRename(t *testing.T) {
	env := newAccEnv(t)
	env.token(t, "member")
	slug := randomName()
	team, err := env.client(t, "owner").CreateTeam(context.Background(), env.org, sentry.CreateTeamRequest{Slug: slug, Name: slug + " Guarded"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.client(t, "owner").DeleteTeam(context.Background(), env.org, team.ID) })

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:             teamConfig(env, t, "member", slug, slug+" Guarded"),
				ResourceName:       "sentry_team.test",
				ImportState:        true,
				ImportStateId:      env.org + "/" + slug,
				ImportStatePersist: true,
			},
			{
				Config:      teamConfig(env, t, "member", slug, slug+" Renamed by a member"),
				ExpectError: regexp.MustCompile(`(?s)Unable to Update Team.*403 Forbidden.*team:admin`),
			},
			{
				// Hand the team back to an owner so the test can destroy it.
				Config:           teamConfig(env, t, "owner", slug, slug+" Guarded"),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
		},
	})
}

func TestAccProvider_missingSettings(t *testing.T) {
	env := newAccEnv(t)
	t.Setenv(envAuthToken, "")
	t.Setenv(envOrganization, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf("provider \"sentry\" {\n  base_url = %q\n  organization = %q\n}\n", env.baseURL, env.org) +
					`resource "sentry_team" "test" { name = "tf-acc-no-token" }`,
				ExpectError: regexp.MustCompile(`(?s)Missing Sentry Credentials.*"auth_token" is not set.*SENTRY_AUTH_TOKEN`),
			},
			{
				Config: fmt.Sprintf("provider \"sentry\" {\n  base_url = %q\n  auth_token = \"x\"\n}\n", env.baseURL) +
					`resource "sentry_team" "test" { name = "tf-acc-no-org" }`,
				ExpectError: regexp.MustCompile(`(?s)Missing Sentry Organization.*"organization" is not set.*SENTRY_ORG`),
			},
		},
	})
}
