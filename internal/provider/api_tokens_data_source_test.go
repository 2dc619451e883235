package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
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

const (
	apiTokensAddress = "data.sentry_api_tokens.test"
	auditLogRoute    = "/organizations/{org}/audit-logs/"
)

func apiTokensConfig(env *accEnv, t *testing.T, role, body string) string {
	return env.providerConfig(t, role) + "\ndata \"sentry_api_tokens\" \"test\" {\n" + body + "\n}\n"
}

// todaysSentry switches the emulator's token endpoints to today's Sentry,
// where only a browser session reaches them.
func todaysSentry(t *testing.T, env *accEnv) {
	t.Helper()
	env.needSim(t, "tokens can be made only in Sentry's settings page, which the emulator's controls stand in for")
	env.sim.SetLegacyOrgTokens(false)
}

// stateTokens returns the data source's tokens as attribute maps, in order.
func stateTokens(s *terraform.State) ([]map[string]string, error) {
	return stateObjects(s, apiTokensAddress, "tokens")
}

// wantToken is what a test expects of a listed token.
type wantToken struct {
	id, name, createdBy string
	created             time.Time
}

// checkTokens checks that the data source lists exactly the tokens, in
// this order, each with org:ci and a creation time within a second of the
// one expected.
func checkTokens(want ...wantToken) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := stateTokens(s)
		if err != nil {
			return err
		}
		if len(got) != len(want) {
			return fmt.Errorf("listed %d tokens, want %d: %v", len(got), len(want), got)
		}
		for i, w := range want {
			g := got[i]
			if g["id"] != w.id || g["name"] != w.name || g["created_by"] != w.createdBy ||
				g["scopes.#"] != "1" || g["scopes.0"] != "org:ci" {
				return fmt.Errorf("token %d is %v, want id %s, name %q, created_by %s, scopes [org:ci]", i, g, w.id, w.name, w.createdBy)
			}
			d, err := time.Parse(time.RFC3339, g["date_created"])
			if err != nil {
				return fmt.Errorf("token %d: date_created: %w", i, err)
			}
			if diff := d.Sub(w.created); diff > time.Second || diff < -time.Second {
				return fmt.Errorf("token %d was made %s, want %s", i, d, w.created.Format(time.RFC3339))
			}
		}
		return nil
	}
}

// readAPITokens runs the data source's Read as Terraform would, with the
// configuration attributes given (the others null), and returns the tokens
// and every diagnostic, warnings included.
func readAPITokens(t *testing.T, data *providerData, limit int, attrs map[string]tftypes.Value) ([]orgTokenRecord, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	ds := mustBe[*apiTokensDataSource](t, newAPITokensDataSource())
	ds.data = data
	if limit > 0 {
		ds.limit = limit
	}
	var schemaResp datasource.SchemaResponse
	ds.Schema(ctx, datasource.SchemaRequest{}, &schemaResp)
	typ := mustBe[tftypes.Object](t, schemaResp.Schema.Type().TerraformType(ctx))
	values := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		values[name] = v
	}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, nil)}}
	ds.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, values)}}, &resp)
	if resp.Diagnostics.HasError() {
		return nil, resp.Diagnostics
	}
	var list types.List
	resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("tokens"), &list)...)
	var out []orgTokenRecord
	for _, v := range list.Elements() {
		o := mustBe[types.Object](t, v).Attributes()
		id, _ := strconv.ParseInt(mustBe[types.String](t, o["id"]).ValueString(), 10, 64)
		created, _ := time.Parse(time.RFC3339, mustBe[types.String](t, o["date_created"]).ValueString())
		out = append(out, orgTokenRecord{
			id: id, name: mustBe[types.String](t, o["name"]).ValueString(), dateCreated: created,
			createdBy: mustBe[types.String](t, o["created_by"]).ValueString(),
		})
	}
	return out, resp.Diagnostics
}

// simControl posts to one of the emulator's /_sim/ controls.
func simControl(t *testing.T, env *accEnv, path string, body any) []byte {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimSuffix(env.baseURL, "/api/") + path
	resp, err := http.Post(url, "application/json", bytes.NewReader(b)) //nolint:gosec,noctx // The test's own emulator.
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, out.String())
	}
	return out.Bytes()
}

// TestAccAPITokensDataSource makes tokens as people do in Sentry's settings
// page (the emulator's controls, in today's mode, where the API cannot
// make them), revokes one, renames one, and checks that exactly the live
// tokens are listed with their makers and dates, at one request per event.
func TestAccAPITokensDataSource(t *testing.T) {
	env := newAccEnv(t)
	todaysSentry(t, env)
	pfx := randomName()
	now := time.Now().UTC()

	env.shiftClock(t, -100*24*time.Hour)
	old, err := env.sim.CreateOrgToken(env.org, "owner@acme.example", pfx+"-old-prod")
	if err != nil {
		t.Fatal(err)
	}
	env.shiftClock(t, -10*24*time.Hour)
	deploy, err := env.sim.CreateOrgToken(env.org, "manager@acme.example", pfx+"-deploy-prod")
	if err != nil {
		t.Fatal(err)
	}
	leaked, err := env.sim.CreateOrgToken(env.org, "owner@acme.example", pfx+"-leaked-prod")
	if err != nil {
		t.Fatal(err)
	}
	env.shiftClock(t, -24*time.Hour)
	if err := env.sim.RevokeOrgToken(env.org, "manager@acme.example", leaked.ID); err != nil {
		t.Fatal(err)
	}
	env.shiftClock(t, 0)
	// Through the HTTP controls, as the standalone emulator is driven: a
	// member may make a token too.
	var byMember struct{ ID string }
	if err := json.Unmarshal(simControl(t, env, "/_sim/org-auth-tokens",
		map[string]string{"user": "member@acme.example", "name": pfx + "-member-dev"}), &byMember); err != nil {
		t.Fatal(err)
	}
	revoked, err := env.sim.CreateOrgToken(env.org, "member@acme.example", pfx+"-gone-dev")
	if err != nil {
		t.Fatal(err)
	}
	simControl(t, env, "/_sim/org-auth-tokens/revoke", map[string]string{"user": "owner@acme.example", "id": revoked.ID})
	// A rename writes no audit entry: the listed name stays the first one.
	// Only older releases let the API rename.
	env.sim.SetLegacyOrgTokens(true)
	if err := env.client(t, "owner").RenameOrgAuthToken(context.Background(), env.org, deploy.ID, pfx+"-renamed"); err != nil {
		t.Fatal(err)
	}
	env.sim.SetLegacyOrgTokens(false)
	// A token nobody is recorded as making is not in the log at all.
	env.sim.OrgCIToken(env.org)

	all := []wantToken{
		{byMember.ID, pfx + "-member-dev", "member@acme.example", now},
		{deploy.ID, pfx + "-deploy-prod", "manager@acme.example", now.Add(-10 * 24 * time.Hour)},
		{old.ID, pfx + "-old-prod", "owner@acme.example", now.Add(-100 * 24 * time.Hour)},
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: apiTokensConfig(env, t, "owner", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(apiTokensAddress, "organization", env.org),
					checkTokens(all...),
				),
			},
			{
				// One read: one filtered request per event, nothing else.
				PreConfig:    env.sim.ResetStats,
				RefreshState: true,
				Check: func(*terraform.State) error {
					st := env.sim.Stats()
					if n, total := st.Count(http.MethodGet, auditLogRoute), st.Total(); n != 2 || total != 2 {
						return fmt.Errorf("reading the tokens took %d audit log requests and %d in all, want 2 and 2", n, total)
					}
					return nil
				},
			},
			{
				Config: apiTokensConfig(env, t, "manager", fmt.Sprintf("  name_prefix = %q", pfx+"-old")),
				Check:  checkTokens(all[2]),
			},
			{
				Config: apiTokensConfig(env, t, "owner", `  name_prefix = "nothing-by-this-name"`),
				Check:  checkTokens(),
			},
			{
				// A member's token has no org:write.
				Config: apiTokensConfig(env, t, "member", ""),
				ExpectError: regexp.MustCompile(`(?s)Audit Log Needs org:write.*403 Forbidden.*` +
					wrappedText("needs a token with org:write whose user is an owner or manager").String()),
			},
		},
	})
}

// TestAccAPITokensDataSource_paging makes 130 tokens and revokes 105, more
// than a page of each event, and checks the 25 left at two requests per
// event.
func TestAccAPITokensDataSource_paging(t *testing.T) {
	env := newAccEnv(t)
	todaysSentry(t, env)
	pfx := randomName()
	live := map[string]bool{}
	var ids []string
	for i := range 130 {
		tok, err := env.sim.CreateOrgToken(env.org, "owner@acme.example", fmt.Sprintf("%s-%03d-prod", pfx, i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tok.ID)
		live[tok.ID] = true
	}
	// Every other token first, then the rest from the end, so removals and
	// creations interleave in the log's pages.
	revoke := func(id string) {
		if err := env.sim.RevokeOrgToken(env.org, "manager@acme.example", id); err != nil {
			t.Fatal(err)
		}
		delete(live, id)
	}
	for i := 0; i < len(ids); i += 2 {
		revoke(ids[i])
	}
	for i := len(ids) - 1; len(live) > 25; i -= 2 {
		revoke(ids[i])
	}
	if len(live) != 25 {
		t.Fatalf("%d tokens left live, want 25", len(live))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: apiTokensConfig(env, t, "owner", ""),
				Check: func(s *terraform.State) error {
					got, err := stateTokens(s)
					if err != nil {
						return err
					}
					seen := map[string]bool{}
					for i, tok := range got {
						if !live[tok["id"]] || seen[tok["id"]] {
							return fmt.Errorf("token %d, %v, is revoked or listed twice", i, tok)
						}
						seen[tok["id"]] = true
						if i > 0 && tok["date_created"] > got[i-1]["date_created"] {
							return fmt.Errorf("token %d is newer than token %d", i, i-1)
						}
					}
					if len(seen) != len(live) {
						return fmt.Errorf("listed %d tokens, want the %d live ones", len(seen), len(live))
					}
					return nil
				},
			},
			{
				PreConfig:    env.sim.ResetStats,
				RefreshState: true,
				Check: func(*terraform.State) error {
					// 130 creations and 105 removals: two pages each.
					if n := env.sim.Stats().Count(http.MethodGet, auditLogRoute); n != 4 {
						return fmt.Errorf("reading the tokens took %d audit log requests, want 4", n)
					}
					return nil
				},
			},
		},
	})
}

// TestAPITokensDataSource_limit reads with a limit of 50 entries per event
// a log of 70 creations and 60 removals: two requests, and only the tokens
// the entries read prove live, with a warning for each cut read.
func TestAPITokensDataSource_limit(t *testing.T) {
	env := newAccEnv(t)
	todaysSentry(t, env)
	base := -24 * time.Hour
	step := 0
	tick := func() {
		step++
		env.shiftClock(t, base+time.Duration(step)*time.Second)
	}
	var first []string
	for i := range 60 {
		tick()
		tok, err := env.sim.CreateOrgToken(env.org, "owner@acme.example", fmt.Sprintf("t%02d-prod", i))
		if err != nil {
			t.Fatal(err)
		}
		first = append(first, tok.ID)
	}
	for _, id := range first {
		tick()
		if err := env.sim.RevokeOrgToken(env.org, "owner@acme.example", id); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for i := 60; i < 70; i++ {
		tick()
		tok, err := env.sim.CreateOrgToken(env.org, "manager@acme.example", fmt.Sprintf("t%02d-prod", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{tok.ID}, want...)
	}
	env.shiftClock(t, 0)
	env.sim.ResetStats()

	// A manager's token has org:write too.
	tokens, diags := readAPITokens(t, env.providerData(t, "manager"), 50, nil)
	if diags.HasError() {
		t.Fatal(diags)
	}
	var got []string
	for _, tok := range tokens {
		got = append(got, strconv.FormatInt(tok.id, 10))
		if tok.createdBy != "manager@acme.example" {
			t.Errorf("token %d was made by %q", tok.id, tok.createdBy)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("listed %v, want the 10 tokens made after the removals, newest first: %v", got, want)
	}
	warnings := diags.Warnings()
	if len(warnings) != 2 || !strings.Contains(warnings[0].Detail(), "more than 50 org-auth-token.create entries") ||
		!strings.Contains(warnings[1].Detail(), "more than 50 org-auth-token.remove entries") {
		t.Fatalf("want a warning for each cut read, got %v", diags)
	}
	if n := env.sim.Stats().Count(http.MethodGet, auditLogRoute); n != 2 {
		t.Fatalf("the reads took %d requests, want 2", n)
	}
}

// TestAPITokensDataSource_noAuditLog is an organization whose plan has no
// audit log: the list is empty with a warning, as sentry_audit_log warns,
// and an organization that simply has no tokens gets no warning.
func TestAPITokensDataSource_noAuditLog(t *testing.T) {
	env := newAccEnv(t)
	todaysSentry(t, env)
	env.createTeams(t, randomName())

	// A log with history but no tokens.
	tokens, diags := readAPITokens(t, env.providerData(t, "owner"), 0, nil)
	if len(diags) != 0 || len(tokens) != 0 {
		t.Fatalf("an organization without tokens: got %v and %v", tokens, diags)
	}

	if _, err := env.sim.CreateOrgToken(env.org, "owner@acme.example", "hidden-prod"); err != nil {
		t.Fatal(err)
	}
	if err := env.sim.SetFeature(env.org, "audit-log", false); err != nil {
		t.Fatal(err)
	}
	env.sim.ResetStats()
	tokens, diags = readAPITokens(t, env.providerData(t, "owner"), 0, nil)
	if diags.HasError() || len(tokens) != 0 {
		t.Fatalf("want an empty list, got %v and %v", tokens, diags)
	}
	warnings := diags.Warnings()
	if len(warnings) != 1 || warnings[0].Summary() != "Empty Audit Log" ||
		!strings.Contains(warnings[0].Detail(), `organization "acme" at all`) ||
		!strings.Contains(warnings[0].Detail(), "on sentry.io the audit log needs the Business plan or above") {
		t.Fatalf("want the missing audit log warning, got %v", diags)
	}
	// Two filtered reads, one entry of the whole log, one page of members.
	st := env.sim.Stats()
	if n, total := st.Count(http.MethodGet, auditLogRoute), st.Total(); n != 3 || total != 4 {
		t.Fatalf("the read took %d audit log requests and %d in all, want 3 and 4", n, total)
	}
}

func TestLiveOrgTokens(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 7, d, 12, 0, 0, 0, time.UTC) }
	entry := func(event string, id int64, d int, data string, actor sentry.AuditActor) sentry.AuditEntry {
		return sentry.AuditEntry{Event: event, TargetObject: &id, DateCreated: day(d), Data: json.RawMessage(data), Actor: actor}
	}
	ann := sentry.AuditActor{ID: "1", Name: "Ann", Email: "ann@acme.example"}
	noEmail := sentry.AuditActor{ID: "2", Name: "Bo"}
	created := []sentry.AuditEntry{
		entry(orgTokenCreateEvent, 5, 20, `{"name": "e", "scopes": ["org:ci"]}`, ann),
		entry(orgTokenCreateEvent, 4, 15, `{"name": "d", "scopes": ["org:ci"]}`, noEmail),
		entry(orgTokenCreateEvent, 3, 10, `{"name": "c", "scopes": ["org:ci"]}`, ann),
		entry(orgTokenCreateEvent, 2, 5, `not an object`, sentry.AuditActor{}),
		entry(orgTokenCreateEvent, 1, 1, `{"name": "a", "scopes": ["org:ci"]}`, ann),
		{Event: orgTokenCreateEvent, DateCreated: day(1)}, // no target: skipped
	}
	removed := []sentry.AuditEntry{entry(orgTokenRemoveEvent, 3, 12, `{}`, ann)}

	tokens, cutoff := liveOrgTokens(created, removed, true)
	if !cutoff.IsZero() {
		t.Fatalf("a full read has no cutoff, got %s", cutoff)
	}
	var ids []int64
	for _, tok := range tokens {
		ids = append(ids, tok.id)
	}
	if !slices.Equal(ids, []int64{5, 4, 2, 1}) {
		t.Fatalf("live tokens %v, want 5, 4, 2, 1", ids)
	}
	if tokens[0].createdBy != "ann@acme.example" || tokens[1].createdBy != "Bo" || tokens[2].createdBy != "" ||
		tokens[2].name != "" || tokens[0].name != "e" || !slices.Equal(tokens[0].scopes, []string{"org:ci"}) {
		t.Fatalf("tokens %+v", tokens)
	}

	// Removals read only down to day 12: tokens made before may have been
	// removed unseen.
	tokens, cutoff = liveOrgTokens(created, removed, false)
	if !cutoff.Equal(day(12)) || len(tokens) != 2 || tokens[0].id != 5 || tokens[1].id != 4 {
		t.Fatalf("cut read: %+v, cutoff %s", tokens, cutoff)
	}

	list, diags := orgTokenList(tokens)
	if diags.HasError() || len(list.Elements()) != 2 {
		t.Fatalf("orgTokenList: %v %v", list, diags)
	}
	first := mustBe[types.Object](t, list.Elements()[0]).Attributes()
	want := map[string]attr.Value{
		"id": types.StringValue("5"), "name": types.StringValue("e"), "date_created": types.StringValue("2026-07-20T12:00:00Z"),
		"created_by": types.StringValue("ann@acme.example"),
	}
	for k, v := range want {
		if !first[k].Equal(v) {
			t.Errorf("%s = %v, want %v", k, first[k], v)
		}
	}
}

// TestAccTokenGovernanceExample runs examples/token-governance against
// seeded tokens: an old one and a badly named one make their check blocks
// fail, which Terraform reports as warnings; compliant tokens pass.
func TestAccTokenGovernanceExample(t *testing.T) {
	example, err := os.ReadFile("../../examples/token-governance/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	pfx := randomName()
	seed := func(t *testing.T, env *accEnv, tokens string) {
		t.Helper()
		if err := env.sim.LoadSeed(env.org, strings.NewReader(`{"org_tokens": [`+tokens+`]}`)); err != nil {
			t.Fatal(err)
		}
	}
	const failed = "Check block assertion failed"

	t.Run("violations", func(t *testing.T) {
		env := newAccEnv(t)
		todaysSentry(t, env)
		seed(t, env, fmt.Sprintf(`
			{"name": %q, "created_by": "owner@acme.example"},
			{"name": %q, "created_by": "manager@acme.example", "date_created": %q},
			{"name": %q, "created_by": "owner@acme.example", "date_created": %q}`,
			pfx+"-deploy-prod",
			pfx+"-legacy-prod", time.Now().UTC().Add(-91*24*time.Hour).Format(time.RFC3339),
			"Jenkins_"+pfx, time.Now().UTC().Add(-2*24*time.Hour).Format(time.RFC3339)))
		tf := newTFRunner(t, env.providerConfig(t, "owner")+string(example))
		_, out, err := tf.plan()
		if err != nil {
			t.Fatalf("terraform plan: %v\n%s", err, out)
		}
		if n := strings.Count(out, failed); n != 2 {
			t.Fatalf("want 2 failed checks, got %d:\n%s", n, out)
		}
		rotation := regexp.MustCompile(`(?s)check "token_rotation".*?older than\s+90\s+days:\s+` + regexp.QuoteMeta(pfx+"-legacy-prod") +
			`\s+\(id\s+\d+,\s+made\s+\S+\s+by\s+manager@acme.example\)\.`)
		naming := regexp.MustCompile(`(?s)check "token_naming".*?break\s+the\s+rule.*?:\s+Jenkins_` + regexp.QuoteMeta(pfx) +
			`\s+\(id\s+\d+,\s+made\s+\S+\s+by\s+owner@acme.example\)\.`)
		if !rotation.MatchString(out) || !naming.MatchString(out) {
			t.Fatalf("the failed checks should name the old and the badly named token:\n%s", out)
		}
		for _, warning := range strings.Split(out, failed)[1:] {
			if strings.Contains(warning, pfx+"-deploy-prod") {
				t.Fatalf("the compliant token is named in a failed check:\n%s", out)
			}
		}
	})

	t.Run("compliant", func(t *testing.T) {
		env := newAccEnv(t)
		todaysSentry(t, env)
		seed(t, env, fmt.Sprintf(`
			{"name": %q, "created_by": "owner@acme.example"},
			{"name": %q, "created_by": "manager@acme.example", "date_created": %q}`,
			pfx+"-deploy-prod", pfx+"-nightly-dev", time.Now().UTC().Add(-89*24*time.Hour).Format(time.RFC3339)))
		tf := newTFRunner(t, env.providerConfig(t, "owner")+string(example))
		_, out, err := tf.plan()
		if err != nil {
			t.Fatalf("terraform plan: %v\n%s", err, out)
		}
		if strings.Contains(out, failed) || strings.Contains(out, "Warning") {
			t.Fatalf("compliant tokens should pass every check:\n%s", out)
		}
		if !strings.Contains(out, pfx+"-nightly-dev") || !strings.Contains(out, pfx+"-deploy-prod") {
			t.Fatalf("the tokens output should list both tokens:\n%s", out)
		}
	})
}
