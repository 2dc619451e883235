package provider

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/sentryrbac/terraform-provider-sentry/internal/communitystandin"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// communityFixture is a workspace the community provider v0.15.4 applied
// against the emulator, recorded by internal/cmd/community-fixtures (its
// README says how): the state it wrote and the emulator seed that holds
// the same objects under the same ids.
const communityFixture = "../testdata/community-v0.15.4"

// loadCommunityFixture loads the fixture's objects into the environment's
// fresh emulator, where they get the ids the state names, and returns the
// state. Real Sentry cannot be given those ids, so the test needs the
// emulator.
func loadCommunityFixture(t *testing.T, env *accEnv) []byte {
	t.Helper()
	env.needSim(t, "the recorded workspace's objects are loaded into the emulator under the ids its state names")
	seed, err := os.ReadFile(filepath.Join(communityFixture, "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := env.sim.LoadSeed(env.org, bytes.NewReader(seed)); err != nil {
		t.Fatalf("loading the fixture's seed: %v", err)
	}
	state, err := os.ReadFile(filepath.Join(communityFixture, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// TestAccWorkspaceMovedFromCommunity migrates the recorded 53-object
// workspace with the configuration a user writes by following the guide
// (testdata/community-v0.15.4/moved/main.tf): a moved block per member
// resource, its teams written inline, a removed block per team membership
// resource, teams handed over by the provider source alone, projects left
// with the community provider. The plan must be 0 to add, 0 to change,
// 0 to destroy, with every member moved, every membership forgotten and
// everything else a no-op; neither it nor the apply may send Sentry
// anything but reads; the plan after the apply is empty.
//
// make test runs it with the community provider's stand-in, make test-move
// with the real provider v0.15.4 (withCommunityProvider says what each
// shows).
func TestAccWorkspaceMovedFromCommunity(t *testing.T) {
	env := newAccEnv(t)
	state := loadCommunityFixture(t, env)
	config, err := os.ReadFile(filepath.Join(communityFixture, "moved", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	tf := newTFRunner(t, env.providerConfig(t, "owner")+string(config),
		withCommunityProvider(env.communityProviderConfig(t, "owner")))
	tf.needTerraform("1.8.0", "moving state to another resource type")
	if err := os.WriteFile(filepath.Join(tf.dir, "terraform.tfstate"), state, 0o600); err != nil {
		t.Fatal(err)
	}

	env.sim.ResetStats()
	planFile := filepath.Join(tf.dir, "move.tfplan")
	out, err := tf.planToFile(planFile)
	if err != nil {
		t.Fatalf("terraform plan with %s: %v\n%s", tf.communityKind(), err, out)
	}
	// OpenTofu counts the forgotten memberships in the summary too.
	if !regexp.MustCompile(`Plan: 0 to add, 0 to change, 0 to destroy(, 18 to forget)?\.`).MatchString(out) {
		t.Errorf("the plan is not 0 to add, 0 to change, 0 to destroy:\n%s", out)
	}
	// The warning about what it stops managing, Terraform's or OpenTofu's.
	if !strings.Contains(out, "Some objects will no longer be managed by Terraform") &&
		!strings.Contains(out, "Resource will be removed from the state") {
		t.Errorf("the plan does not warn about the forgotten memberships:\n%s", out)
	}
	checkOnlyReads(t, env.sim.Stats())

	checkCommunityMigrationPlan(t, tf.showPlanFile(planFile))

	env.sim.ResetStats()
	if out, err := tf.apply(); err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	checkOnlyReads(t, env.sim.Stats())
	if changes, out, err := tf.plan(); err != nil || changes {
		t.Fatalf("plan after the apply: changes %v, %v\n%s", changes, err, out)
	}
	checkCommunityMigrationState(t, tf.show())
}

// The recorded workspace's objects by type: 7 teams, 19 members and
// invitations, 18 team memberships, 9 projects.
const (
	fixtureTeams       = 7
	fixtureMembers     = 19
	fixtureMemberships = 18
	fixtureProjects    = 9
)

// checkCommunityMigrationPlan checks the plan of a migration of the
// recorded workspace: each member moved from sentry_organization_member
// with no change, each membership forgotten, teams this provider's and
// projects the community provider's, all without a change.
func checkCommunityMigrationPlan(t *testing.T, plan *tfjson.Plan) {
	t.Helper()
	counts := map[string]int{}
	for _, rc := range plan.ResourceChanges {
		counts[rc.Type]++
		switch rc.Type {
		case "sentry_member":
			if !strings.HasPrefix(rc.PreviousAddress, "sentry_organization_member.") || !rc.Change.Actions.NoOp() ||
				rc.ProviderName != reattachAddress(t) {
				t.Errorf("%s (from %q, %s): %v, want a no-op moved from a sentry_organization_member",
					rc.Address, rc.PreviousAddress, rc.ProviderName, rc.Change.Actions)
			}
		case "sentry_team_member":
			if !rc.Change.Actions.Forget() {
				t.Errorf("%s: %v, want it forgotten", rc.Address, rc.Change.Actions)
			}
		case "sentry_team":
			if !rc.Change.Actions.NoOp() || rc.ProviderName != reattachAddress(t) {
				t.Errorf("%s (%s): %v, want a no-op of this provider", rc.Address, rc.ProviderName, rc.Change.Actions)
			}
		case "sentry_project":
			if !rc.Change.Actions.NoOp() || rc.ProviderName != communitystandin.Address {
				t.Errorf("%s (%s): %v, want a no-op of the community provider", rc.Address, rc.ProviderName, rc.Change.Actions)
			}
		default:
			t.Errorf("%s: %v, a change the migration should not have", rc.Address, rc.Change.Actions)
		}
	}
	want := map[string]int{"sentry_member": fixtureMembers, "sentry_team_member": fixtureMemberships,
		"sentry_team": fixtureTeams, "sentry_project": fixtureProjects}
	for typ, n := range want {
		if counts[typ] != n {
			t.Errorf("%d %s in the plan, want %d", counts[typ], typ, n)
		}
	}
}

// checkCommunityMigrationState checks the state after the migration's
// apply: members and teams are this provider's, projects the community
// provider's, and no community member or membership is left.
func checkCommunityMigrationState(t *testing.T, s *tfjson.State) {
	t.Helper()
	byType := stateResources(s)
	for typ, want := range map[string]int{"sentry_member": fixtureMembers, "sentry_team": fixtureTeams,
		"sentry_project": fixtureProjects, "sentry_organization_member": 0, "sentry_team_member": 0} {
		if got := len(byType[typ]); got != want {
			t.Errorf("%d %s in the state after the apply, want %d", got, typ, want)
		}
	}
	for _, typ := range []string{"sentry_member", "sentry_team"} {
		for _, r := range byType[typ] {
			if r.ProviderName != reattachAddress(t) {
				t.Errorf("%s belongs to %s, want %s", r.Address, r.ProviderName, reattachAddress(t))
			}
		}
	}
}

// checkOnlyReads fails the test when Sentry received anything but reads.
func checkOnlyReads(t *testing.T, stats sentrysim.Stats) {
	t.Helper()
	for route, n := range stats.Requests {
		if !strings.HasPrefix(route, "GET ") {
			t.Errorf("%d requests %s, want none but reads", n, route)
		}
	}
}
