package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// TestAccDriftExplainedInPlan applies a team, a member, a team-project link
// and a token, changes or removes each as the manager behind Terraform's
// back, and runs terraform plan: its output must carry, for each, the
// warning with the change, the actor, the event and the audit entry's time.
// A second plan with explain_drift = false must carry none.
func TestAccDriftExplainedInPlan(t *testing.T) {
	ctx := context.Background()
	env := newAccEnv(t, legacyOrgTokens)
	pfx := randomName()
	env.createTeams(t, pfx+"-drift-owners")
	env.createProject(t, pfx+"-drift-owners", pfx+"-drift-api")
	config := func(explain string) string {
		provider := env.providerConfig(t, "owner")
		if explain != "" {
			provider = strings.Replace(provider, "provider \"sentry\" {", "provider \"sentry\" {\n  explain_drift = "+explain, 1)
		}
		return provider + `
resource "sentry_team" "a" {
  slug = "` + pfx + `-drift-a"
  name = "` + pfx + ` Drift A"
}

resource "sentry_team_project" "link" {
  project = "` + pfx + `-drift-api"
  team    = sentry_team.a.slug
}

resource "sentry_member" "m" {
  email       = "` + pfx + `-drift-member@acme.example"
  role        = "member"
  send_invite = false
}

resource "sentry_api_token" "ci" {
  name = "` + pfx + `-drift-ci"
}
`
	}
	tf := newTFRunner(t, config(""))
	t.Cleanup(func() {
		if out, err := tf.destroy(); err != nil {
			t.Errorf("terraform destroy: %v\n%s", err, out)
		}
	})
	if out, err := tf.apply(); err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	resources := stateResources(tf.show())
	teamID := stateAttr(resources["sentry_team"][0], "id")
	memberID := stateAttr(resources["sentry_member"][0], "id")
	tokenID := stateAttr(resources["sentry_api_token"][0], "id")

	// The changes are made by a manager where there is one (the emulator);
	// live runs have only the owner's token and make them as the owner.
	actor := "owner"
	if _, ok := env.tokens["manager"]; ok {
		actor = "manager"
	}
	manager := env.client(t, actor)
	if _, err := manager.RemoveProjectTeam(ctx, env.org, pfx+"-drift-api", pfx+"-drift-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := manager.UpdateTeam(ctx, env.org, teamID, sentry.UpdateTeamRequest{Name: ptr(pfx + " Renamed By Hand")}); err != nil {
		t.Fatal(err)
	}
	if _, err := manager.UpdateMember(ctx, env.org, memberID, sentry.UpdateMemberRequest{OrgRole: ptr("manager")}); err != nil {
		t.Fatal(err)
	}
	if err := manager.DeleteOrgAuthToken(ctx, env.org, tokenID); err != nil {
		t.Fatal(err)
	}

	// Who made each change, and its time and address, as Sentry's audit log
	// has them. A live organization's log is shared with parallel tests, so
	// there only the shape of the time and address is checked.
	owner := env.client(t, "owner")
	by := func(event string) string {
		if env.sim == nil {
			return `\s+by\s+\S+\s+` + wrappedText("("+event+") at").String() + `\s+\S+\s+from\s+\S+`
		}
		entries, err := owner.ListAuditLog(ctx, env.org, sentry.AuditLogQuery{Event: event, Limit: 1})
		if err != nil || len(entries) == 0 {
			t.Fatalf("audit log of %s: %v, %d entries", event, err, len(entries))
		}
		return `\s+` + wrappedText("by manager@acme.example ("+event+") at "+
			entries[0].DateCreated.UTC().Format(time.RFC3339)+" from "+entries[0].IPAddress).String()
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(wrappedText(fmt.Sprintf(`sentry_team "`+pfx+`-drift-a" (id %s): name changed outside Terraform from "`+pfx+` Drift A" to "`+pfx+` Renamed By Hand"`, teamID)).String() + by("team.edit")),
		regexp.MustCompile(wrappedText(`sentry_team_project "`+pfx+`-drift-api/`+pfx+`-drift-a": removed outside Terraform`).String() + by("project-team.remove")),
		regexp.MustCompile(wrappedText(fmt.Sprintf(`sentry_member "`+pfx+`-drift-member@acme.example" (id %s): role changed outside Terraform from "member" to "manager"`, memberID)).String() + by("member.edit")),
		regexp.MustCompile(wrappedText(fmt.Sprintf(`sentry_api_token "`+pfx+`-drift-ci" (id %s): removed outside Terraform`, tokenID)).String() + by("org-auth-token.remove")),
	}
	changes, out, err := tf.plan()
	if err != nil || !changes {
		t.Fatalf("terraform plan: changes %v, %v\n%s", changes, err, out)
	}
	for _, w := range want {
		if !w.MatchString(out) {
			t.Errorf("plan output lacks %s:\n%s", w, out)
		}
	}

	tf.writeConfig(config("false"))
	_, out, err = tf.plan()
	if err != nil {
		t.Fatalf("terraform plan: %v\n%s", err, out)
	}
	if strings.Contains(out, "outside Terraform by") {
		t.Errorf("explain_drift = false still explains drift:\n%s", out)
	}
}

// TestAccDriftMemberTeamsOnlyWhenManaged adds three members to a team
// behind Terraform's back: one whose configuration leaves teams out, one
// with a team and one with teams = []. The first refresh, after only the
// first member's change, must explain nothing and read no audit log; the
// next, after the other two changes, must explain both.
func TestAccDriftMemberTeamsOnlyWhenManaged(t *testing.T) {
	ctx := context.Background()
	env := newAccEnv(t)
	pfx := randomName()
	managedTeam, addedTeam := pfx+"-drift-web", pfx+"-drift-api"
	env.createTeams(t, managedTeam, addedTeam)
	emails := map[string]string{"free": randomEmail(), "managed": randomEmail(), "none": randomEmail()}
	tf := newTFRunner(t, env.providerConfig(t, "owner")+`
resource "sentry_member" "free" {
  email       = "`+emails["free"]+`"
  send_invite = false
}

resource "sentry_member" "managed" {
  email       = "`+emails["managed"]+`"
  send_invite = false
  teams       = [{ team = "`+managedTeam+`" }]
}

resource "sentry_member" "none" {
  email       = "`+emails["none"]+`"
  send_invite = false
  teams       = []
}
`)
	t.Cleanup(func() {
		if out, err := tf.destroy(); err != nil {
			t.Errorf("terraform destroy: %v\n%s", err, out)
		}
	})
	if out, err := tf.apply(); err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	ids := map[string]string{}
	for _, rs := range stateResources(tf.show())["sentry_member"] {
		ids[rs.Name] = stateAttr(rs, "id")
	}

	actor := "owner"
	if _, ok := env.tokens["manager"]; ok {
		actor = "manager"
	}
	manager := env.client(t, actor)
	addBehindTerraform := func(name string) {
		t.Helper()
		if _, err := manager.AddTeamMember(ctx, env.org, ids[name], addedTeam); err != nil {
			t.Fatalf("adding %s to %s: %v", emails[name], addedTeam, err)
		}
	}
	teamDrift := func(name string) *regexp.Regexp {
		return wrappedText(fmt.Sprintf(`sentry_member %q (id %s): added to team %q outside Terraform by`,
			emails[name], ids[name], addedTeam))
	}
	auditReads := func() int64 {
		if env.sim == nil {
			return -1
		}
		return env.sim.Stats().Count("GET", auditRoute)
	}

	// Teams left out: the change is Sentry's to make. The refresh takes it
	// into state with no warning and no audit log request.
	addBehindTerraform("free")
	if env.sim != nil {
		env.sim.ResetStats()
	}
	out, err := tf.apply()
	if err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "0 added, 0 changed, 0 destroyed") {
		t.Errorf("a team joined outside Terraform changes a member that leaves teams out:\n%s", out)
	}
	if wrappedText(fmt.Sprintf("sentry_member %q", emails["free"])).MatchString(out) || teamDrift("free").MatchString(out) {
		t.Errorf("team drift is explained for a member whose configuration leaves teams out:\n%s", out)
	}
	if n := auditReads(); n > 0 {
		t.Errorf("a refresh with only unmanaged team changes made %d audit log requests", n)
	}

	// Teams set, to a team or to none: the same change is explained.
	addBehindTerraform("managed")
	addBehindTerraform("none")
	if env.sim != nil {
		env.sim.ResetStats()
	}
	changes, out, err := tf.plan()
	if err != nil || !changes {
		t.Fatalf("terraform plan: changes %v, %v\n%s", changes, err, out)
	}
	for _, name := range []string{"managed", "none"} {
		if !teamDrift(name).MatchString(out) {
			t.Errorf("plan output lacks %s:\n%s", teamDrift(name), out)
		}
	}
	if n := auditReads(); n == 0 {
		t.Error("team drift was explained without reading the audit log")
	}
}
