package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// accessSeed is an organization with every org role, members on several
// teams, team roles, a SCIM-managed team and a pending invitation.
const accessSeed = `{
  "teams": [{"slug": "backend"}, {"slug": "frontend"}, {"slug": "okta-sre", "scim": true}],
  "projects": [{"slug": "api", "teams": ["backend"]}, {"slug": "web", "teams": ["frontend"]},
               {"slug": "ops", "teams": ["okta-sre", "backend"]}],
  "members": [
    {"email": "amy@review.example", "role": "member", "teams": [{"team": "backend", "role": "admin"}]},
    {"email": "ben@review.example", "role": "member", "teams": [{"team": "backend"}, {"team": "frontend", "role": "contributor"}]},
    {"email": "cal@review.example", "role": "admin", "teams": [{"team": "frontend"}]},
    {"email": "dee@review.example", "role": "manager"},
    {"email": "eve@review.example", "role": "owner", "teams": [{"team": "frontend"}]},
    {"email": "gus@review.example", "role": "member", "teams": [{"team": "okta-sre"}]},
    {"email": "hal@review.example", "role": "member", "teams": [{"team": "frontend", "role": "admin"}]},
    {"email": "bil@review.example", "role": "billing"},
    {"email": "ivy@review.example", "role": "member", "pending": true, "teams": [{"team": "backend", "role": "admin"}]}
  ]}`

// accessTestEnv is the emulator with the seeded organization "review" and
// provider data holding its owner's token.
func accessTestEnv(t *testing.T) (*sentrysim.Server, *providerData, *sentry.Client) {
	t.Helper()
	sim := sentrysim.New(sentrysim.Options{Organization: "acme"})
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	tokens := sim.AddOrganization("review")
	if err := sim.SetFeature("review", "invite-billing", true); err != nil {
		t.Fatal(err)
	}
	if err := sim.LoadSeed("review", strings.NewReader(accessSeed)); err != nil {
		t.Fatal(err)
	}
	data := &providerData{organization: "review", baseURL: server.URL + "/api/", authToken: tokens.Owner, userAgent: "test"}
	client, err := data.client()
	if err != nil {
		t.Fatal(err)
	}
	return sim, data, client
}

// accessRow writes an access entry as "org_role reason effective teams".
func accessRow(e accessEntry) string {
	reason := e.GlobalReason
	if reason == "" {
		reason = "-"
	}
	teams := make([]string, 0, len(e.Teams))
	for _, t := range e.Teams {
		teams = append(teams, t.Team+"="+t.Role)
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s %s %s", e.OrgRole, reason, e.EffectiveRole, strings.Join(teams, ",")))
}

// TestProjectAccessRules: sentry_project_access follows Sentry's access
// rules (src/sentry/auth/access.py) for every org role, with open
// membership on and off, with and without team roles, for members on
// several teams, a SCIM-managed team and a pending invitation; the whole
// organization read and the one-project read agree; and each answer is
// checked against the emulator's own access check: every joined member
// reads each project with a token of their own, which succeeds exactly
// when the data source lists them.
func TestProjectAccessRules(t *testing.T) {
	sim, data, client := accessTestEnv(t)
	ctx := context.Background()

	// Rows without open membership, with team roles. Owners and managers
	// reach everything through their role; team admins are admins on the
	// project; billing, the invitation and member@ (no team) reach nothing.
	global := map[string]string{
		"owner@review.example":   "owner org_role admin",
		"manager@review.example": "manager org_role admin",
		"dee@review.example":     "manager org_role admin",
		"eve@review.example":     "owner org_role admin",
	}
	with := func(base map[string]string, more map[string]string) map[string]string {
		out := maps.Clone(base)
		maps.Copy(out, more)
		return out
	}
	closed := map[string]map[string]string{
		"api": with(global, map[string]string{
			"amy@review.example": "member - admin backend=admin",
			"ben@review.example": "member - contributor backend=contributor",
		}),
		"web": with(global, map[string]string{
			"ben@review.example": "member - contributor frontend=contributor",
			"cal@review.example": "admin - admin frontend=admin",
			"eve@review.example": "owner org_role admin frontend=admin",
			"hal@review.example": "member - admin frontend=admin",
		}),
		"ops": with(global, map[string]string{
			"amy@review.example": "member - admin backend=admin",
			"ben@review.example": "member - contributor backend=contributor",
			"gus@review.example": "member - contributor okta-sre=contributor",
		}),
	}
	// With open membership every joined member reaches every project;
	// team paths still set the role.
	openAll := map[string]string{
		"owner@review.example":   "owner org_role admin",
		"manager@review.example": "manager org_role admin",
		"dee@review.example":     "manager org_role admin",
		"eve@review.example":     "owner org_role admin",
		"member@review.example":  "member open_membership contributor",
		"amy@review.example":     "member open_membership contributor",
		"ben@review.example":     "member open_membership contributor",
		"cal@review.example":     "admin open_membership admin",
		"gus@review.example":     "member open_membership contributor",
		"hal@review.example":     "member open_membership contributor",
	}
	open := map[string]map[string]string{
		"api": with(openAll, map[string]string{
			"amy@review.example": "member open_membership admin backend=admin",
			"ben@review.example": "member open_membership contributor backend=contributor",
		}),
		"web": with(openAll, map[string]string{
			"ben@review.example": "member open_membership contributor frontend=contributor",
			"cal@review.example": "admin open_membership admin frontend=admin",
			"eve@review.example": "owner org_role admin frontend=admin",
			"hal@review.example": "member open_membership admin frontend=admin",
		}),
		"ops": with(openAll, map[string]string{
			"amy@review.example": "member open_membership admin backend=admin",
			"ben@review.example": "member open_membership contributor backend=contributor",
			"gus@review.example": "member open_membership contributor okta-sre=contributor",
		}),
	}
	// Without the team-roles feature a team role adds nothing: team
	// admins who are members are contributors.
	noTeamRoles := map[string]map[string]string{
		"api": with(closed["api"], map[string]string{"amy@review.example": "member - contributor backend=contributor"}),
		"web": with(closed["web"], map[string]string{"hal@review.example": "member - contributor frontend=contributor"}),
		"ops": with(closed["ops"], map[string]string{"amy@review.example": "member - contributor backend=contributor"}),
	}

	joined := []string{"owner@review.example", "manager@review.example", "member@review.example", "amy@review.example",
		"ben@review.example", "cal@review.example", "dee@review.example", "eve@review.example", "gus@review.example",
		"hal@review.example", "bil@review.example"}
	memberClients := make(map[string]*sentry.Client)
	for _, email := range joined {
		tok, err := sim.AddUserToken(email, "project:read", "org:read")
		if err != nil {
			t.Fatal(err)
		}
		c, err := sentry.NewClient(sentry.Config{BaseURL: data.baseURL, Token: tok, UserAgent: "test"})
		if err != nil {
			t.Fatal(err)
		}
		memberClients[email] = c
	}

	cases := []struct {
		name      string
		open      bool
		teamRoles bool
		want      map[string]map[string]string
	}{
		{"closed membership", false, true, closed},
		{"open membership", true, true, open},
		{"closed membership without team roles", false, false, noTeamRoles},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := sim.SetOrgSettings("review", sentrysim.OrgSettings{OpenMembership: &c.open}); err != nil {
				t.Fatal(err)
			}
			if err := sim.SetFeature("review", "team-roles", c.teamRoles); err != nil {
				t.Fatal(err)
			}
			// A fresh run each time: shared reads last one run.
			run := &providerData{organization: data.organization, baseURL: data.baseURL, authToken: data.authToken, userAgent: "test"}
			d := &projectAccessDataSource{}
			d.data = run
			got, err := d.read(ctx, client, "review", "")
			if err != nil {
				t.Fatal(err)
			}
			slugs := make([]string, 0, len(got))
			for _, p := range got {
				slugs = append(slugs, p.Slug)
				rows := make(map[string]string, len(p.Access))
				for _, e := range p.Access {
					rows[e.Email] = accessRow(e)
					if e.UserID == "" {
						t.Errorf("%s on %s: no user id", e.Email, p.Slug)
					}
				}
				if !maps.Equal(rows, c.want[p.Slug]) {
					t.Errorf("%s:\n got %v\nwant %v", p.Slug, rows, c.want[p.Slug])
				}
				emails := slices.Collect(maps.Keys(rows))
				if !slices.IsSortedFunc(p.Access, func(a, b accessEntry) int { return strings.Compare(a.Email, b.Email) }) {
					t.Errorf("%s: access not sorted by email: %v", p.Slug, emails)
				}
				// The emulator's own check, member by member.
				for _, email := range joined {
					_, err := memberClients[email].GetProject(ctx, "review", p.Slug)
					reaches := err == nil
					if err != nil && !sentry.IsForbidden(err) && !sentry.IsNotFound(err) {
						t.Fatalf("%s reading %s: %v", email, p.Slug, err)
					}
					if _, listed := rows[email]; listed != reaches {
						t.Errorf("%s on %s: listed %v, but Sentry's check says %v", email, p.Slug, listed, reaches)
					}
				}
				// One project reads the same.
				one, err := d.read(ctx, client, "review", p.Slug)
				if err != nil {
					t.Fatal(err)
				}
				if len(one) != 1 || !slices.EqualFunc(one[0].Access, p.Access, func(a, b accessEntry) bool {
					return accessRow(a) == accessRow(b) && a.Email == b.Email && a.UserID == b.UserID
				}) {
					t.Errorf("project = %q reads %v, the whole organization %v", p.Slug, one, p.Access)
				}
			}
			if !slices.Equal(slugs, []string{"api", "ops", "web"}) {
				t.Errorf("projects %v", slugs)
			}
		})
	}
}
