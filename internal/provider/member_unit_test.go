package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func strPtr(s string) *string { return &s }

// teamSet builds a teams value from (slug, role) pairs; a nil role is null.
func teamSet(t *testing.T, pairs ...any) types.Set {
	t.Helper()
	elems := make([]attr.Value, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		role := types.StringNull()
		if r, ok := pairs[i+1].(string); ok {
			role = types.StringValue(r)
		}
		obj, d := types.ObjectValueFrom(context.Background(), memberTeamType.AttrTypes,
			memberTeam{Team: types.StringValue(mustBe[string](t, pairs[i])), Role: role})
		if d.HasError() {
			t.Fatal(d)
		}
		elems = append(elems, obj)
	}
	set, d := types.SetValue(memberTeamType, elems)
	if d.HasError() {
		t.Fatal(d)
	}
	return set
}

// TestMemberStateTeamRoles covers the team-role normalization: Sentry's
// null for a minimum role reads back as whatever the configuration said,
// and a real change still shows.
func TestMemberStateTeamRoles(t *testing.T) {
	cases := []struct {
		name    string
		orgRole string
		sentry  *string
		prior   types.Set
		want    types.Set
	}{
		{"member contributor written out", "member", nil, teamSet(t, "a", "contributor"), teamSet(t, "a", "contributor")},
		{"member contributor left null", "member", nil, teamSet(t, "a", nil), teamSet(t, "a", nil)},
		{"member admin", "member", strPtr("admin"), teamSet(t, "a", "admin"), teamSet(t, "a", "admin")},
		{"owner implied admin written out", "owner", nil, teamSet(t, "a", "admin"), teamSet(t, "a", "admin")},
		{"owner implied admin left null", "owner", nil, teamSet(t, "a", nil), teamSet(t, "a", nil)},
		{"manager stored admin left null", "manager", strPtr("admin"), teamSet(t, "a", nil), teamSet(t, "a", nil)},
		{"drift: admin lost", "member", nil, teamSet(t, "a", "admin"), teamSet(t, "a", "contributor")},
		{"drift: admin gained", "member", strPtr("admin"), teamSet(t, "a", nil), teamSet(t, "a", "admin")},
		{"import of a member", "member", nil, types.SetNull(memberTeamType), teamSet(t, "a", "contributor")},
		{"import of a member admin", "billing", strPtr("admin"), types.SetNull(memberTeamType), teamSet(t, "a", "admin")},
		{"import of an owner", "owner", nil, types.SetNull(memberTeamType), teamSet(t, "a", nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &sentry.Member{ID: "1", Email: "a@example.com", OrgRole: tc.orgRole,
				TeamRoles: []sentry.MemberTeamRole{{TeamSlug: "a", Role: tc.sentry}}}
			got, d := memberState(context.Background(), "acme", m, memberModel{Teams: tc.prior})
			if d.HasError() {
				t.Fatal(d)
			}
			if !got.Teams.Equal(tc.want) {
				t.Errorf("teams = %s, want %s", got.Teams, tc.want)
			}
		})
	}
}

func TestTeamSetsEquivalent(t *testing.T) {
	ctx := context.Background()
	if !teamSetsEquivalent(ctx, teamSet(t, "a", nil), teamSet(t, "a", "contributor"), "member") {
		t.Error("null and contributor are the same role for a member")
	}
	if !teamSetsEquivalent(ctx, teamSet(t, "a", nil), teamSet(t, "a", "admin"), "owner") {
		t.Error("null and admin are the same role for an owner")
	}
	if teamSetsEquivalent(ctx, teamSet(t, "a", nil), teamSet(t, "a", "admin"), "member") {
		t.Error("null and admin differ for a member")
	}
	if teamSetsEquivalent(ctx, teamSet(t, "a", nil), teamSet(t, "b", nil), "member") {
		t.Error("different teams are not equivalent")
	}
	if teamSetsEquivalent(ctx, teamSet(t, "a", nil), teamSet(t, "a", nil, "b", nil), "member") {
		t.Error("sets of different sizes are not equivalent")
	}
}

// TestMemberValidateConfigWarnsOnAdmin checks that the deprecated "admin"
// org role plans with a warning, not an error.
func TestMemberValidateConfigWarnsOnAdmin(t *testing.T) {
	ctx := context.Background()
	r := &memberResource{}
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	typ := mustBe[tftypes.Object](t, schemaResp.Schema.Type().TerraformType(ctx))
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	values["email"] = tftypes.NewValue(tftypes.String, "legacy@example.com")
	values["role"] = tftypes.NewValue(tftypes.String, "admin")
	config := tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, values)}

	var resp resource.ValidateConfigResponse
	r.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: config}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("unexpected error: %v", resp.Diagnostics)
	}
	if resp.Diagnostics.WarningsCount() != 1 || resp.Diagnostics.Warnings()[0].Summary() != "Deprecated Org Role" {
		t.Fatalf("want one deprecation warning, got %v", resp.Diagnostics)
	}
}

// TestAddMemberError covers the member errors that are hard to reach in an
// acceptance test, such as removing the last owner.
func TestAddMemberError(t *testing.T) {
	cases := []struct {
		name    string
		err     *sentry.APIError
		summary string
		want    string
	}{
		{"already invited", &sentry.APIError{StatusCode: 400, Fields: map[string][]string{"email": {"The user a@x.io has already been invited"}}},
			"Member Already Exists", "terraform import <resource address> acme/a@x.io"},
		{"already a member", &sentry.APIError{StatusCode: 400, Fields: map[string][]string{"email": {"The user a@x.io is already a member"}}},
			"Member Already Exists", "terraform import <resource address> acme/a@x.io"},
		{"role above caller", &sentry.APIError{StatusCode: 400, Fields: map[string][]string{"orgRole": {"You do not have permission to set that org-level role"}}},
			"Role Above the Token's Role", "Use an owner's token"},
		{"own role", &sentry.APIError{StatusCode: 400, Detail: "You cannot make changes to your own role."},
			"Cannot Change Own Role", "Use another owner's or manager's token"},
		{"last owner", &sentry.APIError{StatusCode: 403, Detail: "You cannot remove the only remaining owner or manager of the organization."},
			"Unable to Remove Member", "Make someone else an owner first"},
		{"organization token", &sentry.APIError{StatusCode: 400, Detail: "This request requires an organization token to be a user token."},
			"Unable to Remove Member", "user auth token (sntryu_...)"},
		{"identity provider", &sentry.APIError{StatusCode: 403, Detail: "This user is managed through your organization's identity provider."},
			"Unable to Remove Member", "Make the change in the identity provider"},
		{"missing scope", &sentry.APIError{StatusCode: 403, Detail: "You do not have permission to perform this action."},
			"Unable to Remove Member", "member:admin"},
	}
	r := &memberResource{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			r.addMemberError(&diags, "Unable to Remove Member", "remove member a@x.io", "acme", "a@x.io", tc.err)
			if diags.ErrorsCount() != 1 {
				t.Fatalf("want one error, got %v", diags)
			}
			d := diags.Errors()[0]
			if d.Summary() != tc.summary || !strings.Contains(d.Detail(), tc.want) {
				t.Errorf("got %q: %q; want %q containing %q", d.Summary(), d.Detail(), tc.summary, tc.want)
			}
		})
	}
}

// TestMemberTeamsOf checks that reading a teams set directly gives what
// ElementsAs gives, null roles included.
func TestMemberTeamsOf(t *testing.T) {
	ctx := context.Background()
	set := teamSet(t, "backend", "admin", "frontend", nil, "ops", "contributor")
	got, d := memberTeamsOf(ctx, set)
	if d.HasError() {
		t.Fatal(d)
	}
	var want []memberTeam
	if d := set.ElementsAs(ctx, &want, false); d.HasError() {
		t.Fatal(d)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d teams, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Team.Equal(want[i].Team) || !got[i].Role.Equal(want[i].Role) {
			t.Errorf("team %d is %v, want %v", i, got[i], want[i])
		}
	}
	if got, d := memberTeamsOf(ctx, types.SetValueMust(memberTeamType, nil)); d.HasError() || len(got) != 0 {
		t.Errorf("an empty set gives %v, %v", got, d)
	}
}
