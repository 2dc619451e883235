package sentrysim

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	adminTeamScopes = []any{
		"alerts:read", "alerts:write", "event:admin", "event:read", "event:write", "member:read",
		"org:integrations", "org:read", "project:admin", "project:read", "project:releases",
		"project:write", "team:admin", "team:read", "team:write",
	}
	contributorTeamScopes = []any{
		"alerts:read", "event:read", "event:write", "member:read", "org:read",
		"project:read", "project:releases", "team:read",
	}
)

func TestCreateTeamBody(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	body := mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend", "name": "Backend Eng"})

	id, err := strconv.ParseInt(jsonField[string](t, body, "id"), 10, 64)
	if err != nil || id < firstID {
		t.Fatalf("id %v is not a digit string from %d on", body["id"], firstID)
	}
	want := map[string]any{
		"id":          body["id"],
		"slug":        "backend",
		"name":        "Backend Eng",
		"dateCreated": "2024-05-01T12:00:00.123Z",
		"isMember":    true,
		"teamRole":    nil,
		"flags":       map[string]any{"idp:provisioned": false},
		"access":      adminTeamScopes,
		"hasAccess":   true,
		"isPending":   false,
		"memberCount": float64(1),
		"avatar":      map[string]any{"avatarType": "letter_avatar", "avatarUuid": nil},
	}
	send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", tok.Manager, map[string]any{"slug": "x"}).
		expect(t, http.StatusCreated, nil)
	res := send(t, s, http.MethodGet, teamPath("acme", "backend")+"?collapse=organization", tok.Owner, nil)
	res.expect(t, http.StatusOK, want)

	// The same team seen by a member who is not on it: the caller fields
	// change, the team's do not.
	want["isMember"] = false
	want["access"] = contributorTeamScopes
	send(t, s, http.MethodGet, teamPath("acme", "backend")+"?collapse=organization", tok.Member, nil).
		expect(t, http.StatusOK, want)

	// Team details embed the organization unless collapsed.
	org := jsonField[map[string]any](t, send(t, s, http.MethodGet, teamPath("acme", "backend"), tok.Owner, nil).obj(t), "organization")
	if org["slug"] != "acme" || org["id"] != formatID(s.st.orgsBySlug["acme"].id) {
		t.Errorf("organization %v", org)
	}
}

func TestTeamPermissionsByRole(t *testing.T) {
	cases := []struct {
		role                                 string
		list, get, create, update, deleteOne int
	}{
		{"owner", 200, 200, 201, 200, 204},
		{"manager", 200, 200, 201, 200, 204},
		{"member", 200, 200, 403, 403, 403},
	}
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			s := newTestServer(t)
			tok := s.Tokens()
			token := map[string]string{"owner": tok.Owner, "manager": tok.Manager, "member": tok.Member}[c.role]
			mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "target"})

			send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", token, nil).expect(t, c.list, nil)
			send(t, s, http.MethodGet, teamPath("acme", "target"), token, nil).expect(t, c.get, nil)
			check := func(res response, status int) {
				t.Helper()
				if status == 403 {
					res.expect(t, status, detail(detailForbidden))
					return
				}
				res.expect(t, status, nil)
			}
			check(send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", token, map[string]any{"slug": "new"}), c.create)
			check(send(t, s, http.MethodPut, teamPath("acme", "target"), token, map[string]any{"name": "Renamed"}), c.update)
			check(send(t, s, http.MethodDelete, teamPath("acme", "target"), token, nil), c.deleteOne)
		})
	}
}

func TestTeamAdminMember(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "mine"})
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "theirs"})
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "contrib"})
	if err := s.SetTeamRole("acme", "mine", "member@acme.example", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTeamRole("acme", "contrib", "member@acme.example", "contributor"); err != nil {
		t.Fatal(err)
	}
	// A token with team scopes for the member: the token bounds what the
	// team role grants, so the seeded member token (team:read only) is not
	// enough.
	teamToken, err := s.AddUserToken("member@acme.example",
		"org:read", "member:read", "project:read", "event:read", "team:admin")
	if err != nil {
		t.Fatal(err)
	}

	body := send(t, s, http.MethodGet, teamPath("acme", "mine")+"?collapse=organization", teamToken, nil).obj(t)
	if body["isMember"] != true || body["teamRole"] != "admin" || !slices.Equal(jsonField[[]any](t, body, "access"), adminTeamScopes) {
		t.Errorf("team admin sees %v", body)
	}

	cases := []struct {
		name, method, team, token string
		status                    int
	}{
		{"team admin renames own team", http.MethodPut, "mine", teamToken, 200},
		{"team admin cannot rename another team", http.MethodPut, "theirs", teamToken, 403},
		{"contributor cannot rename", http.MethodPut, "contrib", teamToken, 403},
		{"seeded member token is bounded by its scopes", http.MethodPut, "mine", tok.Member, 403},
		{"team admin cannot create teams", http.MethodPost, "", teamToken, 403},
		{"team admin deletes own team", http.MethodDelete, "mine", teamToken, 204},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := teamPath("acme", c.team)
			var body any = map[string]any{"name": "Renamed"}
			if c.method == http.MethodPost {
				path, body = "/api/0/organizations/acme/teams/", map[string]any{"slug": "made-by-member"}
			}
			if c.method == http.MethodDelete {
				body = nil
			}
			send(t, s, c.method, path, c.token, body).expect(t, c.status, nil)
		})
	}
}

func TestCreateTeamValidation(t *testing.T) {
	slugMsg := []any{msgSlugInvalid}
	cases := []struct {
		name string
		body any
		want any
	}{
		{"empty", map[string]any{}, map[string]any{"non_field_errors": []any{"Name or slug is required"}}},
		{"blank name", map[string]any{"name": ""}, map[string]any{"non_field_errors": []any{"Name or slug is required"}}},
		{"nulls", map[string]any{"name": nil, "slug": nil}, map[string]any{"non_field_errors": []any{"Name or slug is required"}}},
		{"upper case", map[string]any{"slug": "Backend"}, map[string]any{"slug": slugMsg}},
		{"space", map[string]any{"slug": "back end"}, map[string]any{"slug": slugMsg}},
		{"all digits", map[string]any{"slug": "12345"}, map[string]any{"slug": slugMsg}},
		{"number", map[string]any{"slug": 12345}, map[string]any{"slug": slugMsg}},
		{"boolean slug", map[string]any{"slug": true}, map[string]any{"slug": slugMsg}},
		{"blank slug", map[string]any{"slug": "  "}, map[string]any{"slug": []any{"This field may not be blank."}}},
		{"long slug", map[string]any{"slug": strings.Repeat("a", 51)},
			map[string]any{"slug": []any{"Ensure this field has no more than 50 characters."}}},
		{"long and invalid slug", map[string]any{"slug": strings.Repeat("A", 51)},
			map[string]any{"slug": []any{"Ensure this field has no more than 50 characters.", msgSlugInvalid}}},
		{"long name", map[string]any{"name": strings.Repeat("n", 65)},
			map[string]any{"name": []any{"Ensure this field has no more than 64 characters."}}},
		{"name not a string", map[string]any{"name": []any{"x"}}, map[string]any{"name": []any{"Not a valid string."}}},
		{"both fields bad", map[string]any{"slug": "X", "name": false},
			map[string]any{"slug": slugMsg, "name": []any{"Not a valid string."}}},
		{"bad flag", map[string]any{"slug": "ok", "idp_provisioned": "maybe"},
			map[string]any{"idp_provisioned": []any{"Must be a valid boolean."}}},
		{"list body", "[]", map[string]any{"non_field_errors": []any{"Invalid data. Expected a dictionary, but got list."}}},
	}
	s := newTestServer(t)
	owner := s.Tokens().Owner
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", owner, c.body).
				expect(t, http.StatusBadRequest, c.want)
		})
	}

	t.Run("malformed JSON", func(t *testing.T) {
		res := send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", owner, "{")
		res.expect(t, http.StatusBadRequest, nil)
		if d, _ := res.obj(t)["detail"].(string); !strings.HasPrefix(d, "JSON parse error - ") {
			t.Errorf("detail %q", d)
		}
	})
	t.Run("fifty characters is fine", func(t *testing.T) {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": strings.Repeat("a", 50)})
	})
	t.Run("whitespace is trimmed", func(t *testing.T) {
		body := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "  trimmed  ", "name": " Trimmed "})
		if body["slug"] != "trimmed" || body["name"] != "Trimmed" {
			t.Errorf("got %v", body)
		}
	})
}

func TestCreateTeamSlugs(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	create := func(body map[string]any) map[string]any { return mustCreateTeam(t, s, "acme", owner, body) }

	first := create(map[string]any{"name": "Backend Eng"})
	if first["slug"] != "backend-eng" || first["name"] != "Backend Eng" {
		t.Fatalf("from name: %v", first)
	}
	second := create(map[string]any{"name": "Backend Eng"})
	if !regexp.MustCompile(`^backend-eng-[a-z0-9]{2}$`).MatchString(jsonField[string](t, second, "slug")) {
		t.Fatalf("collision suffix: %v", second["slug"])
	}
	if only := create(map[string]any{"slug": "only-slug"}); only["name"] != "only-slug" {
		t.Fatalf("name from slug: %v", only)
	}
	if nulls := create(map[string]any{"slug": nil, "name": "From Name"}); nulls["slug"] != "from-name" {
		t.Fatalf("null slug: %v", nulls)
	}
	if accents := create(map[string]any{"name": "  Équipe Ñandú -- Über_Team! "}); accents["slug"] != "equipe-nandu-uber_team" {
		t.Fatalf("folded: %v", accents["slug"])
	}
	if digits := create(map[string]any{"name": "2024"}); !regexp.MustCompile(`^2024-[a-z0-9]{2}$`).MatchString(jsonField[string](t, digits, "slug")) {
		t.Fatalf("all-digit slug kept: %v", digits["slug"])
	}
	// A random 12-hex slug that happens to be all digits (about 1 in 300)
	// gets the suffix an all-digit slug always gets.
	if symbols := create(map[string]any{"name": "!!!"}); !regexp.MustCompile(`^[0-9a-f]{12}(-[a-z0-9]{2})?$`).MatchString(jsonField[string](t, symbols, "slug")) {
		t.Fatalf("nothing to slugify: %v", symbols["slug"])
	}
	long := create(map[string]any{"name": strings.Repeat("long name ", 6)})
	if got := jsonField[string](t, long, "slug"); len(got) > 50 || strings.HasSuffix(got, "-") || !strings.HasPrefix(got, "long-name-long") {
		t.Fatalf("cut: %q", got)
	}
}

func TestCreateTeamConflict(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", owner, map[string]any{"slug": "backend", "name": "Other"}).
		expect(t, http.StatusConflict, map[string]any{
			"non_field_errors": []any{"A team with this slug already exists."},
			"detail":           "A team with this slug already exists.",
		})
	res := send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", owner, map[string]any{"slug": "backend"})
	if res.raw != `{"non_field_errors":["A team with this slug already exists."],"detail":"A team with this slug already exists."}` {
		t.Errorf("key order: %s", res.raw)
	}
	// Slugs are per organization.
	other := s.AddOrganization("globex")
	mustCreateTeam(t, s, "globex", other.Owner, map[string]any{"slug": "backend"})
}

func TestTeamLookup(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	team := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	other := s.AddOrganization("globex")
	otherTeam := mustCreateTeam(t, s, "globex", other.Owner, map[string]any{"slug": "ops"})
	orgID := formatID(s.st.orgsBySlug["acme"].id)
	teamID, otherTeamID := jsonField[string](t, team, "id"), jsonField[string](t, otherTeam, "id")
	cases := []struct {
		name, org, team string
		status          int
	}{
		{"slugs", "acme", "backend", 200},
		{"team id", "acme", teamID, 200},
		{"org id and team slug", orgID, "backend", 200},
		{"org id and team id", orgID, teamID, 200},
		{"unknown team", "acme", "nope", 404},
		{"unknown team id", "acme", "42", 404},
		{"another organization's team", "acme", otherTeamID, 404},
		{"unknown organization", "nope", "backend", 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := send(t, s, http.MethodGet, teamPath(c.org, c.team), owner, nil)
			if c.status == 404 {
				res.expect(t, 404, detail(detailNotFound))
				return
			}
			res.expect(t, c.status, nil)
			if res.obj(t)["id"] != team["id"] {
				t.Errorf("found %v", res.obj(t)["id"])
			}
		})
	}
}

func TestUpdateTeam(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend", "name": "Backend"})
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "frontend"})

	cases := []struct {
		name   string
		body   any
		status int
		want   any
	}{
		{"duplicate slug", map[string]any{"slug": "frontend"}, 400,
			map[string]any{"slug": []any{`The slug "frontend" is already in use.`}}},
		{"invalid slug", map[string]any{"slug": "Front End"}, 400, map[string]any{"slug": []any{msgSlugInvalid}}},
		{"null slug", map[string]any{"slug": nil}, 400, map[string]any{"slug": []any{"This field may not be null."}}},
		{"blank name", map[string]any{"name": ""}, 400, map[string]any{"name": []any{"This field may not be blank."}}},
		{"long name", map[string]any{"name": strings.Repeat("x", 65)}, 400,
			map[string]any{"name": []any{"Ensure this field has no more than 64 characters."}}},
		{"nothing", map[string]any{}, 200, nil},
		{"own slug", map[string]any{"slug": "backend"}, 200, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPut, teamPath("acme", "backend"), owner, c.body).expect(t, c.status, c.want)
		})
	}

	res := send(t, s, http.MethodPut, teamPath("acme", "backend"), owner, map[string]any{"name": "Platform", "slug": "platform"})
	res.expect(t, http.StatusOK, nil)
	if b := res.obj(t); b["slug"] != "platform" || b["name"] != "Platform" {
		t.Fatalf("renamed: %v", b)
	}
	if _, ok := res.obj(t)["organization"]; ok {
		t.Error("PUT answers without the organization")
	}
	send(t, s, http.MethodGet, teamPath("acme", "backend"), owner, nil).expect(t, http.StatusNotFound, detail(detailNotFound))
	send(t, s, http.MethodGet, teamPath("acme", "platform"), owner, nil).expect(t, http.StatusOK, nil)
	// The old slug is free again.
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
}

func TestDeleteTeam(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	team := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})

	res := send(t, s, http.MethodDelete, teamPath("acme", "backend"), owner, nil)
	if res.status != http.StatusNoContent || res.raw != "" {
		t.Fatalf("delete: %d %q", res.status, res.raw)
	}
	for _, ref := range []string{"backend", jsonField[string](t, team, "id")} {
		send(t, s, http.MethodGet, teamPath("acme", ref), owner, nil).expect(t, http.StatusNotFound, detail(detailNotFound))
		send(t, s, http.MethodPut, teamPath("acme", ref), owner, map[string]any{"name": "x"}).expect(t, http.StatusNotFound, nil)
		send(t, s, http.MethodDelete, teamPath("acme", ref), owner, nil).expect(t, http.StatusNotFound, nil)
	}
	if list := send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", owner, nil).list(t); len(list) != 0 {
		t.Fatalf("deleted team listed: %v", list)
	}
	again := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	if again["id"] == team["id"] {
		t.Fatal("the new team reuses the deleted one's id")
	}
	// Slug generation skips nothing on account of the deleted team.
	if fromName := mustCreateTeam(t, s, "acme", owner, map[string]any{"name": "Old"}); fromName["slug"] != "old" {
		t.Fatalf("slug %v", fromName["slug"])
	}
}

func TestIdPProvisionedTeam(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "scim"})
	if err := s.SetTeamProvisioned("acme", "scim", true); err != nil {
		t.Fatal(err)
	}
	managed := detail("This team is managed through your organization's identity provider.")
	send(t, s, http.MethodPut, teamPath("acme", "scim"), owner, map[string]any{"name": "x"}).expect(t, http.StatusForbidden, managed)
	send(t, s, http.MethodDelete, teamPath("acme", "scim"), owner, nil).expect(t, http.StatusForbidden, managed)
	body := send(t, s, http.MethodGet, teamPath("acme", "scim"), owner, nil).obj(t)
	if jsonField[map[string]any](t, body, "flags")["idp:provisioned"] != true {
		t.Fatalf("flags %v", body["flags"])
	}
	// Sentry's create serializer takes the flag too.
	created := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "via-api", "idp_provisioned": true})
	if jsonField[map[string]any](t, created, "flags")["idp:provisioned"] != true {
		t.Fatalf("flags %v", created["flags"])
	}
	if err := s.SetTeamProvisioned("acme", "nope", true); !errors.Is(err, ErrNoTeam) {
		t.Fatalf("unknown team: %v", err)
	}
}

func TestListTeamsPagination(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	for i := range 250 {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": fmt.Sprintf("team-%03d", 249-i)})
	}
	base := "http://example.com/api/0/organizations/acme/teams/"
	link := func(query, prev string, prevResults bool, next string, nextResults bool) string {
		return fmt.Sprintf(`<%s?%s&cursor=%s>; rel="previous"; results="%t"; cursor="%s", <%s?%s&cursor=%s>; rel="next"; results="%t"; cursor="%s"`,
			base, query, prev, prevResults, prev, base, query, next, nextResults, next)
	}
	pages := []struct {
		query string
		count int
		first string
		link  string
	}{
		{"", 100, "team-000", link("", "100:-1:1", false, "100:1:0", true)},
		{"?cursor=100:1:0", 100, "team-100", link("", "100:0:1", true, "100:2:0", true)},
		{"?cursor=100:2:0", 50, "team-200", link("", "100:1:1", true, "100:3:0", false)},
		{"?detailed=0&cursor=100:1:0&per_page=100", 100, "team-100",
			link("detailed=0&per_page=100", "100:0:1", true, "100:2:0", true)},
		{"?per_page=50&cursor=50:4:0", 50, "team-200", link("per_page=50", "50:3:1", true, "50:5:0", false)},
		{"?query=slug%3Ateam-001+slug%3Ateam-002", 2, "team-001",
			link("query=slug%3Ateam-001+slug%3Ateam-002", "100:-1:1", false, "100:1:0", false)},
	}
	var all []string
	for _, p := range pages {
		t.Run(p.query, func(t *testing.T) {
			res := send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/"+p.query, owner, nil)
			res.expect(t, http.StatusOK, nil)
			list := res.list(t)
			if len(list) != p.count || list[0]["slug"] != p.first {
				t.Fatalf("%d teams from %v", len(list), list[0]["slug"])
			}
			if got := res.header.Get("Link"); got != p.link {
				t.Fatalf("Link\n got %s\nwant %s", got, p.link)
			}
			if p.query == "" || strings.HasPrefix(p.query, "?cursor=") {
				for _, team := range list {
					all = append(all, jsonField[string](t, team, "slug"))
				}
			}
		})
	}
	if len(all) != 250 || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != 250 {
		t.Fatalf("walking the pages gave %d teams, sorted %t", len(all), slices.IsSorted(all))
	}

	errorsCases := []struct {
		query  string
		status int
		detail string
	}{
		{"?per_page=101", 400, "Invalid per_page value. Cannot exceed 100."},
		{"?per_page=ten", 400, "Invalid per_page parameter."},
		{"?per_page=", 400, "Invalid per_page parameter."},
		{"?cursor=abc", 400, "Invalid cursor parameter."},
		{"?cursor=1:2", 400, "Invalid cursor parameter."},
		{"?cursor=100:-1:1", 400, "Pagination offset cannot be negative"},
		{"?query=id:abc", 400, "Invalid id value"},
	}
	for _, c := range errorsCases {
		t.Run(c.query, func(t *testing.T) {
			send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/"+c.query, owner, nil).expect(t, c.status, detail(c.detail))
		})
	}
}

func TestListTeamsEmpty(t *testing.T) {
	s := newTestServer(t)
	res := send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", s.Tokens().Member, nil)
	res.expect(t, http.StatusOK, []any{})
	want := `<http://example.com/api/0/organizations/acme/teams/?&cursor=100:-1:1>; rel="previous"; results="false"; cursor="100:-1:1", ` +
		`<http://example.com/api/0/organizations/acme/teams/?&cursor=100:1:0>; rel="next"; results="false"; cursor="100:1:0"`
	if got := res.header.Get("Link"); got != want {
		t.Fatalf("Link %s", got)
	}
}

func TestListTeamsQueryAndDetail(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	var ids []string
	for _, slug := range []string{"alpha", "beta", "gamma"} {
		created := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": slug, "name": strings.ToUpper(slug) + " Team"})
		ids = append(ids, jsonField[string](t, created, "id"))
	}
	cases := []struct {
		query string
		want  []string
	}{
		{"slug:alpha slug:gamma", []string{"alpha", "gamma"}},
		{"slug:alpha gamma", nil},
		{"ALPHA team", []string{"alpha"}},
		{"et", []string{"beta"}},
		{"id:" + ids[1], []string{"beta"}},
		{"owner:someone", nil},
		{"hasExternalTeams:false", []string{"alpha", "beta", "gamma"}},
		{"hasExternalTeams:true", nil},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			res := send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/?query="+strings.ReplaceAll(c.query, " ", "+"), owner, nil)
			res.expect(t, http.StatusOK, nil)
			var got []string
			for _, team := range res.list(t) {
				got = append(got, jsonField[string](t, team, "slug"))
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}

	detailed := send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", owner, nil).list(t)[0]
	if p, ok := detailed["projects"].([]any); !ok || len(p) != 0 {
		t.Errorf("detailed list: projects %v", detailed["projects"])
	}
	if _, ok := detailed["externalTeams"]; !ok {
		t.Error("detailed list: no externalTeams")
	}
	brief := send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/?detailed=0", owner, nil).list(t)[0]
	if _, ok := brief["projects"]; ok {
		t.Error("detailed=0 still lists projects")
	}
}

func TestConcurrentCreates(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	const writers = 40
	var wg sync.WaitGroup
	statuses := make(chan int, 3*writers)
	for i := range writers {
		wg.Add(3)
		go func() {
			defer wg.Done()
			// Same name: every one must get its own slug.
			statuses <- send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", tok.Owner, map[string]any{"name": "Load Test"}).status
		}()
		go func() {
			defer wg.Done()
			statuses <- send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", tok.Manager,
				map[string]any{"slug": fmt.Sprintf("explicit-%d", i)}).status
		}()
		go func() {
			defer wg.Done()
			statuses <- send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/?detailed=0", tok.Member, nil).status
		}()
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusCreated && st != http.StatusOK {
			t.Fatalf("status %d", st)
		}
	}
	list := send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", tok.Owner, nil).list(t)
	if len(list) != 2*writers {
		t.Fatalf("%d teams, want %d", len(list), 2*writers)
	}
}

func TestTeamAuditEntries(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "audited"})
	send(t, s, http.MethodPut, teamPath("acme", "audited"), owner, map[string]any{"name": "Audited"}).expect(t, 200, nil)
	send(t, s, http.MethodDelete, teamPath("acme", "audited"), owner, nil).expect(t, 204, nil)

	var events []string
	for _, e := range s.st.orgsBySlug["acme"].audit {
		events = append(events, e.event)
		if e.actor == nil || e.actor.email != "owner@acme.example" || e.ipAddress != "192.0.2.1" {
			t.Errorf("entry %s: actor %v ip %q", e.event, e.actor, e.ipAddress)
		}
	}
	if want := []string{"member.join-team", "team.create", "team.edit", "team.remove"}; !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
}

func TestTestControls(t *testing.T) {
	s := newTestServer(t)
	if _, err := s.AddMember("nope", "x@example.com", "member"); !errors.Is(err, ErrNoOrganization) {
		t.Errorf("unknown org: %v", err)
	}
	if _, err := s.AddMember("acme", "x@example.com", "overlord"); !errors.Is(err, ErrBadRole) {
		t.Errorf("unknown role: %v", err)
	}
	if _, err := s.AddUserToken("owner@acme.example", "team:fly"); err == nil {
		t.Error("unknown scope accepted")
	}
	tok, err := s.AddMember("acme", "admin@acme.example", "admin")
	if err != nil {
		t.Fatal(err)
	}
	// The retired admin role still holds team:write organization-wide.
	mustCreateTeam(t, s, "acme", tok, map[string]any{"slug": "by-admin"})
	if err := s.SetTeamRole("acme", "by-admin", "nobody@acme.example", "admin"); !errors.Is(err, ErrNoMember) {
		t.Errorf("unknown member: %v", err)
	}
	if err := s.SetTeamRole("acme", "by-admin", "member@acme.example", "boss"); !errors.Is(err, ErrBadRole) {
		t.Errorf("unknown team role: %v", err)
	}
}
