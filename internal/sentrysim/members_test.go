package sentrysim

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const membersPath = "/api/0/organizations/acme/members/"

func memberPath(id string) string { return membersPath + id + "/" }

// idOfMember is the id of acme's member (joined or invited) with the email.
func idOfMember(t testing.TB, s *Server, email string) string {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.st.orgsBySlug["acme"].memberByEmail(email)
	if m == nil {
		t.Fatalf("no member %s", email)
	}
	return strconv.FormatInt(m.id, 10)
}

// roleToken is the seeded token of a role.
func roleToken(s *Server, role string) string {
	tok := s.Tokens()
	return map[string]string{"owner": tok.Owner, "manager": tok.Manager, "member": tok.Member}[role]
}

// mustInvite invites an address and returns the new member's body.
func mustInvite(t testing.TB, s *Server, token string, body map[string]any) map[string]any {
	t.Helper()
	res := send(t, s, http.MethodPost, membersPath, token, body)
	res.expect(t, http.StatusCreated, nil)
	return res.obj(t)
}

// auditTail is the organization's audit entries from index from on.
func auditTail(s *Server, from int) []*auditEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.st.orgsBySlug["acme"].audit[from:])
}

func auditLen(s *Server) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.st.orgsBySlug["acme"].audit)
}

func entryEvents(entries []*auditEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.event
	}
	return out
}

// emailsOf lists the email of each member body.
func emailsOf(t testing.TB, rows []map[string]any) []string {
	t.Helper()
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = jsonField[string](t, r, "email")
	}
	return out
}

// addOrgTokenWithScopes gives acme an organization token with the scopes,
// which Sentry's UI never offers but the permission code still has to
// handle.
func addOrgTokenWithScopes(s *Server, scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.st.addOrgToken(s.st.orgsBySlug["acme"], "automation", testNow)
	tok.scopes = scopesOf(scopes...)
	return tok.value
}

var allFalseFlags = map[string]any{
	"idp:provisioned": false, "idp:role-restricted": false, "sso:linked": false,
	"sso:invalid": false, "member-limit:restricted": false, "partnership:restricted": false,
}

func wantUserBody(s *Server, email string) map[string]any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.st.usersByEmail[strings.ToLower(email)]
	return map[string]any{
		"id": formatID(u.id), "name": email, "username": email, "email": email,
		"avatarUrl": gravatarURL(email), "isActive": true, "hasPasswordAuth": true, "isManaged": false,
		"dateJoined": "2024-05-01T12:00:00.123Z", "lastLogin": nil, "has2fa": false, "lastActive": nil,
		"isSuperuser": false, "isStaff": false, "isSuspended": false, "experiments": map[string]any{},
		"avatar": map[string]any{"avatarType": "letter_avatar", "avatarUuid": nil, "avatarUrl": nil},
	}
}

func TestInviteMemberBody(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	before := auditLen(s)

	body := mustInvite(t, s, owner, map[string]any{
		"email": "new@example.com", "orgRole": "member", "sendInvite": false,
		"teamRoles": []any{map[string]any{"teamSlug": "backend", "role": "admin"}},
	})
	id := idOfMember(t, s, "new@example.com")
	want := map[string]any{
		"id": id, "email": "new@example.com", "name": "new@example.com", "user": nil,
		"orgRole": "member", "pending": true, "expired": false, "flags": allFalseFlags,
		"dateCreated": "2024-05-01T12:00:00.123Z", "inviteStatus": "approved",
		"inviterName": "owner@acme.example", "role": "member", "roleName": "Member",
	}
	send(t, s, http.MethodGet, membersPath+"?query=id:"+id, owner, nil).expect(t, http.StatusOK, []any{want})
	if body["id"] != id || body["pending"] != true || body["user"] != nil {
		t.Errorf("created %v", body)
	}

	// The invite expires in 30 days.
	s.mu.RLock()
	expires := s.st.orgsBySlug["acme"].memberByEmail("new@example.com").inviteExpiresAt
	s.mu.RUnlock()
	if !expires.Equal(testNow.Add(30 * 24 * time.Hour)) {
		t.Errorf("invite expires %v", expires)
	}

	// The team was joined, but the role sent on invite was dropped.
	details := send(t, s, http.MethodGet, memberPath(id), owner, nil).obj(t)
	if !slices.Equal(jsonField[[]any](t, details, "teams"), []any{"backend"}) {
		t.Errorf("teams %v", details["teams"])
	}
	wantRoles := []any{map[string]any{"teamSlug": "backend", "role": nil}}
	if fmt.Sprint(details["teamRoles"]) != fmt.Sprint(wantRoles) {
		t.Errorf("teamRoles %v", details["teamRoles"])
	}

	entries := auditTail(s, before)
	if got := entryEvents(entries); !slices.Equal(got, []string{"member.invite"}) {
		t.Fatalf("audit %v", got)
	}
	e := entries[0]
	if e.actor == nil || e.actor.email != "owner@acme.example" || formatID(e.targetObject) != id ||
		e.data["email"] != "new@example.com" || e.data["role"] != "member" ||
		!slices.Equal(jsonField[[]string](t, e.data, "teams_slugs"), []string{"backend"}) || e.data["user"] != nil {
		t.Errorf("audit entry %+v", e)
	}
}

func TestInviteMemberWithDeprecatedFields(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	body := mustInvite(t, s, owner, map[string]any{"email": "old@example.com", "role": "manager", "teams": []any{"backend"}})
	if body["orgRole"] != "manager" {
		t.Errorf("orgRole %v", body["orgRole"])
	}
	details := send(t, s, http.MethodGet, memberPath(jsonField[string](t, body, "id")), owner, nil).obj(t)
	if !slices.Equal(jsonField[[]any](t, details, "teams"), []any{"backend"}) {
		t.Errorf("teams %v", details["teams"])
	}
}

func TestInviteMemberValidation(t *testing.T) {
	roleMsg := []any{msgOrgRoleNotAllowed}
	cases := []struct {
		name  string
		token string // role
		body  any
		want  any
	}{
		{"missing email", "owner", map[string]any{"orgRole": "member"}, map[string]any{"email": []any{msgRequired}}},
		{"blank email", "owner", map[string]any{"email": "  "}, map[string]any{"email": []any{msgBlank}}},
		{"null email", "owner", map[string]any{"email": nil}, map[string]any{"email": []any{msgNull}}},
		{"invalid email", "owner", map[string]any{"email": "not-an-email"}, map[string]any{"email": []any{msgInvalidEmail}}},
		{"bad domain", "owner", map[string]any{"email": "a@b"}, map[string]any{"email": []any{msgInvalidEmail}}},
		{"long email", "owner", map[string]any{"email": strings.Repeat("a", 70) + "@example.com"},
			map[string]any{"email": []any{"Ensure this field has no more than 75 characters."}}},
		{"already invited", "owner", map[string]any{"email": "Pending@Example.com"},
			map[string]any{"email": []any{"The user Pending@Example.com has already been invited"}}},
		{"already a member", "owner", map[string]any{"email": "member@acme.example"},
			map[string]any{"email": []any{"The user member@acme.example is already a member"}}},
		{"role above the caller", "manager", map[string]any{"email": "x@example.com", "orgRole": "owner"},
			map[string]any{"orgRole": roleMsg}},
		{"member inviting a manager", "member", map[string]any{"email": "x@example.com", "orgRole": "manager"},
			map[string]any{"orgRole": roleMsg}},
		{"deprecated role field", "manager", map[string]any{"email": "x@example.com", "role": "owner"},
			map[string]any{"role": roleMsg}},
		{"unknown role", "owner", map[string]any{"email": "x@example.com", "orgRole": "superuser"},
			map[string]any{"orgRole": []any{`"superuser" is not a valid choice.`}}},
		// DRF formats the parsed float into its message, as str() does.
		{"number role", "owner", `{"email": "x@example.com", "orgRole": 1.50}`,
			map[string]any{"orgRole": []any{`"1.5" is not a valid choice.`}}},
		{"exponent role", "owner", `{"email": "x@example.com", "orgRole": 1e-5}`,
			map[string]any{"orgRole": []any{`"1e-05" is not a valid choice.`}}},
		{"long integer role", "owner", `{"email": "x@example.com", "orgRole": 123456789012345678901234567890}`,
			map[string]any{"orgRole": []any{`"123456789012345678901234567890" is not a valid choice.`}}},
		{"retired role", "owner", map[string]any{"email": "x@example.com", "orgRole": "admin"},
			map[string]any{"orgRole": []any{"The role 'admin' is deprecated and may no longer be assigned."}}},
		{"unknown team", "owner", map[string]any{"email": "x@example.com",
			"teamRoles": []any{map[string]any{"teamSlug": "nope", "role": nil}}},
			map[string]any{"teamRoles": []any{msgInvalidTeams}}},
		{"same team twice", "owner", map[string]any{"email": "x@example.com",
			"teamRoles": []any{map[string]any{"teamSlug": "backend", "role": nil}, map[string]any{"teamSlug": "backend", "role": nil}}},
			map[string]any{"teamRoles": []any{msgInvalidTeams}}},
		{"bad team role", "owner", map[string]any{"email": "x@example.com",
			"teamRoles": []any{map[string]any{"teamSlug": "nope", "role": "boss"}}},
			map[string]any{"teamRoles": []any{msgInvalidTeamRole}}},
		{"team roles not a list", "owner", map[string]any{"email": "x@example.com", "teamRoles": "backend"},
			map[string]any{"teamRoles": []any{`Expected a list of items but got type "str".`}}},
		{"unknown deprecated team", "owner", map[string]any{"email": "x@example.com", "teams": []any{"nope"}},
			map[string]any{"teams": []any{msgInvalidTeams}}},
		{"bad sendInvite", "owner", map[string]any{"email": "x@example.com", "sendInvite": "maybe"},
			map[string]any{"sendInvite": []any{msgNotBoolean}}},
		{"several fields", "manager", map[string]any{"email": "bad", "orgRole": "owner"},
			map[string]any{"email": []any{msgInvalidEmail}, "orgRole": roleMsg}},
		{"billing on teams", "owner", map[string]any{"email": "x@example.com", "orgRole": "billing", "teams": []any{"backend"}},
			map[string]any{"email": "The user with a 'billing' role cannot have team-level permissions."}},
	}
	s := newTestServer(t)
	mustCreateTeam(t, s, "acme", s.Tokens().Owner, map[string]any{"slug": "backend"})
	mustInvite(t, s, s.Tokens().Owner, map[string]any{"email": "pending@example.com"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := auditLen(s)
			send(t, s, http.MethodPost, membersPath, roleToken(s, c.token), c.body).expect(t, http.StatusBadRequest, c.want)
			if n := auditLen(s); n != before {
				t.Errorf("a refused invite wrote %d audit entries", n-before)
			}
		})
	}

	t.Run("malformed team role item", func(t *testing.T) {
		res := send(t, s, http.MethodPost, membersPath, s.Tokens().Owner, map[string]any{
			"email": "x@example.com", "teamRoles": []any{map[string]any{"teamSlug": "backend"}},
		})
		res.expect(t, http.StatusInternalServerError, nil)
		if res.obj(t)["detail"] != detailInternal {
			t.Errorf("body %s", res.raw)
		}
	})
	t.Run("localhost addresses are valid", func(t *testing.T) {
		mustInvite(t, s, s.Tokens().Owner, map[string]any{"email": "eric@localhost"})
	})
}

func TestInviteMemberPermissions(t *testing.T) {
	cases := []struct {
		role   string
		invite map[string]any
		status int
	}{
		{"owner", map[string]any{"email": "a@example.com", "orgRole": "owner"}, 201},
		{"manager", map[string]any{"email": "a@example.com", "orgRole": "manager"}, 201},
		{"member", map[string]any{"email": "a@example.com", "orgRole": "member"}, 201},
		{"member", map[string]any{"email": "a@example.com", "orgRole": "manager"}, 400},
	}
	for _, c := range cases {
		t.Run(c.role+" invites "+jsonField[string](t, c.invite, "orgRole"), func(t *testing.T) {
			s := newTestServer(t)
			send(t, s, http.MethodPost, membersPath, roleToken(s, c.role), c.invite).expect(t, c.status, nil)
		})
	}

	t.Run("scope bounds the token", func(t *testing.T) {
		s := newTestServer(t)
		readOnly, err := s.AddUserToken("owner@acme.example", "member:read")
		if err != nil {
			t.Fatal(err)
		}
		send(t, s, http.MethodPost, membersPath, readOnly, map[string]any{"email": "a@example.com"}).
			expect(t, http.StatusForbidden, detail(detailForbidden))
	})

	t.Run("closed membership limits members to their own teams", func(t *testing.T) {
		s := newTestServer(t)
		owner, member := s.Tokens().Owner, s.Tokens().Member
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "mine"})
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "theirs"})
		if err := s.SetTeamRole("acme", "mine", "member@acme.example", ""); err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		s.st.orgsBySlug["acme"].allowJoinLeave = false
		s.mu.Unlock()
		send(t, s, http.MethodPost, membersPath, member, map[string]any{"email": "a@example.com", "teams": []any{"theirs"}}).
			expect(t, http.StatusBadRequest, detail(msgNotOnYourTeams))
		send(t, s, http.MethodPost, membersPath, member, map[string]any{"email": "a@example.com", "teams": []any{"mine"}}).
			expect(t, http.StatusCreated, nil)
		// Managers are not held to it.
		send(t, s, http.MethodPost, membersPath, s.Tokens().Manager, map[string]any{"email": "b@example.com", "teams": []any{"theirs"}}).
			expect(t, http.StatusCreated, nil)
	})

	t.Run("organization without invites", func(t *testing.T) {
		s := newTestServer(t)
		if err := s.SetFeature("acme", "invite-members", false); err != nil {
			t.Fatal(err)
		}
		send(t, s, http.MethodPost, membersPath, s.Tokens().Owner, map[string]any{"email": "a@example.com"}).
			expect(t, http.StatusForbidden, map[string]any{"organization": msgInviteNotAllowed})
	})

	t.Run("organization tokens", func(t *testing.T) {
		s := newTestServer(t)
		ci := addOrgTokenWithScopes(s, "org:ci")
		send(t, s, http.MethodPost, membersPath, ci, map[string]any{"email": "a@example.com"}).
			expect(t, http.StatusForbidden, detail(detailForbidden))
		send(t, s, http.MethodGet, membersPath, ci, nil).expect(t, http.StatusForbidden, detail(detailForbidden))
		// With member scopes the token passes the permission class, but it
		// has no role to hand out.
		admin := addOrgTokenWithScopes(s, "member:admin", "member:read", "member:write")
		send(t, s, http.MethodPost, membersPath, admin, map[string]any{"email": "a@example.com"}).
			expect(t, http.StatusBadRequest, map[string]any{"role": []any{msgOrgRoleNotAllowed}, "orgRole": []any{msgOrgRoleNotAllowed}})
	})
}

func TestListMembersPagination(t *testing.T) {
	s := newTestServer(t)
	for i := range 247 {
		if _, err := s.AddMember("acme", fmt.Sprintf("user%03d@example.com", i), "member"); err != nil {
			t.Fatal(err)
		}
	}
	owner := s.Tokens().Owner
	// With the 3 seeded members and 2 invites, 252 in all.
	mustInvite(t, s, owner, map[string]any{"email": "invited@example.com"})
	mustInvite(t, s, owner, map[string]any{"email": "invited2@example.com"})

	var ids []int64
	var sizes []int
	query := "?per_page=100"
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("too many pages")
		}
		res := send(t, s, http.MethodGet, membersPath+query, owner, nil)
		res.expect(t, http.StatusOK, nil)
		rows := res.list(t)
		sizes = append(sizes, len(rows))
		for _, r := range rows {
			id, err := strconv.ParseInt(jsonField[string](t, r, "id"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		next := nextLinkCursor(t, res.header.Get("Link"))
		if page == 0 && !strings.Contains(res.header.Get("Link"), `rel="previous"; results="false"; cursor="100:-1:1"`) {
			t.Errorf("first page Link %s", res.header.Get("Link"))
		}
		if next == "" {
			break
		}
		query = "?per_page=100&cursor=" + url.QueryEscape(next)
	}
	if !slices.Equal(sizes, []int{100, 100, 52}) {
		t.Errorf("page sizes %v", sizes)
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 252 {
		t.Errorf("ids are not 252 distinct ascending values")
	}

	send(t, s, http.MethodGet, membersPath+"?per_page=101", owner, nil).
		expect(t, http.StatusBadRequest, detail("Invalid per_page value. Cannot exceed 100."))
}

var nextLinkPattern = regexp.MustCompile(`rel="next"; results="(true|false)"; cursor="([^"]*)"`)

// nextLinkCursor is the next page's cursor, or "" when there is none.
func nextLinkCursor(t testing.TB, link string) string {
	t.Helper()
	m := nextLinkPattern.FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("no next link in %q", link)
	}
	if m[1] != "true" {
		return ""
	}
	return m[2]
}

func TestListMembersQuery(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	if _, err := s.AddMember("acme", "Zoe.Admin@example.com", "manager"); err != nil {
		t.Fatal(err)
	}
	mustInvite(t, s, owner, map[string]any{"email": "bob@invited.example", "orgRole": "member"})
	mustInvite(t, s, owner, map[string]any{"email": "carol@invited.example", "orgRole": "manager"})
	memberID := idOfMember(t, s, "member@acme.example")
	s.mu.RLock()
	memberUserID := formatID(s.st.usersByEmail["member@acme.example"].id)
	s.mu.RUnlock()

	all := []string{"owner@acme.example", "manager@acme.example", "member@acme.example", "Zoe.Admin@example.com",
		"bob@invited.example", "carol@invited.example"}
	cases := []struct {
		query string
		want  []string
	}{
		{"", all},
		{"email:member@acme.example", []string{"member@acme.example"}},
		{"email:zoe.admin@example.com", []string{"Zoe.Admin@example.com"}},
		{"email:bob@invited.example email:owner@acme.example", []string{"owner@acme.example", "bob@invited.example"}},
		{"role:manager", []string{"manager@acme.example", "Zoe.Admin@example.com", "carol@invited.example"}},
		{"role:owner role:member", []string{"owner@acme.example", "member@acme.example", "bob@invited.example"}},
		{"isInvited:true", []string{"bob@invited.example", "carol@invited.example"}},
		{"isInvited:false", []string{"owner@acme.example", "manager@acme.example", "member@acme.example", "Zoe.Admin@example.com"}},
		{"id:" + memberID, []string{"member@acme.example"}},
		{"id:abc", []string{}},
		{"user.id:" + memberUserID, []string{"member@acme.example"}},
		{"user.id:undefined", []string{}},
		{"invited", []string{"bob@invited.example", "carol@invited.example"}},
		{"ZOE", []string{"Zoe.Admin@example.com"}},
		{"role:manager isInvited:true", []string{"carol@invited.example"}},
		{"role:manager zoe", []string{"Zoe.Admin@example.com"}},
		{"scope:org:admin", []string{"owner@acme.example"}},
		{"has2fa:false", []string{"owner@acme.example", "manager@acme.example", "member@acme.example", "Zoe.Admin@example.com"}},
		{"has2fa:true", []string{}},
		{"ssoLinked:true", []string{}},
		{"ssoLinked:false", all},
		{"unknown:key", []string{}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			res := send(t, s, http.MethodGet, membersPath+"?query="+url.QueryEscape(c.query), owner, nil)
			res.expect(t, http.StatusOK, nil)
			if got := emailsOf(t, res.list(t)); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestListMembersByRole(t *testing.T) {
	for _, role := range []string{"owner", "manager", "member"} {
		t.Run(role, func(t *testing.T) {
			s := newTestServer(t)
			res := send(t, s, http.MethodGet, membersPath, roleToken(s, role), nil)
			res.expect(t, http.StatusOK, nil)
			if n := len(res.list(t)); n != 3 {
				t.Errorf("%d members", n)
			}
		})
	}
}

func TestGetMemberDetails(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	if err := s.SetTeamRole("acme", "backend", "member@acme.example", "admin"); err != nil {
		t.Fatal(err)
	}
	id := idOfMember(t, s, "member@acme.example")
	res := send(t, s, http.MethodGet, memberPath(id), owner, nil)
	res.expect(t, http.StatusOK, nil)
	body := res.obj(t)
	want := map[string]any{
		"id": id, "email": "member@acme.example", "name": "member@acme.example",
		"user": wantUserBody(s, "member@acme.example"), "orgRole": "member", "pending": false, "expired": false,
		"flags": allFalseFlags, "dateCreated": "2024-05-01T12:00:00.123Z", "inviteStatus": "approved",
		"inviterName": nil, "role": "member", "roleName": "Member",
		"teams":       []any{"backend"},
		"teamRoles":   []any{map[string]any{"teamSlug": "backend", "role": "admin"}},
		"isOnlyOwner": false,
	}
	for k, v := range want {
		if fmt.Sprint(body[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	var roleIDs, allowed []string
	for _, r := range jsonField[[]any](t, body, "orgRoleList") {
		role := jsonAs[map[string]any](t, r)
		roleIDs = append(roleIDs, jsonField[string](t, role, "id"))
		if role["isAllowed"] == true {
			allowed = append(allowed, jsonField[string](t, role, "id"))
		}
		if role["id"] == "admin" && role["isRetired"] != true {
			t.Errorf("admin is not shown retired: %v", role)
		}
		if role["id"] == "manager" && (role["minimumTeamRole"] != "admin" || role["isGlobal"] != true) {
			t.Errorf("manager %v", role)
		}
	}
	if !slices.Equal(roleIDs, []string{"billing", "member", "admin", "manager", "owner"}) {
		t.Errorf("orgRoleList ids %v", roleIDs)
	}
	// The list is allowed by the member being read, as Sentry passes it.
	if !slices.Equal(allowed, []string{"billing", "member"}) {
		t.Errorf("allowed roles %v", allowed)
	}
	if fmt.Sprint(body["roles"]) != fmt.Sprint(body["orgRoleList"]) {
		t.Error("roles differs from orgRoleList")
	}
	var teamRoleIDs []string
	for _, r := range jsonField[[]any](t, body, "teamRoleList") {
		teamRoleIDs = append(teamRoleIDs, jsonField[string](t, jsonAs[map[string]any](t, r), "id"))
	}
	if !slices.Equal(teamRoleIDs, []string{"contributor", "admin"}) {
		t.Errorf("teamRoleList %v", teamRoleIDs)
	}

	t.Run("only owner", func(t *testing.T) {
		me := send(t, s, http.MethodGet, memberPath("me"), owner, nil).obj(t)
		if me["isOnlyOwner"] != true || me["email"] != "owner@acme.example" {
			t.Errorf("me %v", me)
		}
		if _, err := s.AddMember("acme", "second@example.com", "owner"); err != nil {
			t.Fatal(err)
		}
		me = send(t, s, http.MethodGet, memberPath("me"), owner, nil).obj(t)
		if me["isOnlyOwner"] != false {
			t.Error("isOnlyOwner with two owners")
		}
	})
	t.Run("without member:admin nothing is allowed", func(t *testing.T) {
		body := send(t, s, http.MethodGet, memberPath(id), s.Tokens().Member, nil).obj(t)
		for _, r := range jsonField[[]any](t, body, "orgRoleList") {
			if jsonAs[map[string]any](t, r)["isAllowed"] != false {
				t.Errorf("allowed %v", r)
			}
		}
	})

	for _, path := range []string{"0", "trash", "1.5", "-1", strconv.FormatInt(firstID+999999, 10)} {
		t.Run("unknown "+path, func(t *testing.T) {
			send(t, s, http.MethodGet, memberPath(path), owner, nil).expect(t, http.StatusNotFound, detail(detailNotFound))
		})
	}
	t.Run("id with a zero decimal part", func(t *testing.T) {
		send(t, s, http.MethodGet, memberPath(id+".0"), owner, nil).expect(t, http.StatusOK, nil)
	})
	t.Run("member of another organization", func(t *testing.T) {
		s.AddOrganization("other")
		s.mu.RLock()
		otherID := formatID(s.st.orgsBySlug["other"].memberByEmail("member@other.example").id)
		s.mu.RUnlock()
		send(t, s, http.MethodGet, memberPath(otherID), owner, nil).expect(t, http.StatusNotFound, nil)
	})
	t.Run("every role may read", func(t *testing.T) {
		for _, role := range []string{"owner", "manager", "member"} {
			send(t, s, http.MethodGet, memberPath(id), roleToken(s, role), nil).expect(t, http.StatusOK, nil)
		}
	})
}

func TestUpdateMemberTeamRoles(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "frontend"})
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "ops"})
	if err := s.SetTeamRole("acme", "ops", "member@acme.example", ""); err != nil {
		t.Fatal(err)
	}
	id := idOfMember(t, s, "member@acme.example")
	before := auditLen(s)

	res := send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{
		"teamRoles": []any{
			map[string]any{"teamSlug": "backend", "role": "admin"},
			map[string]any{"teamSlug": "frontend", "role": "contributor"},
		},
	})
	res.expect(t, http.StatusOK, nil)
	body := res.obj(t)
	// Roles are stored as sent: the members PUT does not null a role the
	// org role already gives (only the team membership PUT does).
	wantRoles := []any{
		map[string]any{"teamSlug": "backend", "role": "admin"},
		map[string]any{"teamSlug": "frontend", "role": "contributor"},
	}
	if fmt.Sprint(body["teamRoles"]) != fmt.Sprint(wantRoles) || body["orgRole"] != "member" {
		t.Errorf("teamRoles %v", body["teamRoles"])
	}
	if _, ok := body["orgRoleList"]; !ok {
		t.Error("the answer is not the details body")
	}
	events := entryEvents(auditTail(s, before))
	if !slices.Equal(events, []string{"member.join-team", "member.join-team", "member.leave-team", "member.edit"}) {
		t.Errorf("audit %v", events)
	}

	t.Run("roles of a manager are stored as sent", func(t *testing.T) {
		managerID := idOfMember(t, s, "manager@acme.example")
		body := send(t, s, http.MethodPut, memberPath(managerID), owner, map[string]any{
			"teamRoles": []any{map[string]any{"teamSlug": "backend", "role": "admin"}},
		}).obj(t)
		if fmt.Sprint(body["teamRoles"]) != fmt.Sprint([]any{map[string]any{"teamSlug": "backend", "role": "admin"}}) {
			t.Errorf("teamRoles %v", body["teamRoles"])
		}
	})

	t.Run("without team roles the roles are dropped", func(t *testing.T) {
		if err := s.SetFeature("acme", "team-roles", false); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.SetFeature("acme", "team-roles", true) }()
		body := send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{
			"teamRoles": []any{map[string]any{"teamSlug": "backend", "role": "admin"}},
		}).obj(t)
		if fmt.Sprint(body["teamRoles"]) != fmt.Sprint([]any{map[string]any{"teamSlug": "backend", "role": nil}}) {
			t.Errorf("teamRoles %v", body["teamRoles"])
		}
	})

	t.Run("a PUT without teams takes the member off every team", func(t *testing.T) {
		send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{
			"teamRoles": []any{map[string]any{"teamSlug": "backend", "role": nil}, map[string]any{"teamSlug": "ops", "role": nil}},
		}).expect(t, http.StatusOK, nil)
		before := auditLen(s)
		body := send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{"orgRole": "member"}).obj(t)
		if len(jsonField[[]any](t, body, "teams")) != 0 {
			t.Errorf("teams %v", body["teams"])
		}
		events := entryEvents(auditTail(s, before))
		if !slices.Equal(events, []string{"member.leave-team", "member.leave-team", "member.edit"}) {
			t.Errorf("audit %v", events)
		}
	})

	t.Run("an empty list removes every team", func(t *testing.T) {
		send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{"teams": []any{"ops"}}).expect(t, http.StatusOK, nil)
		body := send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{"teamRoles": []any{}}).obj(t)
		if len(jsonField[[]any](t, body, "teams")) != 0 {
			t.Errorf("teams %v", body["teams"])
		}
	})

	t.Run("validation", func(t *testing.T) {
		send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{
			"teamRoles": []any{map[string]any{"teamSlug": "nope", "role": nil}},
		}).expect(t, http.StatusBadRequest, map[string]any{"teamRoles": []any{msgInvalidTeams}})
		send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{
			"teamRoles": []any{map[string]any{"teamSlug": "backend", "role": "lead"}},
		}).expect(t, http.StatusBadRequest, map[string]any{"teamRoles": []any{msgInvalidTeamRole}})
		send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{"orgRole": "superuser"}).
			expect(t, http.StatusBadRequest, map[string]any{"orgRole": []any{`"superuser" is not a valid choice.`}})
		send(t, s, http.MethodPut, memberPath(id), owner, map[string]any{"teamRoles": nil}).
			expect(t, http.StatusInternalServerError, nil)
	})
}

func TestUpdateMemberOrgRole(t *testing.T) {
	cases := []struct {
		name   string
		caller string
		target string
		body   map[string]any
		status int
		want   any
		role   string // the target's role afterwards
	}{
		{"owner promotes member", "owner", "member@acme.example", map[string]any{"orgRole": "manager"}, 200, nil, "manager"},
		{"manager promotes to manager", "manager", "member@acme.example", map[string]any{"orgRole": "manager"}, 200, nil, "manager"},
		{"manager cannot promote above itself", "manager", "member@acme.example", map[string]any{"orgRole": "owner"},
			400, map[string]any{"orgRole": []any{msgOrgRoleNotAllowed}}, "member"},
		{"manager cannot demote the owner", "manager", "owner@acme.example", map[string]any{"orgRole": "member"},
			403, map[string]any{"role": msgAssignToSuperior}, "owner"},
		{"own role", "manager", "manager@acme.example", map[string]any{"orgRole": "member"},
			400, detail(msgOwnRole), "manager"},
		{"owner's own role", "owner", "owner@acme.example", map[string]any{"orgRole": "manager"},
			400, detail(msgOwnRole), "owner"},
		{"retired role", "owner", "member@acme.example", map[string]any{"orgRole": "admin"},
			400, detail("The role 'admin' is deprecated and may no longer be assigned."), "member"},
		{"member may not change roles", "member", "manager@acme.example", map[string]any{"orgRole": "member"},
			400, map[string]any{"orgRole": []any{msgOrgRoleNotAllowed}}, "manager"},
		{"member may not change teams", "member", "manager@acme.example", map[string]any{"teamRoles": []any{}},
			403, detail(detailForbidden), "manager"},
		{"billing keeps no teams", "owner", "member@acme.example", map[string]any{"orgRole": "billing", "teams": []any{"backend"}},
			400, detail("The user with a 'billing' role cannot have team-level permissions."), "member"},
		{"billing without teams", "owner", "member@acme.example", map[string]any{"orgRole": "billing", "teamRoles": []any{}},
			200, nil, "billing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			mustCreateTeam(t, s, "acme", s.Tokens().Owner, map[string]any{"slug": "backend"})
			id := idOfMember(t, s, c.target)
			send(t, s, http.MethodPut, memberPath(id), roleToken(s, c.caller), c.body).expect(t, c.status, c.want)
			got := send(t, s, http.MethodGet, memberPath(id), s.Tokens().Owner, nil).obj(t)["orgRole"]
			if got != c.role {
				t.Errorf("role afterwards %v, want %s", got, c.role)
			}
		})
	}

	t.Run("teams are saved before the role is refused", func(t *testing.T) {
		s := newTestServer(t)
		manager := s.Tokens().Manager
		mustCreateTeam(t, s, "acme", manager, map[string]any{"slug": "backend"})
		id := idOfMember(t, s, "manager@acme.example")
		send(t, s, http.MethodPut, memberPath(id), manager, map[string]any{
			"orgRole": "member", "teamRoles": []any{},
		}).expect(t, http.StatusBadRequest, detail(msgOwnRole))
		body := send(t, s, http.MethodGet, memberPath(id), manager, nil).obj(t)
		if len(jsonField[[]any](t, body, "teams")) != 0 || body["orgRole"] != "manager" {
			t.Errorf("teams %v, role %v", body["teams"], body["orgRole"])
		}
	})

	t.Run("a SCIM member's role may still change", func(t *testing.T) {
		s := newTestServer(t)
		if err := s.SetMemberProvisioned("acme", "member@acme.example", true); err != nil {
			t.Fatal(err)
		}
		id := idOfMember(t, s, "member@acme.example")
		body := send(t, s, http.MethodPut, memberPath(id), s.Tokens().Owner, map[string]any{"orgRole": "manager"}).obj(t)
		if body["orgRole"] != "manager" || jsonField[map[string]any](t, body, "flags")["idp:provisioned"] != true {
			t.Errorf("body %v", body)
		}
	})

	t.Run("organization token", func(t *testing.T) {
		s := newTestServer(t)
		tok := addOrgTokenWithScopes(s, "member:admin")
		res := send(t, s, http.MethodPut, memberPath(idOfMember(t, s, "member@acme.example")), tok, map[string]any{"orgRole": "manager"})
		res.expect(t, http.StatusBadRequest, nil)
		if res.raw != "" {
			t.Errorf("body %q", res.raw)
		}
	})

	t.Run("audit", func(t *testing.T) {
		s := newTestServer(t)
		id := idOfMember(t, s, "member@acme.example")
		before := auditLen(s)
		send(t, s, http.MethodPut, memberPath(id), s.Tokens().Owner, map[string]any{"orgRole": "manager"}).expect(t, 200, nil)
		entries := auditTail(s, before)
		if len(entries) != 1 || entries[0].event != "member.edit" || entries[0].data["role"] != "manager" ||
			entries[0].targetUser == nil || entries[0].targetUser.email != "member@acme.example" {
			t.Errorf("audit %v", entryEvents(entries))
		}
	})
}

func TestReinviteMember(t *testing.T) {
	s := newTestServer(t)
	owner, member := s.Tokens().Owner, s.Tokens().Member
	mustInvite(t, s, owner, map[string]any{"email": "a@example.com"})
	mustInvite(t, s, member, map[string]any{"email": "b@example.com"})
	ownersInvite, membersInvite := idOfMember(t, s, "a@example.com"), idOfMember(t, s, "b@example.com")
	reinvite := map[string]any{"reinvite": true}

	before := auditLen(s)
	res := send(t, s, http.MethodPut, memberPath(ownersInvite), owner, reinvite)
	res.expect(t, http.StatusOK, nil)
	if res.obj(t)["pending"] != true {
		t.Errorf("body %s", res.raw)
	}
	if events := entryEvents(auditTail(s, before)); !slices.Equal(events, []string{"member.reinvite"}) {
		t.Errorf("audit %v", events)
	}

	cases := []struct {
		name   string
		token  string
		id     string
		body   map[string]any
		status int
		want   any
	}{
		{"member resends its own invite", member, membersInvite, reinvite, 200, nil},
		{"member cannot resend another's", member, ownersInvite, reinvite, 403, detail(msgMemberInvite)},
		{"reinvite with changes", owner, ownersInvite, map[string]any{"reinvite": true, "orgRole": "manager"},
			403, detail(msgEditWhenReinviting)},
		{"joined member", owner, idOfMember(t, s, "member@acme.example"), reinvite, 400, detail(msgUninvitable)},
		{"member cannot regenerate", member, membersInvite, map[string]any{"reinvite": true, "regenerate": true},
			400, detail(msgInsufficientScope)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPut, memberPath(c.id), c.token, c.body).expect(t, c.status, c.want)
		})
	}

	t.Run("expired", func(t *testing.T) {
		if err := s.ExpireInvite("acme", "a@example.com"); err != nil {
			t.Fatal(err)
		}
		body := send(t, s, http.MethodGet, memberPath(ownersInvite), owner, nil).obj(t)
		if body["expired"] != true {
			t.Errorf("expired %v", body["expired"])
		}
		send(t, s, http.MethodPut, memberPath(ownersInvite), owner, reinvite).expect(t, http.StatusBadRequest, detail(msgExpiredInvite))
		// Regenerating starts a new 30 days.
		body = send(t, s, http.MethodPut, memberPath(ownersInvite), owner, map[string]any{"reinvite": true, "regenerate": true}).obj(t)
		if body["expired"] != false {
			t.Errorf("expired after regenerate %v", body["expired"])
		}
	})
}

func TestDeleteMember(t *testing.T) {
	cases := []struct {
		name   string
		caller string
		target string
		status int
		want   any
	}{
		{"owner removes member", "owner", "member@acme.example", 204, nil},
		{"owner removes manager", "owner", "manager@acme.example", 204, nil},
		{"manager removes member", "manager", "member@acme.example", 204, nil},
		{"manager cannot remove owner", "manager", "owner@acme.example", 400, detail(msgInsufficientRole)},
		{"member cannot remove member", "member", "manager@acme.example", 400, detail(msgInsufficientScope)},
		{"member leaves", "member", "member@acme.example", 204, nil},
		{"owner leaves while a manager stays", "owner", "owner@acme.example", 204, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t)
			id := idOfMember(t, s, c.target)
			before := auditLen(s)
			send(t, s, http.MethodDelete, memberPath(id), roleToken(s, c.caller), nil).expect(t, c.status, c.want)
			getStatus := send(t, s, http.MethodGet, memberPath(id), roleToken(s, "manager"), nil).status
			entries := auditTail(s, before)
			if c.status == 204 {
				if getStatus != 404 && c.target != "manager@acme.example" {
					t.Errorf("GET after delete %d", getStatus)
				}
				if len(entries) != 1 || entries[0].event != "member.remove" || formatID(entries[0].targetObject) != id ||
					entries[0].data["email"] != c.target {
					t.Errorf("audit %v", entryEvents(entries))
				}
			} else if len(entries) != 0 {
				t.Errorf("a refused delete wrote %v", entryEvents(entries))
			}
		})
	}

	t.Run("last owner or manager", func(t *testing.T) {
		s := newTestServer(t)
		owner := s.Tokens().Owner
		send(t, s, http.MethodDelete, memberPath(idOfMember(t, s, "manager@acme.example")), owner, nil).expect(t, 204, nil)
		// A pending owner invite does not count.
		mustInvite(t, s, owner, map[string]any{"email": "next@example.com", "orgRole": "owner"})
		send(t, s, http.MethodDelete, memberPath("me"), owner, nil).expect(t, http.StatusForbidden, detail(msgOnlyOwnerOrManager))
	})

	t.Run("last manager", func(t *testing.T) {
		s := newTestServer(t)
		manager := s.Tokens().Manager
		ownerID := idOfMember(t, s, "owner@acme.example")
		send(t, s, http.MethodDelete, memberPath(ownerID), s.Tokens().Owner, nil).expect(t, 204, nil)
		send(t, s, http.MethodDelete, memberPath("me"), manager, nil).expect(t, http.StatusForbidden, detail(msgOnlyOwnerOrManager))
	})

	t.Run("SCIM member", func(t *testing.T) {
		s := newTestServer(t)
		if err := s.SetMemberProvisioned("acme", "member@acme.example", true); err != nil {
			t.Fatal(err)
		}
		send(t, s, http.MethodDelete, memberPath(idOfMember(t, s, "member@acme.example")), s.Tokens().Owner, nil).
			expect(t, http.StatusForbidden, detail(msgIdPManagedMember))
	})

	t.Run("members withdraw their own invites only", func(t *testing.T) {
		s := newTestServer(t)
		owner, member := s.Tokens().Owner, s.Tokens().Member
		mustInvite(t, s, owner, map[string]any{"email": "a@example.com"})
		mustInvite(t, s, member, map[string]any{"email": "b@example.com"})
		send(t, s, http.MethodDelete, memberPath(idOfMember(t, s, "a@example.com")), member, nil).
			expect(t, http.StatusBadRequest, detail(msgMemberInvite))
		send(t, s, http.MethodDelete, memberPath(idOfMember(t, s, "b@example.com")), member, nil).expect(t, 204, nil)
	})

	t.Run("invites sent by a removed member go too", func(t *testing.T) {
		s := newTestServer(t)
		mustInvite(t, s, s.Tokens().Manager, map[string]any{"email": "a@example.com"})
		mustInvite(t, s, s.Tokens().Owner, map[string]any{"email": "b@example.com"})
		send(t, s, http.MethodDelete, memberPath(idOfMember(t, s, "manager@acme.example")), s.Tokens().Owner, nil).expect(t, 204, nil)
		rows := send(t, s, http.MethodGet, membersPath+"?query=isInvited:true", s.Tokens().Owner, nil).list(t)
		if got := emailsOf(t, rows); !slices.Equal(got, []string{"b@example.com"}) {
			t.Errorf("invites left %v", got)
		}
	})

	t.Run("team memberships go with the member", func(t *testing.T) {
		s := newTestServer(t)
		owner := s.Tokens().Owner
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
		if err := s.SetTeamRole("acme", "backend", "member@acme.example", "admin"); err != nil {
			t.Fatal(err)
		}
		send(t, s, http.MethodDelete, memberPath(idOfMember(t, s, "member@acme.example")), owner, nil).expect(t, 204, nil)
		rows := send(t, s, http.MethodGet, teamPath("acme", "backend")+"members/", owner, nil).list(t)
		if got := emailsOf(t, rows); !slices.Equal(got, []string{"owner@acme.example"}) {
			t.Errorf("team members %v", got)
		}
	})

	t.Run("unknown member", func(t *testing.T) {
		s := newTestServer(t)
		send(t, s, http.MethodDelete, memberPath("12"), s.Tokens().Owner, nil).expect(t, http.StatusNotFound, detail(detailNotFound))
	})

	t.Run("organization token", func(t *testing.T) {
		s := newTestServer(t)
		id := idOfMember(t, s, "member@acme.example")
		reader := addOrgTokenWithScopes(s, "member:read")
		send(t, s, http.MethodDelete, memberPath(id), reader, nil).expect(t, http.StatusBadRequest, detail(msgInsufficientScope))
		admin := addOrgTokenWithScopes(s, "member:admin")
		send(t, s, http.MethodDelete, memberPath(id), admin, nil).expect(t, http.StatusNoContent, nil)
	})
}

func TestAcceptInvite(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	mustInvite(t, s, owner, map[string]any{"email": "New@Example.com", "orgRole": "manager", "teams": []any{"backend"}})
	id := idOfMember(t, s, "new@example.com")
	before := auditLen(s)

	token, err := s.AcceptInvite("acme", "new@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "sntryu_") {
		t.Errorf("token prefix")
	}
	me := send(t, s, http.MethodGet, memberPath("me"), token, nil)
	me.expect(t, http.StatusOK, nil)
	body := me.obj(t)
	if body["id"] != id || body["pending"] != false || body["expired"] != false || body["user"] == nil ||
		body["inviterName"] != "owner@acme.example" || body["orgRole"] != "manager" {
		t.Errorf("accepted member %v", body)
	}
	// The token carries the manager's scopes.
	send(t, s, http.MethodPost, "/api/0/organizations/acme/teams/", token, map[string]any{"slug": "made-by-new"}).
		expect(t, http.StatusCreated, nil)
	entries := auditTail(s, before)
	if len(entries) == 0 || entries[0].event != "member.accept-invite" || entries[0].actor == nil ||
		entries[0].actor.email != "New@Example.com" || formatID(entries[0].targetObject) != id {
		t.Errorf("audit %v", entryEvents(entries))
	}

	if _, err := s.AcceptInvite("acme", "new@example.com"); !errors.Is(err, ErrNoMember) {
		t.Errorf("second accept: %v", err)
	}
	if _, err := s.AcceptInvite("nope", "new@example.com"); !errors.Is(err, ErrNoOrganization) {
		t.Errorf("unknown org: %v", err)
	}

	t.Run("expired", func(t *testing.T) {
		mustInvite(t, s, owner, map[string]any{"email": "late@example.com"})
		if err := s.ExpireInvite("acme", "late@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcceptInvite("acme", "late@example.com"); !errors.Is(err, ErrInviteExpired) {
			t.Errorf("accepting an expired invite: %v", err)
		}
		if err := s.ExpireInvite("acme", "member@acme.example"); !errors.Is(err, ErrNoMember) {
			t.Errorf("expiring a joined member: %v", err)
		}
	})

	t.Run("existing user", func(t *testing.T) {
		s.AddOrganization("other")
		mustInvite(t, s, owner, map[string]any{"email": "member@other.example"})
		tok, err := s.AcceptInvite("acme", "member@other.example")
		if err != nil {
			t.Fatal(err)
		}
		rows := send(t, s, http.MethodGet, membersPath+"?query=email:member@other.example", tok, nil).list(t)
		if len(rows) != 1 || rows[0]["pending"] != false {
			t.Errorf("rows %v", rows)
		}
	})

	t.Run("provisioned control", func(t *testing.T) {
		if err := s.SetMemberProvisioned("acme", "nobody@example.com", true); !errors.Is(err, ErrNoMember) {
			t.Errorf("unknown member: %v", err)
		}
		if err := s.SetMemberProvisioned("nope", "member@acme.example", true); !errors.Is(err, ErrNoOrganization) {
			t.Errorf("unknown org: %v", err)
		}
	})
}

func TestMemberIDValue(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12", 12, true}, {"12.000", 12, true}, {" 12 ", 12, true}, {"1_2", 12, true},
		{"-1", 0, false}, {"1.5", 0, false}, {"me2", 0, false}, {"", 0, false},
	}
	for _, c := range cases {
		got, ok := memberIDValue(c.in)
		if got != c.want && ok || ok != c.ok {
			t.Errorf("memberIDValue(%q) = %d, %v", c.in, got, ok)
		}
	}
}

func TestValidEmail(t *testing.T) {
	valid := []string{"a@example.com", "first.last+tag@sub.example.co", "eric@localhost", "x@[127.0.0.1]", `"quoted"@example.com`}
	invalid := []string{"", "a", "@example.com", "a@", "a@b", "a@example-.com", "a b@example.com", "a..b@example.com", "a@exa_mple.com"}
	for _, e := range valid {
		if !validEmail(e) {
			t.Errorf("%q refused", e)
		}
	}
	for _, e := range invalid {
		if validEmail(e) {
			t.Errorf("%q accepted", e)
		}
	}
}
