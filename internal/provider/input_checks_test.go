package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func TestUnauthorizedNamesTheToken(t *testing.T) {
	unauthorized := func(p string) error {
		return &sentry.APIError{Method: "POST", Path: p, StatusCode: 401, Detail: "Invalid token"}
	}
	scim := apiErrorDetail("create SCIM group", unauthorized("organizations/acme/scim/v2/Groups"), scimPermissionHint)
	if !strings.Contains(scim, "scim_token") || !strings.Contains(scim, envSCIMToken) || strings.Contains(scim, "auth_token") {
		t.Errorf("a SCIM 401 must name scim_token and %s only: %q", envSCIMToken, scim)
	}
	team := apiErrorDetail("create team", unauthorized("organizations/acme/teams/"), teamPermissionHint)
	if !strings.Contains(team, "auth_token") || !strings.Contains(team, envAuthToken) || strings.Contains(team, "scim_token") {
		t.Errorf("a 401 from the REST API must name auth_token and %s only: %q", envAuthToken, team)
	}
	var diags diag.Diagnostics
	addSCIMAPIError(&diags, "x", "read the team behind SCIM group 1", unauthorized("teams/acme/1/"))
	if got := diags.Errors()[0].Detail(); !strings.Contains(got, "scim_token") {
		t.Errorf("a 401 for a call made with the SCIM token must name scim_token: %q", got)
	}
}

func TestCheckBaseURLNeverShowsAPassword(t *testing.T) {
	cases := map[string]string{
		"https://ci:hunter2@sentry.io/api/":          "contains a user name or password",
		"https://ci:hunter2@sen try.io/":             "is not a valid URL",
		"https://ci:hunter2@sentry.io/api/?org=acme": "contains a user name or password",
		"https://sentry.io/api/?org=acme":            `"https://sentry.io/api/?org=acme" has a query string`,
		"https://sentry.io/api/#x":                   "has a fragment",
	}
	for raw, want := range cases {
		err := checkBaseURL(raw)
		if err == nil {
			t.Errorf("checkBaseURL(%q) accepted", raw)
			continue
		}
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("checkBaseURL(%q) = %q; want %q and no password", raw, err, want)
		}
	}
}

func TestTrimmedNameValidator(t *testing.T) {
	cases := map[string]string{
		"Backend":    "",
		"Back end":   "",
		"":           "", // lengthValidator's
		" Backend":   `name = "Backend"`,
		"Backend\n":  `name = "Backend"`,
		"\u00a0SRE ": `name = "SRE"`,
		"   ":        "only whitespace",
	}
	for name, want := range cases {
		resp := &validator.StringResponse{}
		trimmedNameValidator{what: "team name"}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("name"), ConfigValue: types.StringValue(name),
		}, resp)
		switch {
		case want == "" && resp.Diagnostics.HasError():
			t.Errorf("%q: unexpected error %v", name, resp.Diagnostics)
		case want != "" && (!resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), want)):
			t.Errorf("%q: want an error containing %q, got %v", name, want, resp.Diagnostics)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Backend":     "backend",
		"back end":    "back-end",
		"Team!":       "team",
		"  Data  Ops": "data-ops",
		"bäckend":     "b-ckend",
		"123":         "",
		"!!!":         "",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAccBadInput_memberUpdateUnknownTeam: an unknown team added to an
// existing member is named too.
func TestAccBadInput_memberUpdateUnknownTeam(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	config := func(teams string) string {
		return env.providerConfig(t, "owner") + `
resource "sentry_member" "test" {
  email = "` + pfx + `-later@acme.example"
  ` + teams + `
}
`
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             env.checkDestroyed(t, "sentry_member", memberGone),
		Steps: []resource.TestStep{
			{Config: config("teams = []")},
			{
				Config: config(`teams = [{ team = "` + pfx + `-later-ghost" }]`),
				ExpectError: wrappedText(`Organization "` + env.org + `" has no team with the slug "` + pfx + `-later-ghost", which ` +
					`teams of ` + pfx + `-later@acme.example lists.`),
			},
		},
	})
}
