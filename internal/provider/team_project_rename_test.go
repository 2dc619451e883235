package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// linkRoute is the project-team link's route pattern in the emulator's
// counters.
const linkRoute = "/projects/{org}/{project}/teams/{team}/"

// renamedLinkEnv is a link of team contractors to a project, and the
// project renamed by the manager afterwards.
func renamedLinkEnv(t *testing.T) (e *driftEnv, r *teamProjectResource, prior tfsdk.State, oldSlug, newSlug, team string) {
	t.Helper()
	ctx := context.Background()
	e = newDriftEnv(t)
	pfx := randomName()
	owners, team := pfx+"-owners", pfx+"-contractors"
	oldSlug, newSlug = pfx+"-checkout", pfx+"-payments"
	for _, slug := range []string{owners, team} {
		if _, err := e.owner.CreateTeam(ctx, e.org, sentry.CreateTeamRequest{Slug: slug, Name: slug}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.sim.AddProject(e.org, owners, oldSlug); err != nil {
		t.Fatal(err)
	}
	r = configured(t, &teamProjectResource{}, e.run(e.sim.Tokens().Owner, true))
	prior = createState(t, r, map[string]tftypes.Value{"project": str(oldSlug), "team": str(team)})
	e.setClock("2026-12-01T15:00:00Z")
	renameProjectAs(t, e.baseURL, e.sim.Tokens().Manager, e.org, oldSlug, newSlug)
	return e, r, prior, oldSlug, newSlug, team
}

// TestDriftTeamProjectRenamed: a refresh keeps the link under the new
// slug and says who renamed the project, from project.edit.
func TestDriftTeamProjectRenamed(t *testing.T) {
	e, r, prior, oldSlug, newSlug, team := renamedLinkEnv(t)
	e.sim.ResetStats()
	resp := readState(r, prior)
	wantDrift(t, resp, `sentry_team_project "`+oldSlug+`/`+team+`": project changed outside Terraform from "`+oldSlug+
		`" to "`+newSlug+`" (the project was renamed; the link is kept) by manager@acme.example (project.edit) at `+
		`2026-12-01T15:00:00Z from 127.0.0.1`)
	var got teamProjectModel
	if diags := resp.State.Get(context.Background(), &got); diags.HasError() {
		t.Fatal(diags)
	}
	if got.Project.ValueString() != newSlug || got.ID.ValueString() != e.org+"/"+newSlug+"/"+team {
		t.Errorf("state %+v", got)
	}
	if w := writesTo(e.sim.Stats()); len(w) != 0 {
		t.Errorf("the refresh wrote: %v", w)
	}
}

// TestTeamProjectDeleteUnderOldSlug: a destroy without refresh has the old
// slug in state; Sentry's redirect names the new one, where the link is
// removed.
func TestTeamProjectDeleteUnderOldSlug(t *testing.T) {
	e, r, prior, _, newSlug, team := renamedLinkEnv(t)
	e.sim.ResetStats()
	resp := resource.DeleteResponse{State: prior}
	r.Delete(context.Background(), resource.DeleteRequest{State: prior}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	p, err := e.owner.GetProject(context.Background(), e.org, newSlug)
	if err != nil {
		t.Fatal(err)
	}
	if p.HasTeam(team) || len(p.Teams) != 1 {
		t.Errorf("project's teams after delete: %+v", p.Teams)
	}
	stats := e.sim.Stats()
	if n := stats.Count("DELETE", linkRoute); n != 2 {
		t.Errorf("%d DELETEs, want 2 (the old slug, then the new)", n)
	}
	if n := stats.Count("GET", linkRoute); n != 0 {
		t.Errorf("%d GETs of the link: the DELETE's redirect was followed", n)
	}
}

// TestTeamProjectCreateUnderOldSlug: a new link configured with a slug the
// project no longer has fails with both slugs, after one request that
// changed nothing.
func TestTeamProjectCreateUnderOldSlug(t *testing.T) {
	e, r, _, oldSlug, newSlug, _ := renamedLinkEnv(t)
	ctx := context.Background()
	pfx := randomName()
	if _, err := e.owner.CreateTeam(ctx, e.org, sentry.CreateTeamRequest{Slug: pfx + "-auditors", Name: pfx}); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetStats()
	plan := planFor(t, r, map[string]tftypes.Value{"project": str(oldSlug), "team": str(pfx + "-auditors")})
	resp := resource.CreateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	r.Create(ctx, resource.CreateRequest{Plan: plan}, &resp)
	errs := resp.Diagnostics.Errors()
	if len(errs) != 1 || errs[0].Summary() != "Project Renamed in Sentry" ||
		!strings.Contains(errs[0].Detail(), `was renamed to "`+newSlug+`"`) ||
		!strings.Contains(errs[0].Detail(), `Set project = "`+newSlug+`"`) {
		t.Fatalf("diagnostics %v", resp.Diagnostics)
	}
	if w := writesTo(e.sim.Stats()); len(w) != 1 || w["POST "+linkRoute] != 1 {
		t.Errorf("writes %v, want one POST", w)
	}
	p, err := e.owner.GetProject(ctx, e.org, newSlug)
	if err != nil {
		t.Fatal(err)
	}
	if p.HasTeam(pfx + "-auditors") {
		t.Error("the team was linked")
	}
}

// TestProjectAccessRenamedProject: sentry_project_access asked for a
// renamed project by its old slug shows the project under its new slug
// and warns that the configuration's slug is out of date.
func TestProjectAccessRenamedProject(t *testing.T) {
	e, _, _, oldSlug, newSlug, team := renamedLinkEnv(t)
	ctx := context.Background()
	d := &projectAccessDataSource{}
	d.data = e.run(e.sim.Tokens().Owner, false)
	var schemaResp datasource.SchemaResponse
	d.Schema(ctx, datasource.SchemaRequest{}, &schemaResp)
	typ := mustBe[tftypes.Object](t, schemaResp.Schema.Type().TerraformType(ctx))
	values := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	values["project"] = str(oldSlug)
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, nil)}}
	d.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, values)}}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	warnings := resp.Diagnostics.Warnings()
	if len(warnings) != 1 || warnings[0].Summary() != "Project Renamed in Sentry" ||
		!strings.Contains(warnings[0].Detail(), `Set project = "`+newSlug+`"`) {
		t.Fatalf("warnings %v", warnings)
	}
	var got projectAccessDataModel
	if diags := resp.State.Get(ctx, &got); diags.HasError() {
		t.Fatal(diags)
	}
	var projects []types.Object
	if diags := got.Projects.ElementsAs(ctx, &projects, false); diags.HasError() {
		t.Fatal(diags)
	}
	if len(projects) != 1 || projects[0].Attributes()["slug"].String() != `"`+newSlug+`"` {
		t.Fatalf("projects %v, want only %s", projects, newSlug)
	}
	// The renamed project's links are still there.
	if !strings.Contains(projects[0].String(), `"`+team+`"`) {
		t.Errorf("%s is not among the project's teams: %v", team, projects[0])
	}
}
