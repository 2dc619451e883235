package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// simResource serves a fresh emulator and configures r against it as the
// owner, for tests that call a resource's methods directly; opts as
// newAccEnv's.
func simResource(t *testing.T, r resource.ResourceWithConfigure, opts ...envOption) (*sentrysim.Server, *sentry.Client) {
	t.Helper()
	sim := sentrysim.New(sentrysim.Options{Organization: "acme", LegacyOrgTokens: hasOption(opts, legacyOrgTokens)})
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	data := &providerData{organization: "acme", baseURL: server.URL + "/api/", authToken: sim.Tokens().Owner, userAgent: "test"}
	var resp resource.ConfigureResponse
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: data}, &resp)
	client, err := data.client()
	if err != nil {
		t.Fatal(err)
	}
	return sim, client
}

// schemaValue is model as a raw value of r's schema, for building plans and
// states.
func schemaValue(t *testing.T, r resource.Resource, model any) (tftypes.Value, resource.SchemaResponse) {
	t.Helper()
	ctx := context.Background()
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	state := tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(schemaResp.Schema.Type().TerraformType(ctx), nil)}
	if d := state.Set(ctx, model); d.HasError() {
		t.Fatal(d)
	}
	return state.Raw, schemaResp
}

// TestTeamProjectDeleteLeavesOtherTeams checks that unlinking a team leaves
// the project's other teams linked, and that removing a project's last team
// says so.
func TestTeamProjectDeleteLeavesOtherTeams(t *testing.T) {
	ctx := context.Background()
	r := &teamProjectResource{}
	sim, client := simResource(t, r)
	pfx := randomName()
	owners, contractors, project := pfx+"-owners", pfx+"-contractors", pfx+"-api"
	for _, slug := range []string{owners, contractors} {
		if _, err := client.CreateTeam(ctx, "acme", sentry.CreateTeamRequest{Slug: slug, Name: slug}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.AddProject("acme", owners, project); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AddProjectTeam(ctx, "acme", project, contractors); err != nil {
		t.Fatal(err)
	}

	unlink := func(team string) resource.DeleteResponse {
		t.Helper()
		state := teamProjectState("acme", project, team)
		state.Timeouts = noTimeouts(false)
		raw, schemaResp := schemaValue(t, r, state)
		var resp resource.DeleteResponse
		r.Delete(ctx, resource.DeleteRequest{State: tfsdk.State{Schema: schemaResp.Schema, Raw: raw}}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("delete: %v", resp.Diagnostics)
		}
		return resp
	}

	if resp := unlink(contractors); resp.Diagnostics.WarningsCount() != 0 {
		t.Fatalf("unlinking one of two teams warned: %v", resp.Diagnostics)
	}
	p, err := client.GetProject(ctx, "acme", project)
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasTeam(owners) || p.HasTeam(contractors) {
		t.Fatalf("project teams after unlinking %s: %+v", contractors, p.Teams)
	}

	resp := unlink(owners)
	warnings := resp.Diagnostics.Warnings()
	if len(warnings) != 1 || warnings[0].Summary() != "Project Left Without a Team" ||
		!strings.Contains(warnings[0].Detail(), project) {
		t.Fatalf("unlinking the last team: %v", resp.Diagnostics)
	}
}

// tokenPlan is the plan of a new sentry_api_token named name.
func tokenPlan(name string) apiTokenModel {
	return apiTokenModel{
		Organization: types.StringValue("acme"), Name: types.StringValue(name),
		NamePattern: types.StringNull(), RotationDays: types.NumberNull(), Keepers: types.MapNull(types.StringType),
		Token: types.StringUnknown(), ID: types.StringUnknown(), Scopes: types.ListUnknown(types.StringType),
		TokenLastCharacters: types.StringUnknown(), DateCreated: types.StringUnknown(), DateLastUsed: types.StringUnknown(),
		RotateAfter: types.StringNull(), Timeouts: noTimeouts(true),
	}
}

// createToken calls the resource's Create for a new token named name.
func createToken(t *testing.T, r *apiTokenResource, name string) resource.CreateResponse {
	t.Helper()
	raw, schemaResp := schemaValue(t, r, tokenPlan(name))
	resp := resource.CreateResponse{State: tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(raw.Type(), nil)}}
	r.Create(context.Background(), resource.CreateRequest{Plan: tfsdk.Plan{Schema: schemaResp.Schema, Raw: raw}}, &resp)
	return resp
}

// liveTokens lists the ids of the organization's tokens named name.
func liveTokens(t *testing.T, client *sentry.Client, name string) []string {
	t.Helper()
	tokens, err := client.ListOrgAuthTokens(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tok := range tokens {
		if tok.Name == name {
			ids = append(ids, tok.ID)
		}
	}
	return ids
}

// revokedIDs are the token ids a warning says were revoked.
func revokedIDs(t *testing.T, detail string) []string {
	t.Helper()
	m := regexp.MustCompile(`, id ([0-9, ]+)[,.]`).FindStringSubmatch(detail)
	if m == nil {
		m = regexp.MustCompile(`: id ([0-9, ]+)\.`).FindStringSubmatch(detail)
	}
	if m == nil {
		t.Fatalf("no revoked token ids in %q", detail)
	}
	return strings.Split(m[1], ", ")
}

// TestAPITokenCreateRevokesLostToken loses the answer to one create: the
// token it made is revoked and named, and the token in state is a fresh one
// that works.
func TestAPITokenCreateRevokesLostToken(t *testing.T) {
	r := &apiTokenResource{}
	sim, client := simResource(t, r, legacyOrgTokens)
	name := randomName()
	sim.DropAfterNext("POST", "org-auth-tokens", 1)

	resp := createToken(t, r, name)
	if resp.Diagnostics.HasError() {
		t.Fatalf("create: %v", resp.Diagnostics)
	}
	var state apiTokenModel
	if d := resp.State.Get(context.Background(), &state); d.HasError() {
		t.Fatal(d)
	}
	live := liveTokens(t, client, name)
	if len(live) != 1 || live[0] != state.ID.ValueString() {
		t.Fatalf("live tokens named %q: %v; state holds %s", name, live, state.ID.ValueString())
	}
	if !sim.OrgTokenLive("acme", state.Token.ValueString()) {
		t.Fatal("the token value in state does not authenticate")
	}
	warnings := resp.Diagnostics.Warnings()
	if len(warnings) != 1 {
		t.Fatalf("want one warning, got %v", resp.Diagnostics)
	}
	revoked := revokedIDs(t, warnings[0].Detail())
	if len(revoked) != 1 || revoked[0] == state.ID.ValueString() {
		t.Fatalf("revoked %v, state holds %s", revoked, state.ID.ValueString())
	}
	if strings.Contains(warnings[0].Detail(), state.Token.ValueString()) {
		t.Fatal("the warning holds the token's value")
	}
}

// TestAPITokenCreateNeverLeavesOrphan loses the answer to every create: the
// create fails, and every token those creates made is revoked and named.
func TestAPITokenCreateNeverLeavesOrphan(t *testing.T) {
	r := &apiTokenResource{}
	sim, client := simResource(t, r, legacyOrgTokens)
	name := randomName()
	sim.DropAfterNext("POST", "org-auth-tokens", createAttempts)

	resp := createToken(t, r, name)
	if !resp.Diagnostics.HasError() {
		t.Fatalf("a create whose answers never arrive succeeded: %v", resp.Diagnostics)
	}
	if live := liveTokens(t, client, name); len(live) != 0 {
		t.Fatalf("tokens named %q still live: %v", name, live)
	}
	warnings := resp.Diagnostics.Warnings()
	if len(warnings) != 1 || len(revokedIDs(t, warnings[0].Detail())) != createAttempts {
		t.Fatalf("want one warning naming the %d revoked tokens, got %v", createAttempts, resp.Diagnostics)
	}
}

// TestAPITokenCreateSparesHeldTokens checks that revoking a lost create's
// token never touches a token with the same name that this run handed to
// Terraform.
func TestAPITokenCreateSparesHeldTokens(t *testing.T) {
	r := &apiTokenResource{}
	sim, client := simResource(t, r, legacyOrgTokens)
	name := randomName()
	first := createToken(t, r, name)
	if first.Diagnostics.HasError() {
		t.Fatal(first.Diagnostics)
	}
	var held apiTokenModel
	if d := first.State.Get(context.Background(), &held); d.HasError() {
		t.Fatal(d)
	}

	sim.DropAfterNext("POST", "org-auth-tokens", 1)
	second := createToken(t, r, name)
	if second.Diagnostics.HasError() {
		t.Fatal(second.Diagnostics)
	}
	if !sim.OrgTokenLive("acme", held.Token.ValueString()) {
		t.Fatal("the token held by the first resource was revoked")
	}
	if live := liveTokens(t, client, name); len(live) != 2 {
		t.Fatalf("want the two held tokens live, got %v", live)
	}
}

// planFor is a create plan of r: the given attributes, unknown for the
// other computed ones, null for the rest (blocks included).
func planFor(t *testing.T, r resource.Resource, values map[string]tftypes.Value) tfsdk.Plan {
	t.Helper()
	ctx := context.Background()
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	typ := mustBe[tftypes.Object](t, schemaResp.Schema.Type().TerraformType(ctx))
	all := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		switch v, ok := values[name]; {
		case ok:
			all[name] = v
		case schemaResp.Schema.Attributes[name] != nil && schemaResp.Schema.Attributes[name].IsComputed():
			all[name] = tftypes.NewValue(at, tftypes.UnknownValue)
		default:
			all[name] = tftypes.NewValue(at, nil)
		}
	}
	return tfsdk.Plan{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, all)}
}

// TestCreateRecoversLostAnswer loses the answer to each kind of create once:
// the create finds what Sentry made, takes it into state with a warning, and
// Sentry holds exactly one such object.
func TestCreateRecoversLostAnswer(t *testing.T) {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	teamRoles := tftypes.Set{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"team": tftypes.String, "role": tftypes.String}}}

	cases := []struct {
		name string
		// route and method of the create whose answer is lost.
		route string
		// setup makes what the create needs, with names starting with
		// pfx, and returns the plan's values.
		setup func(t *testing.T, sim *sentrysim.Server, client *sentry.Client, pfx string) map[string]tftypes.Value
		// count is how many objects like the planned one Sentry holds.
		count func(t *testing.T, client *sentry.Client, pfx string) int
		r     func() resource.ResourceWithConfigure
		scim  bool
		// resent is true where Sentry answers a repeat the same way, so
		// the client sends the request again itself and nothing is lost.
		resent bool
	}{
		{
			name: "team with slug", route: "organization-teams", r: func() resource.ResourceWithConfigure { return &teamResource{} },
			setup: func(_ *testing.T, _ *sentrysim.Server, _ *sentry.Client, pfx string) map[string]tftypes.Value {
				return map[string]tftypes.Value{"slug": str(pfx + "-team"), "name": str(pfx + " Team")}
			},
			count: countTeams,
		},
		{
			name: "team named only", route: "organization-teams", r: func() resource.ResourceWithConfigure { return &teamResource{} },
			setup: func(_ *testing.T, _ *sentrysim.Server, _ *sentry.Client, pfx string) map[string]tftypes.Value {
				return map[string]tftypes.Value{"name": str(pfx + " Team")}
			},
			count: countTeams,
		},
		{
			name: "member in another case, with teams", route: "organization-members",
			r: func() resource.ResourceWithConfigure { return &memberResource{} },
			setup: func(t *testing.T, _ *sentrysim.Server, client *sentry.Client, pfx string) map[string]tftypes.Value {
				slug := pfx + "-team"
				if _, err := client.CreateTeam(context.Background(), "acme", sentry.CreateTeamRequest{Slug: slug}); err != nil {
					t.Fatal(err)
				}
				teams := tftypes.NewValue(teamRoles, []tftypes.Value{tftypes.NewValue(teamRoles.ElementType, map[string]tftypes.Value{
					"team": str(slug), "role": str("admin"),
				})})
				// Mixed case: the lookup after the lost answer must match
				// the email whatever its case.
				return map[string]tftypes.Value{"email": str(pfx + "-Jane@Example.com"), "role": str("member"), "teams": teams}
			},
			count: func(t *testing.T, client *sentry.Client, pfx string) int {
				members, err := client.ListMembers(context.Background(), "acme", "")
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, m := range members {
					if strings.EqualFold(m.Email, pfx+"-jane@example.com") {
						n++
					}
				}
				return n
			},
		},
		{
			name: "SCIM group", route: "organization-scim-team-index", scim: true,
			r: func() resource.ResourceWithConfigure { return &scimGroupResource{} },
			setup: func(_ *testing.T, _ *sentrysim.Server, _ *sentry.Client, pfx string) map[string]tftypes.Value {
				return map[string]tftypes.Value{"display_name": str(pfx + " Team")}
			},
			count: countTeams,
		},
		{
			name: "team-project link", route: "project-team-details", resent: true,
			r: func() resource.ResourceWithConfigure { return &teamProjectResource{} },
			setup: func(t *testing.T, sim *sentrysim.Server, client *sentry.Client, pfx string) map[string]tftypes.Value {
				owners, contractors := pfx+"-owners", pfx+"-team"
				for _, slug := range []string{owners, contractors} {
					if _, err := client.CreateTeam(context.Background(), "acme", sentry.CreateTeamRequest{Slug: slug}); err != nil {
						t.Fatal(err)
					}
				}
				if err := sim.AddProject("acme", owners, pfx+"-api"); err != nil {
					t.Fatal(err)
				}
				return map[string]tftypes.Value{"project": str(pfx + "-api"), "team": str(contractors)}
			},
			count: func(t *testing.T, client *sentry.Client, pfx string) int {
				p, err := client.GetProject(context.Background(), "acme", pfx+"-api")
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, team := range p.Teams {
					if team.Slug == pfx+"-team" {
						n++
					}
				}
				return n
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.r()
			sim, client := simResource(t, r)
			if c.scim {
				if err := sim.SetFeature("acme", "sso-scim", true); err != nil {
					t.Fatal(err)
				}
				mustBe[*scimGroupResource](t, r).data.scimToken = sim.SCIMToken("acme")
			}
			pfx := randomName()
			plan := planFor(t, r, c.setup(t, sim, client, pfx))
			sim.DropAfterNext("POST", c.route, 1)

			resp := resource.CreateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
			r.Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("create: %v", resp.Diagnostics)
			}
			if sim.PendingDropAfter("POST", c.route) != 0 {
				t.Fatal("the create's answer was not lost")
			}
			warnings := resp.Diagnostics.Warnings()
			switch {
			case c.resent && len(warnings) != 0:
				t.Fatalf("a repeated request warned: %v", resp.Diagnostics)
			case !c.resent && (len(warnings) != 1 || !strings.HasPrefix(warnings[0].Summary(), "Recovered ")):
				t.Fatalf("want one recovery warning, got %v", resp.Diagnostics)
			}
			var id types.String
			if d := resp.State.GetAttribute(context.Background(), path.Root("id"), &id); d.HasError() || id.ValueString() == "" {
				t.Fatalf("state id %v: %v", id, d)
			}
			if n := c.count(t, client, pfx); n != 1 {
				t.Fatalf("Sentry holds %d such objects, want 1", n)
			}
		})
	}
}

// countTeams counts the teams whose slug is pfx+"-team" or whose name is
// pfx+" Team".
func countTeams(t *testing.T, client *sentry.Client, pfx string) int {
	t.Helper()
	teams, err := client.ListTeams(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, team := range teams {
		if team.Slug == pfx+"-team" || team.Name == pfx+" Team" {
			n++
		}
	}
	return n
}

// TestMemberImportLeavesSCIMTeamsAlone reads members right after an import
// (teams null): a member on a SCIM team keeps teams null, so the generated
// configuration leaves that membership to the identity provider; a member
// on ordinary teams only gets them. The SCIM teams are read once for both.
func TestMemberImportLeavesSCIMTeamsAlone(t *testing.T) {
	ctx := context.Background()
	r := &memberResource{}
	sim, client := simResource(t, r)
	pfx := randomName()
	seed := fmt.Sprintf(`{"teams": [{"slug": "%[1]s-okta", "name": "%[1]s Okta", "scim": true}, {"slug": "%[1]s-plain", "name": "%[1]s Plain"}],
"members": [{"email": "%[1]s-idp@example.com", "role": "member", "teams": [{"team": "%[1]s-okta"}, {"team": "%[1]s-plain"}]},
            {"email": "%[1]s-plain@example.com", "role": "member", "teams": [{"team": "%[1]s-plain", "role": "admin"}]}]}`, pfx)
	if err := sim.LoadSeed("acme", strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()

	readImported := func(email string) memberModel {
		t.Helper()
		m, err := findMemberByEmail(ctx, client, "acme", email)
		if err != nil || m == nil {
			t.Fatalf("member %s: %v", email, err)
		}
		// An imported state: id and organization, everything else null.
		var schemaResp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
		typ := mustBe[tftypes.Object](t, schemaResp.Schema.Type().TerraformType(ctx))
		values := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			values[name] = tftypes.NewValue(at, nil)
		}
		values["id"] = tftypes.NewValue(tftypes.String, m.ID)
		values["organization"] = tftypes.NewValue(tftypes.String, "acme")
		state := tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, values)}
		resp := resource.ReadResponse{State: state}
		r.Read(ctx, resource.ReadRequest{State: state}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("read %s: %v", email, resp.Diagnostics)
		}
		var got memberModel
		if d := resp.State.Get(ctx, &got); d.HasError() {
			t.Fatal(d)
		}
		return got
	}

	if got := readImported(pfx + "-idp@example.com"); !got.Teams.IsNull() {
		t.Errorf("a member on a SCIM team read teams %v after import, want null", got.Teams)
	}
	got := readImported(pfx + "-plain@example.com")
	if got.Teams.IsNull() || len(got.Teams.Elements()) != 1 {
		t.Errorf("a member on an ordinary team read teams %v after import", got.Teams)
	}
	if n := sim.Stats().Count("GET", "/organizations/{org}/teams/"); n != 1 {
		t.Errorf("the teams were listed %d times, want once for the run", n)
	}
}
