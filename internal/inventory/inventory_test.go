package inventory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// org is an emulated organization with an owner's client and a SCIM
// client.
type org struct {
	sim         *sentrysim.Server
	slug        string
	owner, scim *sentry.Client
}

func newOrg(t *testing.T) *org {
	t.Helper()
	sim := sentrysim.New(sentrysim.Options{LegacyOrgTokens: true})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	clientFor := func(token string) *sentry.Client {
		c, err := sentry.NewClient(sentry.Config{BaseURL: srv.URL, Token: token, MaxRetries: -1})
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		return c
	}
	return &org{sim: sim, slug: sim.Organization(), owner: clientFor(sim.Tokens().Owner), scim: clientFor(sim.SCIMToken(sim.Organization()))}
}

type seedTeam struct {
	Slug string `json:"slug"`
	Name string `json:"name,omitempty"`
}

type seedProject struct {
	Slug  string   `json:"slug"`
	Teams []string `json:"teams"`
}

type seedMemberTeam struct {
	Team string `json:"team"`
	Role string `json:"role"`
}

type seedMember struct {
	Email string           `json:"email"`
	Role  string           `json:"role"`
	Teams []seedMemberTeam `json:"teams"`
}

type seed struct {
	Teams    []seedTeam    `json:"teams"`
	Projects []seedProject `json:"projects"`
	Members  []seedMember  `json:"members"`
}

func (o *org) load(t *testing.T, s seed) {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.sim.LoadSeed(o.slug, bytes.NewReader(b)); err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
}

func all[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatalf("listing: %v", err)
		}
		out = append(out, v)
	}
	return out
}

func ptr(s string) *string { return &s }

func role(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func TestTeamRoleAsRead(t *testing.T) {
	cases := []struct {
		stored  *string
		orgRole string
		want    string
	}{
		{nil, "member", "contributor"},
		{ptr("contributor"), "member", "contributor"},
		{ptr("admin"), "member", "admin"},
		{nil, "billing", "contributor"},
		{nil, "admin", "<null>"},
		{ptr("admin"), "manager", "<null>"},
		{nil, "owner", "<null>"},
		{ptr("contributor"), "owner", "<null>"},
	}
	for _, c := range cases {
		if got := role(inventory.TeamRoleAsRead(c.stored, c.orgRole)); got != c.want {
			t.Errorf("TeamRoleAsRead(%s, %s) = %s, want %s", role(c.stored), c.orgRole, got, c.want)
		}
	}
}

func TestTeamsLeaveOutSCIMAndFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t)
	pfx := acctest.RandomWithPrefix("tf-acc")
	slug := func(i int) string { return fmt.Sprintf("%s-team-%03d", pfx, i) }
	var s seed
	for i := range 150 {
		s.Teams = append(s.Teams, seedTeam{Slug: slug(i), Name: fmt.Sprintf("%s Team %d", pfx, i)})
	}
	o.load(t, s)
	g, err := o.scim.CreateSCIMGroup(ctx, o.slug, pfx+" Okta Group")
	if err != nil {
		t.Fatal(err)
	}
	o.sim.ResetStats()

	teams := all(t, inventory.Teams(ctx, o.owner, o.slug, inventory.TeamOptions{}))
	if len(teams) != 150 {
		t.Fatalf("%d teams, want 150", len(teams))
	}
	for _, tm := range teams {
		if tm.ID == g.ID || tm.Slug == pfx+"-okta-group" {
			t.Fatalf("the SCIM team is listed as a team: %+v", tm)
		}
	}
	if got := teams[0]; got.Slug != slug(0) || got.Name != pfx+" Team 0" || got.ID == "" {
		t.Errorf("first team %+v", got)
	}
	// 151 teams: two pages.
	if n := o.sim.Stats().Count("GET", "/organizations/{org}/teams/"); n != 2 {
		t.Errorf("%d team list requests, want 2", n)
	}

	o.sim.ResetStats()
	got := all(t, inventory.Teams(ctx, o.owner, o.slug, inventory.TeamOptions{Query: "slug:" + slug(7) + " slug:" + slug(120)}))
	if len(got) != 2 || got[0].Slug != slug(7) || got[1].Slug != slug(120) {
		t.Errorf("filtered teams %+v", got)
	}
	if n := o.sim.Stats().Total(); n != 1 {
		t.Errorf("%d requests for a filtered list, want 1", n)
	}

	// A limit stops the requests too.
	o.sim.ResetStats()
	var steps []inventory.Progress
	got = all(t, inventory.Teams(ctx, o.owner, o.slug, inventory.TeamOptions{Options: inventory.Options{
		Limit: 3, Progress: func(p inventory.Progress) { steps = append(steps, p) },
	}}))
	if len(got) != 3 {
		t.Errorf("%d teams with limit 3", len(got))
	}
	if n := o.sim.Stats().Total(); n != 1 {
		t.Errorf("%d requests with limit 3, want 1", n)
	}
	if len(steps) != 3 || steps[2].String() != "sentry_team: teams 3" {
		t.Errorf("progress %v", steps)
	}
}

func TestSCIMGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t)
	pfx := acctest.RandomWithPrefix("tf-acc")
	o.load(t, seed{Teams: []seedTeam{{Slug: pfx + "-plain"}}})
	g, err := o.scim.CreateSCIMGroup(ctx, o.slug, pfx+" Platform Eng")
	if err != nil {
		t.Fatal(err)
	}
	u, err := o.scim.CreateSCIMUser(ctx, o.slug, pfx+"-ann@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := o.scim.PatchSCIMGroup(ctx, o.slug, g.ID, sentry.SCIMGroupMembershipOps(nil, []string{u.ID})); err != nil {
		t.Fatal(err)
	}

	groups := all(t, inventory.SCIMGroups(ctx, o.owner, o.scim, o.slug, inventory.Options{}))
	// The team's slug is the display name slugified.
	want := []inventory.SCIMGroup{{ID: g.ID, DisplayName: pfx + " Platform Eng", TeamSlug: pfx + "-platform-eng", MemberIDs: []string{u.ID}}}
	if len(groups) != 1 || groups[0].ID != want[0].ID || groups[0].DisplayName != want[0].DisplayName ||
		groups[0].TeamSlug != want[0].TeamSlug || !slices.Equal(groups[0].MemberIDs, want[0].MemberIDs) {
		t.Errorf("groups %+v, want %+v", groups, want)
	}

	// No SCIM token: skipped with a reason, not failed.
	for _, err := range inventory.SCIMGroups(ctx, o.owner, nil, o.slug, inventory.Options{}) {
		s, ok := inventory.IsSkipped(err)
		if !ok || s.Type != inventory.TypeSCIMGroup || s.Reason == "" {
			t.Errorf("without a SCIM token: %v", err)
		}
	}

	// SCIM off: Sentry answers 403, which is a skip too.
	if err := o.sim.SetFeature(o.slug, "sso-scim", false); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range inventory.SCIMGroups(ctx, o.owner, o.scim, o.slug, inventory.Options{}) {
		n++
		if s, ok := inventory.IsSkipped(err); !ok || !sentry.IsForbidden(s) {
			t.Errorf("with SCIM off: %v", err)
		}
	}
	if n != 1 {
		t.Errorf("%d results with SCIM off, want one skip", n)
	}
}

func TestMembersNormalizedWithTeams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t)
	pfx := acctest.RandomWithPrefix("tf-acc")
	backend, frontend, ops := pfx+"-backend", pfx+"-frontend", pfx+"-ops"
	contrib, boss, loner, scimmed := pfx+"-contrib@example.com", pfx+"-boss@example.com", pfx+"-loner@example.com", pfx+"-scimmed@example.com"
	// mixed keeps its mixed case: Sentry keeps an invitation's case.
	mixed, late := pfx+"-Mixed.Case@Example.com", pfx+"-late@example.com"
	s := seed{Teams: []seedTeam{{Slug: backend}, {Slug: frontend}, {Slug: ops}}}
	s.Members = []seedMember{
		{Email: contrib, Role: "member", Teams: []seedMemberTeam{{backend, ""}, {ops, "admin"}}},
		{Email: boss, Role: "manager", Teams: []seedMemberTeam{{frontend, ""}}},
		{Email: loner, Role: "member"},
		{Email: scimmed, Role: "member", Teams: []seedMemberTeam{{backend, "admin"}}},
	}
	for i := range 230 {
		s.Members = append(s.Members, seedMember{Email: fmt.Sprintf("%s-bulk%03d@example.com", pfx, i), Role: "member",
			Teams: []seedMemberTeam{{backend, ""}}})
	}
	o.load(t, s)

	// A pending invitation with Sentry's case kept, and an expired one.
	no := false
	if _, err := o.owner.InviteMember(ctx, o.slug, sentry.InviteMemberRequest{Email: mixed, OrgRole: "member",
		SendInvite: &no, TeamRoles: []sentry.MemberTeamRole{{TeamSlug: ops}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.owner.InviteMember(ctx, o.slug, sentry.InviteMemberRequest{Email: late, OrgRole: "member", SendInvite: &no}); err != nil {
		t.Fatal(err)
	}
	if err := o.sim.ExpireInvite(o.slug, late); err != nil {
		t.Fatal(err)
	}
	// A SCIM group with one member: that member's teams are left out.
	g, err := o.scim.CreateSCIMGroup(ctx, o.slug, pfx+" Okta")
	if err != nil {
		t.Fatal(err)
	}
	byEmail := map[string]inventory.Member{}
	for _, m := range all(t, inventory.Members(ctx, o.owner, o.slug, inventory.MemberOptions{})) {
		byEmail[m.Email] = m
	}
	if err := o.scim.PatchSCIMGroup(ctx, o.slug, g.ID, sentry.SCIMGroupMembershipOps(nil, []string{byEmail[scimmed].ID})); err != nil {
		t.Fatal(err)
	}

	o.sim.ResetStats()
	var steps []inventory.Progress
	members := all(t, inventory.Members(ctx, o.owner, o.slug, inventory.MemberOptions{Teams: true,
		Options: inventory.Options{Progress: func(p inventory.Progress) { steps = append(steps, p) }}}))
	// 3 seeded by the emulator, 234 loaded, 2 invited.
	if len(members) != 239 {
		t.Fatalf("%d members, want 239", len(members))
	}
	byEmail = map[string]inventory.Member{}
	for _, m := range members {
		byEmail[m.Email] = m
	}
	teams := func(email string) string {
		m, ok := byEmail[email]
		if !ok {
			t.Fatalf("%s not listed", email)
		}
		if m.Teams == nil {
			return "nil"
		}
		out := ""
		for _, mt := range m.Teams {
			out += mt.Team + "=" + role(mt.Role) + " "
		}
		return out
	}
	for email, want := range map[string]string{
		contrib: backend + "=contributor " + ops + "=admin ",
		boss:    frontend + "=<null> ",
		loner:   "",
		scimmed: "nil",
		mixed:   ops + "=contributor ",
		late:    "",
	} {
		if got := teams(email); got != want {
			t.Errorf("teams of %s = %q, want %q", email, got, want)
		}
	}
	if m := byEmail[mixed]; !m.Pending || m.Expired || m.Role != "member" {
		t.Errorf("pending invitation %+v", m)
	}
	if m := byEmail[late]; !m.Pending || !m.Expired {
		t.Errorf("expired invitation %+v", m)
	}
	if m := byEmail[boss]; m.Role != "manager" || m.Pending || m.ID == "" {
		t.Errorf("manager %+v", m)
	}

	// Requests: the members list a page per 100 (239: 3), the teams list
	// (4 teams: 1), and one team-members list per team plus one per
	// further 100 members of a team (backend has 232: 3 pages).
	st := o.sim.Stats()
	for pattern, want := range map[string]int64{
		"/organizations/{org}/members/":          3,
		"/organizations/{org}/teams/":            1,
		"/teams/{org}/{team}/members/":           3 + 1 + 1 + 1,
		"/organizations/{org}/members/{member}/": 0,
	} {
		if n := st.Count("GET", pattern); n != want {
			t.Errorf("GET %s: %d requests, want %d", pattern, n, want)
		}
	}
	if n := st.Total(); n != 3+1+6 {
		t.Errorf("%d requests in all, want 10: %v", n, st.Requests)
	}
	if last := steps[len(steps)-1]; last.Type != inventory.TypeMember || last.Step != "members" || last.Done != 239 {
		t.Errorf("last progress %+v", last)
	}
	if !slices.ContainsFunc(steps, func(p inventory.Progress) bool { return p.Step == "team members" && p.Done == 4 && p.Total == 4 }) {
		t.Errorf("no team members progress in %v", steps[:3])
	}

	// Each listed member's teams are what the member's own read says.
	for _, m := range members {
		got, err := o.owner.GetMember(ctx, o.slug, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Teams == nil {
			continue
		}
		read := map[string]string{}
		for _, tr := range got.TeamRoles {
			read[tr.TeamSlug] = role(inventory.TeamRoleAsRead(tr.Role, got.OrgRole))
		}
		listed := map[string]string{}
		for _, mt := range m.Teams {
			listed[mt.Team] = role(mt.Role)
		}
		if fmt.Sprint(read) != fmt.Sprint(listed) {
			t.Errorf("%s: teams listed %v, read %v", m.Email, listed, read)
		}
	}

	// Without teams, one request per 100 members and nothing else.
	o.sim.ResetStats()
	for _, m := range all(t, inventory.Members(ctx, o.owner, o.slug, inventory.MemberOptions{})) {
		if m.Teams != nil {
			t.Fatalf("teams listed without Teams: %+v", m)
		}
	}
	if n := o.sim.Stats().Total(); n != 3 {
		t.Errorf("%d requests without teams, want 3", n)
	}

	// Filters go to Sentry.
	o.sim.ResetStats()
	got := all(t, inventory.Members(ctx, o.owner, o.slug, inventory.MemberOptions{Role: "manager"}))
	if len(got) != 2 { // the emulator's manager and boss
		t.Errorf("managers %+v", got)
	}
	got = all(t, inventory.Members(ctx, o.owner, o.slug, inventory.MemberOptions{Query: "email:" + contrib}))
	if len(got) != 1 || got[0].Email != contrib {
		t.Errorf("by email %+v", got)
	}
	got = all(t, inventory.Members(ctx, o.owner, o.slug, inventory.MemberOptions{Role: "member", Query: "isInvited:true"}))
	if len(got) != 2 {
		t.Errorf("pending members %+v", got)
	}
	if n := o.sim.Stats().Total(); n != 3 {
		t.Errorf("%d requests for three filtered lists, want 3", n)
	}
}

func TestTeamProjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t)
	pfx := acctest.RandomWithPrefix("tf-acc")
	a, b := pfx+"-a", pfx+"-b"
	project := func(i int) string { return fmt.Sprintf("%s-proj-%03d", pfx, i) }
	s := seed{Teams: []seedTeam{{Slug: a}, {Slug: b}}}
	for i := range 120 {
		teams := []string{a}
		if i%2 == 0 {
			teams = []string{b, a}
		}
		s.Projects = append(s.Projects, seedProject{Slug: project(i), Teams: teams})
	}
	s.Projects = append(s.Projects, seedProject{Slug: pfx + "-orphan"})
	o.load(t, s)

	o.sim.ResetStats()
	links := all(t, inventory.TeamProjects(ctx, o.owner, o.slug, inventory.TeamProjectOptions{}))
	if len(links) != 180 {
		t.Fatalf("%d links, want 180", len(links))
	}
	if links[0] != (inventory.TeamProject{Project: project(0), Team: a}) || links[1] != (inventory.TeamProject{Project: project(0), Team: b}) {
		t.Errorf("first links %+v", links[:2])
	}
	if n := o.sim.Stats().Count("GET", "/organizations/{org}/projects/"); n != 2 {
		t.Errorf("%d project list requests for 121 projects, want 2", n)
	}
	if n := o.sim.Stats().Total(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}

	byTeam := all(t, inventory.TeamProjects(ctx, o.owner, o.slug, inventory.TeamProjectOptions{Team: b}))
	if len(byTeam) != 60 || slices.ContainsFunc(byTeam, func(l inventory.TeamProject) bool { return l.Team != b }) {
		t.Errorf("%d links of team b", len(byTeam))
	}
	byProject := all(t, inventory.TeamProjects(ctx, o.owner, o.slug, inventory.TeamProjectOptions{Project: project(2)}))
	if len(byProject) != 2 || byProject[0].Project != project(2) {
		t.Errorf("links of proj-002 %+v", byProject)
	}
	limited := all(t, inventory.TeamProjects(ctx, o.owner, o.slug, inventory.TeamProjectOptions{Options: inventory.Options{Limit: 3}}))
	if len(limited) != 3 {
		t.Errorf("%d links with limit 3", len(limited))
	}
}

func TestOrgAuthTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t)
	// Releases before 25.10 list tokens for a bearer token.
	o.sim.SetLegacyOrgTokens(true)
	pfx := acctest.RandomWithPrefix("tf-acc")
	var ids []string
	for _, name := range []string{pfx + "-ci", pfx + "-deploy", pfx + "-sourcemaps"} {
		tok, err := o.owner.CreateOrgAuthToken(ctx, o.slug, name)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tok.ID)
	}
	o.sim.ResetStats()
	tokens := all(t, inventory.OrgAuthTokens(ctx, o.owner, o.slug, inventory.Options{}))
	if len(tokens) != 3 || tokens[0].ID != ids[0] || tokens[0].Name != pfx+"-ci" || tokens[2].Name != pfx+"-sourcemaps" || tokens[0].Raw.Token != "" {
		t.Errorf("tokens %+v", tokens)
	}
	if n := o.sim.Stats().Total(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestOrgAuthTokensSessionOnly lists tokens from today's Sentry, where only
// a browser session may: one skip that says why, and no other result.
func TestOrgAuthTokensSessionOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t)
	o.sim.SetLegacyOrgTokens(false)
	if _, err := o.sim.CreateOrgToken(o.slug, "owner@"+o.slug+".example", acctest.RandomWithPrefix("tf-acc")+"-ci"); err != nil {
		t.Fatal(err)
	}
	o.sim.ResetStats()
	n := 0
	for tok, err := range inventory.OrgAuthTokens(ctx, o.owner, o.slug, inventory.Options{}) {
		n++
		s, ok := inventory.IsSkipped(err)
		if !ok || s.Type != inventory.TypeOrgAuthToken || !sentry.IsSessionOnly(s) || tok.ID != "" {
			t.Fatalf("result %d: %+v, %v; want a skip", n, tok, err)
		}
		for _, says := range []string{"2025-09", "25.10", "browser session", "Organization Tokens", "sentry_api_tokens", o.slug} {
			if !strings.Contains(s.Reason, says) {
				t.Errorf("the reason does not say %q: %s", says, s.Reason)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d results, want one skip", n)
	}
	if n := o.sim.Stats().Total(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestMemberTeamsTeamDeletedMeanwhile reads members' teams while a team is
// deleted between the teams list and its member list, as happens in an
// organization people work in: the deleted team has no members, the others
// are read, and nothing fails.
func TestMemberTeamsTeamDeletedMeanwhile(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	kept, gone := "tf-acc-kept", "tf-acc-gone"
	for _, slug := range []string{kept, gone} {
		if _, err := o.owner.CreateTeam(ctx, o.slug, sentry.CreateTeamRequest{Slug: slug}); err != nil {
			t.Fatal(err)
		}
		if err := o.sim.SetTeamRole(o.slug, slug, "member@acme.example", "contributor"); err != nil {
			t.Fatal(err)
		}
	}
	lists := deletingTeamLists{TeamLists: inventory.ClientTeamLists(o.owner), owner: o.owner, team: gone}
	teams, _, err := inventory.MemberTeams(ctx, lists, o.slug, inventory.Options{})
	if err != nil {
		t.Fatalf("a team deleted during the read failed it: %v", err)
	}
	var found []string
	for _, ts := range teams {
		for _, mt := range ts {
			found = append(found, mt.Team)
		}
	}
	if !slices.Contains(found, kept) || slices.Contains(found, gone) {
		t.Errorf("teams read %v, want %s and not %s", found, kept, gone)
	}
}

// deletingTeamLists deletes a team after the teams list was read, before
// the member lists are.
type deletingTeamLists struct {
	inventory.TeamLists
	owner *sentry.Client
	team  string
}

func (l deletingTeamLists) ListTeams(ctx context.Context, org string) ([]sentry.Team, error) {
	teams, err := l.TeamLists.ListTeams(ctx, org)
	if err != nil {
		return nil, err
	}
	return teams, l.owner.DeleteTeam(ctx, org, l.team)
}
