package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// mix is how many objects of each type a measured organization has: per
// 1,000 objects, 100 teams, 100 team-project links, 700 members with a team
// role each, 50 organization auth tokens and 50 SCIM groups.
type mix struct {
	teams, links, members, tokens, groups int
}

func mixFor(n int) mix {
	m := mix{teams: max(n/10, 1), links: max(n/10, 1), tokens: max(n/20, 1), groups: max(n/20, 1)}
	m.members = max(n-m.teams-m.links-m.tokens-m.groups, 1)
	return m
}

// header names the provider's source; dev_overrides in the CLI
// configuration points it at the build under test, so no init is needed.
const header = `terraform {
  required_providers {
    sentry = {
      source = "sentryrbac/sentry"
    }
  }
}

provider "sentry" {}
`

// ownerTeam owns the projects the links give the configuration's teams.
const ownerTeam = "bench-owners"

// setup makes what the configuration refers to but does not manage: the
// projects, owned by a team of their own.
func (m mix) setup(sim *sentrysim.Server) error {
	if err := sim.LoadSeed(sim.Organization(), strings.NewReader(fmt.Sprintf(`{"teams": [{"slug": %q, "name": %q}]}`, ownerTeam, ownerTeam))); err != nil {
		return err
	}
	for i := range m.links {
		if err := sim.AddProject(sim.Organization(), ownerTeam, fmt.Sprintf("bench-project-%d", i)); err != nil {
			return err
		}
	}
	return nil
}

// config is the Terraform configuration of the mix.
func (m mix) config() string {
	return header + fmt.Sprintf(`
resource "sentry_team" "t" {
  count = %[1]d
  slug  = "bench-team-${count.index}"
  name  = "Bench team ${count.index}"
}

resource "sentry_team_project" "l" {
  count   = %[2]d
  project = "bench-project-${count.index}"
  team    = sentry_team.t[count.index %% %[1]d].slug
}

resource "sentry_member" "m" {
  count = %[3]d
  email = "bench-${count.index}@example.com"
  teams = [{
    team = sentry_team.t[count.index %% %[1]d].slug
    role = count.index %% 2 == 0 ? "admin" : "contributor"
  }]
}

resource "sentry_api_token" "k" {
  count = %[4]d
  name  = "bench-token-${count.index}"
}

resource "sentry_scim_group" "g" {
  count        = %[5]d
  display_name = "Bench group ${count.index}"
}
`, m.teams, m.links, m.members, m.tokens, m.groups)
}

// inviteResult is the apply of invitations under sentry.io's rate limits.
type inviteResult struct {
	limit  int
	failed int
	used   float64
	wall   time.Duration
}

// measureInvites applies n invitations against the emulator's sentry.io
// rate limits and reports how much of the members endpoint's limit the
// apply used.
func (b *bench) measureInvites(ctx context.Context, n int) (inviteResult, error) {
	r := inviteResult{limit: sentrysim.DefaultRateLimit}
	e, err := startEmulator(sentrysim.Options{Organization: "acme", LegacyOrgTokens: true, Config: sentrysim.Config{RateLimit: sentrysim.RateLimitSaaS}})
	if err != nil {
		return r, err
	}
	defer e.close()
	config := header + fmt.Sprintf("\nresource \"sentry_member\" \"m\" {\n  count = %d\n  email = \"invite-${count.index}@example.com\"\n}\n", n)
	dir, err := b.workDir("invites", config)
	if err != nil {
		return r, err
	}
	r.wall, err = b.terraform(ctx, e, dir, "apply", "-auto-approve", "-input=false", "-parallelism=10")
	if err != nil {
		return r, err
	}
	if _, _, err := b.takeUsage(); err != nil {
		return r, err
	}
	client, err := sentry.NewClient(sentry.Config{BaseURL: e.baseURL, Token: e.sim.Tokens().Owner})
	if err != nil {
		return r, err
	}
	members, err := client.ListMembers(ctx, e.sim.Organization(), "")
	if err != nil {
		return r, err
	}
	invited := 0
	for _, m := range members {
		if strings.HasPrefix(m.Email, "invite-") {
			invited++
		}
	}
	r.failed = n - invited
	r.used = float64(invited) / r.wall.Seconds() / float64(r.limit)
	return r, nil
}
