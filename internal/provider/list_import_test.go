package provider

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// TestAccListedObjectsImportEmpty writes the configuration terraform query
// would generate from each list resource's objects, with an import block
// per object by its string id (which Terraform 1.5+ understands), and
// checks that Terraform plans the imports without a single change, then
// plans empty after applying them. With the emulator the organization is
// seeded with joined members; live, the test makes its objects through the
// API, members as invitations, and a SCIM group only with a SCIM token.
// Only the test's own objects, named with its prefix, are imported. The
// emulated Sentry is a release before 25.10, which lists organization auth
// tokens for a bearer token.
func TestAccListedObjectsImportEmpty(t *testing.T) {
	listedObjectsImportEmpty(t, legacyTokens)
}

// TestAccListedObjectsImportEmpty_todaysSentry is the same on today's
// Sentry, where only a browser session may list organization auth tokens,
// with a token the owner made there: the token list yields no token and
// one warning, and every other object imports and plans empty.
func TestAccListedObjectsImportEmpty_todaysSentry(t *testing.T) {
	listedObjectsImportEmpty(t, todaysTokens)
}

func listedObjectsImportEmpty(t *testing.T, legacyOrgTokens bool) {
	t.Helper()
	ctx := context.Background()
	env := newAccEnv(t)
	if env.sim != nil {
		env.sim.SetLegacyOrgTokens(legacyOrgTokens)
	} else if !legacyOrgTokens {
		t.Skip("the test's token is made as in Sentry's settings page: emulator only")
	} else {
		env.needLegacyTokens(t)
	}
	owner := env.client(t, "owner")
	pfx := randomName()
	backend, frontend, apiProject, webProject := pfx+"-backend", pfx+"-frontend", pfx+"-api", pfx+"-web"
	email := func(local string) string { return pfx + "-" + local + "@example.com" }
	scimToken := os.Getenv(envSCIMToken)
	if env.sim != nil {
		scimToken = env.sim.SCIMToken(env.org)
	}
	// 2 teams, 3 links, 1 token where Sentry lists it, the new hire and
	// the other members; a group where there is a SCIM token.
	want := 6
	if env.sim != nil {
		seed := fmt.Sprintf(`{"teams": [{"slug": %[1]q, "name": %[10]q}, {"slug": %[2]q, "name": %[11]q}],
		  "projects": [{"slug": %[3]q, "teams": [%[1]q, %[2]q]}, {"slug": %[4]q, "teams": [%[2]q]}],
		  "members": [
		    {"email": %[5]q, "role": "member", "teams": [{"team": %[1]q, "role": ""}, {"team": %[2]q, "role": "admin"}]},
		    {"email": %[6]q, "role": "manager", "teams": [{"team": %[2]q, "role": ""}]},
		    {"email": %[7]q, "role": "admin", "teams": [{"team": %[1]q, "role": "admin"}]},
		    {"email": %[8]q, "role": "member"},
		    {"email": %[9]q, "role": "member", "teams": [{"team": %[1]q, "role": "admin"}]}
		  ]}`, backend, frontend, apiProject, webProject, email("dev"), email("lead"), email("admin"), email("alone"), email("okta"),
			pfx+" Backend", pfx+" Frontend")
		if err := env.sim.LoadSeed(env.org, strings.NewReader(seed)); err != nil {
			t.Fatal(err)
		}
		want += 5
	} else {
		// Terraform removes what it imported when the test ends; the
		// projects are not managed, so the test removes them itself.
		env.createTeams(t, backend, frontend)
		for _, p := range []struct{ slug, team string }{{apiProject, backend}, {webProject, frontend}} {
			if _, err := owner.CreateProject(ctx, env.org, p.team, sentry.CreateProjectRequest{Name: p.slug, Slug: p.slug}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = owner.DeleteProject(context.Background(), env.org, p.slug) })
		}
		if _, err := owner.AddProjectTeam(ctx, env.org, apiProject, frontend); err != nil {
			t.Fatal(err)
		}
		admin := "admin"
		for _, m := range []struct {
			local, role string
			teams       []sentry.MemberTeamRole
		}{
			{"dev", "member", []sentry.MemberTeamRole{{TeamSlug: backend}, {TeamSlug: frontend, Role: &admin}}},
			{"lead", "manager", []sentry.MemberTeamRole{{TeamSlug: frontend}}},
			{"alone", "member", nil},
			{"okta", "member", []sentry.MemberTeamRole{{TeamSlug: backend, Role: &admin}}},
		} {
			inviteMember(t, owner, env.org, email(m.local), m.role, m.teams)
		}
		want += 4
	}
	// An invitation with capitals in its email, on a team.
	inviteMember(t, owner, env.org, pfx+"-New.Hire@Example.com", "member", []sentry.MemberTeamRole{{TeamSlug: backend}})
	tokensListed := legacyOrgTokens
	if legacyOrgTokens {
		token, err := owner.CreateOrgAuthToken(ctx, env.org, pfx+"-ci")
		if env.sim == nil && sentry.IsSessionOnly(err) {
			t.Skip("this Sentry lists organization auth tokens only to a browser session " +
				"(sentry.io since 2025-09, self-hosted 25.10 and later)")
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = owner.DeleteOrgAuthToken(context.Background(), env.org, token.ID) })
		want++
	} else if _, err := env.sim.CreateOrgToken(env.org, "owner@"+env.org+".example", pfx+"-ci"); err != nil {
		t.Fatal(err)
	}
	if scimToken != "" {
		scim, err := sentry.NewClient(sentry.Config{BaseURL: env.baseURL, Token: scimToken})
		if err != nil {
			t.Fatal(err)
		}
		group, err := scim.CreateSCIMGroup(ctx, env.org, pfx+" Okta")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = scim.DeleteSCIMGroup(context.Background(), env.org, group.ID) })
		okta, err := owner.ListMembers(ctx, env.org, "email:"+email("okta"))
		if err != nil || len(okta) != 1 {
			t.Fatal(okta, err)
		}
		if err := scim.PatchSCIMGroup(ctx, env.org, group.ID, sentry.SCIMGroupMembershipOps(nil, []string{okta[0].ID})); err != nil {
			t.Fatal(err)
		}
		want++
	}

	data := &providerData{organization: env.org, baseURL: env.baseURL, authToken: env.token(t, "owner"), scimToken: scimToken, userAgent: "test"}
	lenv := &simEnv{sim: env.sim, data: data}

	var config strings.Builder
	// Live, the provider takes the tokens from the environment, so that
	// they never appear in a configuration.
	provider := env.providerConfig(t, "owner")
	if env.sim != nil {
		provider = strings.Replace(provider, "provider \"sentry\" {", fmt.Sprintf("provider \"sentry\" {\n  scim_token   = %q", scimToken), 1)
	}
	config.WriteString(provider)
	count := 0
	add := func(typ, name, body, id string) {
		count++
		fmt.Fprintf(&config, "\nresource %q %q {\n%s}\n\nimport {\n  to = %s.%s\n  id = %q\n}\n", typ, name, body, typ, name, id)
	}
	warnings := map[string][]diag.Diagnostic{}
	objects := func(lr list.ListResource, r resource.ResourceWithIdentity, keep func(list.ListResult) bool) []*tfsdk.Resource {
		var out []*tfsdk.Resource
		for _, result := range runList(t, lenv, lr, r, nil, true, 1000) {
			if result.Diagnostics.HasError() {
				t.Fatal(result.Diagnostics)
			}
			if result.Identity == nil {
				warnings[fmt.Sprintf("%T", lr)] = append(warnings[fmt.Sprintf("%T", lr)], result.Diagnostics.Warnings()...)
				continue
			}
			if keep(result) {
				out = append(out, result.Resource)
			}
		}
		return out
	}
	withPrefix := func(prefix string) func(list.ListResult) bool {
		return func(r list.ListResult) bool { return strings.Contains(r.DisplayName, prefix) }
	}

	for i, res := range objects(newTeamListResource(), &teamResource{}, withPrefix(pfx)) {
		var m teamModel
		res.Get(ctx, &m)
		add("sentry_team", fmt.Sprintf("team_%d", i), fmt.Sprintf("  slug = %q\n  name = %q\n", m.Slug.ValueString(), m.Name.ValueString()),
			env.org+"/"+m.ID.ValueString())
	}
	for i, res := range objects(newTeamProjectListResource(), &teamProjectResource{}, withPrefix(pfx)) {
		var m teamProjectModel
		res.Get(ctx, &m)
		add("sentry_team_project", fmt.Sprintf("link_%d", i), fmt.Sprintf("  project = %q\n  team    = %q\n", m.Project.ValueString(), m.Team.ValueString()),
			m.ID.ValueString())
	}
	for i, res := range objects(newAPITokenListResource(), mustBe[*apiTokenResource](t, newAPITokenResource()), withPrefix(pfx)) {
		var m apiTokenModel
		res.Get(ctx, &m)
		add("sentry_api_token", fmt.Sprintf("token_%d", i), fmt.Sprintf("  name = %q\n", m.Name.ValueString()), env.org+"/"+m.ID.ValueString())
	}
	for i, res := range objects(newSCIMGroupListResource(), &scimGroupResource{}, withPrefix(pfx)) {
		var m scimGroupModel
		res.Get(ctx, &m)
		var diags diag.Diagnostics
		ids, _ := setStrings(ctx, m.Members, &diags)
		add("sentry_scim_group", fmt.Sprintf("group_%d", i), fmt.Sprintf("  display_name = %q\n  members      = %s\n",
			m.DisplayName.ValueString(), hclStrings(ids)), env.org+"/"+m.ID.ValueString())
	}
	for i, res := range objects(newMemberListResource(), &memberResource{}, func(r list.ListResult) bool {
		return strings.Contains(strings.ToLower(r.DisplayName), pfx)
	}) {
		var m memberModel
		res.Get(ctx, &m)
		body := fmt.Sprintf("  email = %q\n  role  = %q\n", m.Email.ValueString(), m.Role.ValueString())
		if !m.Teams.IsNull() {
			roles, _ := teamRolesFromSet(ctx, m.Teams)
			sort.Slice(roles, func(a, b int) bool { return roles[a].TeamSlug < roles[b].TeamSlug })
			body += "  teams = [\n"
			for _, r := range roles {
				if r.Role == nil {
					body += fmt.Sprintf("    { team = %q },\n", r.TeamSlug)
				} else {
					body += fmt.Sprintf("    { team = %q, role = %q },\n", r.TeamSlug, *r.Role)
				}
			}
			body += "  ]\n"
		}
		add("sentry_member", fmt.Sprintf("member_%d", i), body, env.org+"/"+m.ID.ValueString())
	}
	if count != want {
		t.Fatalf("%d objects listed, want %d:\n%s", count, want, config.String())
	}
	// Where tokens are listed, nothing warns; else the token list does,
	// once.
	tokenWarnings := warnings[fmt.Sprintf("%T", newAPITokenListResource())]
	if tokensListed && len(warnings) > 0 || !tokensListed && (len(warnings) != 1 || len(tokenWarnings) != 1 ||
		!strings.Contains(tokenWarnings[0].Detail(), "only a signed-in browser session may list organization auth tokens")) {
		t.Fatalf("warnings %v", warnings)
	}

	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []tfresource.TestStep{{
			Config: config.String(),
			ConfigPlanChecks: tfresource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
}

// hclStrings is a list of strings in HCL.
func hclStrings(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// inviteMember invites a member without an email and sets its team roles,
// which Sentry ignores on invite; the member is removed when the test ends.
func inviteMember(t *testing.T, c *sentry.Client, org, email, role string, teams []sentry.MemberTeamRole) {
	t.Helper()
	ctx := context.Background()
	no := false
	m, err := c.InviteMember(ctx, org, sentry.InviteMemberRequest{Email: email, OrgRole: role, SendInvite: &no, TeamRoles: teams})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DeleteMember(context.Background(), org, m.ID) })
	if slices.ContainsFunc(teams, func(r sentry.MemberTeamRole) bool { return r.Role != nil }) {
		if _, err := c.UpdateMember(ctx, org, m.ID, sentry.UpdateMemberRequest{OrgRole: &role, TeamRoles: &teams}); err != nil {
			t.Fatal(err)
		}
	}
}
