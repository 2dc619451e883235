package provider

import (
	"fmt"
	"os"
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
