package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// The drift tests call the resources' Create and Read directly against an
// in-process emulator: Terraform's CLI shows warnings, but the testing
// framework cannot assert them. Out-of-band changes are made with other
// users' tokens (the manager's, the SCIM integration's), at a time the
// emulator's clock is set to, so warnings can be compared whole.

// auditRoute is the audit log's route pattern in the emulator's counters.
const auditRoute = "/organizations/{org}/audit-logs/"

// driftEnv is an emulator with a settable clock and clients acting as its
// seeded users.
type driftEnv struct {
	t       *testing.T
	sim     *sentrysim.Server
	org     string
	baseURL string
	clock   atomic.Int64
	owner   *sentry.Client
	manager *sentry.Client
	scim    *sentry.Client
}

func newDriftEnv(t *testing.T) *driftEnv {
	t.Helper()
	e := &driftEnv{t: t}
	e.setClock("2026-12-01T13:00:00Z")
	e.sim = sentrysim.New(sentrysim.Options{Organization: "acme", Now: func() time.Time { return time.Unix(0, e.clock.Load()).UTC() }})
	server := httptest.NewServer(e.sim)
	t.Cleanup(server.Close)
	e.org, e.baseURL = e.sim.Organization(), server.URL+"/api/"
	e.owner = e.client(e.sim.Tokens().Owner)
	e.manager = e.client(e.sim.Tokens().Manager)
	e.scim = e.client(e.sim.SCIMToken(e.org))
	return e
}

func (e *driftEnv) client(token string) *sentry.Client {
	e.t.Helper()
	c, err := sentry.NewClient(sentry.Config{BaseURL: e.baseURL, Token: token, UserAgent: "drift-tests"})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// setClock sets the emulator's clock to an RFC 3339 time.
func (e *driftEnv) setClock(at string) {
	e.t.Helper()
	ts, err := time.Parse(time.RFC3339, at)
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Store(ts.UnixNano())
}

// run is one provider run acting with the given user token.
func (e *driftEnv) run(token string, explain bool) *providerData {
	return &providerData{organization: e.org, baseURL: e.baseURL, authToken: token,
		scimToken: e.sim.SCIMToken(e.org), userAgent: "drift-tests", explainDrift: explain}
}

// auditReads is how many audit log requests the emulator has served.
func (e *driftEnv) auditReads() int64 { return e.sim.Stats().Count("GET", auditRoute) }

// configured returns r configured for the run.
func configured[R resource.ResourceWithConfigure](t *testing.T, r R, data *providerData) R {
	t.Helper()
	var resp resource.ConfigureResponse
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: data}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return r
}

// createState calls r's Create for a plan of the given values and returns
// the new state.
func createState(t *testing.T, r resource.Resource, values map[string]tftypes.Value) tfsdk.State {
	t.Helper()
	plan := planFor(t, r, values)
	resp := resource.CreateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	r.Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("create: %v", resp.Diagnostics)
	}
	return resp.State
}

// readState calls r's Read on the prior state.
func readState(r resource.Resource, prior tfsdk.State) resource.ReadResponse {
	resp := resource.ReadResponse{State: tfsdk.State{Schema: prior.Schema, Raw: prior.Raw.Copy()}}
	r.Read(context.Background(), resource.ReadRequest{State: prior}, &resp)
	return resp
}

// driftWarnings are the drift warnings among diagnostics, as "summary:
// detail".
func driftWarnings(diags diag.Diagnostics) []string {
	var out []string
	for _, d := range diags.Warnings() {
		if strings.Contains(d.Summary(), "outside Terraform") {
			out = append(out, d.Summary()+": "+d.Detail())
		}
	}
	return out
}

// notAttributed are the run's "Drift Not Attributed" warnings.
func notAttributed(diags diag.Diagnostics) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, d := range diags.Warnings() {
		if d.Summary() == "Drift Not Attributed" {
			out = append(out, d)
		}
	}
	return out
}

// wantDrift fails unless the response has exactly one drift warning and it
// holds every line.
func wantDrift(t *testing.T, resp resource.ReadResponse, lines ...string) {
	t.Helper()
	if resp.Diagnostics.HasError() {
		t.Fatalf("read: %v", resp.Diagnostics)
	}
	warnings := driftWarnings(resp.Diagnostics)
	if len(warnings) != 1 {
		t.Fatalf("want one drift warning, got %d: %v", len(warnings), resp.Diagnostics)
	}
	for _, l := range lines {
		if !strings.Contains(warnings[0], l) {
			t.Errorf("drift warning lacks %q:\n%s", l, warnings[0])
		}
	}
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func TestDriftTeamRenamedThenRemoved(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	pfx := randomName()
	slug, name, renamed := pfx+"-drift-a", pfx+" Drift A", pfx+" Renamed By Hand"
	r := configured(t, &teamResource{}, e.run(e.sim.Tokens().Owner, true))
	prior := createState(t, r, map[string]tftypes.Value{"slug": str(slug), "name": str(name)})
	var created teamModel
	prior.Get(ctx, &created)
	id := created.ID.ValueString()

	e.setClock("2026-12-01T13:20:11Z")
	if _, err := e.manager.UpdateTeam(ctx, e.org, id, sentry.UpdateTeamRequest{Name: ptr(renamed)}); err != nil {
		t.Fatal(err)
	}
	resp := readState(r, prior)
	wantDrift(t, resp, fmt.Sprintf(`sentry_team "%s" (id %s): name changed outside Terraform from "%s" to `+
		`"%s" by manager@acme.example (team.edit) at 2026-12-01T13:20:11Z from 127.0.0.1`, slug, id, name, renamed))

	// A new run, as the next plan is.
	r = configured(t, &teamResource{}, e.run(e.sim.Tokens().Owner, true))
	e.setClock("2026-12-01T14:05:00Z")
	if err := e.manager.DeleteTeam(ctx, e.org, id); err != nil {
		t.Fatal(err)
	}
	resp = readState(r, resp.State)
	wantDrift(t, resp, fmt.Sprintf(`sentry_team "%s" (id %s): removed outside Terraform by manager@acme.example `+
		`(team.remove) at 2026-12-01T14:05:00Z from 127.0.0.1`, slug, id))
	if !resp.State.Raw.IsNull() {
		t.Error("a removed team stays in state")
	}
}

func ptr[T any](v T) *T { return &v }

func TestDriftMemberRoleTeamsAndRemoval(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	pfx := randomName()
	web, api, email := pfx+"-web", pfx+"-api", pfx+"-dana@acme.example"
	for _, slug := range []string{web, api} {
		if _, err := e.owner.CreateTeam(ctx, e.org, sentry.CreateTeamRequest{Slug: slug, Name: slug}); err != nil {
			t.Fatal(err)
		}
	}
	r := configured(t, &memberResource{}, e.run(e.sim.Tokens().Owner, true))
	teamType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"team": tftypes.String, "role": tftypes.String}}
	teams := tftypes.NewValue(tftypes.Set{ElementType: teamType}, []tftypes.Value{
		tftypes.NewValue(teamType, map[string]tftypes.Value{"team": str(web), "role": tftypes.NewValue(tftypes.String, nil)}),
	})
	prior := createState(t, r, map[string]tftypes.Value{"email": str(email), "role": str("member"), "teams": teams})
	var created memberModel
	prior.Get(ctx, &created)
	id := created.ID.ValueString()

	e.setClock("2026-12-01T13:30:00Z")
	if _, err := e.manager.UpdateMember(ctx, e.org, id, sentry.UpdateMemberRequest{
		OrgRole:   ptr("manager"),
		TeamRoles: &[]sentry.MemberTeamRole{{TeamSlug: api}},
	}); err != nil {
		t.Fatal(err)
	}
	resp := readState(r, prior)
	wantDrift(t, resp,
		fmt.Sprintf(`sentry_member "%s" (id %s): role changed outside Terraform from "member" to "manager" `+
			`by manager@acme.example (member.edit) at 2026-12-01T13:30:00Z from 127.0.0.1`, email, id),
		`added to team "`+api+`" outside Terraform by manager@acme.example (member.join-team) at 2026-12-01T13:30:00Z`,
		`removed from team "`+web+`" outside Terraform by manager@acme.example (member.leave-team) at 2026-12-01T13:30:00Z`)

	r = configured(t, &memberResource{}, e.run(e.sim.Tokens().Owner, true))
	e.setClock("2026-12-01T13:45:00Z")
	if err := e.manager.DeleteMember(ctx, e.org, id); err != nil {
		t.Fatal(err)
	}
	resp = readState(r, resp.State)
	wantDrift(t, resp,
		fmt.Sprintf(`sentry_member "%s" (id %s): removed outside Terraform by manager@acme.example `+
			`(member.remove) at 2026-12-01T13:45:00Z from 127.0.0.1`, email, id),
		"Terraform will invite them again")
	if len(resp.Diagnostics.Warnings()) != 1 {
		t.Errorf("a removed member gets one warning, got %v", resp.Diagnostics)
	}
}

func TestDriftTeamProjectUnlinked(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	pfx := randomName()
	owners, contractors, project := pfx+"-owners", pfx+"-contractors", pfx+"-checkout"
	if _, err := e.owner.CreateTeam(ctx, e.org, sentry.CreateTeamRequest{Slug: owners, Name: pfx + " Owners"}); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.AddProject(e.org, owners, project); err != nil {
		t.Fatal(err)
	}
	if _, err := e.owner.CreateTeam(ctx, e.org, sentry.CreateTeamRequest{Slug: contractors, Name: pfx + " Contractors"}); err != nil {
		t.Fatal(err)
	}
	r := configured(t, &teamProjectResource{}, e.run(e.sim.Tokens().Owner, true))
	prior := createState(t, r, map[string]tftypes.Value{"project": str(project), "team": str(contractors)})

	e.setClock("2026-12-01T15:00:00Z")
	if _, err := e.manager.RemoveProjectTeam(ctx, e.org, project, contractors); err != nil {
		t.Fatal(err)
	}
	resp := readState(r, prior)
	wantDrift(t, resp, `sentry_team_project "`+project+`/`+contractors+`": removed outside Terraform by manager@acme.example `+
		`(project-team.remove) at 2026-12-01T15:00:00Z from 127.0.0.1`)
}

func TestDriftAPITokenRenamedThenRevoked(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	e.sim.SetLegacyOrgTokens(true)
	r := configured(t, &apiTokenResource{now: time.Now}, e.run(e.sim.Tokens().Owner, true))
	pfx := randomName()
	name, renamed := pfx+"-ci-prod", pfx+"-ci-renamed"
	created := createToken(t, r, name)
	if created.Diagnostics.HasError() {
		t.Fatal(created.Diagnostics)
	}
	var token apiTokenModel
	created.State.Get(ctx, &token)
	id := token.ID.ValueString()

	if err := e.manager.RenameOrgAuthToken(ctx, e.org, id, renamed); err != nil {
		t.Fatal(err)
	}
	before := e.auditReads()
	resp := readState(r, created.State)
	wantDrift(t, resp, fmt.Sprintf(`sentry_api_token "%s" (id %s): name changed outside Terraform from "%s" to `+
		`"%s" (Sentry's audit log records no entry for renaming an organization auth token)`, name, id, name, renamed))
	if n := e.auditReads() - before; n != 0 {
		t.Errorf("a change Sentry does not log cost %d audit log requests", n)
	}

	e.setClock("2026-12-01T16:10:00Z")
	if err := e.manager.DeleteOrgAuthToken(ctx, e.org, id); err != nil {
		t.Fatal(err)
	}
	resp = readState(r, resp.State)
	wantDrift(t, resp, fmt.Sprintf(`sentry_api_token "%s" (id %s): removed outside Terraform by `+
		`manager@acme.example (org-auth-token.remove) at 2026-12-01T16:10:00Z from 127.0.0.1`, renamed, id))
}

func TestDriftSCIMGroupChangedByIdentityProvider(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	pfx := randomName()
	name, renamed := pfx+" Payments", pfx+" Payments Team"
	var memberIDs []string
	for _, email := range []string{pfx + "-ann@acme.example", pfx + "-bob@acme.example"} {
		u, err := e.scim.CreateSCIMUser(ctx, e.org, email, "member")
		if err != nil {
			t.Fatal(err)
		}
		memberIDs = append(memberIDs, u.ID)
	}
	r := configured(t, &scimGroupResource{}, e.run(e.sim.Tokens().Owner, true))
	members := tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{str(memberIDs[0])})
	prior := createState(t, r, map[string]tftypes.Value{"display_name": str(name), "members": members})
	var created scimGroupModel
	prior.Get(ctx, &created)
	id := created.ID.ValueString()

	e.setClock("2026-12-01T17:00:00Z")
	ops := append([]sentry.SCIMPatchOp{sentry.SCIMRenameOp(renamed)},
		sentry.SCIMGroupMembershipOps([]string{memberIDs[0]}, []string{memberIDs[1]})...)
	if err := e.scim.PatchSCIMGroup(ctx, e.org, id, ops); err != nil {
		t.Fatal(err)
	}
	resp := readState(r, prior)
	actor := `by SCIM Internal Integration \([0-9a-f]+\)`
	lines := []string{
		fmt.Sprintf(`sentry_scim_group "%s" \(id %s\): display_name changed outside Terraform from "%s" to "%s" %s \(team.edit\) at 2026-12-01T17:00:00Z from 127.0.0.1`,
			regexp.QuoteMeta(name), id, regexp.QuoteMeta(name), regexp.QuoteMeta(renamed), actor),
		fmt.Sprintf(`member %s added outside Terraform %s \(member.join-team\) at 2026-12-01T17:00:00Z`, memberIDs[1], actor),
		fmt.Sprintf(`member %s removed outside Terraform %s \(member.leave-team\) at 2026-12-01T17:00:00Z`, memberIDs[0], actor),
	}
	warnings := driftWarnings(resp.Diagnostics)
	if len(warnings) != 1 {
		t.Fatalf("want one drift warning, got %v", resp.Diagnostics)
	}
	for _, l := range lines {
		if !regexp.MustCompile(l).MatchString(warnings[0]) {
			t.Errorf("drift warning does not match %s:\n%s", l, warnings[0])
		}
	}

	r = configured(t, &scimGroupResource{}, e.run(e.sim.Tokens().Owner, true))
	e.setClock("2026-12-01T17:30:00Z")
	if err := e.scim.DeleteSCIMGroup(ctx, e.org, id); err != nil {
		t.Fatal(err)
	}
	resp = readState(r, resp.State)
	warnings = driftWarnings(resp.Diagnostics)
	want := regexp.MustCompile(fmt.Sprintf(`sentry_scim_group "%s" \(id %s\): removed outside Terraform %s \(team.remove\) at 2026-12-01T17:30:00Z`,
		regexp.QuoteMeta(renamed), id, actor))
	if len(warnings) != 1 || !want.MatchString(warnings[0]) {
		t.Fatalf("want %s, got %v", want, resp.Diagnostics)
	}
}

// TestDriftNoneCostsNothing refreshes objects nobody changed: no warning,
// and no audit log request.
func TestDriftNoneCostsNothing(t *testing.T) {
	e := newDriftEnv(t)
	e.sim.SetLegacyOrgTokens(true)
	data := e.run(e.sim.Tokens().Owner, true)
	team := configured(t, &teamResource{}, data)
	member := configured(t, &memberResource{}, data)
	token := configured(t, &apiTokenResource{now: time.Now}, data)
	pfx := randomName()
	states := map[resource.Resource]tfsdk.State{
		team:   createState(t, team, map[string]tftypes.Value{"slug": str(pfx + "-quiet"), "name": str(pfx + " Quiet")}),
		member: createState(t, member, map[string]tftypes.Value{"email": str(pfx + "-quiet@acme.example"), "role": str("member")}),
	}
	created := createToken(t, token, pfx+"-quiet-ci")
	states[token] = created.State
	e.sim.ResetStats()
	for r, s := range states {
		resp := readState(r, s)
		if resp.Diagnostics.HasError() || len(resp.Diagnostics.Warnings()) > 0 {
			t.Errorf("refresh without drift: %v", resp.Diagnostics)
		}
	}
	if n := e.auditReads(); n != 0 {
		t.Errorf("a refresh without drift made %d audit log requests", n)
	}
}

// TestDriftManyObjectsShareOneRead renames 20 teams and removes 20 more,
// then refreshes all 40 at once in one run: two audit log requests, one
// per event, and every warning attributed.
func TestDriftManyObjectsShareOneRead(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	data := e.run(e.sim.Tokens().Owner, true)
	r := configured(t, &teamResource{}, data)
	pfx := randomName()
	var states []tfsdk.State
	for i := range 40 {
		states = append(states, createState(t, r, map[string]tftypes.Value{
			"slug": str(fmt.Sprintf("%s-many-%02d", pfx, i)), "name": str(fmt.Sprintf("%s Many %02d", pfx, i)),
		}))
	}
	e.setClock("2026-12-01T18:00:00Z")
	for i, s := range states {
		var m teamModel
		s.Get(ctx, &m)
		var err error
		if i < 20 {
			_, err = e.manager.UpdateTeam(ctx, e.org, m.ID.ValueString(), sentry.UpdateTeamRequest{Name: ptr(fmt.Sprintf("%s Renamed %02d", pfx, i))})
		} else {
			err = e.manager.DeleteTeam(ctx, e.org, m.ID.ValueString())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	e.sim.ResetStats()
	resps := make([]resource.ReadResponse, len(states))
	var wg sync.WaitGroup
	for i, s := range states {
		wg.Go(func() { resps[i] = readState(r, s) })
	}
	wg.Wait()
	for i, resp := range resps {
		event := "team.edit"
		if i >= 20 {
			event = "team.remove"
		}
		wantDrift(t, resp, fmt.Sprintf("by manager@acme.example (%s) at 2026-12-01T18:00:00Z", event))
	}
	if n := e.auditReads(); n != 2 {
		t.Errorf("40 drifted teams cost %d audit log requests, want 2 (one per event)", n)
	}
}

// TestDriftWithoutAuditAccess refreshes drifted teams with a member's
// token, which Sentry does not show the audit log: every drift is still
// reported, and one warning for the whole run says why it is not
// attributed.
func TestDriftWithoutAuditAccess(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup prepares the run and returns its token.
		setup func(e *driftEnv) string
		want  string
	}{
		{"member token", func(e *driftEnv) string { return e.sim.Tokens().Member }, "needs a user auth token with org:write"},
		{"plan without audit log", func(e *driftEnv) string {
			if err := e.sim.SetFeature(e.org, "audit-log", false); err != nil {
				e.t.Fatal(err)
			}
			return e.sim.Tokens().Owner
		}, "Business plan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newDriftEnv(t)
			setup := configured(t, &teamResource{}, e.run(e.sim.Tokens().Owner, true))
			pfx := randomName()
			hidden, seen := pfx+" Hidden", pfx+" Seen"
			var states []tfsdk.State
			for i := range 3 {
				s := createState(t, setup, map[string]tftypes.Value{"slug": str(fmt.Sprintf("%s-hidden-%d", pfx, i)), "name": str(hidden)})
				var m teamModel
				s.Get(ctx, &m)
				if _, err := e.manager.UpdateTeam(ctx, e.org, m.ID.ValueString(), sentry.UpdateTeamRequest{Name: ptr(seen)}); err != nil {
					t.Fatal(err)
				}
				states = append(states, s)
			}
			r := configured(t, &teamResource{}, e.run(tc.setup(e), true))
			var all diag.Diagnostics
			for _, s := range states {
				resp := readState(r, s)
				if resp.Diagnostics.HasError() {
					t.Fatalf("read: %v", resp.Diagnostics)
				}
				wantDrift(t, resp, `name changed outside Terraform from "`+hidden+`" to "`+seen+`"`)
				if strings.Contains(driftWarnings(resp.Diagnostics)[0], " by ") {
					t.Errorf("drift attributed without the audit log: %v", resp.Diagnostics)
				}
				all.Append(resp.Diagnostics...)
			}
			notes := notAttributed(all)
			if len(notes) != 1 || !strings.Contains(notes[0].Detail(), tc.want) {
				t.Errorf("want one Drift Not Attributed warning saying %q, got %v", tc.want, all)
			}
		})
	}
}

// TestDriftExplainOff: explain_drift = false reads no audit log and adds
// no drift warning.
func TestDriftExplainOff(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	r := configured(t, &teamResource{}, e.run(e.sim.Tokens().Owner, false))
	pfx := randomName()
	prior := createState(t, r, map[string]tftypes.Value{"slug": str(pfx + "-off"), "name": str(pfx + " Off")})
	var m teamModel
	prior.Get(ctx, &m)
	if _, err := e.manager.UpdateTeam(ctx, e.org, m.ID.ValueString(), sentry.UpdateTeamRequest{Name: ptr(pfx + " Changed")}); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetStats()
	resp := readState(r, prior)
	if resp.Diagnostics.HasError() || len(resp.Diagnostics.Warnings()) > 0 || e.auditReads() != 0 {
		t.Errorf("explain_drift = false: %v, %d audit requests", resp.Diagnostics, e.auditReads())
	}
}

func TestAuditLookupMatches(t *testing.T) {
	target := int64(42)
	entry := func(event string, data string) *sentry.AuditEntry {
		return &sentry.AuditEntry{Event: event, TargetObject: &target, Data: []byte(data)}
	}
	for _, tc := range []struct {
		name   string
		lookup auditLookup
		entry  *sentry.AuditEntry
		want   bool
	}{
		{"by target", byTarget("team.edit", "42"), entry("team.edit", `{}`), true},
		{"other event", byTarget("team.edit", "42"), entry("team.remove", `{}`), false},
		{"other target", byTarget("team.edit", "7"), entry("team.edit", `{}`), false},
		{"by data, email in another case", auditLookup{event: "member.join-team",
			data: map[string][]string{"email": {"Dana@Acme.example"}, "team_slug": {"web"}}},
			entry("member.join-team", `{"email": "dana@acme.example", "team_slug": "web"}`), true},
		{"by data, other team", auditLookup{event: "member.join-team",
			data: map[string][]string{"email": {"dana@acme.example"}, "team_slug": {"web"}}},
			entry("member.join-team", `{"email": "dana@acme.example", "team_slug": "api"}`), false},
		{"by data, a number", auditLookup{event: "member.leave-team", data: map[string][]string{"member_id": {"4505000000000123"}}},
			entry("member.leave-team", `{"member_id": 4505000000000123}`), true},
		{"data without the key", auditLookup{event: "member.join-team", data: map[string][]string{"member_id": {"1"}}},
			entry("member.join-team", `{"email": "a@b.example"}`), false},
		{"an older change", auditLookup{event: "team.edit", target: "42", after: map[string]string{"name": "Now"}},
			entry("team.edit", `{"name": "Before"}`), false},
		{"the change that made it so", auditLookup{event: "team.edit", target: "42", after: map[string]string{"name": "Now"}},
			entry("team.edit", `{"name": "Now"}`), true},
		{"data that does not say", auditLookup{event: "team.edit", target: "42", after: map[string]string{"name": "Now"}},
			entry("team.edit", `{"slug": "x"}`), true},
	} {
		if got := tc.lookup.matches(tc.entry); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestDriftMemberDeprovisionedBySCIM removes a member through SCIM, as an
// identity provider does when someone leaves: the warning names the SCIM
// integration.
func TestDriftMemberDeprovisionedBySCIM(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	r := configured(t, &memberResource{}, e.run(e.sim.Tokens().Owner, true))
	email := randomName() + "-eve@acme.example"
	prior := createState(t, r, map[string]tftypes.Value{"email": str(email), "role": str("member")})
	var created memberModel
	prior.Get(ctx, &created)
	id := created.ID.ValueString()

	e.setClock("2026-12-01T19:00:00Z")
	if err := e.scim.DeleteSCIMUser(ctx, e.org, id); err != nil {
		t.Fatal(err)
	}
	resp := readState(r, prior)
	warnings := driftWarnings(resp.Diagnostics)
	want := regexp.MustCompile(fmt.Sprintf(`sentry_member "%s" \(id %s\): removed outside Terraform by `+
		`SCIM Internal Integration \([0-9a-f]+\) \(member.remove\) at 2026-12-01T19:00:00Z from 127.0.0.1`, regexp.QuoteMeta(email), id))
	if len(warnings) != 1 || !want.MatchString(warnings[0]) {
		t.Fatalf("want %s, got %v", want, resp.Diagnostics)
	}
}

// TestDriftReadCancelledIsNotKept: a read cut short by its caller's
// cancellation is read again by the next caller, and a read that succeeded
// is shared by every later one.
func TestDriftReadCancelledIsNotKept(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	pfx := randomName()
	if _, err := e.owner.CreateTeam(ctx, e.org, sentry.CreateTeamRequest{Slug: pfx + "-kept", Name: pfx + " Kept"}); err != nil {
		t.Fatal(err)
	}
	data := e.run(e.sim.Tokens().Owner, true)
	client, err := data.client()
	if err != nil {
		t.Fatal(err)
	}
	x := data.driftExplainer()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := x.read(cancelled, client, e.org, "team.create"); err == nil {
		t.Fatal("a cancelled read succeeded")
	}
	e.sim.ResetStats()
	for range 3 {
		entries, err := x.read(ctx, client, e.org, "team.create")
		if err != nil || len(entries) != 1 {
			t.Fatalf("read after a cancelled one: %v, %d entries", err, len(entries))
		}
	}
	if n := e.auditReads(); n != 1 {
		t.Errorf("%d audit log requests, want 1", n)
	}
}

func TestIsRemovedSlug(t *testing.T) {
	hex := strings.Repeat("0123456789abcdef", 2)
	long := strings.Repeat("a", 45)
	for _, tc := range []struct {
		got, slug string
		want      bool
	}{
		{"web", "web", true},
		{"web-" + hex, "web", true},
		{long + "-" + hex[:4], long, true},
		{"web-frontend-" + hex, "web", false},
		{"web-" + hex[:31], "web", false},
		{"api-" + hex, "web", false},
	} {
		if got := isRemovedSlug(tc.got, tc.slug); got != tc.want {
			t.Errorf("isRemovedSlug(%q, %q) = %v, want %v", tc.got, tc.slug, got, tc.want)
		}
	}
}

// TestDriftTeamProjectGoneWithItsTeam deletes the linked team: the link
// is gone with it, and the warning names the team's removal.
func TestDriftTeamProjectGoneWithItsTeam(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	pfx := randomName()
	owners, contractors, project := pfx+"-owners", pfx+"-contractors", pfx+"-checkout"
	for _, slug := range []string{owners, contractors} {
		if _, err := e.owner.CreateTeam(ctx, e.org, sentry.CreateTeamRequest{Slug: slug, Name: slug}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.sim.AddProject(e.org, owners, project); err != nil {
		t.Fatal(err)
	}
	r := configured(t, &teamProjectResource{}, e.run(e.sim.Tokens().Owner, true))
	prior := createState(t, r, map[string]tftypes.Value{"project": str(project), "team": str(contractors)})

	e.setClock("2026-12-01T15:30:00Z")
	if err := e.manager.DeleteTeam(ctx, e.org, contractors); err != nil {
		t.Fatal(err)
	}
	resp := readState(r, prior)
	wantDrift(t, resp, `sentry_team_project "`+project+`/`+contractors+`": removed outside Terraform by manager@acme.example `+
		`(team.remove) at 2026-12-01T15:30:00Z from 127.0.0.1`)
}

// TestDriftSCIMOnlyProvider refreshes a SCIM group with a provider that
// has only the SCIM token, which Sentry does not show the audit log: the
// drift is reported, and one warning says which token would explain it.
func TestDriftSCIMOnlyProvider(t *testing.T) {
	ctx := context.Background()
	e := newDriftEnv(t)
	r := configured(t, &scimGroupResource{}, e.run("", true))
	pfx := randomName()
	name, renamed := pfx+" Platform", pfx+" Platform Team"
	prior := createState(t, r, map[string]tftypes.Value{"display_name": str(name)})
	var created scimGroupModel
	prior.Get(ctx, &created)
	if err := e.scim.PatchSCIMGroup(ctx, e.org, created.ID.ValueString(), []sentry.SCIMPatchOp{sentry.SCIMRenameOp(renamed)}); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetStats()
	resp := readState(r, prior)
	wantDrift(t, resp, `display_name changed outside Terraform from "`+name+`" to "`+renamed+`"`)
	notes := notAttributed(resp.Diagnostics)
	if len(notes) != 1 || !strings.Contains(notes[0].Detail(), "auth_token") {
		t.Errorf("want one warning naming auth_token, got %v", resp.Diagnostics)
	}
	if n := e.auditReads(); n != 0 {
		t.Errorf("%d audit log requests without a token that may read it", n)
	}
}

// TestDriftMemberTeamsOnlyWhenManaged compares the same change with and
// without teams managed: the member's role and removal are reported either
// way, its team changes only when Terraform manages its teams.
func TestDriftMemberTeamsOnlyWhenManaged(t *testing.T) {
	ctx := context.Background()
	pfx := randomName()
	web, api, email := pfx+"-web", pfx+"-api", randomEmail()
	member := func(role string, teams types.Set) memberModel {
		return memberModel{ID: types.StringValue("42"), Email: types.StringValue(email), Role: types.StringValue(role), Teams: teams}
	}
	prior := member("member", teamSet(t, web, nil))
	now := member("manager", teamSet(t, web, "admin", api, nil))
	whats := func(d driftReport) []string {
		var out []string
		for _, c := range d.changes {
			out = append(out, c.what)
		}
		return out
	}
	roleChange := `role changed outside Terraform from "member" to "manager"`

	if got := whats(memberDrift(ctx, prior, &now, true, "")); len(got) != 3 || got[0] != roleChange ||
		got[1] != `added to team "`+api+`" outside Terraform` ||
		got[2] != `role on team "`+web+`" changed outside Terraform from "contributor" to "admin"` {
		t.Errorf("teams managed: changes %q", got)
	}
	if got := whats(memberDrift(ctx, prior, &now, false, "")); len(got) != 1 || got[0] != roleChange {
		t.Errorf("teams not managed: changes %q, want only the role", got)
	}
	sameRole := member("member", teamSet(t, api, "admin"))
	if d := memberDrift(ctx, prior, &sameRole, false, ""); d.hasDrift() {
		t.Errorf("teams not managed: team changes alone are drift: %q", whats(d))
	}
	if d := memberDrift(ctx, prior, nil, false, "gone"); !d.gone {
		t.Error("teams not managed: a removed member is not reported")
	}
}

// TestTeamsManagedRecord covers what Create and Update record for the
// configured teams, and how Read takes it back.
func TestTeamsManagedRecord(t *testing.T) {
	empty, d := types.SetValue(memberTeamType, nil)
	if d.HasError() {
		t.Fatal(d)
	}
	for _, c := range []struct {
		name       string
		configured types.Set
		want       bool
	}{
		{"left out", types.SetNull(memberTeamType), false},
		{"no teams", empty, true},
		{"some teams", teamSet(t, "web", nil), true},
	} {
		if got := teamsManagedFrom(teamsManagedValue(c.configured)); got != c.want {
			t.Errorf("%s: recorded %s, read back as managed %v, want %v", c.name, teamsManagedValue(c.configured), got, c.want)
		}
	}
	// Before anything was recorded (older state, an import), and for a
	// value this provider did not write, team changes are reported.
	for _, recorded := range []string{"", "null", `"no"`, "{"} {
		if !teamsManagedFrom([]byte(recorded)) {
			t.Errorf("recorded %q reads as not managed", recorded)
		}
	}
}
