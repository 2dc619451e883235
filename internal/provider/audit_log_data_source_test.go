package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

const auditLogAddress = "data.sentry_audit_log.test"

func auditLogConfig(env *accEnv, t *testing.T, role, body string) string {
	return env.providerConfig(t, role) + "\ndata \"sentry_audit_log\" \"test\" {\n" + body + "\n}\n"
}

// auditEntries returns the data source's entries as attribute maps, in order.
func auditEntries(s *terraform.State) ([]map[string]string, error) {
	return stateObjects(s, auditLogAddress, "entries")
}

// findEntry returns the first entry, newest first, matching the event and
// holding the text in its data.
func findEntry(entries []map[string]string, event, dataText string) (map[string]string, error) {
	for _, e := range entries {
		if e["event"] == event && strings.Contains(e["data"], dataText) {
			return e, nil
		}
	}
	return nil, fmt.Errorf("no %s entry with %s in its data among %d entries", event, dataText, len(entries))
}

// readAuditLog runs the data source's Read as Terraform would after
// validation, with the configuration attributes given (the others null),
// and returns the entries and the diagnostics, warnings included, which
// terraform-plugin-testing does not show.
func readAuditLog(t *testing.T, data *providerData, attrs map[string]tftypes.Value) (types.List, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	ds, ok := newAuditLogDataSource().(*auditLogDataSource)
	if !ok {
		t.Fatalf("the audit log data source is a %T", newAuditLogDataSource())
	}
	ds.data = data
	var schemaResp datasource.SchemaResponse
	ds.Schema(ctx, datasource.SchemaRequest{}, &schemaResp)
	typ, ok := schemaResp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatalf("the schema's type is %T, want an object", schemaResp.Schema.Type().TerraformType(ctx))
	}
	values := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		values[name] = v
	}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, nil)}}
	ds.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, values)}}, &resp)
	entries := types.ListNull(types.ObjectType{AttrTypes: auditEntryAttrTypes})
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("entries"), &entries)...)
	}
	return entries, resp.Diagnostics
}

func (e *accEnv) providerData(t *testing.T, role string) *providerData {
	t.Helper()
	return &providerData{organization: e.org, baseURL: e.baseURL, authToken: e.token(t, role), userAgent: "terraform-provider-sentry-tests"}
}

// ownEvents checks the entries' order, newest first, and the events of the
// entries whose data mention pfx, the test's own. The emulator's
// organization holds only the test's entries, so there every entry must be
// the test's own; a live organization has a history of its own and
// parallel tests writing to it. Entries of the same second may come in any
// order, so the events are compared sorted.
func ownEvents(env *accEnv, pfx string, want ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		entries, err := auditEntries(s)
		if err != nil {
			return err
		}
		var got []string
		for i, e := range entries {
			if i > 0 && e["date_created"] > entries[i-1]["date_created"] {
				return fmt.Errorf("entry %d (%s) is newer than entry %d (%s)", i, e["date_created"], i-1, entries[i-1]["date_created"])
			}
			if strings.Contains(e["data"], pfx) {
				got = append(got, e["event"])
			}
		}
		if env.sim != nil && len(got) != len(entries) {
			return fmt.Errorf("%d of %d entries are not the test's own: %v", len(entries)-len(got), len(entries), entries)
		}
		want = slices.Clone(want)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("the test's events are %v, want %v", got, want)
		}
		return nil
	}
}

// TestAccAuditLogDataSource reads the entries of teams and an invitation
// the test makes. With the emulator it also makes a team 10 days in the
// past, moving Sentry's clock, and checks the filters and limits against
// the whole log; live, it reads a window from the test's start and checks
// its own entries only.
func TestAccAuditLogDataSource(t *testing.T) {
	env := newAccEnv(t)
	ctx := context.Background()
	owner := env.client(t, "owner")
	pfx := randomName()
	oldSlug, paymentsSlug, identitySlug := pfx+"-old", pfx+"-payments", pfx+"-identity"
	email := pfx + "-dana@example.com"
	createTeam := func(slug, name string) *sentry.Team {
		t.Helper()
		team, err := owner.CreateTeam(ctx, env.org, sentry.CreateTeamRequest{Slug: slug, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = owner.DeleteTeam(context.Background(), env.org, team.ID) })
		return team
	}
	// Sentry's clock may differ from this machine's by a little.
	start := time.Now().UTC().Add(-5 * time.Minute)
	// With the emulator, a team 10 days old, then a team, an invitation
	// and a team today. The owner creating a team also joins it: two
	// entries each. The emulator's manager invites, so that the actor
	// filter has something to leave out; live runs have only the owner.
	inviter := owner
	if env.sim != nil {
		env.shiftClock(t, -10*24*time.Hour)
		// Characters JSON encoders like to escape: the data keeps them.
		createTeam(oldSlug, pfx+" Old <Team> & Co")
		env.shiftClock(t, 0)
		inviter = env.client(t, "manager")
	}
	payments := createTeam(paymentsSlug, pfx+" Payments")
	invite, err := inviter.InviteMember(ctx, env.org, sentry.InviteMemberRequest{Email: email, OrgRole: "member"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.DeleteMember(context.Background(), env.org, invite.ID) })
	createTeam(identitySlug, pfx+" Identity")
	// The owner is the one member of the teams it made.
	teamMembers, err := owner.ListTeamMembers(ctx, env.org, paymentsSlug)
	if err != nil || len(teamMembers) != 1 || teamMembers[0].User == nil {
		t.Fatalf("finding the owner: %v, %v", teamMembers, err)
	}
	ownerEmail, inviterID := teamMembers[0].Email, teamMembers[0].User.ID
	if env.sim != nil {
		managers, err := owner.ListMembers(ctx, env.org, "email:manager@acme.example")
		if err != nil || len(managers) != 1 || managers[0].User == nil {
			t.Fatalf("finding the manager: %v, %v", managers, err)
		}
		inviterID = managers[0].User.ID
	}
	now := time.Now().UTC()
	today := []string{"team.create", "member.join-team", "member.invite", "team.create", "member.join-team"}
	// Live, every read is of the test's own time: the organization's
	// older history may be long.
	window, all := "", append([]string{"team.create", "member.join-team"}, today...)
	creates := []string{"team.create", "team.create", "team.create"}
	byInviter := []string{"member.invite"}
	if env.sim == nil {
		window = fmt.Sprintf("  start = %q\n  end   = %q\n", formatTime(start), formatTime(now.Add(time.Hour)))
		all, creates, byInviter = today, creates[1:], today
	}

	steps := []resource.TestStep{
		{
			Config: auditLogConfig(env, t, "owner", window),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(auditLogAddress, "organization", env.org),
				ownEvents(env, pfx, all...),
				func(s *terraform.State) error {
					entries, err := auditEntries(s)
					if err != nil {
						return err
					}
					inv, err := findEntry(entries, "member.invite", email)
					if err != nil {
						return err
					}
					if inv["actor_id"] != inviterID || inv["actor_name"] == "" || inv["target_object"] != invite.ID ||
						inv["note"] != "invited member "+email || inv["ip_address"] == "" {
						return fmt.Errorf("member.invite entry is %v", inv)
					}
					if inv["target_user"] != "" {
						return fmt.Errorf("an invitation concerns no user yet, target_user should be null: %v", inv)
					}
					var data map[string]any
					if err := json.Unmarshal([]byte(inv["data"]), &data); err != nil {
						return fmt.Errorf("data is not JSON: %w", err)
					}
					if data["email"] != email || data["role"] != "member" {
						return fmt.Errorf("member.invite data is %v", data)
					}
					if d, err := time.Parse(time.RFC3339, inv["date_created"]); err != nil || now.Sub(d) > time.Hour {
						return fmt.Errorf("date_created %q: %w", inv["date_created"], err)
					}

					// team.create's data is Sentry's Team.get_audit_log_data():
					// id, slug, name and status, the id exactly as sent.
					// Some releases add keys (org_role), so others may
					// come with them.
					created, err := findEntry(entries, "team.create", strconv.Quote(paymentsSlug))
					if err != nil {
						return err
					}
					if err := checkTeamCreateData(created["data"], payments.ID, pfx+" Payments", paymentsSlug); err != nil {
						return err
					}
					if created["target_object"] != payments.ID || created["target_user"] != "" {
						return fmt.Errorf("team.create should target the team %s and no user: %v", payments.ID, created)
					}
					joined, err := findEntry(entries, "member.join-team", strconv.Quote(paymentsSlug))
					if err != nil {
						return err
					}
					if joined["target_user"] != ownerEmail || joined["actor_name"] == "" {
						return fmt.Errorf("member.join-team should name the owner, %s, as target_user: %v", ownerEmail, joined)
					}
					if env.sim == nil {
						return nil
					}
					if old := entries[len(entries)-1]; !strings.Contains(old["data"], oldSlug) {
						return fmt.Errorf("the oldest entry should come last: %v", old)
					}
					if old, _ := findEntry(entries, "team.create", oldSlug); old == nil ||
						!strings.Contains(old["data"], `"name":"`+pfx+` Old <Team> & Co"`) {
						return fmt.Errorf("data should keep <, > and & as written: %v", old)
					}
					return nil
				},
			),
		},
		{
			Config: auditLogConfig(env, t, "owner", window+`  event = "team.create"`),
			Check:  ownEvents(env, pfx, creates...),
		},
		{
			// An event name Sentry does not know matches nothing.
			Config: auditLogConfig(env, t, "owner", `  event = "team.explode"`),
			Check:  resource.TestCheckResourceAttr(auditLogAddress, "entries.#", "0"),
		},
		{
			// The emulator's manager only invited; live, the owner did
			// everything.
			Config: auditLogConfig(env, t, "owner", window+fmt.Sprintf("  actor_id = %q", inviterID)),
			Check: resource.ComposeAggregateTestCheckFunc(
				func(s *terraform.State) error {
					entries, err := auditEntries(s)
					if err != nil {
						return err
					}
					for _, e := range entries {
						if e["actor_id"] != inviterID {
							return fmt.Errorf("an entry of another actor: %v", e)
						}
					}
					return nil
				},
				ownEvents(env, pfx, byInviter...),
			),
		},
	}
	if env.sim != nil {
		steps = append(steps, resource.TestStep{
			Config: auditLogConfig(env, t, "owner", `  period = "24h"`),
			Check:  ownEvents(env, pfx, today...),
		}, resource.TestStep{
			Config: auditLogConfig(env, t, "owner", fmt.Sprintf("  start = %q\n  end   = %q",
				formatTime(now.Add(-11*24*time.Hour)), formatTime(now.Add(-9*24*time.Hour)))),
			Check: ownEvents(env, pfx, "team.create", "member.join-team"),
		}, resource.TestStep{
			Config: auditLogConfig(env, t, "owner", "  event = \"team.create\"\n  period = \"30d\"\n  limit = 2"),
			Check: resource.ComposeAggregateTestCheckFunc(
				ownEvents(env, pfx, "team.create", "team.create"),
				func(s *terraform.State) error {
					entries, err := auditEntries(s)
					if err != nil {
						return err
					}
					// The newest two: identity, then payments.
					if !strings.Contains(entries[0]["data"], strconv.Quote(identitySlug)) || !strings.Contains(entries[1]["data"], strconv.Quote(paymentsSlug)) {
						return fmt.Errorf("limit should keep the newest entries: %v", entries)
					}
					return nil
				},
			),
		}, resource.TestStep{
			// The newest five: everything but the old team's entries.
			Config: auditLogConfig(env, t, "owner", `  limit = 5`),
			Check:  ownEvents(env, pfx, today...),
		}, resource.TestStep{
			// A manager's token has org:write too.
			Config: auditLogConfig(env, t, "manager", `  event = "member.invite"`),
			Check:  ownEvents(env, pfx, "member.invite"),
		}, resource.TestStep{
			// A member's token has no org:write.
			Config: auditLogConfig(env, t, "member", ""),
			ExpectError: regexp.MustCompile(`(?s)Audit Log Needs org:write.*403 Forbidden.*` +
				wrappedText("needs a token with org:write whose user is an owner or manager").String()),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProviders, Steps: steps})
}

// TestAccAuditLogDataSource_limitStopsPaging checks that a limit of 150
// reads two pages of 100 and no more, though a third page exists.
func TestAccAuditLogDataSource_limitStopsPaging(t *testing.T) {
	env := newAccEnv(t)
	if env.sim == nil {
		// Requests can be counted only by the emulator: live runs check
		// that the limit caps what is read, on entries of their own.
		env.createTeams(t, randomName(), randomName())
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProviders,
			Steps: []resource.TestStep{{
				Config: auditLogConfig(env, t, "owner", `  limit = 3`),
				Check:  resource.TestCheckResourceAttr(auditLogAddress, "entries.#", "3"),
			}},
		})
		return
	}
	owner := env.client(t, "owner")
	// Two entries a team: 220 entries, three pages.
	pfx := randomName()
	for i := range 110 {
		if _, err := owner.CreateTeam(context.Background(), env.org, sentry.CreateTeamRequest{Slug: fmt.Sprintf("%s-t%03d", pfx, i)}); err != nil {
			t.Fatal(err)
		}
	}
	const route = "/organizations/{org}/audit-logs/"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: auditLogConfig(env, t, "owner", `  limit = 150`),
				Check:  resource.TestCheckResourceAttr(auditLogAddress, "entries.#", "150"),
			},
			{
				// One read of the data source.
				PreConfig:    env.sim.ResetStats,
				RefreshState: true,
				Check: func(*terraform.State) error {
					if n := env.sim.Stats().Count(http.MethodGet, route); n != 2 {
						return fmt.Errorf("reading 150 entries took %d requests, want 2", n)
					}
					return nil
				},
			},
			{
				// Without a limit, the default of 1,000 reads every page.
				Config: auditLogConfig(env, t, "owner", ""),
				Check:  resource.TestCheckResourceAttr(auditLogAddress, "entries.#", "220"),
			},
			{
				PreConfig:    env.sim.ResetStats,
				RefreshState: true,
				Check: func(*terraform.State) error {
					if n := env.sim.Stats().Count(http.MethodGet, route); n != 3 {
						return fmt.Errorf("reading 220 entries took %d requests, want 3", n)
					}
					return nil
				},
			},
		},
	})
}

// TestAccAuditLogDataSource_noAuditLog is an organization whose plan has no
// audit log: Sentry answers with an empty list, which the data source
// passes on with a warning when nothing was filtered.
func TestAccAuditLogDataSource_noAuditLog(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "this test switches a plan feature off, which needs the emulator")
	if err := env.sim.SetFeature(env.org, "audit-log", false); err != nil {
		t.Fatal(err)
	}
	env.createTeams(t, randomName())

	entries, diags := readAuditLog(t, env.providerData(t, "owner"), nil)
	if diags.HasError() || len(entries.Elements()) != 0 {
		t.Fatalf("want an empty list, got %d entries: %v", len(entries.Elements()), diags)
	}
	warnings := diags.Warnings()
	if len(warnings) != 1 || warnings[0].Summary() != "Empty Audit Log" ||
		!strings.Contains(warnings[0].Detail(), `organization "acme"`) ||
		!strings.Contains(warnings[0].Detail(), "on sentry.io the audit log needs the Business plan or above") {
		t.Fatalf("want the missing audit log warning, got %v", diags)
	}

	// A filtered read may well be empty: no warning.
	_, diags = readAuditLog(t, env.providerData(t, "owner"), map[string]tftypes.Value{
		"event": tftypes.NewValue(tftypes.String, "team.create"),
	})
	if len(diags) != 0 {
		t.Fatalf("a filtered read should give no diagnostics, got %v", diags)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: auditLogConfig(env, t, "owner", ""),
			Check:  resource.TestCheckResourceAttr(auditLogAddress, "entries.#", "0"),
		}},
	})
}

// TestAccAuditLogDataSource_noWarningWithEntries checks that a log with
// entries reads without diagnostics.
func TestAccAuditLogDataSource_noWarningWithEntries(t *testing.T) {
	env := newAccEnv(t)
	env.createTeams(t, randomName())
	entries, diags := readAuditLog(t, env.providerData(t, "owner"), nil)
	if len(diags) != 0 || len(entries.Elements()) < 2 {
		t.Fatalf("got %d entries and %v", len(entries.Elements()), diags)
	}
}

// TestAuditLogEmptyWarningRule covers the rule for the missing audit log
// warning: an empty list, no filters, and an organization with members.
func TestAuditLogEmptyWarningRule(t *testing.T) {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	cases := []struct {
		name    string
		members string // the members list's body; empty: 403
		attrs   map[string]tftypes.Value
		// filtered reads never ask for the members list.
		filtered, wantWarning bool
	}{
		{"unfiltered, with members", `[{"id": "1", "email": "owner@acme.example"}]`, nil, false, true},
		{"limit is not a filter", `[{"id": "1"}]`, map[string]tftypes.Value{"limit": tftypes.NewValue(tftypes.Number, 10)}, false, true},
		{"no members", `[]`, nil, false, false},
		{"members unreadable", "", nil, false, false},
		{"event", `[{"id": "1"}]`, map[string]tftypes.Value{"event": str("member.edit")}, true, false},
		{"actor", `[{"id": "1"}]`, map[string]tftypes.Value{"actor_id": str("7")}, true, false},
		{"period", `[{"id": "1"}]`, map[string]tftypes.Value{"period": str("1d")}, true, false},
		{"dates", `[{"id": "1"}]`, map[string]tftypes.Value{
			"start": str("2026-07-01T00:00:00Z"), "end": str("2026-10-01T00:00:00Z"),
		}, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var membersRequests atomic.Int32
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch r.URL.Path {
				case "/api/0/organizations/acme/audit-logs/":
					_, _ = w.Write([]byte(`{"rows": [], "options": ["member.invite"]}`))
				case "/api/0/organizations/acme/members/":
					membersRequests.Add(1)
					if c.members == "" {
						w.WriteHeader(http.StatusForbidden)
						_, _ = w.Write([]byte(`{"detail": "You do not have permission to perform this action."}`))
						return
					}
					_, _ = w.Write([]byte(c.members))
				default:
					w.WriteHeader(http.StatusNotFound)
					_, _ = w.Write([]byte(`{"detail": "The requested resource does not exist"}`))
				}
			}))
			defer server.Close()
			data := &providerData{organization: "acme", baseURL: server.URL + "/api/", authToken: "sntryu_test", userAgent: "test"}
			entries, diags := readAuditLog(t, data, c.attrs)
			if diags.HasError() || len(entries.Elements()) != 0 {
				t.Fatalf("want an empty list without errors, got %v", diags)
			}
			if got := len(diags.Warnings()) == 1; got != c.wantWarning || len(diags) > 1 {
				t.Fatalf("warning: got %v, want %v", diags, c.wantWarning)
			}
			if n := membersRequests.Load(); c.filtered && n != 0 {
				t.Fatalf("a filtered read asked for the members list")
			} else if !c.filtered && n != 1 {
				t.Fatalf("an empty unfiltered read made %d members requests, want 1", n)
			}
		})
	}
}

// TestAuditLogForbidden checks that only a plain 403 is reported as the
// missing org:write; a 403 asking for SSO or 2FA keeps Sentry's reason.
func TestAuditLogForbidden(t *testing.T) {
	cases := []struct{ body, summary, detail string }{
		{`{"detail": "You do not have permission to perform this action."}`, "Audit Log Needs org:write",
			"Sentry's audit log needs a token with org:write whose user is an owner or manager"},
		{`{"detail": {"code": "sso-required", "message": "Must login via SSO"}}`, "Unable to Read Audit Log",
			"Must login via SSO"},
	}
	for _, c := range cases {
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(c.body))
		}))
		data := &providerData{organization: "acme", baseURL: server.URL + "/api/", authToken: "sntryu_test", userAgent: "test"}
		_, diags := readAuditLog(t, data, nil)
		server.Close()
		errs := diags.Errors()
		if len(errs) != 1 || errs[0].Summary() != c.summary || !strings.Contains(errs[0].Detail(), c.detail) ||
			!strings.Contains(errs[0].Detail(), `read the audit log of organization "acme"`) {
			t.Errorf("403 %s: got %v", c.body, diags)
		}
	}
}

func TestAccAuditLogDataSource_validation(t *testing.T) {
	env := newAccEnv(t)
	cases := []struct{ body, want string }{
		{`  start = "2026-07-01T00:00:00Z"`, `start is set but end is not: Sentry needs both start and end. Set end as well`},
		{`  end = "2026-07-01T00:00:00Z"`, `end is set but start is not: Sentry needs both start and end. Set start as well`},
		{"  start = \"2026-07-01T00:00:00Z\"\n  end = \"2026-06-01T00:00:00Z\"", `end (2026-06-01T00:00:00Z) is not after start (2026-07-01T00:00:00Z)`},
		{"  start = \"2026-07-01T00:00:00Z\"\n  end = \"2026-07-01T00:00:00Z\"", `Sentry refuses an empty or reversed range`},
		{"  start = \"July 1st\"\n  end = \"2026-07-01T00:00:00Z\"", `start "July 1st" is not an RFC 3339 time: write a date, a time and a time zone`},
		{"  start = \"2026-06-01T00:00:00Z\"\n  end = \"2026-07-01\"", `end "2026-07-01" is not an RFC 3339 time`},
		{"  period = \"90d\"\n  start = \"2026-06-01T00:00:00Z\"\n  end = \"2026-07-01T00:00:00Z\"", `period cannot be combined with start and end`},
		{`  period = "3 months"`, `period "3 months" is not in Sentry's period syntax: write a number and a unit`},
		{`  period = "90"`, `period "90" is not in Sentry's period syntax`},
		{`  period = "0d"`, `period "0d" is empty`},
		{`  limit = 0`, `limit is 0; it is the most entries to read and must be at least 1`},
		{`  actor_id = "jane@acme.example"`, `actor_id "jane@acme.example" is not a numeric id`},
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
	// Every case fails at validation, before a request to Sentry.
	if env.sim != nil {
		if n := env.sim.Stats().Total(); n != 0 {
			t.Fatalf("the invalid configurations made %d requests to Sentry", n)
		}
	}
}

// TestAccAuditLogDataSource_complianceExport runs the quarterly export
// example and checks its JSON output.
func TestAccAuditLogDataSource_complianceExport(t *testing.T) {
	env := newAccEnv(t)
	example, err := os.ReadFile("../../examples/compliance-export/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	owner := env.client(t, "owner")
	pfx := randomName()
	payments, identity := pfx+"-payments", pfx+"-identity"
	env.createTeams(t, payments, identity)
	email := pfx + "-auditor@acme.example"
	invite, err := owner.InviteMember(ctx, env.org, sentry.InviteMemberRequest{Email: email, OrgRole: "member"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.DeleteMember(ctx, env.org, invite.ID) })
	// A live organization's log grows while parallel tests run, which the
	// empty plan after apply would see: there the test runs on its own.
	run := resource.ParallelTest
	if env.sim == nil {
		run = resource.Test
	}
	run(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: env.providerConfig(t, "owner") + string(example),
			Check: func(s *terraform.State) error {
				out, ok := s.RootModule().Outputs["audit_log_json"]
				if !ok {
					return fmt.Errorf("no audit_log_json output")
				}
				raw, ok := out.Value.(string)
				if !ok {
					return fmt.Errorf("audit_log_json is a %T, want a string", out.Value)
				}
				var entries []struct {
					ID           string         `json:"id"`
					Event        string         `json:"event"`
					ActorName    string         `json:"actor_name"`
					TargetObject *string        `json:"target_object"`
					Data         map[string]any `json:"data"`
					DateCreated  string         `json:"date_created"`
				}
				if err := json.Unmarshal([]byte(raw), &entries); err != nil {
					return fmt.Errorf("audit_log_json is not a JSON array of entries: %w", err)
				}
				var events, created []string
				invited := false
				for _, e := range entries {
					events = append(events, e.Event)
					if e.ID == "" || e.ActorName == "" || e.DateCreated == "" {
						return fmt.Errorf("entry without id, actor or date: %+v", e)
					}
					switch e.Event {
					case "team.create":
						// Only this test's teams count: a live organization
						// has a history of its own.
						if slug := fmt.Sprint(e.Data["slug"]); strings.HasPrefix(slug, pfx) {
							created = append(created, slug)
						}
					case "member.invite":
						if e.Data["email"] == email {
							invited = e.TargetObject != nil && *e.TargetObject == invite.ID
						}
					}
				}
				slices.Sort(events)
				slices.Sort(created)
				if !invited || !slices.Equal(created, []string{identity, payments}) {
					return fmt.Errorf("the export holds %+v", entries)
				}
				if env.sim != nil {
					// The emulator's organization holds only this test's entries.
					want := []string{"member.invite", "member.join-team", "member.join-team", "team.create", "team.create"}
					if !slices.Equal(events, want) {
						return fmt.Errorf("the export holds %+v", entries)
					}
				}
				summary, ok := s.RootModule().Outputs["audit_log_summary"]
				if !ok {
					return fmt.Errorf("no audit_log_summary output")
				}
				counts, ok := summary.Value.(map[string]any)
				if !ok || fmt.Sprint(counts["team.create"]) != fmt.Sprint(countOf(events, "team.create")) {
					return fmt.Errorf("audit_log_summary is %#v", summary.Value)
				}
				return nil
			},
		}},
	})
}

func TestCheckTeamCreateData(t *testing.T) {
	const id = "4505000000000000123"
	cases := []struct {
		data string
		ok   bool
	}{
		{`{"id":4505000000000000123,"name":"Pay","slug":"pay","status":0}`, true},
		// Releases that record the team's org role too.
		{`{"id":4505000000000000123,"name":"Pay","org_role":null,"slug":"pay","status":0}`, true},
		{`{"id":4505000000000000000,"name":"Pay","slug":"pay","status":0}`, false},
		{`{"id":"4505000000000000123","name":"Pay","slug":"pay","status":0}`, false},
		{`{"id":4505000000000000123,"name":"Pay","slug":"pay","status":1}`, false},
		{`{"id":4505000000000000123,"name":"Pay","slug":"pay"}`, false},
		{`{"id":4505000000000000123,"name":"Other","slug":"pay","status":0}`, false},
		{`not json`, false},
	}
	for _, c := range cases {
		if err := checkTeamCreateData(c.data, id, "Pay", "pay"); (err == nil) != c.ok {
			t.Errorf("%s: got %v, want ok %v", c.data, err, c.ok)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"slug": "b", "id": 4505000000000000123, "nested": {"z": 1, "a": [3, {"y": null, "x": 1.50}]}}`,
			`{"id":4505000000000000123,"nested":{"a":[3,{"x":1.50,"y":null}],"z":1},"slug":"b"}`},
		{`{"note": "<b> & </b>", "url": "https://x.example/?a=1&b=2"}`, `{"note":"<b> & </b>","url":"https://x.example/?a=1&b=2"}`},
		{``, `{}`},
		{`null`, `{}`},
		{`not json`, `{}`},
		{`{}`, `{}`},
	}
	for _, c := range cases {
		if got := canonicalJSON(json.RawMessage(c.in)); got != c.want {
			t.Errorf("canonicalJSON(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestAuditEntryValues(t *testing.T) {
	target := int64(4505000000000000042)
	cases := []struct {
		name  string
		entry string
		want  map[string]string // attribute -> value; "<null>" for null
	}{
		{
			name: "user actor, target user with email",
			entry: `{"id": "1", "event": "member.edit", "actor": {"id": "7", "name": "Ada", "email": "ada@acme.example"},
				"ipAddress": "10.0.0.1", "note": "edited member", "targetObject": 4505000000000000042,
				"targetUser": {"id": "9", "name": "Bo", "email": "bo@acme.example"}, "data": {"role": "admin"},
				"dateCreated": "2026-07-01T12:00:00.123456Z"}`,
			want: map[string]string{"actor_id": "7", "actor_name": "Ada", "target_user": "bo@acme.example",
				"target_object": strconv.FormatInt(target, 10), "date_created": "2026-07-01T12:00:00Z", "data": `{"role":"admin"}`},
		},
		{
			name: "token actor, deleted target user",
			entry: `{"id": "2", "event": "member.remove", "actor": {"name": "CI token"}, "ipAddress": "10.0.0.2",
				"note": "removed member", "targetObject": null, "targetUser": 9, "data": {}, "dateCreated": "2026-07-01T12:00:00Z"}`,
			want: map[string]string{"actor_id": "<null>", "actor_name": "CI token", "target_user": "9", "target_object": "<null>"},
		},
		{
			name: "no target user",
			entry: `{"id": "3", "event": "team.create", "actor": {"name": null}, "ipAddress": "", "note": "created team a",
				"targetObject": 1, "targetUser": null, "data": null, "dateCreated": "2026-07-01T12:00:00Z"}`,
			want: map[string]string{"actor_id": "<null>", "actor_name": "<null>", "target_user": "<null>", "ip_address": "<null>", "data": "{}"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e sentry.AuditEntry
			if err := json.Unmarshal([]byte(c.entry), &e); err != nil {
				t.Fatal(err)
			}
			got := auditEntryValues(e)
			for attrName, want := range c.want {
				v, ok := got[attrName].(types.String)
				if !ok {
					t.Fatalf("%s is a %T, want a string", attrName, got[attrName])
				}
				s := v.ValueString()
				if v.IsNull() {
					s = "<null>"
				}
				if s != want {
					t.Errorf("%s = %q, want %q", attrName, s, want)
				}
			}
		})
	}
}

// checkTeamCreateData checks a team.create entry's data: the team's id,
// as its exact number, name, slug and active status. Other keys may come
// with them.
func checkTeamCreateData(raw, id, name, slug string) error {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil {
		return fmt.Errorf("team.create data %s is not a JSON object: %w", raw, err)
	}
	if n, ok := data["id"].(json.Number); !ok || n.String() != id {
		return fmt.Errorf("team.create data %s: id should be the number %s", raw, id)
	}
	if data["name"] != name || data["slug"] != slug || data["status"] != json.Number("0") {
		return fmt.Errorf("team.create data %s: want name %q, slug %q and status 0", raw, name, slug)
	}
	return nil
}

// countOf is how many times v occurs in list.
func countOf(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}
