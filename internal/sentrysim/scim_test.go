package sentrysim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	scimUsers  = "/api/0/organizations/acme/scim/v2/Users"
	scimGroups = "/api/0/organizations/acme/scim/v2/Groups"
	patchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

func scimErr(detail string) map[string]any {
	return map[string]any{"schemas": []any{scimSchemaError}, "detail": detail}
}

var invalidFilterBody = map[string]any{"schemas": []any{scimSchemaError}, "scimType": "invalidFilter"}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []any{patchOp}, "Operations": list}
}

func addMembersOp(ids ...string) map[string]any {
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = map[string]any{"value": id}
	}
	return map[string]any{"op": "add", "path": "members", "value": values}
}

func removeMemberOp(id string) map[string]any {
	return map[string]any{"op": "remove", "path": `members[value eq "` + id + `"]`}
}

// memberIDOf is the id of acme's member with the email.
func memberIDOf(t testing.TB, s *Server, email string) string {
	t.Helper()
	for _, m := range s.st.orgsBySlug["acme"].members {
		if strings.EqualFold(m.currentEmail(), email) {
			return strconv.FormatInt(m.id, 10)
		}
	}
	t.Fatalf("no member %s", email)
	return ""
}

// mustCreateGroup creates a group through SCIM and returns its id.
func mustCreateGroup(t testing.TB, s *Server, token, name string) string {
	t.Helper()
	res := send(t, s, http.MethodPost, scimGroups, token, map[string]any{"displayName": name})
	res.expect(t, http.StatusCreated, nil)
	return jsonField[string](t, res.obj(t), "id")
}

// groupMembers is the member ids the group lists.
func groupMembers(t testing.TB, s *Server, token, id string) []string {
	t.Helper()
	body := send(t, s, http.MethodGet, scimGroups+"/"+id, token, nil).obj(t)
	var ids []string
	for _, m := range jsonField[[]any](t, body, "members") {
		ids = append(ids, jsonField[string](t, jsonAs[map[string]any](t, m), "value"))
	}
	slices.Sort(ids)
	return ids
}

// auditEvents lists the organization's audit entries' events from the
// n-th on.
func auditEvents(s *Server, org string, from int) []string {
	var out []string
	for _, e := range s.st.orgsBySlug[org].audit[from:] {
		out = append(out, e.event)
	}
	return out
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestSCIMToken(t *testing.T) {
	s := newTestServer(t)
	tok := s.SCIMToken("acme")
	if !regexp.MustCompile(`^sntryi_[0-9a-f]{64}$`).MatchString(tok) {
		t.Errorf("token %q is not an integration token", tok)
	}
	if again := s.SCIMToken("acme"); again != tok {
		t.Error("second call made a new token")
	}
	s.AddOrganization("other")
	if s.SCIMToken("other") == tok {
		t.Error("organizations share a SCIM token")
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for an unknown organization")
		}
	}()
	s.SCIMToken("nope")
}

func TestSCIMAuth(t *testing.T) {
	s := newTestServer(t)
	s.AddOrganization("other")
	scim, otherSCIM := s.SCIMToken("acme"), s.SCIMToken("other")
	tok := s.Tokens()
	forbidden := detail(detailForbidden)
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		want                      any
	}{
		{"SCIM token lists groups", http.MethodGet, scimGroups, scim, nil, 200, nil},
		{"SCIM token lists users", http.MethodGet, scimUsers, scim, nil, 200, nil},
		{"no credentials", http.MethodGet, scimGroups, "", nil, 401, detail(detailNotAuthenticated)},
		{"unknown integration token", http.MethodGet, scimGroups, "sntryi_" + strings.Repeat("0", 64), nil, 401, detail(detailInvalidToken)},
		{"another organization's SCIM token", http.MethodGet, scimGroups, otherSCIM, nil, 403, forbidden},
		// Sentry checks scopes, not the kind of token: a user token whose
		// role and scopes allow it passes.
		{"owner's user token", http.MethodGet, scimUsers, tok.Owner, nil, 200, nil},
		{"member's token reads users", http.MethodGet, scimUsers, tok.Member, nil, 200, nil},
		{"member's token cannot invite", http.MethodPost, scimUsers, tok.Member, map[string]any{"userName": "x@example.com"}, 403, forbidden},
		{"member's token cannot create groups", http.MethodPost, scimGroups, tok.Member, map[string]any{"displayName": "x"}, 403, forbidden},
		{"unknown organization", http.MethodGet, "/api/0/organizations/nope/scim/v2/Groups", scim, nil, 404, detail(detailNotFound)},
		// The integration token outside SCIM: its scopes decide.
		{"SCIM token lacks org:read for the teams list", http.MethodGet, "/api/0/organizations/acme/teams/", scim, nil, 403, forbidden},
		{"SCIM token of another organization on its teams", http.MethodPost, "/api/0/organizations/acme/teams/", otherSCIM, map[string]any{"slug": "x"}, 403, forbidden},
		{"SCIM token creates teams with team:write", http.MethodPost, "/api/0/organizations/acme/teams/", scim, map[string]any{"slug": "made-by-scim-token"}, 201, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, c.method, c.path, c.token, c.body).expect(t, c.status, c.want)
		})
	}
}

func TestSCIMFeatureSwitch(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	id := mustCreateGroup(t, s, scim, "Backend")
	if err := s.SetFeature("acme", "sso-scim", false); err != nil {
		t.Fatal(err)
	}
	forbidden := detail(detailForbidden)
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, scimGroups}, {http.MethodPost, scimGroups}, {http.MethodGet, scimGroups + "/" + id},
		{http.MethodPatch, scimGroups + "/" + id}, {http.MethodDelete, scimGroups + "/" + id},
		{http.MethodGet, scimUsers}, {http.MethodPost, scimUsers},
		{http.MethodGet, scimUsers + "/1"}, {http.MethodPatch, scimUsers + "/1"}, {http.MethodDelete, scimUsers + "/1"},
	} {
		send(t, s, r.method, r.path, scim, map[string]any{}).expect(t, http.StatusForbidden, forbidden)
	}
	if err := s.SetFeature("acme", "sso-scim", true); err != nil {
		t.Fatal(err)
	}
	send(t, s, http.MethodGet, scimGroups, scim, nil).expect(t, http.StatusOK, nil)

	if err := s.SetFeature("acme", "time-travel", true); !errors.Is(err, ErrBadFeature) {
		t.Errorf("unknown feature: %v", err)
	}
	if err := s.SetFeature("nope", "sso-scim", true); !errors.Is(err, ErrNoOrganization) {
		t.Errorf("unknown organization: %v", err)
	}
	for _, f := range []string{"team-roles", "audit-log", "invite-members", "invite-billing"} {
		if err := s.SetFeature("acme", f, false); err != nil || s.st.orgsBySlug["acme"].hasFeature(f) {
			t.Errorf("SetFeature(%q, false): %v", f, err)
		}
	}
}

func TestSCIMRouting(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	id := mustCreateGroup(t, s, scim, "Backend")

	// SCIM paths have no trailing slash; with one there is no route.
	send(t, s, http.MethodGet, scimGroups+"/", scim, nil).expect(t, http.StatusNotFound, detail(detailNotFound))
	// The user route takes digits only.
	res := send(t, s, http.MethodGet, scimUsers+"/me", scim, nil)
	if res.status != http.StatusNotFound || !strings.Contains(res.raw, "Route not found") {
		t.Errorf("non-numeric user id: %d %s", res.status, res.raw)
	}
	// Groups take an id or a slug.
	send(t, s, http.MethodGet, scimGroups+"/backend", scim, nil).expect(t, http.StatusOK, nil)
	// Methods an endpoint lacks: the group permission names no PUT, so a
	// token meets 403; the user permission does, so 405 with Allow.
	send(t, s, http.MethodPut, scimGroups+"/"+id, scim, map[string]any{}).expect(t, http.StatusForbidden, detail(detailForbidden))
	res = send(t, s, http.MethodPost, scimUsers+"/1", scim, map[string]any{})
	res.expect(t, http.StatusMethodNotAllowed, detail(`Method "POST" not allowed.`))
	if got := res.header.Get("Allow"); got != "DELETE, GET, HEAD, PATCH" {
		t.Errorf("Allow %q", got)
	}
}

func TestSCIMCreateGroup(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	owner := s.Tokens().Owner
	before := len(s.st.orgsBySlug["acme"].audit)

	res := send(t, s, http.MethodPost, scimGroups, scim, map[string]any{
		"schemas": []any{scimSchemaGroup}, "displayName": "Backend Eng",
	})
	id := res.obj(t)["id"]
	res.expect(t, http.StatusCreated, map[string]any{
		"schemas":     []any{scimSchemaGroup},
		"id":          id,
		"displayName": "Backend Eng",
		"meta":        map[string]any{"resourceType": "Group"},
		"members":     []any{},
	})
	team := send(t, s, http.MethodGet, teamPath("acme", "backend-eng")+"?collapse=organization", owner, nil).obj(t)
	if team["id"] != id || team["name"] != "Backend Eng" || jsonField[map[string]any](t, team, "flags")["idp:provisioned"] != true || team["memberCount"] != float64(0) {
		t.Errorf("team %v", team)
	}
	entries := s.st.orgsBySlug["acme"].audit[before:]
	if len(entries) != 1 || entries[0].event != "team.create" || entries[0].actor != nil ||
		!regexp.MustCompile(`^SCIM Internal Integration \([0-9a-f]{6}\)$`).MatchString(entries[0].actorLabel) {
		t.Fatalf("audit %+v", entries)
	}

	// The teams API refuses to change a team the identity provider owns.
	managed := detail(msgIdPManagedTeam)
	send(t, s, http.MethodPut, teamPath("acme", "backend-eng"), owner, map[string]any{"name": "x"}).expect(t, http.StatusForbidden, managed)
	send(t, s, http.MethodDelete, teamPath("acme", "backend-eng"), owner, nil).expect(t, http.StatusForbidden, managed)

	conflict := map[string]any{"non_field_errors": []any{msgTeamSlugConflict}, "detail": msgTeamSlugConflict}
	cases := []struct {
		name   string
		body   any
		status int
		want   any
	}{
		{"same slug", map[string]any{"displayName": "backend eng"}, 409, conflict},
		{"nothing to slugify", map[string]any{"displayName": "!!!"}, 400, map[string]any{"slug": []any{msgBlank}}},
		{"all digits", map[string]any{"displayName": "123"}, 400, map[string]any{"slug": []any{msgSlugInvalid}}},
		{"name too long", map[string]any{"displayName": strings.Repeat("n ", 40)}, 400, map[string]any{
			"slug": []any{"Ensure this field has no more than 50 characters."},
			"name": []any{"Ensure this field has no more than 64 characters."},
		}},
		{"not a string", map[string]any{"displayName": true}, 400, map[string]any{"name": []any{msgNotString}}},
		{"no displayName", map[string]any{"name": "x"}, 500, nil},
		{"not an object", []any{"x"}, 500, nil},
		{"null name takes the slug None gives", map[string]any{"displayName": nil}, 201, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPost, scimGroups, scim, c.body).expect(t, c.status, c.want)
		})
	}
	if got := send(t, s, http.MethodGet, teamPath("acme", "none"), owner, nil).obj(t)["name"]; got != "none" {
		t.Errorf("team made from null: name %v", got)
	}
}

// sendContentType posts a raw body to the SCIM groups endpoint with the
// given Content-Type ("" for none).
func sendContentType(t *testing.T, s *Server, token, contentType, body string) int {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "http://example.com"+scimGroups, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code
}

func TestSCIMBodyParsing(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	// SCIM parses any body as JSON, whatever its type...
	if code := sendContentType(t, s, scim, "application/scim+json", `{"displayName": "a"}`); code != 201 {
		t.Errorf("scim+json: %d", code)
	}
	if code := sendContentType(t, s, scim, "text/plain", `{"displayName": "b"}`); code != 201 {
		t.Errorf("text/plain: %d", code)
	}
	if code := sendContentType(t, s, scim, "application/json", `{"displayName": `); code != 400 {
		t.Errorf("broken JSON: %d", code)
	}
	// ...but without a Content-Type the body is not read at all.
	if code := sendContentType(t, s, scim, "", `{"displayName": "c"}`); code != 500 {
		t.Errorf("no Content-Type: %d", code)
	}
}

func TestSCIMListGroups(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	ownerID := memberIDOf(t, s, "owner@acme.example")
	ids := map[string]string{}
	for _, name := range []string{"Charlie", "Alpha", "Backend Eng", "Delta"} {
		ids[name] = mustCreateGroup(t, s, scim, name)
	}
	send(t, s, http.MethodPatch, scimGroups+"/"+ids["Alpha"], scim, patchBody(addMembersOp(ownerID))).expect(t, 204, nil)
	// A team made through the teams API is a group too.
	mustCreateTeam(t, s, "acme", s.Tokens().Owner, map[string]any{"slug": "echo"})
	echoID := strconv.FormatInt(s.st.orgsBySlug["acme"].teamSlugs["echo"].id, 10)

	group := func(name, id string, members ...any) map[string]any {
		g := map[string]any{"schemas": []any{scimSchemaGroup}, "id": id, "displayName": name, "meta": map[string]any{"resourceType": "Group"}}
		if members != nil {
			g["members"] = members
		}
		return g
	}
	list := func(total, start int, resources ...any) map[string]any {
		if resources == nil {
			resources = []any{}
		}
		return map[string]any{"schemas": []any{scimSchemaList}, "totalResults": total, "startIndex": start, "itemsPerPage": len(resources), "Resources": resources}
	}
	owner := map[string]any{"value": ownerID, "display": "owner@acme.example"}
	alpha := group("Alpha", ids["Alpha"], owner)
	// The teams API puts its caller on the team.
	echo := group("echo", echoID, owner)

	cases := []struct {
		name, query string
		status      int
		want        any
	}{
		{"by slug", "", 200, list(5, 1, alpha, group("Backend Eng", ids["Backend Eng"], []any{}...),
			group("Charlie", ids["Charlie"], []any{}...), group("Delta", ids["Delta"], []any{}...), echo)},
		{"page", "?startIndex=2&count=2", 200, list(5, 2, group("Backend Eng", ids["Backend Eng"], []any{}...), group("Charlie", ids["Charlie"], []any{}...))},
		{"past the end", "?startIndex=9", 200, list(5, 9)},
		{"without members", "?count=1&excludedAttributes=members", 200, list(5, 1, group("Alpha", ids["Alpha"]))},
		{"filter slugifies the name", `?filter=displayName eq "BACKEND  eng"`, 200, list(1, 1, group("Backend Eng", ids["Backend Eng"], []any{}...))},
		{"filter matches nothing", `?filter=displayName eq "Zulu"`, 200, list(0, 1)},
		{"empty filter value filters nothing", `?filter=displayName eq ""&count=1`, 200, list(5, 1, alpha)},
		{"blank filter parameter is no filter", "?filter=&count=1", 200, list(5, 1, alpha)},
		{"decimal count", "?count=1.0", 200, list(5, 1, alpha)},
		// Sentry's docs say 100 at most, but its paginator honours more.
		{"count above 100", "?count=150&startIndex=5", 200, list(5, 5, echo)},
		{"no operator", `?filter=displayName "x"`, 400, invalidFilterBody},
		{"unknown key", `?filter=name eq "x"`, 400, invalidFilterBody},
		{"two conditions", `?filter=displayName eq "a",displayName eq "b"`, 400, invalidFilterBody},
		{"blank filter", "?filter=%20%20", 400, invalidFilterBody},
		{"filter wins over other errors", `?startIndex=0&filter=x`, 400, invalidFilterBody},
		{"value filter that is no number", `?filter=value eq "abc"`, 500, nil},
		{"startIndex below 1", "?startIndex=0", 400, map[string]any{"startIndex": []any{"Ensure this value is greater than or equal to 1."}}},
		{"count not a number", "?count=ten", 400, map[string]any{"count": []any{"A valid integer is required."}}},
		{"both bad", "?startIndex=x&count=-1", 400, map[string]any{
			"startIndex": []any{"A valid integer is required."},
			"count":      []any{"Ensure this value is greater than or equal to 0."},
		}},
		{"blank excluded attribute", "?excludedAttributes=", 400, map[string]any{"excludedAttributes": map[string]any{"0": []any{msgBlank}}}},
		{"count 0 fails Sentry's paginator", "?count=0", 500, nil},
		{"per_page above the ceiling", "?per_page=101", 400, detail("Invalid per_page value. Cannot exceed 100.")},
		{"per_page overrides count", "?per_page=1&count=3", 200, list(5, 1, alpha)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := scimGroups + strings.ReplaceAll(strings.ReplaceAll(c.query, " ", "%20"), `"`, "%22")
			res := send(t, s, http.MethodGet, path, scim, nil)
			res.expect(t, c.status, c.want)
			if res.header.Get("Link") != "" {
				t.Error("SCIM lists carry no Link header")
			}
		})
	}
}

func TestSCIMGetGroup(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	id := mustCreateGroup(t, s, scim, "Backend")
	send(t, s, http.MethodGet, scimGroups+"/"+id+"?excludedAttributes=members", scim, nil).expect(t, 200, map[string]any{
		"schemas": []any{scimSchemaGroup}, "id": id, "displayName": "Backend", "meta": map[string]any{"resourceType": "Group"},
	})
	notFound := scimErr(msgSCIMGroupNotFound)
	send(t, s, http.MethodGet, scimGroups+"/2", scim, nil).expect(t, 404, notFound)
	send(t, s, http.MethodPatch, scimGroups+"/2", scim, patchBody()).expect(t, 404, notFound)
	send(t, s, http.MethodDelete, scimGroups+"/2", scim, nil).expect(t, 404, notFound)
	send(t, s, http.MethodGet, scimGroups+"/"+id+"?filter=bad", scim, nil).expect(t, 400, invalidFilterBody)
}

func TestSCIMDeleteGroup(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	ownerID := memberIDOf(t, s, "owner@acme.example")
	id := mustCreateGroup(t, s, scim, "Backend")
	send(t, s, http.MethodPatch, scimGroups+"/"+id, scim, patchBody(addMembersOp(ownerID))).expect(t, 204, nil)
	before := len(s.st.orgsBySlug["acme"].audit)

	send(t, s, http.MethodDelete, scimGroups+"/"+id, scim, nil).expect(t, http.StatusNoContent, nil)
	send(t, s, http.MethodGet, scimGroups+"/"+id, scim, nil).expect(t, 404, scimErr(msgSCIMGroupNotFound))
	send(t, s, http.MethodGet, teamPath("acme", "backend"), s.Tokens().Owner, nil).expect(t, 404, nil)
	if got := auditEvents(s, "acme", before); !slices.Equal(got, []string{"team.remove"}) {
		t.Errorf("audit %v", got)
	}
	owner := s.st.orgsBySlug["acme"].members[mustParseID(t, ownerID)]
	if len(owner.teams) != 0 {
		t.Errorf("owner still on %v", owner.teams)
	}
	// The slug is free at once.
	mustCreateGroup(t, s, scim, "Backend")
}

func mustParseID(t testing.TB, id string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSCIMPatchGroup(t *testing.T) {
	type setup struct {
		s                 *Server
		scim, id          string
		owner, mgr, membr string
		invite            string
	}
	newSetup := func(t *testing.T) *setup {
		s := newTestServer(t)
		su := &setup{s: s, scim: s.SCIMToken("acme")}
		su.id = mustCreateGroup(t, s, su.scim, "Backend")
		su.owner = memberIDOf(t, s, "owner@acme.example")
		su.mgr = memberIDOf(t, s, "manager@acme.example")
		su.membr = memberIDOf(t, s, "member@acme.example")
		invite := send(t, s, http.MethodPost, scimUsers, su.scim, map[string]any{"userName": "new@example.com"})
		invite.expect(t, http.StatusCreated, nil)
		su.invite = jsonField[string](t, invite.obj(t), "id")
		// Start every case with the owner on the team.
		send(t, s, http.MethodPatch, scimGroups+"/"+su.id, su.scim, patchBody(addMembersOp(su.owner))).expect(t, 204, nil)
		return su
	}

	cases := []struct {
		name    string
		ops     func(su *setup) []map[string]any
		status  int
		want    func(su *setup) any
		members func(su *setup) []string
		events  []string
		slug    string // the team's slug afterwards; "backend" when empty
	}{
		{
			name:    "add members, pending invites included",
			ops:     func(su *setup) []map[string]any { return []map[string]any{addMembersOp(su.mgr, su.invite)} },
			status:  204,
			members: func(su *setup) []string { return sorted(su.owner, su.mgr, su.invite) },
			events:  []string{"member.join-team", "member.join-team"},
		},
		{
			name:    "adding a member already on the team changes nothing",
			ops:     func(su *setup) []map[string]any { return []map[string]any{addMembersOp(su.owner)} },
			status:  204,
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "ids may be numbers",
			ops: func(su *setup) []map[string]any {
				n, _ := strconv.ParseInt(su.mgr, 10, 64)
				return []map[string]any{{"op": "ADD", "path": "members", "value": []any{map[string]any{"value": n}}}}
			},
			status:  204,
			members: func(su *setup) []string { return sorted(su.owner, su.mgr) },
			events:  []string{"member.join-team"},
		},
		{
			name:    "remove by filter",
			ops:     func(su *setup) []map[string]any { return []map[string]any{removeMemberOp(su.owner)} },
			status:  204,
			members: func(*setup) []string { return nil },
			events:  []string{"member.leave-team"},
		},
		{
			name: "remove, Azure's form",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{{"op": "remove", "path": "members", "value": []any{map[string]any{"value": su.owner}}}}
			},
			status:  204,
			members: func(*setup) []string { return nil },
			events:  []string{"member.leave-team"},
		},
		{
			name:    "removing a member not on the team changes nothing",
			ops:     func(su *setup) []map[string]any { return []map[string]any{removeMemberOp(su.mgr)} },
			status:  204,
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "replace the member set",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{{"op": "replace", "path": "members", "value": []any{
					map[string]any{"value": su.mgr}, map[string]any{"value": su.membr},
				}}}
			},
			status:  204,
			members: func(su *setup) []string { return sorted(su.mgr, su.membr) },
			// The owner leaves (audited), the two others join (audited).
			events: []string{"member.leave-team", "member.join-team", "member.join-team"},
		},
		{
			name: "rename, Okta's form",
			ops: func(*setup) []map[string]any {
				return []map[string]any{{"op": "replace", "value": map[string]any{"id": "x", "displayName": "Platform Team"}}}
			},
			status:  204,
			members: func(su *setup) []string { return sorted(su.owner) },
			events:  []string{"team.edit"},
			slug:    "platform-team",
		},
		{
			name: "rename, Azure's form",
			ops: func(*setup) []map[string]any {
				return []map[string]any{{"op": "Replace", "path": "displayName", "value": "Ops"}}
			},
			status:  204,
			members: func(su *setup) []string { return sorted(su.owner) },
			events:  []string{"team.edit"},
			slug:    "ops",
		},
		{
			name: "an unknown member undoes the whole PATCH",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{addMembersOp(su.mgr), {"op": "replace", "path": "displayName", "value": "Renamed"}, addMembersOp("999")}
			},
			status:  404,
			want:    func(*setup) any { return scimErr(msgSCIMUserNotFound) },
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "removing an unknown member is 404 too",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{removeMemberOp(su.owner), removeMemberOp("999")}
			},
			status:  404,
			want:    func(*setup) any { return scimErr(msgSCIMUserNotFound) },
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "a rename to a taken slug undoes the PATCH",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{removeMemberOp(su.owner), {"op": "replace", "path": "displayName", "value": "Taken"}}
			},
			status:  400,
			want:    func(*setup) any { return map[string]any{"slug": []any{`The slug "taken" is already in use.`}} },
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "an unsupported replace keeps what came before",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{addMembersOp(su.mgr), {"op": "replace", "path": "externalId", "value": "x"}, addMembersOp(su.membr)}
			},
			status:  400,
			want:    func(*setup) any { return scimErr(msgSCIMUnsupportedAttr) },
			members: func(su *setup) []string { return sorted(su.owner, su.mgr) },
			events:  []string{"member.join-team"},
		},
		{
			name: "a bad remove filter fails before anything changes",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{addMembersOp(su.mgr), {"op": "remove", "path": `members[value gt "1"]`}}
			},
			status:  400,
			want:    func(*setup) any { return invalidFilterBody },
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "adds to other paths are ignored",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{{"op": "add", "path": "externalId", "value": "x"}}
			},
			status:  204,
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "a remove filter value that is no number crashes Sentry",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{addMembersOp(su.mgr), removeMemberOp("abc")}
			},
			status:  500,
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "an add without a path crashes Sentry, and is undone",
			ops: func(su *setup) []map[string]any {
				return []map[string]any{removeMemberOp(su.owner), {"op": "add", "value": []any{}}}
			},
			status:  500,
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name:   "an unknown op",
			ops:    func(*setup) []map[string]any { return []map[string]any{{"op": "bogus"}} },
			status: 400,
			want: func(*setup) any {
				return scimErr(`{"Operations":{"0":{"op":["\"bogus\" is not a valid choice"]}}}`)
			},
			members: func(su *setup) []string { return sorted(su.owner) },
		},
		{
			name: "100 operations",
			ops: func(su *setup) []map[string]any {
				ops := make([]map[string]any, 100)
				for i := range ops {
					ops[i] = addMembersOp(su.mgr)
				}
				return ops
			},
			status:  204,
			members: func(su *setup) []string { return sorted(su.owner, su.mgr) },
			events:  []string{"member.join-team"},
		},
		{
			name: "101 operations",
			ops: func(su *setup) []map[string]any {
				ops := make([]map[string]any, 101)
				for i := range ops {
					ops[i] = addMembersOp(su.mgr)
				}
				return ops
			},
			status:  400,
			want:    func(*setup) any { return scimErr(msgSCIMTooManyOps) },
			members: func(su *setup) []string { return sorted(su.owner) },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			su := newSetup(t)
			mustCreateTeam(t, su.s, "acme", su.s.Tokens().Owner, map[string]any{"slug": "taken"})
			before := len(su.s.st.orgsBySlug["acme"].audit)
			var want any
			if c.want != nil {
				want = c.want(su)
			}
			send(t, su.s, http.MethodPatch, scimGroups+"/"+su.id, su.scim, patchBody(c.ops(su)...)).expect(t, c.status, want)
			if got, wantMembers := groupMembers(t, su.s, su.scim, su.id), c.members(su); !slices.Equal(got, wantMembers) {
				t.Errorf("members %v, want %v", got, wantMembers)
			}
			if got := auditEvents(su.s, "acme", before); !slices.Equal(got, c.events) {
				t.Errorf("audit %v, want %v", got, c.events)
			}
			slug := c.slug
			if slug == "" {
				slug = "backend"
			}
			if got := su.s.st.orgsBySlug["acme"].teams[mustParseID(t, su.id)].slug; got != slug {
				t.Errorf("slug %q, want %q", got, slug)
			}
		})
	}
}

func TestSCIMPatchGroupValidation(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	id := mustCreateGroup(t, s, scim, "Backend")
	cases := []struct {
		name string
		body any
		want string
	}{
		{"no schemas", map[string]any{"Operations": []any{}}, `{"schemas":["This field is required."]}`},
		{"nothing", map[string]any{}, `{"schemas":["This field is required."],"Operations":["This field is required."]}`},
		{"operations not a list", map[string]any{"schemas": []any{patchOp}, "Operations": map[string]any{}}, `{"Operations":["Expected a list of items but got type \"dict\"."]}`},
		{"operation not an object", map[string]any{"schemas": []any{patchOp}, "Operations": []any{"add"}}, `{"Operations":{"0":{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}}}`},
		{"null operation", map[string]any{"schemas": []any{patchOp}, "Operations": []any{nil}}, `{"Operations":{"0":["This field may not be null."]}}`},
		{"op missing, null value, bad path", map[string]any{"schemas": []any{patchOp}, "Operations": []any{
			map[string]any{"op": "add", "path": "members"}, map[string]any{"value": nil, "path": true},
		}}, `{"Operations":{"1":{"op":["This field is required."],"value":["This field may not be null."],"path":["Not a valid string."]}}}`},
		{"body not an object", []any{}, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPatch, scimGroups+"/"+id, scim, c.body).expect(t, http.StatusBadRequest, scimErr(c.want))
		})
	}
	if s.st.orgsBySlug["acme"].teams[mustParseID(t, id)].members == nil {
		t.Fatal("team lost its member map")
	}
}

// A PATCH makes a team the identity provider's, even one the teams API
// made.
func TestSCIMPatchClaimsTeam(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	owner := s.Tokens().Owner
	team := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "manual"})
	send(t, s, http.MethodPatch, scimGroups+"/"+jsonField[string](t, team, "id"), scim, patchBody()).expect(t, 204, nil)
	send(t, s, http.MethodPut, teamPath("acme", "manual"), owner, map[string]any{"name": "x"}).expect(t, 403, detail(msgIdPManagedTeam))
}

func TestSCIMCreateUser(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	before := len(s.st.orgsBySlug["acme"].audit)
	res := send(t, s, http.MethodPost, scimUsers, scim, map[string]any{
		"schemas": []any{scimSchemaUser}, "userName": " Test.User@example.com ", "active": true,
	})
	id := res.obj(t)["id"]
	want := map[string]any{
		"schemas":       []any{scimSchemaUser},
		"id":            id,
		"userName":      "Test.User@example.com",
		"name":          map[string]any{"givenName": "N/A", "familyName": "N/A"},
		"emails":        []any{map[string]any{"primary": true, "value": "Test.User@example.com", "type": "work"}},
		"meta":          map[string]any{"resourceType": "User"},
		"sentryOrgRole": "member",
		"active":        true,
	}
	res.expect(t, http.StatusCreated, want)
	send(t, s, http.MethodGet, scimUsers+"/"+jsonAs[string](t, id), scim, nil).expect(t, 200, want)
	m := s.st.orgsBySlug["acme"].members[mustParseID(t, jsonAs[string](t, id))]
	if !m.pending || !m.idpProvisioned || m.user != nil || m.inviteExpiresAt.Sub(testNow) != scimInviteLifetime {
		t.Errorf("member %+v", m)
	}
	entries := s.st.orgsBySlug["acme"].audit[before:]
	if len(entries) != 1 || entries[0].event != "member.invite" || entries[0].targetObject != m.id ||
		entries[0].data["email"] != "Test.User@example.com" || entries[0].data["role"] != "member" {
		t.Fatalf("audit %+v", entries)
	}

	cases := []struct {
		name   string
		body   any
		status int
		want   any
	}{
		{"role in any case", map[string]any{"userName": "mgr@example.com", "sentryOrgRole": "Manager"}, 201, nil},
		{"blank role is the default", map[string]any{"userName": "dflt@example.com", "sentryOrgRole": ""}, 201, nil},
		{"owner may not be given", map[string]any{"userName": "o@example.com", "sentryOrgRole": "owner"}, 400, scimErr(msgSCIMInvalidOrgRole)},
		{"unknown role", map[string]any{"userName": "o@example.com", "sentryOrgRole": "boss"}, 400, scimErr(msgSCIMInvalidOrgRole)},
		{"joined member", map[string]any{"userName": "MEMBER@acme.example"}, 409, scimErr(msgSCIMUserExists)},
		{"invited already", map[string]any{"userName": "Test.User@example.com"}, 400, scimErr(`{"email":["The user Test.User@example.com has already been invited"]}`)},
		{"not an email", map[string]any{"userName": "nobody"}, 400, scimErr(`{"email":["Enter a valid email address."]}`)},
		{"no userName", map[string]any{}, 400, scimErr(`{"email":["This field may not be null."]}`)},
		{"too long", map[string]any{"userName": strings.Repeat("a", 70) + "@example.com"}, 400,
			scimErr(`{"email":["Ensure this field has no more than 75 characters."]}`)},
		{"not an object", []any{"x"}, 500, nil},
		{"role not a string", map[string]any{"userName": "n@example.com", "sentryOrgRole": 5}, 500, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPost, scimUsers, scim, c.body).expect(t, c.status, c.want)
		})
	}
	if got := send(t, s, http.MethodGet, scimUsers+"/"+memberIDOf(t, s, "mgr@example.com"), scim, nil).obj(t)["sentryOrgRole"]; got != "manager" {
		t.Errorf("role %v", got)
	}
	// The members API shows who the identity provider manages, and whose
	// role it set.
	for email, restricted := range map[string]bool{"Test.User@example.com": false, "mgr@example.com": true, "dflt@example.com": false} {
		body := send(t, s, http.MethodGet, memberPath(memberIDOf(t, s, email)), s.Tokens().Owner, nil).obj(t)
		flags := jsonField[map[string]any](t, body, "flags")
		if flags["idp:provisioned"] != true || flags["idp:role-restricted"] != restricted {
			t.Errorf("%s: flags %v, want idp:role-restricted %v", email, flags, restricted)
		}
	}
}

func TestSCIMListUsers(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	for _, email := range []string{"zed@example.com", "amy@example.com"} {
		send(t, s, http.MethodPost, scimUsers, scim, map[string]any{"userName": email}).expect(t, 201, nil)
	}
	names := func(res response) []string {
		var out []string
		for _, r := range jsonField[[]any](t, res.obj(t), "Resources") {
			out = append(out, jsonField[string](t, jsonAs[map[string]any](t, r), "userName"))
		}
		return out
	}
	res := send(t, s, http.MethodGet, scimUsers, scim, nil)
	res.expect(t, 200, nil)
	// Invites by email, then joined members (whose email column Sentry
	// leaves empty) by id.
	want := []string{"amy@example.com", "zed@example.com", "owner@acme.example", "manager@acme.example", "member@acme.example"}
	if got := names(res); !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	body := send(t, s, http.MethodGet, scimUsers+"?startIndex=2&count=2", scim, nil).obj(t)
	if body["totalResults"] != float64(5) || body["itemsPerPage"] != float64(2) || body["startIndex"] != float64(2) {
		t.Errorf("page %v", body)
	}
	for query, want := range map[string][]string{
		`userName eq "OWNER@acme.example"`: {"owner@acme.example"},
		`userName eq "Amy@Example.com"`:    {"amy@example.com"},
		`userName eq "nobody@example.com"`: nil,
	} {
		res := send(t, s, http.MethodGet, scimUsers+"?filter="+strings.ReplaceAll(strings.ReplaceAll(query, " ", "%20"), `"`, "%22"), scim, nil)
		if got := names(res); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", query, got, want)
		}
	}
	send(t, s, http.MethodGet, scimUsers+"?filter=userName%20ne%20%22x%22", scim, nil).expect(t, 400, invalidFilterBody)

	// Members whose account is deactivated are not shown.
	managerID := memberIDOf(t, s, "manager@acme.example")
	s.st.usersByEmail["manager@acme.example"].isActive = false
	if got := names(send(t, s, http.MethodGet, scimUsers, scim, nil)); slices.Contains(got, "manager@acme.example") || len(got) != 4 {
		t.Errorf("with a deactivated user: %v", got)
	}
	send(t, s, http.MethodGet, scimUsers+"/"+managerID, scim, nil).expect(t, 404, scimErr(detailNotFound))
	send(t, s, http.MethodGet, scimUsers+"/99", scim, nil).expect(t, 404, scimErr(detailNotFound))
	send(t, s, http.MethodGet, scimUsers+"/99999999999999999999999999", scim, nil).expect(t, 404, scimErr(detailNotFound))
}

func TestSCIMPatchUser(t *testing.T) {
	deactivate := map[string]any{"op": "replace", "path": "active", "value": false}
	cases := []struct {
		name    string
		body    any
		status  int
		want    any
		deleted bool
	}{
		{"path form", patchBody(deactivate), 204, nil, true},
		{"Okta's value object", patchBody(map[string]any{"op": "Replace", "value": map[string]any{"id": "x", "active": false}}), 204, nil, true},
		{"a string false", patchBody(map[string]any{"op": "replace", "path": "active", "value": "False"}), 204, nil, true},
		{"no schemas needed", map[string]any{"Operations": []any{deactivate}}, 204, nil, true},
		{"active true", patchBody(map[string]any{"op": "replace", "path": "active", "value": true}), 400, scimErr(msgSCIMInvalidPatch), false},
		{"another path", patchBody(map[string]any{"op": "replace", "path": "name", "value": false}), 400, scimErr(msgSCIMInvalidPatch), false},
		{"the first operation decides", patchBody(map[string]any{"op": "replace", "path": "x", "value": false}, deactivate), 400, scimErr(msgSCIMInvalidPatch), false},
		{"add is no member op", patchBody(map[string]any{"op": "add", "path": "active", "value": false}), 400,
			scimErr(`{"Operations":{"0":{"op":["\"add\" is not a valid choice"]}}}`), false},
		{"value required", patchBody(map[string]any{"op": "replace"}), 400,
			scimErr(`{"Operations":{"0":{"value":["This field is required."]}}}`), false},
		{"value neither boolean nor object", patchBody(map[string]any{"op": "replace", "value": "maybe"}), 400,
			scimErr(`{"Operations":{"0":{"value":["value must be a boolean or object"]}}}`), false},
		// Roles change by PUT in Sentry, never by PATCH.
		{"sentryOrgRole is not patchable", patchBody(map[string]any{"op": "replace", "path": "sentryOrgRole", "value": "admin"}), 400,
			scimErr(`{"Operations":{"0":{"value":["value must be a boolean or object"]}}}`), false},
		{"101 operations", map[string]any{"Operations": slices.Repeat([]any{deactivate}, 101)}, 400,
			scimErr(`{"Operations":["Ensure this field has no more than 100 elements."]}`), false},
		{"no operations returns the user", map[string]any{"Operations": []any{}}, 200, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			scim := s.SCIMToken("acme")
			team := mustCreateGroup(t, s, scim, "Backend")
			id := memberIDOf(t, s, "member@acme.example")
			send(t, s, http.MethodPatch, scimGroups+"/"+team, scim, patchBody(addMembersOp(id))).expect(t, 204, nil)
			before := len(s.st.orgsBySlug["acme"].audit)

			send(t, s, http.MethodPatch, scimUsers+"/"+id, scim, c.body).expect(t, c.status, c.want)
			_, exists := s.st.orgsBySlug["acme"].members[mustParseID(t, id)]
			if exists == c.deleted {
				t.Fatalf("member exists: %v", exists)
			}
			if !c.deleted {
				return
			}
			if got := groupMembers(t, s, scim, team); got != nil {
				t.Errorf("team still lists %v", got)
			}
			entries := s.st.orgsBySlug["acme"].audit[before:]
			if len(entries) != 1 || entries[0].event != "member.remove" || entries[0].targetUser == nil ||
				entries[0].targetUser.email != "member@acme.example" || !slices.Equal(jsonField[[]string](t, entries[0].data, "teams_slugs"), []string{"backend"}) {
				t.Fatalf("audit %+v", entries)
			}
			// The user's token no longer reaches the organization.
			send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", s.Tokens().Member, nil).expect(t, 403, nil)
		})
	}
}

func TestSCIMDeleteUser(t *testing.T) {
	s := newTestServer(t)
	scim := s.SCIMToken("acme")
	invite := jsonField[string](t, send(t, s, http.MethodPost, scimUsers, scim, map[string]any{"userName": "gone@example.com"}).obj(t), "id")
	send(t, s, http.MethodDelete, scimUsers+"/"+invite, scim, nil).expect(t, http.StatusNoContent, nil)
	send(t, s, http.MethodDelete, scimUsers+"/"+invite, scim, nil).expect(t, http.StatusNotFound, scimErr(detailNotFound))
	// The invite can be sent again.
	send(t, s, http.MethodPost, scimUsers, scim, map[string]any{"userName": "gone@example.com"}).expect(t, 201, nil)

	// The only owner stays, by DELETE or by PATCH.
	owner := memberIDOf(t, s, "owner@acme.example")
	onlyOwner := detail(msgSCIMOnlyOwner)
	send(t, s, http.MethodDelete, scimUsers+"/"+owner, scim, nil).expect(t, http.StatusForbidden, onlyOwner)
	send(t, s, http.MethodPatch, scimUsers+"/"+owner, scim, patchBody(map[string]any{"op": "replace", "value": map[string]any{"active": false}})).
		expect(t, http.StatusForbidden, onlyOwner)
	// With a second owner, the first may go.
	if _, err := s.AddMember("acme", "owner2@acme.example", "owner"); err != nil {
		t.Fatal(err)
	}
	send(t, s, http.MethodDelete, scimUsers+"/"+owner, scim, nil).expect(t, http.StatusNoContent, nil)
	if _, ok := s.st.orgsBySlug["acme"].membersByUser[s.st.usersByEmail["owner@acme.example"].id]; ok {
		t.Error("owner still indexed by user")
	}
}

func TestIsSCIMPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/0/organizations/acme/scim/v2/Users":     true,
		"/api/0/organizations/acme/scim/v2/Groups/12": true,
		"/api/0/organizations/acme/scim/v2":           false,
		"/api/0/organizations/acme/teams":             false,
		"/api/0/teams/acme/scim/v2/Users":             false,
		"/api/0/organizations/scim/v2/Users":          false,
	} {
		if got := isSCIMPath(path); got != want {
			t.Errorf("isSCIMPath(%q) = %v", path, got)
		}
	}
}

func TestParseSCIMFilter(t *testing.T) {
	cases := []struct {
		in, value string
		err       scimFilterError
	}{
		{`userName eq "a@b.c"`, "a@b.c", scimFilterOK},
		{`displayName  eq  "x y"`, "x y", scimFilterOK}, // the extra spaces are stripped
		{` displayName eq   "x y"  `, "x y", scimFilterOK},
		{`value eq "12"`, "12", scimFilterOK},
		{`value eq " 1_2 "`, "12", scimFilterOK},
		{`value eq "x"`, "", scimFilterCrash},
		{`userName eq 'q'`, "q", scimFilterOK},
		{`userName eq "`, "", scimFilterOK},
		{`userName eq`, "", scimFilterInvalid},
		{` eq "x"`, "", scimFilterInvalid},
		{`emails eq "x"`, "", scimFilterInvalid},
		{`userName eq "a" eq "b"`, "", scimFilterInvalid},
	}
	for _, c := range cases {
		value, err := parseSCIMFilter(c.in)
		if value != c.value || err != c.err {
			t.Errorf("parseSCIMFilter(%q) = %q, %v; want %q, %v", c.in, value, err, c.value, c.err)
		}
	}
}

func ExampleServer_SCIMToken() {
	s := New(Options{})
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/api/0/organizations/acme/scim/v2/Groups", nil)
	req.Header.Set("Authorization", "Bearer "+s.SCIMToken("acme"))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 {"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}
}
