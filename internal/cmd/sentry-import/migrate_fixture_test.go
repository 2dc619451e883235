package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// communityFixture is a workspace the community provider v0.15.4 applied
// against the emulator (its README says how it was recorded): the state it
// wrote, that state's show -json, and the emulator seed holding the same
// objects under the same ids.
const communityFixture = "../../testdata/community-v0.15.4"

// forgets is how the plan says a resource leaves the state and stays in
// Sentry: Terraform's words, or OpenTofu's.
const forgets = `(will no longer be managed by Terraform, but will not be destroyed|` +
	`will be removed from the OpenTofu state but will not be destroyed)`

// TestAccMigrationFileFromCommunity migrates the recorded 53-object
// workspace with the file sentry-import -from-state writes from its
// terraform show -json, the configuration changed as the file's header
// says (generated/main.tf: teams as they were, projects with the
// community provider under another name, memberships and members deleted).
// The plan must import the 12 project-team links and be otherwise empty:
// 0 to add, 0 to change, 0 to destroy, the 19 members moved (by 10 moved
// blocks, one per resource, for_each and count included) and the 18
// memberships forgotten; neither it nor the apply may send Sentry anything
// but reads; the plan after the apply is empty.
func TestAccMigrationFileFromCommunity(t *testing.T) {
	terraform := terraformPath(t)
	sim := sentrysim.New(sentrysim.Options{Organization: "acme"})
	seed, err := os.ReadFile(filepath.Join(communityFixture, "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.LoadSeed(sim.Organization(), bytes.NewReader(seed)); err != nil {
		t.Fatalf("loading the fixture's seed: %v", err)
	}
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	baseURL, token := server.URL+"/api/", sim.Tokens().Owner

	dir := t.TempDir()
	copyFixture := func(from, to string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(communityFixture, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyFixture("terraform.tfstate", "terraform.tfstate")
	copyFixture("generated/main.tf", "main.tf")
	var stderr bytes.Buffer
	if err := migrate(settings{fromState: filepath.Join(communityFixture, "show.json"), out: filepath.Join(dir, "migration.tf")},
		nil, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	// Every membership's member is in the state: nothing to warn about.
	if strings.Contains(stderr.String(), "warning") {
		t.Errorf("sentry-import warned about a workspace it can move whole:\n%s", stderr.String())
	}
	migration, err := os.ReadFile(filepath.Join(dir, "migration.tf"))
	if err != nil {
		t.Fatal(err)
	}
	// One per sentry_organization_member resource: engineers (for_each,
	// 8 members), contractors (count, 3) and 8 single ones.
	if n := strings.Count(string(migration), "\nmoved {"); n != 10 {
		t.Errorf("%d moved blocks, want one per member resource (10)", n)
	}
	for _, whole := range []string{"from = sentry_organization_member.engineers\n", "from = sentry_organization_member.contractors\n"} {
		if !strings.Contains(string(migration), whole) {
			t.Errorf("the file does not move %q whole:\n%s", whole, migration)
		}
	}
	// The community provider by its full address: the recorded state names
	// registry.terraform.io, which OpenTofu does not assume for a bare
	// "jianyuan/sentry" (an OpenTofu user's state names its own registry).
	if err := os.WriteFile(filepath.Join(dir, "providers.tf"), fmt.Appendf(nil, `terraform {
  required_providers {
    sentry           = { source = "sentryrbac/sentry" }
    sentry-community = { source = "registry.terraform.io/jianyuan/sentry" }
  }
}

provider "sentry" {
  base_url     = %[1]q
  organization = "acme"
  auth_token   = %[2]q
}

provider "sentry-community" {
  base_url = %[1]q
  token    = %[2]q
}
`, baseURL, token), 0o600); err != nil {
		t.Fatal(err)
	}

	tf, initArgs := communityRunner(t, terraform, dir)
	tf.run(t, append([]string{"init", "-input=false"}, initArgs...)...)
	sim.ResetStats()
	out := tf.run(t, "plan", "-input=false")
	if want := "Plan: 12 to import, 0 to add, 0 to change, 0 to destroy"; !strings.Contains(out, want) {
		t.Errorf("the plan is not %q:\n%s", want, planChanges(out))
	}
	for pattern, want := range map[string]int{
		`(?m)^  # sentry_organization_member\.\S+ has moved to sentry_member\.\S+$`: 19,
		`(?m)^ *# sentry_team_member\.\S+ ` + forgets + `$`:                         18,
	} {
		if got := len(regexp.MustCompile(pattern).FindAllString(out, -1)); got != want {
			t.Errorf("%d lines match %s, want %d:\n%s", got, pattern, want, planChanges(out))
		}
	}
	checkOnlyReads(t, "plan", sim.Stats())

	sim.ResetStats()
	out = tf.run(t, "apply", "-input=false", "-auto-approve")
	if want := "Resources: 12 imported, 0 added, 0 changed, 0 destroyed"; !strings.Contains(out, want) {
		t.Errorf("the apply is not %q:\n%s", want, planChanges(out))
	}
	checkOnlyReads(t, "apply", sim.Stats())
	out = tf.run(t, "plan", "-input=false", "-detailed-exitcode")
	if !strings.Contains(out, "No changes.") {
		t.Errorf("the plan after the apply is not empty:\n%s", planChanges(out))
	}

	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Type         string `json:"type"`
					ProviderName string `json:"provider_name"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(tf.run(t, "show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range state.Values.RootModule.Resources {
		counts[r.Type+" "+r.ProviderName]++
	}
	ours := reattachAddress(t)
	want := map[string]int{
		"sentry_member " + ours:                                19,
		"sentry_team " + ours:                                  7,
		"sentry_team_project " + ours:                          12,
		"sentry_project registry.terraform.io/jianyuan/sentry": 9,
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d %s in the state after the apply, want %d", counts[k], k, n)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("the state after the apply holds %v, want only %v", counts, want)
	}
}
