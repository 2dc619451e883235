package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// teamReads are the run's shared reads of teams and their members, which
// sentry_members (include_teams, through inventory.MemberTeams) and
// sentry_project_access both need:
// each organization's teams list and each team's member list is read at
// most once a run, however many data sources ask, concurrently or not.
type teamReads struct {
	teams   sharedReads[string, []sentry.Team]
	members sharedReads[teamKey, []sentry.Member]
}

type teamKey struct{ org, team string }

// teamMemberReadsAtOnce bounds how many team member lists one data source
// reads at the same time: enough to hide latency, few enough to stay far
// from Sentry's rate limits (the client paces and retries 429s anyway).
const teamMemberReadsAtOnce = 4

// listTeams is the organization's teams list, read once a run.
func (d *providerData) listTeams(ctx context.Context, client *sentry.Client, org string) ([]sentry.Team, error) {
	return d.teamReads.teams.get(ctx, org, func(ctx context.Context) ([]sentry.Team, error) {
		return client.ListTeams(ctx, org)
	})
}

// listTeamMembers is one team's member list (with stored team roles),
// read once a run; none for a team deleted since (inventory.TeamMembers).
func (d *providerData) listTeamMembers(ctx context.Context, client *sentry.Client, org, team string) ([]sentry.Member, error) {
	return d.teamReads.members.get(ctx, teamKey{org, team}, func(ctx context.Context) ([]sentry.Member, error) {
		return inventory.TeamMembers(ctx, client, org, team)
	})
}

// membersOfTeams reads the member lists of the teams (slugs), a few at a
// time, and returns them by team slug; done, if not nil, is called after
// each list, one call at a time. The first error stops the rest.
func (d *providerData) membersOfTeams(ctx context.Context, client *sentry.Client, org string, slugs []string, done func()) (map[string][]sentry.Member, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		out      = make(map[string][]sentry.Member, len(slugs))
		firstErr error
		wg       sync.WaitGroup
		slots    = make(chan struct{}, teamMemberReadsAtOnce)
	)
	for _, slug := range slugs {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			members, err := d.listTeamMembers(ctx, client, org, slug)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("listing the members of team %q: %w", slug, err)
					cancel()
				}
				return
			}
			out[slug] = members
			if done != nil {
				done()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// teamLists are the run's shared team reads as [inventory.MemberTeams]
// reads members' teams from them.
func (d *providerData) teamLists(client *sentry.Client) inventory.TeamLists {
	return sharedTeamLists{d: d, client: client}
}

type sharedTeamLists struct {
	d      *providerData
	client *sentry.Client
}

func (l sharedTeamLists) ListTeams(ctx context.Context, org string) ([]sentry.Team, error) {
	return l.d.listTeams(ctx, l.client, org)
}

func (l sharedTeamLists) MembersOfTeams(ctx context.Context, org string, slugs []string, done func()) (map[string][]sentry.Member, error) {
	return l.d.membersOfTeams(ctx, l.client, org, slugs, done)
}
