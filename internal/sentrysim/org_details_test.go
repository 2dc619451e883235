package sentrysim

import (
	"fmt"
	"net/http"
	"testing"
)

// Conformance cases of the organization details and auth provider
// endpoints (src/sentry/core/endpoints/organization_details.py,
// src/sentry/api/endpoints/organization_auth_provider_details.py), and of
// the access rules the settings drive: open membership
// (src/sentry/auth/access.py) and the member role's scopes
// (Organization.get_scopes).

const orgPath = "/api/0/organizations/acme/"

func init() {
	conformanceCases["organization-details"] = orgDetailsCases
	conformanceCases["organization-access-rules"] = orgAccessRuleCases
	confMinimums["organization-details"] = 18
	confMinimums["organization-access-rules"] = 6
}

// with2FA gives the user with the email a second factor.
func with2FA(email string) func(t *testing.T, f *confFixture) {
	return func(t *testing.T, f *confFixture) {
		t.Helper()
		on := true
		if err := f.s.SetMemberPosture("acme", MemberPosture{Email: email, Has2FA: &on}); err != nil {
			t.Fatal(err)
		}
	}
}

func settings(set OrgSettings) func(t *testing.T, f *confFixture) {
	return func(t *testing.T, f *confFixture) {
		t.Helper()
		if _, err := f.s.SetOrgSettings("acme", set); err != nil {
			t.Fatal(err)
		}
	}
}

// eventRows is the organization's audit log entries of one event, newest
// first.
func eventRows(t *testing.T, f *confFixture, event string) []map[string]any {
	t.Helper()
	_, rows := auditRows(t, f.s, f.tokens["owner"], "?event="+event)
	return rows
}

// expectOrgEdit checks the newest org.edit entry's data, or that there is
// none when want is nil.
func expectOrgEdit(want map[string]any) func(t *testing.T, f *confFixture, r response) {
	return func(t *testing.T, f *confFixture, _ response) {
		t.Helper()
		rows := eventRows(t, f, "org.edit")
		if want == nil {
			if len(rows) != 0 {
				t.Fatalf("org.edit entries %v, want none", rows)
			}
			return
		}
		if len(rows) != 1 {
			t.Fatalf("org.edit entries %v, want one", rows)
		}
		if fmt.Sprint(rows[0]["data"]) != fmt.Sprint(want) {
			t.Errorf("org.edit data %v, want %v", rows[0]["data"], want)
		}
		if fmt.Sprint(rows[0]["targetObject"]) == "" {
			t.Errorf("org.edit without a target: %v", rows[0])
		}
	}
}

var orgDetailsCases = []confCase{
	{name: "get: the access settings with Sentry's defaults", actor: "member", method: http.MethodGet, path: orgPath,
		status: http.StatusOK, schemaFor: "/api/0/organizations/{organization_id_or_slug}/",
		subset: map[string]any{
			"slug": "acme", "openMembership": true, "allowJoinRequests": true, "allowMemberInvite": true,
			"allowMemberProjectCreation": true, "require2FA": false, "defaultRole": "member",
			"eventsMemberAdmin": true, "alertsMemberWrite": true, "attachmentsRole": "member",
			"debugFilesRole": "admin", "allowSharedIssues": true, "enhancedPrivacy": false,
			"allowSuperuserAccess": true, "hasAuthProvider": false, "orgRole": "member",
		},
		keys: []string{"teams", "projects", "access", "orgRoleList", "teamRoleList"}},
	{name: "get: detailed=0 leaves out teams and projects", actor: "owner", method: http.MethodGet, path: orgPath + "?detailed=0",
		status: http.StatusOK, check: func(t *testing.T, r response) {
			if _, ok := r.obj(t)["teams"]; ok {
				t.Error("detailed=0 answered with teams")
			}
		}},
	{name: "get: feature flags only when asked for", actor: "owner", method: http.MethodGet, path: orgPath,
		status: http.StatusOK, check: func(t *testing.T, r response) {
			if _, ok := r.obj(t)["features"]; ok {
				t.Error("features sent without include_feature_flags")
			}
		}},
	{name: "get: include_feature_flags=1", actor: "owner", method: http.MethodGet, path: orgPath + "?include_feature_flags=1",
		status: http.StatusOK, keys: []string{"features"}},
	{name: "get: unknown organization", actor: "owner", method: http.MethodGet, path: "/api/0/organizations/nope/",
		status: http.StatusNotFound, detail: msgNotFound},
	{name: "put: a member lacks org:write", actor: "member", method: http.MethodPut, path: orgPath,
		body: map[string]any{"openMembership": false}, status: http.StatusForbidden, detail: msgForbidden,
		headers: map[string]string{"WWW-Authenticate": `insufficient_scope.*org:admin org:write`}},
	{name: "put: manager turns open membership off", actor: "manager", method: http.MethodPut, path: orgPath,
		body: map[string]any{"openMembership": false}, status: http.StatusOK,
		subset: map[string]any{"openMembership": false},
		after:  expectOrgEdit(map[string]any{"allow_joinleave": "to False"})},
	{name: "put: the same value again writes no audit entry", actor: "manager", method: http.MethodPut, path: orgPath,
		body: map[string]any{"openMembership": true}, status: http.StatusOK, after: expectOrgEdit(nil)},
	{name: "put: defaultRole is dropped for a manager", actor: "manager", method: http.MethodPut, path: orgPath,
		body: map[string]any{"defaultRole": "admin"}, status: http.StatusOK,
		subset: map[string]any{"defaultRole": "member"}, after: expectOrgEdit(nil)},
	{name: "put: an owner sets defaultRole", actor: "owner", method: http.MethodPut, path: orgPath,
		body: map[string]any{"defaultRole": "admin"}, status: http.StatusOK,
		subset: map[string]any{"defaultRole": "admin"},
		after:  expectOrgEdit(map[string]any{"default_role": "from member to admin"})},
	{name: "put: unknown defaultRole", actor: "owner", method: http.MethodPut, path: orgPath,
		body: map[string]any{"defaultRole": "boss"}, status: http.StatusBadRequest,
		errors: map[string][]string{"defaultRole": {`"boss" is not a valid choice.`}}},
	{name: "put: unknown attachments and debug files roles", actor: "owner", method: http.MethodPut, path: orgPath,
		body: map[string]any{"attachmentsRole": "boss", "debugFilesRole": ""}, status: http.StatusBadRequest,
		errors: map[string][]string{"attachmentsRole": {msgInvalidRole}, "debugFilesRole": {msgBlank}}},
	{name: "put: not a boolean", actor: "owner", method: http.MethodPut, path: orgPath,
		body: map[string]any{"openMembership": "maybe", "allowJoinRequests": nil}, status: http.StatusBadRequest,
		errors: map[string][]string{"openMembership": {msgNotBoolean}, "allowJoinRequests": {msgNull}}},
	{name: "put: an option first set writes 'to'", actor: "owner", method: http.MethodPut, path: orgPath,
		body: map[string]any{"eventsMemberAdmin": false, "attachmentsRole": "member"}, status: http.StatusOK,
		subset: map[string]any{"eventsMemberAdmin": false, "attachmentsRole": "member"},
		after:  expectOrgEdit(map[string]any{"eventsMemberAdmin": "to False"})},
	{name: "put: a set option changed writes 'from ... to'", actor: "owner", method: http.MethodPut, path: orgPath,
		setup: func(t *testing.T, f *confFixture) {
			send(t, f.s, http.MethodPut, orgPath, f.tokens["owner"], map[string]any{"debugFilesRole": "manager"}).
				expect(t, http.StatusOK, nil)
		},
		body: map[string]any{"debugFilesRole": "owner"}, status: http.StatusOK,
		after: func(t *testing.T, f *confFixture, r response) {
			rows := eventRows(t, f, "org.edit")
			if len(rows) != 2 || fmt.Sprint(rows[0]["data"]) != fmt.Sprint(map[string]any{"debugFilesRole": "from manager to owner"}) ||
				fmt.Sprint(rows[1]["data"]) != fmt.Sprint(map[string]any{"debugFilesRole": "to manager"}) {
				t.Errorf("org.edit entries %v", rows)
			}
		}},
	{name: "put: require2FA refused without the caller's 2FA", actor: "owner", method: http.MethodPut, path: orgPath,
		body: map[string]any{"require2FA": true}, status: http.StatusBadRequest,
		errors: map[string][]string{"require2FA": {msgNo2FA}}},
	{name: "put: require2FA refused with SSO", actor: "owner", method: http.MethodPut, path: orgPath,
		setup: func(t *testing.T, f *confFixture) {
			with2FA("owner@acme.example")(t, f)
			settings(OrgSettings{SSOProvider: ptr("okta")})(t, f)
		},
		body: map[string]any{"require2FA": true}, status: http.StatusBadRequest,
		errors: map[string][]string{"require2FA": {msgSSOEnabled}}},
	{name: "put: require2FA turns members without 2FA into invitations", actor: "owner", method: http.MethodPut, path: orgPath,
		setup: func(t *testing.T, f *confFixture) {
			with2FA("owner@acme.example")(t, f)
			with2FA("manager@acme.example")(t, f)
		},
		body: map[string]any{"require2FA": true}, status: http.StatusOK, subset: map[string]any{"require2FA": true},
		after: func(t *testing.T, f *confFixture, _ response) {
			expectOrgEdit(map[string]any{"require_2fa": "to True"})(t, f, response{})
			pending := eventRows(t, f, "member.pending")
			if len(pending) != 1 {
				t.Fatalf("member.pending entries %v, want one", pending)
			}
			data := jsonAs[map[string]any](t, pending[0]["data"])
			if data["email"] != "member@acme.example" || data["teams_slugs"] == nil {
				t.Errorf("member.pending data %v", data)
			}
			list := send(t, f.s, http.MethodGet, orgPath+"members/?query=email:member@acme.example", f.tokens["owner"], nil).list(t)
			if len(list) != 1 || list[0]["pending"] != true || list[0]["user"] != nil {
				t.Errorf("the member without 2FA is %v, want a pending invitation", list)
			}
			teams := send(t, f.s, http.MethodGet, "/api/0/teams/acme/backend/members/", f.tokens["owner"], nil).list(t)
			found := false
			for _, tm := range teams {
				found = found || tm["email"] == "member@acme.example"
			}
			if !found {
				t.Error("the invitation lost its team")
			}
			// The member's own token no longer reaches the organization.
			send(t, f.s, http.MethodGet, orgPath, f.tokens["member"], nil).expect(t, http.StatusForbidden, nil)
		}},
	{name: "put: a new name is audited", actor: "owner", method: http.MethodPut, path: orgPath,
		body: map[string]any{"name": "Acme Two"}, status: http.StatusOK, subset: map[string]any{"name": "Acme Two"},
		check: func(t *testing.T, r response) {
			if r.obj(t)["name"] != "Acme Two" {
				t.Error(r.raw)
			}
		}},
	{name: "auth-provider: none is 204 without a body", actor: "member", method: http.MethodGet, path: orgPath + "auth-provider/",
		status: http.StatusNoContent, contentType: ""},
	{name: "auth-provider: SAML with required linking", actor: "member", method: http.MethodGet, path: orgPath + "auth-provider/",
		setup: func(t *testing.T, f *confFixture) {
			settings(OrgSettings{SSOProvider: ptr("okta"), SSORequired: ptr(true)})(t, f)
			linked := true
			if err := f.s.SetMemberPosture("acme", MemberPosture{Email: "owner@acme.example", SSOLinked: &linked}); err != nil {
				t.Fatal(err)
			}
		},
		status: http.StatusOK,
		// Manager, member and the pending invitation have not linked.
		subset: map[string]any{"provider_name": "okta", "require_link": true, "scim_enabled": true,
			"pending_links_count": 3, "default_role": "member", "login_url": "http://example.com/organizations/acme/issues/"},
		keys: []string{"id"}},
	{name: "auth-provider: a token without org:read", actor: "org_ci", method: http.MethodGet, path: orgPath + "auth-provider/",
		status: http.StatusForbidden, detail: msgForbidden},
}

// withFrontend adds a team the member is not on, with a project.
func withFrontend(t *testing.T, f *confFixture) {
	t.Helper()
	mustCreateTeam(t, f.s, "acme", f.tokens["owner"], map[string]any{"slug": "frontend"})
	if err := f.s.AddProject("acme", "frontend", "web"); err != nil {
		t.Fatal(err)
	}
}

func closedMembership(t *testing.T, f *confFixture) {
	t.Helper()
	withFrontend(t, f)
	send(t, f.s, http.MethodPut, orgPath, f.tokens["owner"], map[string]any{"openMembership": false}).expect(t, http.StatusOK, nil)
}

var orgAccessRuleCases = []confCase{
	{name: "open membership: a member joins any team", actor: "member", method: http.MethodPost,
		path: orgPath + "members/me/teams/frontend/", setup: withFrontend, status: http.StatusCreated},
	{name: "closed membership: joining is only a request", actor: "member", method: http.MethodPost,
		path: orgPath + "members/me/teams/frontend/", setup: closedMembership, status: http.StatusAccepted},
	{name: "open membership: a member reads every project", actor: "member", method: http.MethodGet,
		path: "/api/0/projects/acme/web/", setup: withFrontend, status: http.StatusOK},
	{name: "closed membership: a project of another team is out of reach", actor: "member", method: http.MethodGet,
		path: "/api/0/projects/acme/web/", setup: closedMembership, status: http.StatusForbidden, detail: msgForbidden},
	{name: "closed membership: the member's own team's project", actor: "member", method: http.MethodGet,
		path: "/api/0/projects/acme/api/", setup: closedMembership, status: http.StatusOK},
	{name: "eventsMemberAdmin and alertsMemberWrite off take scopes from members", actor: "member", method: http.MethodGet,
		path: orgPath + "?detailed=0",
		setup: func(t *testing.T, f *confFixture) {
			send(t, f.s, http.MethodPut, orgPath, f.tokens["owner"], map[string]any{"eventsMemberAdmin": false, "alertsMemberWrite": false}).
				expect(t, http.StatusOK, nil)
		},
		status: http.StatusOK, check: func(t *testing.T, r response) {
			access := jsonField[[]any](t, r.obj(t), "access")
			for _, s := range []string{"event:admin", "alerts:write"} {
				if containsWord(access, s) {
					t.Errorf("member access %s still has %s", access, s)
				}
			}
			if !containsWord(access, "event:write") {
				t.Errorf("member access %s lost event:write", access)
			}
		}},
}

func containsWord(list []any, word string) bool {
	for _, w := range list {
		if w == word {
			return true
		}
	}
	return false
}
