package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
	"github.com/sentryrbac/terraform-provider-sentry/internal/tfcli"
)

const communityProvider = "registry.terraform.io/jianyuan/sentry"

// moveMember runs sentry_member's MoveState as the framework does: the
// first mover that sets a state or an error decides.
func moveMember(t *testing.T, req resource.MoveStateRequest) resource.MoveStateResponse {
	t.Helper()
	ctx := context.Background()
	r := &memberResource{}
	s, i := schemas(t, r)
	movers := r.MoveState(ctx)
	if len(movers) != 1 {
		t.Fatalf("%d state movers, want 1", len(movers))
	}
	resp := resource.MoveStateResponse{TargetState: emptyState(ctx, s), TargetIdentity: emptyIdentity(ctx, i)}
	movers[0].StateMover(ctx, req, &resp)
	return resp
}

func communityMemberRequest(stateJSON string) resource.MoveStateRequest {
	return resource.MoveStateRequest{
		SourceProviderAddress: communityProvider,
		SourceTypeName:        "sentry_organization_member",
		SourceSchemaVersion:   0,
		SourceRawState:        &tfprotov6.RawState{JSON: []byte(stateJSON)},
	}
}

// TestMemberMoveStateCommunity moves the states the community provider's
// sentry_organization_member writes (schema version 0 in every release):
// today's attributes, the teams list releases before v0.12.0 also kept, and
// states missing the attributes that repeat the id.
func TestMemberMoveStateCommunity(t *testing.T) {
	cases := []struct {
		name, state                  string
		wantOrg, wantID, email, role string
		pending, expired             bool
	}{
		{"v0.12 and later", `{"id":"acme/1234","organization":"acme","internal_id":"1234","email":"jane@example.com",` +
			`"role":"member","pending":false,"expired":false}`, "acme", "1234", "jane@example.com", "member", false, false},
		{"deprecated admin role, pending", `{"id":"acme/77","organization":"acme","internal_id":"77",` +
			`"email":"Ops@Example.com","role":"admin","pending":true,"expired":true}`, "acme", "77", "Ops@Example.com", "admin", true, true},
		{"before v0.12 with teams", `{"id":"acme/5","organization":"acme","internal_id":"5","email":"old@example.com",` +
			`"role":"manager","teams":["backend","frontend"],"pending":false,"expired":false}`, "acme", "5", "old@example.com", "manager", false, false},
		{"only the id", `{"id":"acme-corp/42","email":"x@example.com","role":"owner"}`, "acme-corp", "42", "x@example.com", "owner", false, false},
		{"no id, organization and internal_id", `{"organization":"acme","internal_id":"9","email":"b@example.com",` +
			`"role":"billing","pending":false,"expired":false}`, "acme", "9", "b@example.com", "billing", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := moveMember(t, communityMemberRequest(tc.state))
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			var got memberModel
			if d := resp.TargetState.Get(context.Background(), &got); d.HasError() {
				t.Fatal(d)
			}
			checks := []struct {
				attr      string
				got, want any
			}{
				{"id", got.ID, types.StringValue(tc.wantID)},
				{"organization", got.Organization, types.StringValue(tc.wantOrg)},
				{"email", got.Email, types.StringValue(tc.email)},
				{"role", got.Role, types.StringValue(tc.role)},
				// Left for the refresh to fill: teams as Sentry has them.
				{"teams", got.Teams, types.SetNull(memberTeamType)},
				{"send_invite", got.SendInvite, types.BoolNull()},
				{"user_id", got.UserID, types.StringNull()},
				{"invite_status", got.InviteStatus, types.StringNull()},
				{"date_created", got.DateCreated, types.StringNull()},
			}
			if strings.Contains(tc.state, `"pending"`) {
				checks = append(checks, struct {
					attr      string
					got, want any
				}{"pending", got.Pending, types.BoolValue(tc.pending)}, struct {
					attr      string
					got, want any
				}{"expired", got.Expired, types.BoolValue(tc.expired)})
			} else {
				checks = append(checks, struct {
					attr      string
					got, want any
				}{"pending", got.Pending, types.BoolNull()})
			}
			for _, c := range checks {
				if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
					t.Errorf("%s = %v, want %v", c.attr, c.got, c.want)
				}
			}
			var ident orgIDIdentity
			if d := resp.TargetIdentity.Get(context.Background(), &ident); d.HasError() {
				t.Fatal(d)
			}
			if ident.Organization.ValueString() != tc.wantOrg || ident.ID.ValueString() != tc.wantID {
				t.Errorf("identity = %s/%s, want %s/%s", ident.Organization, ident.ID, tc.wantOrg, tc.wantID)
			}
		})
	}
}

// TestMemberMoveStateMislabelled moves a community member state that the
// CLI hands over under this provider's address, as Terraform does for
// instances moved one by one and OpenTofu for a for_each resource moved
// whole: only the community provider has sentry_organization_member, so
// the state is moved, on either registry host.
func TestMemberMoveStateMislabelled(t *testing.T) {
	for _, address := range []string{providerAddress, "registry.opentofu.org/sentryrbac/sentry"} {
		req := communityMemberRequest(`{"id":"acme/12","organization":"acme","internal_id":"12","email":"j@example.com","role":"member"}`)
		req.SourceProviderAddress = address
		resp := moveMember(t, req)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", address, resp.Diagnostics)
		}
		var got memberModel
		if d := resp.TargetState.Get(context.Background(), &got); d.HasError() {
			t.Fatal(d)
		}
		if got.ID.ValueString() != "12" || got.Organization.ValueString() != "acme" {
			t.Errorf("%s: moved state %+v", address, got)
		}
	}
}

// TestMemberMoveStateRefused covers sources the move cannot use: each
// error says what is wrong and how to import the member instead.
func TestMemberMoveStateRefused(t *testing.T) {
	good := `{"id":"acme/12","organization":"acme","internal_id":"12","email":"j@example.com","role":"member"}`
	with := func(f func(*resource.MoveStateRequest)) resource.MoveStateRequest {
		req := communityMemberRequest(good)
		f(&req)
		return req
	}
	cases := []struct {
		name string
		req  resource.MoveStateRequest
		want []string
	}{
		{"another resource type", with(func(r *resource.MoveStateRequest) { r.SourceTypeName = "sentry_team_member" }),
			[]string{"sentry_team_member", "jianyuan/sentry", `id = "<organization>/<member id or email>"`}},
		{"another provider", with(func(r *resource.MoveStateRequest) { r.SourceProviderAddress = "registry.terraform.io/acme/sentry" }),
			[]string{`"registry.terraform.io/acme/sentry"`, "terraform import sentry_member.<name>"}},
		{"another type of this provider", with(func(r *resource.MoveStateRequest) {
			r.SourceProviderAddress, r.SourceTypeName = providerAddress, "sentry_team"
		}), []string{"sentry_team", `"registry.terraform.io/sentryrbac/sentry"`}},
		{"unknown schema version", with(func(r *resource.MoveStateRequest) { r.SourceSchemaVersion = 1 }),
			[]string{"schema version 1", "knows version 0"}},
		{"no JSON", with(func(r *resource.MoveStateRequest) { r.SourceRawState = &tfprotov6.RawState{} }),
			[]string{"no readable state"}},
		{"unparseable", communityMemberRequest(`{"id":`), []string{"could not be read"}},
		{"no id or member id", communityMemberRequest(`{"organization":"acme","email":"j@example.com","role":"member"}`),
			[]string{"has no member id", `id = "acme/j@example.com"`}},
		{"no organization", communityMemberRequest(`{"internal_id":"12","email":"j@example.com"}`),
			[]string{"has no organization", `id = "<organization>/12"`}},
		{"malformed id", communityMemberRequest(`{"id":"12","email":"j@example.com"}`),
			[]string{`its id "12" is not of the form organization/member-id`, "has no organization", "has no member id"}},
		{"non-numeric member id", communityMemberRequest(`{"id":"acme/jane","organization":"acme","email":"j@example.com"}`),
			[]string{`member id "jane" is not numeric`, `id = "acme/j@example.com"`}},
		{"organizations disagree", communityMemberRequest(`{"id":"other/12","organization":"acme","internal_id":"12"}`),
			[]string{`organization "acme" and its id "other/12" name different organizations`}},
		{"members disagree", communityMemberRequest(`{"id":"acme/12","organization":"acme","internal_id":"13"}`),
			[]string{`internal_id "13" and its id "acme/12" name different members`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := moveMember(t, tc.req)
			if !resp.Diagnostics.HasError() {
				t.Fatalf("moved without an error; state %v", resp.TargetState.Raw)
			}
			if !resp.TargetState.Raw.IsNull() {
				t.Errorf("target state set despite the error: %v", resp.TargetState.Raw)
			}
			detail := resp.Diagnostics.Errors()[0].Detail()
			for _, w := range append(tc.want, "Import the member instead") {
				if !strings.Contains(detail, w) {
					t.Errorf("error does not contain %q:\n%s", w, detail)
				}
			}
		})
	}
}

// TestMemberMoveStateThenRead reads a moved member from the emulator as
// Terraform's refresh does, and needs nothing the move left out.
func TestMemberMoveStateThenRead(t *testing.T) {
	env := newSimEnv(t)
	ctx := context.Background()
	team, email := randomName(), randomEmail()
	if _, err := env.client.CreateTeam(ctx, "acme", sentry.CreateTeamRequest{Slug: team}); err != nil {
		t.Fatal(err)
	}
	m, err := env.client.InviteMember(ctx, "acme", sentry.InviteMemberRequest{Email: email, OrgRole: "member"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.UpdateMember(ctx, "acme", m.ID, sentry.UpdateMemberRequest{
		TeamRoles: &[]sentry.MemberTeamRole{{TeamSlug: team}}}); err != nil {
		t.Fatal(err)
	}
	resp := moveMember(t, communityMemberRequest(fmt.Sprintf(
		`{"id":"acme/%s","organization":"acme","internal_id":"%s","email":%q,"role":"member","pending":true,"expired":false}`,
		m.ID, m.ID, email)))
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	r := &memberResource{}
	env.configure(t, r)
	s, i := schemas(t, r)
	read := resource.ReadResponse{
		State:    tfsdk.State{Schema: s.Schema, Raw: resp.TargetState.Raw.Copy()},
		Identity: &tfsdk.ResourceIdentity{Schema: i.IdentitySchema, Raw: resp.TargetIdentity.Raw.Copy()},
	}
	r.Read(ctx, resource.ReadRequest{State: resp.TargetState, Identity: resp.TargetIdentity}, &read)
	if read.Diagnostics.HasError() {
		t.Fatal(read.Diagnostics)
	}
	var got memberModel
	if d := read.State.Get(ctx, &got); d.HasError() {
		t.Fatal(d)
	}
	if want := teamSet(t, team, "contributor"); !got.Teams.Equal(want) {
		t.Errorf("teams = %s, want %s", got.Teams, want)
	}
	if got.ID.ValueString() != m.ID || got.Email.ValueString() != email || got.Role.ValueString() != "member" ||
		got.InviteStatus.IsNull() || got.DateCreated.IsNull() || got.Pending.IsNull() {
		t.Errorf("state after read = %+v", got)
	}
}

// TestAccMemberMovedFromCommunity moves a member from the community
// provider's state: terraform.tfstate holds a sentry_organization_member of
// registry.terraform.io/jianyuan/sentry and its sentry_team, as that
// provider writes them, for a member and team made in Sentry beforehand;
// the configuration has only this provider's sentry_team and sentry_member
// and a moved block. The plan must move the member with no
// change and the run must send Sentry no write; after apply, a plan is empty.
//
// Terraform plans such a state only with the community provider at hand
// (withCommunityProvider). In make test that is its stand-in, which shows
// that Terraform, given the community provider's schema, hands both states
// to this provider and that this provider's move, upgrade and reads need
// nothing else. make test-move runs the real community provider v0.15.4
// instead, which shows the same with the provider a user has installed.
func TestAccMemberMovedFromCommunity(t *testing.T) {
	ctx := context.Background()
	env := newAccEnv(t)
	env.needSim(t, "counts the requests Terraform's run sends")
	team, email := randomName(), randomEmail()
	env.createTeams(t, team)
	owner := env.client(t, "owner")
	m := inviteTeamAdmin(t, owner, env.org, team, email)

	tf := newTFRunner(t, env.providerConfig(t, "owner")+fmt.Sprintf(`
moved {
  from = sentry_organization_member.jane
  to   = sentry_member.jane
}

resource "sentry_team" "backend" {
  name = %[2]q
  slug = %[2]q
}

resource "sentry_member" "jane" {
  email = %[1]q
  role  = "member"
  teams = [{ team = %[2]q, role = "admin" }]
}
`, email, team), withCommunityProvider(env.communityProviderConfig(t, "owner")))
	tf.needTerraform("1.8.0", "moving state to another resource type")
	teamObj, err := owner.GetTeam(ctx, env.org, team)
	if err != nil {
		t.Fatal(err)
	}
	// The community provider's states: the member's id is org/member-id,
	// the team's its slug.
	writeCommunityState(t, tf.dir,
		communityResource{typ: "sentry_organization_member", name: "jane", attrs: map[string]any{
			"id": env.org + "/" + m.ID, "organization": env.org, "internal_id": m.ID, "email": email, "role": "member",
			"pending": true, "expired": false,
		}},
		communityResource{typ: "sentry_team", name: "backend", attrs: map[string]any{
			"id": team, "organization": env.org, "name": team, "slug": team, "internal_id": teamObj.ID,
			"team_id": teamObj.ID, "has_access": true, "is_member": false, "is_pending": false,
		}})

	env.sim.ResetStats()
	planFile := filepath.Join(tf.dir, "move.tfplan")
	out, err := tf.planToFile(planFile)
	if err != nil {
		t.Fatalf("terraform plan with %s: %v\n%s", tf.communityKind(), err, out)
	}
	if !strings.Contains(out, "0 to add, 0 to change, 0 to destroy") {
		t.Errorf("plan is not empty:\n%s", out)
	}
	checkReadsOnly(t, env.sim.Stats(), m.ID)
	plan := tf.showPlanFile(planFile)
	// The member moves; the team, whose type this provider shares, only
	// changes provider with the configuration's source.
	want := map[string]string{"sentry_member.jane": "sentry_organization_member.jane", "sentry_team.backend": ""}
	if len(plan.ResourceChanges) != len(want) {
		t.Fatalf("%d resource changes, want %d", len(plan.ResourceChanges), len(want))
	}
	for _, rc := range plan.ResourceChanges {
		from, ok := want[rc.Address]
		if !ok || rc.PreviousAddress != from || !rc.Change.Actions.NoOp() || rc.ProviderName != reattachAddress(t) {
			t.Errorf("change %s (from %q, provider %s): %v, want a no-op (from %q)",
				rc.Address, rc.PreviousAddress, rc.ProviderName, rc.Change.Actions, from)
		}
	}

	env.sim.ResetStats()
	if out, err := tf.apply(); err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	checkReadsOnly(t, env.sim.Stats(), m.ID)
	if changes, out, err := tf.plan(); err != nil || changes {
		t.Fatalf("plan after apply: changes %v, %v\n%s", changes, err, out)
	}
	members := stateResources(tf.show())["sentry_member"]
	if len(members) != 1 || stateAttr(members[0], "id") != m.ID || members[0].ProviderName != reattachAddress(t) {
		t.Errorf("state after apply: %+v", members)
	}
}

// TestAccTeamMemberRemovedFromCommunity forgets a community
// sentry_team_member with a removed block, as a migration does once
// sentry_member's teams hold the membership: terraform.tfstate holds the
// community provider's sentry_team_member for a membership made in Sentry
// beforehand, and the configuration only says to forget it. The plan must
// destroy nothing, the state must lose it, and Sentry must get no request
// beyond the real provider's health check: the member stays on the team
// with its role.
//
// With the community provider's stand-in (make test) this shows what
// Terraform does with the removed block given that provider's schema; with
// the real provider (make test-move) also that the provider Terraform
// configures for the state agrees. Terraform does not refresh a resource it
// forgets, so neither reads the membership.
func TestAccTeamMemberRemovedFromCommunity(t *testing.T) {
	ctx := context.Background()
	env := newAccEnv(t)
	env.needSim(t, "counts the requests Terraform's run sends")
	team, email := randomName(), randomEmail()
	env.createTeams(t, team)
	owner := env.client(t, "owner")
	m := inviteTeamAdmin(t, owner, env.org, team, email)

	tf := newTFRunner(t, env.providerConfig(t, "owner")+`
removed {
  from = sentry_team_member.jane

  lifecycle {
    destroy = false
  }
}
`, withCommunityProvider(env.communityProviderConfig(t, "owner")))
	tf.needTerraform("1.7.0", "removed blocks")
	// The community provider's state: id organization/team/member-id.
	writeCommunityState(t, tf.dir, communityResource{typ: "sentry_team_member", name: "jane", attrs: map[string]any{
		"id": env.org + "/" + team + "/" + m.ID, "organization": env.org, "team": team, "member_id": m.ID,
		"role": "admin", "effective_role": "admin",
	}})

	env.sim.ResetStats()
	planFile := filepath.Join(tf.dir, "forget.tfplan")
	out, err := tf.planToFile(planFile)
	if err != nil {
		t.Fatalf("terraform plan with %s: %v\n%s", tf.communityKind(), err, out)
	}
	if !strings.Contains(out, "0 to destroy") {
		t.Errorf("plan destroys something:\n%s", out)
	}
	plan := tf.showPlanFile(planFile)
	if len(plan.ResourceChanges) != 1 || plan.ResourceChanges[0].Address != "sentry_team_member.jane" ||
		!plan.ResourceChanges[0].Change.Actions.Forget() || plan.ResourceChanges[0].ProviderName != communityProvider {
		for _, rc := range plan.ResourceChanges {
			t.Errorf("change %s (provider %s): %v", rc.Address, rc.ProviderName, rc.Change.Actions)
		}
		t.Fatalf("%d resource changes, want sentry_team_member.jane forgotten", len(plan.ResourceChanges))
	}

	out, err = tf.run("apply", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		return tf.tf.Apply(ctx, tfexec.Reattach(ra), tfexec.DirOrPlan(planFile))
	})
	if err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	// Terraform does not refresh what it forgets and this provider has
	// nothing to manage: Sentry hears only the real community provider's
	// health check when Terraform configures it, and nothing from the
	// stand-in. OpenTofu refreshes the membership before forgetting it,
	// so the real provider reads it there: reads, never a write.
	stats := env.sim.Stats()
	health := stats.Count("GET", "/internal/health/")
	if tfcli.OpenTofu(t) && tf.communityMirror != "" {
		checkOnlyReads(t, stats)
	} else if n := stats.Total() - health; n != 0 {
		t.Errorf("Sentry got %v, want no request but the community provider's health checks", stats.Requests)
	}
	if real := tf.communityMirror != ""; real != (health > 0) {
		t.Errorf("%d health checks with %s", health, tf.communityKind())
	}
	if rs := stateResources(tf.show()); len(rs) != 0 {
		t.Errorf("state still holds %v", rs)
	}
	got, err := owner.GetMember(ctx, env.org, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.TeamRoles) != 1 || got.TeamRoles[0].TeamSlug != team || got.TeamRoles[0].Role == nil ||
		*got.TeamRoles[0].Role != "admin" {
		t.Errorf("member's teams after apply = %+v, want %s as admin", got.TeamRoles, team)
	}
}

// inviteTeamAdmin invites email to the organization as a member and makes
// it an admin of team, deleting the invitation when the test ends.
func inviteTeamAdmin(t *testing.T, owner *sentry.Client, org, team, email string) *sentry.Member {
	t.Helper()
	ctx := context.Background()
	m, err := owner.InviteMember(ctx, org, sentry.InviteMemberRequest{Email: email, OrgRole: "member"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.DeleteMember(context.Background(), org, m.ID) })
	admin := "admin"
	if _, err := owner.UpdateMember(ctx, org, m.ID, sentry.UpdateMemberRequest{
		TeamRoles: &[]sentry.MemberTeamRole{{TeamSlug: team, Role: &admin}}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// communityResource is one resource of a state the community provider
// wrote: its type, name and the attributes of its single instance.
type communityResource struct {
	typ, name string
	attrs     map[string]any
}

// writeCommunityState writes dir/terraform.tfstate holding the resources
// as the community provider writes them: provider jianyuan/sentry,
// schema version 0, one instance each.
func writeCommunityState(t *testing.T, dir string, resources ...communityResource) {
	t.Helper()
	type instance struct {
		SchemaVersion       int            `json:"schema_version"`
		Attributes          map[string]any `json:"attributes"`
		SensitiveAttributes []any          `json:"sensitive_attributes"`
	}
	type stateResource struct {
		Mode      string     `json:"mode"`
		Type      string     `json:"type"`
		Name      string     `json:"name"`
		Provider  string     `json:"provider"`
		Instances []instance `json:"instances"`
	}
	rs := make([]stateResource, 0, len(resources))
	for _, r := range resources {
		rs = append(rs, stateResource{Mode: "managed", Type: r.typ, Name: r.name,
			Provider:  fmt.Sprintf("provider[%q]", communityProvider),
			Instances: []instance{{Attributes: r.attrs, SensitiveAttributes: []any{}}}})
	}
	state, err := json.Marshal(map[string]any{
		"version": 4, "terraform_version": "1.11.4", "serial": 1,
		"lineage": fmt.Sprintf("6c1f8f3e-3b53-4c57-9a4e-%012d", time.Now().UnixNano()%1e12),
		"outputs": map[string]any{}, "check_results": nil, "resources": rs,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), state, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkReadsOnly fails the test when Sentry received anything but reads,
// or the member was not read exactly once (the refresh).
func checkReadsOnly(t *testing.T, stats sentrysim.Stats, memberID string) {
	t.Helper()
	checkOnlyReads(t, stats)
	if n := stats.Count("GET", "/organizations/{org}/members/{member}/"); n != 1 {
		t.Errorf("member %s read %d times, want once (the refresh); requests: %v", memberID, n, stats.Requests)
	}
}
