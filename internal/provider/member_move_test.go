package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
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
