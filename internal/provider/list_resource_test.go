package provider

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// runList calls a list resource's List as Terraform would for a list block
// with the attributes in config (missing ones null), and collects the
// results. r is the resource whose schemas the results follow.
func runList(t *testing.T, env *simEnv, l list.ListResource, r resource.ResourceWithIdentity, config map[string]string,
	includeResource bool, limit int64) []list.ListResult {
	t.Helper()
	ctx := context.Background()
	lr := mustBe[list.ListResourceWithConfigure](t, l)
	var cfgResp resource.ConfigureResponse
	lr.Configure(ctx, resource.ConfigureRequest{ProviderData: env.data}, &cfgResp)
	if cfgResp.Diagnostics.HasError() {
		t.Fatal(cfgResp.Diagnostics)
	}
	var schemaResp list.ListResourceSchemaResponse
	lr.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &schemaResp)
	attrs := map[string]tftypes.Value{}
	for name := range schemaResp.Schema.Attributes {
		if v, ok := config[name]; ok {
			attrs[name] = tftypes.NewValue(tftypes.String, v)
		} else {
			attrs[name] = tftypes.NewValue(tftypes.String, nil)
		}
	}
	for name := range config {
		if _, ok := schemaResp.Schema.Attributes[name]; !ok {
			t.Fatalf("the list config has no %q", name)
		}
	}
	s, i := schemas(t, r)
	req := list.ListRequest{
		Config: tfsdk.Config{Schema: schemaResp.Schema,
			Raw: tftypes.NewValue(schemaResp.Schema.Type().TerraformType(ctx), attrs)},
		IncludeResource:        includeResource,
		Limit:                  limit,
		ResourceSchema:         s.Schema,
		ResourceIdentitySchema: i.IdentitySchema,
	}
	var stream list.ListResultsStream
	lr.List(ctx, req, &stream)
	var out []list.ListResult
	for result := range stream.Results {
		out = append(out, result)
	}
	return out
}

// checkResults fails on results with errors, a missing identity, or a
// resource object where none was asked for (or none where one was).
func checkResults(t *testing.T, results []list.ListResult, includeResource bool) {
	t.Helper()
	for _, r := range results {
		if r.Diagnostics.HasError() {
			t.Fatalf("list result with errors: %v", r.Diagnostics)
		}
		if r.Identity == nil || r.Identity.Raw.IsFullyNull() {
			t.Fatalf("list result %q without identity", r.DisplayName)
		}
		if r.DisplayName == "" {
			t.Errorf("list result %v without a display name", identityOf(t, r.Identity))
		}
		if includeResource != (r.Resource != nil && !r.Resource.Raw.IsNull()) {
			t.Errorf("list result %q: resource %v with include_resource %v", r.DisplayName, r.Resource, includeResource)
		}
	}
}

// checkReadEqual imports each listed object by its identity, reads it, and
// checks that Read stores exactly the listed resource object and identity.
func checkReadEqual(t *testing.T, env *simEnv, r interface {
	resource.ResourceWithIdentity
	resource.ResourceWithImportState
	resource.ResourceWithConfigure
}, results []list.ListResult, skip func(list.ListResult) bool) {
	t.Helper()
	env.configure(t, r)
	for _, result := range results {
		if skip != nil && skip(result) {
			continue
		}
		res := importAndRead(t, r, "", result.Identity)
		if res.imported.Diagnostics.HasError() || res.read.Diagnostics.HasError() {
			t.Fatalf("%s: import %v, read %v", result.DisplayName, res.imported.Diagnostics, res.read.Diagnostics)
		}
		if !res.read.State.Raw.Equal(result.Resource.Raw) {
			t.Errorf("%s: listed resource differs from what Read stores:\nlisted: %s\nread:   %s",
				result.DisplayName, result.Resource.Raw, res.read.State.Raw)
		}
		if !res.read.Identity.Raw.Equal(result.Identity.Raw) {
			t.Errorf("%s: listed identity %s, read %s", result.DisplayName, result.Identity.Raw, res.read.Identity.Raw)
		}
	}
}

func TestTeamListResource(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t)
	pfx := randomName()
	var seed strings.Builder
	seed.WriteString(`{"teams": [`)
	for i := range 120 {
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"slug": "%[1]s-team-%03[2]d", "name": "%[1]s Team %[2]d"}`, pfx, i)
	}
	seed.WriteString(`]}`)
	if err := env.sim.LoadSeed("acme", strings.NewReader(seed.String())); err != nil {
		t.Fatal(err)
	}
	if _, err := env.scim.CreateSCIMGroup(ctx, "acme", pfx+" Okta Group"); err != nil {
		t.Fatal(err)
	}

	env.sim.ResetStats()
	results := runList(t, env, newTeamListResource(), &teamResource{}, nil, true, 1000)
	checkResults(t, results, true)
	if len(results) != 120 {
		t.Fatalf("%d teams listed, want 120 (the SCIM team left out)", len(results))
	}
	if n := env.sim.Stats().Total(); n != 2 {
		t.Errorf("%d requests for 121 teams, want 2", n)
	}
	if got, want := results[3].DisplayName, pfx+" Team 3 ("+pfx+"-team-003)"; got != want {
		t.Errorf("display name %q, want %q", got, want)
	}
	var timeouts types.Object
	results[0].Resource.GetAttribute(ctx, path.Root("timeouts"), &timeouts)
	if !timeouts.IsNull() {
		t.Errorf("timeouts %v, want null", timeouts)
	}
	checkReadEqual(t, env, &teamResource{}, results[:5], nil)

	// Filters and limit.
	results = runList(t, env, newTeamListResource(), &teamResource{}, map[string]string{"query": "slug:" + pfx + "-team-042", "organization": "acme"}, false, 100)
	checkResults(t, results, false)
	if len(results) != 1 || identityOf(t, results[0].Identity)["id"] == "" || results[0].DisplayName != pfx+" Team 42 ("+pfx+"-team-042)" {
		t.Errorf("filtered: %+v", results)
	}
	env.sim.ResetStats()
	results = runList(t, env, newTeamListResource(), &teamResource{}, nil, false, 7)
	if len(results) != 7 {
		t.Errorf("%d results with limit 7", len(results))
	}
	if n := env.sim.Stats().Total(); n != 1 {
		t.Errorf("%d requests with limit 7, want 1", n)
	}

	// A missing organization is an error result.
	bare := newSimEnv(t)
	bare.data.organization = ""
	results = runList(t, bare, newTeamListResource(), &teamResource{}, nil, false, 10)
	if len(results) != 1 || !results[0].Diagnostics.HasError() || results[0].Diagnostics[0].Summary() != "Missing Sentry Organization" {
		t.Errorf("without an organization: %+v", results)
	}
}

func TestMemberListResource(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t)
	pfx := randomName()
	backend, frontend := pfx+"-backend", pfx+"-frontend"
	contrib, boss, admin, loner, okta := pfx+"-contrib@example.com", pfx+"-boss@example.com", pfx+"-admin@example.com",
		pfx+"-loner@example.com", pfx+"-okta@example.com"
	// Invited in mixed case: the list shows the email as it was invited.
	mixed, late := pfx+"-Mixed.Case@Example.com", pfx+"-late@example.com"
	seed := fmt.Sprintf(`{"teams": [{"slug": %[1]q}, {"slug": %[2]q}],
	  "members": [
	    {"email": %[3]q, "role": "member", "teams": [{"team": %[1]q, "role": ""}, {"team": %[2]q, "role": "admin"}]},
	    {"email": %[4]q, "role": "manager", "teams": [{"team": %[2]q, "role": ""}]},
	    {"email": %[5]q, "role": "admin", "teams": [{"team": %[1]q, "role": "admin"}]},
	    {"email": %[6]q, "role": "member"},
	    {"email": %[7]q, "role": "member", "teams": [{"team": %[1]q, "role": "admin"}]}
	  ]}`, backend, frontend, contrib, boss, admin, loner, okta)
	if err := env.sim.LoadSeed("acme", strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	no := false
	for _, email := range []string{mixed, late} {
		if _, err := env.client.InviteMember(ctx, "acme", sentry.InviteMemberRequest{Email: email, OrgRole: "member", SendInvite: &no,
			TeamRoles: []sentry.MemberTeamRole{{TeamSlug: backend}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.sim.ExpireInvite("acme", late); err != nil {
		t.Fatal(err)
	}
	group, err := env.scim.CreateSCIMGroup(ctx, "acme", pfx+" Okta")
	if err != nil {
		t.Fatal(err)
	}
	members, err := env.client.ListMembers(ctx, "acme", "email:"+okta)
	if err != nil || len(members) != 1 {
		t.Fatal(members, err)
	}
	if err := env.scim.PatchSCIMGroup(ctx, "acme", group.ID, sentry.SCIMGroupMembershipOps(nil, []string{members[0].ID})); err != nil {
		t.Fatal(err)
	}

	env.sim.ResetStats()
	results := runList(t, env, newMemberListResource(), &memberResource{}, nil, true, 1000)
	checkResults(t, results, true)
	// 3 seeded by the emulator, 5 loaded, 2 invited.
	if len(results) != 10 {
		t.Fatalf("%d members, want 10", len(results))
	}
	// One members page, one teams page, one team-members list per team
	// (backend, frontend, okta); no read per member.
	st := env.sim.Stats()
	if n := st.Total(); n != 5 || st.Count("GET", "/teams/{org}/{team}/members/") != 3 {
		t.Errorf("%d requests, want 5: %v", n, st.Requests)
	}

	byName := map[string]list.ListResult{}
	for _, r := range results {
		byName[r.DisplayName] = r
	}
	for _, name := range []string{mixed + " (member, invitation pending)", late + " (member, invitation expired)",
		boss + " (manager)", okta + " (member)"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("no result %q", name)
		}
	}
	teamsOf := func(name string) string {
		var m memberModel
		if d := byName[name].Resource.Get(ctx, &m); d.HasError() {
			t.Fatal(d)
		}
		if m.Teams.IsNull() {
			return "null"
		}
		roles, _ := teamRolesFromSet(ctx, m.Teams)
		out := map[string]string{}
		for _, r := range roles {
			out[r.TeamSlug] = roleOrNull(r.Role)
		}
		return fmt.Sprint(out)
	}
	for name, want := range map[string]string{
		contrib + " (member)":                   "map[" + backend + ":contributor " + frontend + ":admin]",
		boss + " (manager)":                     "map[" + frontend + ":null]",
		admin + " (admin)":                      "map[" + backend + ":null]",
		loner + " (member)":                     "map[]",
		okta + " (member)":                      "null",
		mixed + " (member, invitation pending)": "map[" + backend + ":contributor]",
	} {
		if got := teamsOf(name); got != want {
			t.Errorf("teams of %s: %s, want %s", name, got, want)
		}
	}

	// Everything but the SCIM group's member reads back exactly as
	// listed; that one is listed without teams, which Read fills.
	isOkta := func(r list.ListResult) bool { return r.DisplayName == okta+" (member)" }
	checkReadEqual(t, env, &memberResource{}, results, isOkta)
	mr := &memberResource{}
	env.configure(t, mr)
	res := importAndRead(t, mr, "", byName[okta+" (member)"].Identity)
	if res.read.Diagnostics.HasError() {
		t.Fatal(res.read.Diagnostics)
	}
	var listed, read memberModel
	byName[okta+" (member)"].Resource.Get(ctx, &listed)
	res.read.State.Get(ctx, &read)
	read.Teams = listed.Teams
	if listed.Email != read.Email || listed.ID != read.ID || listed.Role != read.Role || !listed.Teams.IsNull() {
		t.Errorf("SCIM member listed %+v, read %+v", listed, read)
	}

	// Without include_resource, no teams are read.
	env.sim.ResetStats()
	results = runList(t, env, newMemberListResource(), &memberResource{}, nil, false, 1000)
	checkResults(t, results, false)
	if n := env.sim.Stats().Total(); n != 1 {
		t.Errorf("%d requests without include_resource, want 1", n)
	}

	// Filters go to Sentry.
	results = runList(t, env, newMemberListResource(), &memberResource{}, map[string]string{"role": "manager"}, false, 100)
	if len(results) != 2 {
		t.Errorf("%d managers, want 2", len(results))
	}
	results = runList(t, env, newMemberListResource(), &memberResource{}, map[string]string{"query": "isInvited:true"}, false, 100)
	if len(results) != 2 {
		t.Errorf("%d invitations, want 2", len(results))
	}
	results = runList(t, env, newMemberListResource(), &memberResource{}, map[string]string{"role": "member", "query": "email:" + loner}, true, 100)
	if len(results) != 1 || results[0].DisplayName != loner+" (member)" {
		t.Errorf("filtered %+v", results)
	}
}

func roleOrNull(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

func TestTeamProjectListResource(t *testing.T) {
	env := newSimEnv(t)
	pfx := randomName()
	a, b := pfx+"-a", pfx+"-b"
	project := func(i int) string { return fmt.Sprintf("%s-p-%03d", pfx, i) }
	var seed bytes.Buffer
	fmt.Fprintf(&seed, `{"teams": [{"slug": %q}, {"slug": %q}], "projects": [`, a, b)
	for i := range 110 {
		if i > 0 {
			seed.WriteString(",")
		}
		teams := fmt.Sprintf(`[%q]`, a)
		if i%10 == 0 {
			teams = fmt.Sprintf(`[%q, %q]`, a, b)
		}
		fmt.Fprintf(&seed, `{"slug": %q, "teams": %s}`, project(i), teams)
	}
	seed.WriteString(`]}`)
	if err := env.sim.LoadSeed("acme", &seed); err != nil {
		t.Fatal(err)
	}
	env.sim.ResetStats()
	results := runList(t, env, newTeamProjectListResource(), &teamProjectResource{}, nil, true, 1000)
	checkResults(t, results, true)
	if len(results) != 121 {
		t.Fatalf("%d links, want 121", len(results))
	}
	if n := env.sim.Stats().Total(); n != 2 {
		t.Errorf("%d requests for 110 projects, want 2", n)
	}
	if got := identityOf(t, results[1].Identity); got["project"] != project(0) || got["team"] != b || got["organization"] != "acme" {
		t.Errorf("identity %v", got)
	}
	checkReadEqual(t, env, &teamProjectResource{}, results[:3], nil)

	results = runList(t, env, newTeamProjectListResource(), &teamProjectResource{}, map[string]string{"team": b}, false, 1000)
	if len(results) != 11 {
		t.Errorf("%d links of team b, want 11", len(results))
	}
	results = runList(t, env, newTeamProjectListResource(), &teamProjectResource{}, map[string]string{"project": project(10)}, false, 1000)
	if len(results) != 2 || results[0].DisplayName != "team "+a+" on project "+project(10) {
		t.Errorf("links of p-010 %+v", results)
	}
}

func TestAPITokenListResource(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t)
	// Releases before 25.10 list tokens for a bearer token.
	env.sim.SetLegacyOrgTokens(true)
	pfx := randomName()
	for _, name := range []string{pfx + "-ci", pfx + "-deploy"} {
		if _, err := env.client.CreateOrgAuthToken(ctx, "acme", name); err != nil {
			t.Fatal(err)
		}
	}
	results := runList(t, env, newAPITokenListResource(), mustBe[*apiTokenResource](t, newAPITokenResource()), nil, true, 100)
	checkResults(t, results, true)
	if len(results) != 2 || !strings.HasPrefix(results[0].DisplayName, pfx+"-ci (id ") {
		t.Fatalf("tokens %+v", results)
	}
	var token types.String
	results[0].Resource.GetAttribute(ctx, path.Root("token"), &token)
	if !token.IsNull() {
		t.Errorf("a listed token has a value")
	}
	checkReadEqual(t, env, mustBe[*apiTokenResource](t, newAPITokenResource()), results, nil)
}

// TestAPITokenListResourceSessionOnly lists tokens from today's Sentry,
// which lists them only to a browser session: no result, one warning that
// says why, no error, so a query of every type goes on.
func TestAPITokenListResourceSessionOnly(t *testing.T) {
	env := newSimEnv(t)
	env.sim.SetLegacyOrgTokens(false)
	if _, err := env.sim.CreateOrgToken("acme", "owner@acme.example", randomName()+"-ci"); err != nil {
		t.Fatal(err)
	}
	results := runList(t, env, newAPITokenListResource(), mustBe[*apiTokenResource](t, newAPITokenResource()), nil, true, 100)
	if len(results) != 1 || results[0].Identity != nil || results[0].Diagnostics.HasError() || results[0].Diagnostics.WarningsCount() != 1 {
		t.Fatalf("want one warning and no token: %+v", results)
	}
	w := results[0].Diagnostics[0]
	for _, says := range []string{"Since 2025-09 on sentry.io and 25.10 self-hosted", "browser session", "Organization Tokens",
		"sentry_api_tokens data source"} {
		if !strings.Contains(w.Detail(), says) {
			t.Errorf("the warning does not say %q: %s: %s", says, w.Summary(), w.Detail())
		}
	}
}

func TestSCIMGroupListResource(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t)
	pfx := randomName()
	if _, err := env.client.CreateTeam(ctx, "acme", sentry.CreateTeamRequest{Slug: pfx + "-plain"}); err != nil {
		t.Fatal(err)
	}
	group, err := env.scim.CreateSCIMGroup(ctx, "acme", pfx+" Platform Eng")
	if err != nil {
		t.Fatal(err)
	}
	u, err := env.scim.CreateSCIMUser(ctx, "acme", pfx+"-ann@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.scim.PatchSCIMGroup(ctx, "acme", group.ID, sentry.SCIMGroupMembershipOps(nil, []string{u.ID})); err != nil {
		t.Fatal(err)
	}
	if _, err := env.scim.CreateSCIMGroup(ctx, "acme", pfx+" Empty"); err != nil {
		t.Fatal(err)
	}

	results := runList(t, env, newSCIMGroupListResource(), &scimGroupResource{}, nil, true, 100)
	checkResults(t, results, true)
	// The slugs are the display names slugified.
	if len(results) != 2 || results[0].DisplayName != pfx+" Empty ("+pfx+"-empty)" ||
		results[1].DisplayName != pfx+" Platform Eng ("+pfx+"-platform-eng)" {
		t.Fatalf("groups %+v", results)
	}
	checkReadEqual(t, env, &scimGroupResource{}, results, nil)

	// No SCIM token, or SCIM off: a warning, no results, no error.
	noToken := newSimEnv(t)
	noToken.data = &providerData{organization: "acme", baseURL: noToken.data.baseURL, authToken: noToken.data.authToken, userAgent: "test"}
	results = runList(t, noToken, newSCIMGroupListResource(), &scimGroupResource{}, nil, true, 100)
	if len(results) != 1 || results[0].Diagnostics.HasError() || results[0].Diagnostics.WarningsCount() != 1 ||
		!strings.Contains(results[0].Diagnostics[0].Detail(), "scim_token") {
		t.Errorf("without a SCIM token: %+v", results)
	}
	if err := env.sim.SetFeature("acme", "sso-scim", false); err != nil {
		t.Fatal(err)
	}
	results = runList(t, env, newSCIMGroupListResource(), &scimGroupResource{}, nil, true, 100)
	if len(results) != 1 || results[0].Diagnostics.HasError() || !strings.Contains(results[0].Diagnostics[0].Detail(), "SCIM provisioning is off") {
		t.Errorf("with SCIM off: %+v", results)
	}
}

// TestProviderListResources checks that every resource has a list
// resource of the same name, and that the provider hands list resources
// its data.
func TestProviderListResources(t *testing.T) {
	ctx := context.Background()
	p := &sentryProvider{}
	names := map[string]bool{}
	for _, f := range p.Resources(ctx) {
		var resp resource.MetadataResponse
		f().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "sentry"}, &resp)
		names[resp.TypeName] = true
	}
	for _, f := range p.ListResources(ctx) {
		var resp resource.MetadataResponse
		f().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "sentry"}, &resp)
		if !names[resp.TypeName] {
			t.Errorf("list resource %s has no resource", resp.TypeName)
		}
		delete(names, resp.TypeName)
	}
	// One per organization, imported by the organization's slug: there
	// is nothing to list.
	delete(names, "sentry_organization_access")
	if len(names) != 0 {
		t.Errorf("resources without a list resource: %v", names)
	}
}
