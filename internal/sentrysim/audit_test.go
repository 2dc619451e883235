package sentrysim

import (
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const auditPath = "/api/0/organizations/acme/audit-logs/"

// auditRows lists one page of the audit log and returns its rows.
func auditRows(t *testing.T, s *Server, token, query string) (response, []map[string]any) {
	t.Helper()
	res := send(t, s, http.MethodGet, auditPath+query, token, nil)
	res.expect(t, http.StatusOK, nil)
	raw, ok := res.obj(t)["rows"].([]any)
	if !ok {
		t.Fatalf("rows is not a list: %s", res.raw)
	}
	rows := make([]map[string]any, len(raw))
	for i, r := range raw {
		rows[i] = jsonAs[map[string]any](t, r)
	}
	return res, rows
}

func rowEvents(t testing.TB, rows []map[string]any) []string {
	t.Helper()
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = jsonField[string](t, r, "event")
	}
	return out
}

// addAuditEntries appends entries straight to the log, n of them, the
// i-th dated at(i).
func addAuditEntries(s *Server, n int, event string, actor *user, at func(i int) time.Time) []*auditEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	org := s.st.orgsBySlug["acme"]
	out := make([]*auditEntry, n)
	for i := range n {
		e := &auditEntry{
			id: s.st.newID(), actor: actor, event: event, ipAddress: "192.0.2.1",
			targetObject: int64(i + 1), data: map[string]any{"slug": "team-" + strconv.Itoa(i)},
			dateCreated: at(i).Truncate(time.Microsecond),
		}
		org.audit = append(org.audit, e)
		out[i] = e
	}
	return out
}

func (s *Server) userByEmail(email string) *user {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.usersByEmail[email]
}

func TestAuditLogPermissions(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	for _, c := range []struct {
		name   string
		token  string
		status int
	}{
		{"owner", tok.Owner, http.StatusOK},
		{"manager", tok.Manager, http.StatusOK},
		// Members hold no org:write.
		{"member", tok.Member, http.StatusForbidden},
		{"org:ci token", s.OrgCIToken("acme"), http.StatusForbidden},
		{"no token", "", http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			send(t, s, http.MethodGet, auditPath, c.token, nil).expect(t, c.status, nil)
		})
	}
	// An owner's token without org:write is refused by the permission
	// class even though the role has it.
	readOnly, err := s.AddUserToken("owner@acme.example", "org:read")
	if err != nil {
		t.Fatal(err)
	}
	send(t, s, http.MethodGet, auditPath, readOnly, nil).expect(t, http.StatusForbidden, detail(detailForbidden))
	send(t, s, http.MethodGet, "/api/0/organizations/nope/audit-logs/", tok.Owner, nil).expect(t, http.StatusNotFound, nil)
	send(t, s, http.MethodPost, auditPath, tok.Owner, map[string]any{}).expect(t, http.StatusForbidden, nil)
}

func TestAuditLogRowBody(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	team := mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend", "name": "Backend"})
	owner := s.userByEmail("owner@acme.example")

	res, rows := auditRows(t, s, tok.Owner, "")
	// Both entries share an instant; the later one comes first.
	if got := rowEvents(t, rows); !reflect.DeepEqual(got, []string{"team.create", "member.join-team"}) {
		t.Fatalf("events %v", got)
	}
	create := rows[0]
	id, err := strconv.ParseInt(jsonField[string](t, create, "id"), 10, 64)
	if err != nil || id < firstID {
		t.Errorf("id %v", create["id"])
	}
	teamID, _ := strconv.ParseInt(jsonField[string](t, team, "id"), 10, 64)
	want := map[string]any{
		"id":           create["id"],
		"actor":        create["actor"],
		"event":        "team.create",
		"ipAddress":    "192.0.2.1",
		"note":         "created team backend",
		"targetObject": float64(teamID),
		"targetUser":   nil,
		"data":         map[string]any{"id": float64(teamID), "slug": "backend", "name": "Backend", "status": float64(0)},
		"dateCreated":  "2024-05-01T12:00:00.123Z",
	}
	if !reflect.DeepEqual(create, want) {
		t.Errorf("row %v\nwant %v", create, want)
	}
	actor := jsonField[map[string]any](t, create, "actor")
	if actor["id"] != formatID(owner.id) || actor["email"] != "owner@acme.example" || actor["name"] != "owner@acme.example" ||
		actor["isActive"] != true || !strings.HasPrefix(jsonField[string](t, actor, "avatarUrl"), "https://gravatar.com/avatar/") {
		t.Errorf("actor %v", actor)
	}
	// The caller sees its own options; another caller does not.
	if _, ok := actor["options"]; !ok {
		t.Errorf("the caller's own user body lacks options: %v", actor)
	}
	_, managerRows := auditRows(t, s, tok.Manager, "")
	if _, ok := managerRows[0]["actor"].(map[string]any)["options"]; ok {
		t.Errorf("another user's body shows options")
	}

	join := rows[1]
	if join["note"] != "joined team backend" || jsonField[map[string]any](t, join, "targetUser")["id"] != formatID(owner.id) {
		t.Errorf("join row %v", join)
	}
	if opts := jsonField[[]any](t, res.obj(t), "options"); len(opts) != len(auditEventNames) || opts[0] != "member.invite" {
		t.Errorf("options %v", opts)
	}
}

func TestAuditLogOptionsCoverTheDomain(t *testing.T) {
	for _, name := range []string{
		"member.invite", "member.add", "member.accept-invite", "member.edit", "member.remove",
		"member.join-team", "member.leave-team", "member.reinvite", "team.create", "team.edit",
		"team.remove", "project-team.add", "project-team.remove", "org-auth-token.create",
		"org-auth-token.remove", "sso.enable", "sso.disable", "sso.edit", "sso-identity.link", "org.edit",
	} {
		if !slices.Contains(auditEventNames, name) {
			t.Errorf("%s missing from the options", name)
		}
	}
	seen := map[string]bool{}
	for _, n := range auditEventNames {
		if seen[n] {
			t.Errorf("%s registered twice", n)
		}
		seen[n] = true
	}
}

func TestAuditLogTokenActor(t *testing.T) {
	s := newTestServer(t)
	entries := addAuditEntries(s, 1, "org-auth-token.create", nil, func(int) time.Time { return testNow })
	entries[0].actorLabel = "deploy bot"
	entries[0].data = map[string]any{"name": "ci"}
	_, rows := auditRows(t, s, s.Tokens().Owner, "")
	if !reflect.DeepEqual(rows[0]["actor"], map[string]any{"name": "deploy bot"}) || rows[0]["note"] != "added org auth token ci" {
		t.Errorf("row %v", rows[0])
	}
}

func TestAuditLogNotes(t *testing.T) {
	u := &user{id: 1, email: "a@example.com", name: "Ann"}
	other := &user{id: 2, email: "b@example.com"}
	cases := []struct {
		entry auditEntry
		want  string
	}{
		{auditEntry{event: "member.add", actor: u, targetUser: u}, "joined the organization"},
		{auditEntry{event: "member.add", actor: u, targetUser: other}, "add member b@example.com"},
		{auditEntry{event: "member.edit", actor: u, targetUser: other, data: map[string]any{"email": "b@x", "role": "manager", "team_slugs": []any{"a", "b"}}},
			"edited member b@x (role: manager, teams: a, b)"},
		{auditEntry{event: "member.edit", actor: u, targetUser: other, data: map[string]any{"role": ""}}, "edited member b@example.com (role: N/A, teams: N/A)"},
		{auditEntry{event: "member.remove", actor: u, targetUser: u}, "left the organization"},
		{auditEntry{event: "member.leave-team", actor: u, targetUser: other, data: map[string]any{"email": "b@x", "team_slug": "web"}}, "removed b@x from team web"},
		{auditEntry{event: "member.join-team", actor: u, targetUser: other, data: map[string]any{"team_slug": "web"}}, "added b@example.com to team web"},
		{auditEntry{event: "member.invite", data: map[string]any{"email": "c@x"}}, "invited member c@x"},
		{auditEntry{event: "project-team.add", data: map[string]any{"team_slug": "web", "project_slug": "api"}}, "added team web to project api"},
		{auditEntry{event: "org.edit", data: map[string]any{"open_membership": false, "name": "Acme"}}, "edited the organization setting: name Acme, open_membership False"},
		{auditEntry{event: "sso.disable", data: map[string]any{"provider": "okta"}}, "disabled sso (okta)"},
		{auditEntry{event: "member.pending", actor: u}, "required member (unknown member) to setup 2FA"},
	}
	for _, c := range cases {
		if got := auditEventsByName[c.entry.event].note(&c.entry); got != c.want {
			t.Errorf("%s: note %q, want %q", c.entry.event, got, c.want)
		}
	}
}

func TestAuditLogFilters(t *testing.T) {
	now := testNow
	s := New(Options{Organization: "acme", Now: func() time.Time { return now }})
	tok := s.Tokens()
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "old"})
	now = testNow.Add(48 * time.Hour)
	mustCreateTeam(t, s, "acme", tok.Manager, map[string]any{"slug": "new"})
	manager := s.userByEmail("manager@acme.example")

	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"team.create", "member.join-team", "team.create", "member.join-team"}},
		{"?event=team.create", []string{"team.create", "team.create"}},
		{"?event=+team.create+", []string{"team.create", "team.create"}},
		// Sentry answers an event it does not know with no rows.
		{"?event=wrong", []string{}},
		{"?event=", []string{"team.create", "member.join-team", "team.create", "member.join-team"}},
		{"?actor=" + formatID(manager.id), []string{"team.create", "member.join-team"}},
		{"?actor=" + formatID(manager.id) + "&event=member.join-team", []string{"member.join-team"}},
		{"?actor=1", []string{}},
		{"?statsPeriod=24h", []string{"team.create", "member.join-team"}},
		{"?statsPeriod=3d", []string{"team.create", "member.join-team", "team.create", "member.join-team"}},
		{"?start=2024-05-01T00:00:00&end=2024-05-02T00:00:00", []string{"team.create", "member.join-team"}},
		{"?start=2024-05-03T12:00:00.123Z&end=2024-05-04", []string{"team.create", "member.join-team"}},
		{"?start=2024-05-03T13:00:00%2B01:00&end=2024-05-03T12:00:01Z", []string{"team.create", "member.join-team"}},
		{"?start=1714521600&end=1714608000", []string{"team.create", "member.join-team"}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			_, rows := auditRows(t, s, tok.Owner, c.query)
			if got := rowEvents(t, rows); !reflect.DeepEqual(got, c.want) {
				t.Errorf("events %v, want %v", got, c.want)
			}
		})
	}
	if _, rows := auditRows(t, s, tok.Owner, "?event=team.create"); jsonField[map[string]any](t, rows[0], "data")["slug"] != "new" {
		t.Errorf("newest first: %v", rows[0])
	}
}

func TestAuditLogBadQueries(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	cases := []struct {
		query string
		want  any
	}{
		{"?actor=abc", map[string]any{"actor": []any{"A valid integer is required."}}},
		{"?actor=99999999999999999999", map[string]any{"actor": []any{"Ensure this value is less than or equal to 9223372036854775807."}}},
		{"?actor=1__0", map[string]any{"actor": []any{"A valid integer is required."}}},
		{"?start=2024-05-01", detail("start and end are both required")},
		{"?end=2024-05-01", detail("start and end are both required")},
		{"?start=shrug&end=2024-05-01", detail("shrug is not a valid ISO8601 date query")},
		{"?start=2024-05-01&end=2024-05-01", detail("start must be before end")},
		{"?start=2024-05-02&end=2024-05-01", detail("start must be before end")},
		{"?statsPeriod=shrug", detail("Invalid statsPeriod: 'shrug'")},
		{"?statsPeriod=", detail("Invalid statsPeriod: ''")},
		{"?statsPeriod=5x", detail("Invalid statsPeriod: '5x'")},
		{"?statsPeriod=99999999999w", detail("Invalid statsPeriod: '99999999999w'")},
		{"?statsPeriodStart=2d", detail("statsPeriodStart and statsPeriodEnd are both required")},
		{"?per_page=101", detail("Invalid per_page value. Cannot exceed 100.")},
		{"?cursor=nope", detail("Invalid cursor parameter.")},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			send(t, s, http.MethodGet, auditPath+c.query, owner, nil).expect(t, http.StatusBadRequest, c.want)
		})
	}
	send(t, s, http.MethodGet, auditPath+"?cursor=1714564800000:-1:0", owner, nil).expect(t, http.StatusInternalServerError, nil)
	// A blank actor is left out, and "7.0" is 7.
	send(t, s, http.MethodGet, auditPath+"?actor=", owner, nil).expect(t, http.StatusOK, nil)
	send(t, s, http.MethodGet, auditPath+"?actor=7.0", owner, nil).expect(t, http.StatusOK, nil)
}

func TestAuditLogFeatureOff(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	mustCreateTeam(t, s, "acme", tok.Owner, map[string]any{"slug": "backend"})
	if err := s.SetFeature("acme", auditFeature, false); err != nil {
		t.Fatal(err)
	}
	res, rows := auditRows(t, s, tok.Owner, "")
	if len(rows) != 0 || len(jsonField[[]any](t, res.obj(t), "options")) != len(auditEventNames) {
		t.Errorf("body %s", res.raw)
	}
	if err := s.SetFeature("acme", auditFeature, true); err != nil {
		t.Fatal(err)
	}
	if _, rows := auditRows(t, s, tok.Owner, ""); len(rows) != 2 {
		t.Errorf("%d rows with the feature back on", len(rows))
	}
}

// walkAudit follows next cursors from the first page and returns every
// row id in order, and the pages' cursors.
func walkAudit(t *testing.T, s *Server, perPage int) ([]string, []string) {
	t.Helper()
	token := s.Tokens().Owner
	var ids, cursors []string
	query := "?per_page=" + strconv.Itoa(perPage)
	for range 1000 {
		res, rows := auditRows(t, s, token, query)
		for _, r := range rows {
			ids = append(ids, jsonField[string](t, r, "id"))
		}
		next := linkCursor(t, res.header.Get("Link"), "next")
		if next.results != "true" {
			return ids, cursors
		}
		cursors = append(cursors, next.cursor)
		query = "?per_page=" + strconv.Itoa(perPage) + "&cursor=" + url.QueryEscape(next.cursor)
	}
	t.Fatal("pagination did not end")
	return nil, nil
}

type linkEntry struct{ url, results, cursor string }

func linkCursor(t *testing.T, header, rel string) linkEntry {
	t.Helper()
	for _, part := range strings.Split(header, ", <") {
		if !strings.Contains(part, `rel="`+rel+`"`) {
			continue
		}
		var e linkEntry
		e.url = strings.TrimPrefix(part[:strings.Index(part, ">")], "<")
		for _, p := range strings.Split(part, "; ") {
			if v, ok := strings.CutPrefix(p, `results="`); ok {
				e.results = strings.TrimSuffix(v, `"`)
			}
			if v, ok := strings.CutPrefix(p, `cursor="`); ok {
				e.cursor = strings.TrimSuffix(v, `"`)
			}
		}
		return e
	}
	t.Fatalf("no %s link in %q", rel, header)
	return linkEntry{}
}

func TestAuditLogPaginationVisitsEveryRowOnce(t *testing.T) {
	layouts := map[string]func(i int) time.Time{
		"one entry a second": func(i int) time.Time { return testNow.Add(time.Duration(i) * time.Second) },
		"all at one instant": func(int) time.Time { return testNow },
		// Several rows share each millisecond, which the cursors cannot
		// tell apart.
		"sub-millisecond": func(i int) time.Time { return testNow.Add(time.Duration(i) * 300 * time.Microsecond) },
		"pairs":           func(i int) time.Time { return testNow.Add(time.Duration(i/2) * time.Minute) },
	}
	for name, at := range layouts {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t)
			entries := addAuditEntries(s, 250, "team.create", nil, at)
			slices.SortStableFunc(entries, func(a, b *auditEntry) int { return compareAudit(b, a) })
			want := make([]string, len(entries))
			for i, e := range entries {
				want[i] = formatID(e.id)
			}
			for _, perPage := range []int{100, 7} {
				got, _ := walkAudit(t, s, perPage)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("per_page %d: %d ids, want %d; first %v", perPage, len(got), len(want), got[:min(5, len(got))])
				}
			}
		})
	}
}

func TestAuditLogLinkHeader(t *testing.T) {
	s := newTestServer(t)
	// Whole seconds, so that the cursors' milliseconds are exact.
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	addAuditEntries(s, 150, "team.create", nil, func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) })
	res, rows := auditRows(t, s, s.Tokens().Owner, "?event=team.create")
	if len(rows) != 100 {
		t.Fatalf("%d rows", len(rows))
	}
	newest := base.Add(149 * time.Second)
	newestKey := strconv.FormatInt(newest.UnixMilli(), 10)
	next := base.Add(49 * time.Second)
	nextKey := strconv.FormatInt(next.UnixMilli(), 10)
	want := `<http://example.com/api/0/organizations/acme/audit-logs/?event=team.create&cursor=` + newestKey + `:0:1>; rel="previous"; results="false"; cursor="` + newestKey + `:0:1", ` +
		`<http://example.com/api/0/organizations/acme/audit-logs/?event=team.create&cursor=` + nextKey + `:0:0>; rel="next"; results="true"; cursor="` + nextKey + `:0:0"`
	if got := res.header.Get("Link"); got != want {
		t.Errorf("Link\n%s\nwant\n%s", got, want)
	}

	// Page two, then back to page one through its previous cursor.
	res2, rows2 := auditRows(t, s, s.Tokens().Owner, "?event=team.create&cursor="+nextKey+":0:0")
	if len(rows2) != 50 || rows2[0]["dateCreated"] != sentryTime(next) {
		t.Fatalf("page two: %d rows, first %v", len(rows2), rows2[0]["dateCreated"])
	}
	if next := linkCursor(t, res2.header.Get("Link"), "next"); next.results != "false" {
		t.Errorf("page two next %+v", next)
	}
	prev := linkCursor(t, res2.header.Get("Link"), "previous")
	if prev.results != "true" {
		t.Fatalf("page two previous %+v", prev)
	}
	_, back := auditRows(t, s, s.Tokens().Owner, "?event=team.create&cursor="+prev.cursor)
	if !reflect.DeepEqual(back, rows) {
		t.Errorf("previous page differs from page one: %d rows", len(back))
	}
}

func TestDateTimeParsing(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	for in, want := range map[string]time.Time{
		"2024-05-01":                       utc("2024-05-01T00:00:00Z"),
		"20240501":                         utc("2024-05-01T00:00:00Z"),
		"2024-05-01T12":                    utc("2024-05-01T12:00:00Z"),
		"2024-05-01 12:30":                 utc("2024-05-01T12:30:00Z"),
		"2024-05-01T12:30:45.1234567Z":     utc("2024-05-01T12:30:45.123456Z"),
		"2024-05-01T12:30:45-02:00":        utc("2024-05-01T14:30:45Z"),
		"2024-05-01T12:30:45+0530":         utc("2024-05-01T07:00:45Z"),
		"1714564800.5":                     utc("2024-05-01T12:00:00.5Z"),
		"2024-05-01T12:30:45.000001+00:00": utc("2024-05-01T12:30:45.000001Z"),
	} {
		got, ok := parseDatetimeString(in)
		if !ok || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "shrug", "2024-13-01", "2024-05-01T25:00", "2024-05-01T12:3", "2024-05-01T12:30:45+25:00", "nan"} {
		if got, ok := parseDatetimeString(in); ok {
			t.Errorf("%q parsed as %v", in, got)
		}
	}
}

func TestPythonFormatting(t *testing.T) {
	// Expectations are CPython's repr().
	for v, want := range map[float64]string{
		1: "1.0", 1.5: "1.5", 100: "100.0", 1e16: "1e+16", 1e-5: "1e-05", 1.5e-5: "1.5e-05",
		0.0001: "0.0001", -1e-7: "-1e-07", 1234567.5: "1234567.5", 1714564800123: "1714564800123.0",
		1e15 + 0.5: "1000000000000000.5", 1 << 63: "9.223372036854776e+18", 1.0 / 3: "0.3333333333333333",
		math.Copysign(0, -1): "-0.0", math.Inf(1): "inf",
	} {
		if got := pythonFloatRepr(v); got != want {
			t.Errorf("repr(%v) = %q, want %q", v, got, want)
		}
	}
	for s, want := range map[string]string{"shrug": "'shrug'", "it's": `"it's"`, `a'b"c`: `'a\'b"c'`, "a\nb": `'a\nb'`} {
		if got := pythonRepr(s); got != want {
			t.Errorf("repr(%q) = %s, want %s", s, got, want)
		}
	}
	if got := pythonStr([]any{"a", int64(1), true, nil}); got != "['a', 1, True, None]" {
		t.Errorf("str(list) = %s", got)
	}
	// 0.1+0.2 is computed, not parsed: repr writes the float's shortest
	// round-trip digits.
	a, b := 0.1, 0.2
	if got := pythonFloatRepr(a + b); got != "0.30000000000000004" {
		t.Errorf("repr(0.1+0.2) = %q", got)
	}
}

func TestDateTimeCursorFloatValue(t *testing.T) {
	s := newTestServer(t)
	addAuditEntries(s, 3, "team.create", nil, func(i int) time.Time { return testNow.Add(time.Duration(i) * time.Second) })
	// A float cursor is echoed as Python prints it when the page is empty.
	res := send(t, s, http.MethodGet, auditPath+"?cursor=1000.5:0:0", s.Tokens().Owner, nil)
	res.expect(t, http.StatusOK, nil)
	if next := linkCursor(t, res.header.Get("Link"), "next"); next.cursor != "1000.5:0:0" || next.results != "false" {
		t.Errorf("next %+v", next)
	}
}

func TestAuditLogClockGoingBack(t *testing.T) {
	now := testNow
	s := New(Options{Organization: "acme", Now: func() time.Time { return now }})
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "later"})
	now = testNow.Add(-time.Hour)
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "earlier"})
	_, rows := auditRows(t, s, owner, "?event=team.create")
	if len(rows) != 2 || jsonField[map[string]any](t, rows[0], "data")["slug"] != "later" {
		t.Errorf("rows %v", rows)
	}
	log := s.st.orgsBySlug["acme"].audit
	if !slices.IsSortedFunc(log, compareAudit) {
		t.Error("the log is out of date order")
	}
}
