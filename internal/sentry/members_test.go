package sentry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

const pendingMemberJSON = `{
	"id": "4505000000000042",
	"email": "new@example.com",
	"name": "new@example.com",
	"user": null,
	"orgRole": "member",
	"pending": true,
	"expired": false,
	"flags": {"idp:provisioned": false, "idp:role-restricted": false, "sso:linked": false,
		"sso:invalid": false, "member-limit:restricted": false, "partnership:restricted": false},
	"dateCreated": "2024-05-01T12:00:00.123Z",
	"inviteStatus": "approved",
	"inviterName": "owner@acme.example",
	"role": "member",
	"roleName": "Member"
}`

const memberDetailsJSON = `{
	"id": "4505000000000007",
	"email": "jane@example.com",
	"name": "Jane Doe",
	"user": {"id": "4505000000000006", "name": "Jane Doe", "username": "jane", "email": "jane@example.com",
		"avatarUrl": "https://gravatar.com/avatar/x", "isActive": true, "experiments": {}},
	"orgRole": "manager",
	"pending": false,
	"expired": false,
	"flags": {"idp:provisioned": true, "sso:linked": false},
	"dateCreated": "2024-03-01T12:30:45.123456Z",
	"inviteStatus": "approved",
	"inviterName": null,
	"role": "manager",
	"roleName": "Manager",
	"teams": ["backend", "ops"],
	"teamRoles": [{"teamSlug": "backend", "role": "admin"}, {"teamSlug": "ops", "role": null}],
	"isOnlyOwner": false,
	"orgRoleList": [{"id": "member", "isAllowed": true}],
	"roles": [{"id": "member", "isAllowed": true}],
	"teamRoleList": [{"id": "contributor"}, {"id": "admin"}]
}`

func strPtr(s string) *string { return &s }

func TestInviteMember(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusCreated, pendingMemberJSON)
	no := false
	m, err := c.InviteMember(context.Background(), "acme", InviteMemberRequest{
		Email:      "new@example.com",
		OrgRole:    "member",
		TeamRoles:  []MemberTeamRole{{TeamSlug: "backend", Role: strPtr("admin")}, {TeamSlug: "ops"}},
		SendInvite: &no,
	})
	if err != nil {
		t.Fatalf("InviteMember: %v", err)
	}
	checkRequest(t, *reqs, "POST", "/api/0/organizations/acme/members/", map[string]any{
		"email":   "new@example.com",
		"orgRole": "member",
		"teamRoles": []any{
			map[string]any{"teamSlug": "backend", "role": "admin"},
			map[string]any{"teamSlug": "ops", "role": nil},
		},
		"sendInvite": false,
	})
	want := time.Date(2024, 5, 1, 12, 0, 0, 123000000, time.UTC)
	if m.ID != "4505000000000042" || m.Email != "new@example.com" || !m.Pending || m.User != nil ||
		m.InviteStatus != "approved" || m.OrgRole != "member" || !m.DateCreated.Equal(want) || m.IDPProvisioned() {
		t.Errorf("member = %+v", m)
	}
}

func TestInviteMemberOmitsUnsetFields(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusCreated, pendingMemberJSON)
	if _, err := c.InviteMember(context.Background(), "acme", InviteMemberRequest{Email: "a@example.com", OrgRole: "manager"}); err != nil {
		t.Fatalf("InviteMember: %v", err)
	}
	checkRequest(t, *reqs, "POST", "/api/0/organizations/acme/members/", map[string]any{"email": "a@example.com", "orgRole": "manager"})
}

func TestInviteMemberErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		field  string
		want   []string
	}{
		{"already invited", 400, `{"email": ["The user a@example.com has already been invited"]}`,
			"email", []string{"The user a@example.com has already been invited"}},
		{"already a member", 400, `{"email": ["The user a@example.com is already a member"]}`,
			"email", []string{"The user a@example.com is already a member"}},
		{"role above the caller", 400, `{"orgRole": ["You do not have permission to set that org-level role"]}`,
			"orgRole", []string{"You do not have permission to set that org-level role"}},
		{"unknown team", 400, `{"teamRoles": ["Invalid teams"]}`, "teamRoles", []string{"Invalid teams"}},
		{"bad team role", 400, `{"teamRoles": ["Invalid team-role"]}`, "teamRoles", []string{"Invalid team-role"}},
		{"billing on teams", 400, `{"email": "The user with a 'billing' role cannot have team-level permissions."}`,
			"email", []string{"The user with a 'billing' role cannot have team-level permissions."}},
		{"invites off", 403, `{"organization": "Your organization is not allowed to invite members"}`,
			"organization", []string{"Your organization is not allowed to invite members"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := recordingServer(t, tc.status, tc.body)
			m, err := c.InviteMember(context.Background(), "acme", InviteMemberRequest{Email: "a@example.com", OrgRole: "member"})
			var apiErr *APIError
			if m != nil || !errors.As(err, &apiErr) {
				t.Fatalf("member %v, err %v", m, err)
			}
			if apiErr.StatusCode != tc.status || !slices.Equal(apiErr.Fields[tc.field], tc.want) {
				t.Errorf("status %d, fields %v", apiErr.StatusCode, apiErr.Fields)
			}
		})
	}
}

func TestInviteMemberRetries(t *testing.T) {
	t.Parallel()
	created := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, pendingMemberJSON)
	}

	// A 502 may hide an invite that was made: the invite is not repeated.
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(http.StatusBadGateway, "bad gateway"), created}}
	c := newTestClient(t, seq)
	if _, err := c.InviteMember(context.Background(), "acme", InviteMemberRequest{Email: "a@example.com", OrgRole: "member"}); err == nil {
		t.Error("a 502 was not reported")
	}
	if n := seq.hits.Load(); n != 1 {
		t.Errorf("%d requests after a 502, want 1", n)
	}

	// A 429 is answered before the endpoint runs, so it is retried.
	seq = &sequence{answers: []func(http.ResponseWriter, *http.Request){status(http.StatusTooManyRequests, `"slow down"`), created}}
	c = newTestClient(t, seq)
	if _, err := c.InviteMember(context.Background(), "acme", InviteMemberRequest{Email: "a@example.com", OrgRole: "member"}); err != nil {
		t.Errorf("after a 429: %v", err)
	}
	if n := seq.hits.Load(); n != 2 {
		t.Errorf("%d requests after a 429, want 2", n)
	}
}

func TestGetMember(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, memberDetailsJSON)
	m, err := c.GetMember(context.Background(), "acme", "4505000000000007")
	if err != nil {
		t.Fatalf("GetMember: %v", err)
	}
	checkRequest(t, *reqs, "GET", "/api/0/organizations/acme/members/4505000000000007/", nil)
	if m.User == nil || *m.User != (MemberUser{ID: "4505000000000006", Email: "jane@example.com", Name: "Jane Doe"}) {
		t.Errorf("user = %+v", m.User)
	}
	if m.Name != "Jane Doe" || m.OrgRole != "manager" || m.Pending || !m.IDPProvisioned() || m.IsOnlyOwner ||
		!slices.Equal(m.Teams, []string{"backend", "ops"}) || m.TeamRole != nil || m.TeamSlug != "" {
		t.Errorf("member = %+v", m)
	}
	if len(m.TeamRoles) != 2 || m.TeamRoles[0].TeamSlug != "backend" || m.TeamRoles[0].Role == nil ||
		*m.TeamRoles[0].Role != "admin" || m.TeamRoles[1].TeamSlug != "ops" || m.TeamRoles[1].Role != nil {
		t.Errorf("team roles = %+v", m.TeamRoles)
	}
}

func TestGetMemberNotFound(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusNotFound, `{"detail": "The requested resource does not exist"}`)
	m, err := c.GetMember(context.Background(), "acme", "12")
	if !IsNotFound(err) || m != nil {
		t.Errorf("member %v, err %v", m, err)
	}
}

func TestMemberPathsEscaped(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, memberDetailsJSON)
	ctx := context.Background()
	if _, err := c.GetMember(ctx, "acme", "../1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteMember(ctx, "acme", "a/b"); err != nil {
		t.Fatal(err)
	}
	want := []string{"/api/0/organizations/acme/members/..%2F1/", "/api/0/organizations/acme/members/a%2Fb/"}
	for i, r := range *reqs {
		if r.uri != want[i] {
			t.Errorf("request %d URI = %q, want %q", i, r.uri, want[i])
		}
	}
}

func TestUpdateMemberBodies(t *testing.T) {
	t.Parallel()
	empty := []MemberTeamRole{}
	var none []MemberTeamRole
	some := []MemberTeamRole{{TeamSlug: "backend", Role: strPtr("admin")}, {TeamSlug: "ops"}}
	cases := []struct {
		name string
		req  UpdateMemberRequest
		want map[string]any
	}{
		{"role only", UpdateMemberRequest{OrgRole: strPtr("manager")}, map[string]any{"orgRole": "manager"}},
		{"team roles", UpdateMemberRequest{TeamRoles: &some}, map[string]any{"teamRoles": []any{
			map[string]any{"teamSlug": "backend", "role": "admin"}, map[string]any{"teamSlug": "ops", "role": nil},
		}}},
		{"no teams", UpdateMemberRequest{OrgRole: strPtr("billing"), TeamRoles: &empty},
			map[string]any{"orgRole": "billing", "teamRoles": []any{}}},
		{"nil slice is an empty list", UpdateMemberRequest{TeamRoles: &none}, map[string]any{"teamRoles": []any{}}},
		{"reinvite", UpdateMemberRequest{Reinvite: true}, map[string]any{"reinvite": true}},
		{"regenerate", UpdateMemberRequest{Reinvite: true, Regenerate: true}, map[string]any{"reinvite": true, "regenerate": true}},
		{"nothing", UpdateMemberRequest{}, map[string]any{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, reqs := recordingServer(t, http.StatusOK, memberDetailsJSON)
			m, err := c.UpdateMember(context.Background(), "acme", "7", tc.req)
			if err != nil {
				t.Fatalf("UpdateMember: %v", err)
			}
			if m.ID != "4505000000000007" {
				t.Errorf("member = %+v", m)
			}
			r := (*reqs)[0]
			if r.method != "PUT" || r.uri != "/api/0/organizations/acme/members/7/" {
				t.Errorf("request %s %s", r.method, r.uri)
			}
			got, _ := json.Marshal(r.body)
			want, _ := json.Marshal(tc.want)
			if r.body == nil {
				got = []byte("{}")
			}
			if string(got) != string(want) {
				t.Errorf("body %s, want %s", got, want)
			}
		})
	}
}

func TestUpdateMemberErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		check  func(*APIError) bool
	}{
		{"own role", 400, `{"detail": "You cannot make changes to your own role."}`,
			func(e *APIError) bool { return e.Detail == "You cannot make changes to your own role." }},
		{"superior", 403, `{"role": "You do not have permission to assign a role to the given user."}`,
			func(e *APIError) bool {
				return slices.Equal(e.Fields["role"], []string{"You do not have permission to assign a role to the given user."})
			}},
		{"organization token", 400, ``, func(e *APIError) bool { return e.Detail == "" && e.Fields == nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := recordingServer(t, tc.status, tc.body)
			_, err := c.UpdateMember(context.Background(), "acme", "7", UpdateMemberRequest{OrgRole: strPtr("member")})
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || !tc.check(apiErr) {
				t.Errorf("err = %#v", err)
			}
		})
	}
}

func TestDeleteMember(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusNoContent, "")
	if err := c.DeleteMember(context.Background(), "acme", "7"); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	checkRequest(t, *reqs, "DELETE", "/api/0/organizations/acme/members/7/", nil)

	c, _ = recordingServer(t, http.StatusForbidden, `{"detail": "You cannot remove the only remaining owner or manager of the organization."}`)
	if err := c.DeleteMember(context.Background(), "acme", "7"); !IsForbidden(err) {
		t.Errorf("err = %v", err)
	}
}

// memberPages serves total members in pages of 100 with Sentry's cursors and
// records each request's query.
type memberPages struct {
	total   int
	mu      sync.Mutex
	queries []url.Values
	paths   []string
}

func (p *memberPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.queries = append(p.queries, r.URL.Query())
	p.paths = append(p.paths, r.URL.Path)
	p.mu.Unlock()
	page := 0
	if cursor := r.URL.Query().Get("cursor"); cursor != "" {
		if _, err := fmt.Sscanf(cursor, "100:%d:0", &page); err != nil {
			http.Error(w, `{"detail": "Invalid cursor parameter."}`, http.StatusBadRequest)
			return
		}
	}
	members := []map[string]any{}
	for i := page * 100; i < min(p.total, (page+1)*100); i++ {
		members = append(members, map[string]any{
			"id": fmt.Sprint(i + 1), "email": fmt.Sprintf("user%03d@example.com", i),
			"teamRole": nil, "teamSlug": "backend",
		})
	}
	prev := fmt.Sprintf("100:%d:1", page-1)
	next := fmt.Sprintf("100:%d:0", page+1)
	w.Header().Set("Link", sentryLink(r.URL.Path[len("/api/0/"):], prev, next, page > 0, (page+1)*100 < p.total))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(members)
}

func TestListMembers(t *testing.T) {
	t.Parallel()
	pages := &memberPages{total: 250}
	c := newTestClient(t, pages)
	members, err := c.ListMembers(context.Background(), "acme", "role:owner isInvited:false")
	if err != nil {
		t.Fatalf("ListMembers: %v", err)
	}
	if len(members) != 250 || members[0].ID != "1" || members[249].Email != "user249@example.com" {
		t.Errorf("%d members", len(members))
	}
	if len(pages.queries) != 3 {
		t.Fatalf("%d requests", len(pages.queries))
	}
	for i, q := range pages.queries {
		if q.Get("query") != "role:owner isInvited:false" || q.Get("per_page") != "100" || pages.paths[i] != "/api/0/organizations/acme/members/" {
			t.Errorf("request %d: %s %v", i, pages.paths[i], q)
		}
	}
	if pages.queries[2].Get("cursor") != "100:2:0" {
		t.Errorf("third cursor %q", pages.queries[2].Get("cursor"))
	}
}

func TestListMembersWithoutQuery(t *testing.T) {
	t.Parallel()
	pages := &memberPages{total: 3}
	c := newTestClient(t, pages)
	if _, err := c.ListMembers(context.Background(), "acme", ""); err != nil {
		t.Fatalf("ListMembers: %v", err)
	}
	if _, ok := pages.queries[0]["query"]; ok {
		t.Errorf("query sent: %v", pages.queries[0])
	}
}

func TestMembersIsLazy(t *testing.T) {
	t.Parallel()
	pages := &memberPages{total: 250}
	c := newTestClient(t, pages)
	n := 0
	for _, err := range c.Members(context.Background(), "acme", "") {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 150 {
			break
		}
	}
	if len(pages.queries) != 2 {
		t.Errorf("%d requests for 150 members, want 2", len(pages.queries))
	}
}

func TestListTeamMembers(t *testing.T) {
	t.Parallel()
	pages := &memberPages{total: 120}
	c := newTestClient(t, pages)
	members, err := c.ListTeamMembers(context.Background(), "acme", "backend")
	if err != nil {
		t.Fatalf("ListTeamMembers: %v", err)
	}
	if len(members) != 120 || members[0].TeamSlug != "backend" || members[0].TeamRole != nil {
		t.Errorf("%d members, first %+v", len(members), members[0])
	}
	if pages.paths[0] != "/api/0/teams/acme/backend/members/" {
		t.Errorf("path %s", pages.paths[0])
	}

	c2, _ := recordingServer(t, http.StatusOK, `[{"id": "7", "teamRole": "admin", "teamSlug": "backend"}]`)
	members, err = c2.ListTeamMembers(context.Background(), "acme", "backend")
	if err != nil || len(members) != 1 || members[0].TeamRole == nil || *members[0].TeamRole != "admin" {
		t.Errorf("members %+v, err %v", members, err)
	}
}

func TestAddTeamMember(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		body   string
		want   TeamMembershipResult
	}{
		{http.StatusCreated, teamJSON, TeamMemberAdded},
		{http.StatusNoContent, "", TeamMemberAlreadyPresent},
		{http.StatusAccepted, "", TeamMemberAccessRequested},
	}
	for _, tc := range cases {
		t.Run(tc.want.String(), func(t *testing.T) {
			t.Parallel()
			c, reqs := recordingServer(t, tc.status, tc.body)
			got, err := c.AddTeamMember(context.Background(), "acme", "7", "backend")
			if err != nil || got != tc.want {
				t.Errorf("result %v, err %v; want %v", got, err, tc.want)
			}
			checkRequest(t, *reqs, "POST", "/api/0/organizations/acme/members/7/teams/backend/", nil)
		})
	}

	t.Run("unexpected success", func(t *testing.T) {
		t.Parallel()
		c, _ := recordingServer(t, http.StatusOK, teamJSON)
		if _, err := c.AddTeamMember(context.Background(), "acme", "7", "backend"); err == nil {
			t.Error("a 200 was taken for a result")
		}
	})
	t.Run("provisioned team", func(t *testing.T) {
		t.Parallel()
		c, _ := recordingServer(t, http.StatusForbidden, `{"detail": "This team is managed through your organization's identity provider."}`)
		if _, err := c.AddTeamMember(context.Background(), "acme", "7", "scim"); !IsForbidden(err) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("retried after a 502", func(t *testing.T) {
		t.Parallel()
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
			status(http.StatusBadGateway, "bad gateway"), status(http.StatusNoContent, ""),
		}}
		c := newTestClient(t, seq)
		got, err := c.AddTeamMember(context.Background(), "acme", "7", "backend")
		if err != nil || got != TeamMemberAlreadyPresent || seq.hits.Load() != 2 {
			t.Errorf("result %v, err %v, %d requests", got, err, seq.hits.Load())
		}
	})
}

func TestTeamMembershipResultString(t *testing.T) {
	t.Parallel()
	if s := TeamMembershipResult(0).String(); s != "TeamMembershipResult(0)" {
		t.Errorf("zero value %q", s)
	}
}

func TestMemberIDPProvisionedNil(t *testing.T) {
	t.Parallel()
	var m *Member
	if m.IDPProvisioned() || (&Member{}).IDPProvisioned() {
		t.Error("a member without flags is provisioned")
	}
}
