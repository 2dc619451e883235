package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// The access policy examples run as users run them: on the organization
// make demo builds (examples/demo/seed.json), applied, planned again, then
// broken behind Terraform's back the way people break a policy (in Sentry's
// settings page, through the API), and planned once more: each broken rule
// must fail its own check, and only that one.

const checkFailed = "Check block assertion failed"

// demoOrganization is an emulator holding the organization make demo
// applies its example to.
func demoOrganization(t *testing.T) *accEnv {
	t.Helper()
	env := newAccEnv(t)
	env.needSim(t, "the examples run on the demo organization, which is loaded into the emulator")
	seed, err := os.Open("../../examples/demo/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if err := env.sim.LoadSeed(env.org, seed); err != nil {
		t.Fatal(err)
	}
	return env
}

// exampleRunner is a Terraform working directory holding the example's
// files as they are, but for the provider block, which acts as the owner
// of env's organization, and the variables given.
func exampleRunner(t *testing.T, env *accEnv, example string, vars map[string]any) *tfRunner {
	t.Helper()
	tf := newTFRunner(t, "")
	files, err := filepath.Glob(filepath.Join("../../examples", example, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("example %s: %v, %d files", example, err, len(files))
	}
	const emptyProvider = "provider \"sentry\" {}\n"
	replaced := false
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		config := string(src)
		if strings.Contains(config, emptyProvider) {
			config = strings.Replace(config, emptyProvider, env.providerConfig(t, "owner"), 1)
			replaced = true
		}
		// The example's main.tf takes the place of the runner's.
		if err := os.WriteFile(filepath.Join(tf.dir, filepath.Base(f)), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !replaced {
		t.Fatalf("example %s has no %q block to point at the emulator", example, strings.TrimSpace(emptyProvider))
	}
	raw, err := json.Marshal(vars)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf.dir, "test.auto.tfvars.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return tf
}

// failedChecks are the failed check assertions in Terraform's output, by
// check name, each the warning's text on one line (Terraform wraps and
// boxes it).
func failedChecks(t *testing.T, out string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	name := regexp.MustCompile(`in check "([^"]+)"`)
	for _, warning := range strings.Split(out, checkFailed)[1:] {
		if end := strings.Index(warning, "╵"); end >= 0 {
			warning = warning[:end]
		}
		text := strings.Join(strings.Fields(strings.ReplaceAll(warning, "│", " ")), " ")
		m := name.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("a failed check without its name:\n%s", out)
		}
		got[m[1]] = append(got[m[1]], text)
	}
	return got
}

// wantFailedChecks fails unless exactly the named checks failed, each with
// a warning that matches its pattern.
func wantFailedChecks(t *testing.T, out string, want map[string]*regexp.Regexp) {
	t.Helper()
	got := failedChecks(t, out)
	var names []string
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	var wantNames []string
	for n := range want {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Fatalf("failed checks %v, want %v:\n%s", names, wantNames, out)
	}
	for n, re := range want {
		if len(got[n]) != 1 || !re.MatchString(got[n][0]) {
			t.Errorf("check %q should fail once with %s, got %q", n, re, got[n])
		}
	}
}

// applyExample applies the example and wants no failed check, then a
// second plan with no changes and no failed check.
func applyExample(t *testing.T, tf *tfRunner) {
	t.Helper()
	out, err := tf.apply()
	if err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	if strings.Contains(out, checkFailed) {
		t.Fatalf("the example breaks its own policy on apply:\n%s", out)
	}
	changes, out, err := tf.plan()
	if err != nil || changes {
		t.Fatalf("second plan: changes %v, %v\n%s", changes, err, out)
	}
	if strings.Contains(out, checkFailed) {
		t.Fatalf("a check fails on the plan after apply:\n%s", out)
	}
}

// memberID is the id of the organization's member with the email.
func memberID(t *testing.T, env *accEnv, email string) string {
	t.Helper()
	for m, err := range env.client(t, "owner").Members(context.Background(), env.org, "email:"+email) {
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	t.Fatalf("no member %s", email)
	return ""
}

// planAfterBreak runs terraform plan after the policy was broken and wants
// the failed checks.
func planAfterBreak(t *testing.T, tf *tfRunner, want map[string]*regexp.Regexp) {
	t.Helper()
	_, out, err := tf.plan()
	if err != nil {
		t.Fatalf("terraform plan: %v\n%s", err, out)
	}
	wantFailedChecks(t, out, want)
}

// TestAccAccessPolicyExampleTeamIsolation applies
// examples/access-policy-team-isolation to the demo organization, then
// adds a member of the engineering team to the isolated team through the
// API, and switches open membership on as the settings page does.
func TestAccAccessPolicyExampleTeamIsolation(t *testing.T) {
	ctx := context.Background()
	env := demoOrganization(t)
	team := randomName() + "-payments"
	tf := exampleRunner(t, env, "access-policy-team-isolation", map[string]any{"team": team})
	t.Cleanup(func() {
		if out, err := tf.destroy(); err != nil {
			t.Errorf("terraform destroy: %v\n%s", err, out)
		}
	})
	applyExample(t, tf)

	owner := env.client(t, "owner")
	o, err := owner.GetOrganization(ctx, env.org)
	if err != nil {
		t.Fatal(err)
	}
	if o.OpenMembership || o.AllowMemberInvite {
		t.Fatalf("the example left open membership %v, member invites %v", o.OpenMembership, o.AllowMemberInvite)
	}
	for _, project := range []string{"payment-api", "billing-worker"} {
		p, err := owner.GetProject(ctx, env.org, project)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(p.Teams, func(pt sentry.ProjectTeam) bool { return pt.Slug == team }) {
			t.Errorf("project %s is not linked to %s: %+v", project, team, p.Teams)
		}
	}

	// tom, an engineer, is added to the isolated team as well.
	if _, err := owner.AddTeamMember(ctx, env.org, memberID(t, env, "tom@acme.example"), team); err != nil {
		t.Fatal(err)
	}
	isolation := regexp.MustCompile(`check "team_isolation".*` + regexp.QuoteMeta("Members on "+team+" and another team: tom@acme.example."))
	planAfterBreak(t, tf, map[string]*regexp.Regexp{"team_isolation": isolation})

	// Open membership switched back on in Sentry's settings page.
	simControl(t, env, "/_sim/organizations/"+env.org+"/settings", map[string]any{"openMembership": true})
	planAfterBreak(t, tf, map[string]*regexp.Regexp{
		"team_isolation":      isolation,
		"open_membership_off": regexp.MustCompile(`check "open_membership_off".*` + regexp.QuoteMeta("Open membership is on: every member may join "+team+" and reaches its projects.")),
	})

	// Apply sets open membership back (its check still reports what the
	// plan read); the second team is not Terraform's to undo, so after it
	// only that check fails.
	if out, err := tf.apply(); err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	if o, err := owner.GetOrganization(ctx, env.org); err != nil || o.OpenMembership {
		t.Fatalf("apply did not set open membership back: %+v, %v", o, err)
	}
	planAfterBreak(t, tf, map[string]*regexp.Regexp{"team_isolation": isolation})
}

// TestAccAccessPolicyExampleContractors applies
// examples/access-policy-contractors to the demo organization, then gives
// the contractor another team and another role through the API, and
// switches events admin on.
func TestAccAccessPolicyExampleContractors(t *testing.T) {
	ctx := context.Background()
	env := demoOrganization(t)
	team := randomName() + "-contractors"
	contractor := randomEmail()
	tf := exampleRunner(t, env, "access-policy-contractors", map[string]any{"team": team, "contractors": []string{contractor}})
	t.Cleanup(func() {
		if out, err := tf.destroy(); err != nil {
			t.Errorf("terraform destroy: %v\n%s", err, out)
		}
	})
	applyExample(t, tf)

	owner := env.client(t, "owner")
	id := memberID(t, env, contractor)
	m, err := owner.GetMember(ctx, env.org, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.OrgRole != "member" || !slices.Equal(m.Teams, []string{team}) {
		t.Fatalf("the contractor is %s on %v, want member on %s", m.OrgRole, m.Teams, team)
	}

	// The contractor is added to engineering.
	if _, err := owner.AddTeamMember(ctx, env.org, id, "engineering"); err != nil {
		t.Fatal(err)
	}
	offPolicy := func(role, teams string) *regexp.Regexp {
		return regexp.MustCompile(`check "contractors_policy".*` + regexp.QuoteMeta("Contractors off policy (a role other than member, or another team than "+
			team+"): "+contractor+" (role "+role+", teams "+teams+")."))
	}
	planAfterBreak(t, tf, map[string]*regexp.Regexp{"contractors_policy": offPolicy("member", "engineering, "+team)})

	// And made a manager, with the team set kept.
	manager := "manager"
	if _, err := owner.UpdateMember(ctx, env.org, id, sentry.UpdateMemberRequest{OrgRole: &manager,
		TeamRoles: &[]sentry.MemberTeamRole{{TeamSlug: "engineering"}, {TeamSlug: team}}}); err != nil {
		t.Fatal(err)
	}
	planAfterBreak(t, tf, map[string]*regexp.Regexp{"contractors_policy": offPolicy("manager", "engineering, "+team)})

	// Events admin switched on, through the API as the settings page does.
	setOrg(t, env, map[string]any{"eventsMemberAdmin": true})
	planAfterBreak(t, tf, map[string]*regexp.Regexp{
		"contractors_policy": offPolicy("manager", "engineering, "+team),
		"events_admin_off":   regexp.MustCompile(`check "events_admin_off".*` + regexp.QuoteMeta("Members may delete and discard issues: events_member_admin is on.")),
	})

	// Apply puts everything back: role, team and setting are all managed.
	if out, err := tf.apply(); err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	changes, out, err := tf.plan()
	if err != nil || changes || strings.Contains(out, checkFailed) {
		t.Fatalf("plan after the repair: changes %v, %v\n%s", changes, err, out)
	}
}
