package sentry_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// Against an emulator that fails a fifth of the requests with 500/502/503
// and drops a fifth of the changes' connections (half before the change,
// half after), creating teams the way the resources do converges: a create
// whose outcome is unknown is followed by a lookup, one that failed with a
// known outcome made nothing, and no team is made twice.
func TestCreateConvergesUnderFaultsAgainstEmulator(t *testing.T) {
	t.Parallel()
	sim := sentrysim.New(sentrysim.Options{LegacyOrgTokens: true, Config: sentrysim.Config{FaultRate: 0.2, DropRate: 0.1, DropAfterRate: 0.1, Seed: 11}})
	c := simClient(t, sim, sim.Tokens().Owner, 5*time.Millisecond)
	ctx := context.Background()

	const teams = 40
	var unknown, known int
	for i := range teams {
		slug := fmt.Sprintf("team-%02d", i)
		for try := 0; ; try++ {
			if try == 20 {
				t.Fatalf("%s: no outcome after 20 tries", slug)
			}
			team, err := c.CreateTeam(ctx, "acme", sentry.CreateTeamRequest{Slug: slug})
			if err == nil {
				if team.ID == "" || team.Slug != slug {
					t.Fatalf("%s: created %+v", slug, team)
				}
				break
			}
			if sentry.IsConflict(err) && try > 0 {
				// An earlier uncertain create made it.
				break
			}
			if sentry.IsOutcomeUnknown(err) {
				unknown++
				found, getErr := c.GetTeam(ctx, "acme", slug)
				if getErr == nil && found.ID != "" {
					break
				}
				if getErr != nil && !sentry.IsNotFound(getErr) {
					t.Fatalf("%s: lookup after %v: %v", slug, err, getErr)
				}
				continue
			}
			// A known outcome: nothing may have been made.
			known++
			if _, getErr := c.GetTeam(ctx, "acme", slug); !sentry.IsNotFound(getErr) {
				t.Fatalf("%s: %v was classified as known, but the team exists (lookup: %v)", slug, err, getErr)
			}
		}
	}

	list, err := c.ListTeams(ctx, "acme")
	if err != nil {
		t.Fatalf("ListTeams: %v", err)
	}
	seen := make(map[string]int)
	for _, team := range list {
		seen[team.Slug]++
	}
	for i := range teams {
		if slug := fmt.Sprintf("team-%02d", i); seen[slug] != 1 {
			t.Errorf("%s appears %d times", slug, seen[slug])
		}
	}
	if unknown == 0 {
		t.Error("no create had an unknown outcome; the faults did not reach the creates")
	}
	t.Logf("%d creates with an unknown outcome, %d with a known failure; %d POSTs in all",
		unknown, known, sim.Stats().Count(http.MethodPost, "/organizations/{org}/teams/"))
}
