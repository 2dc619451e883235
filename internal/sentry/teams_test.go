package sentry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

const teamJSON = `{
	"id": "4502349234123",
	"slug": "backend",
	"name": "Backend",
	"dateCreated": "2024-03-01T12:30:45.123456Z",
	"isMember": true,
	"teamRole": "admin",
	"flags": {"idp:provisioned": true},
	"access": ["team:read"],
	"hasAccess": true,
	"isPending": false,
	"memberCount": 3,
	"avatar": {"avatarType": "letter_avatar", "avatarUuid": null}
}`

// recorded is one request as the server saw it.
type recorded struct {
	method string
	uri    string
	body   map[string]any
}

// recordingServer answers every request with status and body and keeps
// what it was sent.
func recordingServer(t *testing.T, status int, body string) (*Client, *[]recorded) {
	t.Helper()
	var reqs []recorded
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := recorded{method: r.Method, uri: r.RequestURI}
		data, _ := io.ReadAll(r.Body)
		if len(data) > 0 {
			if err := json.Unmarshal(data, &rec.body); err != nil {
				t.Errorf("request body %q: %v", data, err)
			}
		}
		reqs = append(reqs, rec)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	return c, &reqs
}

func checkTeam(t *testing.T, team *Team) {
	t.Helper()
	want := time.Date(2024, 3, 1, 12, 30, 45, 123456000, time.UTC)
	if team.ID != "4502349234123" || team.Slug != "backend" || team.Name != "Backend" ||
		!team.DateCreated.Equal(want) || team.MemberCount != 3 || !team.IDPProvisioned() {
		t.Errorf("team = %+v", team)
	}
}

func checkRequest(t *testing.T, reqs []recorded, method, uri string, body map[string]any) {
	t.Helper()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != method || r.uri != uri {
		t.Errorf("request = %s %s, want %s %s", r.method, r.uri, method, uri)
	}
	gotBody, _ := json.Marshal(r.body)
	wantBody, _ := json.Marshal(body)
	if string(gotBody) != string(wantBody) {
		t.Errorf("body = %s, want %s", gotBody, wantBody)
	}
}

func TestCreateTeam(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusCreated, teamJSON)
	team, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend", Name: "Backend"})
	if err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	checkTeam(t, team)
	checkRequest(t, *reqs, "POST", "/api/0/organizations/acme/teams/", map[string]any{"slug": "backend", "name": "Backend"})
}

func TestCreateTeamNameOnly(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusCreated, teamJSON)
	if _, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Name: "Backend Eng"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	checkRequest(t, *reqs, "POST", "/api/0/organizations/acme/teams/", map[string]any{"name": "Backend Eng"})
}

func TestCreateTeamConflict(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusConflict,
		`{"non_field_errors": ["A team with this slug already exists."], "detail": "A team with this slug already exists."}`)
	_, err := c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
	if !IsConflict(err) {
		t.Errorf("err = %v, want a conflict", err)
	}
}

func TestGetTeam(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, teamJSON)
	team, err := c.GetTeam(context.Background(), "acme", "4502349234123")
	if err != nil {
		t.Fatalf("GetTeam: %v", err)
	}
	checkTeam(t, team)
	checkRequest(t, *reqs, "GET", "/api/0/teams/acme/4502349234123/", nil)
}

func TestGetTeamNotFound(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusNotFound, `{"detail": "The requested resource does not exist"}`)
	team, err := c.GetTeam(context.Background(), "acme", "gone")
	if !IsNotFound(err) || team != nil {
		t.Errorf("team %v, err %v; want nil and a 404", team, err)
	}
}

func TestUpdateTeam(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, teamJSON)
	name := "Backend"
	team, err := c.UpdateTeam(context.Background(), "acme", "old-slug", UpdateTeamRequest{Name: &name})
	if err != nil {
		t.Fatalf("UpdateTeam: %v", err)
	}
	checkTeam(t, team)
	// Only the fields set are sent: a nil slug must not become "".
	checkRequest(t, *reqs, "PUT", "/api/0/teams/acme/old-slug/", map[string]any{"name": "Backend"})
}

func TestUpdateTeamSlugAndName(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, teamJSON)
	slug, name := "backend", "Backend"
	if _, err := c.UpdateTeam(context.Background(), "acme", "old", UpdateTeamRequest{Slug: &slug, Name: &name}); err != nil {
		t.Fatalf("UpdateTeam: %v", err)
	}
	checkRequest(t, *reqs, "PUT", "/api/0/teams/acme/old/", map[string]any{"slug": "backend", "name": "Backend"})
}

func TestUpdateTeamIDPManaged(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusForbidden, `{"detail": "This team is managed through your organization's identity provider."}`)
	name := "x"
	_, err := c.UpdateTeam(context.Background(), "acme", "scim-team", UpdateTeamRequest{Name: &name})
	if !IsForbidden(err) {
		t.Errorf("err = %v, want a 403", err)
	}
}

func TestDeleteTeam(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusNoContent, "")
	if err := c.DeleteTeam(context.Background(), "acme", "backend"); err != nil {
		t.Fatalf("DeleteTeam: %v", err)
	}
	checkRequest(t, *reqs, "DELETE", "/api/0/teams/acme/backend/", nil)
}

func TestTeamPathsEscaped(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, teamJSON)
	ctx := context.Background()
	if _, err := c.GetTeam(ctx, "ac me", "a/b?c#d"); err != nil {
		t.Fatalf("GetTeam: %v", err)
	}
	if err := c.DeleteTeam(ctx, "acme", ".."); err != nil {
		t.Fatalf("DeleteTeam: %v", err)
	}
	if _, err := c.CreateTeam(ctx, "a/b", CreateTeamRequest{Slug: "x"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	want := []string{
		"/api/0/teams/ac%20me/a%2Fb%3Fc%23d/",
		"/api/0/teams/acme/%2E%2E/",
		"/api/0/organizations/a%2Fb/teams/",
	}
	for i, r := range *reqs {
		if r.uri != want[i] {
			t.Errorf("request %d URI = %q, want %q", i, r.uri, want[i])
		}
	}

	c2, _ := recordingServer(t, http.StatusNotFound, `{"detail": "nope"}`)
	_, err := c2.GetTeam(ctx, "acme", "a/b")
	if err == nil || err.Error() != "GET teams/acme/a%2Fb/: 404 Not Found: nope" {
		t.Errorf("err = %v", err)
	}
}

func TestIDPProvisioned(t *testing.T) {
	t.Parallel()
	var nilTeam *Team
	for _, tt := range []struct {
		team *Team
		want bool
	}{
		{nilTeam, false},
		{&Team{}, false},
		{&Team{Flags: map[string]bool{"idp:provisioned": false}}, false},
		{&Team{Flags: map[string]bool{"idp:provisioned": true}}, true},
	} {
		if got := tt.team.IDPProvisioned(); got != tt.want {
			t.Errorf("%+v.IDPProvisioned() = %v, want %v", tt.team, got, tt.want)
		}
	}
}
