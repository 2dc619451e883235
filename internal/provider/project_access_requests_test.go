package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// accessScaleSeed is an organization of members, teams and projects:
// every member on two teams, every project owned by two teams, a few
// owners and managers, and pending invitations.
func accessScaleSeed(members, teams, projects int) []byte {
	type teamRef struct {
		Team string `json:"team"`
		Role string `json:"role,omitempty"`
	}
	type seedMember struct {
		Email   string    `json:"email"`
		Role    string    `json:"role"`
		Pending bool      `json:"pending,omitempty"`
		Teams   []teamRef `json:"teams"`
	}
	var f struct {
		Teams []struct {
			Slug string `json:"slug"`
		} `json:"teams"`
		Projects []struct {
			Slug  string   `json:"slug"`
			Teams []string `json:"teams"`
		} `json:"projects"`
		Members []seedMember `json:"members"`
	}
	team := func(i int) string { return fmt.Sprintf("team-%03d", i%teams) }
	for i := range teams {
		f.Teams = append(f.Teams, struct {
			Slug string `json:"slug"`
		}{team(i)})
	}
	for i := range projects {
		f.Projects = append(f.Projects, struct {
			Slug  string   `json:"slug"`
			Teams []string `json:"teams"`
		}{fmt.Sprintf("project-%03d", i), []string{team(i), team(i + 1)}})
	}
	for i := range members {
		m := seedMember{Email: fmt.Sprintf("person-%04d@scale.example", i), Role: "member",
			Teams: []teamRef{{Team: team(i)}, {Team: team(i * 7)}}}
		switch {
		case i%100 == 0:
			m.Role = "owner"
		case i%50 == 0:
			m.Role = "manager"
		case i%10 == 0:
			m.Teams[0].Role = "admin"
		case i%37 == 0:
			m.Pending = true
		}
		if m.Teams[0].Team == m.Teams[1].Team {
			m.Teams = m.Teams[:1]
		}
		f.Members = append(f.Members, m)
	}
	b, err := json.Marshal(f)
	if err != nil {
		panic(err)
	}
	return b
}

// TestProjectAccessRequests counts the requests of sentry_project_access
// on an organization of 1,000 members, 100 teams and 300 projects: the
// organization's settings, 3 pages of projects, 10 pages of members and
// one member list per team; for one project, the settings, the project,
// the owners and managers, and its two teams' lists. A second data source
// in the same run reads no team list again.
func TestProjectAccessRequests(t *testing.T) {
	const members, teams, projects = 1000, 100, 300
	sim := sentrysim.New(sentrysim.Options{Organization: "acme"})
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	tokens := sim.AddOrganization("scale")
	if err := sim.LoadSeed("scale", bytes.NewReader(accessScaleSeed(members, teams, projects))); err != nil {
		t.Fatal(err)
	}
	listed := int64(members + 3) // with the organization's own three
	pending := int64(0)
	for i := range members {
		if i%37 == 0 && i%10 != 0 {
			pending++
		}
	}
	joined := listed - pending
	for _, open := range []bool{false, true} {
		t.Run(fmt.Sprintf("open membership %v", open), func(t *testing.T) {
			if _, err := sim.SetOrgSettings("scale", sentrysim.OrgSettings{OpenMembership: &open}); err != nil {
				t.Fatal(err)
			}
			data := &providerData{organization: "scale", baseURL: server.URL + "/api/", authToken: tokens.Owner, userAgent: "test"}
			client, err := data.client()
			if err != nil {
				t.Fatal(err)
			}
			d := &projectAccessDataSource{}
			d.data = data
			ctx := context.Background()

			sim.ResetStats()
			got, err := d.read(ctx, client, "scale", "")
			if err != nil {
				t.Fatal(err)
			}
			st := sim.Stats()
			pages := func(n int64) int64 { return (n + 99) / 100 }
			want := map[string]int64{
				"GET /organizations/{org}/":          1,
				"GET /organizations/{org}/projects/": pages(projects),
				"GET /organizations/{org}/members/":  pages(listed),
				"GET /teams/{org}/{team}/members/":   teams,
			}
			var total int64
			for route, n := range want {
				if c := st.Requests[route]; c != n {
					t.Errorf("%s: %d requests, want %d", route, c, n)
				}
				total += n
			}
			if st.Total() != total {
				t.Errorf("%d requests in all, want %d: %v", st.Total(), total, st.Requests)
			}
			t.Logf("whole organization: %d requests", st.Total())
			if len(got) != projects {
				t.Fatalf("%d projects, want %d", len(got), projects)
			}
			if open && int64(len(got[0].Access)) != joined {
				var have []string
				for _, e := range got[0].Access {
					have = append(have, e.Email)
				}
				t.Errorf("with open membership %d people reach %s, want every joined member (%d): %v", len(got[0].Access), got[0].Slug, joined, have)
			}

			// sentry_members with include_teams in the same run reads the
			// teams list and no team member list again.
			sim.ResetStats()
			md := &membersDataSource{}
			md.data = data
			if _, err := md.memberTeamsByTeam(ctx, client, "scale"); err != nil {
				t.Fatal(err)
			}
			if st := sim.Stats(); st.Total() != 1 || st.Count("GET", "/organizations/{org}/teams/") != 1 {
				t.Errorf("sentry_members after sentry_project_access: %v, want the teams list alone", st.Requests)
			}

			// One project, in a new run.
			run := &providerData{organization: "scale", baseURL: data.baseURL, authToken: tokens.Owner, userAgent: "test"}
			d.data = run
			sim.ResetStats()
			if _, err := d.read(ctx, client, "scale", "project-007"); err != nil {
				t.Fatal(err)
			}
			st = sim.Stats()
			memberPages := int64(1) // owners and managers
			if open {
				memberPages = pages(listed)
			}
			want = map[string]int64{
				"GET /organizations/{org}/":         1,
				"GET /projects/{org}/{project}/":    1,
				"GET /organizations/{org}/members/": memberPages,
				"GET /teams/{org}/{team}/members/":  2,
			}
			total = 0
			for route, n := range want {
				if c := st.Requests[route]; c != n {
					t.Errorf("one project: %s: %d requests, want %d", route, c, n)
				}
				total += n
			}
			if st.Total() != total {
				t.Errorf("one project: %d requests in all, want %d: %v", st.Total(), total, st.Requests)
			}
			t.Logf("one project: %d requests", st.Total())
		})
	}
}

// BenchmarkProjectAccessLatency reads the whole organization of 1,000
// members, 100 teams and 300 projects, open membership off, with 50 ms
// added to every answer: the wall time of one sentry_project_access read
// (go test ./internal/provider -run '^$' -bench ProjectAccessLatency).
func BenchmarkProjectAccessLatency(b *testing.B) {
	sim := sentrysim.New(sentrysim.Options{Organization: "acme"})
	server := httptest.NewServer(sim)
	b.Cleanup(server.Close)
	tokens := sim.AddOrganization("scale")
	if err := sim.LoadSeed("scale", bytes.NewReader(accessScaleSeed(1000, 100, 300))); err != nil {
		b.Fatal(err)
	}
	closed := false
	if _, err := sim.SetOrgSettings("scale", sentrysim.OrgSettings{OpenMembership: &closed}); err != nil {
		b.Fatal(err)
	}
	c := sim.Config()
	c.Latency = 50 * time.Millisecond
	if err := sim.SetConfig(c); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		data := &providerData{organization: "scale", baseURL: server.URL + "/api/", authToken: tokens.Owner, userAgent: "bench"}
		client, err := data.client()
		if err != nil {
			b.Fatal(err)
		}
		d := &projectAccessDataSource{}
		d.data = data
		if _, err := d.read(context.Background(), client, "scale", ""); err != nil {
			b.Fatal(err)
		}
	}
}
