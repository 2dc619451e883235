package sentry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const scimGroupJSON = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
	"id": "4502349234123",
	"displayName": "Backend Eng",
	"meta": {"resourceType": "Group"},
	"members": [
		{"value": "9", "display": "b@example.com"},
		{"value": "10", "display": "a@example.com"}
	]
}`

const scimUserJSON = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
	"id": "77",
	"userName": "new@example.com",
	"name": {"givenName": "N/A", "familyName": "N/A"},
	"emails": [{"primary": true, "value": "new@example.com", "type": "work"}],
	"meta": {"resourceType": "User"},
	"sentryOrgRole": "manager",
	"active": true
}`

// rawRequest is one request as a server saw it, body verbatim.
type rawRequest struct {
	method, uri, auth, body string
}

// rawServer answers with answer(n) for the n-th request (from 0) and keeps
// every request.
func rawServer(t *testing.T, answer func(n int) (int, string)) (*Client, func() []rawRequest) {
	t.Helper()
	var mu sync.Mutex
	var reqs []rawRequest
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		mu.Lock()
		n := len(reqs)
		reqs = append(reqs, rawRequest{r.Method, r.RequestURI, r.Header.Get("Authorization"), string(data)})
		mu.Unlock()
		status, body := answer(n)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	return c, func() []rawRequest {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(reqs)
	}
}

func always(status int, body string) func(int) (int, string) {
	return func(int) (int, string) { return status, body }
}

func checkRaw(t *testing.T, got rawRequest, method, uri, body string) {
	t.Helper()
	if got.method != method || got.uri != uri || got.body != body {
		t.Errorf("request %s %s %s\nwant    %s %s %s", got.method, got.uri, got.body, method, uri, body)
	}
}

func TestCreateSCIMGroup(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, always(http.StatusCreated, scimGroupJSON))
	g, err := c.CreateSCIMGroup(context.Background(), "acme", "Backend Eng")
	if err != nil {
		t.Fatalf("CreateSCIMGroup: %v", err)
	}
	if g.ID != "4502349234123" || g.DisplayName != "Backend Eng" || len(g.Members) != 2 || g.Members[0] != (SCIMGroupMember{"9", "b@example.com"}) {
		t.Errorf("group %+v", g)
	}
	if ids := g.MemberIDs(); !slices.Equal(ids, []string{"10", "9"}) {
		t.Errorf("MemberIDs %v", ids)
	}
	r := reqs()[0]
	checkRaw(t, r, "POST", "/api/0/organizations/acme/scim/v2/Groups",
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Backend Eng"}`)
	if r.auth != "Bearer "+testToken {
		t.Errorf("Authorization %q", r.auth)
	}
}

func TestCreateSCIMGroupConflict(t *testing.T) {
	t.Parallel()
	c, _ := rawServer(t, always(http.StatusConflict,
		`{"non_field_errors": ["A team with this slug already exists."], "detail": "A team with this slug already exists."}`))
	if _, err := c.CreateSCIMGroup(context.Background(), "acme", "Backend"); !IsConflict(err) {
		t.Errorf("err = %v, want a conflict", err)
	}
}

func TestGetSCIMGroup(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, always(http.StatusOK, scimGroupJSON))
	g, err := c.GetSCIMGroup(context.Background(), "acme", "4502349234123")
	if err != nil || g.ID != "4502349234123" || len(g.Members) != 2 {
		t.Fatalf("GetSCIMGroup = %+v, %v", g, err)
	}
	checkRaw(t, reqs()[0], "GET", "/api/0/organizations/acme/scim/v2/Groups/4502349234123", "")
}

func TestSCIMNotFound(t *testing.T) {
	t.Parallel()
	c, _ := rawServer(t, always(http.StatusNotFound,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "Group not found."}`))
	g, err := c.GetSCIMGroup(context.Background(), "acme", "1")
	var apiErr *APIError
	if g != nil || !IsNotFound(err) || !errors.As(err, &apiErr) || apiErr.Detail != "Group not found." || apiErr.Fields != nil {
		t.Fatalf("group %v, err %#v", g, err)
	}
	if got := err.Error(); got != "GET organizations/acme/scim/v2/Groups/1: 404 Not Found: Group not found." {
		t.Errorf("message %q", got)
	}
}

func TestSCIMInvalidFilter(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, always(http.StatusBadRequest,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "scimType": "invalidFilter"}`))
	_, err := c.ListSCIMGroups(context.Background(), "acme", `displayName co "x"`)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || apiErr.Detail != "invalidFilter" {
		t.Fatalf("err %#v", err)
	}
	if got := reqs()[0].uri; got != "/api/0/organizations/acme/scim/v2/Groups?count=100&filter=displayName+co+%22x%22&startIndex=1" {
		t.Errorf("URI %q", got)
	}
}

// scimGroupPages serves total groups, paging as Sentry does: by
// startIndex and count, but never more than pageMax at once.
func scimGroupPages(total, pageMax int) func(r *http.Request) (int, string) {
	return func(r *http.Request) (int, string) {
		start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
		count, _ := strconv.Atoi(r.URL.Query().Get("count"))
		resources := []any{}
		for i := start; i < start+min(count, pageMax) && i <= total; i++ {
			resources = append(resources, map[string]any{"id": strconv.Itoa(i), "displayName": fmt.Sprint("g", i), "members": []any{}})
		}
		body, _ := json.Marshal(map[string]any{
			"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
			"totalResults": total, "startIndex": start, "itemsPerPage": len(resources), "Resources": resources,
		})
		return http.StatusOK, string(body)
	}
}

func TestListSCIMGroupsPages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		total, pageMax int
		starts         []string
	}{
		{"empty", 0, 100, []string{"1"}},
		{"one page", 100, 100, []string{"1"}},
		{"three pages", 250, 100, []string{"1", "101", "201"}},
		{"server pages smaller than asked", 70, 30, []string{"1", "31", "61"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var starts []string
			pages := scimGroupPages(tc.total, tc.pageMax)
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				starts = append(starts, r.URL.Query().Get("startIndex"))
				mu.Unlock()
				if r.URL.Path != "/api/0/organizations/acme/scim/v2/Groups" || r.URL.Query().Get("count") != "100" || r.URL.Query().Has("filter") {
					t.Errorf("request %s", r.URL)
				}
				status, body := pages(r)
				writeRaw(w, status, body)
			}))
			groups, err := c.ListSCIMGroups(context.Background(), "acme", "")
			if err != nil {
				t.Fatalf("ListSCIMGroups: %v", err)
			}
			if groups == nil || len(groups) != tc.total {
				t.Fatalf("%d groups, want %d", len(groups), tc.total)
			}
			for i, g := range groups {
				if g.ID != strconv.Itoa(i+1) {
					t.Fatalf("group %d is %s", i, g.ID)
				}
			}
			if !slices.Equal(starts, tc.starts) {
				t.Errorf("startIndex %v, want %v", starts, tc.starts)
			}
		})
	}
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func opsOfBody(t *testing.T, body string) []SCIMPatchOp {
	t.Helper()
	var req struct {
		Schemas    []string      `json:"schemas"`
		Operations []SCIMPatchOp `json:"Operations"`
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if !slices.Equal(req.Schemas, []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}) {
		t.Errorf("schemas %v", req.Schemas)
	}
	return req.Operations
}

func manyOps(n int) []SCIMPatchOp {
	ops := make([]SCIMPatchOp, n)
	for i := range ops {
		ops[i] = SCIMPatchOp{Op: "remove", Path: fmt.Sprintf(`members[value eq "%d"]`, i)}
	}
	return ops
}

func TestPatchSCIMGroupSplits(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, always(http.StatusNoContent, ""))
	ops := manyOps(250)
	if err := c.PatchSCIMGroup(context.Background(), "acme", "42", ops); err != nil {
		t.Fatalf("PatchSCIMGroup: %v", err)
	}
	got := reqs()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	var sent []SCIMPatchOp
	for i, r := range got {
		if r.method != "PATCH" || r.uri != "/api/0/organizations/acme/scim/v2/Groups/42" {
			t.Errorf("request %d: %s %s", i, r.method, r.uri)
		}
		part := opsOfBody(t, r.body)
		if want := []int{100, 100, 50}[i]; len(part) != want {
			t.Errorf("request %d has %d operations, want %d", i, len(part), want)
		}
		sent = append(sent, part...)
	}
	if !slices.Equal(sent, ops) {
		t.Error("operations not sent in order")
	}

	// Nothing to do, nothing sent.
	if err := c.PatchSCIMGroup(context.Background(), "acme", "42", nil); err != nil || len(reqs()) != 3 {
		t.Errorf("empty PATCH: %v, %d requests", err, len(reqs()))
	}
}

func TestPatchSCIMGroupPartialFailure(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, func(n int) (int, string) {
		if n == 1 {
			return http.StatusNotFound, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "User not found."}`
		}
		return http.StatusNoContent, ""
	})
	err := c.PatchSCIMGroup(context.Background(), "acme", "42", manyOps(250))
	if !IsNotFound(err) || !strings.Contains(err.Error(), "operations 101 to 200 of 250 (those before were applied)") ||
		!strings.Contains(err.Error(), "User not found.") {
		t.Fatalf("err = %v", err)
	}
	if len(reqs()) != 2 {
		t.Errorf("%d requests after a failure, want 2", len(reqs()))
	}

	// A failure of the first request is Sentry's error as is.
	c2, _ := rawServer(t, always(http.StatusBadRequest, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "Too many patch ops sent, limit is 100."}`))
	err = c2.PatchSCIMGroup(context.Background(), "acme", "42", manyOps(1))
	if err == nil || err.Error() != "PATCH organizations/acme/scim/v2/Groups/42: 400 Bad Request: Too many patch ops sent, limit is 100." {
		t.Errorf("err = %v", err)
	}
}

func TestPatchSCIMGroupRetried(t *testing.T) {
	t.Parallel()
	// Group PATCHes are safe to repeat, so a 502 is retried like a GET's.
	c, reqs := rawServer(t, func(n int) (int, string) {
		if n == 0 {
			return http.StatusBadGateway, ""
		}
		return http.StatusNoContent, ""
	})
	if err := c.PatchSCIMGroup(context.Background(), "acme", "42", manyOps(1)); err != nil {
		t.Fatalf("PatchSCIMGroup: %v", err)
	}
	if len(reqs()) != 2 {
		t.Errorf("%d requests, want 2", len(reqs()))
	}
}

func TestDeleteSCIMGroup(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, always(http.StatusNoContent, ""))
	if err := c.DeleteSCIMGroup(context.Background(), "acme", "42"); err != nil {
		t.Fatalf("DeleteSCIMGroup: %v", err)
	}
	checkRaw(t, reqs()[0], "DELETE", "/api/0/organizations/acme/scim/v2/Groups/42", "")
}

func TestSCIMGroupMembershipOps(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		old, new []string
		want     string
	}{
		{"no change", []string{"1", "2"}, []string{"2", "1"}, `null`},
		{"both empty", nil, nil, `null`},
		{"adds in one operation", nil, []string{"3", "1", "3"}, `[{"op":"add","path":"members","value":[{"value":"3"},{"value":"1"}]}]`},
		{"one remove per member", []string{"1", "2", "2"}, nil,
			`[{"op":"remove","path":"members[value eq \"1\"]"},{"op":"remove","path":"members[value eq \"2\"]"}]`},
		{"add first, then removes", []string{"1", "2"}, []string{"2", "3"},
			`[{"op":"add","path":"members","value":[{"value":"3"}]},{"op":"remove","path":"members[value eq \"1\"]"}]`},
	}
	for _, tc := range cases {
		got, err := json.Marshal(SCIMGroupMembershipOps(tc.old, tc.new))
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %s, %v\nwant %s", tc.name, got, err, tc.want)
		}
	}
}

func TestSCIMRenameOp(t *testing.T) {
	t.Parallel()
	got, err := json.Marshal(SCIMRenameOp("Platform Team"))
	if want := `{"op":"replace","value":{"displayName":"Platform Team"}}`; err != nil || string(got) != want {
		t.Errorf("%s, %v; want %s", got, err, want)
	}
}

func TestCreateSCIMUser(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, always(http.StatusCreated, scimUserJSON))
	u, err := c.CreateSCIMUser(context.Background(), "acme", "new@example.com", "manager")
	if err != nil {
		t.Fatalf("CreateSCIMUser: %v", err)
	}
	if *u != (SCIMUser{ID: "77", UserName: "new@example.com", Active: true, SentryOrgRole: "manager"}) {
		t.Errorf("user %+v", u)
	}
	if _, err := c.CreateSCIMUser(context.Background(), "acme", "other@example.com", ""); err != nil {
		t.Fatalf("CreateSCIMUser: %v", err)
	}
	got := reqs()
	checkRaw(t, got[0], "POST", "/api/0/organizations/acme/scim/v2/Users",
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new@example.com","sentryOrgRole":"manager"}`)
	// Without a role Sentry gives its default.
	checkRaw(t, got[1], "POST", "/api/0/organizations/acme/scim/v2/Users",
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"other@example.com"}`)
}

func TestCreateSCIMUserConflict(t *testing.T) {
	t.Parallel()
	c, _ := rawServer(t, always(http.StatusConflict,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "User already exists in the database."}`))
	u, err := c.CreateSCIMUser(context.Background(), "acme", "member@example.com", "")
	var apiErr *APIError
	if u != nil || !IsConflict(err) || !errors.As(err, &apiErr) || apiErr.Detail != "User already exists in the database." {
		t.Errorf("user %v, err %v", u, err)
	}
}

func TestDeleteSCIMUser(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, always(http.StatusNoContent, ""))
	ctx := context.Background()
	if err := c.DeleteSCIMUser(ctx, "acme", "77"); err != nil {
		t.Fatalf("DeleteSCIMUser: %v", err)
	}
	got := reqs()
	checkRaw(t, got[0], "DELETE", "/api/0/organizations/acme/scim/v2/Users/77", "")
}

func TestSCIMPathsEscaped(t *testing.T) {
	t.Parallel()
	c, reqs := rawServer(t, always(http.StatusOK, scimGroupJSON))
	ctx := context.Background()
	if _, err := c.GetSCIMGroup(ctx, "ac me", "a/b"); err != nil {
		t.Fatalf("GetSCIMGroup: %v", err)
	}
	if got := reqs()[0].uri; got != "/api/0/organizations/ac%20me/scim/v2/Groups/a%2Fb" {
		t.Errorf("URI %q", got)
	}
	// An empty identifier never reaches Sentry, where it would name the
	// list endpoint.
	for name, call := range map[string]func() error{
		"group":  func() error { _, err := c.GetSCIMGroup(ctx, "acme", ""); return err },
		"delete": func() error { return c.DeleteSCIMGroup(ctx, "acme", "") },
		"patch":  func() error { return c.PatchSCIMGroup(ctx, "acme", "", manyOps(1)) },
		"user":   func() error { return c.DeleteSCIMUser(ctx, "acme", "") },
		"org":    func() error { _, err := c.ListSCIMGroups(ctx, "", ""); return err },
	} {
		if err := call(); err == nil || !strings.Contains(err.Error(), "an identifier in the request path is empty") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if n := len(reqs()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// scimPage writes one SCIM list page.
func scimPage(w http.ResponseWriter, total, start, n int) {
	resources := []any{}
	for i := range n {
		resources = append(resources, map[string]any{"id": strconv.Itoa(start + i), "displayName": fmt.Sprint("g", start+i)})
	}
	body, _ := json.Marshal(map[string]any{"totalResults": total, "startIndex": start, "itemsPerPage": n, "Resources": resources})
	writeRaw(w, http.StatusOK, string(body))
}

func TestListSCIMGroupsStopsAtPageCap(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
		scimPage(w, 1_000_000_000, start, 100)
	}))
	c.maxPages = 4
	groups, err := c.ListSCIMGroups(context.Background(), "acme", "")
	if err == nil || !strings.Contains(err.Error(), "the list did not end after 4 pages and was stopped") || groups != nil {
		t.Fatalf("ListSCIMGroups = %d groups, %v; want the page-cap error", len(groups), err)
	}
	if hits.Load() != 4 {
		t.Errorf("%d requests, want 4", hits.Load())
	}
}

func TestListSCIMGroupsStartIndexNotAdvancing(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		// The first page, whatever was asked for.
		scimPage(w, 250, 1, 100)
	}))
	groups, err := c.ListSCIMGroups(context.Background(), "acme", "")
	const want = "GET organizations/acme/scim/v2/Groups: Sentry answered startIndex=101 with the page at 1; stopped paging to avoid an endless loop"
	if err == nil || err.Error() != want || groups != nil {
		t.Fatalf("ListSCIMGroups = %d groups, %v; want %q", len(groups), err, want)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests, want 2", hits.Load())
	}
}

func TestListSCIMGroupsEmptyPageEnds(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
		n := 100
		if start > 1 {
			n = 0
		}
		// The total promises more than there is.
		scimPage(w, 500, start, n)
	}))
	groups, err := c.ListSCIMGroups(context.Background(), "acme", "")
	if err != nil || len(groups) != 100 {
		t.Fatalf("ListSCIMGroups = %d groups, %v; want the 100 there are", len(groups), err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests, want 2", hits.Load())
	}
}
