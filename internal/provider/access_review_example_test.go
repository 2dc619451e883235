package provider

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// TestAccAccessReviewExample: examples/access-review writes the review
// CSV, and each of its policy checks fails when an organization breaks its
// rule and passes when it keeps it.
func TestAccAccessReviewExample(t *testing.T) {
	example, err := os.ReadFile("../../examples/access-review/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	const failed = "Check block assertion failed"
	now := time.Now().UTC()
	recent, old := now.Add(-24*time.Hour), now.Add(-100*24*time.Hour)
	yes := true
	setPosture := func(t *testing.T, env *accEnv, p sentrysim.MemberPosture) {
		t.Helper()
		if err := env.sim.SetMemberPosture(env.org, p); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("violations", func(t *testing.T) {
		env := newAccEnv(t)
		env.needSim(t, "members' 2FA and sign-in times are set through the emulator's controls")
		pfx := randomName()
		seed := fmt.Sprintf(`{"teams": [{"slug": %[1]q}], "projects": [{"slug": %[1]q, "teams": [%[1]q]}],
			"members": [
			  {"email": "%[1]s-ann@acme.example", "role": "owner", "has2fa": true, "last_active": %[2]q},
			  {"email": "%[1]s-bob@acme.example", "role": "owner", "has2fa": true, "last_active": %[2]q},
			  {"email": "%[1]s-old@acme.example", "role": "manager", "last_active": %[3]q},
			  {"email": "%[1]s-inv@acme.example", "role": "member", "expired": true}]}`,
			pfx, recent.Format(time.RFC3339), old.Format(time.RFC3339))
		if err := env.sim.LoadSeed(env.org, strings.NewReader(seed)); err != nil {
			t.Fatal(err)
		}
		tf := newTFRunner(t, env.providerConfig(t, "owner")+string(example))
		_, out, err := tf.plan()
		if err != nil {
			t.Fatalf("terraform plan: %v\n%s", err, out)
		}
		for _, want := range []string{
			`check "owners_have_2fa"`, `check "at_most_two_owners"`, `check "inactive_members_demoted"`,
			`check "projects_reached_only_through_owning_teams"`, `check "no_expired_invitations"`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s did not fail:\n%s", want, out)
			}
		}
		if n := strings.Count(out, failed); n != 5 {
			t.Errorf("want 5 failed checks, got %d:\n%s", n, out)
		}
		for _, name := range []string{"owner@acme.example", pfx + "-old@acme.example", pfx + "-inv@acme.example", "member@acme.example on " + pfx} {
			if !strings.Contains(strings.Join(strings.Fields(out), " "), name) {
				t.Errorf("the failed checks should name %s:\n%s", name, out)
			}
		}
	})

	t.Run("compliant", func(t *testing.T) {
		env := newAccEnv(t)
		env.needSim(t, "members' 2FA and sign-in times are set through the emulator's controls")
		pfx := randomName()
		seed := fmt.Sprintf(`{"teams": [{"slug": %[1]q}], "projects": [{"slug": %[1]q, "teams": [%[1]q]}],
			"members": [{"email": "%[1]s-dev@acme.example", "role": "member", "teams": [{"team": %[1]q}]}],
			"settings": {"openMembership": false}}`, pfx)
		if err := env.sim.LoadSeed(env.org, strings.NewReader(seed)); err != nil {
			t.Fatal(err)
		}
		setPosture(t, env, sentrysim.MemberPosture{Email: "owner@acme.example", Has2FA: &yes, LastActive: &recent})
		setPosture(t, env, sentrysim.MemberPosture{Email: "manager@acme.example", LastActive: &recent})
		tf := newTFRunner(t, env.providerConfig(t, "owner")+string(example))
		if out, err := tf.apply(); err != nil || strings.Contains(out, failed) {
			t.Fatalf("terraform apply: %v\n%s", err, out)
		}
		st := tf.show()
		csv, _ := st.Values.Outputs["access_review_csv"].Value.(string)
		want := []string{
			"project,email,org_role,effective_role,path,teams,has_2fa,sso_linked,idp_provisioned,last_active",
			pfx + "," + pfx + "-dev@acme.example,member,contributor,teams," + pfx + ":contributor,false,false,false,never",
			pfx + ",owner@acme.example,owner,admin,org_role,,true,false,false," + recent.Format(time.RFC3339),
		}
		for _, line := range want {
			if !strings.Contains(csv, line+"\n") && !strings.HasSuffix(csv, line) {
				t.Errorf("the review misses %q:\n%s", line, csv)
			}
		}
		if strings.Contains(csv, "member@acme.example") {
			t.Errorf("member@ is on no team and open membership is off, yet the review lists it:\n%s", csv)
		}
		if _, ok := st.Values.Outputs["access_changes_by_actor"]; !ok {
			t.Errorf("no access_changes_by_actor output")
		}
	})
}

// TestAccAccessReviewExampleDemo applies examples/access-review, as it is
// but for the provider block, to the organization make demo builds
// (examples/demo/seed.json), writes the review file as its usage says
// (terraform output -raw access_review_csv > access-review.csv), and reads
// it back: one row per person per project. The demo organization is as
// Sentry makes one, so three policy checks fail on it, each for a reason
// the test names; then the organization breaks the other two rules and
// all five fail.
func TestAccAccessReviewExampleDemo(t *testing.T) {
	ctx := context.Background()
	env := demoOrganization(t)
	tf := exampleRunner(t, env, "access-review", map[string]any{})
	out, err := tf.apply()
	if err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}

	// The failures on the demo organization, and why:
	//   - owner@ is the organization's first owner, who never set up 2FA;
	//   - owner@ and manager@ have never signed in (the emulator records
	//     no sign-in for them), so both count as inactive above member;
	//   - open membership is on, as Sentry creates organizations, so
	//     member@, on no team, reaches all five projects.
	// One owner keeps at_most_two_owners; no invitation is pending.
	projects := []string{"auth-service", "billing-worker", "notification-service", "payment-api", "platform-api"}
	var outsiders []string
	for _, p := range projects {
		outsiders = append(outsiders, "member@acme.example on "+p)
	}
	demoFailures := map[string]*regexp.Regexp{
		"owners_have_2fa": regexp.MustCompile(regexp.QuoteMeta("Owners without 2FA: owner@acme.example.")),
		"inactive_members_demoted": regexp.MustCompile(regexp.QuoteMeta("Inactive for 90 days with a role above member: " +
			"owner@acme.example (owner, last active never), manager@acme.example (manager, last active never).")),
		"projects_reached_only_through_owning_teams": regexp.MustCompile(regexp.QuoteMeta(
			"Reached outside the owning teams through open membership: " + strings.Join(outsiders, ", ") + ".")),
	}
	wantFailedChecks(t, out, demoFailures)

	// The review file, written as the example's usage says.
	outputs, err := tf.tf.Output(ctx)
	if err != nil {
		t.Fatalf("terraform output: %v", err)
	}
	// Loading the organization wrote no access change to the audit log
	// (its org-auth-token.create entries are not access changes).
	if changes := string(outputs["access_changes_by_actor"].Value); changes != "{}" {
		t.Errorf("access_changes_by_actor is %s, want {}", changes)
	}
	var review string
	if err := json.Unmarshal(outputs["access_review_csv"].Value, &review); err != nil {
		t.Fatalf("access_review_csv: %v", err)
	}
	file := filepath.Join(tf.dir, "access-review.csv")
	if err := os.WriteFile(file, []byte(review+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("the review is not CSV: %v\n%s", err, review)
	}
	header := "project,email,org_role,effective_role,path,teams,has_2fa,sso_linked,idp_provisioned,last_active"
	if len(records) == 0 || strings.Join(records[0], ",") != header {
		t.Fatalf("the review's header is not %q:\n%s", header, review)
	}
	// Everyone joined reaches every project: owner@ and manager@ by their
	// role, the others by open membership; priya and tom are also on
	// engineering, which owns every project, as contributors.
	people := map[string]string{
		"owner@acme.example":   "owner,admin,org_role,",
		"manager@acme.example": "manager,admin,org_role,",
		"member@acme.example":  "member,contributor,open_membership,",
		"priya@acme.example":   "member,contributor,open_membership,engineering:contributor",
		"tom@acme.example":     "member,contributor,open_membership,engineering:contributor",
	}
	want := map[string]bool{}
	for _, p := range projects {
		for email, access := range people {
			want[p+","+email+","+access+",false,false,false,never"] = true
		}
	}
	seen := map[string]bool{}
	for _, r := range records[1:] {
		row := strings.Join(r, ",")
		if key := r[0] + " " + r[1]; seen[key] {
			t.Errorf("%s on %s has more than one row", r[1], r[0])
		} else {
			seen[key] = true
		}
		if !want[row] {
			t.Errorf("unexpected row %q", row)
		}
		delete(want, row)
	}
	for row := range want {
		t.Errorf("the review misses %q", row)
	}
	if n := len(records) - 1; n != len(projects)*len(people) {
		t.Errorf("%d rows, want %d (one per person per project):\n%s", n, len(projects)*len(people), review)
	}

	// The demo organization breaks the two rules it keeps: two more
	// owners, and an invitation past its expiry.
	pfx := randomName()
	seed := fmt.Sprintf(`{"members": [
		{"email": "%[1]s-ann@acme.example", "role": "owner", "has2fa": true},
		{"email": "%[1]s-bob@acme.example", "role": "owner", "has2fa": true},
		{"email": "%[1]s-inv@acme.example", "role": "member", "expired": true}]}`, pfx)
	if err := env.sim.LoadSeed(env.org, strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	demoFailures["inactive_members_demoted"] = regexp.MustCompile(regexp.QuoteMeta("Inactive for 90 days with a role above member: " +
		"owner@acme.example (owner, last active never), manager@acme.example (manager, last active never), " +
		pfx + "-ann@acme.example (owner, last active never), " + pfx + "-bob@acme.example (owner, last active never)."))
	demoFailures["at_most_two_owners"] = regexp.MustCompile(regexp.QuoteMeta("3 owners, at most 2 allowed: " +
		"owner@acme.example, " + pfx + "-ann@acme.example, " + pfx + "-bob@acme.example."))
	demoFailures["no_expired_invitations"] = regexp.MustCompile(regexp.QuoteMeta("Pending invitations past their expiry: " + pfx + "-inv@acme.example."))
	planAfterBreak(t, tf, demoFailures)
}
