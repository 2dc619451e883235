package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// envCommunityMirror names a Terraform filesystem mirror holding the
// community provider (scripts/community-provider-mirror.sh makes one).
const envCommunityMirror = "SENTRY_ACC_COMMUNITY_MIRROR"

// communityRunner is a Terraform runner for a migration test, which needs
// the community provider at hand: Terraform plans a state only with every
// provider it names installed. With SENTRY_ACC_COMMUNITY_MIRROR set (make
// test-move) that is the real provider v0.15.4 from that filesystem mirror,
// found by init with the arguments returned; otherwise (make test) its
// stand-in served by this process, internal/communitystandin, which shows
// what Terraform, sentry-import and this provider do with the community
// provider's recorded schema and state, but neither reads Sentry nor shows
// that the real provider agrees.
func communityRunner(t *testing.T, terraform, dir string) (*terraformRunner, []string) {
	t.Helper()
	if mirror := os.Getenv(envCommunityMirror); mirror != "" {
		return newTerraformRunner(t, terraform, dir), []string{"-plugin-dir=" + mirror}
	}
	return newTerraformRunnerWith(t, terraform, dir, true), nil
}

// TestAccMigrateFromCommunityState is the whole move of a community
// workspace: teams, members (three of them one for_each resource, moved
// whole, with teams lists of different lengths and none, and two of a count
// resource), team memberships (one
// of a member the workspace does not manage) and a project with two teams
// are made in Sentry; terraform.tfstate holds them as the community
// provider writes them; terraform show -json of it (by Terraform, with the
// community provider's schemas) goes to sentry-import -from-state; and
// with the configuration changed as the file's header says, the plan has
// no change but the imports, and it, the apply and the next plan send
// Sentry nothing but reads.
func TestAccMigrateFromCommunityState(t *testing.T) {
	terraform := terraformPath(t)
	ctx := context.Background()
	sim := sentrysim.New(sentrysim.Options{Organization: "acme"})
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	org, token, baseURL := sim.Organization(), sim.Tokens().Owner, server.URL+"/api/"
	client, err := sentry.NewClient(sentry.Config{BaseURL: baseURL, Token: token})
	if err != nil {
		t.Fatal(err)
	}

	backend, web, project := acctest.RandomWithPrefix("tf-acc"), acctest.RandomWithPrefix("tf-acc"), acctest.RandomWithPrefix("tf-acc")
	teamIDs := map[string]string{}
	for _, slug := range []string{backend, web} {
		team, err := client.CreateTeam(ctx, org, sentry.CreateTeamRequest{Slug: slug, Name: slug})
		if err != nil {
			t.Fatal(err)
		}
		teamIDs[slug] = team.ID
	}
	if err := sim.AddProject(org, backend, project); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AddProjectTeam(ctx, org, project, web); err != nil {
		t.Fatal(err)
	}
	admin := "admin"
	invite := func(role string, teams ...sentry.MemberTeamRole) (id, email string) {
		t.Helper()
		email = acctest.RandomWithPrefix("tf-acc") + "@example.com"
		m, err := client.InviteMember(ctx, org, sentry.InviteMemberRequest{Email: email, OrgRole: role})
		if err != nil {
			t.Fatal(err)
		}
		if len(teams) > 0 {
			if _, err := client.UpdateMember(ctx, org, m.ID, sentry.UpdateMemberRequest{TeamRoles: &teams}); err != nil {
				t.Fatal(err)
			}
		}
		return m.ID, email
	}
	janeID, janeEmail := invite("member", sentry.MemberTeamRole{TeamSlug: backend, Role: &admin}, sentry.MemberTeamRole{TeamSlug: web})
	bobID, bobEmail := invite("manager", sentry.MemberTeamRole{TeamSlug: web})
	annID, annEmail := invite("member")
	cyID, cyEmail := invite("member", sentry.MemberTeamRole{TeamSlug: backend, Role: &admin}, sentry.MemberTeamRole{TeamSlug: web})
	deeID, deeEmail := invite("manager", sentry.MemberTeamRole{TeamSlug: web})
	ops0ID, ops0Email := invite("member", sentry.MemberTeamRole{TeamSlug: backend})
	ops1ID, ops1Email := invite("billing")
	// On a team the workspace manages, but not a member of it.
	strangerID, _ := invite("member", sentry.MemberTeamRole{TeamSlug: web})

	// The community provider's state (schema version 0 everywhere).
	type instance struct {
		key   any
		attrs map[string]any
	}
	var resources []string
	add := func(typ, name string, instances ...instance) {
		t.Helper()
		var ins []string
		for _, in := range instances {
			attrs, err := json.Marshal(in.attrs)
			if err != nil {
				t.Fatal(err)
			}
			key := ""
			if in.key != nil {
				k, _ := json.Marshal(in.key)
				key = fmt.Sprintf(`"index_key": %s, `, k)
			}
			ins = append(ins, fmt.Sprintf(`{%s"schema_version": 0, "attributes": %s, "sensitive_attributes": []}`, key, attrs))
		}
		each := ""
		if instances[0].key != nil {
			each = `"each": "map", `
		}
		resources = append(resources, fmt.Sprintf(`{"mode": "managed", "type": %q, "name": %q, %s`+
			`"provider": "provider[\"registry.terraform.io/jianyuan/sentry\"]", "instances": [%s]}`,
			typ, name, each, strings.Join(ins, ", ")))
	}
	for name, slug := range map[string]string{"backend": backend, "web": web} {
		add("sentry_team", name, instance{nil, map[string]any{"id": slug, "organization": org, "name": slug, "slug": slug,
			"internal_id": teamIDs[slug], "team_id": teamIDs[slug], "has_access": true, "is_member": false, "is_pending": false}})
	}
	member := func(id, email, role string) map[string]any {
		return map[string]any{"id": org + "/" + id, "organization": org, "internal_id": id, "email": email, "role": role,
			"pending": true, "expired": false}
	}
	add("sentry_organization_member", "jane", instance{nil, member(janeID, janeEmail, "member")})
	add("sentry_organization_member", "bob", instance{nil, member(bobID, bobEmail, "manager")})
	// for_each, moved whole: ann without teams (null in the file), cy
	// with two, dee with one without a role (a manager's).
	add("sentry_organization_member", "people", instance{"ann", member(annID, annEmail, "member")},
		instance{"cy", member(cyID, cyEmail, "member")}, instance{"dee", member(deeID, deeEmail, "manager")})
	// count, moved whole: roles and teams differ.
	add("sentry_organization_member", "ops", instance{0, member(ops0ID, ops0Email, "member")},
		instance{1, member(ops1ID, ops1Email, "billing")})
	teamMember := func(team, memberID string, role any, effective string) map[string]any {
		return map[string]any{"id": org + "/" + team + "/" + memberID, "organization": org, "team": team,
			"member_id": memberID, "role": role, "effective_role": effective}
	}
	add("sentry_team_member", "jane_backend", instance{nil, teamMember(backend, janeID, "admin", "admin")})
	add("sentry_team_member", "ops_backend", instance{nil, teamMember(backend, ops0ID, nil, "contributor")})
	add("sentry_team_member", "web", instance{"jane", teamMember(web, janeID, nil, "contributor")},
		instance{"bob", teamMember(web, bobID, nil, "admin")},
		instance{"cy", teamMember(web, cyID, nil, "contributor")},
		instance{"cy-backend", teamMember(backend, cyID, "admin", "admin")},
		instance{"dee", teamMember(web, deeID, nil, "admin")},
		instance{"stranger", teamMember(web, strangerID, nil, "contributor")})
	add("sentry_project", "app", instance{nil, map[string]any{"id": project, "organization": org, "name": project,
		"slug": project, "teams": []string{backend, web}, "internal_id": "1"}})
	state := fmt.Sprintf(`{"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "%s",
  "outputs": {}, "check_results": null, "resources": [%s]}`,
		"6c1f8f3e-3b53-4c57-9a4e-"+fmt.Sprintf("%012d", time.Now().UnixNano()%1e12), strings.Join(resources, ",\n"))
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("terraform.tfstate", state)

	// The workspace as it was: the community provider only. Terraform
	// shows its state as users will hand it to sentry-import.
	write("main.tf", `terraform {
  required_providers {
    sentry = { source = "registry.terraform.io/jianyuan/sentry" }
  }
}
`)
	tf, initArgs := communityRunner(t, terraform, dir)
	tf.run(t, append([]string{"init", "-input=false"}, initArgs...)...)
	shown := tf.run(t, "show", "-json")
	var stderr bytes.Buffer
	migration := filepath.Join(dir, "migration.tf")
	if err := migrate(settings{fromState: "-", out: migration}, strings.NewReader(shown), &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), `warning: sentry_team_member.web["stranger"] is not carried over`) {
		t.Errorf("no warning about the membership of a member the workspace does not manage:\n%s", stderr.String())
	}
	data, err := os.ReadFile(migration)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("migration.tf:\n%s", data)
	for _, r := range []string{"people", "ops"} {
		if !strings.Contains(string(data), "from = sentry_organization_member."+r+"\n") {
			t.Errorf("the file does not move sentry_organization_member.%s whole", r)
		}
	}

	// The configuration as the header says: this provider under sentry,
	// the community provider under another name for the project, which
	// ignores teams; no member or membership blocks.
	write("main.tf", fmt.Sprintf(`terraform {
  required_providers {
    sentry           = { source = "sentryrbac/sentry" }
    sentry-community = { source = "registry.terraform.io/jianyuan/sentry" }
  }
}

provider "sentry" {
  base_url     = %[1]q
  organization = %[2]q
  auth_token   = %[3]q
}

provider "sentry-community" {
  base_url = %[1]q
  token    = %[3]q
}

resource "sentry_team" "backend" {
  name = %[4]q
  slug = %[4]q
}

resource "sentry_team" "web" {
  name = %[5]q
  slug = %[5]q
}

resource "sentry_project" "app" {
  provider     = sentry-community
  organization = %[2]q
  name         = %[6]q
  slug         = %[6]q
  teams        = [%[4]q, %[5]q]

  lifecycle {
    ignore_changes = [teams]
  }
}
`, baseURL, org, token, backend, web, project))
	tf.run(t, append([]string{"init", "-input=false"}, initArgs...)...)

	sim.ResetStats()
	out := tf.run(t, "plan", "-input=false")
	if want := "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy"; !strings.Contains(out, want) {
		t.Errorf("the plan is not %q:\n%s", want, planChanges(out))
	}
	for _, moved := range []string{"sentry_organization_member.jane has moved to sentry_member.jane",
		"sentry_organization_member.bob has moved to sentry_member.bob",
		`sentry_organization_member.people["ann"] has moved to sentry_member.people["ann"]`,
		`sentry_organization_member.people["cy"] has moved to sentry_member.people["cy"]`,
		`sentry_organization_member.people["dee"] has moved to sentry_member.people["dee"]`,
		`sentry_organization_member.ops[0] has moved to sentry_member.ops[0]`,
		`sentry_organization_member.ops[1] has moved to sentry_member.ops[1]`} {
		if !strings.Contains(out, "# "+moved+"\n") {
			t.Errorf("the plan lacks %q:\n%s", moved, planChanges(out))
		}
	}
	if !regexp.MustCompile(`(?m)^ *# sentry_team_member\.web\["stranger"\] ` + forgets + `$`).MatchString(out) {
		t.Errorf("the plan does not forget sentry_team_member.web[\"stranger\"]:\n%s", planChanges(out))
	}
	checkOnlyReads(t, "plan", sim.Stats())

	sim.ResetStats()
	out = tf.run(t, "apply", "-input=false", "-auto-approve")
	if want := "Resources: 2 imported, 0 added, 0 changed, 0 destroyed"; !strings.Contains(out, want) {
		t.Errorf("the apply is not %q:\n%s", want, planChanges(out))
	}
	checkOnlyReads(t, "apply", sim.Stats())
	// Sentry is as it was: the memberships left the state, not Sentry.
	for id, teams := range map[string]int{janeID: 2, bobID: 1, annID: 0, cyID: 2, deeID: 1, ops0ID: 1, ops1ID: 0, strangerID: 1} {
		m, err := client.GetMember(ctx, org, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.TeamRoles) != teams {
			t.Errorf("member %s is on %d teams, want %d", id, len(m.TeamRoles), teams)
		}
	}

	out = tf.run(t, "plan", "-input=false", "-detailed-exitcode")
	if !strings.Contains(out, "No changes.") {
		t.Errorf("the plan after the apply is not empty:\n%s", planChanges(out))
	}
	shown = tf.run(t, "show", "-json")
	for _, gone := range []string{`"sentry_organization_member"`, `"sentry_team_member"`} {
		if strings.Contains(shown, gone) {
			t.Errorf("the state still holds %s", gone)
		}
	}
}

// checkOnlyReads fails the test when Sentry received anything but reads.
func checkOnlyReads(t *testing.T, step string, stats sentrysim.Stats) {
	t.Helper()
	if len(stats.Requests) == 0 {
		t.Errorf("%s: no request reached Sentry", step)
	}
	for route, n := range stats.Requests {
		if !strings.HasPrefix(route, "GET ") {
			t.Errorf("%s: %d requests %s, want none but reads", step, n, route)
		}
	}
}
