package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// Organization auth tokens on today's Sentry (sentry.io since 2025-09,
// self-hosted from 25.10): only a browser session may manage them, so the
// provider fails plans that would create, rename or destroy one, keeps
// tokens in state as last read, and refuses imports.

// orgTokensProbe is the route of the provider's one probe a run.
const orgTokensProbe = "/organizations/{org}/org-auth-tokens/"

// sessionOnlySummary is the error every refused token operation gives.
const sessionOnlySummary = "Organization Auth Tokens Need a Browser Session"

// keptSummary is the warning a refresh of tokens in state gives, once a run.
const keptSummary = "Organization Auth Tokens Kept as Last Read"

// sessionOnlyError matches the error with its cause and its way forward.
func sessionOnlyError(action string) *regexp.Regexp {
	parts := []string{
		sessionOnlySummary, `Sentry does not let the provider ` + action,
		`Since 2025-09 on sentry.io, and from release 25.10 of self-hosted Sentry, only a signed-in browser session may`,
		`Settings, Auth Tokens`, `Terraform 1.7`, `removed {`, `destroy = false`,
		`self-hosted Sentry releases before 25.10`,
	}
	for i, p := range parts {
		parts[i] = wrappedText(p).String()
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, `.*`))
}

// needSessionOnlyTokens skips a test of today's Sentry on a live target
// that still accepts auth tokens on its organization auth token endpoints.
func (e *accEnv) needSessionOnlyTokens(t *testing.T) {
	t.Helper()
	if e.sim == nil && !e.refusesTokenAPI(t) {
		t.Skip("skipped: the live target accepts auth tokens on its organization auth token endpoints (a self-hosted " +
			"release before 25.10); this test is about Sentry that refuses them")
	}
}

// TestAccAPIToken_sessionOnlyPlan walks a workspace from a Sentry that
// accepted auth tokens to one that refuses them: tokens in state plan
// empty, and a create, a rename, a destroy and an import each fail at plan
// time with the cause and the way forward.
func TestAccAPIToken_sessionOnlyPlan(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "this test switches Sentry between releases")
	env.sim.SetLegacyOrgTokens(true)
	name := randomName() + "-deploy-prod"
	config := apiTokenConfig(env, t, name, "  rotation_days = 90", `  keepers = { ci = "github-actions" }`)
	var id string
	today := func() { env.sim.SetLegacyOrgTokens(false) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_api_token", apiTokenGone),
		Steps: []resource.TestStep{
			{
				// Made on a release before 25.10.
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources["sentry_api_token.ci"].Primary.ID
					return nil
				},
			},
			{
				// Sentry upgraded: nothing to change or replace.
				PreConfig: today,
				Config:    config,
				PlanOnly:  true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config:      apiTokenConfig(env, t, name+"-renamed", "  rotation_days = 90", `  keepers = { ci = "github-actions" }`),
				PlanOnly:    true,
				ExpectError: sessionOnlyError(`rename organization auth token "` + name + `"`),
			},
			{
				// A keeper change replaces the token: its create is refused.
				Config:      apiTokenConfig(env, t, name, "  rotation_days = 90", `  keepers = { ci = "gitlab" }`),
				PlanOnly:    true,
				ExpectError: sessionOnlyError(`create organization auth token "` + name + `"`),
			},
			{
				Config: apiTokenConfig(env, t, name, "  rotation_days = 90", `  keepers = { ci = "github-actions" }`) + `
resource "sentry_api_token" "more" {
  name = "` + name + `-more"
}
`,
				PlanOnly:    true,
				ExpectError: sessionOnlyError(`create organization auth token "` + name + `-more"`),
			},
			{
				Config:      env.providerConfig(t, "owner"),
				PlanOnly:    true,
				ExpectError: sessionOnlyError(`revoke organization auth token "` + name + `"`),
			},
			{
				Config:            config,
				ResourceName:      "sentry_api_token.ci",
				ImportState:       true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return env.org + "/" + id, nil },
				ExpectError:       sessionOnlyError(`import organization auth token`),
			},
			{
				// Back on a release before 25.10, so the test can clean up.
				PreConfig:        func() { env.sim.SetLegacyOrgTokens(true) },
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
			},
		},
	})
}

// TestAccAPIToken_sessionOnlyNew plans new tokens on today's Sentry: the
// plan fails with the cause and the way forward, and no token is made.
// It runs live against a target that refuses auth tokens there.
func TestAccAPIToken_sessionOnlyNew(t *testing.T) {
	env := newAccEnv(t)
	env.needSessionOnlyTokens(t)
	name := randomName() + "-deploy-prod"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      apiTokenConfig(env, t, name),
				PlanOnly:    true,
				ExpectError: sessionOnlyError(`create organization auth token "` + name + `" in organization "` + env.org + `"`),
			},
			{
				// An import block is refused the same way.
				Config: env.providerConfig(t, "owner") + importBlock("sentry_api_token", "imported", env.org+"/1",
					fmt.Sprintf("name = %q", name)),
				PlanOnly:    true,
				ExpectError: sessionOnlyError(`import organization auth token (id 1)`),
			},
		},
	})
	if env.sim != nil {
		if n := env.sim.Stats().Count("POST", orgTokensProbe); n != 0 {
			t.Fatalf("a plan-time failure reached Sentry: %d token creates", n)
		}
	}
}

// TestAccAPIToken_sessionOnlyOneProbeAndWarning runs whole Terraform
// commands on today's Sentry and counts: a plan of many new tokens probes
// once and fails for each; a refresh of many tokens in state warns once,
// plans empty (terraform plan -detailed-exitcode exits 0) and probes
// never; a token due for rotation is not replaced but named in a warning;
// a removed block with destroy = false lets go of tokens without revoking
// them.
func TestAccAPIToken_sessionOnlyOneProbeAndWarning(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "this test switches Sentry between releases and counts requests")
	pfx := randomName()
	const n = 6
	// config declares tokens t0..t(n-1) but left out, each rotated after
	// days.
	config := func(days int, left string) string {
		var b strings.Builder
		b.WriteString(env.providerConfig(t, "owner"))
		for i := range n {
			if name := fmt.Sprintf("t%d", i); name != left {
				fmt.Fprintf(&b, "\nresource \"sentry_api_token\" %q {\n  name = \"%s-%s\"\n  rotation_days = %d\n}\n", name, pfx, name, days)
			}
		}
		return b.String()
	}

	// New tokens on today's Sentry: one probe, an error for each token.
	tf := newTFRunner(t, config(60, ""))
	env.sim.ResetStats()
	_, out, err := tf.plan()
	if err == nil {
		t.Fatalf("plan of new tokens succeeded:\n%s", out)
	}
	if got := strings.Count(out, sessionOnlySummary); got != n {
		t.Errorf("%d errors for %d new tokens:\n%s", got, n, out)
	}
	if got := env.sim.Stats().Count("GET", orgTokensProbe); got != 1 {
		t.Errorf("the plan probed %d times, want once", got)
	}

	// Made 40 days ago on a release before 25.10.
	env.sim.SetLegacyOrgTokens(true)
	env.shiftClock(t, -40*24*time.Hour)
	if out, err := tf.apply(); err != nil {
		t.Fatalf("apply on a release before 25.10: %v\n%s", err, out)
	}
	env.shiftClock(t, 0)
	t.Cleanup(func() {
		env.sim.SetLegacyOrgTokens(true)
		if out, err := tf.destroy(); err != nil {
			t.Errorf("destroy: %v\n%s", err, out)
		}
	})

	// Sentry upgraded: an empty plan, one warning, no probe.
	env.sim.SetLegacyOrgTokens(false)
	env.sim.ResetStats()
	changes, out, err := tf.plan()
	if err != nil || changes {
		t.Fatalf("plan of tokens in state: changes %v, error %v\n%s", changes, err, out)
	}
	if got := strings.Count(out, keptSummary); got != 1 || strings.Contains(out, "similar warnings") {
		t.Errorf("%d warnings about tokens kept as last read, want exactly 1:\n%s", got, out)
	}
	stats := env.sim.Stats()
	if got := stats.Count("GET", orgTokensProbe); got != 0 {
		t.Errorf("a refresh probed %d times; its reads tell already", got)
	}
	if got := stats.Count("GET", orgTokensProbe+"{tokenId}/"); got < 1 || got > n {
		t.Errorf("a refresh of %d tokens read %d of them", n, got)
	}

	// A rotation period that makes the tokens due: no replacement, an
	// update of settings Sentry does not hold, and a warning.
	tf.writeConfig(config(30, ""))
	out, err = tf.apply()
	if err != nil {
		t.Fatalf("apply of a shorter rotation: %v\n%s", err, out)
	}
	if !strings.Contains(out, fmt.Sprintf("0 added, %d changed, 0 destroyed", n)) {
		t.Errorf("a due rotation on today's Sentry should change the tokens in place:\n%s", out)
	}
	if !strings.Contains(out, "Organization Auth Token Due for Rotation") {
		t.Errorf("no warning about tokens due for rotation:\n%s", out)
	}
	state := stateResources(tf.show())["sentry_api_token"]
	if len(state) != n {
		t.Fatalf("%d tokens in state, want %d", len(state), n)
	}
	for _, rs := range state {
		if stateAttr(rs, "token") == "" || !env.sim.OrgTokenLive(env.org, stateAttr(rs, "token")) {
			t.Errorf("token %s lost its value or was revoked", rs.Name)
		}
	}
	if changes, out, err := tf.plan(); err != nil || changes {
		t.Fatalf("plan after the apply: changes %v, error %v\n%s", changes, err, out)
	}

	// A removed block lets go of a token and leaves it live.
	kept := state[0]
	tf.writeConfig(config(30, kept.Name) + fmt.Sprintf(`
removed {
  from = sentry_api_token.%s
  lifecycle {
    destroy = false
  }
}
`, kept.Name))
	if out, err := tf.apply(); err != nil {
		t.Fatalf("apply of a removed block: %v\n%s", err, out)
	}
	if !env.sim.OrgTokenLive(env.org, stateAttr(kept, "token")) {
		t.Errorf("the removed block revoked token %s", kept.Name)
	}
	if got := len(stateResources(tf.show())["sentry_api_token"]); got != n-1 {
		t.Errorf("%d tokens in state after the removed block, want %d", got, n-1)
	}
}
