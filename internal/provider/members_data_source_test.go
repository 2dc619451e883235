package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func membersDataConfig(env *accEnv, t *testing.T, body string) string {
	return env.providerConfig(t, "owner") + "\ndata \"sentry_members\" \"test\" {\n" + body + "\n}\n"
}

// dataMembers returns the data source's members as attribute maps keyed by
// email.
func dataMembers(s *terraform.State) (map[string]map[string]string, error) {
	objects, err := stateObjects(s, "data.sentry_members.test", "members")
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(objects))
	for _, m := range objects {
		out[m["email"]] = m
	}
	return out, nil
}

func expectMembers(want ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := dataMembers(s)
		if err != nil {
			return err
		}
		if len(got) != len(want) {
			return fmt.Errorf("got %d members %v, want %v", len(got), keys(got), want)
		}
		for _, email := range want {
			if got[email] == nil {
				return fmt.Errorf("member %s missing from %v", email, keys(got))
			}
		}
		return nil
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestAccMembersDataSource_filters(t *testing.T) {
	env := newAccEnv(t)
	pfx := randomName()
	if env.sim == nil {
		// Members who joined can be made only with the emulator's controls.
		testMembersDataSourceInvites(t, env)
		return
	}
	env.createTeams(t, pfx+"-payments", pfx+"-identity")
	for email, role := range map[string]string{pfx + "-pat@acme.example": "member", pfx + "-kim@acme.example": "manager"} {
		if _, err := env.sim.AddMember(env.org, email, role); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.sim.SetTeamRole(env.org, pfx+"-payments", pfx+"-pat@acme.example", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := env.sim.SetTeamRole(env.org, pfx+"-identity", pfx+"-pat@acme.example", ""); err != nil {
		t.Fatal(err)
	}
	if err := env.sim.SetTeamRole(env.org, pfx+"-identity", pfx+"-kim@acme.example", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client(t, "owner").InviteMember(context.Background(), env.org,
		sentry.InviteMemberRequest{Email: pfx + "-new@acme.example", OrgRole: "member"}); err != nil {
		t.Fatal(err)
	}
	seeded := []string{"owner@acme.example", "manager@acme.example", "member@acme.example"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: membersDataConfig(env, t, ""),
				Check:  expectMembers(append(seeded, pfx+"-pat@acme.example", pfx+"-kim@acme.example", pfx+"-new@acme.example")...),
			},
			{
				Config: membersDataConfig(env, t, `  role = "manager"`),
				Check:  expectMembers("manager@acme.example", pfx+"-kim@acme.example"),
			},
			{
				Config: membersDataConfig(env, t, `  pending = true`),
				Check: resource.ComposeTestCheckFunc(
					expectMembers(pfx+"-new@acme.example"),
					resource.TestCheckResourceAttr("data.sentry_members.test", "members.0.pending", "true"),
					resource.TestCheckNoResourceAttr("data.sentry_members.test", "members.0.user_id"),
				),
			},
			{
				Config: membersDataConfig(env, t, "  pending = false\n  role = \"member\""),
				Check:  expectMembers("member@acme.example", pfx+"-pat@acme.example"),
			},
			{
				Config: membersDataConfig(env, t, fmt.Sprintf("  email = %q", strings.ToUpper(pfx+"-pat")+"@acme.example")),
				Check:  expectMembers(pfx + "-pat@acme.example"),
			},
			{
				Config: membersDataConfig(env, t, `  query = "kim"`),
				Check:  expectMembers(pfx + "-kim@acme.example"),
			},
			{
				// Teams come from each team's member list, as effective roles.
				Config: membersDataConfig(env, t, "  role = \"member\"\n  include_teams = true"),
				Check: func(s *terraform.State) error {
					got, err := dataMembers(s)
					if err != nil {
						return err
					}
					pat := got[pfx+"-pat@acme.example"]
					want := map[string]string{
						"teams.#": "2", "teams.0": pfx + "-identity", "teams.1": pfx + "-payments",
						"team_roles." + pfx + "-payments": "admin", "team_roles." + pfx + "-identity": "contributor",
					}
					for k, v := range want {
						if pat[k] != v {
							return fmt.Errorf("pat's %s = %q, want %q (%v)", k, pat[k], v, pat)
						}
					}
					if got["member@acme.example"]["teams.#"] != "0" {
						return fmt.Errorf("member@ should have no teams: %v", got["member@acme.example"])
					}
					return nil
				},
			},
			{
				// Without include_teams, teams are null.
				Config: membersDataConfig(env, t, `  role = "member"`),
				Check:  resource.TestCheckNoResourceAttr("data.sentry_members.test", "members.0.teams.#"),
			},
		},
	})
}

// testMembersDataSourceInvites is the filters test for live runs: a live
// organization has members of its own, and members who joined cannot be
// made through the API, so it invites its own members and narrows every
// read to them with a query on its prefix.
func testMembersDataSourceInvites(t *testing.T, env *accEnv) {
	ctx := context.Background()
	owner := env.client(t, "owner")
	pfx := randomName()
	payments, identity := pfx+"-payments", pfx+"-identity"
	env.createTeams(t, payments, identity)
	pat, kim := pfx+"-pat@acme.example", pfx+"-kim@acme.example"
	for email, role := range map[string]string{pat: "member", kim: "manager"} {
		m, err := owner.InviteMember(ctx, env.org, sentry.InviteMemberRequest{Email: email, OrgRole: role})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = owner.DeleteMember(ctx, env.org, m.ID) })
		if email != pat {
			continue
		}
		admin := "admin"
		roles := []sentry.MemberTeamRole{{TeamSlug: payments, Role: &admin}, {TeamSlug: identity}}
		if _, err := owner.UpdateMember(ctx, env.org, m.ID, sentry.UpdateMemberRequest{TeamRoles: &roles}); err != nil {
			t.Fatal(err)
		}
	}
	query := fmt.Sprintf("  query = %q\n", pfx)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: membersDataConfig(env, t, query),
				Check:  expectMembers(pat, kim),
			},
			{
				Config: membersDataConfig(env, t, query+`  role = "manager"`),
				Check:  expectMembers(kim),
			},
			{
				Config: membersDataConfig(env, t, query+`  pending = true`),
				Check: resource.ComposeTestCheckFunc(
					expectMembers(pat, kim),
					resource.TestCheckNoResourceAttr("data.sentry_members.test", "members.0.user_id"),
				),
			},
			{
				Config: membersDataConfig(env, t, query+`  pending = false`),
				Check:  expectMembers(),
			},
			{
				// An invitation is found by its exact email; case folding
				// is checked on joined members, in emulator runs.
				Config: membersDataConfig(env, t, fmt.Sprintf("  email = %q", pat)),
				Check:  expectMembers(pat),
			},
			{
				// Teams come from each team's member list, as effective roles.
				Config: membersDataConfig(env, t, query+"  role = \"member\"\n  include_teams = true"),
				Check: func(s *terraform.State) error {
					got, err := dataMembers(s)
					if err != nil {
						return err
					}
					want := map[string]string{
						"teams.#": "2", "teams.0": identity, "teams.1": payments,
						"team_roles." + payments: "admin", "team_roles." + identity: "contributor",
					}
					for k, v := range want {
						if got[pat][k] != v {
							return fmt.Errorf("%s = %q, want %q (%v)", k, got[pat][k], v, got[pat])
						}
					}
					return nil
				},
			},
		},
	})
}

// TestAccMembersDataSource_tenThousand reads an organization of 10,000
// members: 100 requests of 100 members each, counted by the emulator.
func TestAccMembersDataSource_tenThousand(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "this test needs the emulator's request counters")
	// Three seeded members and 9,997 more.
	pfx := randomName()
	for i := range 9997 {
		if _, err := env.sim.AddMember(env.org, fmt.Sprintf("%s-u%05d@example.com", pfx, i), "member"); err != nil {
			t.Fatal(err)
		}
	}
	const listMembers = "/organizations/{org}/members/"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { env.sim.ResetStats() },
				Config:    membersDataConfig(env, t, ""),
				Check: func(*terraform.State) error {
					stats := env.sim.Stats()
					// Each read of the data source during the step (plan and
					// apply) is 100 requests.
					n := stats.Count("GET", listMembers)
					if n == 0 || n%100 != 0 || n > 300 {
						return fmt.Errorf("listed members in %d requests; want 100 per read (requests: %v)", n, stats.Requests)
					}
					if stats.Total() != n {
						return fmt.Errorf("made %d requests besides the members list: %v", stats.Total()-n, stats.Requests)
					}
					return nil
				},
			},
			{
				PreConfig:    func() { env.sim.ResetStats() },
				RefreshState: true,
				Check: func(s *terraform.State) error {
					if got := env.sim.Stats().Count("GET", listMembers); got != 100 {
						return fmt.Errorf("one refresh listed members in %d requests, want 100", got)
					}
					return resource.TestCheckResourceAttr("data.sentry_members.test", "members.#", "10000")(s)
				},
			},
		},
	})
}
