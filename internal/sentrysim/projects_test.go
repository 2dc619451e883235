package sentrysim

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func teamProjectsPath(org, team string) string {
	return fmt.Sprintf("/api/0/teams/%s/%s/projects/", org, team)
}

func projectPath(org, project string) string {
	return fmt.Sprintf("/api/0/projects/%s/%s/", org, project)
}

func projectTeamPath(org, project, team string) string {
	return fmt.Sprintf("/api/0/projects/%s/%s/teams/%s/", org, project, team)
}

// mustCreateProject creates a project through the API and returns its body.
func mustCreateProject(t testing.TB, s *Server, org, team, token string, body map[string]any) map[string]any {
	t.Helper()
	res := send(t, s, http.MethodPost, teamProjectsPath(org, team), token, body)
	res.expect(t, http.StatusCreated, nil)
	return res.obj(t)
}

// teamSlugs lists the slugs of a project body's "teams".
func teamSlugs(t testing.TB, body map[string]any) []string {
	t.Helper()
	var out []string
	for _, v := range jsonField[[]any](t, body, "teams") {
		out = append(out, jsonField[string](t, jsonAs[map[string]any](t, v), "slug"))
	}
	return out
}

func listSlugs(t testing.TB, res response) []string {
	t.Helper()
	var out []string
	for _, item := range res.list(t) {
		out = append(out, jsonField[string](t, item, "slug"))
	}
	return out
}

func TestCreateTeamProjectBody(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	team := mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend", "name": "Backend"})

	res := send(t, s, http.MethodPost, teamProjectsPath("acme", "backend"), tok.Owner,
		map[string]any{"name": " Web App ", "platform": "python", "default_rules": false})
	res.expect(t, http.StatusCreated, nil)
	body := res.obj(t)
	if !regexp.MustCompile(`^[0-9]{16}$`).MatchString(jsonField[string](t, body, "id")) {
		t.Fatalf("id %v", body["id"])
	}
	ref := map[string]any{"id": team["id"], "slug": "backend", "name": "Backend"}
	want := map[string]any{
		"team": ref, "teams": []any{ref},
		"id": body["id"], "slug": "web-app", "name": "Web App",
		"isBookmarked": false, "isMember": true, "access": adminTeamScopes, "hasAccess": true,
		"dateCreated": "2024-05-01T12:00:00.123Z", "environments": []any{},
		"features": []any{"alert-filters", "custom-inbound-filters", "discard-groups", "minidump", "rate-limits",
			"servicehooks", "similarity-indexing", "similarity-indexing-v2", "similarity-view", "similarity-view-v2"},
		"firstEvent": nil, "firstTransactionEvent": false,
		"platform": "python", "platforms": []any{}, "latestRelease": nil, "hasUserReports": false, "latestDeploys": nil,
	}
	for _, flag := range []string{"hasSessions", "hasProfiles", "hasReplays", "hasFlags", "hasMonitors", "hasFeedbacks",
		"hasNewFeedbacks", "hasMinifiedStackTrace", "hasInsightsHttp", "hasInsightsDb", "hasInsightsAssets",
		"hasInsightsAppStart", "hasInsightsScreenLoad", "hasInsightsVitals", "hasInsightsCaches", "hasInsightsQueues",
		"hasInsightsAgentMonitoring", "hasInsightsMCP", "hasLogs", "hasTraceMetrics"} {
		want[flag] = false
	}
	res.expect(t, http.StatusCreated, want)
	if !strings.HasPrefix(res.raw, `{"team":{"id":"`+jsonField[string](t, team, "id")+`","slug":"backend","name":"Backend"},"teams":[`) ||
		!strings.HasSuffix(res.raw, `"hasUserReports":false,"latestDeploys":null}`) {
		t.Errorf("key order: %s", res.raw)
	}

	// The same project seen by a member who is not on its team: the caller
	// fields change.
	list := send(t, s, http.MethodGet, "/api/0/organizations/acme/projects/", tok.Member, nil).list(t)
	if len(list) != 1 || list[0]["isMember"] != false || list[0]["hasAccess"] != true ||
		!slices.Equal(jsonField[[]any](t, list[0], "access"), contributorTeamScopes) {
		t.Errorf("member's view: %v", list)
	}
}

func TestProjectDetailBody(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend", "name": "Backend"})
	created := mustCreateProject(t, s, "acme", "backend", owner, map[string]any{"name": "Web App"})

	res := send(t, s, http.MethodGet, projectPath("acme", "web-app"), owner, nil)
	res.expect(t, http.StatusOK, nil)
	body := res.obj(t)
	checks := map[string]any{
		"id": created["id"], "slug": "web-app", "name": "Web App", "platform": nil, "status": "active",
		"color": "#bf613f", "isMember": true, "hasAccess": true, "isPublic": false, "isInternal": false,
		"dateCreated": "2024-05-01T12:00:00.123Z", "latestRelease": nil, "firstEvent": nil,
	}
	for k, v := range checks {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if jsonField[map[string]any](t, body, "team")["slug"] != "backend" || !slices.Equal(teamSlugs(t, body), []string{"backend"}) {
		t.Errorf("teams: %v %v", body["team"], body["teams"])
	}
	if org := jsonField[map[string]any](t, body, "organization"); org["slug"] != "acme" {
		t.Errorf("organization %v", org)
	}
	if !strings.HasPrefix(res.raw, `{"id":"`+jsonField[string](t, created, "id")+`","slug":"web-app","name":"Web App","platform":null,`) {
		t.Errorf("key order: %.200s", res.raw)
	}
	// Every field the published schema requires is there.
	for _, k := range []string{"access", "allowedDomains", "autofixAutomationTuning", "avatar", "builtinSymbolSources",
		"dataScrubber", "dataScrubberDefaults", "debugFilesRole", "defaultEnvironment", "derivedGroupingEnhancements",
		"digestsMaxDelay", "digestsMinDelay", "dynamicSamplingBiases", "enableAutoReleaseCreation", "features",
		"fingerprintingRules", "firstTransactionEvent", "groupingConfig", "groupingEnhancements", "hasFeedbacks",
		"hasInsightsMCP", "highlightContext", "highlightPreset", "highlightTags", "isBookmarked", "isDynamicallySampled",
		"options", "platforms", "processingIssues", "relayPiiConfig", "resolveAge", "safeFields", "scmSourceContextEnabled",
		"scrapeJavaScript", "scrubIPAddresses", "secondaryGroupingConfig", "secondaryGroupingExpiry", "securityToken",
		"securityTokenHeader", "seerNightshiftTweaks", "seerScannerAutomation", "sensitiveFields", "storeCrashReports",
		"subjectPrefix", "subjectTemplate", "symbolSources", "tempestFetchScreenshots", "verifySSL"} {
		if _, ok := body[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	again := send(t, s, http.MethodGet, projectPath("acme", "web-app"), owner, nil).obj(t)
	if again["securityToken"] != body["securityToken"] {
		t.Error("the security token changes between reads")
	}
}

func TestProjectColor(t *testing.T) {
	// Values from Sentry's get_hashed_color.
	for slug, want := range map[string]string{
		"web-app": "#bf613f", "web": "#733fbf", "backend": "#bf3f9e", "pump-station": "#3fbf7f",
		"z": "#bfa43f", "0": "#ae3fbf", "mobile-ios": "#bf3f70",
	} {
		if got := projectColor(slug); got != want {
			t.Errorf("projectColor(%q) = %s, want %s", slug, got, want)
		}
	}
}

func TestCreateTeamProjectValidation(t *testing.T) {
	slugMsg := []any{msgSlugInvalid}
	cases := []struct {
		name string
		body any
		want any
	}{
		{"no name", map[string]any{"slug": "web"}, map[string]any{"name": []any{"This field is required."}}},
		{"blank name", map[string]any{"name": "  "}, map[string]any{"name": []any{"This field may not be blank."}}},
		{"null name", map[string]any{"name": nil}, map[string]any{"name": []any{"This field may not be null."}}},
		{"long name", map[string]any{"name": strings.Repeat("n", 51)},
			map[string]any{"name": []any{"Ensure this field has no more than 50 characters."}}},
		{"reserved name", map[string]any{"name": "settings"},
			map[string]any{"name": []any{`The name "settings" is reserved and not allowed.`}}},
		{"name not a string", map[string]any{"name": []any{"x"}}, map[string]any{"name": []any{"Not a valid string."}}},
		{"bad slug", map[string]any{"name": "Web", "slug": "Web App"}, map[string]any{"slug": slugMsg}},
		{"numeric slug", map[string]any{"name": "Web", "slug": "123"}, map[string]any{"slug": slugMsg}},
		{"blank slug", map[string]any{"name": "Web", "slug": ""}, map[string]any{"slug": []any{"This field may not be blank."}}},
		{"long slug", map[string]any{"name": "Web", "slug": strings.Repeat("s", 101)},
			map[string]any{"slug": []any{"Ensure this field has no more than 100 characters."}}},
		{"unknown platform", map[string]any{"name": "Web", "platform": "cobol"}, map[string]any{"platform": []any{"Invalid platform"}}},
		{"console platform", map[string]any{"name": "Web", "platform": "nintendo-switch"},
			map[string]any{"platform": []any{"Console platform 'nintendo-switch' is not enabled for this organization"}}},
		{"bad default_rules", map[string]any{"name": "Web", "default_rules": "sometimes"},
			map[string]any{"default_rules": []any{"Must be a valid boolean."}}},
		{"every field bad", map[string]any{"slug": "X", "platform": "cobol", "default_rules": "?"}, map[string]any{
			"name": []any{"This field is required."}, "slug": slugMsg, "platform": []any{"Invalid platform"},
			"default_rules": []any{"Must be a valid boolean."},
		}},
		{"list body", "[]", map[string]any{"non_field_errors": []any{"Invalid data. Expected a dictionary, but got list."}}},
	}
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPost, teamProjectsPath("acme", "backend"), owner, c.body).
				expect(t, http.StatusBadRequest, c.want)
		})
	}
	res := send(t, s, http.MethodPost, teamProjectsPath("acme", "backend"), owner,
		map[string]any{"slug": "X", "platform": "cobol", "default_rules": "?"})
	if want := `{"name":["This field is required."],"slug":["` + msgSlugInvalid + `"],"platform":["Invalid platform"],"default_rules":["Must be a valid boolean."]}`; res.raw != want {
		t.Errorf("field order: %s", res.raw)
	}
	if list := send(t, s, http.MethodGet, teamProjectsPath("acme", "backend"), owner, nil).list(t); len(list) != 0 {
		t.Fatalf("a refused create left %d projects", len(list))
	}

	for _, platform := range []any{"other", "", nil, "javascript-react"} {
		body := mustCreateProject(t, s, "acme", "backend", owner, map[string]any{"name": "P", "platform": platform})
		if want := map[any]any{"other": "other", "javascript-react": "javascript-react"}[platform]; body["platform"] != want {
			t.Errorf("platform %v comes back as %v", platform, body["platform"])
		}
	}
	long := mustCreateProject(t, s, "acme", "backend", owner, map[string]any{"name": "Long", "slug": strings.Repeat("s", 100)})
	if long["slug"] != strings.Repeat("s", 100) {
		t.Errorf("100-character slug: %v", long["slug"])
	}
}

func TestCreateTeamProjectSlugs(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	create := func(body map[string]any) map[string]any {
		return mustCreateProject(t, s, "acme", "backend", owner, body)
	}

	if first := create(map[string]any{"name": "Web App"}); first["slug"] != "web-app" {
		t.Fatalf("from name: %v", first["slug"])
	}
	if second := create(map[string]any{"name": "Web App", "slug": nil}); !regexp.MustCompile(`^web-app-[a-z0-9]{2}$`).MatchString(jsonField[string](t, second, "slug")) {
		t.Fatalf("collision suffix: %v", second["slug"])
	}
	// Reserved slugs are stepped around when the slug comes from the name.
	if reserved := create(map[string]any{"name": "Teams"}); !regexp.MustCompile(`^teams-[a-z0-9]{2}$`).MatchString(jsonField[string](t, reserved, "slug")) {
		t.Fatalf("reserved: %v", reserved["slug"])
	}
	long := create(map[string]any{"name": strings.Repeat("abcde ", 10)[:50]})
	if got := jsonField[string](t, long, "slug"); len(got) > 50 || strings.HasSuffix(got, "-") {
		t.Fatalf("derived slug not cut at 50: %q", got)
	}

	conflict := send(t, s, http.MethodPost, teamProjectsPath("acme", "backend"), owner, map[string]any{"name": "Other", "slug": "web-app"})
	conflict.expect(t, http.StatusConflict, detail("A project with this slug already exists."))

	// Slugs are per organization.
	other := s.AddOrganization("globex")
	mustCreateTeam(t, s, "globex", other.Owner, map[string]any{"slug": "ops"})
	mustCreateProject(t, s, "globex", "ops", other.Owner, map[string]any{"name": "Web App", "slug": "web-app"})
}

func TestProjectPermissionsByRole(t *testing.T) {
	cases := []struct {
		role                                        string
		listTeam, create, listOrg, get, listTeams   int
		addTeam, removeTeam, deleteProject, badTeam int
	}{
		{"owner", 200, 201, 200, 200, 200, 201, 200, 204, 404},
		{"manager", 200, 201, 200, 200, 200, 201, 200, 204, 404},
		{"member", 200, 403, 200, 200, 200, 403, 403, 403, 403},
	}
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			s := newTestServer(t)
			tok := s.Tokens()
			token := map[string]string{"owner": tok.Owner, "manager": tok.Manager, "member": tok.Member}[c.role]
			mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend"})
			mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "frontend"})
			if err := s.AddProject("acme", "backend", "web"); err != nil {
				t.Fatal(err)
			}
			if err := s.AddProject("acme", "frontend", "linked"); err != nil {
				t.Fatal(err)
			}
			send(t, s, http.MethodPost, projectTeamPath("acme", "linked", "backend"), tok.Owner, nil).expect(t, 201, nil)

			check := func(res response, status int) {
				t.Helper()
				if status == 403 {
					res.expect(t, status, detail(detailForbidden))
					return
				}
				res.expect(t, status, nil)
			}
			check(send(t, s, http.MethodGet, teamProjectsPath("acme", "backend"), token, nil), c.listTeam)
			check(send(t, s, http.MethodPost, teamProjectsPath("acme", "backend"), token, map[string]any{"name": "New"}), c.create)
			check(send(t, s, http.MethodGet, "/api/0/organizations/acme/projects/", token, nil), c.listOrg)
			check(send(t, s, http.MethodGet, projectPath("acme", "web"), token, nil), c.get)
			check(send(t, s, http.MethodGet, projectPath("acme", "web")+"teams/", token, nil), c.listTeams)
			check(send(t, s, http.MethodPost, projectTeamPath("acme", "web", "frontend"), token, nil), c.addTeam)
			check(send(t, s, http.MethodDelete, projectTeamPath("acme", "linked", "backend"), token, nil), c.removeTeam)
			// The project is checked before the team: a member meets 403
			// before learning whether the team exists.
			res := send(t, s, http.MethodPost, projectTeamPath("acme", "web", "nope"), token, nil)
			if c.badTeam == 404 {
				res.expect(t, 404, detail("Team does not exist."))
			} else {
				check(res, c.badTeam)
			}
			check(send(t, s, http.MethodDelete, projectPath("acme", "web"), token, nil), c.deleteProject)
		})
	}
}

func TestProjectTeamAdminMember(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	for _, slug := range []string{"mine", "theirs", "contrib"} {
		mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": slug})
	}
	if err := s.SetTeamRole("acme", "mine", "member@acme.example", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTeamRole("acme", "contrib", "member@acme.example", "contributor"); err != nil {
		t.Fatal(err)
	}
	for team, slug := range map[string]string{"theirs": "their-project", "contrib": "contrib-project"} {
		if err := s.AddProject("acme", team, slug); err != nil {
			t.Fatal(err)
		}
	}
	// The token bounds what the team role grants.
	member, err := s.AddUserToken("member@acme.example", "org:read", "team:admin", "project:admin", "member:read")
	if err != nil {
		t.Fatal(err)
	}

	mine := mustCreateProject(t, s, "acme", "mine", member, map[string]any{"name": "Mine"})
	if mine["isMember"] != true || !slices.Equal(jsonField[[]any](t, mine, "access"), adminTeamScopes) {
		t.Errorf("team admin's view of its project: %v %v", mine["isMember"], mine["access"])
	}
	forbiddenList := map[string]any{"detail": []any{detailForbidden}}
	steps := []struct {
		name, method, path string
		status             int
		want               any
	}{
		{"no project on another team", http.MethodPost, teamProjectsPath("acme", "theirs"), 403, detail(detailForbidden)},
		{"no project on a team it contributes to", http.MethodPost, teamProjectsPath("acme", "contrib"), 403, detail(detailForbidden)},
		{"links another team to its project", http.MethodPost, projectTeamPath("acme", "mine", "theirs"), 201, nil},
		{"cannot take away a team it does not administer", http.MethodDelete, projectTeamPath("acme", "mine", "theirs"), 403, forbiddenList},
		{"takes away its own team", http.MethodDelete, projectTeamPath("acme", "mine", "mine"), 200, nil},
		{"no longer administers the project", http.MethodPost, projectTeamPath("acme", "mine", "mine"), 403, detail(detailForbidden)},
		{"cannot link teams to a project of a team it contributes to", http.MethodPost, projectTeamPath("acme", "contrib-project", "mine"), 403, detail(detailForbidden)},
		{"cannot delete another team's project", http.MethodDelete, projectPath("acme", "their-project"), 403, detail(detailForbidden)},
		{"reads another team's project", http.MethodGet, projectPath("acme", "their-project"), 200, nil},
	}
	for _, st := range steps {
		send(t, s, st.method, st.path, member, nil).expect(t, st.status, st.want)
	}
	// The seeded member token has no project:write at all.
	send(t, s, http.MethodPost, teamProjectsPath("acme", "mine"), tok.Member, map[string]any{"name": "X"}).expect(t, 403, nil)
	mustCreateProject(t, s, "acme", "mine", member, map[string]any{"name": "Second"})
	send(t, s, http.MethodDelete, projectPath("acme", "second"), member, nil).expect(t, 204, nil)
}

func TestProjectClosedMembership(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend"})
	if err := s.AddProject("acme", "backend", "web"); err != nil {
		t.Fatal(err)
	}
	s.st.orgsBySlug["acme"].allowJoinLeave = false

	send(t, s, http.MethodGet, projectPath("acme", "web"), tok.Member, nil).expect(t, 403, detail(detailForbidden))
	send(t, s, http.MethodGet, projectPath("acme", "web")+"teams/", tok.Member, nil).expect(t, 403, detail(detailForbidden))
	list := send(t, s, http.MethodGet, "/api/0/organizations/acme/projects/", tok.Member, nil).list(t)
	if len(list) != 1 || list[0]["hasAccess"] != false || len(jsonField[[]any](t, list[0], "access")) != 0 {
		t.Errorf("closed project in the list: %v", list)
	}
	// Managers see every project.
	send(t, s, http.MethodGet, projectPath("acme", "web"), tok.Manager, nil).expect(t, 200, nil)

	if err := s.SetTeamRole("acme", "backend", "member@acme.example", ""); err != nil {
		t.Fatal(err)
	}
	body := send(t, s, http.MethodGet, projectPath("acme", "web"), tok.Member, nil).obj(t)
	if body["isMember"] != true || body["hasAccess"] != true {
		t.Errorf("member on the team: %v %v", body["isMember"], body["hasAccess"])
	}
}

func TestProjectTeamLinks(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "zeta", "name": "Zeta"})
	alpha := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "alpha", "name": "Alpha"})
	if err := s.AddProject("acme", "zeta", "web"); err != nil {
		t.Fatal(err)
	}

	added := send(t, s, http.MethodPost, projectTeamPath("acme", "web", "alpha"), owner, nil)
	added.expect(t, http.StatusCreated, nil)
	body := added.obj(t)
	// Teams come in the order they were linked; "team" is the first.
	if !slices.Equal(teamSlugs(t, body), []string{"zeta", "alpha"}) || jsonField[map[string]any](t, body, "team")["slug"] != "zeta" {
		t.Fatalf("teams %v, team %v", body["teams"], body["team"])
	}
	if !strings.HasSuffix(added.raw, `"status":"active","team":{"id":"`+jsonField[string](t, jsonField[map[string]any](t, body, "team"), "id")+`","slug":"zeta","name":"Zeta"},"teams":[`+
		`{"id":"`+jsonField[string](t, jsonField[map[string]any](t, body, "team"), "id")+`","slug":"zeta","name":"Zeta"},{"id":"`+jsonField[string](t, alpha, "id")+`","slug":"alpha","name":"Alpha"}]}`) {
		t.Errorf("body ends %s", added.raw[max(0, len(added.raw)-300):])
	}

	// Linking again is a 201 with the same project.
	again := send(t, s, http.MethodPost, projectTeamPath("acme", "web", jsonField[string](t, alpha, "id")), owner, nil)
	again.expect(t, http.StatusCreated, nil)
	if again.raw != added.raw {
		t.Errorf("repeated link answers differently:\n%s\n%s", again.raw, added.raw)
	}

	// The project's teams, by name.
	teams := send(t, s, http.MethodGet, projectPath("acme", "web")+"teams/", owner, nil)
	teams.expect(t, http.StatusOK, nil)
	if got := listSlugs(t, teams); !slices.Equal(got, []string{"alpha", "zeta"}) {
		t.Errorf("project teams %v", got)
	}
	if teams.list(t)[0]["memberCount"] == nil || teams.list(t)[0]["flags"] == nil {
		t.Errorf("project teams are not team bodies: %v", teams.list(t)[0])
	}

	removed := send(t, s, http.MethodDelete, projectTeamPath("acme", "web", "zeta"), owner, nil)
	removed.expect(t, http.StatusOK, nil)
	if got := teamSlugs(t, removed.obj(t)); !slices.Equal(got, []string{"alpha"}) {
		t.Fatalf("after removal %v", got)
	}
	// Removing a team that is not linked is a 200 as well.
	send(t, s, http.MethodDelete, projectTeamPath("acme", "web", "zeta"), owner, nil).expect(t, http.StatusOK, nil)
	last := send(t, s, http.MethodDelete, projectTeamPath("acme", "web", "alpha"), owner, nil)
	last.expect(t, http.StatusOK, nil)
	if b := last.obj(t); len(jsonField[[]any](t, b, "teams")) != 0 {
		t.Fatalf("teams left: %v", b["teams"])
	} else if _, ok := b["team"]; ok {
		t.Error("a project with no team still has a \"team\"")
	}
	// A project with no team reads fine, and lists with a null team.
	if _, ok := send(t, s, http.MethodGet, projectPath("acme", "web"), owner, nil).obj(t)["team"]; ok {
		t.Error("details of a teamless project carry a team")
	}
	if list := send(t, s, http.MethodGet, "/api/0/organizations/acme/projects/", owner, nil).list(t); list[0]["team"] != nil {
		t.Errorf("summary team %v", list[0]["team"])
	}

	for _, c := range []struct {
		name, method, path string
		want               any
	}{
		{"unknown team", http.MethodPost, projectTeamPath("acme", "web", "nope"), detail("Team does not exist.")},
		{"unknown team id", http.MethodDelete, projectTeamPath("acme", "web", "42"), detail("Team does not exist.")},
		{"unknown project", http.MethodPost, projectTeamPath("acme", "nope", "alpha"), detail(detailNotFound)},
		{"unknown organization", http.MethodPost, projectTeamPath("nope", "web", "alpha"), detail(detailNotFound)},
	} {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, c.method, c.path, owner, nil).expect(t, http.StatusNotFound, c.want)
		})
	}

	var events []string
	for _, e := range s.st.orgsBySlug["acme"].audit {
		if strings.HasPrefix(e.event, "project-team.") {
			events = append(events, e.event+" "+jsonField[string](t, e.data, "team_slug")+" "+jsonField[string](t, e.data, "project_slug"))
			if e.targetObject != s.st.orgsBySlug["acme"].projectSlugs["web"].id || e.actor == nil || e.actor.email != "owner@acme.example" {
				t.Errorf("entry %s: target %d actor %v", e.event, e.targetObject, e.actor)
			}
		}
	}
	want := []string{
		"project-team.add alpha web", "project-team.add alpha web",
		"project-team.remove zeta web", "project-team.remove zeta web", "project-team.remove alpha web",
	}
	if !slices.Equal(events, want) {
		t.Errorf("audit %v", events)
	}
}

func TestProjectTeamsPagination(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	names := []string{"Delta", "alpha", "Charlie", "Bravo", "echo"}
	for i, name := range names {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": fmt.Sprintf("t%d", i), "name": name})
	}
	if err := s.AddProject("acme", "t0", "web"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(names); i++ {
		send(t, s, http.MethodPost, projectTeamPath("acme", "web", fmt.Sprintf("t%d", i)), owner, nil).expect(t, 201, nil)
	}
	base := "http://example.com/api/0/projects/acme/web/teams/"
	var got []string
	for _, page := range []struct {
		query, link string
	}{
		{"?per_page=2", `<` + base + `?per_page=2&cursor=2:-1:1>; rel="previous"; results="false"; cursor="2:-1:1", <` + base + `?per_page=2&cursor=2:1:0>; rel="next"; results="true"; cursor="2:1:0"`},
		{"?per_page=2&cursor=2:1:0", `<` + base + `?per_page=2&cursor=2:0:1>; rel="previous"; results="true"; cursor="2:0:1", <` + base + `?per_page=2&cursor=2:2:0>; rel="next"; results="true"; cursor="2:2:0"`},
		{"?per_page=2&cursor=2:2:0", `<` + base + `?per_page=2&cursor=2:1:1>; rel="previous"; results="true"; cursor="2:1:1", <` + base + `?per_page=2&cursor=2:3:0>; rel="next"; results="false"; cursor="2:3:0"`},
	} {
		res := send(t, s, http.MethodGet, "/api/0/projects/acme/web/teams/"+page.query, owner, nil)
		res.expect(t, http.StatusOK, nil)
		if l := res.header.Get("Link"); l != page.link {
			t.Errorf("%s: Link\n got %s\nwant %s", page.query, l, page.link)
		}
		for _, team := range res.list(t) {
			got = append(got, jsonField[string](t, team, "name"))
		}
	}
	if want := []string{"alpha", "Bravo", "Charlie", "Delta", "echo"}; !slices.Equal(got, want) {
		t.Errorf("by name: %v", got)
	}
	send(t, s, http.MethodGet, "/api/0/projects/acme/web/teams/?per_page=101", owner, nil).
		expect(t, 400, detail("Invalid per_page value. Cannot exceed 100."))
}

func TestDeleteProject(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	created := mustCreateProject(t, s, "acme", "backend", owner, map[string]any{"name": "Web", "slug": "web"})

	res := send(t, s, http.MethodDelete, projectPath("acme", "web"), owner, nil)
	if res.status != http.StatusNoContent || res.raw != "" {
		t.Fatalf("delete: %d %q", res.status, res.raw)
	}
	for _, ref := range []string{"web", jsonField[string](t, created, "id")} {
		send(t, s, http.MethodGet, projectPath("acme", ref), owner, nil).expect(t, 404, detail(detailNotFound))
		send(t, s, http.MethodDelete, projectPath("acme", ref), owner, nil).expect(t, 404, detail(detailNotFound))
		send(t, s, http.MethodGet, projectPath("acme", ref)+"teams/", owner, nil).expect(t, 404, detail(detailNotFound))
	}
	if list := send(t, s, http.MethodGet, teamProjectsPath("acme", "backend"), owner, nil).list(t); len(list) != 0 {
		t.Fatalf("deleted project listed: %v", list)
	}
	// The slug is free again, and the new project has a new id.
	again := mustCreateProject(t, s, "acme", "backend", owner, map[string]any{"name": "Web", "slug": "web"})
	if again["id"] == created["id"] {
		t.Error("id reused")
	}

	var removes []map[string]any
	var events []string
	for _, e := range s.st.orgsBySlug["acme"].audit {
		events = append(events, e.event)
		if e.event == "project.remove" {
			removes = append(removes, e.data)
		}
	}
	if !slices.Equal(events, []string{"member.join-team", "team.create", "project.create", "project.remove", "project.create"}) {
		t.Errorf("events %v", events)
	}
	if len(removes) != 1 || removes[0]["slug"] != "web" || removes[0]["status"] != 0 || removes[0]["public"] != false ||
		fmt.Sprint(removes[0]["id"]) != created["id"] {
		t.Errorf("project.remove data %v", removes)
	}

	// An origin changes the event, as Sentry records where a deletion came
	// from.
	send(t, s, http.MethodDelete, projectPath("acme", "web"), owner, map[string]any{"origin": "onboarding"}).expect(t, 204, nil)
	last := s.st.orgsBySlug["acme"].audit[len(s.st.orgsBySlug["acme"].audit)-1]
	if last.event != "project.remove-with-origin" || last.data["origin"] != "onboarding" {
		t.Errorf("with origin: %s %v", last.event, last.data)
	}

	// The note formats the origin Python parsed: a float as str() writes
	// it, not as the client typed it.
	mustCreateProject(t, s, "acme", "backend", owner, map[string]any{"name": "Web", "slug": "web"})
	send(t, s, http.MethodDelete, projectPath("acme", "web"), owner, `{"origin": 1.50}`).expect(t, 204, nil)
	last = s.st.orgsBySlug["acme"].audit[len(s.st.orgsBySlug["acme"].audit)-1]
	if note := auditEventsByName[last.event].note(last); note != "removed project web in 1.5" {
		t.Errorf("note %q", note)
	}
}

func TestDeletedTeamDropsProjectLinks(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "frontend"})
	if err := s.AddProject("acme", "backend", "web"); err != nil {
		t.Fatal(err)
	}
	send(t, s, http.MethodPost, projectTeamPath("acme", "web", "frontend"), owner, nil).expect(t, 201, nil)

	send(t, s, http.MethodDelete, teamPath("acme", "frontend"), owner, nil).expect(t, 204, nil)
	if got := listSlugs(t, send(t, s, http.MethodGet, projectPath("acme", "web")+"teams/", owner, nil)); !slices.Equal(got, []string{"backend"}) {
		t.Fatalf("after deleting frontend: %v", got)
	}
	// A new team may take the deleted team's slug without inheriting its
	// links.
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "frontend"})
	if got := teamSlugs(t, send(t, s, http.MethodGet, projectPath("acme", "web"), owner, nil).obj(t)); !slices.Equal(got, []string{"backend"}) {
		t.Fatalf("new frontend inherited the link: %v", got)
	}

	// The project outlives its last team.
	send(t, s, http.MethodDelete, teamPath("acme", "backend"), owner, nil).expect(t, 204, nil)
	body := send(t, s, http.MethodGet, projectPath("acme", "web"), owner, nil).obj(t)
	if len(jsonField[[]any](t, body, "teams")) != 0 {
		t.Fatalf("teams %v", body["teams"])
	}
	send(t, s, http.MethodGet, teamProjectsPath("acme", "backend"), owner, nil).expect(t, 404, detail(detailNotFound))
}

func TestListOrganizationProjects(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend"})
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "frontend"})
	for i := range 120 {
		team := "backend"
		if i%2 == 1 {
			team = "frontend"
		}
		if err := s.AddProject("acme", team, fmt.Sprintf("p-%03d", 119-i)); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/0/organizations/acme/projects/"

	first := send(t, s, http.MethodGet, path, tok.Member, nil)
	first.expect(t, http.StatusOK, nil)
	second := send(t, s, http.MethodGet, path+"?cursor=100:1:0", tok.Member, nil)
	all := append(listSlugs(t, first), listSlugs(t, second)...)
	if len(all) != 120 || !slices.IsSorted(all) || all[0] != "p-000" {
		t.Fatalf("%d projects, sorted %t, first %v", len(all), slices.IsSorted(all), all[0])
	}
	if l := second.header.Get("Link"); !strings.Contains(l, `cursor=100:2:0>; rel="next"; results="false"`) {
		t.Errorf("Link %s", l)
	}
	everything := send(t, s, http.MethodGet, path+"?all_projects=1", tok.Member, nil)
	if len(everything.list(t)) != 120 || everything.header.Get("Link") != "" {
		t.Errorf("all_projects=1: %d projects, Link %q", len(everything.list(t)), everything.header.Get("Link"))
	}
	if _, ok := everything.list(t)[0]["latestDeploys"]; !ok {
		t.Error("latestDeploys missing")
	}
	if _, ok := send(t, s, http.MethodGet, path+"?collapse=latestDeploys&per_page=1", tok.Member, nil).list(t)[0]["latestDeploys"]; ok {
		t.Error("latestDeploys not collapsed")
	}

	p5 := s.st.orgsBySlug["acme"].projectSlugs["p-005"]
	queries := []struct {
		query string
		want  []string
	}{
		{"slug:p-001 slug:p-003", []string{"p-001", "p-003"}},
		{"p-11", []string{"p-110", "p-111", "p-112", "p-113", "p-114", "p-115", "p-116", "p-117", "p-118", "p-119"}},
		{fmt.Sprintf("id:%d", p5.id), []string{"p-005"}},
		{"team:backend slug:p-000 slug:p-001", []string{"p-001"}},
		{"!team:backend slug:p-000 slug:p-001", []string{"p-000"}},
		{"is_member:1 slug:p-000 slug:p-001", []string{"p-001"}},
		{"owner:someone", nil},
	}
	for _, q := range queries {
		t.Run(q.query, func(t *testing.T) {
			// The owner created both teams, so it is on both; the member
			// joins backend for is_member.
			token := tok.Owner
			if strings.HasPrefix(q.query, "is_member") {
				token = tok.Member
				if err := s.SetTeamRole("acme", "backend", "member@acme.example", ""); err != nil {
					t.Fatal(err)
				}
			}
			got := listSlugs(t, send(t, s, http.MethodGet, path+"?query="+strings.ReplaceAll(q.query, " ", "+"), token, nil))
			if !slices.Equal(got, q.want) {
				t.Errorf("got %v, want %v", got, q.want)
			}
		})
	}

	errorCases := []struct {
		query string
		want  any
	}{
		{"?statsPeriod=1y", map[string]any{"error": map[string]any{"params": map[string]any{"stats_period": map[string]any{
			"message": "Invalid stats_period. Valid choices are '', '1h', '24h', '7d', '14d', '30d', and '90d'"}}}}},
		{"?query=id:abc", map[string]any{"error": map[string]any{"params": map[string]any{"stats_period": map[string]any{
			"message": "All 'id' values must be integers."}}}}},
		{"?dataset=spans", detail("dataset must be one of: , discover, metricsEnhanced, metrics")},
		{"?per_page=101", detail("Invalid per_page value. Cannot exceed 100.")},
	}
	for _, c := range errorCases {
		send(t, s, http.MethodGet, path+c.query, tok.Owner, nil).expect(t, http.StatusBadRequest, c.want)
	}
}

func TestListTeamProjects(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "frontend"})
	for _, p := range []struct{ team, slug string }{{"backend", "zz"}, {"frontend", "mm"}, {"backend", "aa"}} {
		if err := s.AddProject("acme", p.team, p.slug); err != nil {
			t.Fatal(err)
		}
	}
	send(t, s, http.MethodPost, projectTeamPath("acme", "mm", "backend"), owner, nil).expect(t, 201, nil)

	res := send(t, s, http.MethodGet, teamProjectsPath("acme", "backend"), owner, nil)
	res.expect(t, http.StatusOK, nil)
	if got := listSlugs(t, res); !slices.Equal(got, []string{"aa", "mm", "zz"}) {
		t.Errorf("backend's projects %v", got)
	}
	want := `<http://example.com/api/0/teams/acme/backend/projects/?&cursor=100:-1:1>; rel="previous"; results="false"; cursor="100:-1:1", ` +
		`<http://example.com/api/0/teams/acme/backend/projects/?&cursor=100:1:0>; rel="next"; results="false"; cursor="100:1:0"`
	if l := res.header.Get("Link"); l != want {
		t.Errorf("Link %s", l)
	}
	if got := listSlugs(t, send(t, s, http.MethodGet, teamProjectsPath("acme", "frontend")+"?per_page=1&cursor=1:0:0", owner, nil)); !slices.Equal(got, []string{"mm"}) {
		t.Errorf("frontend's projects %v", got)
	}
	send(t, s, http.MethodGet, teamProjectsPath("acme", "backend")+"?statsPeriod=7d", owner, nil).expect(t, http.StatusBadRequest,
		map[string]any{"error": map[string]any{"params": map[string]any{"stats_period": map[string]any{
			"message": "Invalid stats_period. Valid choices are '', '24h', '14d', and '30d'"}}}})
	send(t, s, http.MethodGet, teamProjectsPath("acme", "nope"), owner, nil).expect(t, 404, detail(detailNotFound))
}

func TestProjectLookup(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	created := mustCreateProject(t, s, "acme", "backend", owner, map[string]any{"name": "Web", "slug": "web"})
	other := s.AddOrganization("globex")
	mustCreateTeam(t, s, "globex", other.Owner, map[string]any{"slug": "ops"})
	otherProject := mustCreateProject(t, s, "globex", "ops", other.Owner, map[string]any{"name": "Ops"})
	orgID := formatID(s.st.orgsBySlug["acme"].id)
	for _, c := range []struct {
		name, org, project, token string
		status                    int
	}{
		{"slugs", "acme", "web", owner, 200},
		{"project id", "acme", jsonField[string](t, created, "id"), owner, 200},
		{"org id", orgID, "web", owner, 200},
		{"another organization's project id", "acme", jsonField[string](t, otherProject, "id"), owner, 404},
		{"unknown", "acme", "nope", owner, 404},
		{"unknown organization", "nope", "web", owner, 404},
		// An outsider learns nothing more than a 403 once the project exists.
		{"outsider", "acme", "web", other.Owner, 403},
		{"outsider, unknown project", "acme", "nope", other.Owner, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := send(t, s, http.MethodGet, projectPath(c.org, c.project), c.token, nil)
			res.expect(t, c.status, nil)
			if c.status == 200 && res.obj(t)["id"] != created["id"] {
				t.Errorf("found %v", res.obj(t)["id"])
			}
		})
	}
	// A method the endpoint lacks meets the token's scope check first:
	// RelaxedProjectPermission names no scopes for PATCH, so it is a 403.
	send(t, s, http.MethodPatch, projectPath("acme", "web"), owner, map[string]any{"name": "x"}).
		expect(t, http.StatusForbidden, detail(detailForbidden))
}

func TestAddProjectControl(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	if err := s.AddProject("nope", "backend", "web"); !errors.Is(err, ErrNoOrganization) {
		t.Errorf("unknown org: %v", err)
	}
	if err := s.AddProject("acme", "nope", "web"); !errors.Is(err, ErrNoTeam) {
		t.Errorf("unknown team: %v", err)
	}
	if err := s.AddProject("acme", "backend", "Web App"); !errors.Is(err, ErrBadSlug) {
		t.Errorf("bad slug: %v", err)
	}
	if err := s.AddProject("acme", "backend", "web"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddProject("acme", "backend", "web"); !errors.Is(err, ErrProjectExists) {
		t.Errorf("duplicate: %v", err)
	}
	body := send(t, s, http.MethodGet, projectPath("acme", "web"), owner, nil).obj(t)
	if body["name"] != "web" || !slices.Equal(teamSlugs(t, body), []string{"backend"}) {
		t.Errorf("made %v", body)
	}
}

// TestProjectBillingOpenMembership: open membership gives a billing member
// global access (OrganizationMemberAccess, src/sentry/auth/access.py), yet
// ProjectPermission (src/sentry/api/bases/project.py) still wants a
// project scope, from the org role or a team role on the project's teams,
// and billing has neither, whatever scopes its token asks for. A member
// reads the same project.
func TestProjectBillingOpenMembership(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend"})
	if err := s.AddProject("acme", "backend", "web"); err != nil {
		t.Fatal(err)
	}
	if !s.st.orgsBySlug["acme"].allowJoinLeave {
		t.Fatal("open membership is off; Sentry creates organizations with it on")
	}
	billing, err := s.AddMember("acme", "bill@acme.example", "billing", "project:read", "org:read")
	if err != nil {
		t.Fatal(err)
	}
	send(t, s, http.MethodGet, projectPath("acme", "web"), billing, nil).expect(t, 403, detail(detailForbidden))
	send(t, s, http.MethodGet, projectPath("acme", "web"), tok.Member, nil).expect(t, 200, nil)
}
