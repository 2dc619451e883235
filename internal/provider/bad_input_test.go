package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The bad-input suite: inputs users get wrong, each of which must end in an
// error that names the attribute (or setting, or import ID) and says how to
// fix it, never in a panic, a loop of plans, or a message from deep inside
// the framework. Many inputs share one Terraform run: Terraform reports every
// validation error of a configuration, every failed resource of an apply and
// every failed import block of a plan at once, so a run's output is checked
// for each input's error, in any order, and for exactly as many errors as
// inputs.

// badInput is one bad input: the configuration that carries it and the
// phrases its error must contain (each may be wrapped across lines).
type badInput struct {
	name string
	hcl  string
	want []string
	// secret must not appear anywhere in Terraform's output.
	secret string
	// unsetEnv names environment variables that would supply what the
	// input leaves out; the input is dropped when any is set.
	unsetEnv []string
}

// badPhase is when Terraform meets a run's bad inputs.
type badPhase int

const (
	// badAtPlan: terraform plan (validation, plan modification, import
	// blocks) fails; nothing reaches Sentry.
	badAtPlan badPhase = iota
	// badAtApply: terraform apply fails when Sentry refuses a request.
	badAtApply
	// badAtImport: terraform import fails on the import ID.
	badAtImport
)

func (p badPhase) String() string {
	return [...]string{"plan", "apply", "import"}[p]
}

// badRun is one Terraform run carrying one or more bad inputs.
type badRun struct {
	name  string
	phase badPhase
	// providers is the run's provider blocks; the inputs' blocks follow.
	providers string
	inputs    []badInput
	// resourceName and importID make the run a terraform import (one
	// input only).
	resourceName, importID string
	// emulatorOnly runs need the emulator's tokens or objects.
	emulatorOnly bool
}

var terraformErrorLine = regexp.MustCompile(`(?m)^[│\s]*Error: `)

// checkBadOutput checks Terraform's output for a run: no panic, no secret,
// every input's phrases, and one error per input.
func checkBadOutput(out string, inputs []badInput) error {
	var problems []string
	if strings.Contains(out, "panic:") {
		problems = append(problems, "the output has a panic")
	}
	for _, in := range inputs {
		for _, w := range in.want {
			if !wrappedText(w).MatchString(out) {
				problems = append(problems, fmt.Sprintf("%s: no %q", in.name, w))
			}
		}
		if in.secret != "" && strings.Contains(out, in.secret) {
			problems = append(problems, fmt.Sprintf("%s: the output shows the secret %q", in.name, in.secret))
		}
	}
	if n := len(terraformErrorLine.FindAllString(out, -1)); n != len(inputs) {
		problems = append(problems, fmt.Sprintf("%d errors for %d bad inputs", n, len(inputs)))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s\n\nTerraform's output:\n%s", strings.Join(problems, "\n"), out)
}

// run runs r as a parallel subtest and returns how many inputs it checked.
func (r badRun) run(t *testing.T, env *accEnv) int {
	var inputs []badInput
	for _, in := range r.inputs {
		if !envSetAny(in.unsetEnv) {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) == 0 || (r.emulatorOnly && env.sim == nil) {
		return 0
	}
	var config strings.Builder
	config.WriteString(r.providers)
	for _, in := range inputs {
		config.WriteString("\n" + in.hcl + "\n")
	}
	t.Run(r.phase.String()+"/"+r.name, func(t *testing.T) {
		var failed atomic.Bool
		step := resource.TestStep{Config: config.String()}
		switch r.phase {
		case badAtPlan:
			step.PlanOnly = true
		case badAtImport:
			step.ImportState = true
			step.ResourceName = r.resourceName
			step.ImportStateId = r.importID
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProviders,
			// ErrorCheck sees Terraform's error when the step sets no
			// ExpectError, which lets one run assert several errors.
			ErrorCheck: func(err error) error {
				failed.Store(true)
				return checkBadOutput(err.Error(), inputs)
			},
			Steps: []resource.TestStep{step},
		})
		if !failed.Load() {
			t.Errorf("Terraform reported no error; want one for each of %d bad inputs", len(inputs))
		}
	})
	return len(inputs)
}

// solo is a run of one bad input.
func solo(name string, phase badPhase, providers string, in badInput) badRun {
	return badRun{name: name, phase: phase, providers: providers, inputs: []badInput{in}, emulatorOnly: phase == badAtApply}
}

func envSetAny(names []string) bool {
	for _, n := range names {
		if os.Getenv(n) != "" {
			return true
		}
	}
	return false
}

// provider is a provider block acting as the role ("" for no token), with
// more attributes.
func (e *accEnv) provider(t *testing.T, role string, attrs ...string) string {
	t.Helper()
	lines := []string{}
	// Live runs take the token from the environment, and run only what
	// needs no other role's token.
	if e.sim != nil {
		lines = append(lines, fmt.Sprintf("base_url = %q", e.baseURL))
		if role != "" {
			lines = append(lines, fmt.Sprintf("auth_token = %q", e.token(t, role)))
		}
	}
	lines = append(lines, attrs...)
	return "provider \"sentry\" {\n  " + strings.Join(lines, "\n  ") + "\n}\n"
}

func team(name string, attrs ...string) string {
	return `resource "sentry_team" "` + name + `" {` + "\n  " + strings.Join(attrs, "\n  ") + "\n}"
}

func res(kind, name string, attrs ...string) string {
	return `resource "` + kind + `" "` + name + `" {` + "\n  " + strings.Join(attrs, "\n  ") + "\n}"
}

func hclAttr(name, value string) string { return fmt.Sprintf("%s = %q", name, value) }

// importBlock imports id into a resource of the kind, declared with attrs.
func importBlock(kind, name, id string, attrs ...string) string {
	return fmt.Sprintf("import {\n  to = %s.%s\n  id = %q\n}\n", kind, name, id) + res(kind, name, attrs...)
}

func TestAccBadInput(t *testing.T) {
	env := newAccEnv(t, legacyOrgTokens)
	pfx := randomName()
	org := env.org
	const pattern = `^[a-z0-9-]+-(prod|staging|dev)$`
	long := func(n int) string { return strings.Repeat("n", n) }
	teamsOf := func(entries ...string) string {
		return "teams = [" + strings.Join(entries, ", ") + "]"
	}
	entry := func(team, role string) string {
		if role == "" {
			return fmt.Sprintf("{ team = %q }", team)
		}
		return fmt.Sprintf("{ team = %q, role = %q }", team, role)
	}
	owner := env.provider(t, "owner", hclAttr("organization", org))

	// A provider alias with a bad setting, and a team that uses it so
	// Terraform validates the alias.
	aliased := func(alias string, attrs ...string) string {
		return "provider \"sentry\" {\n  alias = \"" + alias + "\"\n  " + strings.Join(attrs, "\n  ") + "\n}\n" +
			team("uses_"+alias, "provider = sentry."+alias, `name = "x"`)
	}
	forms := map[string]string{
		"team":         "The accepted forms are: organization/team-slug, organization/team-id, team-slug or team-id",
		"team_project": "The accepted forms are: organization/project-slug/team-slug or project-slug/team-slug",
		"member":       "The accepted forms are: organization/member-id, organization/email, member-id or email",
		"api_token":    "The accepted forms are: organization/token-id or token-id",
		"scim_group":   "The accepted forms are: organization/group-id or group-id",
	}
	minimal := map[string][]string{
		"team":         {`name = "x"`},
		"team_project": {`project = "x"`, `team = "x"`},
		"member":       {`email = "x@example.com"`},
		"api_token":    {`name = "x"`},
		"scim_group":   {`display_name = "x"`},
	}

	runs := []badRun{
		{
			name: "provider", phase: badAtPlan, providers: owner,
			inputs: []badInput{
				{name: "base_url with a query", hcl: aliased("query", `base_url = "https://sentry.io/api/?org=acme"`),
					want: []string{`The Sentry base URL in base_url is not usable: "https://sentry.io/api/?org=acme" has a query string: remove the ? and everything after it`, `such as https://sentry.io/api/`}},
				{name: "base_url with an empty query", hcl: aliased("empty_query", `base_url = "https://sentry.example.com/?"`),
					want: []string{`base_url is not usable: "https://sentry.example.com/?" has a query string`, `such as https://sentry.example.com/`}},
				{name: "base_url with a fragment", hcl: aliased("fragment", `base_url = "https://de.sentry.io/#settings"`),
					want: []string{`base_url is not usable: "https://de.sentry.io/#settings" has a fragment: remove the # and everything after it`, `such as https://de.sentry.io/`}},
				{name: "base_url with a password", hcl: aliased("password", `base_url = "https://ci:hunter2@sentry.io/api/"`),
					want: []string{`base_url is not usable: "https://ci:xxxxx@sentry.io/api/" contains a user name or password: remove it`, `authenticated with the provider's auth_token`}},
				{name: "base_url with a user name", hcl: aliased("user", `base_url = "https://ci@sentry.io/api/"`),
					want: []string{`base_url is not usable: "https://ci@sentry.io/api/" contains a user name or password: remove it`}},
				{name: "base_url without a scheme", hcl: aliased("scheme", `base_url = "sentry.io/api/"`),
					want: []string{`base_url is not usable: invalid base URL "sentry.io/api/": it must start with https:// or http://`, `Set base_url to Sentry's address`}},
				{name: "base_url with another scheme", hcl: aliased("ftp", `base_url = "ftp://sentry.io/"`),
					want: []string{`invalid base URL "ftp://sentry.io/": it must start with https:// or http://`, `Set base_url to Sentry's address`}},
				{name: "base_url without a host", hcl: aliased("nohost", `base_url = "https://"`),
					want: []string{`invalid base URL "https://": it has no host`, `Set base_url to Sentry's address`}},
				{name: "base_url that does not parse", hcl: aliased("port", `base_url = "https://sentry.io:port/"`),
					want: []string{`base_url is not usable: "https://sentry.io:port/" is not a valid URL`, `Set base_url to Sentry's address`}},
				{name: "name_pattern that is not a regular expression", hcl: aliased("pattern", `name_pattern = "^[a-z+$"`),
					want: []string{`The name_pattern "^[a-z+$" is not a valid regular expression (RE2 syntax)`, `Correct the expression`}},
			},
		},
		{
			name: "sentry_team", phase: badAtPlan, providers: owner,
			inputs: []badInput{
				{name: "leading space", hcl: team("lead", `name = " Backend"`),
					want: []string{`The team name " Backend" starts or ends with whitespace, which Sentry strips`, `Remove it: name = "Backend"`}},
				{name: "trailing space", hcl: team("trail", `name = "Backend "`),
					want: []string{`The team name "Backend " starts or ends with whitespace`, `name = "Backend"`}},
				{name: "leading tab", hcl: team("tab", `name = "\tPayments"`),
					want: []string{`The team name "\tPayments" starts or ends with whitespace`, `name = "Payments"`}},
				{name: "only whitespace", hcl: team("blank", `name = "   "`),
					want: []string{`The team name "   " is only whitespace`, `Set name to visible text`}},
				{name: "empty name", hcl: team("empty", `name = ""`),
					want: []string{`The team name is 0 characters long; Sentry requires 1 to 64 characters. Set name to at least 1`}},
				{name: "name too long", hcl: team("longname", hclAttr("name", long(65))),
					want: []string{`The team name is 65 characters long; Sentry requires 1 to 64 characters. Shorten name to at most 64`}},
				{name: "slug with capitals", hcl: team("caps", `name = "x"`, `slug = "Backend"`),
					want: []string{`The slug "Backend" does not match Sentry's slug rule`, `such as slug = "backend"`}},
				{name: "slug with a space", hcl: team("space", `name = "x"`, `slug = "back end"`),
					want: []string{`The slug "back end" does not match Sentry's slug rule`, `such as slug = "back-end"`}},
				{name: "slug of digits", hcl: team("digits", `name = "x"`, `slug = "12345"`),
					want: []string{`The slug "12345" is only digits`, `add a letter, a hyphen or an underscore to slug`}},
				{name: "slug too long", hcl: team("longslug", `name = "x"`, hclAttr("slug", strings.Repeat("a", 51))),
					want: []string{`is 51 characters long; Sentry allows at most 50. Shorten slug`}},
				{name: "empty slug", hcl: team("emptyslug", `name = "x"`, `slug = ""`),
					want: []string{`The slug must not be empty: set it to a slug`}},
				{name: "empty organization", hcl: team("emptyorg", `name = "x"`, `organization = ""`),
					want: []string{`The organization slug is 0 characters long`, `Set organization to at least 1`}},
				{name: "organization too long", hcl: team("longorg", `name = "x"`, hclAttr("organization", long(51))),
					want: []string{`The organization slug is 51 characters long`, `Shorten organization to at most 50`}},
			},
		},
		{
			name: "sentry_team_project", phase: badAtPlan, providers: owner,
			inputs: []badInput{
				{name: "project with a space", hcl: res("sentry_team_project", "space", `project = "My Project"`, `team = "x"`),
					want: []string{`The project "My Project" does not match Sentry's slug rule`, `such as project = "my-project"`}},
				{name: "team with punctuation", hcl: res("sentry_team_project", "punct", `project = "x"`, `team = "Team!"`),
					want: []string{`The team "Team!" does not match Sentry's slug rule`, `such as team = "team"`}},
				{name: "empty project", hcl: res("sentry_team_project", "empty", `project = ""`, `team = "x"`),
					want: []string{`The project must not be empty`}},
				{name: "team of digits", hcl: res("sentry_team_project", "digits", `project = "x"`, `team = "123"`),
					want: []string{`The team "123" is only digits`, `add a letter, a hyphen or an underscore to team`}},
				{name: "project too long", hcl: res("sentry_team_project", "long", hclAttr("project", strings.Repeat("p", 101)), `team = "x"`),
					want: []string{`is 101 characters long; Sentry allows at most 100. Shorten project`}},
			},
		},
		{
			name: "sentry_member", phase: badAtPlan, providers: owner,
			inputs: []badInput{
				{name: "not an address", hcl: res("sentry_member", "word", `email = "not-an-address"`),
					want: []string{`The email "not-an-address" is not an email address Sentry can invite: set email to a bare address`}},
				{name: "display name", hcl: res("sentry_member", "display", `email = "Jane <jane@example.com>"`),
					want: []string{`The email "Jane <jane@example.com>" is not an email address`, `without a display name or angle brackets`}},
				{name: "no domain dot", hcl: res("sentry_member", "local", `email = "jane@localhost"`),
					want: []string{`The email "jane@localhost" is not an email address`, `set email to a bare address`}},
				{name: "empty email", hcl: res("sentry_member", "empty", `email = ""`),
					want: []string{`The email "" is not an email address`}},
				{name: "unknown org role", hcl: res("sentry_member", "superuser", `email = "a@example.com"`, `role = "superuser"`),
					want: []string{`Attribute role value must be one of: ["member" "admin" "manager" "owner" "billing"], got: "superuser"`}},
				{name: "org role in capitals", hcl: res("sentry_member", "capital", `email = "b@example.com"`, `role = "Owner"`),
					want: []string{`Attribute role value must be one of`, `got: "Owner"`}},
				{name: "unknown team role", hcl: res("sentry_member", "teamrole", `email = "c@example.com"`, teamsOf(entry("x", "owner"))),
					want: []string{`.role value must be one of: ["contributor" "admin"], got: "owner"`}},
				{name: "team slug with a space", hcl: res("sentry_member", "teamslug", `email = "d@example.com"`, teamsOf(entry("Bad Team", ""))),
					want: []string{`The team "Bad Team" does not match Sentry's slug rule`, `such as team = "bad-team"`}},
				{name: "empty team slug", hcl: res("sentry_member", "emptyteam", `email = "e@example.com"`, teamsOf(entry("", ""))),
					want: []string{`The team must not be empty`}},
				{name: "team listed twice", hcl: res("sentry_member", "twice", `email = "f@example.com"`, teamsOf(entry("dup", "admin"), entry("dup", "contributor"))),
					want: []string{`The team "dup" appears more than once in teams`, `keep one entry for "dup"`}},
				{name: "owner as contributor", hcl: res("sentry_member", "owner", `email = "g@example.com"`, `role = "owner"`, teamsOf(entry("own", "contributor"))),
					want: []string{`The member's org role "owner" makes them a team admin on every team`, `Remove role (or set it to "admin") for "own"`}},
				{name: "manager as contributor", hcl: res("sentry_member", "manager", `email = "h@example.com"`, `role = "manager"`, teamsOf(entry("mgr", "contributor"))),
					want: []string{`cannot make them a contributor on "mgr"`, `or give the member the "member" org role`}},
				{name: "billing member on teams", hcl: res("sentry_member", "billing", `email = "i@example.com"`, `role = "billing"`, teamsOf(entry("bill", ""))),
					want: []string{`Sentry does not put billing members on teams`, `Remove teams (or set it to [])`}},
			},
		},
		{
			name: "sentry_api_token", phase: badAtPlan, providers: owner,
			inputs: []badInput{
				{name: "fractional rotation_days", hcl: res("sentry_api_token", "half", `name = "a"`, `rotation_days = 1.5`),
					want: []string{`rotation_days is 1.5, which is not a whole number of days. Set rotation_days to a whole number from 1 to 3650, such as 1.`}},
				{name: "fractional rotation_days near a year", hcl: res("sentry_api_token", "year", `name = "b"`, `rotation_days = 365.25`),
					want: []string{`rotation_days is 365.25, which is not a whole number of days`, `such as 365.`}},
				{name: "zero rotation_days", hcl: res("sentry_api_token", "zero", `name = "c"`, `rotation_days = 0`),
					want: []string{`rotation_days is 0; it must be from 1 (a day) to 3650 (ten years). Set rotation_days within that range`}},
				{name: "negative rotation_days", hcl: res("sentry_api_token", "negative", `name = "d"`, `rotation_days = -3`),
					want: []string{`rotation_days is -3; it must be from 1 (a day) to 3650`}},
				{name: "huge rotation_days", hcl: res("sentry_api_token", "huge", `name = "e"`, `rotation_days = 1e11`),
					want: []string{`rotation_days is 1e+11; it must be from 1 (a day) to 3650 (ten years)`}},
				{name: "rotation_days just over ten years", hcl: res("sentry_api_token", "decade", `name = "f"`, `rotation_days = 3651`),
					want: []string{`rotation_days is 3651; it must be from 1`}},
				{name: "empty name", hcl: res("sentry_api_token", "empty", `name = ""`),
					want: []string{`The token name is 0 characters long; Sentry requires 1 to 255 characters. Set name to at least 1`}},
				{name: "name too long", hcl: res("sentry_api_token", "long", hclAttr("name", long(256))),
					want: []string{`The token name is 256 characters long`, `Shorten name to at most 255`}},
				{name: "name_pattern that is not a regular expression", hcl: res("sentry_api_token", "badpattern", `name = "ci-prod"`, `name_pattern = "^[a-z+$"`),
					want: []string{`The name_pattern "^[a-z+$" is not a valid regular expression`, `Correct the expression`}},
				{name: "name breaking name_pattern", hcl: res("sentry_api_token", "pattern", `name = "Deploy Token"`, hclAttr("name_pattern", pattern)),
					want: []string{`The token name "Deploy Token" does not match name_pattern ` + pattern + `. Rename the token to follow the rule.`}},
			},
		},
		{
			name: "sentry_scim_group", phase: badAtPlan, providers: owner,
			inputs: []badInput{
				{name: "leading space", hcl: res("sentry_scim_group", "lead", `display_name = " SRE"`),
					want: []string{`The group name " SRE" starts or ends with whitespace, which Sentry strips`, `display_name = "SRE"`}},
				{name: "trailing newline", hcl: res("sentry_scim_group", "newline", `display_name = "SRE\n"`),
					want: []string{`The group name "SRE\n" starts or ends with whitespace`, `display_name = "SRE"`}},
				{name: "only whitespace", hcl: res("sentry_scim_group", "blank", `display_name = "  "`),
					want: []string{`The group name "  " is only whitespace`, `Set display_name to visible text`}},
				{name: "empty", hcl: res("sentry_scim_group", "empty", `display_name = ""`),
					want: []string{`The group name is 0 characters long`, `Set display_name to at least 1`}},
				{name: "too long", hcl: res("sentry_scim_group", "long", hclAttr("display_name", long(65))),
					want: []string{`The group name is 65 characters long`, `Shorten display_name to at most 64`}},
				{name: "email as member", hcl: res("sentry_scim_group", "email", `display_name = "a"`, `members = ["`+pfx+`-ana@acme.example"]`),
					want: []string{`"` + pfx + `-ana@acme.example" is not a member id. members takes Sentry's numeric member ids, such as sentry_member.<name>.id`}},
				{name: "member id with letters", hcl: res("sentry_scim_group", "letters", `display_name = "b"`, `members = ["12a"]`),
					want: []string{`"12a" is not a member id`}},
			},
		},
		// Errors found while planning, after validation passed. The
		// provider is served in-process, where every provider block of a
		// run configures the same server, so runs that configure the
		// provider differently are separate.
		solo("provider name_pattern", badAtPlan,
			env.provider(t, "owner", hclAttr("organization", org), hclAttr("name_pattern", pattern)),
			badInput{name: "name breaking the provider's name_pattern", hcl: res("sentry_api_token", "deploy", `name = "deploy"`),
				want: []string{`The token name "deploy" does not match the provider's name_pattern ` + pattern + `. Rename the token`}}),
		solo("organization unknown", badAtPlan, "",
			badInput{name: "organization unknown until apply", hcl: `resource "terraform_data" "later" {}
` + env.provider(t, "owner", "organization = terraform_data.later.id") + team("late", `name = "x"`),
				want: []string{`The provider's "organization" is not known until apply`, `Set it from a value known at plan time`}}),
		solo("base_url unknown", badAtPlan, "",
			badInput{name: "base_url unknown until apply", hcl: `resource "terraform_data" "later" {}
provider "sentry" {
  base_url = terraform_data.later.id
}
` + team("late", `name = "x"`),
				want: []string{`The provider's "base_url" is not known until apply`, `Set it from a value known at plan time`}}),
		solo("base_url from a variable", badAtPlan, "",
			// Terraform validates with variables unknown, so Configure
			// catches this one; the password is in neither the message
			// nor Terraform's source excerpt.
			badInput{name: "base_url with a password from a variable", hcl: `variable "url" {
  type      = string
  sensitive = true
  default   = "https://ci:hunter2@sentry.io/api/"
}
provider "sentry" {
  base_url = var.url
}
` + team("x", `name = "x"`),
				want:   []string{`base_url is not usable: "https://ci:xxxxx@sentry.io/api/" contains a user name or password: remove it`},
				secret: "hunter2"}),
		{
			name: "sentry_team_project", phase: badAtApply, providers: owner, emulatorOnly: true,
			inputs: []badInput{
				{name: "unknown team", hcl: res("sentry_team_project", "ghost_team", `project = "`+pfx+`-bad-api"`, `team = "`+pfx+`-bad-ghost"`),
					want: []string{`Organization "` + org + `" has no team with the slug "` + pfx + `-bad-ghost"`, `create it with a sentry_team resource and refer to its slug attribute`}},
				{name: "unknown project", hcl: res("sentry_team_project", "ghost_project", `project = "`+pfx+`-bad-nowhere"`, `team = "`+pfx+`-bad-payments"`),
					want: []string{`Organization "` + org + `" has no project with the slug "` + pfx + `-bad-nowhere"`, `Check the project's slug`}},
			},
		},
		{
			name: "sentry_team and sentry_member", phase: badAtApply, providers: owner,
			emulatorOnly: true,
			inputs: []badInput{
				{name: "taken team slug", hcl: team("taken", `name = "Taken"`, `slug = "`+pfx+`-bad-taken"`),
					want: []string{`already has a team with the slug "` + pfx + `-bad-taken". Choose another slug, or bring the existing team under Terraform with: terraform import <resource address> ` + org + `/` + pfx + `-bad-taken`}},
				{name: "unknown team", hcl: res("sentry_member", "ghost", `email = "`+pfx+`-ghost@acme.example"`, teamsOf(entry(pfx+"-bad-ghost-a", ""))),
					want: []string{`Organization "` + org + `" has no team with the slug "` + pfx + `-bad-ghost-a", which teams of ` + pfx + `-ghost@acme.example lists.`,
						`Create the team with a sentry_team resource and set team to its slug (team = sentry_team.<name>.slug)`, `correct the slug in teams`}},
				{name: "unknown teams beside a known one", hcl: res("sentry_member", "ghosts", `email = "`+pfx+`-ghosts@acme.example"`,
					teamsOf(entry(pfx+"-bad-ghost-c", "admin"), entry(pfx+"-bad-payments", ""), entry(pfx+"-bad-ghost-b", ""))),
					want: []string{`Organization "` + org + `" has no teams with the slugs "` + pfx + `-bad-ghost-b", "` + pfx + `-bad-ghost-c", which teams of ` + pfx + `-ghosts@acme.example lists.`,
						`Create the team with a sentry_team resource`}},
				{name: "member already invited", hcl: res("sentry_member", "existing", `email = "member@acme.example"`),
					want: []string{`member@acme.example is already invited to or a member of organization "` + org + `". Bring the existing member under Terraform with: terraform import <resource address> ` + org + `/member@acme.example`}},
			},
		},
		solo("manager token", badAtApply, env.provider(t, "manager", hclAttr("organization", org)),
			badInput{name: "owner made by a manager", hcl: res("sentry_member", "by_manager", `email = "`+pfx+`-boss@acme.example"`, `role = "owner"`),
				want: []string{`Role Above the Token's Role`, `a manager cannot make owners. Use an owner's token for this member.`}}),
		solo("member token", badAtApply, env.provider(t, "member", hclAttr("organization", org)),
			badInput{name: "manager made by a member", hcl: res("sentry_member", "by_member", `email = "`+pfx+`-lead@acme.example"`, `role = "manager"`),
				want: []string{`Role Above the Token's Role`, `a member cannot make managers`}}),
		solo("invalid auth_token", badAtApply,
			env.provider(t, "", hclAttr("organization", org), `auth_token = "sntryu_0000000000000000000000000000000000000000000000000000000000000000"`),
			badInput{name: "invalid auth_token", hcl: team("bad_token", `name = "Bad Token"`),
				want: []string{`Sentry answered 401 Unauthorized`, `Sentry refused the provider's auth_token`, `Set auth_token in the provider block or the SENTRY_AUTH_TOKEN environment variable`}}),
		solo("invalid scim_token", badAtApply,
			env.provider(t, "owner", hclAttr("organization", org), `scim_token = "sntryi_0000000000000000000000000000000000000000000000000000000000000000"`),
			badInput{name: "invalid scim_token", hcl: res("sentry_scim_group", "bad_scim", `display_name = "Bad SCIM"`),
				want: []string{`Sentry answered 401 Unauthorized`, `Sentry refused the provider's scim_token`, `Set scim_token in the provider block or the SENTRY_SCIM_TOKEN environment variable`}}),
		solo("no auth_token", badAtApply, env.provider(t, "", hclAttr("organization", org)),
			badInput{name: "no auth_token", hcl: team("no_token", `name = "No Token"`),
				want:     []string{`Missing Sentry Credentials`, `The provider's "auth_token" is not set: set it in the provider block or the SENTRY_AUTH_TOKEN environment variable`},
				unsetEnv: []string{envAuthToken}}),
		solo("no scim_token", badAtApply, env.provider(t, "owner", hclAttr("organization", org)),
			badInput{name: "no scim_token", hcl: res("sentry_scim_group", "no_scim", `display_name = "No SCIM"`),
				want:     []string{`Missing SCIM Token`, `The provider's "scim_token" is not set: set it in the provider block or the SENTRY_SCIM_TOKEN environment variable`},
				unsetEnv: []string{envSCIMToken}}),
		solo("no organization", badAtApply, env.provider(t, "owner"),
			badInput{name: "no organization", hcl: team("no_org", `name = "No Org"`),
				want:     []string{`Missing Sentry Organization`, `The provider's "organization" is not set: set it in the provider block or the SENTRY_ORG environment variable`},
				unsetEnv: []string{envOrganization}}),
		solo("import without an organization", badAtPlan, env.provider(t, "owner"),
			badInput{name: "team: no organization", hcl: importBlock("sentry_team", "noorg", "backend", minimal["team"]...),
				want:     []string{`The import ID "backend" names no organization and the provider has none: import with "<organization>/backend", or set the provider's organization or SENTRY_ORG`},
				unsetEnv: []string{envOrganization}}),
		{
			name: "import blocks", phase: badAtPlan,
			providers: owner,
			inputs: []badInput{
				{name: "team: three parts", hcl: importBlock("sentry_team", "three", org+"/backend/extra", minimal["team"]...),
					want: []string{`Invalid Import ID`, `The import ID "` + org + `/backend/extra" has 3 parts separated by /, not 1 or 2.`, forms["team"]}},
				{name: "team: empty part", hcl: importBlock("sentry_team", "trailing", org+"/", minimal["team"]...),
					want: []string{`The import ID "` + org + `/" has an empty part`, forms["team"]}},
				{name: "team: not a slug", hcl: importBlock("sentry_team", "notslug", org+"/Bad Team", minimal["team"]...),
					want: []string{`ends in "Bad Team", which is neither a team slug (lowercase letters, digits, underscores and hyphens, at most 50 characters) nor a numeric team id`, forms["team"]}},
				{name: "team_project: one part", hcl: importBlock("sentry_team_project", "one", "api", minimal["team_project"]...),
					want: []string{`The import ID "api" has 1 part separated by /, not 2 or 3.`, forms["team_project"]}},
				{name: "team_project: four parts", hcl: importBlock("sentry_team_project", "four", org+"/api/backend/x", minimal["team_project"]...),
					want: []string{`has 4 parts separated by /, not 2 or 3.`, forms["team_project"]}},
				{name: "team_project: empty part", hcl: importBlock("sentry_team_project", "empty", org+"//backend", minimal["team_project"]...),
					want: []string{`The import ID "` + org + `//backend" has an empty part`, forms["team_project"]}},
				{name: "team_project: not a slug", hcl: importBlock("sentry_team_project", "notslug", org+"/My Project/backend", minimal["team_project"]...),
					want: []string{`has "My Project" where a slug belongs`, forms["team_project"]}},
				{name: "member: neither id nor email", hcl: importBlock("sentry_member", "word", org+"/jane", minimal["member"]...),
					want: []string{`ends in "jane", which is neither a numeric member id nor an email address`, forms["member"]}},
				{name: "member: broken email", hcl: importBlock("sentry_member", "broken", org+"/jane@", minimal["member"]...),
					want: []string{`ends in "jane@", which is not a valid email address`, forms["member"]}},
				{name: "member: three parts", hcl: importBlock("sentry_member", "three", org+"/42/extra", minimal["member"]...),
					want: []string{`has 3 parts separated by /, not 1 or 2.`, forms["member"]}},
				{name: "member: empty organization", hcl: importBlock("sentry_member", "leading", "/42", minimal["member"]...),
					want: []string{`The import ID "/42" has an empty part`, forms["member"]}},
				{name: "member: spaces", hcl: importBlock("sentry_member", "spaces", org+"/ 42", minimal["member"]...),
					want: []string{`has a part with spaces around it, " 42"`, forms["member"]}},
				{name: "api_token: a name", hcl: importBlock("sentry_api_token", "name", org+"/ci-deploy", minimal["api_token"]...),
					want: []string{`ends in "ci-deploy", which is not a numeric token id`, forms["api_token"]}},
				{name: "api_token: a token value", hcl: importBlock("sentry_api_token", "value", org+"/sntrys_abc", minimal["api_token"]...),
					want: []string{`ends in "sntrys_abc", which is not a numeric token id`, `the token's value or name cannot be imported`}},
				{name: "api_token: three parts", hcl: importBlock("sentry_api_token", "three", "a/b/c", minimal["api_token"]...),
					want: []string{`The import ID "a/b/c" has 3 parts separated by /, not 1 or 2.`, forms["api_token"]}},
				{name: "scim_group: a name", hcl: importBlock("sentry_scim_group", "name", org+"/sre", minimal["scim_group"]...),
					want: []string{`ends in "sre", which is not a numeric group id`, forms["scim_group"]}},
				{name: "scim_group: empty part", hcl: importBlock("sentry_scim_group", "empty", org+"/", minimal["scim_group"]...),
					want: []string{`has an empty part`, forms["scim_group"]}},
			},
		},
	}
	for _, c := range []struct{ kind, id, want string }{
		{"team", "a/b/c", `The import ID "a/b/c" has 3 parts separated by /, not 1 or 2.`},
		{"team_project", "only-one", `The import ID "only-one" has 1 part separated by /, not 2 or 3.`},
		{"member", org + "/not-an-id", `ends in "not-an-id", which is neither a numeric member id nor an email address`},
		{"api_token", org + "/deploy", `ends in "deploy", which is not a numeric token id`},
		{"scim_group", org + "//7", `The import ID "` + org + `//7" has an empty part`},
	} {
		runs = append(runs, badRun{
			name: "sentry_" + c.kind, phase: badAtImport, providers: owner,
			resourceName: "sentry_" + c.kind + ".imported", importID: c.id,
			inputs: []badInput{{name: c.id, hcl: res("sentry_"+c.kind, "imported", minimal[c.kind]...),
				want: []string{`Invalid Import ID`, c.want, forms[c.kind]}}},
		})
	}

	if env.sim != nil {
		env.createTeams(t, pfx+"-bad-payments", pfx+"-bad-taken")
		env.createProject(t, pfx+"-bad-payments", pfx+"-bad-api")
	}
	total := 0
	t.Run("cases", func(t *testing.T) {
		for _, r := range runs {
			total += r.run(t, env)
		}
	})
	t.Logf("%d bad inputs in %d Terraform runs", total, len(runs))
}
