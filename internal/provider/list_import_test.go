package provider

import (
	"context"
	"fmt"
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
// plans empty after applying them.
func TestAccListedObjectsImportEmpty(t *testing.T) {
	ctx := context.Background()
	env := newAccEnv(t)
	if env.sim == nil {
		t.Skip("seeds an organization: emulator only")
	}
	seed := `{"teams": [{"slug": "lst-backend", "name": "Backend"}, {"slug": "lst-frontend", "name": "Frontend"}],
	  "projects": [{"slug": "lst-api", "teams": ["lst-backend", "lst-frontend"]}, {"slug": "lst-web", "teams": ["lst-frontend"]}],
	  "members": [
	    {"email": "dev@corp.test", "role": "member", "teams": [{"team": "lst-backend", "role": ""}, {"team": "lst-frontend", "role": "admin"}]},
	    {"email": "lead@corp.test", "role": "manager", "teams": [{"team": "lst-frontend", "role": ""}]},
	    {"email": "admin@corp.test", "role": "admin", "teams": [{"team": "lst-backend", "role": "admin"}]},
	    {"email": "alone@corp.test", "role": "member"},
	    {"email": "okta@corp.test", "role": "member", "teams": [{"team": "lst-backend", "role": "admin"}]}
	  ]}`
	if err := env.sim.LoadSeed(env.org, strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	owner := env.client(t, "owner")
	no := false
	if _, err := owner.InviteMember(ctx, env.org, sentry.InviteMemberRequest{Email: "New.Hire@Corp.test", OrgRole: "member", SendInvite: &no,
		TeamRoles: []sentry.MemberTeamRole{{TeamSlug: "lst-backend"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CreateOrgAuthToken(ctx, env.org, "lst-ci"); err != nil {
		t.Fatal(err)
	}
	scimToken := env.sim.SCIMToken(env.org)
	scim, err := sentry.NewClient(sentry.Config{BaseURL: env.baseURL, Token: scimToken})
	if err != nil {
		t.Fatal(err)
	}
	group, err := scim.CreateSCIMGroup(ctx, env.org, "Lst Okta")
	if err != nil {
		t.Fatal(err)
	}
	okta, err := owner.ListMembers(ctx, env.org, "email:okta@corp.test")
	if err != nil || len(okta) != 1 {
		t.Fatal(okta, err)
	}
	if err := scim.PatchSCIMGroup(ctx, env.org, group.ID, sentry.SCIMGroupMembershipOps(nil, []string{okta[0].ID})); err != nil {
		t.Fatal(err)
	}

	data := &providerData{organization: env.org, baseURL: env.baseURL, authToken: env.token(t, "owner"), scimToken: scimToken, userAgent: "test"}
	lenv := &simEnv{sim: env.sim, data: data}

	var config strings.Builder
	fmt.Fprintf(&config, "provider \"sentry\" {\n  base_url     = %q\n  auth_token   = %q\n  organization = %q\n  scim_token   = %q\n}\n",
		env.baseURL, env.token(t, "owner"), env.org, scimToken)
	count := 0
	add := func(typ, name, body, id string) {
		count++
		fmt.Fprintf(&config, "\nresource %q %q {\n%s}\n\nimport {\n  to = %s.%s\n  id = %q\n}\n", typ, name, body, typ, name, id)
	}
	objects := func(lr list.ListResource, r resource.ResourceWithIdentity, keep func(list.ListResult) bool) []*tfsdk.Resource {
		var out []*tfsdk.Resource
		for _, result := range runList(t, lenv, lr, r, nil, true, 1000) {
			if result.Diagnostics.HasError() {
				t.Fatal(result.Diagnostics)
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

	for i, res := range objects(newTeamListResource(), &teamResource{}, withPrefix("lst-")) {
		var m teamModel
		res.Get(ctx, &m)
		add("sentry_team", fmt.Sprintf("team_%d", i), fmt.Sprintf("  slug = %q\n  name = %q\n", m.Slug.ValueString(), m.Name.ValueString()),
			env.org+"/"+m.ID.ValueString())
	}
	for i, res := range objects(newTeamProjectListResource(), &teamProjectResource{}, withPrefix("lst-")) {
		var m teamProjectModel
		res.Get(ctx, &m)
		add("sentry_team_project", fmt.Sprintf("link_%d", i), fmt.Sprintf("  project = %q\n  team    = %q\n", m.Project.ValueString(), m.Team.ValueString()),
			m.ID.ValueString())
	}
	for i, res := range objects(newAPITokenListResource(), mustBe[*apiTokenResource](t, newAPITokenResource()), withPrefix("lst-")) {
		var m apiTokenModel
		res.Get(ctx, &m)
		add("sentry_api_token", fmt.Sprintf("token_%d", i), fmt.Sprintf("  name = %q\n", m.Name.ValueString()), env.org+"/"+m.ID.ValueString())
	}
	for i, res := range objects(newSCIMGroupListResource(), &scimGroupResource{}, withPrefix("lst-")) {
		var m scimGroupModel
		res.Get(ctx, &m)
		var diags diag.Diagnostics
		ids, _ := setStrings(ctx, m.Members, &diags)
		add("sentry_scim_group", fmt.Sprintf("group_%d", i), fmt.Sprintf("  display_name = %q\n  members      = %s\n",
			m.DisplayName.ValueString(), hclStrings(ids)), env.org+"/"+m.ID.ValueString())
	}
	for i, res := range objects(newMemberListResource(), &memberResource{}, func(r list.ListResult) bool {
		return strings.Contains(strings.ToLower(r.DisplayName), "corp.test")
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
	// 2 teams, 3 links, 1 token, 1 group, 6 members.
	if count != 13 {
		t.Fatalf("%d objects listed, want 13:\n%s", count, config.String())
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
