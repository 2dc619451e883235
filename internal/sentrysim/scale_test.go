package sentrysim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// scaleOrg fills the acme organization with 10,000 members (every 1,000th
// of them a user who is no longer active, every 100th a pending invite)
// and 2,000 teams, and returns the ids the members list shows and the
// slugs the teams list shows, each in the list's order.
func scaleOrg(t *testing.T, s *Server) (memberIDs, teamSlugs []string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.orgsBySlug["acme"]
	// The three seeded members come first: ids only grow.
	for _, m := range o.members {
		memberIDs = append(memberIDs, strconv.FormatInt(m.id, 10))
	}
	slices.Sort(memberIDs)
	for i := range 10000 {
		var m *member
		if i%100 == 50 {
			m = &member{
				id: s.st.newID(), org: o, email: fmt.Sprintf("invite-%05d@acme.example", i), role: orgRoleMember,
				dateCreated: testNow, pending: true, teams: make(map[int64]*teamMembership),
			}
			o.members[m.id] = m
			o.memberSetChanged()
		} else {
			u := s.st.addUser(fmt.Sprintf("user-%05d@acme.example", i), testNow)
			m = s.st.addMember(o, u, orgRoleMember, testNow)
			if i%1000 == 999 {
				u.isActive = false
				continue
			}
		}
		memberIDs = append(memberIDs, strconv.FormatInt(m.id, 10))
	}
	// Teams are made in an order unlike the list's, which is by slug.
	for i := range 2000 {
		slug := fmt.Sprintf("team-%04d", (i*7919)%2000)
		s.st.addTeam(o, slug, slug, false, testNow)
		teamSlugs = append(teamSlugs, slug)
	}
	slices.Sort(teamSlugs)
	return memberIDs, teamSlugs
}

var nextCursor = regexp.MustCompile(`rel="next"; results="(true|false)"; cursor="([^"]*)"`)

// walkPages follows a list's next cursors from its first page to its
// last, and returns the value of key in every row, in order.
func walkPages(t *testing.T, s *Server, token, path, key string) []string {
	t.Helper()
	var out []string
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	url := path
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: no last page", path)
		}
		req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "http://example.com"+url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res := httptest.NewRecorder()
		s.ServeHTTP(res, req)
		if res.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", url, res.Code, res.Body)
		}
		var rows []struct{ ID, Slug string }
		if err := json.Unmarshal(res.Body.Bytes(), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) > defaultPerPage {
			t.Fatalf("%s: %d rows", url, len(rows))
		}
		for _, r := range rows {
			if key == "slug" {
				out = append(out, r.Slug)
			} else {
				out = append(out, r.ID)
			}
		}
		m := nextCursor.FindStringSubmatch(res.Header().Get("Link"))
		if m == nil {
			t.Fatalf("%s: Link %q", url, res.Header().Get("Link"))
		}
		if m[1] == "false" {
			return out
		}
		url = path + sep + "cursor=" + m[2]
	}
}

// TestListsAtScale walks every page of the members and teams lists of an
// organization with 10,000 members and 2,000 teams: each member and team
// shows exactly once, in the list's order.
func TestListsAtScale(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	memberIDs, teamSlugs := scaleOrg(t, s)
	if len(memberIDs) != 3+10000-10 || len(teamSlugs) != 2000 {
		t.Fatalf("%d members, %d teams", len(memberIDs), len(teamSlugs))
	}

	if got := walkPages(t, s, owner, "/api/0/organizations/acme/members/", "id"); !slices.Equal(got, memberIDs) {
		t.Fatalf("members: %d rows, want %d in id order", len(got), len(memberIDs))
	}
	if got := walkPages(t, s, owner, "/api/0/organizations/acme/teams/", "slug"); !slices.Equal(got, teamSlugs) {
		t.Fatalf("teams: %d rows, want %d in slug order", len(got), len(teamSlugs))
	}

	// A filter pages the same way through what it matches.
	var invited []string
	s.mu.RLock()
	for _, id := range memberIDs {
		n, _ := strconv.ParseInt(id, 10, 64)
		if s.st.orgsBySlug["acme"].members[n].pending {
			invited = append(invited, id)
		}
	}
	s.mu.RUnlock()
	if got := walkPages(t, s, owner, "/api/0/organizations/acme/members/?per_page=7&query=isInvited:true", "id"); !slices.Equal(got, invited) {
		t.Fatalf("invited members: got %v, want %v", got, invited)
	}
	var nines []string
	for _, slug := range teamSlugs {
		if strings.Contains(slug, "9") {
			nines = append(nines, slug)
		}
	}
	if got := walkPages(t, s, owner, "/api/0/organizations/acme/teams/?query=9", "slug"); !slices.Equal(got, nines) {
		t.Fatalf("teams matching 9: %d rows, want %d", len(got), len(nines))
	}

	// A deep page on its own is the same slice of the list.
	res := send(t, s, http.MethodGet, "/api/0/organizations/acme/members/?cursor=100:73:0", owner, nil)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(res.raw), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 100 || rows[0]["id"] != memberIDs[7300] || rows[99]["id"] != memberIDs[7399] {
		t.Fatalf("page 73: %d rows from %v", len(rows), rows[0]["id"])
	}
}

// TestListsWhileChanging reads list pages while members and teams come and
// go: under the race detector this checks that the readers, which share
// the lock and the cached member order, and the writers do not race, and
// every page stays in order.
func TestListsWhileChanging(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	s.mu.Lock()
	o := s.st.orgsBySlug["acme"]
	for i := range 500 {
		s.st.addMember(o, s.st.addUser(fmt.Sprintf("user-%03d@acme.example", i), testNow), orgRoleMember, testNow)
	}
	s.mu.Unlock()

	ctx := t.Context()
	// do sends a request from any goroutine.
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, method, "http://example.com"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.Owner)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	read := func(path, key string, ordered func(a, b string) bool) {
		defer wg.Done()
		for i := range 40 {
			rec := do(http.MethodGet, path+"?cursor=100:"+strconv.Itoa(i%6)+":0", "")
			if rec.Code != http.StatusOK {
				errs <- fmt.Errorf("%s: status %d: %s", path, rec.Code, rec.Body)
				return
			}
			var rows []map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &rows); err != nil {
				errs <- fmt.Errorf("%s: %w", path, err)
				return
			}
			for j := 1; j < len(rows); j++ {
				prev, okPrev := rows[j-1][key].(string)
				next, okNext := rows[j][key].(string)
				if !okPrev || !okNext || !ordered(prev, next) {
					errs <- fmt.Errorf("%s: %v before %v", path, rows[j-1][key], rows[j][key])
					return
				}
			}
		}
	}
	byID := func(a, b string) bool { return len(a) < len(b) || len(a) == len(b) && a < b }
	bySlug := func(a, b string) bool { return a < b }
	wg.Add(3)
	go read("/api/0/organizations/acme/members/", "id", byID)
	go read("/api/0/organizations/acme/members/", "id", byID)
	go read("/api/0/organizations/acme/teams/", "slug", bySlug)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 40 {
			rec := do(http.MethodPost, "/api/0/organizations/acme/members/", fmt.Sprintf(`{"email": "new-%02d@acme.example", "orgRole": "member"}`, i))
			var created struct{ ID string }
			if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &created) != nil {
				errs <- fmt.Errorf("invite: status %d: %s", rec.Code, rec.Body)
				return
			}
			if i%2 == 0 {
				if rec := do(http.MethodDelete, "/api/0/organizations/acme/members/"+created.ID+"/", ""); rec.Code != http.StatusNoContent {
					errs <- fmt.Errorf("remove: status %d: %s", rec.Code, rec.Body)
					return
				}
			}
			if rec := do(http.MethodPost, "/api/0/organizations/acme/teams/", fmt.Sprintf(`{"slug": "t-%02d"}`, 99-i)); rec.Code != http.StatusCreated {
				errs <- fmt.Errorf("team: status %d: %s", rec.Code, rec.Body)
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Afterwards the list holds every member once, in id order.
	var want []string
	s.mu.RLock()
	for _, m := range s.st.orgsBySlug["acme"].members {
		want = append(want, strconv.FormatInt(m.id, 10))
	}
	s.mu.RUnlock()
	// Ids have the same number of digits, so they sort as strings.
	slices.Sort(want)
	if got := walkPages(t, s, tok.Owner, "/api/0/organizations/acme/members/", "id"); !slices.Equal(got, want) {
		t.Fatalf("members: %d rows, want %d", len(got), len(want))
	}
}

// TestAppendStdJSON checks the direct encoding of audit data against
// encoding/json, which it stands in for.
func TestAppendStdJSON(t *testing.T) {
	values := []any{
		nil, "", "plain", "x<y>&z", "a\u2028b\u2029", "\xff\xfe bad", "tab\t\"q\"\\ \x01\x7f", "日本語", true, false,
		0, -5, int64(4505000000000001), 1.5, 2.0, 1e21, 1e-7, uint8(3),
		[]int64{}, []int64(nil), []int64{1, 2}, []string{}, []string(nil), []string{"a", "<b>"},
		[]any{}, []any(nil), []any{1, "x", nil, map[string]any{"k": "v"}},
		map[string]any(nil), map[string]any{},
		map[string]any{"z": 1, "a": "<", "m": []int64{3}, "é": "é", "<k>": nil, "nested": map[string]any{"b": 2, "a": []any{true}}},
		struct{ A int }{1}, map[string]int{"b": 1, "a": 2},
	}
	for i, v := range values {
		m := map[string]any{"v": v, "k" + strconv.Itoa(i): v}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendStdJSON([]byte("prefix"), m)
		if err != nil || string(got) != "prefix"+string(want) {
			t.Errorf("%#v:\n got %s, %v\nwant prefix%s", v, got, err, want)
		}
	}
	// A map with more keys than fit the key buffer on the stack.
	big := make(map[string]any)
	for i := range 40 {
		big[fmt.Sprintf("key-%02d", 39-i)] = i
	}
	want, _ := json.Marshal(big)
	if got, err := appendStdJSON(nil, big); err != nil || string(got) != string(want) {
		t.Errorf("40 keys: got %s, %v", got, err)
	}
	// What encoding/json refuses fails here too.
	if _, err := appendStdJSON(nil, map[string]any{"f": func() {}}); err == nil {
		t.Error("a func encoded")
	}
}

// TestPlainJSONString checks the eight-bytes-at-a-time test against a
// byte-by-byte one, with every kind of byte at every position.
func TestPlainJSONString(t *testing.T) {
	slow := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
				return false
			}
		}
		return true
	}
	special := []byte{0, 0x01, 0x1f, 0x20, '!', '"', '#', '[', '\\', ']', '~', 0x7f, 0x80, 0xc3, 0xff}
	for n := range 20 {
		for pos := range n {
			for _, c := range special {
				b := []byte(strings.Repeat("a", n))
				b[pos] = c
				if got, want := plainJSONString(string(b)), slow(string(b)); got != want {
					t.Errorf("%q: %v, want %v", b, got, want)
				}
			}
		}
	}
}

// TestObjectWriter checks that a body written field by field is the body
// appendJSON writes for the same object, and that written fields spliced
// into an object keep their place.
func TestObjectWriter(t *testing.T) {
	when := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
	want, err := appendJSON(nil, object{
		{"id", "42"}, {"s", "<é>\n"}, {"b", true}, {"n", int64(-3)}, {"z", nil}, {"t", sentryTime(when)},
		{"raw", object{{"k", "v"}}}, {"v", []string{"a"}}, {"l", []any{1, "x"}}, {"k", 1}, {"after", false},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := appendObject(nil, func(w *objectWriter) {
		w.id(42)
		w.str("s", "<é>\n")
		w.boolean("b", true)
		w.integer("n", -3)
		w.null("z")
		w.time("t", when)
		w.raw("raw", mustJSON(object{{"k", "v"}}))
		w.value("v", []string{"a"})
		w.list("l", []any{1, "x"})
		w.splice(encodedFields{})
		w.splice(mustFields(object{{"k", 1}}))
		w.boolean("after", false)
	})
	if string(got) != string(want) {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}

	w := objectWriter{}
	w.id(7)
	spliced, err := appendJSON(nil, object{{"first", 1}, {"", w.fieldsOf()}, {"", encodedFields{}}, {"last", 2}})
	if err != nil || string(spliced) != `{"first":1,"id":"7","last":2}` {
		t.Fatalf("spliced: %s, %v", spliced, err)
	}
	if only, _ := appendJSON(nil, object{{"", encodedFields{}}, {"a", 1}}); string(only) != `{"a":1}` {
		t.Fatalf("empty fields first: %s", only)
	}
	w.value("bad", func() {})
	if w.err == nil {
		t.Fatal("a func encoded")
	}
	if _, err := appendJSON(nil, object{{"", w.fieldsOf()}}); err == nil {
		t.Fatal("a failed body encoded")
	}
}
