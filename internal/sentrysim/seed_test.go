package sentrysim

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const testSeed = `{
	"teams": [{"slug": "backend", "name": "Backend"}, {"slug": "web"}],
	"projects": [
		{"slug": "api", "name": "API", "teams": ["backend", "web"]},
		{"slug": "orphan", "teams": []}
	],
	"members": [
		{"email": "ann@example.com", "role": "member", "teams": [{"team": "backend", "role": "admin"}, {"team": "web", "role": "contributor"}]},
		{"email": "bob@example.com", "role": "owner", "teams": [{"team": "web", "role": "admin"}]},
		{"email": "member@acme.example", "role": "manager"}
	]
}`

func TestLoadSeed(t *testing.T) {
	s := newTestServer(t)
	if err := s.LoadSeed("acme", strings.NewReader(testSeed)); err != nil {
		t.Fatal(err)
	}
	owner := s.Tokens().Owner

	var slugs []string
	for _, team := range send(t, s, http.MethodGet, teamsPath+"?detailed=0", owner, nil).list(t) {
		slugs = append(slugs, jsonField[string](t, team, "slug"))
		if team["slug"] == "web" && team["name"] != "web" {
			t.Errorf("web's name %v", team["name"])
		}
	}
	if !reflect.DeepEqual(slugs, []string{"backend", "web"}) {
		t.Errorf("teams %v", slugs)
	}
	var projectTeams []string
	for _, team := range send(t, s, http.MethodGet, "/api/0/projects/acme/api/teams/", owner, nil).list(t) {
		projectTeams = append(projectTeams, jsonField[string](t, team, "slug"))
	}
	if !reflect.DeepEqual(projectTeams, []string{"backend", "web"}) {
		t.Errorf("project teams %v", projectTeams)
	}
	send(t, s, http.MethodGet, "/api/0/projects/acme/orphan/teams/", owner, nil).expect(t, http.StatusOK, []any{})

	o := s.st.orgsBySlug["acme"]
	roleOf := func(email, team string) any {
		m := o.membersByUser[s.st.usersByEmail[email].id]
		tm := m.teams[o.teamSlugs[team].id]
		if tm == nil {
			return "not on the team"
		}
		if tm.role == nil {
			return nil
		}
		return tm.role.id
	}
	// A team role at or below the org role's minimum is stored as null.
	for _, c := range []struct {
		email, team string
		want        any
	}{
		{"ann@example.com", "backend", "admin"},
		{"ann@example.com", "web", nil},
		{"bob@example.com", "web", nil},
		{"bob@example.com", "backend", "not on the team"},
	} {
		if got := roleOf(c.email, c.team); got != c.want {
			t.Errorf("%s on %s: %v, want %v", c.email, c.team, got, c.want)
		}
	}
	if m := o.membersByUser[s.st.usersByEmail["member@acme.example"].id]; m.role != orgRoleManager {
		t.Errorf("existing member's role %s", m.role.id)
	}
	if len(o.audit) != 0 {
		t.Errorf("seeding wrote %d audit entries", len(o.audit))
	}
}

func TestLoadSeedRefusesBadFiles(t *testing.T) {
	cases := []struct {
		name string
		seed string
		want error
	}{
		{"not JSON", `{`, ErrBadSeed},
		{"unknown field", `{"team": []}`, ErrBadSeed},
		{"two values", `{} {}`, ErrBadSeed},
		{"bad slug", `{"teams": [{"slug": "Back End"}]}`, ErrBadSeed},
		{"numeric slug", `{"projects": [{"slug": "123"}]}`, ErrBadSeed},
		{"taken slug", `{"teams": [{"slug": "web"}, {"slug": "web"}]}`, ErrBadSeed},
		{"long name", `{"teams": [{"slug": "web", "name": "` + strings.Repeat("n", 65) + `"}]}`, ErrBadSeed},
		{"unknown team", `{"teams": [{"slug": "web"}], "projects": [{"slug": "api", "teams": ["nope"]}]}`, ErrNoTeam},
		{"bad email", `{"members": [{"email": "nobody", "role": "member"}]}`, ErrBadSeed},
		{"bad role", `{"members": [{"email": "a@x", "role": "boss"}]}`, ErrBadRole},
		{"bad team role", `{"teams": [{"slug": "web"}], "members": [{"email": "a@x", "role": "member", "teams": [{"team": "web", "role": "lead"}]}]}`, ErrBadRole},
		{"member on unknown team", `{"members": [{"email": "a@x", "role": "member", "teams": [{"team": "web"}]}]}`, ErrNoTeam},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			if err := s.LoadSeed("acme", strings.NewReader(c.seed)); !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			o := s.st.orgsBySlug["acme"]
			if len(o.teams) != 0 || len(o.projects) != 0 || len(o.members) != 3 {
				t.Errorf("a refused seed changed the organization")
			}
		})
	}
	s := newTestServer(t)
	if err := s.LoadSeed("nope", strings.NewReader(`{}`)); !errors.Is(err, ErrNoOrganization) {
		t.Errorf("unknown organization: %v", err)
	}
	if err := s.LoadSeed("acme", strings.NewReader(`{"teams": [{"slug": "web"}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadSeed("acme", strings.NewReader(`{"teams": [{"slug": "web"}]}`)); !errors.Is(err, ErrBadSeed) {
		t.Errorf("a second load of the same team: %v", err)
	}
}

func TestLoadSeedInvitationsSCIMTeamsAndTokens(t *testing.T) {
	s := newTestServer(t)
	seed := `{
		"teams": [{"slug": "web"}, {"slug": "okta-sre", "name": "Okta SRE", "scim": true}],
		"members": [
			{"email": "Ann.Lee@Example.com", "role": "member", "pending": true, "teams": [{"team": "web"}]},
			{"email": "old@example.com", "role": "manager", "expired": true},
			{"email": "sre@example.com", "role": "member", "teams": [{"team": "okta-sre"}]}
		],
		"org_tokens": [{"name": "ci-deploy"}, {"name": "ci-sourcemaps"}]
	}`
	if err := s.LoadSeed("acme", strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	owner := s.Tokens().Owner

	byEmail := map[string]map[string]any{}
	for _, m := range send(t, s, http.MethodGet, membersPath, owner, nil).list(t) {
		byEmail[jsonField[string](t, m, "email")] = m
	}
	if m := byEmail["Ann.Lee@Example.com"]; m == nil || m["pending"] != true || m["expired"] != false || m["user"] != nil {
		t.Errorf("pending invitation %v", m)
	}
	if m := byEmail["old@example.com"]; m == nil || m["pending"] != true || m["expired"] != true || m["orgRole"] != "manager" {
		t.Errorf("expired invitation %v", m)
	}
	var onWeb []string
	for _, m := range send(t, s, http.MethodGet, teamPath("acme", "web")+"members/", owner, nil).list(t) {
		onWeb = append(onWeb, jsonField[string](t, m, "email"))
	}
	if !reflect.DeepEqual(onWeb, []string{"Ann.Lee@Example.com"}) {
		t.Errorf("web's members %v", onWeb)
	}

	flags := map[string]any{}
	for _, team := range send(t, s, http.MethodGet, teamsPath, owner, nil).list(t) {
		flags[jsonField[string](t, team, "slug")] = jsonField[map[string]any](t, team, "flags")["idp:provisioned"]
	}
	if flags["okta-sre"] != true || flags["web"] != false {
		t.Errorf("idp:provisioned flags %v", flags)
	}
	// SCIM lists every team as a group; the provisioned one has its member.
	groups := send(t, s, http.MethodGet, "/api/0/organizations/acme/scim/v2/Groups?filter="+url.QueryEscape(`displayName eq "Okta SRE"`),
		s.SCIMToken("acme"), nil).obj(t)
	resources, _ := groups["Resources"].([]any)
	if len(resources) != 1 {
		t.Fatalf("SCIM groups %v", groups)
	}
	g := jsonAs[map[string]any](t, resources[0])
	members, _ := g["members"].([]any)
	if g["displayName"] != "Okta SRE" || len(members) != 1 || jsonAs[map[string]any](t, members[0])["display"] != "sre@example.com" {
		t.Errorf("SCIM group %v", g)
	}

	var names []string
	s.SetLegacyOrgTokens(true)
	for _, tok := range send(t, s, http.MethodGet, "/api/0/organizations/acme/org-auth-tokens/", owner, nil).list(t) {
		names = append(names, jsonField[string](t, tok, "name"))
	}
	slices.Sort(names)
	if !reflect.DeepEqual(names, []string{"ci-deploy", "ci-sourcemaps"}) {
		t.Errorf("org tokens %v", names)
	}
	if len(s.st.orgsBySlug["acme"].audit) != 0 {
		t.Error("seeding wrote audit entries")
	}
}

func TestLoadSeedTokensMadeByAPerson(t *testing.T) {
	s := newTestServer(t)
	seed := `{
		"members": [{"email": "ci-admin@example.com", "role": "manager"}],
		"org_tokens": [
			{"name": "ci-old", "created_by": "ci-admin@example.com", "date_created": "2023-01-02T03:04:05Z"},
			{"name": "ci-new", "created_by": "OWNER@acme.example"},
			{"name": "nobody's"}
		]
	}`
	if err := s.LoadSeed("acme", strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	log := s.st.orgsBySlug["acme"].audit
	if len(log) != 2 {
		t.Fatalf("%d audit entries, want one per token with created_by", len(log))
	}
	// The log is in date order: the 2023 token first.
	if e := log[0]; e.event != "org-auth-token.create" || e.actor.email != "ci-admin@example.com" || e.data["name"] != "ci-old" ||
		!e.dateCreated.Equal(time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("first entry %+v", e)
	}
	if e := log[1]; e.actor.email != "owner@acme.example" || e.data["name"] != "ci-new" || !e.dateCreated.Equal(testNow.Truncate(time.Microsecond)) {
		t.Errorf("second entry %+v", e)
	}
	for name, bad := range map[string]string{
		"unknown person": `{"org_tokens": [{"name": "x", "created_by": "ghost@example.com"}]}`,
		"pending person": `{"members": [{"email": "p@example.com", "role": "member", "pending": true}], "org_tokens": [{"name": "x", "created_by": "p@example.com"}]}`,
		"bad date":       `{"org_tokens": [{"name": "x", "date_created": "yesterday"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t)
			if err := s.LoadSeed("acme", strings.NewReader(bad)); err == nil {
				t.Error("loaded")
			}
			if n := len(s.st.activeOrgTokens(s.st.orgsBySlug["acme"])); n != 0 {
				t.Errorf("a refused seed left %d tokens", n)
			}
		})
	}
}

func TestLoadSeedRefusesBadInvitationsAndTokens(t *testing.T) {
	for name, seed := range map[string]string{
		"invitation of a member":  `{"members": [{"email": "OWNER@acme.example", "role": "member", "pending": true}]}`,
		"invited twice":           `{"members": [{"email": "a@x", "role": "member", "pending": true}, {"email": "A@x", "role": "member", "expired": true}]}`,
		"invited and joined":      `{"members": [{"email": "a@x", "role": "member", "pending": true}, {"email": "a@x", "role": "member"}]}`,
		"blank token name":        `{"org_tokens": [{"name": " "}]}`,
		"long token name":         `{"org_tokens": [{"name": "` + strings.Repeat("n", 256) + `"}]}`,
		"unknown token attribute": `{"org_tokens": [{"name": "ci", "scopes": ["org:ci"]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t)
			if err := s.LoadSeed("acme", strings.NewReader(seed)); !errors.Is(err, ErrBadSeed) {
				t.Fatalf("error %v, want %v", err, ErrBadSeed)
			}
			o := s.st.orgsBySlug["acme"]
			if len(o.members) != 3 || len(s.st.activeOrgTokens(o)) != 0 {
				t.Error("a refused seed changed the organization")
			}
		})
	}
}
