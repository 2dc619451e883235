package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
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

// scimEnv is an emulator organization with SCIM on, its SCIM token, and
// members made through SCIM.
type scimEnv struct {
	*accEnv
	token      string
	scimClient *sentry.Client
}

func newSCIMEnv(t *testing.T) *scimEnv {
	t.Helper()
	env := newAccEnv(t)
	var token string
	if env.sim != nil {
		token = env.sim.SCIMToken(env.org)
	} else if token = os.Getenv(envSCIMToken); token == "" {
		t.Skipf("the SCIM tests need %s: a SCIM token of the organization, which real Sentry has once SAML and SCIM are set up", envSCIMToken)
	}
	c, err := sentry.NewClient(sentry.Config{BaseURL: env.baseURL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return &scimEnv{accEnv: env, token: token, scimClient: c}
}

// addUsers provisions members through SCIM and returns their member ids;
// they are removed when the test ends.
func (e *scimEnv) addUsers(t *testing.T, emails ...string) []string {
	t.Helper()
	ids := make([]string, 0, len(emails))
	for _, email := range emails {
		u, err := e.scimClient.CreateSCIMUser(context.Background(), e.org, email, "member")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.scimClient.DeleteSCIMUser(context.Background(), e.org, u.ID) })
		ids = append(ids, u.ID)
	}
	return ids
}

func (e *scimEnv) config(t *testing.T, name string, members []string) string {
	membersLine := ""
	if members != nil {
		quoted := make([]string, len(members))
		for i, m := range members {
			quoted[i] = fmt.Sprintf("%q", m)
		}
		membersLine = "  members = [" + strings.Join(quoted, ", ") + "]\n"
	}
	return strings.Replace(e.providerConfig(t, "owner"), "provider \"sentry\" {",
		fmt.Sprintf("provider \"sentry\" {\n  scim_token   = %q", e.token), 1) + fmt.Sprintf(`
resource "sentry_scim_group" "test" {
  display_name = %q
%s}
`, name, membersLine)
}

func (e *scimEnv) groupGone(ctx context.Context, _ *sentry.Client, rs *terraform.ResourceState) error {
	_, err := e.scimClient.GetSCIMGroup(ctx, rs.Primary.Attributes["organization"], rs.Primary.ID)
	if sentry.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("SCIM group %s still exists", rs.Primary.ID)
}

func TestAccSCIMGroup_lifecycle(t *testing.T) {
	pfx := randomName()
	env := newSCIMEnv(t)
	ids := env.addUsers(t, pfx+"-ana@acme.example", pfx+"-ben@acme.example", pfx+"-cy@acme.example")
	ctx := context.Background()
	var groupID string
	groupMembers := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			g, err := env.scimClient.GetSCIMGroup(ctx, env.org, groupID)
			if err != nil {
				return err
			}
			slices.Sort(want)
			if got := g.MemberIDs(); !slices.Equal(got, want) {
				return fmt.Errorf("group members in Sentry are %v, want %v", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_scim_group", env.groupGone),
		Steps: []resource.TestStep{
			{
				// A create with members: the POST, one PATCH for the
				// members, then the group and its team's slug.
				PreConfig:        env.resetStats,
				Config:           env.config(t, pfx+" Payments Engineers", ids[:2]),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("sentry_scim_group.test", tfjsonpath.New("team_slug"), knownvalue.StringExact(pfx+"-payments-engineers")),
					statecheck.ExpectKnownValue("sentry_scim_group.test", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))),
				},
				Check: func(s *terraform.State) error {
					if err := env.requestsMade(4, 1)(s); err != nil {
						return err
					}
					groupID = s.RootModule().Resources["sentry_scim_group.test"].Primary.ID
					team, err := env.client(t, "owner").GetTeam(ctx, env.org, groupID)
					if err != nil {
						return err
					}
					if !team.IDPProvisioned() {
						return fmt.Errorf("the group's team is not marked as managed by the identity provider")
					}
					return groupMembers(ids[0], ids[1])(s)
				},
			},
			{
				// An update without a rename: the plan's refresh, then the
				// PATCH and the group; its team is not read.
				PreConfig: env.resetStats,
				Config:    env.config(t, pfx+" Payments Engineers", ids[:1]),
				Check: func(s *terraform.State) error {
					if err := env.requestsMade(3, 0)(s); err != nil {
						return err
					}
					return groupMembers(ids[0])(s)
				},
			},
			{
				// A refresh where nothing changed is one request: the
				// group, whose team keeps the slug in state.
				PreConfig:    env.resetStats,
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					env.requestsMade(1, 0),
					resource.TestCheckResourceAttr("sentry_scim_group.test", "team_slug", pfx+"-payments-engineers"),
				),
			},
			{
				// Rename and swap a member: one PATCH, in place.
				Config: env.config(t, pfx+" Payments Team", ids[1:]),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_scim_group.test", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("sentry_scim_group.test", tfjsonpath.New("team_slug"), knownvalue.StringExact(pfx+"-payments-team")),
				},
				Check: groupMembers(ids[1], ids[2]),
			},
			{
				ResourceName:      "sentry_scim_group.test",
				ImportState:       true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return env.org + "/" + groupID, nil },
				ImportStateVerify: true,
			},
			{
				// A member added by the identity provider is drift.
				PreConfig: func() {
					if err := env.scimClient.PatchSCIMGroup(ctx, env.org, groupID, sentry.SCIMGroupMembershipOps(nil, ids[:1])); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(t, pfx+" Payments Team", ids[1:]),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_scim_group.test", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: groupMembers(ids[1], ids[2]),
			},
			{
				// Renamed in the identity provider: Sentry re-slugs the team,
				// and the refresh reads the team for its new slug, and the
				// audit log once to say who renamed it.
				PreConfig: func() {
					if err := env.scimClient.PatchSCIMGroup(ctx, env.org, groupID, []sentry.SCIMPatchOp{sentry.SCIMRenameOp(pfx + " Payments Renamed")}); err != nil {
						t.Fatal(err)
					}
					env.resetStats()
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					env.requestsMade(3, 1),
					resource.TestCheckResourceAttr("sentry_scim_group.test", "team_slug", pfx+"-payments-renamed"),
				),
			},
			{
				// Renamed and a member removed in the identity provider: drift.
				PreConfig: func() {
					ops := append([]sentry.SCIMPatchOp{sentry.SCIMRenameOp(pfx + " Payments Renamed")},
						sentry.SCIMGroupMembershipOps(ids[1:], ids[2:])...)
					if err := env.scimClient.PatchSCIMGroup(ctx, env.org, groupID, ops); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(t, pfx+" Payments Team", ids[1:]),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("sentry_scim_group.test", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("sentry_scim_group.test", tfjsonpath.New("display_name"), knownvalue.StringExact(pfx+" Payments Team")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: groupMembers(ids[1], ids[2]),
			},
			{
				// Deleted in Sentry: removed from state and created again.
				PreConfig: func() {
					if err := env.scimClient.DeleteSCIMGroup(ctx, env.org, groupID); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(t, pfx+" Payments Team", ids[1:]),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_scim_group.test", plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// resetStats sets the emulator's request counters back to zero; real
// Sentry has none, and requestsMade checks nothing there.
func (e *scimEnv) resetStats() {
	if e.sim != nil {
		e.sim.ResetStats()
	}
}

// requestsMade checks the requests Sentry received since its counters were
// reset: total in all, teamReads of them reads of a team.
func (e *scimEnv) requestsMade(total, teamReads int64) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sim == nil {
			return nil
		}
		stats := e.sim.Stats()
		if stats.Total() != total || stats.Count("GET", "/teams/{org}/{team}/") != teamReads {
			return fmt.Errorf("Sentry received %d requests, %d of them team reads; want %d and %d: %v",
				stats.Total(), stats.Count("GET", "/teams/{org}/{team}/"), total, teamReads, stats.Requests)
		}
		return nil
	}
}

// TestAccSCIMGroup_manyMembers checks that 150 members go in two PATCH
// requests (Sentry's limit is 100 operations each, and one "add" carries
// every new member), never one request per member.
func TestAccSCIMGroup_manyMembers(t *testing.T) {
	env := newSCIMEnv(t)
	env.needSim(t, "this test counts PATCH requests")
	pfx := randomName()
	emails := make([]string, 150)
	for i := range emails {
		emails[i] = fmt.Sprintf("%s-user%03d@acme.example", pfx, i)
	}
	ids := env.addUsers(t, emails...)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_scim_group", env.groupGone),
		Steps: []resource.TestStep{
			{
				Config:           env.config(t, pfx+" Everyone", ids),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				// Removing 120 members is 120 operations: two requests.
				PreConfig: env.resetStats,
				Config:    env.config(t, pfx+" Everyone", ids[:30]),
				Check: func(*terraform.State) error {
					patches := env.sim.Stats().Count("PATCH", "/organizations/{org}/scim/v2/Groups/{team}")
					if patches != 2 {
						return fmt.Errorf("removing 120 members took %d PATCH requests, want 2 (requests: %v)", patches, env.sim.Stats().Requests)
					}
					return nil
				},
				ConfigPlanChecks: emptyPlanAfterApply,
			},
		},
	})
}

func TestAccSCIMGroup_errors(t *testing.T) {
	pfx := randomName()
	env := newSCIMEnv(t)
	ids := env.addUsers(t, pfx+"-ana@acme.example")
	noSCIMToken := env.providerConfig(t, "owner") + `
resource "sentry_scim_group" "test" {
  display_name = "` + pfx + ` Platform"
}
`
	// The first step needs no SCIM token anywhere. Live runs have one in
	// the environment: the test unsets it and runs on its own, since the
	// environment is the whole process's.
	run := resource.ParallelTest
	if os.Getenv(envSCIMToken) != "" {
		t.Setenv(envSCIMToken, "")
		run = resource.Test
	}
	run(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      noSCIMToken,
				ExpectError: regexp.MustCompile(`(?s)Missing SCIM Token.*"scim_token" is not set.*SENTRY_SCIM_TOKEN`),
			},
			{
				Config:      env.config(t, pfx+" Platform", []string{pfx + "-ana@acme.example"}),
				PlanOnly:    true,
				ExpectError: wrappedText(`"` + pfx + `-ana@acme.example" is not a member id`),
			},
			{
				Config:      env.config(t, pfx+" Platform", []string{ids[0], "4505999999999999"}),
				ExpectError: wrappedText(`A member id in members is not a member of the organization`),
			},
		},
	})
}

// TestAccSCIMGroup_mixedWithTeam shows what a user meets when a SCIM
// group's team is also managed as a sentry_team.
func TestAccSCIMGroup_mixedWithTeam(t *testing.T) {
	env := newSCIMEnv(t)
	pfx := randomName()
	group, err := env.scimClient.CreateSCIMGroup(context.Background(), env.org, pfx+" Identity")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.scimClient.DeleteSCIMGroup(context.Background(), env.org, group.ID) })
	// Hand the team back from the identity provider so the test can clean
	// up. Only the emulator can; live runs delete the group through SCIM
	// instead, and the team is made anew as a plain team.
	handBack := resource.TestStep{
		PreConfig: func() {
			if env.sim == nil {
				if err := env.scimClient.DeleteSCIMGroup(context.Background(), env.org, group.ID); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err := env.sim.SetTeamProvisioned(env.org, group.ID, false); err != nil {
				t.Fatal(err)
			}
		},
		Config:           teamConfig(env.accEnv, t, "owner", pfx+"-identity", pfx+" Identity"),
		ConfigPlanChecks: emptyPlanAfterApply,
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:             teamConfig(env.accEnv, t, "owner", pfx+"-identity", pfx+" Identity"),
				ResourceName:       "sentry_team.test",
				ImportState:        true,
				ImportStateId:      env.org + "/" + group.ID,
				ImportStatePersist: true,
			},
			{
				Config: teamConfig(env.accEnv, t, "owner", pfx+"-identity", pfx+" Identity Squad"),
				ExpectError: wrappedText(`This team is managed through your organization's identity provider. ` +
					`The organization's identity provider manages this through SCIM`),
			},
			handBack,
		},
	})
}
