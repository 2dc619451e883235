package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestAccOrganizationPlannedFromProvider reads Terraform's own plan output:
// a resource that leaves organization out plans the provider's, never
// "(known after apply)", whether the provider block or SENTRY_ORG names it,
// and a change of the provider's organization plans a replacement.
func TestAccOrganizationPlannedFromProvider(t *testing.T) {
	for _, from := range []string{"provider block", "SENTRY_ORG"} {
		t.Run(from, func(t *testing.T) {
			env := newAccEnv(t)
			pfx := randomName()
			resources := []string{
				res("sentry_team", "t", hclAttr("slug", pfx), hclAttr("name", pfx)),
				res("sentry_member", "m", hclAttr("email", randomEmail()), "send_invite = false"),
				res("sentry_team_project", "p", "team = sentry_team.t.slug", hclAttr("project", pfx)),
			}
			if env.sim != nil {
				// Tokens are managed through the API only on releases
				// before 25.10.
				env.sim.SetLegacyOrgTokens(true)
				resources = append(resources, res("sentry_api_token", "k", hclAttr("name", pfx)))
				env.createTeams(t, pfx+"-owner")
				if err := env.sim.AddProject(env.org, pfx+"-owner", pfx); err != nil {
					t.Fatal(err)
				}
			} else {
				t.Skip("the test creates a project, which needs the emulator's controls")
			}
			orgAttr := hclAttr("organization", env.org)
			if from == "SENTRY_ORG" {
				t.Setenv(envOrganization, env.org)
				orgAttr = ""
			}
			config := func(org string) string {
				return env.provider(t, "owner", org) + "\n" + strings.Join(resources, "\n\n") + "\n"
			}
			tf := newTFRunner(t, config(orgAttr))
			changes, out, err := tf.plan()
			if err != nil || !changes {
				t.Fatalf("terraform plan: changes %v, %v\n%s", changes, err, out)
			}
			if regexp.MustCompile(`organization\s+= \(known after apply\)`).MatchString(out) {
				t.Errorf("organization plans as unknown:\n%s", out)
			}
			planned := regexp.MustCompile(`\+ organization\s+= "`+regexp.QuoteMeta(env.org)+`"`).FindAllString(out, -1)
			if len(planned) != len(resources) {
				t.Errorf("%d of %d resources plan organization = %q:\n%s", len(planned), len(resources), env.org, out)
			}

			t.Cleanup(func() {
				tf.writeConfig(config(orgAttr))
				if out, err := tf.destroy(); err != nil {
					t.Errorf("terraform destroy: %v\n%s", err, out)
				}
			})
			if out, err := tf.apply(); err != nil {
				t.Fatalf("terraform apply: %v\n%s", err, out)
			}
			if changes, out, err := tf.plan(); err != nil || changes {
				t.Fatalf("second plan: changes %v, %v\n%s", changes, err, out)
			}

			// Another organization in the provider moves nothing: Sentry
			// objects cannot change organization, so each is replaced.
			other := "org-" + strings.TrimPrefix(pfx, testNamePrefix+"-")
			env.sim.AddOrganization(other)
			if from == "SENTRY_ORG" {
				t.Setenv(envOrganization, other)
			} else {
				tf.writeConfig(config(hclAttr("organization", other)))
			}
			_, out, _ = tf.plan()
			forced := regexp.MustCompile(fmt.Sprintf(`~ organization\s+= "%s" -> "%s" # forces replacement`,
				regexp.QuoteMeta(env.org), regexp.QuoteMeta(other))).FindAllString(out, -1)
			if len(forced) != len(resources) {
				t.Errorf("%d of %d resources plan a replacement for the new organization:\n%s", len(forced), len(resources), out)
			}
		})
	}
}
