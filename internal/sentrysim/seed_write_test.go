package sentrysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// roundTripOrg makes teams, invitations (accepted, expired, pending),
// team roles and projects with two teams through the API on s, and returns
// the slugs it used.
func roundTripOrg(t *testing.T, s *Server) (teams, projects []string) {
	t.Helper()
	owner := s.Tokens().Owner
	suffix := strconv.Itoa(rand.IntN(1 << 30)) //nolint:gosec // A name suffix, not a secret.
	backend, web := "backend-"+suffix, "web-"+suffix
	for _, slug := range []string{backend, web} {
		mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": slug, "name": "Team " + slug})
	}
	ann := mustInvite(t, s, owner, map[string]any{"email": "ann-" + suffix + "@example.com", "orgRole": "member",
		"teamRoles": []any{map[string]any{"teamSlug": backend, "role": nil}}})
	bob := mustInvite(t, s, owner, map[string]any{"email": "bob-" + suffix + "@example.com", "orgRole": "manager"})
	mustInvite(t, s, owner, map[string]any{"email": "old-" + suffix + "@example.com", "orgRole": "member",
		"teamRoles": []any{map[string]any{"teamSlug": web, "role": nil}}})
	mustInvite(t, s, owner, map[string]any{"email": "new-" + suffix + "@example.com", "orgRole": "member"})
	for _, email := range []string{"ann-" + suffix + "@example.com", "bob-" + suffix + "@example.com"} {
		if _, err := s.AcceptInvite("acme", email); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ExpireInvite("acme", "old-"+suffix+"@example.com"); err != nil {
		t.Fatal(err)
	}
	annID, bobID := fmt.Sprint(ann["id"]), fmt.Sprint(bob["id"])
	send(t, s, http.MethodPost, memberTeamPath(annID, web), owner, nil).expect(t, http.StatusCreated, nil)
	send(t, s, http.MethodPut, memberTeamPath(annID, backend), owner, map[string]any{"teamRole": "admin"}).
		expect(t, http.StatusOK, map[string]any{"isActive": true, "teamRole": "admin"})
	send(t, s, http.MethodPost, memberTeamPath(bobID, web), owner, nil).expect(t, http.StatusCreated, nil)
	// An older member joins a new team.
	var memberID string
	for _, m := range send(t, s, http.MethodGet, membersPath+"?query=email:member@acme.example", owner, nil).list(t) {
		memberID = fmt.Sprint(m["id"])
	}
	send(t, s, http.MethodPost, memberTeamPath(memberID, web), owner, nil).expect(t, http.StatusCreated, nil)

	api, solo := "api-"+suffix, "solo-"+suffix
	send(t, s, http.MethodPost, teamPath("acme", backend)+"projects/", owner, map[string]any{"name": "API", "slug": api, "platform": "go"}).
		expect(t, http.StatusCreated, nil)
	send(t, s, http.MethodPost, "/api/0/projects/acme/"+api+"/teams/"+web+"/", owner, nil).expect(t, http.StatusCreated, nil)
	send(t, s, http.MethodPost, teamPath("acme", web)+"projects/", owner, map[string]any{"name": "Solo", "slug": solo}).
		expect(t, http.StatusCreated, nil)
	return []string{backend, web}, []string{api, solo}
}

// apiView is what the API shows of the organization, for comparing two
// emulators. Member bodies name their user, whose id a seed does not
// carry, so user ids are left out; everything else must match.
func apiView(t *testing.T, s *Server, teams, projects []string) map[string]any {
	t.Helper()
	owner := s.Tokens().Owner
	get := func(path string) any {
		t.Helper()
		r := send(t, s, http.MethodGet, path, owner, nil)
		r.expect(t, http.StatusOK, nil)
		return withoutUserIDs(r.body)
	}
	view := map[string]any{
		"teams":   get(teamsPath),
		"members": get(membersPath),
	}
	for _, m := range send(t, s, http.MethodGet, membersPath, owner, nil).list(t) {
		id := fmt.Sprint(m["id"])
		view["member "+id] = get(memberPath(id))
	}
	for _, slug := range teams {
		view["team "+slug] = get(teamPath("acme", slug))
		view["team members "+slug] = get(teamMembersPath(slug))
	}
	for _, slug := range projects {
		view["project "+slug] = get("/api/0/projects/acme/" + slug + "/")
		view["project teams "+slug] = get("/api/0/projects/acme/" + slug + "/teams/")
	}
	return view
}

// withoutUserIDs drops the id of every "user" object in a decoded body.
func withoutUserIDs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = withoutUserIDs(e)
		}
		if u, ok := out["user"].(map[string]any); ok {
			delete(u, "id")
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutUserIDs(e)
		}
		return out
	}
	return v
}

func TestSeedRoundTrip(t *testing.T) {
	recorded := newTestServer(t)
	mark := recorded.NextID()
	teams, projects := roundTripOrg(t, recorded)
	seed, err := recorded.Seed("acme", mark)
	if err != nil {
		t.Fatal(err)
	}
	var f seedFile
	if err := json.Unmarshal(seed, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Teams) != 2 || len(f.Projects) != 2 || len(f.Members) != 4 || len(f.TeamMembers) != 7 {
		t.Fatalf("the seed has %d teams, %d projects, %d members, %d team members:\n%s",
			len(f.Teams), len(f.Projects), len(f.Members), len(f.TeamMembers), seed)
	}
	if !reflect.DeepEqual(f.Projects[0].Teams, teams) {
		t.Errorf("project %s has teams %v, want %v in link order", f.Projects[0].Slug, f.Projects[0].Teams, teams)
	}

	replayed := newTestServer(t)
	if err := replayed.LoadSeed("acme", bytes.NewReader(seed)); err != nil {
		t.Fatalf("%v\n%s", err, seed)
	}
	want, got := apiView(t, recorded, teams, projects), apiView(t, replayed, teams, projects)
	for k := range want {
		if !reflect.DeepEqual(want[k], got[k]) {
			w, _ := json.Marshal(want[k])
			g, _ := json.Marshal(got[k])
			t.Errorf("%s differs:\nrecorded %s\nreplayed %s", k, w, g)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the replayed organization has %d views, the recorded one %d", len(got), len(want))
	}
	// Written again, the replayed organization gives the same seed.
	again, err := replayed.Seed("acme", mark)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, seed) {
		t.Errorf("the replayed organization writes another seed:\n%s\nwant\n%s", again, seed)
	}
}

func TestSeedIDs(t *testing.T) {
	s := newTestServer(t)
	next := s.NextID()
	teamID, projectID, memberID := next+100, next+50, next+200
	seed := fmt.Sprintf(`{"teams": [{"id": "%d", "slug": "backend"}],
		"projects": [{"id": "%d", "slug": "api", "teams": ["backend"]}],
		"members": [{"id": "%d", "email": "ann@example.com", "role": "member", "teams": [{"team": "backend"}]},
		            {"email": "bob@example.com", "role": "member", "pending": true}]}`, teamID, projectID, memberID)
	if err := s.LoadSeed("acme", strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	o := s.st.orgsBySlug["acme"]
	if o.teamSlugs["backend"].id != teamID || o.projectSlugs["api"].id != projectID {
		t.Errorf("team id %d, project id %d", o.teamSlugs["backend"].id, o.projectSlugs["api"].id)
	}
	ann, bob := o.memberByEmail("ann@example.com"), o.memberByEmail("bob@example.com")
	if ann.id != memberID {
		t.Errorf("member id %d, want %d", ann.id, memberID)
	}
	// Ids the file leaves out come from above the largest it gives.
	for what, id := range map[string]int64{
		"bob's member": bob.id, "ann's user": ann.user.id,
		"ann's team membership": ann.teams[teamID].id, "the project's team link": o.projectSlugs["api"].teamLinks[teamID],
	} {
		if id <= memberID {
			t.Errorf("%s id %d is not above %d", what, id, memberID)
		}
	}
	after := s.NextID()
	created := mustCreateTeam(t, s, "acme", s.Tokens().Owner, map[string]any{"slug": "later"})
	if id, _ := strconv.ParseInt(fmt.Sprint(created["id"]), 10, 64); id != after || after <= memberID {
		t.Errorf("a team made after the seed has id %v; next id was %d, the seed's largest %d", created["id"], after, memberID)
	}
	send(t, s, http.MethodGet, memberPath(strconv.FormatInt(memberID, 10)), s.Tokens().Owner, nil).
		expect(t, http.StatusOK, nil)
}

func TestSeedRefusesBadIDs(t *testing.T) {
	s := newTestServer(t)
	next := s.NextID()
	cases := []struct {
		name, seed, want string
	}{
		{"not digits", `{"teams": [{"id": "12a", "slug": "web"}]}`, `id "12a" is not a positive number of digits`},
		{"a number", `{"teams": [{"id": 12, "slug": "web"}]}`, "cannot unmarshal number"},
		{"zero", `{"teams": [{"id": "0", "slug": "web"}]}`, "not a positive number"},
		{"too large", `{"teams": [{"id": "99999999999999999999", "slug": "web"}]}`, "not a positive number"},
		{"given twice", fmt.Sprintf(`{"teams": [{"id": "%d", "slug": "web"}], "projects": [{"id": "%[1]d", "slug": "api", "teams": []}]}`, next+5),
			fmt.Sprintf(`project "api": id %d is also the id of team "web"`, next+5)},
		{"below the next id", fmt.Sprintf(`{"members": [{"id": "%d", "email": "a@example.com", "role": "member"}]}`, next-1),
			fmt.Sprintf("member a@example.com: id %d may already be in use: the emulator's ids so far are below %d", next-1, next)},
		{"an existing member", fmt.Sprintf(`{"members": [{"id": "%d", "email": "member@acme.example", "role": "member"}]}`, next+5),
			"the address is already a member or invited, so it cannot take id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.LoadSeed("acme", strings.NewReader(c.seed))
			if !errors.Is(err, ErrBadSeed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrBadSeed with %q", err, c.want)
			}
			if s.NextID() != next || len(s.st.orgsBySlug["acme"].teams) != 0 {
				t.Errorf("a refused seed changed the emulator")
			}
		})
	}
}

func TestSeedControls(t *testing.T) {
	recorded := newTestServer(t)
	r := send(t, recorded, http.MethodGet, "/_sim/next-id", "", nil)
	r.expect(t, http.StatusOK, map[string]any{"next_id": strconv.FormatInt(recorded.NextID(), 10)})
	mark := jsonField[string](t, r.obj(t), "next_id")
	teams, projects := roundTripOrg(t, recorded)

	dump := send(t, recorded, http.MethodGet, "/_sim/organizations/acme/seed?from="+mark, "", nil)
	dump.expect(t, http.StatusOK, nil)
	markID, _ := strconv.ParseInt(mark, 10, 64)
	if want, _ := recorded.Seed("acme", markID); dump.raw != string(want) {
		t.Errorf("GET seed %s, want %s", dump.raw, want)
	}
	replayed := newTestServer(t)
	send(t, replayed, http.MethodPost, "/_sim/organizations/acme/seed", "", dump.raw).expect(t, http.StatusNoContent, nil)
	if !reflect.DeepEqual(apiView(t, recorded, teams, projects), apiView(t, replayed, teams, projects)) {
		t.Errorf("the organization loaded over HTTP differs from the recorded one")
	}
	// The same file again: its ids are taken now.
	again := send(t, replayed, http.MethodPost, "/_sim/organizations/acme/seed", "", dump.raw)
	if again.status != http.StatusBadRequest || !strings.Contains(jsonField[string](t, again.obj(t), "detail"), "may already be in use") {
		t.Errorf("loading a seed twice: %d %s", again.status, again.raw)
	}
	send(t, replayed, http.MethodGet, "/_sim/organizations/nope/seed", "", nil).expect(t, http.StatusNotFound, nil)
	send(t, replayed, http.MethodGet, "/_sim/organizations/acme/seed?from=x", "", nil).expect(t, http.StatusBadRequest, nil)
	send(t, replayed, http.MethodPost, "/_sim/organizations/nope/seed", "", "{}").expect(t, http.StatusNotFound, nil)
}
