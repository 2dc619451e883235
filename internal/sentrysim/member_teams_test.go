package sentrysim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

func teamMembersPath(team string) string { return teamPath("acme", team) + "members/" }

func memberTeamPath(memberID, team string) string {
	return membersPath + memberID + "/teams/" + team + "/"
}

// closeMembership turns acme's open membership off.
func closeMembership(s *Server) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.orgsBySlug["acme"].allowJoinLeave = false
}

func TestListTeamMembers(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	if err := s.SetTeamRole("acme", "backend", "member@acme.example", "admin"); err != nil {
		t.Fatal(err)
	}
	mustInvite(t, s, owner, map[string]any{"email": "zed@example.com", "teams": []any{"backend"}})
	mustInvite(t, s, owner, map[string]any{"email": "amy@example.com", "teams": []any{"backend"}})

	res := send(t, s, http.MethodGet, teamMembersPath("backend"), s.Tokens().Member, nil)
	res.expect(t, http.StatusOK, nil)
	rows := res.list(t)
	// Invites first, by address; joined members after them.
	if got := emailsOf(t, rows); !slices.Equal(got, []string{"amy@example.com", "zed@example.com", "owner@acme.example", "member@acme.example"}) {
		t.Fatalf("order %v", got)
	}
	roles := make([]any, len(rows))
	for i, r := range rows {
		roles[i] = r["teamRole"]
		if r["teamSlug"] != "backend" {
			t.Errorf("teamSlug %v", r["teamSlug"])
		}
	}
	// The stored role: null for the owner, whose minimum is admin anyway.
	if !slices.Equal(roles, []any{nil, nil, nil, "admin"}) {
		t.Errorf("team roles %v", roles)
	}
	want := map[string]any{
		"id": idOfMember(t, s, "member@acme.example"), "email": "member@acme.example", "name": "member@acme.example",
		"user": wantUserBody(s, "member@acme.example"), "orgRole": "member", "pending": false, "expired": false,
		"flags": allFalseFlags, "dateCreated": "2024-05-01T12:00:00.123Z", "inviteStatus": "approved",
		"inviterName": nil, "role": "member", "roleName": "Member", "teamRole": "admin", "teamSlug": "backend",
	}
	if fmt.Sprint(rows[3]) != fmt.Sprint(want) {
		t.Errorf("row %v\nwant %v", rows[3], want)
	}

	t.Run("unknown team", func(t *testing.T) {
		send(t, s, http.MethodGet, teamMembersPath("nope"), owner, nil).expect(t, http.StatusNotFound, detail(detailNotFound))
	})
	t.Run("token without team scopes", func(t *testing.T) {
		tok, err := s.AddUserToken("owner@acme.example", "member:read")
		if err != nil {
			t.Fatal(err)
		}
		send(t, s, http.MethodGet, teamMembersPath("backend"), tok, nil).expect(t, http.StatusForbidden, detail(detailForbidden))
	})
}

func TestListTeamMembersPagination(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "big"})
	for i := range 249 {
		email := fmt.Sprintf("user%03d@example.com", i)
		if _, err := s.AddMember("acme", email, "member"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTeamRole("acme", "big", email, ""); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[string]bool)
	var sizes []int
	query := ""
	for range 5 {
		res := send(t, s, http.MethodGet, teamMembersPath("big")+"?per_page=100"+query, owner, nil)
		res.expect(t, http.StatusOK, nil)
		rows := res.list(t)
		sizes = append(sizes, len(rows))
		for _, r := range rows {
			seen[jsonField[string](t, r, "id")] = true
		}
		next := nextLinkCursor(t, res.header.Get("Link"))
		if next == "" {
			break
		}
		query = "&cursor=" + url.QueryEscape(next)
	}
	if !slices.Equal(sizes, []int{100, 100, 50}) || len(seen) != 250 {
		t.Errorf("pages %v, %d distinct members", sizes, len(seen))
	}
}

func TestAddMemberToTeam(t *testing.T) {
	s := newTestServer(t)
	owner, member := s.Tokens().Owner, s.Tokens().Member
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	memberID := idOfMember(t, s, "member@acme.example")
	before := auditLen(s)

	res := send(t, s, http.MethodPost, memberTeamPath(memberID, "backend"), owner, nil)
	res.expect(t, http.StatusCreated, nil)
	body := res.obj(t)
	if body["slug"] != "backend" || body["memberCount"] != float64(2) || body["isMember"] != true {
		t.Errorf("team body %v", body)
	}
	entries := auditTail(s, before)
	if len(entries) != 1 || entries[0].event != "member.join-team" || entries[0].data["team_slug"] != "backend" ||
		entries[0].data["email"] != "member@acme.example" || entries[0].targetUser == nil {
		t.Errorf("audit %v", entryEvents(entries))
	}
	// The new membership has no stored role.
	rows := send(t, s, http.MethodGet, teamMembersPath("backend"), owner, nil).list(t)
	for _, r := range rows {
		if r["teamRole"] != nil {
			t.Errorf("stored role %v", r["teamRole"])
		}
	}

	res = send(t, s, http.MethodPost, memberTeamPath(memberID, "backend"), owner, nil)
	res.expect(t, http.StatusNoContent, nil)
	if res.raw != "" {
		t.Errorf("204 body %q", res.raw)
	}

	t.Run("open membership lets members add", func(t *testing.T) {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "open"})
		send(t, s, http.MethodPost, memberTeamPath("me", "open"), member, nil).expect(t, http.StatusCreated, nil)
	})

	t.Run("closed membership makes an access request", func(t *testing.T) {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "closed"})
		closeMembership(s)
		defer func() {
			s.mu.Lock()
			s.st.orgsBySlug["acme"].allowJoinLeave = true
			s.mu.Unlock()
		}()
		res := send(t, s, http.MethodPost, memberTeamPath(memberID, "closed"), member, nil)
		res.expect(t, http.StatusAccepted, nil)
		if res.raw != "" {
			t.Errorf("202 body %q", res.raw)
		}
		team := send(t, s, http.MethodGet, teamPath("acme", "closed")+"?collapse=organization", member, nil).obj(t)
		if team["isPending"] != true || team["isMember"] != false {
			t.Errorf("team %v", team)
		}
		// Managers are global and add at once, which clears the request.
		send(t, s, http.MethodPost, memberTeamPath(memberID, "closed"), s.Tokens().Manager, nil).expect(t, http.StatusCreated, nil)
		team = send(t, s, http.MethodGet, teamPath("acme", "closed")+"?collapse=organization", member, nil).obj(t)
		if team["isPending"] != false || team["isMember"] != true {
			t.Errorf("team %v", team)
		}
	})

	t.Run("team admin adds to its team without open membership", func(t *testing.T) {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "led"})
		if err := s.SetTeamRole("acme", "led", "member@acme.example", "admin"); err != nil {
			t.Fatal(err)
		}
		lead, err := s.AddUserToken("member@acme.example", "org:read", "team:write", "member:read")
		if err != nil {
			t.Fatal(err)
		}
		closeMembership(s)
		defer func() {
			s.mu.Lock()
			s.st.orgsBySlug["acme"].allowJoinLeave = true
			s.mu.Unlock()
		}()
		managerID := idOfMember(t, s, "manager@acme.example")
		send(t, s, http.MethodPost, memberTeamPath(managerID, "led"), lead, nil).expect(t, http.StatusCreated, nil)
	})

	t.Run("refusals", func(t *testing.T) {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "scim"})
		if err := s.SetTeamProvisioned("acme", "scim", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddMember("acme", "bill@example.com", "billing"); err != nil {
			t.Fatal(err)
		}
		ci := addOrgTokenWithScopes(s, "org:read", "org:write")
		cases := []struct {
			name, member, team, token string
			status                    int
			want                      any
		}{
			{"provisioned team", memberID, "scim", owner, 403, detail(msgIdPManagedTeam)},
			{"billing member", idOfMember(t, s, "bill@example.com"), "backend", owner, 403,
				detail("The user with a 'billing' role cannot have team-level permissions.")},
			{"unknown team", memberID, "nope", owner, 404, detail(detailNotFound)},
			{"unknown member", "123", "backend", owner, 404, detail(detailNotFound)},
			{"organization token", memberID, "open", ci, 401, nil},
			{"token without org:read", memberID, "open", mustUserToken(t, s, "member:read"), 403, detail(detailForbidden)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				send(t, s, http.MethodPost, memberTeamPath(c.member, c.team), c.token, nil).expect(t, c.status, c.want)
			})
		}
	})
}

func mustUserToken(t testing.TB, s *Server, scopes ...string) string {
	t.Helper()
	tok, err := s.AddUserToken("owner@acme.example", scopes...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestSetMemberTeamRole(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "empty"})
	for _, email := range []string{"member@acme.example", "manager@acme.example"} {
		if err := s.SetTeamRole("acme", "backend", email, ""); err != nil {
			t.Fatal(err)
		}
	}
	memberID, managerID := idOfMember(t, s, "member@acme.example"), idOfMember(t, s, "manager@acme.example")
	path := memberTeamPath(memberID, "backend")

	before := auditLen(s)
	send(t, s, http.MethodPut, path, owner, map[string]any{"teamRole": "admin"}).
		expect(t, http.StatusOK, map[string]any{"isActive": true, "teamRole": "admin"})
	entries := auditTail(s, before)
	if len(entries) != 1 || entries[0].event != "member.edit" || entries[0].data["team_role"] != "admin" ||
		entries[0].data["role"] != "member" || entries[0].data["team_slug"] != "backend" {
		t.Errorf("audit %v", entryEvents(entries))
	}
	send(t, s, http.MethodGet, path, owner, nil).expect(t, http.StatusOK, map[string]any{"isActive": true, "teamRole": "admin"})

	cases := []struct {
		name   string
		path   string
		token  string
		body   any
		status int
		want   any
	}{
		// A role at or below the org role's minimum is stored as null.
		{"contributor for a member is null", path, owner, map[string]any{"teamRole": "contributor"}, 200,
			map[string]any{"isActive": true, "teamRole": nil}},
		{"admin for a manager is null", memberTeamPath(managerID, "backend"), owner, map[string]any{"teamRole": "admin"}, 200,
			map[string]any{"isActive": true, "teamRole": nil}},
		{"no role sent changes nothing", path, owner, map[string]any{}, 200,
			map[string]any{"isActive": true, "teamRole": nil}},
		{"not on the team", memberTeamPath(memberID, "empty"), owner, map[string]any{"teamRole": "admin"}, 404, detail(detailNotFound)},
		{"unknown role", path, owner, map[string]any{"teamRole": "boss"}, 400,
			map[string]any{"teamRole": []any{`"boss" is not a valid choice.`}}},
		{"null role", path, owner, map[string]any{"teamRole": nil}, 400, map[string]any{"teamRole": []any{msgNull}}},
		{"bad isActive", path, owner, map[string]any{"isActive": "maybe"}, 400, map[string]any{"isActive": []any{msgNotBoolean}}},
		{"member cannot make admins", path, s.Tokens().Member, map[string]any{"teamRole": "admin"}, 400,
			detail("You do not have permission to edit that user's membership.")},
		// The old role counts too: a manager's is admin, its minimum.
		{"member cannot demote a manager", memberTeamPath(managerID, "backend"), s.Tokens().Member,
			map[string]any{"teamRole": "contributor"}, 400, detail("You do not have permission to edit that user's membership.")},
		{"manager can", path, s.Tokens().Manager, map[string]any{"teamRole": "admin"}, 200,
			map[string]any{"isActive": true, "teamRole": "admin"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPut, c.path, c.token, c.body).expect(t, c.status, c.want)
		})
	}

	t.Run("without team roles nothing changes", func(t *testing.T) {
		if err := s.SetFeature("acme", "team-roles", false); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.SetFeature("acme", "team-roles", true) }()
		send(t, s, http.MethodPut, path, owner, map[string]any{"teamRole": "contributor"}).
			expect(t, http.StatusOK, map[string]any{"isActive": true, "teamRole": "admin"})
	})

	t.Run("get for a team the member is not on", func(t *testing.T) {
		send(t, s, http.MethodGet, memberTeamPath(memberID, "empty"), owner, nil).expect(t, http.StatusNotFound, nil)
	})
}

func TestRemoveMemberFromTeam(t *testing.T) {
	s := newTestServer(t)
	owner, member := s.Tokens().Owner, s.Tokens().Member
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	for _, email := range []string{"member@acme.example", "manager@acme.example"} {
		if err := s.SetTeamRole("acme", "backend", email, ""); err != nil {
			t.Fatal(err)
		}
	}
	memberID, managerID := idOfMember(t, s, "member@acme.example"), idOfMember(t, s, "manager@acme.example")

	before := auditLen(s)
	res := send(t, s, http.MethodDelete, memberTeamPath(managerID, "backend"), owner, nil)
	res.expect(t, http.StatusOK, nil)
	if body := res.obj(t); body["slug"] != "backend" || body["memberCount"] != float64(2) {
		t.Errorf("team body %v", body)
	}
	entries := auditTail(s, before)
	if len(entries) != 1 || entries[0].event != "member.leave-team" || entries[0].data["email"] != "manager@acme.example" {
		t.Errorf("audit %v", entryEvents(entries))
	}
	// Again, with nobody to remove: still 200, no audit entry.
	before = auditLen(s)
	send(t, s, http.MethodDelete, memberTeamPath(managerID, "backend"), owner, nil).expect(t, http.StatusOK, nil)
	if n := auditLen(s) - before; n != 0 {
		t.Errorf("%d audit entries for a no-op", n)
	}

	cases := []struct {
		name   string
		path   string
		token  string
		status int
		want   any
	}{
		{"member cannot remove others", memberTeamPath(idOfMember(t, s, "owner@acme.example"), "backend"), member, 400,
			detail("You do not have permission to edit that user's membership.")},
		{"member leaves", memberTeamPath(memberID, "backend"), member, 200, nil},
		{"unknown team", memberTeamPath(memberID, "nope"), owner, 404, detail(detailNotFound)},
		{"organization token", memberTeamPath(memberID, "backend"), addOrgTokenWithScopes(s, "org:admin"), 400,
			detail("You do not have permission to edit that user's membership.")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodDelete, c.path, c.token, nil).expect(t, c.status, c.want)
		})
	}

	t.Run("provisioned team", func(t *testing.T) {
		if err := s.SetTeamProvisioned("acme", "backend", true); err != nil {
			t.Fatal(err)
		}
		send(t, s, http.MethodDelete, memberTeamPath(idOfMember(t, s, "owner@acme.example"), "backend"), owner, nil).
			expect(t, http.StatusForbidden, detail(msgIdPManagedTeam))
	})

	t.Run("team admin removes from its team", func(t *testing.T) {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "led"})
		if err := s.SetTeamRole("acme", "led", "member@acme.example", "admin"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTeamRole("acme", "led", "manager@acme.example", ""); err != nil {
			t.Fatal(err)
		}
		lead, err := s.AddUserToken("member@acme.example", "org:read", "team:admin")
		if err != nil {
			t.Fatal(err)
		}
		send(t, s, http.MethodDelete, memberTeamPath(managerID, "led"), lead, nil).expect(t, http.StatusOK, nil)
	})
}

// TestTeamMembershipAuditTargets checks what Sentry's join and leave
// entries name as their target: the membership (OrganizationMemberTeam),
// not the team; a member update that replaces the teams makes new
// memberships, so the join it logs targets a new id.
func TestTeamMembershipAuditTargets(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	team := mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "web"})
	memberID := idOfMember(t, s, "member@acme.example")

	before := auditLen(s)
	send(t, s, http.MethodPost, memberTeamPath(memberID, "backend"), owner, nil).expect(t, http.StatusCreated, nil)
	send(t, s, http.MethodDelete, memberTeamPath(memberID, "backend"), owner, nil).expect(t, http.StatusOK, nil)
	send(t, s, http.MethodPost, memberTeamPath(memberID, "backend"), owner, nil).expect(t, http.StatusCreated, nil)
	send(t, s, http.MethodPut, memberPath(memberID), owner, map[string]any{
		"teamRoles": []map[string]any{{"teamSlug": "web", "role": nil}},
	}).expect(t, http.StatusOK, nil)
	entries := auditTail(s, before)
	if got := entryEvents(entries); !slices.Equal(got, []string{"member.join-team", "member.leave-team", "member.join-team",
		"member.join-team", "member.leave-team", "member.edit"}) {
		t.Fatalf("events %v", got)
	}
	teamID := jsonField[string](t, team, "id")
	joined, left, rejoined, joinedWeb, leftBackend := entries[0], entries[1], entries[2], entries[3], entries[4]
	for _, e := range entries[:5] {
		if formatID(e.targetObject) == teamID || e.targetObject == 0 {
			t.Errorf("%s targets %d, not a membership", e.event, e.targetObject)
		}
	}
	if left.targetObject != joined.targetObject {
		t.Errorf("leaving targets %d, joining %d: not the same membership", left.targetObject, joined.targetObject)
	}
	if rejoined.targetObject == joined.targetObject || leftBackend.targetObject != rejoined.targetObject {
		t.Errorf("a new membership keeps an old id: joined %d, rejoined %d, left %d",
			joined.targetObject, rejoined.targetObject, leftBackend.targetObject)
	}
	if joinedWeb.data["team_slug"] != "web" || joinedWeb.data["email"] != "member@acme.example" {
		t.Errorf("join data %v", joinedWeb.data)
	}
	if edit := entries[5]; formatID(edit.targetObject) != memberID {
		t.Errorf("member.edit targets %d, want the member %s", edit.targetObject, memberID)
	}
}
