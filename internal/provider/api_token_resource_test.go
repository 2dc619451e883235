package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func apiTokenGone(ctx context.Context, c *sentry.Client, rs *terraform.ResourceState) error {
	_, err := c.GetOrgAuthToken(ctx, rs.Primary.Attributes["organization"], rs.Primary.ID)
	if sentry.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("organization auth token %s still exists", rs.Primary.ID)
}

// apiTokenConfig is a token resource with extra attribute lines.
func apiTokenConfig(env *accEnv, t *testing.T, name string, extra ...string) string {
	return env.providerConfig(t, "owner") + fmt.Sprintf(`
resource "sentry_api_token" "ci" {
  name = %q
%s
}
`, name, strings.Join(extra, "\n"))
}

func TestAccAPIToken_lifecycle(t *testing.T) {
	env := newAccEnv(t, legacyOrgTokens)
	c := env.client(t, "owner")
	ctx := context.Background()
	deployName, releaseName := randomName()+"-deploy-prod", randomName()+"-release-prod"
	var first struct{ id, token string }
	var keptID string
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_api_token", apiTokenGone),
		Steps: []resource.TestStep{
			{
				Config:           apiTokenConfig(env, t, deployName),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("sentry_api_token.ci", tfjsonpath.New("scopes"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("org:ci")})),
					statecheck.ExpectKnownValue("sentry_api_token.ci", tfjsonpath.New("token"), knownvalue.StringRegexp(regexp.MustCompile(`^sntrys_`))),
					statecheck.ExpectKnownValue("sentry_api_token.ci", tfjsonpath.New("date_last_used"), knownvalue.Null()),
					statecheck.ExpectKnownValue("sentry_api_token.ci", tfjsonpath.New("rotate_after"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources["sentry_api_token.ci"].Primary.Attributes
					first.id, first.token = a["id"], a["token"]
					if !strings.HasSuffix(first.token, a["token_last_characters"]) {
						return fmt.Errorf("token_last_characters %q is not the end of the token", a["token_last_characters"])
					}
					// The token works, with org:ci and nothing more.
					ci, err := sentry.NewClient(sentry.Config{BaseURL: env.baseURL, Token: first.token})
					if err != nil {
						return err
					}
					if _, err := ci.ListTeams(ctx, env.org); !sentry.IsForbidden(err) {
						return fmt.Errorf("an org:ci token listing teams: got %w, want 403", err)
					}
					return nil
				},
			},
			{
				// Rename in place: same id, same token, the new name in Sentry.
				Config: apiTokenConfig(env, t, releaseName),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_api_token.ci", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources["sentry_api_token.ci"].Primary.Attributes
					if a["id"] != first.id || a["token"] != first.token {
						return fmt.Errorf("rename replaced the token")
					}
					got, err := c.GetOrgAuthToken(ctx, env.org, first.id)
					if err != nil {
						return err
					}
					if got.Name != releaseName {
						return fmt.Errorf("Sentry has the name %q", got.Name)
					}
					return nil
				},
			},
			{
				// The token cannot be imported: it is null afterwards.
				ResourceName:            "sentry_api_token.ci",
				ImportState:             true,
				ImportStateIdFunc:       func(*terraform.State) (string, error) { return env.org + "/" + first.id, nil },
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"token"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["token"] != "" {
						return fmt.Errorf("imported token should be null, got %q", states[0].Attributes["token"])
					}
					return nil
				},
			},
			{
				// A keeper change replaces the token.
				Config: apiTokenConfig(env, t, releaseName, `  keepers = { ci = "github-actions" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_api_token.ci", plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources["sentry_api_token.ci"].Primary.Attributes
					if a["id"] == first.id || a["token"] == first.token || a["token"] == "" {
						return fmt.Errorf("keepers change did not mint a new token")
					}
					keptID = a["id"]
					return nil
				},
			},
			{
				// Deleted in Sentry: removed from state and created again.
				// Only this test's token goes; the organization's others stay.
				PreConfig: func() {
					if err := c.DeleteOrgAuthToken(ctx, env.org, keptID); err != nil {
						t.Fatal(err)
					}
				},
				Config: apiTokenConfig(env, t, releaseName, `  keepers = { ci = "github-actions" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_api_token.ci", plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})

	// The trace log saw every request and never a token value.
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	if !strings.Contains(log, "org-auth-tokens") {
		t.Fatalf("the trace log (%d bytes) has no token requests; is TF_ACC_LOG_PATH honoured?", len(raw))
	}
	if first.token == "" || strings.Contains(log, first.token) {
		t.Fatal("the trace log contains the token's value")
	}
	if regexp.MustCompile(`sntrys_[0-9a-zA-Z_]{20,}`).MatchString(log) {
		t.Fatal("the trace log contains an organization auth token")
	}
}

func TestAccAPIToken_rotation(t *testing.T) {
	env := newAccEnv(t, legacyOrgTokens)
	c := env.client(t, "owner")
	name := randomName() + "-deploy-prod"
	var firstID string
	config := func(days int) string {
		return apiTokenConfig(env, t, name, fmt.Sprintf("  rotation_days = %d", days),
			"  lifecycle {\n    create_before_destroy = true\n  }")
	}
	if env.sim == nil {
		// A token cannot be made in the past without the emulator's clock:
		// live runs check the bookkeeping of a token not yet due.
		testAPITokenRotationNotDue(t, env, config)
		return
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_api_token", apiTokenGone),
		Steps: []resource.TestStep{
			{
				// Made 40 days ago with a 60-day rotation: not due yet.
				PreConfig:        func() { env.shiftClock(t, -40*24*time.Hour) },
				Config:           config(60),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources["sentry_api_token.ci"].Primary.Attributes
					firstID = a["id"]
					created, err := time.Parse(time.RFC3339, a["date_created"])
					if err != nil {
						return err
					}
					if age := time.Since(created); age < 39*24*time.Hour {
						return fmt.Errorf("the token is %s old, want 40 days", age)
					}
					if want := formatTime(created.Add(60 * 24 * time.Hour)); a["rotate_after"] != want {
						return fmt.Errorf("rotate_after = %q, want %q", a["rotate_after"], want)
					}
					return nil
				},
			},
			{
				// A 30-day rotation makes it due: plan replaces it, creating
				// the new token before deleting the old one.
				PreConfig: func() { env.shiftClock(t, 0) },
				Config:    config(30),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_api_token.ci", plancheck.ResourceActionCreateBeforeDestroy)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources["sentry_api_token.ci"].Primary.Attributes
					if a["id"] == firstID {
						return fmt.Errorf("the token was not rotated")
					}
					if _, err := c.GetOrgAuthToken(context.Background(), env.org, firstID); !sentry.IsNotFound(err) {
						return fmt.Errorf("the old token should be deleted, got %w", err)
					}
					return nil
				},
			},
		},
	})
}

// testAPITokenRotationNotDue checks a fresh token's rotate_after, and that
// shortening a rotation that is not yet due updates it in place.
func testAPITokenRotationNotDue(t *testing.T, env *accEnv, config func(days int) string) {
	var firstID string
	rotateAfter := func(days int) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			a := s.RootModule().Resources["sentry_api_token.ci"].Primary.Attributes
			if firstID == "" {
				firstID = a["id"]
			}
			if a["id"] != firstID {
				return fmt.Errorf("the token was replaced: id %s became %s", firstID, a["id"])
			}
			created, err := time.Parse(time.RFC3339, a["date_created"])
			if err != nil {
				return err
			}
			if want := formatTime(created.Add(time.Duration(days) * 24 * time.Hour)); a["rotate_after"] != want {
				return fmt.Errorf("rotate_after = %q, want %q", a["rotate_after"], want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_api_token", apiTokenGone),
		Steps: []resource.TestStep{
			{
				Config:           config(60),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            rotateAfter(60),
			},
			{
				Config: config(30),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("sentry_api_token.ci", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: rotateAfter(30),
			},
		},
	})
}

func TestAccAPIToken_namePattern(t *testing.T) {
	env := newAccEnv(t, legacyOrgTokens)
	// Every name below fails at plan time; none may reach Sentry.
	prefix := randomName()
	providerWithPattern := strings.Replace(env.providerConfig(t, "owner"), "provider \"sentry\" {",
		"provider \"sentry\" {\n  name_pattern = \"^[a-z0-9-]+-(prod|staging|dev)$\"", 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      apiTokenConfig(env, t, prefix+" Deploy Token", `  name_pattern = "^[a-z0-9-]+-(prod|staging|dev)$"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`The token name "` + prefix + ` Deploy Token" does not match name_pattern ^[a-z0-9-]+-(prod|staging|dev)$`),
			},
			{
				Config: providerWithPattern + `
resource "sentry_api_token" "ci" {
  name = "` + prefix + `-deploy"
}
`,
				PlanOnly:    true,
				ExpectError: wrappedText(`The token name "` + prefix + `-deploy" does not match the provider's name_pattern ^[a-z0-9-]+-(prod|staging|dev)$`),
			},
			{
				Config:      apiTokenConfig(env, t, prefix+"-prod", `  name_pattern = "^[a-z+$"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`is not a valid regular expression`),
			},
			{
				Config:      apiTokenConfig(env, t, prefix+strings.Repeat("n", 256)),
				PlanOnly:    true,
				ExpectError: wrappedText(`Sentry requires 1 to 255 characters`),
			},
			{
				Config:      apiTokenConfig(env, t, prefix+"-prod", "  rotation_days = 0"),
				PlanOnly:    true,
				ExpectError: wrappedText(`rotation_days is 0; it must be from 1 (a day) to 3650 (ten years)`),
			},
		},
	})
	tokens, err := env.client(t, "owner").ListOrgAuthTokens(context.Background(), env.org)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if strings.HasPrefix(tok.Name, prefix) {
			t.Fatalf("a plan-time failure reached Sentry: token %q exists", tok.Name)
		}
	}
}
