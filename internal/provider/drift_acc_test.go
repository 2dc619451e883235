package provider

import (
	"context"
	"fmt"
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
	env := newAccEnv(t)
	env.createTeams(t, "tf-drift-owners")
	env.createProject(t, "tf-drift-owners", "tf-drift-api")
	config := func(explain string) string {
		provider := env.providerConfig(t, "owner")
		if explain != "" {
			provider = strings.Replace(provider, "provider \"sentry\" {", "provider \"sentry\" {\n  explain_drift = "+explain, 1)
		}
		return provider + `
resource "sentry_team" "a" {
  slug = "tf-drift-a"
  name = "Drift A"
}

resource "sentry_team_project" "link" {
  project = "tf-drift-api"
  team    = sentry_team.a.slug
}

resource "sentry_member" "m" {
  email       = "drift-member@acme.example"
  role        = "member"
  send_invite = false
}

resource "sentry_api_token" "ci" {
  name = "tf-drift-ci"
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

	manager := env.client(t, "manager")
	if _, err := manager.RemoveProjectTeam(ctx, env.org, "tf-drift-api", "tf-drift-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := manager.UpdateTeam(ctx, env.org, teamID, sentry.UpdateTeamRequest{Name: ptr("Renamed By Hand")}); err != nil {
		t.Fatal(err)
	}
	if _, err := manager.UpdateMember(ctx, env.org, memberID, sentry.UpdateMemberRequest{OrgRole: ptr("manager")}); err != nil {
		t.Fatal(err)
	}
	if err := manager.DeleteOrgAuthToken(ctx, env.org, tokenID); err != nil {
		t.Fatal(err)
	}

	// The time and address of each change, as Sentry's audit log has them.
	owner := env.client(t, "owner")
	at := func(event string) string {
		entries, err := owner.ListAuditLog(ctx, env.org, sentry.AuditLogQuery{Event: event, Limit: 1})
		if err != nil || len(entries) == 0 {
			t.Fatalf("audit log of %s: %v, %d entries", event, err, len(entries))
		}
		return entries[0].DateCreated.UTC().Format(time.RFC3339) + " from " + entries[0].IPAddress
	}
	want := []string{
		fmt.Sprintf(`sentry_team "tf-drift-a" (id %s): name changed outside Terraform from "Drift A" to "Renamed By Hand" by manager@acme.example (team.edit) at %s`, teamID, at("team.edit")),
		fmt.Sprintf(`sentry_team_project "tf-drift-api/tf-drift-a": removed outside Terraform by manager@acme.example (project-team.remove) at %s`, at("project-team.remove")),
		fmt.Sprintf(`sentry_member "drift-member@acme.example" (id %s): role changed outside Terraform from "member" to "manager" by manager@acme.example (member.edit) at %s`, memberID, at("member.edit")),
		fmt.Sprintf(`sentry_api_token "tf-drift-ci" (id %s): removed outside Terraform by manager@acme.example (org-auth-token.remove) at %s`, tokenID, at("org-auth-token.remove")),
	}
	changes, out, err := tf.plan()
	if err != nil || !changes {
		t.Fatalf("terraform plan: changes %v, %v\n%s", changes, err, out)
	}
	for _, w := range want {
		if !wrappedText(w).MatchString(out) {
			t.Errorf("plan output lacks %q:\n%s", w, out)
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
