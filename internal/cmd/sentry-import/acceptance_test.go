package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/sentryrbac/terraform-provider-sentry/internal/communitystandin"
	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/provider"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/tfcli"
)

const providerAddress = "registry.terraform.io/sentryrbac/sentry"

// TestAccImportOrganization is the whole path on Terraform without
// terraform query: the command writes import blocks for an organization,
// terraform plan -generate-config-out writes their configuration and plans
// only imports, apply imports them, and the next plan is empty. It logs
// the API requests all of it took. Sentry is a release before 25.10,
// which lists organization auth tokens for a bearer token: they are
// imported too.
//
// The organization is small-org.json (203 members, 309 objects, about 15
// seconds); SENTRY_IMPORT_ACC_ORG=large imports large-org.json instead
// (1,003 members, 1,533 objects, about 100 seconds).
func TestAccImportOrganization(t *testing.T) {
	importOrganization(t, legacyTokens)
}

// TestAccImportOrganization_todaysSentry is the same path on today's
// Sentry, where only a browser session may list organization auth tokens,
// in an organization with tokens people made in the browser: the command
// warns once and imports everything else, which then plans empty.
func TestAccImportOrganization_todaysSentry(t *testing.T) {
	importOrganization(t, todaysTokens)
}

func importOrganization(t *testing.T, legacyOrgTokens bool) {
	t.Helper()
	terraform := terraformPath(t)
	org := smallOrg
	switch size := os.Getenv("SENTRY_IMPORT_ACC_ORG"); size {
	case "", "small":
	case "large":
		org = largeOrg
	default:
		t.Fatalf("SENTRY_IMPORT_ACC_ORG=%q: want small or large", size)
	}
	sim, vars := org.serve(t, legacyOrgTokens)
	want := org.total()
	if !legacyOrgTokens {
		// Besides the seeded ones, a token someone made in the browser.
		if _, err := sim.CreateOrgToken(sim.Organization(), "owner@acme.example", acctest.RandomWithPrefix("tf-acc")+"-ci"); err != nil {
			t.Fatal(err)
		}
		want -= org.objects["sentry_api_token"]
	}
	dir := t.TempDir()
	providers := fmt.Sprintf(`terraform {
  required_providers {
    sentry = { source = "sentryrbac/sentry" }
  }
}

provider "sentry" {
  base_url     = %q
  organization = %q
  auth_token   = %q
  scim_token   = %q
}
`, vars[envBaseURL], vars[envOrganization], vars[envAuthToken], vars[envSCIMToken])
	if err := os.WriteFile(filepath.Join(dir, "providers.tf"), []byte(providers), 0o600); err != nil {
		t.Fatal(err)
	}
	tf := newTerraformRunner(t, terraform, dir)
	tf.run(t, "init", "-input=false")

	type step struct {
		name     string
		requests int64
		took     time.Duration
	}
	var steps []step
	measure := func(name string, f func()) {
		sim.ResetStats()
		start := time.Now()
		f()
		steps = append(steps, step{name, sim.Stats().Total(), time.Since(start)})
	}

	var objects int
	measure("sentry-import", func() {
		var stderr bytes.Buffer
		if err := run(context.Background(), []string{"-out", filepath.Join(dir, "imports.tf")}, env(vars), &stderr); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		data, err := os.ReadFile(filepath.Join(dir, "imports.tf"))
		if err != nil {
			t.Fatal(err)
		}
		objects = len(parseImports(t, data))
		warnings := strings.Count(stderr.String(), "sentry-import: warning:")
		tokenWarnings := strings.Count(stderr.String(), "sentry-import: warning: sentry_api_token skipped: since 2025-09")
		if legacyOrgTokens && warnings != 0 || !legacyOrgTokens && (warnings != 1 || tokenWarnings != 1) {
			t.Errorf("%d warnings, %d about tokens:\n%s", warnings, tokenWarnings, stderr.String())
		}
	})
	if objects != want {
		t.Fatalf("%d import blocks, want %d", objects, want)
	}

	measure("plan -generate-config-out", func() {
		out := tf.run(t, "plan", "-input=false", "-generate-config-out=generated.tf")
		want := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", objects)
		if !strings.Contains(out, want) {
			t.Fatalf("the plan is not %q:\n%s", want, planChanges(out))
		}
	})
	checkSCIMTeamsLeftOut(t, vars, filepath.Join(dir, "generated.tf"))
	measure("apply", func() {
		out := tf.run(t, "apply", "-input=false", "-auto-approve")
		want := fmt.Sprintf("Resources: %d imported, 0 added, 0 changed, 0 destroyed.", objects)
		if !strings.Contains(out, want) {
			t.Fatalf("the apply is not %q:\n%s", want, planChanges(out))
		}
	})
	measure("plan", func() {
		out := tf.run(t, "plan", "-input=false", "-detailed-exitcode")
		if !strings.Contains(out, "No changes.") {
			t.Fatalf("the plan after the import is not empty:\n%s", planChanges(out))
		}
	})

	var importRequests int64
	for i, s := range steps {
		t.Logf("%-26s %5d API requests, %s", s.name, s.requests, s.took.Round(time.Millisecond))
		if i < 3 {
			importRequests += s.requests
		}
	}
	t.Logf("imported %d objects with %d API requests (%.2f an object): command, plan and apply",
		objects, importRequests, float64(importRequests)/float64(objects))
}

// terraformPath is the Terraform the acceptance tests run, as
// terraform-plugin-testing finds it; without TF_ACC the test is skipped.
func terraformPath(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (and TF_ACC_TERRAFORM_PATH, else terraform on PATH)")
	}
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("TF_ACC is set but there is no terraform: set TF_ACC_TERRAFORM_PATH")
	}
	return p
}

// terraformRunner runs Terraform in a directory against the provider
// served from this process.
type terraformRunner struct {
	bin, dir string
	env      []string
}

func newTerraformRunner(t *testing.T, bin, dir string) *terraformRunner {
	t.Helper()
	return newTerraformRunnerWith(t, bin, dir, false)
}

// newTerraformRunnerWith is newTerraformRunner, with the community
// provider's stand-in served too when standIn is set.
func newTerraformRunnerWith(t *testing.T, bin, dir string, standIn bool) *terraformRunner {
	t.Helper()
	reattach := serveProvider(t, standIn)
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return &terraformRunner{bin: bin, dir: dir, env: append(os.Environ(),
		"TF_REATTACH_PROVIDERS="+reattach,
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"TF_LOG=",
	)}
}

// run runs one command and returns its output; a failure, or a plan's
// exit code 2 (changes), ends the test.
func (r *terraformRunner) run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), r.bin, append(args, "-no-color")...) //nolint:gosec // The test's own Terraform.
	cmd.Dir, cmd.Env = r.dir, r.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, planChanges(string(out)))
	}
	return string(out)
}

// reattachAddress is providerAddress as the program the tests drive reads
// the configuration's source = "sentryrbac/sentry": OpenTofu reads it as a
// provider of its own registry.
func reattachAddress(t *testing.T) string {
	t.Helper()
	return tfcli.RegistryHost(t) + "/" + strings.TrimPrefix(providerAddress, tfcli.TerraformRegistry+"/")
}

// serveProvider serves the provider from this process, as
// terraform-plugin-testing does, and returns TF_REATTACH_PROVIDERS for it;
// with standIn, also the community provider's stand-in
// (internal/communitystandin) under that provider's address. The servers
// stop when the test ends.
func serveProvider(t *testing.T, standIn bool) string {
	t.Helper()
	servers := map[string]tfprotov6.ProviderServer{
		reattachAddress(t): providerserver.NewProtocol6(provider.New("test")())(),
	}
	if standIn {
		s, err := communitystandin.New()
		if err != nil {
			t.Fatal(err)
		}
		servers[communitystandin.Address] = s
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stopped []<-chan struct{}
	t.Cleanup(func() {
		cancel()
		for _, closed := range stopped {
			<-closed
		}
	})
	attach := tfexec.ReattachInfo{}
	for address, server := range servers {
		cfg, closed, err := tfcli.ServeInProcess(ctx, t, address, server)
		if err != nil {
			t.Fatal(err)
		}
		attach[address] = cfg
		stopped = append(stopped, closed)
	}
	data, err := json.Marshal(attach)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// planChanges keeps what a failed plan is about: its changes and errors,
// not thousands of lines of reads and imports.
func planChanges(out string) string {
	noise := regexp.MustCompile(`(?m)^\S.*: (Reading|Read complete|Refreshing state|Preparing import|Importing|Import complete)\b.*$\n?`)
	out = noise.ReplaceAllString(out, "")
	if len(out) > 20000 {
		out = out[:20000] + "\n[...]"
	}
	return out
}

// checkSCIMTeamsLeftOut checks that the generated configuration puts no
// member on a team made through SCIM: that membership is the identity
// provider's, so imported members on such a team leave teams out.
func checkSCIMTeamsLeftOut(t *testing.T, vars map[string]string, generated string) {
	t.Helper()
	client, err := sentry.NewClient(sentry.Config{BaseURL: vars[envBaseURL], Token: vars[envAuthToken]})
	if err != nil {
		t.Fatal(err)
	}
	scimTeams, err := inventory.SCIMTeamSlugs(context.Background(), client, vars[envOrganization])
	if err != nil {
		t.Fatal(err)
	}
	if len(scimTeams) == 0 {
		t.Fatal("the seeded organization has no SCIM team: the check would test nothing")
	}
	data, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	for slug := range scimTeams {
		if regexp.MustCompile(`team\s*=\s*"` + regexp.QuoteMeta(slug) + `"`).Match(data) {
			t.Errorf("the generated configuration puts a member on SCIM team %q", slug)
		}
	}
}
