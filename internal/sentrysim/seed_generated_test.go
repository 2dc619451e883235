package sentrysim

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

var updateSeeds = flag.Bool("update", false, "rewrite the generated seed files under testdata")

// orgSize is how much a generated seed holds: teams, SCIM teams,
// projects (each linked to two teams), members and org tokens.
type orgSize struct {
	teams, scimTeams, projects, members, tokens int
}

// generatedSeeds are the seed files of organizations for import tests:
// every org role, pending and expired invitations, emails in mixed case
// and some beyond ASCII, addresses that differ only in punctuation, slugs
// that start with digits. orgSeed makes them; regenerate them with
//
//	go test ./internal/sentrysim -run TestGeneratedSeeds -update
var generatedSeeds = map[string]orgSize{
	"testdata/large-org.json": {teams: 200, scimTeams: 10, projects: 150, members: 1000, tokens: 20},
	"testdata/small-org.json": {teams: 40, scimTeams: 2, projects: 30, members: 200, tokens: 4},
}

// orgSeed builds a seed file of the size, the same on every run.
func orgSeed(size orgSize) []byte {
	rng := rand.New(rand.NewPCG(11, 1000))
	areas := []string{"payments", "search", "mobile", "web", "infra", "data", "growth", "identity", "billing", "platform",
		"ml", "sre", "security", "support", "ads", "maps", "media", "checkout", "catalog", "ledger"}
	kinds := []string{"core", "api", "frontend", "oncall", "tools", "eu", "us", "apac", "research", "qa"}

	type team struct {
		Slug string `json:"slug"`
		Name string `json:"name,omitempty"`
		SCIM bool   `json:"scim,omitempty"`
	}
	var teams []team
	for i := range size.teams {
		area, kind := areas[i%len(areas)], kinds[i/len(areas)]
		slug := area + "-" + kind
		switch {
		case i%50 == 7:
			// Slugs may start with a digit; HCL names may not.
			slug = fmt.Sprintf("%dx-%s", i%9+1, slug)
		case i%40 == 3:
			slug = strings.ReplaceAll(slug, "-", "_")
		}
		teams = append(teams, team{Slug: slug, Name: strings.ToUpper(area[:1]) + area[1:] + " " + kind})
	}
	var scimTeams []team
	for i := range size.scimTeams {
		scimTeams = append(scimTeams, team{Slug: fmt.Sprintf("okta-%s", areas[i]), Name: fmt.Sprintf("Okta %s", areas[i]), SCIM: true})
	}

	type project struct {
		Slug  string   `json:"slug"`
		Teams []string `json:"teams"`
	}
	var projects []project
	for i := range size.projects {
		slug := fmt.Sprintf("%s-%s-%d", areas[i%len(areas)], []string{"api", "worker", "web", "ios", "android"}[i%5], i)
		if i%37 == 0 {
			slug = fmt.Sprintf("%d-%s", i, areas[i%len(areas)])
		}
		first := rng.IntN(len(teams))
		second := (first + 1 + rng.IntN(len(teams)-1)) % len(teams)
		projects = append(projects, project{Slug: slug, Teams: []string{teams[first].Slug, teams[second].Slug}})
	}

	type teamRole struct {
		Team string `json:"team"`
		Role string `json:"role,omitempty"`
	}
	type member struct {
		Email   string     `json:"email"`
		Role    string     `json:"role"`
		Pending bool       `json:"pending,omitempty"`
		Expired bool       `json:"expired,omitempty"`
		Teams   []teamRole `json:"teams,omitempty"`
	}
	first := []string{"jane", "john", "Ana", "li", "Olu", "priya", "MARK", "sofia", "Chen", "fatima", "Zoë", "José", "ingrid", "raj", "Kim"}
	last := []string{"doe", "Smith", "garcia", "wang", "OKAFOR", "patel", "müller", "ito", "Nguyen", "silva", "berg", "kowalski"}
	domains := []string{"example.com", "Example.com", "corp.example.org", "EXAMPLE.NET"}
	seps := []string{".", "_", "-", "+"}
	seen := map[string]bool{}
	var members []member
	for i := 0; len(members) < size.members; i++ {
		f, l := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		local := f + seps[rng.IntN(len(seps))] + l
		if rng.IntN(3) == 0 {
			local += fmt.Sprint(rng.IntN(100))
		}
		if i%97 == 5 {
			local = fmt.Sprintf("%d%s", rng.IntN(10), l)
		}
		email := local + "@" + domains[rng.IntN(len(domains))]
		if seen[strings.ToLower(email)] {
			continue
		}
		seen[strings.ToLower(email)] = true

		m := member{Email: email}
		switch r := rng.IntN(100); {
		case r < 78:
			m.Role = "member"
		case r < 86:
			m.Role = "admin"
		case r < 93:
			m.Role = "manager"
		case r < 97:
			m.Role = "owner"
		default:
			m.Role = "billing"
		}
		switch r := rng.IntN(100); {
		case r < 5:
			m.Pending = true
		case r < 8:
			m.Expired = true
		}
		if m.Role != "billing" {
			for range rng.IntN(4) {
				t := teams[rng.IntN(len(teams))].Slug
				if slices.ContainsFunc(m.Teams, func(tr teamRole) bool { return tr.Team == t }) {
					continue
				}
				role := []string{"", "contributor", "admin"}[rng.IntN(3)]
				if m.Role != "member" && role == "contributor" {
					role = ""
				}
				m.Teams = append(m.Teams, teamRole{Team: t, Role: role})
			}
			if len(members)%50 == 0 && len(scimTeams) > 0 {
				m.Teams = append(m.Teams, teamRole{Team: scimTeams[len(members)/50%len(scimTeams)].Slug})
			}
		}
		members = append(members, m)
	}

	tokens := make([]map[string]string, 0, size.tokens)
	for i := range size.tokens {
		tokens = append(tokens, map[string]string{"name": fmt.Sprintf("ci-%s-%s", areas[i], []string{"prod", "staging"}[i%2])})
	}

	// One object a line keeps the file readable and its diffs small.
	var b bytes.Buffer
	section := func(name string, n int, item func(i int) any, last bool) {
		fmt.Fprintf(&b, "  %q: [\n", name)
		for i := range n {
			line, err := json.Marshal(item(i))
			if err != nil {
				panic(err)
			}
			b.WriteString("    ")
			b.Write(line)
			if i < n-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString("  ]")
		if !last {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	allTeams := append(teams, scimTeams...)
	b.WriteString("{\n")
	section("teams", len(allTeams), func(i int) any { return allTeams[i] }, false)
	section("projects", len(projects), func(i int) any { return projects[i] }, false)
	section("members", len(members), func(i int) any { return members[i] }, false)
	section("org_tokens", len(tokens), func(i int) any { return tokens[i] }, true)
	b.WriteString("}\n")
	return b.Bytes()
}

// TestGeneratedSeeds checks that each generated seed file is what orgSeed
// makes, and loads.
func TestGeneratedSeeds(t *testing.T) {
	for file, size := range generatedSeeds {
		t.Run(file, func(t *testing.T) {
			want := orgSeed(size)
			if *updateSeeds {
				if err := os.WriteFile(file, want, 0o644); err != nil { //nolint:gosec // A file of the repository.
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s is not what its generator makes: run go test ./internal/sentrysim -run TestGeneratedSeeds -update", file)
			}
			s := newTestServer(t)
			if err := s.LoadSeed("acme", bytes.NewReader(got)); err != nil {
				t.Fatal(err)
			}
			o := s.st.orgsBySlug["acme"]
			links, pending, expired, provisioned := 0, 0, 0, 0
			for _, p := range o.projects {
				links += len(p.teams)
			}
			for _, m := range o.members {
				if m.pending {
					pending++
				}
				if m.inviteExpired(s.now()) {
					expired++
				}
			}
			for _, team := range o.teams {
				if team.idpProvisioned {
					provisioned++
				}
			}
			if len(o.teams)-provisioned != size.teams || provisioned != size.scimTeams || links != 2*size.projects ||
				len(o.members) != size.members+3 || len(s.st.activeOrgTokens(o)) != size.tokens || pending <= expired || expired == 0 {
				t.Errorf("teams %d (SCIM %d), links %d, members %d (pending %d, expired %d), org tokens %d",
					len(o.teams), provisioned, links, len(o.members), pending, expired, len(s.st.activeOrgTokens(o)))
			}
		})
	}
}
