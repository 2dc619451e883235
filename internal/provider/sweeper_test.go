package provider

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// TestMain runs the sweepers when go test is given -sweep, and the tests
// otherwise:
//
//	go test ./internal/provider -v -sweep=<organization>
//
// The sweep "region" is the organization's slug (make sweep passes
// SENTRY_TEST_ORGANIZATION). The sweepers act as SENTRY_AUTH_TOKEN on
// SENTRY_BASE_URL, and remove only objects whose names start with
// testNamePrefix: what failed or interrupted acceptance runs left behind.
func TestMain(m *testing.M) {
	if err := useOpenTofuRegistryHost(); err != nil {
		log.Fatal(err)
	}
	resource.TestMain(m)
}

func init() {
	resource.AddTestSweepers("sentry_team_project", &resource.Sweeper{
		Name: "sentry_team_project",
		F:    sweepTeamProjects,
	})
	resource.AddTestSweepers("sentry_project", &resource.Sweeper{
		Name:         "sentry_project",
		Dependencies: []string{"sentry_team_project"},
		F:            sweepProjects,
	})
	resource.AddTestSweepers("sentry_scim_group", &resource.Sweeper{
		Name: "sentry_scim_group",
		F:    sweepSCIMGroups,
	})
	resource.AddTestSweepers("sentry_team", &resource.Sweeper{
		Name:         "sentry_team",
		Dependencies: []string{"sentry_team_project", "sentry_project", "sentry_scim_group"},
		F:            sweepTeams,
	})
	resource.AddTestSweepers("sentry_member", &resource.Sweeper{
		Name: "sentry_member",
		F:    sweepMembers,
	})
	resource.AddTestSweepers("sentry_api_token", &resource.Sweeper{
		Name: "sentry_api_token",
		F:    sweepAPITokens,
	})
}

// sweepTimeout bounds one sweeper.
const sweepTimeout = 5 * time.Minute

// hasTestPrefix reports whether name is one an acceptance test made.
func hasTestPrefix(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), testNamePrefix+"-")
}

// sweepClient is the API client the sweepers use, acting as the user of
// SENTRY_AUTH_TOKEN, or with token when it is not empty.
func sweepClient(token string) (*sentry.Client, error) {
	if token == "" {
		token = os.Getenv(envAuthToken)
	}
	if token == "" {
		return nil, fmt.Errorf("sweepers need %s: an owner's user auth token of the test organization", envAuthToken)
	}
	return sentry.NewClient(sentry.Config{
		BaseURL:   stringOrEnvValue(os.Getenv(envBaseURL), defaultBaseURL),
		Token:     token,
		UserAgent: "terraform-provider-sentry-sweeper",
	})
}

func sweepContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), sweepTimeout)
}

// sweepTeamProjects removes every link of a test team to a project.
func sweepTeamProjects(org string) error {
	c, err := sweepClient("")
	if err != nil {
		return err
	}
	ctx, cancel := sweepContext()
	defer cancel()
	var errs []error
	for p, err := range c.Projects(ctx, org, "") {
		if err != nil {
			return err
		}
		for _, team := range p.Teams {
			if !hasTestPrefix(team.Slug) {
				continue
			}
			log.Printf("[INFO] sweeping the link of team %s to project %s", team.Slug, p.Slug)
			if _, err := c.RemoveProjectTeam(ctx, org, p.Slug, team.Slug); err != nil && !sentry.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("unlinking team %s from project %s: %w", team.Slug, p.Slug, err))
			}
		}
	}
	return errors.Join(errs...)
}

// sweepProjects removes the projects tests made to link teams to.
func sweepProjects(org string) error {
	c, err := sweepClient("")
	if err != nil {
		return err
	}
	ctx, cancel := sweepContext()
	defer cancel()
	var projects []sentry.Project
	for p, err := range c.Projects(ctx, org, "") {
		if err != nil {
			return err
		}
		projects = append(projects, p)
	}
	return sweepObjects("project", projects, func(p sentry.Project) string { return p.Slug },
		func(p sentry.Project) error { return c.DeleteProject(ctx, org, p.Slug) })
}

// sweepSCIMGroups removes test SCIM groups: teams the identity provider
// made. Without SENTRY_SCIM_TOKEN there are none the tests could have made,
// and it does nothing.
func sweepSCIMGroups(org string) error {
	token := os.Getenv(envSCIMToken)
	if token == "" {
		log.Printf("[INFO] %s is not set: no SCIM groups to sweep", envSCIMToken)
		return nil
	}
	c, err := sweepClient(token)
	if err != nil {
		return err
	}
	ctx, cancel := sweepContext()
	defer cancel()
	groups, err := c.ListSCIMGroups(ctx, org, "")
	if err != nil {
		return err
	}
	// Sentry's SCIM API lists every team as a group; the ones the identity
	// provider made are its groups, and sweepTeams removes the others.
	owner, err := sweepClient("")
	if err != nil {
		return err
	}
	teams, err := owner.ListTeams(ctx, org)
	if err != nil {
		return err
	}
	provisioned := make(map[string]bool, len(teams))
	for _, team := range teams {
		provisioned[team.ID] = team.IDPProvisioned()
	}
	groups = slices.DeleteFunc(groups, func(g sentry.SCIMGroup) bool { return !provisioned[g.ID] })
	return sweepObjects("SCIM group", groups, func(g sentry.SCIMGroup) string { return g.DisplayName },
		func(g sentry.SCIMGroup) error { return c.DeleteSCIMGroup(ctx, org, g.ID) })
}

// sweepTeams removes test teams. Teams the identity provider manages are
// SCIM groups, left to sweepSCIMGroups.
func sweepTeams(org string) error {
	c, err := sweepClient("")
	if err != nil {
		return err
	}
	ctx, cancel := sweepContext()
	defer cancel()
	teams, err := c.ListTeams(ctx, org)
	if err != nil {
		return err
	}
	teams = slices.DeleteFunc(teams, func(team sentry.Team) bool {
		if team.IDPProvisioned() && hasTestPrefix(team.Slug) {
			log.Printf("[WARN] team %s is a SCIM group: set %s to sweep it", team.Slug, envSCIMToken)
		}
		return team.IDPProvisioned()
	})
	return sweepObjects("team", teams, func(t sentry.Team) string { return t.Slug },
		func(t sentry.Team) error { return c.DeleteTeam(ctx, org, t.ID) })
}

// sweepMembers removes test members and invitations, by the email's local
// part. Members provisioned through SCIM are removed through SCIM when
// SENTRY_SCIM_TOKEN is set.
func sweepMembers(org string) error {
	c, err := sweepClient("")
	if err != nil {
		return err
	}
	var scim *sentry.Client
	if token := os.Getenv(envSCIMToken); token != "" {
		if scim, err = sweepClient(token); err != nil {
			return err
		}
	}
	ctx, cancel := sweepContext()
	defer cancel()
	members, err := c.ListMembers(ctx, org, "")
	if err != nil {
		return err
	}
	return sweepObjects("member", members, func(m sentry.Member) string { return m.Email },
		func(m sentry.Member) error {
			err := c.DeleteMember(ctx, org, m.ID)
			if err != nil && scim != nil && !sentry.IsNotFound(err) {
				err = scim.DeleteSCIMUser(ctx, org, m.ID)
			}
			return err
		})
}

// sweepAPITokens revokes test organization auth tokens, by name.
func sweepAPITokens(org string) error {
	c, err := sweepClient("")
	if err != nil {
		return err
	}
	ctx, cancel := sweepContext()
	defer cancel()
	tokens, err := c.ListOrgAuthTokens(ctx, org)
	if sentry.IsSessionOnly(err) {
		log.Printf("[WARN] not sweeping organization auth tokens: Sentry lets only a signed-in browser session list " +
			"and revoke them (sentry.io since 2025-09, self-hosted from 25.10), so no test could have made one with " +
			"an auth token; revoke any tf-acc-* token left from older runs under Settings, Auth Tokens")
		return nil
	}
	if err != nil {
		return err
	}
	return sweepObjects("organization auth token", tokens, func(t sentry.OrgAuthToken) string { return t.Name },
		func(t sentry.OrgAuthToken) error { return c.DeleteOrgAuthToken(ctx, org, t.ID) })
}

// sweepObjects removes the objects whose name carries the test prefix,
// going on past failures, and returns every failure. An object already
// gone is no failure.
func sweepObjects[T any](what string, objects []T, name func(T) string, remove func(T) error) error {
	var errs []error
	for _, o := range objects {
		n := name(o)
		if !hasTestPrefix(n) {
			continue
		}
		log.Printf("[INFO] sweeping %s %q", what, n)
		if err := remove(o); err != nil && !sentry.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting %s %q: %w", what, n, err))
		}
	}
	return errors.Join(errs...)
}
