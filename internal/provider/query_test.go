package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// The TestAccQuery_ tests run terraform query, which needs Terraform 1.14:
// make test-query builds it and runs them. On an older Terraform they skip.
// Where terraform-plugin-testing's query steps fall short (they cannot
// generate configuration), the tests drive the CLI with tfRunner.

// minQueryTerraform is the first Terraform with terraform query.
var minQueryTerraform = version.Must(version.NewVersion("1.14.0"))

// queryTerraform is the Terraform that TF_ACC_TERRAFORM_PATH names when it
// is 1.14 or later; on an older one, or none, the test is skipped, so make
// test passes where only an older Terraform is at hand.
func queryTerraform(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run only when TF_ACC is set")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		t.Skip("terraform query needs Terraform 1.14 or later in TF_ACC_TERRAFORM_PATH: run make test-query")
	}
	cmd := exec.CommandContext(t.Context(), bin, "version", "-json")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("asking %s its version: %v", bin, err)
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
	if got.LessThan(minQueryTerraform) {
		t.Skipf("terraform query needs Terraform %s or later and %s is %s: run make test-query", minQueryTerraform, bin, got)
	}
	return bin
}

// queryOrg is an emulated organization holding some of everything the list
// resources find, with the ids the tests check for.
type queryOrg struct {
	env       *accEnv
	scimToken string
	teams     map[string]string // team slug to id
	members   map[string]string // email to member id
	token     string            // the q-ci token's id
	group     string            // the SCIM group's id
	// simMembers and simTokens are the emulator's own members and
	// tokens, which every listing also finds.
	simMembers, simTokens int
}

// newQueryOrg seeds two teams, three project links, four members (one in a
// SCIM group), a pending and an expired invitation, an org auth token and
// a SCIM group.
func newQueryOrg(t *testing.T) *queryOrg {
	t.Helper()
	ctx := context.Background()
	queryTerraform(t)
	env := newAccEnv(t)
	if env.sim == nil {
		t.Skip("seeds an organization: emulator only")
	}
	owner := env.client(t, "owner")
	before, err := owner.ListMembers(ctx, env.org, "")
	if err != nil {
		t.Fatal(err)
	}
	tokensBefore, err := owner.ListOrgAuthTokens(ctx, env.org)
	if err != nil {
		t.Fatal(err)
	}
	seed := `{"teams": [{"slug": "q-backend", "name": "Backend"}, {"slug": "q-frontend", "name": "Frontend"}],
	  "projects": [{"slug": "q-api", "teams": ["q-backend", "q-frontend"]}, {"slug": "q-web", "teams": ["q-frontend"]}],
	  "members": [
	    {"email": "dev@corp.test", "role": "member", "teams": [{"team": "q-backend", "role": ""}, {"team": "q-frontend", "role": "admin"}]},
	    {"email": "lead@corp.test", "role": "manager", "teams": [{"team": "q-frontend", "role": ""}]},
	    {"email": "admin@corp.test", "role": "admin", "teams": [{"team": "q-backend", "role": "admin"}]},
	    {"email": "okta@corp.test", "role": "member", "teams": [{"team": "q-backend", "role": "admin"}]}
	  ]}`
	if err := env.sim.LoadSeed(env.org, strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	no := false
	for _, email := range []string{"New.Hire@Corp.test", "late@corp.test"} {
		if _, err := owner.InviteMember(ctx, env.org, sentry.InviteMemberRequest{Email: email, OrgRole: "member", SendInvite: &no,
			TeamRoles: []sentry.MemberTeamRole{{TeamSlug: "q-backend"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.sim.ExpireInvite(env.org, "late@corp.test"); err != nil {
		t.Fatal(err)
	}
	token, err := owner.CreateOrgAuthToken(ctx, env.org, "q-ci")
	if err != nil {
		t.Fatal(err)
	}
	o := &queryOrg{env: env, scimToken: env.sim.SCIMToken(env.org), teams: map[string]string{}, members: map[string]string{},
		token: token.ID, simMembers: len(before), simTokens: len(tokensBefore)}

	members, err := owner.ListMembers(ctx, env.org, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		o.members[m.Email] = m.ID
	}
	scim, err := sentry.NewClient(sentry.Config{BaseURL: env.baseURL, Token: o.scimToken})
	if err != nil {
		t.Fatal(err)
	}
	group, err := scim.CreateSCIMGroup(ctx, env.org, "Q Okta")
	if err != nil {
		t.Fatal(err)
	}
	o.group = group.ID
	if err := scim.PatchSCIMGroup(ctx, env.org, group.ID, sentry.SCIMGroupMembershipOps(nil, []string{o.members["okta@corp.test"]})); err != nil {
		t.Fatal(err)
	}
	teams, err := owner.ListTeams(ctx, env.org)
	if err != nil {
		t.Fatal(err)
	}
	for _, team := range teams {
		o.teams[team.Slug] = team.ID
	}
	return o
}

// providerConfig is the provider block as the owner, with the SCIM token.
func (o *queryOrg) providerConfig() string {
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

func (o *queryOrg) idIdentity(id string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"organization": knownvalue.StringExact(o.env.org), "id": knownvalue.StringExact(id)}
}

func byDisplayName(name string) queryfilter.QueryFilter {
	return queryfilter.ByDisplayName(knownvalue.StringExact(name))
}

func TestAccQuery_teams(t *testing.T) {
	o := newQueryOrg(t)
	o.query(t, listBlock("sentry_team", "all", "", true)+
		listBlock("sentry_team", "back", `query = "back"`, false),
		// The SCIM group's team is a sentry_scim_group, never a sentry_team.
		querycheck.ExpectLength("sentry_team.all", 2),
		querycheck.ExpectIdentity("sentry_team.all", o.idIdentity(o.teams["q-backend"])),
		querycheck.ExpectIdentity("sentry_team.all", o.idIdentity(o.teams["q-frontend"])),
		querycheck.ExpectResourceDisplayName("sentry_team.all", queryfilter.ByResourceIdentity(o.idIdentity(o.teams["q-frontend"])),
			knownvalue.StringExact("Frontend (q-frontend)")),
		querycheck.ExpectResourceKnownValues("sentry_team.all", byDisplayName("Backend (q-backend)"), []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("slug"), KnownValue: knownvalue.StringExact("q-backend")},
			{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("Backend")},
		}),
		querycheck.ExpectLength("sentry_team.back", 1),
		querycheck.ExpectIdentity("sentry_team.back", o.idIdentity(o.teams["q-backend"])),
	)
}

func TestAccQuery_members(t *testing.T) {
	o := newQueryOrg(t)
	o.query(t, listBlock("sentry_member", "all", "", true)+
		listBlock("sentry_member", "managers", `role = "manager"`, false)+
		listBlock("sentry_member", "invited", `query = "isInvited:true"`, false)+
		listBlock("sentry_member", "okta", `query = "email:okta@corp.test"`, true),
		// The emulator's own, four seeded, two invited.
		querycheck.ExpectLength("sentry_member.all", o.simMembers+6),
		querycheck.ExpectIdentity("sentry_member.all", o.idIdentity(o.members["dev@corp.test"])),
		// Invitations, pending and expired, keep Sentry's case.
		querycheck.ExpectResourceDisplayName("sentry_member.all", queryfilter.ByResourceIdentity(o.idIdentity(o.members["New.Hire@Corp.test"])),
			knownvalue.StringExact("New.Hire@Corp.test (member, invitation pending)")),
		querycheck.ExpectResourceDisplayName("sentry_member.all", queryfilter.ByResourceIdentity(o.idIdentity(o.members["late@corp.test"])),
			knownvalue.StringExact("late@corp.test (member, invitation expired)")),
		querycheck.ExpectResourceKnownValues("sentry_member.all", byDisplayName("New.Hire@Corp.test (member, invitation pending)"),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("email"), KnownValue: knownvalue.StringExact("New.Hire@Corp.test")},
				{Path: tfjsonpath.New("pending"), KnownValue: knownvalue.Bool(true)},
			}),
		// Team roles as the resource reads them: a member's minimum
		// spelled out, null where the org role implies the team role.
		querycheck.ExpectResourceKnownValues("sentry_member.all", byDisplayName("dev@corp.test (member)"), []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("role"), KnownValue: knownvalue.StringExact("member")},
			{Path: tfjsonpath.New("teams"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
				teamRoleCheck("q-backend", knownvalue.StringExact("contributor")),
				teamRoleCheck("q-frontend", knownvalue.StringExact("admin")),
			})},
		}),
		querycheck.ExpectResourceKnownValues("sentry_member.all", byDisplayName("lead@corp.test (manager)"), []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("teams"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
				teamRoleCheck("q-frontend", knownvalue.Null()),
			})},
		}),
		// The emulator's manager and the seeded one.
		querycheck.ExpectLength("sentry_member.managers", 2),
		querycheck.ExpectIdentity("sentry_member.managers", o.idIdentity(o.members["lead@corp.test"])),
		querycheck.ExpectLength("sentry_member.invited", 2),
		// A member of a SCIM group is listed without teams.
		querycheck.ExpectLength("sentry_member.okta", 1),
		querycheck.ExpectResourceKnownValues("sentry_member.okta", byDisplayName("okta@corp.test (member)"), []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("teams"), KnownValue: knownvalue.Null()},
		}),
	)
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
	o.query(t, listBlock("sentry_team_project", "all", "", true)+
		listBlock("sentry_team_project", "frontend", `team = "q-frontend"`, false)+
		listBlock("sentry_team_project", "api", `project = "q-api"`, false),
		querycheck.ExpectLength("sentry_team_project.all", 3),
		querycheck.ExpectIdentity("sentry_team_project.all", link("q-api", "q-backend")),
		querycheck.ExpectIdentity("sentry_team_project.all", link("q-api", "q-frontend")),
		querycheck.ExpectIdentity("sentry_team_project.all", link("q-web", "q-frontend")),
		querycheck.ExpectResourceKnownValues("sentry_team_project.all", byDisplayName("team q-backend on project q-api"),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("project"), KnownValue: knownvalue.StringExact("q-api")},
				{Path: tfjsonpath.New("team"), KnownValue: knownvalue.StringExact("q-backend")},
			}),
		querycheck.ExpectLength("sentry_team_project.frontend", 2),
		querycheck.ExpectIdentity("sentry_team_project.frontend", link("q-web", "q-frontend")),
		querycheck.ExpectLength("sentry_team_project.api", 2),
		querycheck.ExpectIdentity("sentry_team_project.api", link("q-api", "q-backend")),
	)
}

func TestAccQuery_apiTokens(t *testing.T) {
	o := newQueryOrg(t)
	o.query(t, listBlock("sentry_api_token", "all", "", true),
		querycheck.ExpectLength("sentry_api_token.all", o.simTokens+1),
		querycheck.ExpectIdentity("sentry_api_token.all", o.idIdentity(o.token)),
		// Sentry shows a token's value once: a listed token has none.
		querycheck.ExpectResourceKnownValues("sentry_api_token.all", byDisplayName(fmt.Sprintf("q-ci (id %s)", o.token)),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("q-ci")},
				{Path: tfjsonpath.New("token"), KnownValue: knownvalue.Null()},
			}),
	)
}

func TestAccQuery_scimGroups(t *testing.T) {
	o := newQueryOrg(t)
	o.query(t, listBlock("sentry_scim_group", "all", "", true),
		querycheck.ExpectLength("sentry_scim_group.all", 1),
		querycheck.ExpectIdentity("sentry_scim_group.all", o.idIdentity(o.group)),
		querycheck.ExpectResourceKnownValues("sentry_scim_group.all", byDisplayName("Q Okta (q-okta)"), []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("display_name"), KnownValue: knownvalue.StringExact("Q Okta")},
			{Path: tfjsonpath.New("members"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
				knownvalue.StringExact(o.members["okta@corp.test"]),
			})},
		}),
	)
}

// importPlan matches the summary of a plan that only imports.
func importPlan(n int) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`Plan: %d to import, 0 to add, 0 to change, 0 to destroy\.`, n))
}

// query runs terraform query with -generate-config-out in the runner's
// working directory.
func (r *tfRunner) query(generateConfigOut string) {
	r.t.Helper()
	var diags []string
	out, err := r.run("query", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		logs, err := r.tf.QueryJSON(ctx, tfexec.Reattach(ra), tfexec.GenerateConfigOut(generateConfigOut))
		if err != nil {
			return err
		}
		for msg := range logs {
			if msg.Err != nil {
				return msg.Err
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
}

// generateAll lists every object of the organization with terraform query
// and returns the configuration -generate-config-out wrote for them.
func (r *tfRunner) generateAll() string {
	r.t.Helper()
	var lists strings.Builder
	for _, typ := range []string{"sentry_team", "sentry_team_project", "sentry_member", "sentry_api_token", "sentry_scim_group"} {
		// A list block finds 100 objects unless it says otherwise.
		fmt.Fprintf(&lists, "\nlist %q \"all\" {\n  provider = sentry\n  limit    = 10000\n}\n", typ)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "org.tfquery.hcl"), []byte(lists.String()), 0o600); err != nil {
		r.t.Fatal(err)
	}
	r.query("generated.tf")
	b, err := os.ReadFile(filepath.Join(r.dir, "generated.tf"))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
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

// TestAccQuery_generateConfig brings the whole organization in the way
// users do: terraform query -generate-config-out writes a resource and an
// import block for everything listed, which then plans as imports only,
// applies, and plans empty.
func TestAccQuery_generateConfig(t *testing.T) {
	o := newQueryOrg(t)
	r := newTFRunner(t, o.providerConfig())
	generated := r.generateAll()

	// 2 teams, 3 links, the members and invitations, the tokens, 1 group.
	want := 2 + 3 + o.simMembers + 6 + o.simTokens + 1 + 1
	if n := len(regexp.MustCompile(`(?m)^import \{`).FindAllString(generated, -1)); n != want {
		t.Errorf("%d import blocks generated, want %d:\n%s", n, want, generated)
	}
	if n := len(regexp.MustCompile(`(?m)^\s+identity\s*=\s*\{`).FindAllString(generated, -1)); n != want {
		t.Errorf("%d import blocks by identity, want %d:\n%s", n, want, generated)
	}
	if regexp.MustCompile(`slug\s*=\s*"q-okta"`).MatchString(generated) {
		t.Errorf("the SCIM group's team was generated as a sentry_team:\n%s", generated)
	}
	r.importAll(want, generated)
}

// TestAccQuery_importByIdentity imports one object of each type with
// hand-written identity import blocks, as users write them on Terraform
// 1.12 and later, leaving the organization to the provider's in some.
func TestAccQuery_importByIdentity(t *testing.T) {
	o := newQueryOrg(t)
	config := o.providerConfig() + fmt.Sprintf(`
resource "sentry_team" "backend" {
  slug = "q-backend"
  name = "Backend"
}

import {
  to       = sentry_team.backend
  identity = { id = %q }
}

resource "sentry_team_project" "web" {
  project = "q-web"
  team    = "q-frontend"
}

import {
  to       = sentry_team_project.web
  identity = { organization = %q, project = "q-web", team = "q-frontend" }
}

resource "sentry_member" "lead" {
  email = "lead@corp.test"
  role  = "manager"
  teams = [{ team = "q-frontend" }]
}

import {
  to       = sentry_member.lead
  identity = { organization = %[2]q, id = %[3]q }
}

resource "sentry_api_token" "ci" {
  name = "q-ci"
}

import {
  to       = sentry_api_token.ci
  identity = { id = %[4]q }
}

resource "sentry_scim_group" "okta" {
  display_name = "Q Okta"
  members      = [%[5]q]
}

import {
  to       = sentry_scim_group.okta
  identity = { id = %[6]q }
}
`, o.teams["q-backend"], o.env.org, o.members["lead@corp.test"], o.token, o.members["okta@corp.test"], o.group)
	newTFRunner(t, config).importAll(5, config)
}

// TestAccQuery_organization imports a whole generated organization through
// terraform query and logs the API requests it took: small-org.json (309
// objects) by default, large-org.json (1,000 members and 1,533 objects)
// with SENTRY_QUERY_ACC_ORG=large.
func TestAccQuery_organization(t *testing.T) {
	queryTerraform(t)
	env := newAccEnv(t)
	if env.sim == nil {
		t.Skip("seeds an organization: emulator only")
	}
	file, want := "small-org.json", 309
	switch size := os.Getenv("SENTRY_QUERY_ACC_ORG"); size {
	case "", "small":
	case "large":
		file, want = "large-org.json", 1533
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
	r := newTFRunner(t, ownerSCIMProviderConfig(env))

	env.sim.ResetStats()
	generated := r.generateAll()
	listed := env.sim.Stats().Total()
	if n := len(regexp.MustCompile(`(?m)^import \{`).FindAllString(generated, -1)); n != want {
		t.Fatalf("%d import blocks generated, want %d", n, want)
	}
	env.sim.ResetStats()
	r.importAll(want, "")
	t.Logf("%d objects: terraform query took %d API requests; plan, apply and plan %d", want, listed, env.sim.Stats().Total())
}
