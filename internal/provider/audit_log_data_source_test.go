package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func auditLogConfig(env *accEnv, t *testing.T, actor, body string) string {
	return env.providerConfig(t, actor) + "\ndata \"sentry_audit_log\" \"test\" {\n" + body + "\n}\n"
}

// auditEntries returns the data source's entries as attribute maps, in order.
func auditEntries(s *terraform.State) ([]map[string]string, error) {
	rs, ok := s.RootModule().Resources["data.sentry_audit_log.test"]
	if !ok {
		return nil, fmt.Errorf("data.sentry_audit_log.test is not in state")
	}
	a := rs.Primary.Attributes
	n, err := strconv.Atoi(a["entries.#"])
	if err != nil {
		return nil, err
	}
	out := make([]map[string]string, n)
	for i := range n {
		prefix := fmt.Sprintf("entries.%d.", i)
		m := map[string]string{}
		for k, v := range a {
			if strings.HasPrefix(k, prefix) {
				m[strings.TrimPrefix(k, prefix)] = v
			}
		}
		out[i] = m
	}
	return out, nil
}

// auditEvents checks the entries' events. Entries of the same moment may
// come in any order, so the events are compared sorted; the dates must be
// newest first.
func auditEvents(want ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		entries, err := auditEntries(s)
		if err != nil {
			return err
		}
		got := make([]string, len(entries))
		for i, e := range entries {
			got[i] = e["event"]
			if i > 0 && e["date_created"] > entries[i-1]["date_created"] {
				return fmt.Errorf("entry %d (%s) is newer than entry %d (%s)", i, e["date_created"], i-1, entries[i-1]["date_created"])
			}
		}
		want = slices.Clone(want)
		slices.Sort(got)
		slices.Sort(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			return fmt.Errorf("events are %v, want %v", got, want)
		}
		return nil
	}
}

func TestAccAuditLogDataSource(t *testing.T) {
	env := newAccEnv(t)
	if env.sim == nil {
		t.Fatal("this test counts requests and moves the clock with the emulator's controls")
	}
	ctx := context.Background()
	owner := env.client(t, "owner")
	manager := env.client(t, "manager")
	// An entry 10 days old, then three today.
	env.shiftClock(t, -10*24*time.Hour)
	if _, err := owner.CreateTeam(ctx, env.org, sentry.CreateTeamRequest{Slug: "old-team", Name: "Old"}); err != nil {
		t.Fatal(err)
	}
	env.shiftClock(t, 0)
	if _, err := owner.CreateTeam(ctx, env.org, sentry.CreateTeamRequest{Slug: "payments", Name: "Payments"}); err != nil {
		t.Fatal(err)
	}
	if _, err := manager.InviteMember(ctx, env.org, sentry.InviteMemberRequest{Email: "dana@acme.example", OrgRole: "member"}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CreateTeam(ctx, env.org, sentry.CreateTeamRequest{Slug: "identity", Name: "Identity"}); err != nil {
		t.Fatal(err)
	}
	managerID := ""
	if members, err := owner.ListMembers(ctx, env.org, "email:manager@acme.example"); err != nil || len(members) != 1 {
		t.Fatalf("finding the manager: %v", err)
	} else {
		managerID = members[0].User.ID
	}
	now := time.Now().UTC()

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: auditLogConfig(env, t, "owner", ""),
				Check: resource.ComposeTestCheckFunc(
					auditEvents("member.join-team", "team.create", "member.invite", "member.join-team", "team.create",
						"member.join-team", "team.create"),
					func(s *terraform.State) error {
						entries, err := auditEntries(s)
						if err != nil {
							return err
						}
						var e map[string]string
						for _, entry := range entries {
							if entry["event"] == "member.invite" {
								e = entry
							}
						}
						if old := entries[len(entries)-1]; !strings.Contains(old["data"], `"old-team"`) {
							return fmt.Errorf("the oldest entry should be last: %v", old)
						}
						if e["actor_id"] != managerID || e["actor_name"] == "" || e["target_object"] == "" {
							return fmt.Errorf("member.invite entry is %v", e)
						}
						var data map[string]any
						if err := json.Unmarshal([]byte(e["data"]), &data); err != nil {
							return fmt.Errorf("data is not JSON: %w", err)
						}
						if data["email"] != "dana@acme.example" {
							return fmt.Errorf("member.invite data is %v", data)
						}
						if _, err := time.Parse(time.RFC3339, e["date_created"]); err != nil {
							return err
						}
						return nil
					},
				),
			},
			{
				Config: auditLogConfig(env, t, "owner", `  event = "team.create"`),
				Check:  auditEvents("team.create", "team.create", "team.create"),
			},
			{
				Config: auditLogConfig(env, t, "owner", fmt.Sprintf("  actor_id = %q", managerID)),
				Check:  auditEvents("member.invite"),
			},
			{
				Config: auditLogConfig(env, t, "owner", `  period = "24h"`),
				Check:  auditEvents("member.join-team", "team.create", "member.invite", "member.join-team", "team.create"),
			},
			{
				Config: auditLogConfig(env, t, "owner", fmt.Sprintf("  start = %q\n  end = %q",
					formatTime(now.Add(-11*24*time.Hour)), formatTime(now.Add(-9*24*time.Hour)))),
				Check: auditEvents("member.join-team", "team.create"),
			},
			{
				// The newest five: everything but the old team's two entries.
				Config: auditLogConfig(env, t, "owner", `  limit = 5`),
				Check:  auditEvents("member.join-team", "team.create", "member.invite", "member.join-team", "team.create"),
			},
			{
				// Without org:write.
				Config:      auditLogConfig(env, t, "member", ""),
				ExpectError: regexp.MustCompile(`(?s)Audit Log Needs org:write.*403 Forbidden.*owner or\s+manager`),
			},
		},
	})
}

// TestAccAuditLogDataSource_limitStopsPaging checks that a limit of 150
// reads two pages of 100 and no more.
func TestAccAuditLogDataSource_limitStopsPaging(t *testing.T) {
	env := newAccEnv(t)
	if env.sim == nil {
		t.Fatal("this test counts requests with the emulator's controls")
	}
	owner := env.client(t, "owner")
	for i := range 350 {
		if _, err := owner.CreateTeam(context.Background(), env.org, sentry.CreateTeamRequest{Slug: fmt.Sprintf("team-%03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: auditLogConfig(env, t, "owner", `  limit = 150`),
				Check:  resource.TestCheckResourceAttr("data.sentry_audit_log.test", "entries.#", "150"),
			},
			{
				PreConfig:    func() { env.sim.ResetStats() },
				RefreshState: true,
				Check: func(*terraform.State) error {
					if n := env.sim.Stats().Count("GET", "/organizations/{org}/audit-logs/"); n != 2 {
						return fmt.Errorf("reading 150 entries took %d requests, want 2", n)
					}
					return nil
				},
			},
		},
	})
}

func TestAccAuditLogDataSource_noAuditLog(t *testing.T) {
	env := newAccEnv(t)
	if env.sim == nil {
		t.Fatal("this test switches the audit-log feature off with the emulator's controls")
	}
	if err := env.sim.SetFeature(env.org, "audit-log", false); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client(t, "owner").CreateTeam(context.Background(), env.org, sentry.CreateTeamRequest{Slug: "payments"}); err != nil {
		t.Fatal(err)
	}
	logFile := t.TempDir() + "/plan.log"
	t.Setenv("TF_LOG", "WARN")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: auditLogConfig(env, t, "owner", ""),
			Check:  resource.TestCheckResourceAttr("data.sentry_audit_log.test", "entries.#", "0"),
		}},
	})
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Empty Audit Log") {
		t.Fatal("no warning about the empty audit log")
	}
}

func TestAccAuditLogDataSource_validation(t *testing.T) {
	env := newAccEnv(t)
	cases := []struct{ body, want string }{
		{`  start = "2026-07-01T00:00:00Z"`, `Sentry needs both start and end: set end as well`},
		{`  end = "2026-07-01T00:00:00Z"`, `Sentry needs both start and end: set start as well`},
		{"  start = \"2026-07-01T00:00:00Z\"\n  end = \"2026-06-01T00:00:00Z\"", `must be after start`},
		{`  start = "July 1st"` + "\n" + `  end = "2026-07-01T00:00:00Z"`, `"July 1st" is not an RFC 3339 time`},
		{"  period = \"90d\"\n  start = \"2026-06-01T00:00:00Z\"\n  end = \"2026-07-01T00:00:00Z\"", `Set either period or start and end`},
		{`  period = "3 months"`, `The period "3 months" is not a number and a unit`},
		{`  limit = 0`, `must be at least 1`},
		{`  actor_id = "jane@acme.example"`, `"jane@acme.example" is not a numeric id`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      auditLogConfig(env, t, "owner", c.body),
			PlanOnly:    true,
			ExpectError: wrappedText(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProviders, Steps: steps})
}

// TestAccAuditLogDataSource_complianceExport runs the quarterly export
// example and checks its JSON output.
func TestAccAuditLogDataSource_complianceExport(t *testing.T) {
	env := newAccEnv(t)
	example, err := os.ReadFile("../../examples/compliance-export/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	owner := env.client(t, "owner")
	for _, slug := range []string{"payments", "identity"} {
		if _, err := owner.CreateTeam(context.Background(), env.org, sentry.CreateTeamRequest{Slug: slug}); err != nil {
			t.Fatal(err)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: env.providerConfig(t, "owner") + string(example),
			Check: func(s *terraform.State) error {
				out, ok := s.RootModule().Outputs["audit_log_json"]
				if !ok {
					return fmt.Errorf("no audit_log_json output")
				}
				var entries []struct {
					Event string         `json:"event"`
					Data  map[string]any `json:"data"`
				}
				if err := json.Unmarshal([]byte(out.Value.(string)), &entries); err != nil {
					return fmt.Errorf("audit_log_json is not a JSON array: %w", err)
				}
				var created []string
				for _, e := range entries {
					if e.Event == "team.create" {
						created = append(created, fmt.Sprint(e.Data["slug"]))
					}
				}
				if len(entries) != 4 || strings.Join(created, " ") != "identity payments" {
					return fmt.Errorf("the export holds %+v", entries)
				}
				return nil
			},
		}},
	})
}
