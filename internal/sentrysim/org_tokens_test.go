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
	"time"
)

const orgTokensPath = "/api/0/organizations/acme/org-auth-tokens/"

func orgTokenPath(id string) string { return orgTokensPath + id + "/" }

// mustCreateOrgToken creates an organization auth token and returns the
// create response's body.
func mustCreateOrgToken(t testing.TB, s *Server, token, name string) map[string]any {
	t.Helper()
	res := send(t, s, http.MethodPost, orgTokensPath, token, map[string]any{"name": name})
	res.expect(t, http.StatusCreated, nil)
	return res.obj(t)
}

// newLegacyTokenServer is newTestServer serving the org auth token
// endpoints to bearer tokens, as releases before 25.10 did.
func newLegacyTokenServer(t testing.TB) *Server {
	t.Helper()
	s := newTestServer(t)
	s.SetLegacyOrgTokens(true)
	return s
}

// clock is a test clock that can be moved on between requests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestCreateOrgToken(t *testing.T) {
	s := newLegacyTokenServer(t)
	owner := s.Tokens().Owner
	// Scopes in the request are ignored: every token is org:ci.
	res := send(t, s, http.MethodPost, orgTokensPath, owner, map[string]any{"name": "CI deploys", "scopes": []string{"org:admin"}})
	res.expect(t, http.StatusCreated, nil)
	body := res.obj(t)
	value, _ := body["token"].(string)
	if !regexp.MustCompile(`^sntrys_[0-9a-f]{64}$`).MatchString(value) {
		t.Fatalf("token value has the wrong form (length %d)", len(value))
	}
	want := map[string]any{
		"id": body["id"], "name": "CI deploys", "scopes": []any{"org:ci"},
		"tokenLastCharacters": value[len(value)-4:], "dateCreated": "2024-05-01T12:00:00.123Z",
		"dateLastUsed": nil, "projectLastUsedId": nil, "token": value,
	}
	res.expect(t, http.StatusCreated, want)
	if !regexp.MustCompile(`^\{"id":"[0-9]+","name":"CI deploys","scopes":\["org:ci"\],"tokenLastCharacters":"[0-9a-f]{4}",` +
		`"dateCreated":"[^"]+","dateLastUsed":null,"projectLastUsedId":null,"token":"sntrys_[0-9a-f]{64}"\}$`).MatchString(res.raw) {
		t.Error("key order differs from Sentry's")
	}

	// Only the create response carries the token.
	got := send(t, s, http.MethodGet, orgTokenPath(jsonField[string](t, body, "id")), owner, nil)
	delete(want, "token")
	got.expect(t, http.StatusOK, want)
	list := send(t, s, http.MethodGet, orgTokensPath, owner, nil)
	list.expect(t, http.StatusOK, []any{want})
	if strings.Contains(got.raw+list.raw, value) {
		t.Error("a read returned the token value")
	}

	entry := s.st.orgsBySlug["acme"].audit[len(s.st.orgsBySlug["acme"].audit)-1]
	if entry.event != "org-auth-token.create" || fmt.Sprint(entry.targetObject) != body["id"] || entry.actor == nil ||
		entry.actor.email != "owner@acme.example" || entry.data["name"] != "CI deploys" ||
		!slices.Equal(jsonField[[]string](t, entry.data, "scopes"), []string{"org:ci"}) {
		t.Errorf("audit entry %+v", entry)
	}
}

func TestCreateOrgTokenValidation(t *testing.T) {
	// The detail is a string, as on PUT (organization_auth_tokens.py).
	blank := map[string]any{"detail": "The name cannot be blank."}
	cases := []struct {
		name   string
		body   any
		status int
		want   any
	}{
		{"no name", map[string]any{}, 400, blank},
		{"no body", nil, 400, blank},
		{"empty name", map[string]any{"name": ""}, 400, blank},
		{"null name", map[string]any{"name": nil}, 400, blank},
		{"false", map[string]any{"name": false}, 400, blank},
		{"zero", map[string]any{"name": 0}, 400, blank},
		{"empty list", map[string]any{"name": []any{}}, 400, blank},
		{"too long", map[string]any{"name": strings.Repeat("n", 256)}, 400,
			map[string]any{"detail": "The name cannot be longer than 255 characters."}},
		{"too long in characters", map[string]any{"name": strings.Repeat("é", 256)}, 400,
			map[string]any{"detail": "The name cannot be longer than 255 characters."}},
		{"number", map[string]any{"name": 12}, 500, nil},
		{"list", map[string]any{"name": []any{"x"}}, 500, nil},
		{"255 characters", map[string]any{"name": strings.Repeat("é", 255)}, 201, nil},
		// Names are not trimmed.
		{"spaces", map[string]any{"name": "  "}, 201, nil},
	}
	s := newLegacyTokenServer(t)
	owner := s.Tokens().Owner
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := send(t, s, http.MethodPost, orgTokensPath, owner, c.body)
			res.expect(t, c.status, c.want)
			if c.status == 500 && res.obj(t)["detail"] != "Internal Error" {
				t.Errorf("500 body %s", res.raw)
			}
		})
	}
	list := send(t, s, http.MethodGet, orgTokensPath, owner, nil).list(t)
	if len(list) != 2 || list[0]["name"] != "  " {
		t.Errorf("refused creates left tokens behind: %d tokens", len(list))
	}
}

func TestOrgTokenDetails(t *testing.T) {
	s := newLegacyTokenServer(t)
	owner := s.Tokens().Owner
	created := mustCreateOrgToken(t, s, owner, "first")
	id := jsonField[string](t, created, "id")
	value := jsonField[string](t, created, "token")

	rename := send(t, s, http.MethodPut, orgTokenPath(id), owner, map[string]any{"name": "renamed"})
	if rename.status != http.StatusNoContent || rename.raw != "" {
		t.Fatalf("rename: %d %q", rename.status, rename.raw)
	}
	if got := send(t, s, http.MethodGet, orgTokenPath(id), owner, nil).obj(t)["name"]; got != "renamed" {
		t.Fatalf("name after rename %v", got)
	}
	for _, c := range []struct {
		name string
		body any
		want any
	}{
		{"blank", map[string]any{"name": ""}, detail("The name cannot be blank.")},
		{"missing", map[string]any{}, detail("The name cannot be blank.")},
		{"too long", map[string]any{"name": strings.Repeat("x", 256)}, detail("The name cannot be longer than 255 characters.")},
	} {
		t.Run("rename "+c.name, func(t *testing.T) {
			send(t, s, http.MethodPut, orgTokenPath(id), owner, c.body).expect(t, http.StatusBadRequest, c.want)
		})
	}

	missing := []string{"42", formatID(s.st.orgsBySlug["acme"].id)}
	other := s.AddOrganization("globex")
	otherToken := mustCreateOrgTokenIn(t, s, "globex", other.Owner, "theirs")
	missing = append(missing, otherToken)
	for _, ref := range missing {
		send(t, s, http.MethodGet, orgTokenPath(ref), owner, nil).expect(t, 404, detail(detailNotFound))
		send(t, s, http.MethodPut, orgTokenPath(ref), owner, map[string]any{"name": "x"}).expect(t, 404, detail(detailNotFound))
		send(t, s, http.MethodDelete, orgTokenPath(ref), owner, nil).expect(t, 404, detail(detailNotFound))
	}
	// Sentry hands the id to the database unchecked.
	send(t, s, http.MethodGet, orgTokenPath("abc"), owner, nil).expect(t, http.StatusInternalServerError, nil)

	del := send(t, s, http.MethodDelete, orgTokenPath(id), owner, nil)
	if del.status != http.StatusNoContent || del.raw != "" {
		t.Fatalf("delete: %d %q", del.status, del.raw)
	}
	send(t, s, http.MethodGet, orgTokenPath(id), owner, nil).expect(t, 404, detail(detailNotFound))
	send(t, s, http.MethodPut, orgTokenPath(id), owner, map[string]any{"name": "x"}).expect(t, 404, detail(detailNotFound))
	send(t, s, http.MethodDelete, orgTokenPath(id), owner, nil).expect(t, 404, detail(detailNotFound))
	send(t, s, http.MethodGet, orgTokensPath, owner, nil).expect(t, http.StatusOK, []any{})
	// A deleted token no longer authenticates.
	send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", value, nil).expect(t, 401, detail("Invalid org token"))

	var events []string
	for _, e := range s.st.orgsBySlug["acme"].audit {
		events = append(events, e.event)
	}
	if !slices.Equal(events, []string{"org-auth-token.create", "org-auth-token.remove"}) {
		t.Errorf("events %v", events)
	}
	last := s.st.orgsBySlug["acme"].audit[1]
	if fmt.Sprint(last.targetObject) != id || last.data["name"] != "renamed" {
		t.Errorf("remove entry %+v", last)
	}
}

// mustCreateOrgTokenIn creates a token in another organization and returns
// its id.
func mustCreateOrgTokenIn(t testing.TB, s *Server, org, token, name string) string {
	t.Helper()
	res := send(t, s, http.MethodPost, "/api/0/organizations/"+org+"/org-auth-tokens/", token, map[string]any{"name": name})
	res.expect(t, http.StatusCreated, nil)
	return jsonField[string](t, res.obj(t), "id")
}

func TestOrgTokenPermissionsByRole(t *testing.T) {
	cases := []struct {
		role                              string
		list, create, get, rename, delete int
	}{
		{"owner", 200, 201, 200, 204, 204},
		{"manager", 200, 201, 200, 204, 204},
		{"member", 200, 201, 200, 204, 403},
	}
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			s := newLegacyTokenServer(t)
			tok := s.Tokens()
			token := map[string]string{"owner": tok.Owner, "manager": tok.Manager, "member": tok.Member}[c.role]
			id := jsonField[string](t, mustCreateOrgToken(t, s, tok.Owner, "existing"), "id")
			send(t, s, http.MethodGet, orgTokensPath, token, nil).expect(t, c.list, nil)
			send(t, s, http.MethodPost, orgTokensPath, token, map[string]any{"name": "mine"}).expect(t, c.create, nil)
			send(t, s, http.MethodGet, orgTokenPath(id), token, nil).expect(t, c.get, nil)
			send(t, s, http.MethodPut, orgTokenPath(id), token, map[string]any{"name": "renamed"}).expect(t, c.rename, nil)
			res := send(t, s, http.MethodDelete, orgTokenPath(id), token, nil)
			if c.delete == 403 {
				res.expect(t, 403, detail(detailForbidden))
				return
			}
			res.expect(t, c.delete, nil)
		})
	}
	t.Run("another organization's owner", func(t *testing.T) {
		s := newLegacyTokenServer(t)
		other := s.AddOrganization("globex")
		send(t, s, http.MethodGet, orgTokensPath, other.Owner, nil).expect(t, 403, detail(detailForbidden))
		send(t, s, http.MethodPost, orgTokensPath, other.Owner, map[string]any{"name": "x"}).expect(t, 403, detail(detailForbidden))
	})
}

func TestOrgTokenList(t *testing.T) {
	clk := &clock{now: testNow}
	s := New(Options{Organization: "acme", Now: clk.Now, LegacyOrgTokens: true})
	owner := s.Tokens().Owner
	values := map[string]string{}
	for _, name := range []string{"b-unused", "a-unused", "used-early", "used-late"} {
		values[name] = jsonField[string](t, mustCreateOrgToken(t, s, owner, name), "token")
		clk.advance(time.Second)
	}
	// Tokens count as used when they authenticate, even if the request is
	// then refused.
	send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", values["used-early"], nil).expect(t, 403, nil)
	clk.advance(time.Minute)
	send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", values["used-late"], nil).expect(t, 403, nil)

	res := send(t, s, http.MethodGet, orgTokensPath, owner, nil)
	res.expect(t, http.StatusOK, nil)
	var names []string
	for _, tok := range res.list(t) {
		names = append(names, jsonField[string](t, tok, "name"))
		if _, ok := tok["token"]; ok {
			t.Error("list carries the token")
		}
	}
	if want := []string{"used-late", "used-early", "a-unused", "b-unused"}; !slices.Equal(names, want) {
		t.Errorf("order %v, want %v", names, want)
	}
	if got := res.list(t)[0]["dateLastUsed"]; got != "2024-05-01T12:01:04.123Z" {
		t.Errorf("dateLastUsed %v", got)
	}
	if res.list(t)[2]["dateLastUsed"] != nil || res.list(t)[0]["projectLastUsedId"] != nil {
		t.Errorf("unused token %v", res.list(t)[2])
	}
	if res.header.Get("Link") != "" {
		t.Error("the list is paginated")
	}
	if cc := res.header.Get("Cache-Control"); cc != "max-age=0, no-cache, no-store, must-revalidate, private" {
		t.Errorf("Cache-Control %q", cc)
	}
}

func TestOrgCIToken(t *testing.T) {
	s := newLegacyTokenServer(t)
	tok := s.Tokens()
	ci := s.OrgCIToken("acme")
	if !strings.HasPrefix(ci, "sntrys_") || s.OrgCIToken("acme") != ci {
		t.Fatal("OrgCIToken does not hand out one sntrys_ token")
	}
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend"})
	if err := s.AddProject("acme", "backend", "web"); err != nil {
		t.Fatal(err)
	}

	// org:ci covers releases and source maps, none of these endpoints.
	refused := []struct{ method, path string }{
		{http.MethodGet, "/api/0/organizations/acme/teams/"},
		{http.MethodPost, "/api/0/organizations/acme/teams/"},
		{http.MethodGet, teamPath("acme", "backend")},
		{http.MethodDelete, teamPath("acme", "backend")},
		{http.MethodGet, teamProjectsPath("acme", "backend")},
		{http.MethodGet, "/api/0/organizations/acme/projects/"},
		{http.MethodGet, projectPath("acme", "web")},
		{http.MethodGet, projectPath("acme", "web") + "teams/"},
		{http.MethodPost, projectTeamPath("acme", "web", "backend")},
		{http.MethodGet, orgTokensPath},
		{http.MethodPost, orgTokensPath},
	}
	for _, r := range refused {
		send(t, s, r.method, r.path, ci, map[string]any{"name": "x"}).expect(t, http.StatusForbidden, detail(detailForbidden))
	}

	// Where Sentry's permission classes take org:ci (releases, debug
	// files), the token acts across its own organization and no other.
	acme := s.st.orgsBySlug["acme"]
	p := &principal{token: s.st.tokens[ci]}
	releases := scopesOf("project:read", "project:write", "project:admin", "project:releases", "org:ci")
	if a := accessFor(p, acme); !a.hasAnyScope(releases) || !a.hasAnyProjectScope(acme.projectSlugs["web"], releases) {
		t.Error("org:ci token refused where org:ci is enough")
	}
	other := s.AddOrganization("globex")
	mustCreateTeam(t, s, "globex", other.Owner, map[string]any{"slug": "ops"})
	if err := s.AddProject("globex", "ops", "theirs"); err != nil {
		t.Fatal(err)
	}
	globex := s.st.orgsBySlug["globex"]
	if a := accessFor(p, globex); a.hasAnyScope(releases) || a.hasAnyProjectScope(globex.projectSlugs["theirs"], releases) {
		t.Error("org:ci token accepted in another organization")
	}
	send(t, s, http.MethodGet, "/api/0/organizations/globex/teams/", ci, nil).expect(t, http.StatusForbidden, detail(detailForbidden))

	// The token is an ordinary organization token: listed, and replaced
	// once deleted.
	list := send(t, s, http.MethodGet, orgTokensPath, tok.Owner, nil).list(t)
	if len(list) != 1 || list[0]["tokenLastCharacters"] != ci[len(ci)-4:] || list[0]["dateLastUsed"] == nil {
		t.Fatalf("list %v", list)
	}
	send(t, s, http.MethodDelete, orgTokenPath(jsonField[string](t, list[0], "id")), tok.Owner, nil).expect(t, 204, nil)
	if next := s.OrgCIToken("acme"); next == ci || !strings.HasPrefix(next, "sntrys_") {
		t.Error("OrgCIToken handed out a deleted token")
	}
	if s.OrgCIToken("globex") == s.OrgCIToken("acme") {
		t.Error("organizations share a token")
	}
	defer func() {
		if recover() == nil {
			t.Error("unknown organization did not panic")
		}
	}()
	s.OrgCIToken("nope")
}

func TestPersonalTokensRefuseBearer(t *testing.T) {
	s := newLegacyTokenServer(t)
	tok := s.Tokens()
	for _, token := range []string{tok.Owner, tok.Member, s.OrgCIToken("acme"), "sntryu_unknown", ""} {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut} {
			res := send(t, s, method, "/api/0/api-tokens/", token, map[string]any{"scopes": []string{"org:read"}})
			res.expect(t, http.StatusForbidden, detail("Authentication credentials were not provided."))
			if res.header.Get("WWW-Authenticate") != "" {
				t.Errorf("%s: a challenge on a session-only endpoint", method)
			}
		}
	}
	// Without the trailing slash, Sentry's router answers as for any path.
	send(t, s, http.MethodGet, "/api/0/api-tokens", tok.Owner, nil).expect(t, http.StatusNotFound, nil)
}

func TestOrgTokensRefuseBearerTokensToday(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	made, err := s.CreateOrgToken("acme", "owner@acme.example", "deploy")
	if err != nil {
		t.Fatal(err)
	}
	auditBefore := len(s.st.orgsBySlug["acme"].audit)
	paths := []string{orgTokensPath, orgTokenPath(made.ID), orgTokenPath("999"), orgTokenPath("x"),
		"/api/0/organizations/nope/org-auth-tokens/"}
	for _, token := range []string{tok.Owner, tok.Member, made.Value, "sntryu_unknown", ""} {
		for _, path := range paths {
			for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
				res := send(t, s, method, path, token, map[string]any{"name": "renamed"})
				res.expect(t, http.StatusForbidden, detail("Authentication credentials were not provided."))
				if res.header.Get("WWW-Authenticate") != "" {
					t.Errorf("%s %s: a challenge on a session-only endpoint", method, path)
				}
			}
		}
	}
	live := s.st.activeOrgTokens(s.st.orgsBySlug["acme"])
	if len(live) != 1 || live[0].name != "deploy" || len(s.st.orgsBySlug["acme"].audit) != auditBefore {
		t.Fatalf("refused requests changed something: %d tokens, audit %d -> %d", len(live), auditBefore, len(s.st.orgsBySlug["acme"].audit))
	}
	// The same server in legacy mode answers the same token.
	s.SetLegacyOrgTokens(true)
	send(t, s, http.MethodGet, orgTokenPath(made.ID), tok.Owner, nil).expect(t, http.StatusOK, nil)
}

func TestOrgTokensMadeAndRevokedBySession(t *testing.T) {
	s := newTestServer(t)
	made, err := s.CreateOrgToken("acme", "member@acme.example", "ci-deploy")
	if err != nil {
		t.Fatal(err)
	}
	if !s.OrgTokenLive("acme", made.Value) || !strings.HasPrefix(made.Value, "sntrys_") {
		t.Fatal("the token made in the settings page does not authenticate")
	}
	if _, err := s.CreateOrgToken("acme", "nobody@acme.example", "x"); !errors.Is(err, ErrNoMember) {
		t.Errorf("a non-member made a token: %v", err)
	}
	if _, err := s.CreateOrgToken("acme", "owner@acme.example", " "); err == nil {
		t.Error("a blank name was taken")
	}
	// Revoking takes org:write: a member may not, a manager may.
	if err := s.RevokeOrgToken("acme", "member@acme.example", made.ID); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("a member revoked a token: %v", err)
	}
	if err := s.RevokeOrgToken("acme", "manager@acme.example", made.ID); err != nil {
		t.Fatal(err)
	}
	if s.OrgTokenLive("acme", made.Value) {
		t.Error("a revoked token still authenticates")
	}
	if err := s.RevokeOrgToken("acme", "manager@acme.example", made.ID); !errors.Is(err, ErrNoToken) {
		t.Errorf("a second revoke: %v", err)
	}
	// The log reads as Sentry writes it: the person as actor, the token as
	// target, {"name", "scopes"} as data.
	log := s.st.orgsBySlug["acme"].audit
	if len(log) != 2 {
		t.Fatalf("%d audit entries, want 2", len(log))
	}
	for i, want := range []struct{ event, actor string }{
		{"org-auth-token.create", "member@acme.example"}, {"org-auth-token.remove", "manager@acme.example"},
	} {
		e := log[i]
		if e.event != want.event || e.actor == nil || e.actor.email != want.actor || strconv.FormatInt(e.targetObject, 10) != made.ID ||
			e.data["name"] != "ci-deploy" || !slices.Equal(jsonField[[]string](t, e.data, "scopes"), []string{"org:ci"}) {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	// The audit log endpoint shows them to an owner.
	rows := jsonField[[]any](t, send(t, s, http.MethodGet, "/api/0/organizations/acme/audit-logs/?event=org-auth-token.create",
		s.Tokens().Owner, nil).obj(t), "rows")
	if len(rows) != 1 || strconv.FormatInt(int64(jsonField[float64](t, jsonAs[map[string]any](t, rows[0]), "targetObject")), 10) != made.ID {
		t.Errorf("audit rows %v", rows)
	}
}

func TestOrgTokenSessionControlsOverHTTP(t *testing.T) {
	s := newTestServer(t)
	res := send(t, s, http.MethodPost, "/_sim/org-auth-tokens", "", map[string]any{"user": "owner@acme.example", "name": "ci"})
	res.expect(t, http.StatusCreated, nil)
	body := res.obj(t)
	value := jsonField[string](t, body, "token")
	if !s.OrgTokenLive("acme", value) || body["name"] != "ci" {
		t.Fatalf("control made %v", body["name"])
	}
	send(t, s, http.MethodPost, "/_sim/org-auth-tokens", "", map[string]any{"user": "ghost@acme.example", "name": "ci"}).
		expect(t, http.StatusBadRequest, nil)
	send(t, s, http.MethodPost, "/_sim/org-auth-tokens/revoke", "", map[string]any{"user": "owner@acme.example", "id": body["id"]}).
		expect(t, http.StatusNoContent, nil)
	if s.OrgTokenLive("acme", value) {
		t.Error("the revoke control left the token live")
	}
}
