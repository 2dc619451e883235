package communitystandin

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func newServer(t *testing.T) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantError(t *testing.T, diags []*tfprotov6.Diagnostic, want ...string) {
	t.Helper()
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError {
		t.Fatalf("diagnostics %+v, want one error", diags)
	}
	for _, w := range want {
		if !strings.Contains(diags[0].Summary+": "+diags[0].Detail, w) {
			t.Errorf("error %q: %q does not contain %q", diags[0].Summary, diags[0].Detail, w)
		}
	}
}

func noDiags(t *testing.T, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		t.Fatalf("%s: %s", d.Summary, d.Detail)
	}
}

// teamMemberValue is a sentry_team_member state with the given role.
func teamMemberValue(t *testing.T, s *Server, role tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	typ := s.schemas.Resources["sentry_team_member"].ValueType()
	v := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":             tftypes.NewValue(tftypes.String, "acme/backend/42"),
		"organization":   tftypes.NewValue(tftypes.String, "acme"),
		"team":           tftypes.NewValue(tftypes.String, "backend"),
		"member_id":      tftypes.NewValue(tftypes.String, "42"),
		"role":           role,
		"effective_role": tftypes.NewValue(tftypes.String, "admin"),
	})
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func TestGetProviderSchema(t *testing.T) {
	resp, err := newServer(t).GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	noDiags(t, resp.Diagnostics)
	if resp.Provider == nil || len(resp.ResourceSchemas) != 24 || len(resp.DataSourceSchemas) != 19 {
		t.Errorf("provider %v, %d resources, %d data sources; want the recorded 24 and 19",
			resp.Provider, len(resp.ResourceSchemas), len(resp.DataSourceSchemas))
	}
	if v := resp.ResourceSchemas["sentry_issue_alert"].Version; v != 2 {
		t.Errorf("sentry_issue_alert schema version %d, recorded 2", v)
	}
}

// TestUpgradeResourceState decodes raw states as the community provider
// writes them, as Terraform hands them over.
func TestUpgradeResourceState(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	typ := s.schemas.Resources["sentry_team"].ValueType()
	// has_access missing (null after decoding), teams unknown to the
	// schema (dropped).
	raw := `{"id":"backend","organization":"acme","name":"Backend","slug":"backend","internal_id":"7",` +
		`"team_id":"7","is_member":false,"is_pending":false,"teams":["x"]}`
	resp, err := s.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "sentry_team", Version: 0, RawState: &tfprotov6.RawState{JSON: []byte(raw)}})
	if err != nil {
		t.Fatal(err)
	}
	noDiags(t, resp.Diagnostics)
	got, err := resp.UpgradedState.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	want := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":           tftypes.NewValue(tftypes.String, "backend"),
		"organization": tftypes.NewValue(tftypes.String, "acme"),
		"name":         tftypes.NewValue(tftypes.String, "Backend"),
		"slug":         tftypes.NewValue(tftypes.String, "backend"),
		"internal_id":  tftypes.NewValue(tftypes.String, "7"),
		"team_id":      tftypes.NewValue(tftypes.String, "7"),
		"has_access":   tftypes.NewValue(tftypes.Bool, nil),
		"is_member":    tftypes.NewValue(tftypes.Bool, false),
		"is_pending":   tftypes.NewValue(tftypes.Bool, false),
	})
	if !got.Equal(want) {
		t.Errorf("upgraded state %v, want %v", got, want)
	}

	for name, c := range map[string]struct {
		req  tfprotov6.UpgradeResourceStateRequest
		want []string
	}{
		"newer version": {tfprotov6.UpgradeResourceStateRequest{TypeName: "sentry_team", Version: 1,
			RawState: &tfprotov6.RawState{JSON: []byte(raw)}}, []string{"schema version 1", "only version 0"}},
		"older version": {tfprotov6.UpgradeResourceStateRequest{TypeName: "sentry_issue_alert", Version: 0,
			RawState: &tfprotov6.RawState{JSON: []byte(`{}`)}}, []string{"schema version 0", "only version 2", "upgraders"}},
		"wrong type": {tfprotov6.UpgradeResourceStateRequest{TypeName: "sentry_team", Version: 0,
			RawState: &tfprotov6.RawState{JSON: []byte(`{"name":{"a":1}}`)}}, []string{"does not match the recorded schema"}},
		"flatmap": {tfprotov6.UpgradeResourceStateRequest{TypeName: "sentry_team", Version: 0,
			RawState: &tfprotov6.RawState{Flatmap: map[string]string{"id": "backend"}}}, []string{"no JSON"}},
		"unknown type": {tfprotov6.UpgradeResourceStateRequest{TypeName: "sentry_member", Version: 0,
			RawState: &tfprotov6.RawState{JSON: []byte(`{}`)}}, []string{`no resource type "sentry_member"`}},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := s.UpgradeResourceState(ctx, &c.req)
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, resp.Diagnostics, c.want...)
			if resp.UpgradedState != nil {
				t.Errorf("upgraded state set with an error")
			}
		})
	}
}

func TestReadResourceKeepsState(t *testing.T) {
	s := newServer(t)
	dv := teamMemberValue(t, s, tftypes.NewValue(tftypes.String, "admin"))
	resp, err := s.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{
		TypeName: "sentry_team_member", CurrentState: dv, Private: []byte(`{"k":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	noDiags(t, resp.Diagnostics)
	if resp.NewState != dv || string(resp.Private) != `{"k":1}` {
		t.Errorf("read returned %v, private %s; want the prior state", resp.NewState, resp.Private)
	}
}

// TestPlanResourceChange plans no-ops and destroys and refuses creates
// and changes.
func TestPlanResourceChange(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	typ := s.schemas.Resources["sentry_team_member"].ValueType()
	null, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		t.Fatal(err)
	}
	admin := teamMemberValue(t, s, tftypes.NewValue(tftypes.String, "admin"))
	admin2 := teamMemberValue(t, s, tftypes.NewValue(tftypes.String, "admin"))
	contributor := teamMemberValue(t, s, tftypes.NewValue(tftypes.String, "contributor"))
	unknown := teamMemberValue(t, s, tftypes.NewValue(tftypes.String, tftypes.UnknownValue))
	plan := func(prior, proposed *tfprotov6.DynamicValue) *tfprotov6.PlanResourceChangeResponse {
		t.Helper()
		resp, err := s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "sentry_team_member",
			PriorState: prior, ProposedNewState: proposed, Config: proposed, PriorPrivate: []byte("p")})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	t.Run("no-op", func(t *testing.T) {
		resp := plan(admin, admin2)
		noDiags(t, resp.Diagnostics)
		if resp.PlannedState != admin2 || string(resp.PlannedPrivate) != "p" || len(resp.RequiresReplace) != 0 {
			t.Errorf("planned %+v, want the proposed state", resp)
		}
	})
	t.Run("destroy", func(t *testing.T) {
		resp := plan(admin, &null)
		noDiags(t, resp.Diagnostics)
		got, err := resp.PlannedState.Unmarshal(typ)
		if err != nil || !got.IsNull() {
			t.Errorf("planned %v (%v), want null", got, err)
		}
	})
	t.Run("create", func(t *testing.T) {
		resp := plan(&null, admin)
		wantError(t, resp.Diagnostics, "Cannot create", "sentry_team_member", "never writes to Sentry")
		if resp.PlannedState != nil {
			t.Error("planned state set with an error")
		}
	})
	t.Run("create with no prior state", func(t *testing.T) {
		wantError(t, plan(nil, admin).Diagnostics, "Cannot create")
	})
	t.Run("change", func(t *testing.T) {
		resp := plan(admin, contributor)
		wantError(t, resp.Diagnostics, "Cannot change", "change role of a sentry_team_member")
		if resp.PlannedState != nil {
			t.Error("planned state set with an error")
		}
	})
	t.Run("unknown value", func(t *testing.T) {
		wantError(t, plan(admin, unknown).Diagnostics, "Cannot change", "role")
	})
	t.Run("unknown type", func(t *testing.T) {
		resp, err := s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "sentry_member",
			PriorState: admin, ProposedNewState: admin})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, resp.Diagnostics, `no resource type "sentry_member"`)
	})
}

// TestRefusals: everything that would write, import or move is an error.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	admin := teamMemberValue(t, s, tftypes.NewValue(tftypes.String, "admin"))
	apply, err := s.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "sentry_team_member", PriorState: admin, PlannedState: admin})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, apply.Diagnostics, "Cannot apply", "sentry_team_member")
	if apply.NewState != nil {
		t.Error("apply returned a state")
	}
	imp, err := s.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "sentry_team", ID: "acme/backend"})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, imp.Diagnostics, "Cannot import", "sentry_team")
	mv, err := s.MoveResourceState(ctx, &tfprotov6.MoveResourceStateRequest{TargetTypeName: "sentry_team"})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, mv.Diagnostics, "Move not supported")
	ds, err := s.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "sentry_organization"})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, ds.Diagnostics, "Cannot read data source", "sentry_organization")
	vds, err := s.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "sentry_organization"})
	if err != nil {
		t.Fatal(err)
	}
	noDiags(t, vds.Diagnostics)
	vr, err := s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "sentry_nope"})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, vr.Diagnostics, `no resource type "sentry_nope"`)
}
