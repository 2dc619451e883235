package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/tfcli"
)

// The TestAccQuery_ tests run terraform query, which needs Terraform 1.14:
// make test-query builds it and runs them, make testacc-live against real
// Sentry. On an older Terraform they skip.
// Where terraform-plugin-testing's query steps fall short (they cannot
// generate configuration), the tests drive the CLI with tfRunner.

// minQueryTerraform is the first Terraform with terraform query.
var minQueryTerraform = version.Must(version.NewVersion("1.14.0"))

// minIdentityImport is the first Terraform, and the first OpenTofu, whose
// import blocks take an identity.
var minIdentityImport = version.Must(version.NewVersion("1.12.0"))

// queryTerraform skips the test unless TF_ACC_TERRAFORM_PATH names a
// Terraform of 1.14 or later, so make test passes where only an older
// Terraform is at hand.
func queryTerraform(t *testing.T) {
	t.Helper()
	bin := accCLI(t, "terraform query needs Terraform 1.14 or later in TF_ACC_TERRAFORM_PATH: run make test-query")
	tfcli.SkipOnOpenTofu(t, "OpenTofu has no query command and does not call list resources; "+
		"it imports a whole organization through sentry-import's import blocks (TestAccImportOrganization)")
	if got := cliVersion(t, bin); got.LessThan(minQueryTerraform) {
		t.Skipf("terraform query needs Terraform %s or later and %s is %s: run make test-query", minQueryTerraform, bin, got)
	}
}

// identityImportTerraform skips the test unless TF_ACC_TERRAFORM_PATH
// names a Terraform or an OpenTofu of 1.12 or later, whose import blocks
// take an identity.
func identityImportTerraform(t *testing.T) {
	t.Helper()
	bin := accCLI(t, "import blocks by identity need Terraform or OpenTofu 1.12 or later in TF_ACC_TERRAFORM_PATH: run make test-query or make test-opentofu")
	if got := cliVersion(t, bin); got.LessThan(minIdentityImport) {
		t.Skipf("import blocks by identity need Terraform or OpenTofu %s or later and %s is %s: run make test-query or make test-opentofu",
			minIdentityImport, bin, got)
	}
}

// accCLI is TF_ACC_TERRAFORM_PATH; the test is skipped without TF_ACC,
// and with why when that names nothing.
func accCLI(t *testing.T, why string) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run only when TF_ACC is set")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		t.Skip(why)
	}
	return bin
}

// cliVersion is the version bin reports, Terraform's or OpenTofu's.
func cliVersion(t *testing.T, bin string) *version.Version {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, "version", "-json")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("asking %s its version: %v", bin, err)
	}
	// OpenTofu may print a warning about its CLI configuration first.
	if i := bytes.IndexByte(out, '{'); i > 0 {
		out = out[i:]
	}
	var v struct {
		TerraformVersion string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("reading the version of %s: %v", bin, err)
	}
	got, err := version.NewVersion(v.TerraformVersion)
	if err != nil {
		t.Fatalf("reading the version of %s: %v", bin, err)
	}
	return got
}

// queryOrg is what one test made in the organization for the list
// resources to find, with the ids the tests check for. Every name starts
// with base, so a list filtered by it finds the test's objects and no
// others, in an emulated organization and in a real one alike.
type queryOrg struct {
	env  *accEnv
	base string
	// Team and project slugs.
	backend, frontend, api, web string
	teams                       map[string]string // team slug to id
	// Emails: dev, a member with a team role; lead, a manager; okta, a
	// member of the SCIM group; newHire, an invitation in mixed case;
	// late, an expired invitation (emulator only).
	dev, lead, okta, newHire, late string
	members                        map[string]string // email to member id
	tokenName, token               string            // the org auth token's name and id
	// tokensListed is whether Sentry lists organization auth tokens for
	// a bearer token: releases before 25.10 do; today's Sentry lets only
	// a browser session, and the token was made as a person would there.
	tokensListed bool
	// scimToken is empty where the organization has no SCIM token; then
	// there is no group.
	scimToken, groupName, groupSlug, group string
}

// scimTokenOf is the organization's SCIM token: the emulator's, or
// SENTRY_SCIM_TOKEN in live runs, where it may be unset.
func scimTokenOf(env *accEnv) string {
	if env.sim != nil {
		return env.sim.SCIMToken(env.org)
	}
	return os.Getenv(envSCIMToken)
}

// Sentry's two ways with organization auth tokens, for newQueryOrgIn:
// releases before 25.10 list them for a bearer token; today's Sentry
// (sentry.io since 2025-09, self-hosted 25.10 and later) only for a
// browser session.
const (
	legacyTokens = true
	todaysTokens = false
)

// newQueryOrg is newQueryOrgIn an emulated Sentry that lists tokens for a
// bearer token, as releases before 25.10 do.
func newQueryOrg(t *testing.T) *queryOrg {
	t.Helper()
	return newQueryOrgIn(t, legacyTokens)
}

// newQueryOrgIn makes, as the owner, two teams, two projects with three
// team links, four invitations (one in the SCIM group; the emulator adds
// an expired one), an org auth token and, where there is a SCIM token, a
// SCIM group. Each is removed when the test ends. legacyOrgTokens sets
// the emulator's mode; in today's mode the owner makes the token as in
// Sentry's settings page. Live, a Sentry that refuses the token to the
// API is today's Sentry, and the organization has no token of the test.
func newQueryOrgIn(t *testing.T, legacyOrgTokens bool) *queryOrg {
	t.Helper()
	queryTerraform(t)
	return makeQueryOrg(t, legacyOrgTokens)
}

// makeQueryOrg makes what newQueryOrgIn says, for a test that has checked
// the CLI it needs.
func makeQueryOrg(t *testing.T, legacyOrgTokens bool) *queryOrg {
	t.Helper()
	env := newAccEnv(t)
	if env.sim != nil {
		env.sim.SetLegacyOrgTokens(legacyOrgTokens)
	} else if legacyOrgTokens {
		env.needLegacyTokens(t)
	}
	ctx := t.Context()
	owner := env.client(t, "owner")
	base := randomName()
	o := &queryOrg{
		env: env, base: base,
		backend: base + "-backend", frontend: base + "-frontend", api: base + "-api", web: base + "-web",
		teams: map[string]string{},
		dev:   base + "-dev@example.com", lead: base + "-lead@example.com", okta: base + "-okta@example.com",
		newHire:   base + "-New.Hire@Example.com",
		members:   map[string]string{},
		tokenName: base + "-ci", scimToken: scimTokenOf(env), groupName: base + " Okta", groupSlug: base + "-okta",
	}
	if env.sim != nil {
		o.late = base + "-late@example.com"
	}
	// cleanup undoes one creation when the test ends; an object already
	// gone (a test may delete it) is fine, anything else is left behind
	// and fails the test.
	cleanup := func(what string, remove func(context.Context) error) {
		t.Cleanup(func() {
			if err := remove(context.Background()); err != nil && !sentry.IsNotFound(err) {
				t.Errorf("removing %s: %v", what, err)
			}
		})
	}

	for _, slug := range []string{o.backend, o.frontend} {
		// A name that differs from the slug, as the display name shows both.
		team, err := owner.CreateTeam(ctx, env.org, sentry.CreateTeamRequest{Slug: slug, Name: strings.Replace(slug, base+"-", base+" ", 1)})
		if err != nil {
			t.Fatal(err)
		}
		o.teams[slug] = team.ID
		cleanup("team "+slug, func(ctx context.Context) error { return owner.DeleteTeam(ctx, env.org, team.ID) })
	}
	for project, team := range map[string]string{o.api: o.backend, o.web: o.frontend} {
		if _, err := owner.CreateProject(ctx, env.org, team, sentry.CreateProjectRequest{Name: project, Slug: project}); err != nil {
			t.Fatal(err)
		}
		cleanup("project "+project, func(ctx context.Context) error { return owner.DeleteProject(ctx, env.org, project) })
	}
	if _, err := owner.AddProjectTeam(ctx, env.org, o.api, o.frontend); err != nil {
		t.Fatal(err)
	}

	// Sentry ignores team roles sent on invite: they are set afterwards.
	admin := "admin"
	type invite struct {
		email, role string
		teams       []sentry.MemberTeamRole
	}
	invites := []invite{
		{o.dev, "member", []sentry.MemberTeamRole{{TeamSlug: o.backend}, {TeamSlug: o.frontend, Role: &admin}}},
		{o.lead, "manager", []sentry.MemberTeamRole{{TeamSlug: o.frontend}}},
		{o.okta, "member", []sentry.MemberTeamRole{{TeamSlug: o.backend, Role: &admin}}},
		{o.newHire, "member", []sentry.MemberTeamRole{{TeamSlug: o.backend}}},
	}
	if o.late != "" {
		invites = append(invites, invite{o.late, "member", []sentry.MemberTeamRole{{TeamSlug: o.backend}}})
	}
	no := false
	for _, invite := range invites {
		m, err := owner.InviteMember(ctx, env.org, sentry.InviteMemberRequest{Email: invite.email, OrgRole: invite.role,
			TeamRoles: invite.teams, SendInvite: &no})
		if err != nil {
			t.Fatal(err)
		}
		o.members[invite.email] = m.ID
		cleanup("member "+invite.email, func(ctx context.Context) error { return owner.DeleteMember(ctx, env.org, m.ID) })
		if slices.ContainsFunc(invite.teams, func(r sentry.MemberTeamRole) bool { return r.Role != nil }) {
			if _, err := owner.UpdateMember(ctx, env.org, m.ID, sentry.UpdateMemberRequest{TeamRoles: &invite.teams}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if o.late != "" {
		if err := env.sim.ExpireInvite(env.org, o.late); err != nil {
			t.Fatal(err)
		}
	}

	if env.sim != nil && !legacyOrgTokens {
		// Made in Sentry's settings page, as today's Sentry still allows;
		// the emulator goes when the test ends, and the token with it.
		made, err := env.sim.CreateOrgToken(env.org, "owner@"+env.org+".example", o.tokenName)
		if err != nil {
			t.Fatal(err)
		}
		o.token = made.ID
	} else {
		token, err := owner.CreateOrgAuthToken(ctx, env.org, o.tokenName)
		switch {
		case err == nil:
			o.token, o.tokensListed = token.ID, true
			cleanup("org auth token "+o.tokenName, func(ctx context.Context) error { return owner.DeleteOrgAuthToken(ctx, env.org, token.ID) })
		case env.sim == nil && sentry.IsSessionOnly(err):
			// Today's Sentry: the test's objects hold no token.
		default:
			t.Fatal(err)
		}
	}

	if o.scimToken != "" {
		scim, err := sentry.NewClient(sentry.Config{BaseURL: env.baseURL, Token: o.scimToken, UserAgent: "terraform-provider-sentry-tests"})
		if err != nil {
			t.Fatal(err)
		}
		group, err := scim.CreateSCIMGroup(ctx, env.org, o.groupName)
		if err != nil {
			t.Fatal(err)
		}
		o.group = group.ID
		// Registered last, so removed first: before the member in it.
		cleanup("SCIM group "+o.groupName, func(ctx context.Context) error { return scim.DeleteSCIMGroup(ctx, env.org, group.ID) })
		if err := scim.PatchSCIMGroup(ctx, env.org, group.ID, sentry.SCIMGroupMembershipOps(nil, []string{o.members[o.okta]})); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// needSCIM skips a test that is about the SCIM group where there is none.
func (o *queryOrg) needSCIM(t *testing.T) {
	t.Helper()
	if o.group == "" {
		t.Skipf("this test lists a SCIM group, which needs %s: a SCIM token of the organization", envSCIMToken)
	}
}

// needTokens skips a test that lists or imports the test's token where
// Sentry lets only a browser session list tokens.
func (o *queryOrg) needTokens(t *testing.T) {
	t.Helper()
	if !o.tokensListed {
		t.Skip("this test lists an organization auth token, which this Sentry lists only to a browser session " +
			"(sentry.io since 2025-09, self-hosted 25.10 and later)")
	}
}

// teamName is the name newQueryOrg gave the team with the slug.
func (o *queryOrg) teamName(slug string) string {
	return strings.Replace(slug, o.base+"-", o.base+" ", 1)
}

// providerConfig is the provider block as the owner, with the SCIM token.
// Live runs take the tokens and the base URL from the environment, so
// they never appear in a configuration.
func (o *queryOrg) providerConfig() string {
	if o.env.sim == nil {
		return fmt.Sprintf("provider \"sentry\" {\n  organization = %q\n}\n", o.env.org)
	}
	return ownerSCIMProviderConfig(o.env)
}

// ownerSCIMProviderConfig is the provider block of an emulated
// organization as its owner, with its SCIM token.
func ownerSCIMProviderConfig(env *accEnv) string {
	return fmt.Sprintf("provider \"sentry\" {\n  base_url     = %q\n  auth_token   = %q\n  organization = %q\n  scim_token   = %q\n}\n",
		env.baseURL, env.tokens["owner"], env.org, env.sim.SCIMToken(env.org))
}

// query runs one terraform query with the list blocks and checks.
func (o *queryOrg) query(t *testing.T, lists string, checks ...querycheck.QueryResultCheck) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			// The provider block stays in the configuration, beside the query
			// file, which holds only the list blocks.
			{Config: o.providerConfig()},
			{Query: true, Config: lists, QueryResultChecks: checks},
		},
	})
}

// listBlock is a list block of the type with the config attributes.
func listBlock(typ, name, config string, includeResource bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nlist %q %q {\n  provider = sentry\n", typ, name)
	if includeResource {
		b.WriteString("  include_resource = true\n")
	}
	if config != "" {
		fmt.Fprintf(&b, "  config {\n    %s\n  }\n", config)
	}
	b.WriteString("}\n")
	return b.String()
}

// unfilteredListBlock lists every object of a type that has no filter,
// however many the organization holds: the checks then pick the test's.
func unfilteredListBlock(typ string) string {
	return fmt.Sprintf("\nlist %q \"all\" {\n  provider         = sentry\n  include_resource = true\n  limit            = 10000\n}\n", typ)
}

// filterText is a list resource's free-text filter that finds the test's
// objects: every name has base and a dash after it, which another run's
// longer random number cannot match.
func (o *queryOrg) filterText() string {
	return o.base + "-"
}

func (o *queryOrg) idIdentity(id string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"organization": knownvalue.StringExact(o.env.org), "id": knownvalue.StringExact(id)}
}

func byDisplayName(name string) queryfilter.QueryFilter {
	return queryfilter.ByDisplayName(knownvalue.StringExact(name))
}

// hasBase reports whether name is one the test with the base made: it
// starts with base and no further digit, which another run's longer random
// number would add.
func hasBase(name, base string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(name), strings.ToLower(base))
	return ok && rest != "" && (rest[0] < '0' || rest[0] > '9')
}

// expectOwn checks that the list block found n objects whose display
// names start with the test's base, whatever else the organization holds.
func (o *queryOrg) expectOwn(address string, n int) querycheck.QueryResultCheck {
	return expectOwnCount{address: address, base: o.base, n: n}
}

type expectOwnCount struct {
	address, base string
	n             int
}

func (e expectOwnCount) CheckQuery(_ context.Context, req querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	got := 0
	for _, found := range req.Query {
		if strings.TrimPrefix(found.Address, "list.") == e.address && hasBase(found.DisplayName, e.base) {
			got++
		}
	}
	if got != e.n {
		resp.Error = fmt.Errorf("%s: %d results named %s*, want %d", e.address, got, e.base, e.n)
	}
}

func TestAccQuery_teams(t *testing.T) {
	o := newQueryOrg(t)
	checks := []querycheck.QueryResultCheck{
		// The SCIM group's team, whose slug has the same base, is a
		// sentry_scim_group, never a sentry_team.
		querycheck.ExpectLength("sentry_team.mine", 2),
		querycheck.ExpectIdentity("sentry_team.mine", o.idIdentity(o.teams[o.backend])),
		querycheck.ExpectIdentity("sentry_team.mine", o.idIdentity(o.teams[o.frontend])),
		querycheck.ExpectResourceDisplayName("sentry_team.mine", queryfilter.ByResourceIdentity(o.idIdentity(o.teams[o.frontend])),
			knownvalue.StringExact(fmt.Sprintf("%s (%s)", o.teamName(o.frontend), o.frontend))),
		querycheck.ExpectResourceKnownValues("sentry_team.mine", byDisplayName(fmt.Sprintf("%s (%s)", o.teamName(o.backend), o.backend)),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("slug"), KnownValue: knownvalue.StringExact(o.backend)},
				{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact(o.teamName(o.backend))},
			}),
		querycheck.ExpectLength("sentry_team.back", 1),
		querycheck.ExpectIdentity("sentry_team.back", o.idIdentity(o.teams[o.backend])),
	}
	if o.group != "" {
		checks = append(checks, querycheck.ExpectNoIdentity("sentry_team.mine", o.idIdentity(o.group)))
	}
	o.query(t, listBlock("sentry_team", "mine", fmt.Sprintf("query = %q", o.filterText()), true)+
		listBlock("sentry_team", "back", fmt.Sprintf("query = %q", o.backend), false),
		checks...)
}

func TestAccQuery_members(t *testing.T) {
	o := newQueryOrg(t)
	invites := len(o.members)
	checks := []querycheck.QueryResultCheck{
		querycheck.ExpectLength("sentry_member.mine", invites),
		querycheck.ExpectIdentity("sentry_member.mine", o.idIdentity(o.members[o.dev])),
		// Invitations keep Sentry's case.
		querycheck.ExpectResourceDisplayName("sentry_member.mine", queryfilter.ByResourceIdentity(o.idIdentity(o.members[o.newHire])),
			knownvalue.StringExact(o.newHire+" (member, invitation pending)")),
		querycheck.ExpectResourceKnownValues("sentry_member.mine", byDisplayName(o.newHire+" (member, invitation pending)"),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("email"), KnownValue: knownvalue.StringExact(o.newHire)},
				{Path: tfjsonpath.New("pending"), KnownValue: knownvalue.Bool(true)},
			}),
		// Team roles as the resource reads them: a member's minimum
		// spelled out, null where the org role implies the team role.
		querycheck.ExpectResourceKnownValues("sentry_member.mine", byDisplayName(o.dev+" (member, invitation pending)"), []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("role"), KnownValue: knownvalue.StringExact("member")},
			{Path: tfjsonpath.New("teams"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
				teamRoleCheck(o.backend, knownvalue.StringExact("contributor")),
				teamRoleCheck(o.frontend, knownvalue.StringExact("admin")),
			})},
		}),
		querycheck.ExpectResourceKnownValues("sentry_member.mine", byDisplayName(o.lead+" (manager, invitation pending)"), []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("teams"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
				teamRoleCheck(o.frontend, knownvalue.Null()),
			})},
		}),
		querycheck.ExpectLength("sentry_member.managers", 1),
		querycheck.ExpectIdentity("sentry_member.managers", o.idIdentity(o.members[o.lead])),
		// The owner could only invite: every member the test made is an
		// invitation.
		querycheck.ExpectLength("sentry_member.invited", invites),
		querycheck.ExpectLength("sentry_member.okta", 1),
	}
	if o.late != "" {
		checks = append(checks, querycheck.ExpectResourceDisplayName("sentry_member.mine",
			queryfilter.ByResourceIdentity(o.idIdentity(o.members[o.late])), knownvalue.StringExact(o.late+" (member, invitation expired)")))
	}
	// A member of a SCIM group is listed without teams.
	var oktaTeams knownvalue.Check = knownvalue.Null()
	if o.group == "" {
		oktaTeams = knownvalue.SetExact([]knownvalue.Check{teamRoleCheck(o.backend, knownvalue.StringExact("admin"))})
	}
	checks = append(checks, querycheck.ExpectResourceKnownValues("sentry_member.okta", byDisplayName(o.okta+" (member, invitation pending)"),
		[]querycheck.KnownValueCheck{{Path: tfjsonpath.New("teams"), KnownValue: oktaTeams}}))
	o.query(t, listBlock("sentry_member", "mine", fmt.Sprintf("query = %q", o.filterText()), true)+
		listBlock("sentry_member", "managers", fmt.Sprintf("query = %q\n    role  = \"manager\"", o.filterText()), false)+
		listBlock("sentry_member", "invited", fmt.Sprintf("query = %q", "isInvited:true "+o.filterText()), false)+
		listBlock("sentry_member", "okta", fmt.Sprintf("query = %q", "email:"+o.okta), true),
		checks...)
}

// teamRoleCheck is one element of a member's teams.
func teamRoleCheck(team string, role knownvalue.Check) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{"team": knownvalue.StringExact(team), "role": role})
}

func TestAccQuery_teamProjects(t *testing.T) {
	o := newQueryOrg(t)
	link := func(project, team string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"organization": knownvalue.StringExact(o.env.org),
			"project": knownvalue.StringExact(project), "team": knownvalue.StringExact(team)}
	}
	o.query(t, listBlock("sentry_team_project", "api", fmt.Sprintf("project = %q", o.api), true)+
		listBlock("sentry_team_project", "web", fmt.Sprintf("project = %q", o.web), false)+
		listBlock("sentry_team_project", "frontend", fmt.Sprintf("team = %q", o.frontend), false),
		querycheck.ExpectLength("sentry_team_project.api", 2),
		querycheck.ExpectIdentity("sentry_team_project.api", link(o.api, o.backend)),
		querycheck.ExpectIdentity("sentry_team_project.api", link(o.api, o.frontend)),
		querycheck.ExpectResourceKnownValues("sentry_team_project.api", byDisplayName(fmt.Sprintf("team %s on project %s", o.backend, o.api)),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("project"), KnownValue: knownvalue.StringExact(o.api)},
				{Path: tfjsonpath.New("team"), KnownValue: knownvalue.StringExact(o.backend)},
			}),
		querycheck.ExpectLength("sentry_team_project.web", 1),
		querycheck.ExpectIdentity("sentry_team_project.web", link(o.web, o.frontend)),
		querycheck.ExpectLength("sentry_team_project.frontend", 2),
		querycheck.ExpectIdentity("sentry_team_project.frontend", link(o.web, o.frontend)),
		querycheck.ExpectIdentity("sentry_team_project.frontend", link(o.api, o.frontend)),
	)
}

func TestAccQuery_apiTokens(t *testing.T) {
	o := newQueryOrg(t)
	o.needTokens(t)
	// Tokens have no filter: the organization's others are listed too.
	o.query(t, unfilteredListBlock("sentry_api_token"),
		o.expectOwn("sentry_api_token.all", 1),
		querycheck.ExpectIdentity("sentry_api_token.all", o.idIdentity(o.token)),
		// Sentry shows a token's value once: a listed token has none.
		querycheck.ExpectResourceKnownValues("sentry_api_token.all", byDisplayName(fmt.Sprintf("%s (id %s)", o.tokenName, o.token)),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact(o.tokenName)},
				{Path: tfjsonpath.New("token"), KnownValue: knownvalue.Null()},
			}),
	)
}

func TestAccQuery_scimGroups(t *testing.T) {
	o := newQueryOrg(t)
	o.needSCIM(t)
	o.query(t, unfilteredListBlock("sentry_scim_group"),
		o.expectOwn("sentry_scim_group.all", 1),
		querycheck.ExpectIdentity("sentry_scim_group.all", o.idIdentity(o.group)),
		querycheck.ExpectResourceKnownValues("sentry_scim_group.all", byDisplayName(fmt.Sprintf("%s (%s)", o.groupName, o.groupSlug)),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("display_name"), KnownValue: knownvalue.StringExact(o.groupName)},
				{Path: tfjsonpath.New("members"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact(o.members[o.okta]),
				})},
			}),
	)
}

// importPlan matches the summary of a plan that only imports.
func importPlan(n int) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`Plan: %d to import, 0 to add, 0 to change, 0 to destroy\.`, n))
}

// queryReport is what a terraform query said besides its results.
type queryReport struct {
	// warnings are its warning diagnostics.
	warnings []tfjson.Diagnostic
	// totals are how many results each list block found, by address
	// ("list.sentry_team.all").
	totals map[string]int
}

// query runs terraform query -json with -generate-config-out in the
// runner's working directory: a failure, which Terraform's exit code or an
// error diagnostic says, ends the test.
func (r *tfRunner) query(generateConfigOut string) queryReport {
	r.t.Helper()
	var diags []string
	report := queryReport{totals: map[string]int{}}
	out, err := r.run("query", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		logs, err := r.tf.QueryJSON(ctx, tfexec.Reattach(ra), tfexec.GenerateConfigOut(generateConfigOut))
		if err != nil {
			return err
		}
		for msg := range logs {
			if msg.Err != nil {
				return msg.Err
			}
			switch m := msg.Msg.(type) {
			case tfjson.DiagnosticLogMessage:
				if m.Severity == tfjson.DiagnosticSeverityWarning {
					report.warnings = append(report.warnings, m.Diagnostic)
				}
			case tfjson.ListCompleteMessage:
				report.totals[m.ListComplete.Address] = m.ListComplete.Total
			}
			if msg.Msg != nil && msg.Msg.Level() == tfjson.Error {
				diags = append(diags, msg.Msg.Message())
			}
		}
		return nil
	})
	// QueryJSON took stdout over for its messages.
	r.tf.SetStdout(&r.out)
	if err != nil || len(diags) > 0 {
		r.t.Fatalf("terraform query: %v %s\n%s", err, strings.Join(diags, "\n"), out)
	}
	return report
}

// expectTokensSkipped checks that the query's list of organization auth
// tokens at address found nothing, and that the query warned once, about
// them, saying why.
func (q queryReport) expectTokensSkipped(t *testing.T, address string) {
	t.Helper()
	if total, ok := q.totals[address]; !ok || total != 0 {
		t.Errorf("%s found %d tokens (reported: %t), want 0", address, total, ok)
	}
	if len(q.warnings) != 1 {
		t.Fatalf("%d warnings, want one about tokens: %+v", len(q.warnings), q.warnings)
	}
	w := q.warnings[0]
	for _, says := range []string{"2025-09 on sentry.io and 25.10 self-hosted", "browser session", "sentry_api_tokens data source"} {
		if !strings.Contains(w.Detail, says) {
			t.Errorf("the warning does not say %q: %s: %s", says, w.Summary, w.Detail)
		}
	}
}

// orgListBlocks are list blocks of every type that find every object of
// the organization: a list block finds 100 objects unless it says
// otherwise.
func orgListBlocks() string {
	var lists strings.Builder
	for _, typ := range []string{"sentry_team", "sentry_team_project", "sentry_member", "sentry_api_token", "sentry_scim_group"} {
		fmt.Fprintf(&lists, "\nlist %q \"all\" {\n  provider = sentry\n  limit    = 10000\n}\n", typ)
	}
	return lists.String()
}

// generate runs terraform query with the list blocks and returns the
// configuration -generate-config-out wrote for what they found, and what
// else the query said.
func (r *tfRunner) generate(lists string) (string, queryReport) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "org.tfquery.hcl"), []byte(lists), 0o600); err != nil {
		r.t.Fatal(err)
	}
	report := r.query("generated.tf")
	b, err := os.ReadFile(filepath.Join(r.dir, "generated.tf"))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b), report
}

// keepOwn is the generated configuration without the resource and import
// blocks of objects the test did not make: those whose slug, email, name,
// display name or project is not one the test with the base made.
func keepOwn(t *testing.T, generated, base string) string {
	t.Helper()
	f, diags := hclwrite.ParseConfig([]byte(generated), "generated.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing the generated configuration: %s\n%s", diags, generated)
	}
	body := f.Body()
	kept := map[string]bool{}
	for _, block := range body.Blocks() {
		if block.Type() != "resource" {
			continue
		}
		own := false
		for _, name := range []string{"slug", "email", "name", "display_name", "project"} {
			if attr := block.Body().GetAttribute(name); attr != nil {
				value := strings.TrimSpace(string(attr.Expr().BuildTokens(nil).Bytes()))
				own = own || hasBase(strings.TrimPrefix(value, `"`), base)
			}
		}
		if own {
			kept[strings.Join(block.Labels(), ".")] = true
		} else {
			body.RemoveBlock(block)
		}
	}
	for _, block := range body.Blocks() {
		if block.Type() != "import" {
			continue
		}
		to := block.Body().GetAttribute("to")
		if to == nil || !kept[strings.TrimSpace(string(to.Expr().BuildTokens(nil).Bytes()))] {
			body.RemoveBlock(block)
		}
	}
	return string(f.Bytes())
}

// importAll plans, applies and plans again the runner's configuration,
// which must import n objects without a change.
func (r *tfRunner) importAll(n int, config string) {
	r.t.Helper()
	changes, out, err := r.plan()
	if err != nil || !changes || !importPlan(n).MatchString(out) {
		r.t.Fatalf("plan: changes %t, err %v; want \"%d to import, 0 to add, 0 to change, 0 to destroy\":\n%s\n\n%s", changes, err, n, out, config)
	}
	out, err = r.apply()
	if err != nil || !strings.Contains(out, fmt.Sprintf("Resources: %d imported, 0 added, 0 changed, 0 destroyed.", n)) {
		r.t.Fatalf("apply: err %v:\n%s", err, out)
	}
	if changes, out, err := r.plan(); err != nil || changes {
		r.t.Errorf("plan after importing: changes %t, err %v; want an empty plan:\n%s", changes, err, out)
	}
}

// TestAccQuery_generateConfig brings the test's objects in the way users
// bring an organization in: terraform query -generate-config-out writes a
// resource and an import block for everything listed, which then plans as
// imports only, applies, and plans empty. Types without a filter are listed
// whole, and what the test did not make is dropped from the configuration.
func TestAccQuery_generateConfig(t *testing.T) {
	generateConfig(t, newQueryOrg(t))
}

// TestAccQuery_generateConfig_todaysSentry is the same on today's Sentry,
// where only a browser session may list organization auth tokens: the
// query of all five types succeeds, the token list finds nothing and warns
// once, and everything else is imported and plans empty.
func TestAccQuery_generateConfig_todaysSentry(t *testing.T) {
	o := newQueryOrgIn(t, todaysTokens)
	o.env.needSim(t, "the test's token is made as in Sentry's settings page")
	generateConfig(t, o)
}

func generateConfig(t *testing.T, o *queryOrg) {
	t.Helper()
	r := newTFRunner(t, o.providerConfig())
	lists := listBlock("sentry_team", "mine", fmt.Sprintf("query = %q", o.filterText()), false) +
		listBlock("sentry_team_project", "api", fmt.Sprintf("project = %q", o.api), false) +
		listBlock("sentry_team_project", "web", fmt.Sprintf("project = %q", o.web), false) +
		listBlock("sentry_member", "mine", fmt.Sprintf("query = %q", o.filterText()), false) +
		unfilteredListBlock("sentry_api_token")
	// 2 teams, 3 links, the invitations, the token where Sentry lists it,
	// and the group if any.
	want := 2 + 3 + len(o.members)
	if o.tokensListed {
		want++
	}
	if o.group != "" {
		lists += unfilteredListBlock("sentry_scim_group")
		want++
	}
	generated, report := r.generate(lists)
	if o.tokensListed && len(report.warnings) > 0 {
		t.Errorf("warnings: %+v", report.warnings)
	}
	if !o.tokensListed {
		report.expectTokensSkipped(t, "list.sentry_api_token.all")
	}
	if regexp.MustCompile(`slug\s*=\s*"` + regexp.QuoteMeta(o.groupSlug) + `"`).MatchString(generated) {
		t.Errorf("the SCIM group's team was generated as a sentry_team:\n%s", generated)
	}
	own := keepOwn(t, generated, o.base)
	if n := len(regexp.MustCompile(`(?m)^import \{`).FindAllString(own, -1)); n != want {
		t.Errorf("%d import blocks generated for the test's objects, want %d:\n%s", n, want, own)
	}
	if n := len(regexp.MustCompile(`(?m)^\s+identity\s*=\s*\{`).FindAllString(own, -1)); n != want {
		t.Errorf("%d import blocks by identity, want %d:\n%s", n, want, own)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "generated.tf"), []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	r.importAll(want, own)
}

// TestAccQuery_importByIdentity imports one object of each type with
// hand-written identity import blocks, as users write them on Terraform
// and OpenTofu 1.12 and later, leaving the organization to the provider's
// in some. It runs no query, so it runs on OpenTofu too.
func TestAccQuery_importByIdentity(t *testing.T) {
	identityImportTerraform(t)
	o := makeQueryOrg(t, legacyTokens)
	config := o.providerConfig() + fmt.Sprintf(`
resource "sentry_team" "backend" {
  slug = %q
  name = %q
}

import {
  to       = sentry_team.backend
  identity = { id = %q }
}

resource "sentry_team_project" "web" {
  project = %q
  team    = %q
}

import {
  to       = sentry_team_project.web
  identity = { organization = %[6]q, project = %[4]q, team = %[5]q }
}

resource "sentry_member" "lead" {
  email = %[7]q
  role  = "manager"
  teams = [{ team = %[5]q }]
}

import {
  to       = sentry_member.lead
  identity = { organization = %[6]q, id = %[8]q }
}
`, o.backend, o.teamName(o.backend), o.teams[o.backend], o.web, o.frontend, o.env.org, o.lead, o.members[o.lead])
	n := 3
	if o.tokensListed {
		config += fmt.Sprintf(`
resource "sentry_api_token" "ci" {
  name = %q
}

import {
  to       = sentry_api_token.ci
  identity = { id = %q }
}
`, o.tokenName, o.token)
		n++
	}
	if o.group != "" {
		config += fmt.Sprintf(`
resource "sentry_scim_group" "okta" {
  display_name = %q
  members      = [%q]
}

import {
  to       = sentry_scim_group.okta
  identity = { id = %q }
}
`, o.groupName, o.members[o.okta], o.group)
		n++
	}
	newTFRunner(t, config).importAll(n, config)
}

// TestAccQuery_organization imports a whole generated organization through
// terraform query and logs the API requests it took: small-org.json (309
// objects) by default, large-org.json (1,000 members and 1,533 objects)
// with SENTRY_QUERY_ACC_ORG=large. Sentry is a release before 25.10,
// which lists organization auth tokens for a bearer token.
func TestAccQuery_organization(t *testing.T) {
	queryOrganization(t, legacyTokens)
}

// TestAccQuery_organization_todaysSentry is the same on today's Sentry,
// in an organization whose tokens people made in the browser: the query
// of all five types succeeds, with one warning for the tokens it cannot
// list, and everything else is imported and plans empty.
func TestAccQuery_organization_todaysSentry(t *testing.T) {
	queryOrganization(t, todaysTokens)
}

func queryOrganization(t *testing.T, legacyOrgTokens bool) {
	t.Helper()
	queryTerraform(t)
	env := newAccEnv(t)
	env.needSim(t, "seeds an organization")
	env.sim.SetLegacyOrgTokens(legacyOrgTokens)
	// Seeded tokens: 4 in small-org.json, 20 in large-org.json.
	file, want, tokens := "small-org.json", 309, 4
	switch size := os.Getenv("SENTRY_QUERY_ACC_ORG"); size {
	case "", "small":
	case "large":
		file, want, tokens = "large-org.json", 1533, 20
	default:
		t.Fatalf("SENTRY_QUERY_ACC_ORG=%q: want small or large", size)
	}
	f, err := os.Open(filepath.Join("..", "sentrysim", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := env.sim.LoadSeed(env.org, f); err != nil {
		t.Fatal(err)
	}
	if !legacyOrgTokens {
		if _, err := env.sim.CreateOrgToken(env.org, "manager@"+env.org+".example", randomName()+"-deploy"); err != nil {
			t.Fatal(err)
		}
		want -= tokens
	}
	r := newTFRunner(t, ownerSCIMProviderConfig(env))

	env.sim.ResetStats()
	generated, report := r.generate(orgListBlocks())
	listed := env.sim.Stats().Total()
	if legacyOrgTokens && len(report.warnings) > 0 {
		t.Errorf("warnings: %+v", report.warnings)
	}
	if !legacyOrgTokens {
		report.expectTokensSkipped(t, "list.sentry_api_token.all")
	}
	if n := len(regexp.MustCompile(`(?m)^import \{`).FindAllString(generated, -1)); n != want {
		t.Fatalf("%d import blocks generated, want %d", n, want)
	}
	env.sim.ResetStats()
	r.importAll(want, "")
	t.Logf("%d objects: terraform query took %d API requests; plan, apply and plan %d", want, listed, env.sim.Stats().Total())
}
