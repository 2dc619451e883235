package sentrysim

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// projectUpdateFixture is an organization with a team "backend" owning a
// project "api"; the seeded member is on backend with the default team
// role.
func projectUpdateFixture(t *testing.T) (*Server, Tokens) {
	t.Helper()
	s := newTestServer(t)
	tok := s.Tokens()
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend", "name": "Backend"})
	if err := s.SetTeamRole("acme", "backend", "member@acme.example", ""); err != nil {
		t.Fatal(err)
	}
	mustCreateProject(t, s, "acme", "backend", tok.Owner, map[string]any{"name": "API", "slug": "api"})
	return s, tok
}

// The community provider's create: POST the project, then PUT what the
// configuration sets, then GET it; every value comes back as it was sent
// or as Sentry normalizes it (clean_newline_inputs lowers IPs and
// releases, keeps error messages' case).
func TestUpdateProjectCommunityProviderRoundTrip(t *testing.T) {
	s, tok := projectUpdateFixture(t)
	put := map[string]any{
		"name": "API", "slug": "api", "platform": "go",
		"digestsMinDelay": 300, "digestsMaxDelay": 3600, "resolveAge": 720,
		"options": map[string]any{
			"filters:blacklisted_ips": "10.0.0.1\n192.168.0.0/16",
			"filters:releases":        "1.0.*\nBeta-*",
			"filters:error_messages":  "TypeError*\nReferenceError: X",
		},
		"fingerprintingRules":  "error.type:DatabaseUnavailable -> system-down",
		"groupingEnhancements": "stack.function:malloc -group",
		"allowedDomains":       []string{"https://example.com", "*.example.net"},
		"scrapeJavaScript":     false,
		"securityToken":        "c2VjcmV0LXRva2Vu",
		"securityTokenHeader":  "X-Sentry-Token",
		"verifySSL":            true,
	}
	res := send(t, s, http.MethodPut, projectPath("acme", "api"), tok.Owner, put)
	res.expect(t, http.StatusOK, nil)
	want := map[string]any{
		"slug": "api", "name": "API", "platform": "go",
		"digestsMinDelay": 300, "digestsMaxDelay": 3600, "resolveAge": 720,
		"options": map[string]any{
			"filters:blacklisted_ips": "10.0.0.1\n192.168.0.0/16",
			"filters:releases":        "1.0.*\nbeta-*",
			"filters:error_messages":  "TypeError*\nReferenceError: X",
		},
		"fingerprintingRules":  "error.type:DatabaseUnavailable -> system-down",
		"groupingEnhancements": "stack.function:malloc -group",
		"allowedDomains":       []any{"https://example.com", "*.example.net"},
		"scrapeJavaScript":     false,
		"securityToken":        "c2VjcmV0LXRva2Vu",
		"securityTokenHeader":  "X-Sentry-Token",
		"verifySSL":            true,
	}
	raw, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	for _, r := range []response{res, send(t, s, http.MethodGet, projectPath("acme", "api"), tok.Owner, nil)} {
		if problems := jsonSubset(decoded, r.body, "body"); len(problems) > 0 {
			t.Errorf("%s: %v", r.raw, problems)
		}
	}
	// Every write is audited, the options under their ProjectOption keys.
	e := s.st.lookupOrganization("acme").audit
	last := e[len(e)-1]
	if last.event != "project.edit" || last.data["sentry:token_header"] != "X-Sentry-Token" ||
		!reflect.DeepEqual(last.data["sentry:origins"], []string{"https://example.com", "*.example.net"}) ||
		last.data["sentry:resolve_age"] != int64(720) || last.data["slug"] != "api" {
		t.Errorf("audit %s %v", last.event, last.data)
	}
}

func TestUpdateProjectPermissions(t *testing.T) {
	s, tok := projectUpdateFixture(t)
	readOnly, err := s.AddUserToken("owner@acme.example", "project:read")
	if err != nil {
		t.Fatal(err)
	}
	writeOnly, err := s.AddUserToken("owner@acme.example", "project:write")
	if err != nil {
		t.Fatal(err)
	}
	// A token bounds team-role scopes too, so the team admin's token
	// carries project:write, which its org role alone does not give.
	teamAdmin, err := s.AddMember("acme", "lead@acme.example", "member", "org:read", "team:read", "project:write")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetTeamRole("acme", "backend", "lead@acme.example", "admin"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		token  string
		body   map[string]any
		status int
	}{
		// test_admin_update_denied_with_token: the owner's project:read
		// token may not change the platform.
		{"owner's read-only token", readOnly, map[string]any{"platform": "rust"}, 403},
		{"owner's write token", writeOnly, map[string]any{"platform": "rust"}, 200},
		// test_member_with_team_role: a team admin may rename.
		{"team admin", teamAdmin, map[string]any{"slug": "zzz"}, 200},
		{"member, truthy admin field", tok.Member, map[string]any{"slug": "yyy"}, 403},
		// request.data.get(key) is falsy: passes, and is dropped.
		{"member, falsy admin field", tok.Member, map[string]any{"verifySSL": false, "isBookmarked": true}, 200},
		// The member serializer validates before the 403 check.
		{"member, bad member field", tok.Member, map[string]any{"isBookmarked": "maybe", "slug": "yyy"}, 400},
		// The SCIM integration has no project scope at all.
		{"scim token", s.SCIMToken("acme"), map[string]any{"name": "x"}, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			slug := "api"
			if p := s.st.lookupOrganization("acme").projects; len(p) == 1 {
				for _, only := range p {
					slug = only.slug
				}
			}
			send(t, s, http.MethodPut, projectPath("acme", slug), c.token, c.body).expect(t, c.status, nil)
		})
	}
	get := send(t, s, http.MethodGet, projectPath("acme", "zzz"), tok.Owner, nil)
	if o := get.obj(t); o["platform"] != "rust" || o["verifySSL"] != false {
		t.Errorf("after the updates: %s", get.raw)
	}
}

// Falsy values of name, slug and platform change nothing: the endpoint
// checks result.get(...) before it saves.
func TestUpdateProjectFalsyPlatformKeepsIt(t *testing.T) {
	s, tok := projectUpdateFixture(t)
	send(t, s, http.MethodPut, projectPath("acme", "api"), tok.Owner, map[string]any{"platform": "python"}).
		expect(t, http.StatusOK, nil)
	res := send(t, s, http.MethodPut, projectPath("acme", "api"), tok.Owner, map[string]any{"platform": nil})
	res.expect(t, http.StatusOK, nil)
	if res.obj(t)["platform"] != "python" {
		t.Errorf("platform %v", res.obj(t)["platform"])
	}
}

func TestUpdateProjectFieldErrors(t *testing.T) {
	s, tok := projectUpdateFixture(t)
	for _, c := range []struct {
		name string
		body map[string]any
		want map[string]any
	}{
		{"security token pattern", map[string]any{"securityToken": "not@valid"},
			map[string]any{"securityToken": []any{"This value does not match the required pattern."}}},
		// test_security_token_header_max_length: 64 is the limit.
		{"security token header length", map[string]any{"securityTokenHeader": "X-" + strings.Repeat("A", 63)},
			map[string]any{"securityTokenHeader": []any{"Ensure this field has no more than 64 characters."}}},
		{"empty allowed domains", map[string]any{"allowedDomains": ""},
			map[string]any{"allowedDomains": []any{msgEmptyOrigins}}},
		{"a port in an allowed domain", map[string]any{"allowedDomains": []any{"example.com:8080"}},
			map[string]any{"allowedDomains": map[string]any{"0": []any{"example.com:8080 is not an acceptable domain"}}}},
		{"digests not a number", map[string]any{"digestsMinDelay": "soon"},
			map[string]any{"digestsMinDelay": []any{msgNotInteger}}},
		{"grouping config", map[string]any{"groupingConfig": "x"},
			map[string]any{"groupingConfig": []any{"Grouping config cannot be manually set."}}},
		{"options not an object", map[string]any{"options": "x"},
			map[string]any{"options": []any{`Expected a dictionary of items but got type "str".`}}},
		{"crash reports above the limit", map[string]any{"storeCrashReports": 101},
			map[string]any{"storeCrashReports": []any{"Ensure this value is less than or equal to 100."}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodPut, projectPath("acme", "api"), tok.Owner, c.body).expect(t, http.StatusBadRequest, c.want)
		})
	}
	// Nothing above was written or audited.
	for _, e := range s.st.lookupOrganization("acme").audit {
		if e.event == "project.edit" {
			t.Errorf("a refused update was audited: %v", e.data)
		}
	}
}

// A filter behind a plan feature the organization lacks ends the request
// with a 400 after the fields before it were saved, and without an audit
// entry.
func TestUpdateProjectMissingFilterFeature(t *testing.T) {
	s, tok := projectUpdateFixture(t)
	send(t, s, http.MethodPut, projectPath("acme", "api"), tok.Owner, map[string]any{
		"subjectPrefix": "[api]",
		"options":       map[string]any{"filters:log_messages": "Updated*"},
	}).expect(t, http.StatusBadRequest, detail(msgNoFeature))
	get := send(t, s, http.MethodGet, projectPath("acme", "api"), tok.Owner, nil)
	if get.obj(t)["subjectPrefix"] != "[api]" {
		t.Errorf("subjectPrefix %v", get.obj(t)["subjectPrefix"])
	}
	for _, e := range s.st.lookupOrganization("acme").audit {
		if e.event == "project.edit" {
			t.Errorf("audited: %v", e.data)
		}
	}
}

// A redirect is only followed for callers who may see the project, and
// goes once another project takes the slug or the project is deleted.
func TestProjectRedirect(t *testing.T) {
	s, tok := projectUpdateFixture(t)
	other := s.AddOrganization("other")
	send(t, s, http.MethodPut, projectPath("acme", "api"), tok.Owner, map[string]any{"slug": "edge"}).
		expect(t, http.StatusOK, nil)
	send(t, s, http.MethodGet, projectPath("acme", "api"), other.Owner, nil).expect(t, http.StatusForbidden, nil)
	send(t, s, http.MethodPut, projectPath("acme", "api"), tok.Owner, map[string]any{"name": "x"}).
		expect(t, http.StatusFound, nil)

	mustCreateProject(t, s, "acme", "backend", tok.Owner, map[string]any{"name": "New API", "slug": "api"})
	res := send(t, s, http.MethodGet, projectPath("acme", "api"), tok.Owner, nil)
	res.expect(t, http.StatusOK, nil)
	if res.obj(t)["name"] != "New API" {
		t.Errorf("the old slug still redirects: %s", res.raw)
	}
	send(t, s, http.MethodDelete, projectPath("acme", "edge"), tok.Owner, nil).expect(t, http.StatusNoContent, nil)
	send(t, s, http.MethodPut, projectPath("acme", "edge"), tok.Owner, map[string]any{"slug": "later"}).
		expect(t, http.StatusNotFound, nil)
}
