package sentry

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// sentryLink writes a Link header exactly as Sentry does, host included:
// the client must use only the cursor from it.
func sentryLink(path string, prev, next string, prevResults, nextResults bool) string {
	entry := func(cursor, rel string, results bool) string {
		return fmt.Sprintf(`<https://sentry.io/api/0/%s?per_page=100&cursor=%s>; rel="%s"; results="%t"; cursor="%s"`,
			path, cursor, rel, results, cursor)
	}
	return entry(prev, "previous", prevResults) + ", " + entry(next, "next", nextResults)
}

// teamPages serves 250 teams in pages of 100 with Sentry's cursors, and
// records every request's query.
type teamPages struct {
	mu      sync.Mutex
	queries []url.Values
	paths   []string
}

func (p *teamPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.queries = append(p.queries, r.URL.Query())
	p.paths = append(p.paths, r.URL.EscapedPath())
	p.mu.Unlock()

	const total = 250
	page := 0
	switch r.URL.Query().Get("cursor") {
	case "", "100:0:0":
	case "100:1:0":
		page = 1
	case "100:2:0":
		page = 2
	default:
		http.Error(w, `{"detail": "bad cursor"}`, http.StatusBadRequest)
		return
	}
	var teams []map[string]any
	for i := page * 100; i < min(total, (page+1)*100); i++ {
		teams = append(teams, map[string]any{"id": fmt.Sprint(i + 1), "slug": fmt.Sprintf("team-%03d", i)})
	}
	prev := fmt.Sprintf("100:%d:1", page-1)
	if page == 0 {
		prev = "100:-1:1"
	}
	next := fmt.Sprintf("100:%d:0", page+1)
	w.Header().Set("Link", sentryLink("organizations/acme/teams/", prev, next, page > 0, page < 2))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(teams)
}

func TestListTeamsFollowsCursors(t *testing.T) {
	t.Parallel()
	pages := &teamPages{}
	c := newTestClient(t, pages)

	teams, err := c.ListTeams(context.Background(), "acme")
	if err != nil {
		t.Fatalf("ListTeams: %v", err)
	}
	if len(teams) != 250 || teams[0].Slug != "team-000" || teams[249].Slug != "team-249" {
		t.Fatalf("got %d teams (%+v ... %+v)", len(teams), teams[0], teams[len(teams)-1])
	}
	if len(pages.queries) != 3 {
		t.Fatalf("%d requests, want 3", len(pages.queries))
	}
	wantCursors := []string{"", "100:1:0", "100:2:0"}
	for i, q := range pages.queries {
		if q.Get("per_page") != "100" || q.Get("detailed") != "0" || q.Get("cursor") != wantCursors[i] {
			t.Errorf("request %d query = %v, want per_page=100 detailed=0 cursor=%q", i, q, wantCursors[i])
		}
		if pages.paths[i] != "/api/0/organizations/acme/teams/" {
			t.Errorf("request %d path = %q", i, pages.paths[i])
		}
	}
}

func TestPaginateRepeatedCursor(t *testing.T) {
	t.Parallel()
	var hits int
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits++
		w.Header().Set("Link", sentryLink("organizations/acme/teams/", "100:-1:1", "100:1:0", false, true))
		_, _ = w.Write([]byte(`[{"id": "1", "slug": "a"}]`))
	}))
	_, err := c.ListTeams(context.Background(), "acme")
	if err == nil || !strings.Contains(err.Error(), "100:1:0") {
		t.Fatalf("err = %v, want the repeated-cursor error", err)
	}
	if hits != 2 {
		t.Errorf("%d requests, want 2", hits)
	}
}

func TestPaginateStopsWithoutLink(t *testing.T) {
	t.Parallel()
	var hits int
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits++
		_, _ = w.Write([]byte(`[{"id": "1", "slug": "a"}, {"id": "2", "slug": "b"}]`))
	}))
	teams, err := c.ListTeams(context.Background(), "acme")
	if err != nil || len(teams) != 2 || hits != 1 {
		t.Errorf("teams %v, err %v after %d requests", teams, err, hits)
	}
}

func TestPaginateEmptyList(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", sentryLink("organizations/acme/teams/", "100:-1:1", "100:1:0", false, false))
		_, _ = w.Write([]byte(`[]`))
	}))
	teams, err := c.ListTeams(context.Background(), "acme")
	if err != nil || teams == nil || len(teams) != 0 {
		t.Errorf("teams %#v, err %v; want an empty list", teams, err)
	}
}

func TestPaginateEarlyStop(t *testing.T) {
	t.Parallel()
	pages := &teamPages{}
	c := newTestClient(t, pages)
	var seen int
	for team, err := range paginate[Team](context.Background(), c, "organizations/acme/teams/", nil) {
		if err != nil {
			t.Fatal(err)
		}
		seen++
		if team.Slug == "team-005" {
			break
		}
	}
	if seen != 6 || len(pages.queries) != 1 {
		t.Errorf("saw %d teams over %d requests, want 6 over 1", seen, len(pages.queries))
	}
}

func TestPaginateErrorOnLaterPage(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") != "" {
			writeJSON(t, w, http.StatusForbidden, map[string]string{"detail": "You do not have permission to perform this action."})
			return
		}
		w.Header().Set("Link", sentryLink("organizations/acme/teams/", "100:-1:1", "100:1:0", false, true))
		_, _ = w.Write([]byte(`[{"id": "1", "slug": "a"}]`))
	}))
	teams, err := c.ListTeams(context.Background(), "acme")
	if !IsForbidden(err) || teams != nil {
		t.Errorf("teams %v, err %v; want nil and a 403", teams, err)
	}
}

func TestPaginatePages(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("per_page") != "5" {
			t.Errorf("per_page = %q, want the caller's 5", r.URL.Query().Get("per_page"))
		}
		_, _ = w.Write([]byte(`{"rows": [{"id": "1"}, {"id": "2"}], "options": ["team.create"]}`))
	}))
	type row struct{ ID string }
	type page struct{ Rows []row }
	rows, err := collect(paginatePages(context.Background(), c, "organizations/acme/audit-logs/",
		url.Values{"per_page": {"5"}}, func(p page) []row { return p.Rows }))
	if err != nil || len(rows) != 2 || rows[1].ID != "2" {
		t.Errorf("rows %v, err %v", rows, err)
	}
}

func TestParseLinkHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		header     []string
		wantCursor string
		wantOK     bool
	}{
		{
			name:       "sentry first page",
			header:     []string{sentryLink("organizations/acme/teams/", "100:-1:1", "100:1:0", false, true)},
			wantCursor: "100:1:0", wantOK: true,
		},
		{
			name:   "sentry last page",
			header: []string{sentryLink("organizations/acme/teams/", "100:1:1", "100:3:0", true, false)},
		},
		{
			name: "next first, odd spacing and case",
			header: []string{`<https://x/?cursor=a,b>;REL="next";Results="true" ;cursor="1:2:0",` +
				`<https://x/?cursor=0>; rel="previous"; results="false"; cursor="0:0:1"`},
			wantCursor: "1:2:0", wantOK: true,
		},
		{
			name:       "cursor only in the URL",
			header:     []string{`<https://sentry.io/api/0/x/?per_page=100&cursor=100%3A1%3A0>; rel="next"; results="true"`},
			wantCursor: "100:1:0", wantOK: true,
		},
		{
			name:   "results missing",
			header: []string{`<https://sentry.io/api/0/x/?cursor=100:1:0>; rel="next"; cursor="100:1:0"`},
		},
		{
			name: "entries in two header lines",
			header: []string{
				`<https://sentry.io/api/0/x/?cursor=100:-1:1>; rel="previous"; results="false"; cursor="100:-1:1"`,
				`<https://sentry.io/api/0/x/?cursor=100:1:0>; rel="next"; results="true"; cursor="100:1:0"`,
			},
			wantCursor: "100:1:0", wantOK: true,
		},
		{
			name:   "garbage",
			header: []string{`next; results=true`},
		},
		{
			name:   "empty",
			header: nil,
		},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.header {
			h.Add("Link", v)
		}
		cursor, ok := nextCursor(h)
		if cursor != tt.wantCursor || ok != tt.wantOK {
			t.Errorf("%s: nextCursor = %q, %v; want %q, %v", tt.name, cursor, ok, tt.wantCursor, tt.wantOK)
		}
	}

	links := parseLinkHeader([]string{`<https://x/?q=a;b,c>; rel="next"; title="say \"hi\", bye"`})
	want := []link{{target: "https://x/?q=a;b,c", params: map[string]string{"rel": "next", "title": `say "hi", bye`}}}
	if !reflect.DeepEqual(links, want) {
		t.Errorf("parseLinkHeader = %#v, want %#v", links, want)
	}
}

func TestPaginateStopsAtPageCap(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := hits.Add(1)
		// Every page names a new next page: a list that never ends.
		w.Header().Set("Link", sentryLink("organizations/acme/teams/", "100:-1:1", fmt.Sprintf("100:%d:0", n), false, true))
		_, _ = fmt.Fprintf(w, `[{"id": "%d", "slug": "t%d"}]`, n, n)
	}))
	c.maxPages = 5
	teams, err := c.ListTeams(context.Background(), "acme")
	const want = "GET organizations/acme/teams/: the list did not end after 5 pages and was stopped; Sentry kept announcing another page"
	if err == nil || err.Error() != want || teams != nil {
		t.Fatalf("ListTeams = %d teams, %v; want the page-cap error %q", len(teams), err, want)
	}
	if hits.Load() != 5 {
		t.Errorf("%d requests, want 5", hits.Load())
	}
}

func TestPaginateListAtPageCapEnds(t *testing.T) {
	t.Parallel()
	pages := &teamPages{}
	c := newTestClient(t, pages)
	c.maxPages = 3
	teams, err := c.ListTeams(context.Background(), "acme")
	if err != nil || len(teams) != 250 {
		t.Fatalf("ListTeams = %d teams, %v; a list of exactly the cap must pass", len(teams), err)
	}
}

func TestDefaultPageCap(t *testing.T) {
	t.Parallel()
	c, err := NewClient(Config{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxPages != 10_000 {
		t.Errorf("page cap %d, want 10000 (1,000,000 objects)", c.maxPages)
	}
}
