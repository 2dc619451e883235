package provider

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// The fault-injection suite applies a configuration of every resource type
// while the emulator fails requests, and checks what the design promises:
// an apply converges within two runs (one under a shared rate limit), the
// plan after is empty, and Sentry holds exactly the objects in state, none
// twice and none left behind, also after a destroy under the same faults.
//
// SENTRY_FAULT_OBJECTS sets how many objects the configuration has (150 by
// default; 300 for measurement). When it is set, the suite also keeps
// applying up to four times and logs how far each mode got, so that runs
// can be compared:
//
//	SENTRY_FAULT_OBJECTS=300 TF_ACC=1 TF_ACC_TERRAFORM_PATH=$(command -v terraform) \
//		go test -race -count=1 -v -timeout 30m -run '^TestAccFaults$' ./internal/provider/

const (
	// faultObjectsEnv scales the configuration.
	faultObjectsEnv = "SENTRY_FAULT_OBJECTS"
	// defaultFaultObjects is the size CI runs.
	defaultFaultObjects = 150
	// faultSeed makes the emulator's fault draws repeatable.
	faultSeed = 42
	// requiredRuns is how many applies, or destroys, may be needed.
	requiredRuns = 2
	// measuredRuns is how many are tried when measuring.
	measuredRuns = 4
)

// faultObjects is the configuration's size and whether this is a
// measurement run.
func faultObjects(t *testing.T) (int, bool) {
	t.Helper()
	v := os.Getenv(faultObjectsEnv)
	if v == "" {
		return defaultFaultObjects, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 30 {
		t.Fatalf("%s=%q: want a number of objects, at least 30", faultObjectsEnv, v)
	}
	return n, true
}

// faultCounts is how many objects of each type a configuration has.
type faultCounts struct {
	teams, links, members, tokens, groups int
}

// countsFor spreads n objects over the five resource types in the
// proportions of the 300-object measurement: 40 teams, 60 team-project
// links, 180 members, 10 organization tokens and 10 SCIM groups.
func countsFor(n int) faultCounts {
	scale := func(k int) int { return max(1, int(math.Round(float64(k)*float64(n)/300))) }
	c := faultCounts{teams: scale(40), links: scale(60), tokens: scale(10), groups: scale(10)}
	c.members = max(1, n-c.teams-c.links-c.tokens-c.groups)
	return c
}

func (c faultCounts) total() int { return c.teams + c.links + c.members + c.tokens + c.groups }

// faultFixture is one emulator organization and a configuration of
// objects whose names all start with prefix.
type faultFixture struct {
	env    *accEnv
	scim   string
	prefix string
	counts faultCounts
	// projects are made in the emulator beforehand; the configuration
	// links them to its teams. ownerTeam owns them and is not managed.
	projects  []string
	ownerTeam string
}

// skipUnlessFaultSuite skips the suite where it cannot run: without TF_ACC,
// as every acceptance test, and against real Sentry, where faults cannot
// be injected.
func skipUnlessFaultSuite(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run only when TF_ACC is set")
	}
	if isLive() {
		t.Skip("faults are injected by the emulator; real Sentry has none to order")
	}
}

func newFaultFixture(t *testing.T, counts faultCounts) *faultFixture {
	t.Helper()
	env := newAccEnv(t, legacyOrgTokens)
	env.needSim(t, "the fault-injection tests need the emulator")
	if err := env.sim.SetFeature(env.org, "sso-scim", true); err != nil {
		t.Fatal(err)
	}
	f := &faultFixture{env: env, scim: env.sim.SCIMToken(env.org), prefix: randomName(), counts: counts}
	// The owner team is not the configuration's: its name has another
	// random part, so that it does not start with the prefix.
	f.ownerTeam = randomName()
	env.createTeams(t, f.ownerTeam)
	for i := range (counts.links + 1) / 2 {
		slug := fmt.Sprintf("%s-p%d", f.prefix, i)
		if err := env.sim.AddProject(env.org, f.ownerTeam, slug); err != nil {
			t.Fatal(err)
		}
		f.projects = append(f.projects, slug)
	}
	return f
}

// providerBlock is the provider configuration with both tokens.
func (f *faultFixture) providerBlock(t *testing.T) string {
	return fmt.Sprintf("provider \"sentry\" {\n  base_url     = %q\n  auth_token   = %q\n  organization = %q\n  scim_token   = %q\n}\n",
		f.env.baseURL, f.env.token(t, "owner"), f.env.org, f.scim)
}

// config is the whole configuration: teams, links of the projects to
// them, members on one or two teams as contributors or admins,
// organization tokens and SCIM groups.
func (f *faultFixture) config(t *testing.T) string {
	var b strings.Builder
	b.WriteString(f.providerBlock(t))
	c := f.counts
	for i := range c.teams {
		fmt.Fprintf(&b, "\nresource \"sentry_team\" \"t%d\" {\n  slug = \"%s-t%d\"\n  name = \"%s Team %d\"\n}\n", i, f.prefix, i, f.prefix, i)
	}
	for i := range c.links {
		// Project p gets teams 2p and 2p+1 (mod the teams).
		fmt.Fprintf(&b, "\nresource \"sentry_team_project\" \"l%d\" {\n  project = %q\n  team    = sentry_team.t%d.slug\n}\n",
			i, f.projects[i/2], i%c.teams)
	}
	for i := range c.members {
		roles := []string{"contributor", "admin"}
		teams := []string{fmt.Sprintf("{ team = sentry_team.t%d.slug, role = %q }", i%c.teams, roles[i%2])}
		if i%3 == 0 && c.teams > 1 {
			teams = append(teams, fmt.Sprintf("{ team = sentry_team.t%d.slug, role = %q }", (i+1)%c.teams, roles[(i+1)%2]))
		}
		fmt.Fprintf(&b, "\nresource \"sentry_member\" \"m%d\" {\n  email = \"%s-m%d@example.com\"\n  role  = \"member\"\n  teams = [%s]\n}\n",
			i, f.prefix, i, strings.Join(teams, ", "))
	}
	for i := range c.tokens {
		fmt.Fprintf(&b, "\nresource \"sentry_api_token\" \"k%d\" {\n  name = \"%s-k%d\"\n}\n", i, f.prefix, i)
	}
	for i := range c.groups {
		fmt.Fprintf(&b, "\nresource \"sentry_scim_group\" \"g%d\" {\n  display_name = \"%s-g%d\"\n}\n", i, f.prefix, i)
	}
	return b.String()
}

// audit is how Sentry's objects compare with the state.
type audit struct {
	// orphans are objects of the test in Sentry that no state resource
	// holds; duplicates are extra objects with the same name (slug,
	// email, token name, group name or project-team pair) in Sentry, or
	// ids held by more than one state resource; missing are state
	// resources whose object Sentry does not have; deadTokens are
	// token values in state that do not authenticate.
	orphans, duplicates, missing, deadTokens int
	// inSentry counts the test's objects in Sentry; inState the
	// resources in state.
	inSentry, inState int
	details           []string
}

func (a *audit) notef(format string, args ...any) {
	if len(a.details) < 20 {
		a.details = append(a.details, fmt.Sprintf(format, args...))
	}
}

// sentryObject is one object of the test as the API lists it.
type sentryObject struct{ id, key string }

// listObjects lists the test's objects in Sentry by resource type.
func (f *faultFixture) listObjects(t *testing.T) map[string][]sentryObject {
	t.Helper()
	ctx := context.Background()
	c := f.env.client(t, "owner")
	scim, err := sentry.NewClient(sentry.Config{BaseURL: f.env.baseURL, Token: f.scim})
	if err != nil {
		t.Fatal(err)
	}
	mine := func(s string) bool { return strings.HasPrefix(strings.ToLower(s), f.prefix+"-") }
	out := map[string][]sentryObject{}

	teams, err := c.ListTeams(ctx, f.env.org)
	if err != nil {
		t.Fatalf("listing teams: %v", err)
	}
	for _, tm := range teams {
		// A SCIM group is a team too; it is counted as a group.
		if mine(tm.Slug) && !tm.IDPProvisioned() {
			out["sentry_team"] = append(out["sentry_team"], sentryObject{tm.ID, tm.Slug})
		}
	}
	members, err := c.ListMembers(ctx, f.env.org, "")
	if err != nil {
		t.Fatalf("listing members: %v", err)
	}
	for _, m := range members {
		if mine(m.Email) {
			out["sentry_member"] = append(out["sentry_member"], sentryObject{m.ID, strings.ToLower(m.Email)})
		}
	}
	tokens, err := c.ListOrgAuthTokens(ctx, f.env.org)
	if err != nil {
		t.Fatalf("listing organization tokens: %v", err)
	}
	for _, tk := range tokens {
		if mine(tk.Name) {
			out["sentry_api_token"] = append(out["sentry_api_token"], sentryObject{tk.ID, tk.Name})
		}
	}
	groups, err := scim.ListSCIMGroups(ctx, f.env.org, "")
	if err != nil {
		t.Fatalf("listing SCIM groups: %v", err)
	}
	for _, g := range groups {
		if mine(g.DisplayName) {
			out["sentry_scim_group"] = append(out["sentry_scim_group"], sentryObject{g.ID, g.DisplayName})
		}
	}
	for _, slug := range f.projects {
		p, err := c.GetProject(ctx, f.env.org, slug)
		if err != nil {
			t.Fatalf("reading project %s: %v", slug, err)
		}
		for _, tm := range p.Teams {
			if mine(tm.Slug) {
				id := f.env.org + "/" + slug + "/" + tm.Slug
				out["sentry_team_project"] = append(out["sentry_team_project"], sentryObject{id, slug + "/" + tm.Slug})
			}
		}
	}
	return out
}

// managedTypes are the resource types the suite checks.
var managedTypes = []string{"sentry_team", "sentry_team_project", "sentry_member", "sentry_api_token", "sentry_scim_group"}

// compare checks Sentry against the state: every object of the test in
// Sentry is in state exactly once, and every state object exists.
func (f *faultFixture) compare(t *testing.T, state *tfjson.State) audit {
	t.Helper()
	var a audit
	objects := f.listObjects(t)
	resources := stateResources(state)
	for _, typ := range managedTypes {
		held := map[string]int{}
		for _, rs := range resources[typ] {
			a.inState++
			id := stateAttr(rs, "id")
			held[id]++
			if held[id] == 2 {
				a.duplicates++
				a.notef("%s %s is in state more than once", typ, id)
			}
			if typ == "sentry_api_token" && !f.env.sim.OrgTokenLive(f.env.org, stateAttr(rs, "token")) {
				a.deadTokens++
				a.notef("%s.%s: the token value in state does not authenticate", typ, rs.Name)
			}
		}
		exists := map[string]bool{}
		names := map[string]int{}
		for _, o := range objects[typ] {
			a.inSentry++
			exists[o.id] = true
			if names[o.key]++; names[o.key] > 1 {
				a.duplicates++
				a.notef("%s %q exists more than once in Sentry", typ, o.key)
			}
			if held[o.id] == 0 {
				a.orphans++
				a.notef("%s %q (%s) is in Sentry but not in state", typ, o.key, o.id)
			}
		}
		for id := range held {
			if !exists[id] {
				a.missing++
				a.notef("%s %s is in state but not in Sentry", typ, id)
			}
		}
	}
	return a
}

// remaining counts the test's objects left in Sentry.
func (f *faultFixture) remaining(t *testing.T) (int, []string) {
	t.Helper()
	n := 0
	var kinds []string
	objects := f.listObjects(t)
	for _, typ := range managedTypes {
		if k := len(objects[typ]); k > 0 {
			n += k
			kinds = append(kinds, fmt.Sprintf("%d %s", k, typ))
		}
	}
	return n, kinds
}

// faultMode is one kind of trouble the emulator makes.
type faultMode struct {
	name string
	cfg  sentrysim.Config
	// bursts sends 429 bursts while the faults are on.
	bursts bool
	// runs is how many applies, or destroys, the mode may need;
	// requiredRuns when 0.
	runs int
}

// required is how many applies, or destroys, the mode may need.
func (m faultMode) required() int {
	if m.runs > 0 {
		return m.runs
	}
	return requiredRuns
}

var all5xx = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

var faultModes = []faultMode{
	{name: "5xx", cfg: sentrysim.Config{FaultRate: 0.10, FaultStatuses: all5xx}},
	{name: "drop_after", cfg: sentrysim.Config{DropAfterRate: 0.10}},
	{name: "drop_before", cfg: sentrysim.Config{DropRate: 0.10}},
	{name: "429_bursts", bursts: true},
	{name: "mixed", bursts: true, cfg: sentrysim.Config{FaultRate: 0.04, FaultStatuses: all5xx, DropRate: 0.03, DropAfterRate: 0.03}},
	// sentry.io's limits shared with another client of the token, which
	// every 2s by the clock spends each route's budget for a second, with
	// the other faults on top: the provider waits for the windows to
	// turn, so one apply and one destroy are enough.
	{name: "shared_limit", runs: 1, cfg: sentrysim.Config{
		RateLimit: sentrysim.RateLimitSaaS, Burst429Interval: 2 * time.Second,
		FaultRate: 0.05, FaultStatuses: all5xx, DropRate: 0.05, DropAfterRate: 0.05,
	}},
}

// burstSize and burstPeriod shape the 429 bursts: after every burstPeriod
// API requests, the next burstSize meet a 429, as when a rate limit shared
// with other callers runs out. That is 10% of the requests, in bursts
// that follow the load whatever its pace: the emulator counts requests,
// not time, so a seed gives the same bursts on any machine.
const (
	burstSize   = 5
	burstPeriod = 45
)

// faultsOn puts a mode's faults in force and returns what turns them off,
// which reports how many requests were answered 429, and how many were
// sent in all.
func faultsOn(t *testing.T, sim *sentrysim.Server, m faultMode) (off func() (throttled, requests int)) {
	t.Helper()
	cfg := m.cfg
	cfg.Seed = faultSeed
	if m.bursts {
		cfg.Burst429Every, cfg.Burst429Size = burstPeriod, burstSize
	}
	if err := sim.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	before := sim.Stats()
	var once sync.Once
	var throttled, requests int
	off = func() (int, int) {
		once.Do(func() {
			after := sim.Stats()
			throttled = int(after.RateLimited - before.RateLimited)
			requests = int(after.Total() - before.Total())
			if err := sim.SetConfig(sentrysim.Config{Seed: faultSeed}); err != nil {
				t.Error(err)
			}
		})
		return throttled, requests
	}
	t.Cleanup(func() { off() })
	return off
}

// faultResult is what one mode came to, for the summary table.
type faultResult struct {
	mode      string
	applies   int
	converged bool
	planEmpty bool
	audit     audit
	destroys  int
	destroyed bool
	left      int
	panics    int
}

// errorLine is the summary line of one of Terraform's error diagnostics.
var errorLine = regexp.MustCompile(`(?m)^[│ ]*Error: (.+)$`)

// sourceLine is a line of configuration Terraform quotes in a diagnostic.
var sourceLine = regexp.MustCompile(`^\s*(\d+:|with |on \S+ line )`)

// errorSummaries picks Terraform's error summaries out of its output,
// counted, each with the message of its first occurrence:
// "Team Already Exists (x3): Organization "acme" already has ...".
func errorSummaries(out string) []string {
	counts := map[string]int{}
	sample := map[string]string{}
	locs := errorLine.FindAllStringSubmatchIndex(out, -1)
	for i, loc := range locs {
		summary := strings.TrimSpace(out[loc[2]:loc[3]])
		counts[summary]++
		if _, ok := sample[summary]; ok {
			continue
		}
		end := len(out)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		var body []string
		for l := range strings.SplitSeq(out[loc[1]:end], "\n") {
			l = strings.Trim(l, "│╵╷ \t")
			if l != "" && !sourceLine.MatchString(l) {
				body = append(body, l)
			}
		}
		msg := strings.Join(body, " ")
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		sample[summary] = msg
	}
	lines := make([]string, 0, len(counts))
	for _, summary := range slices.Sorted(maps.Keys(counts)) {
		lines = append(lines, fmt.Sprintf("%s (x%d): %s", summary, counts[summary], sample[summary]))
	}
	return lines
}

func TestAccFaults(t *testing.T) {
	skipUnlessFaultSuite(t)
	n, measuring := faultObjects(t)
	counts := countsFor(n)
	maxRuns := requiredRuns
	if measuring {
		maxRuns = measuredRuns
	}
	var mu sync.Mutex
	var results []faultResult
	t.Cleanup(func() {
		if len(results) == 0 {
			return
		}
		sort.Slice(results, func(i, j int) bool {
			return slices.IndexFunc(faultModes, func(m faultMode) bool { return m.name == results[i].mode }) <
				slices.IndexFunc(faultModes, func(m faultMode) bool { return m.name == results[j].mode })
		})
		var b strings.Builder
		fmt.Fprintf(&b, "fault modes, %d objects (%d teams, %d links, %d members, %d tokens, %d SCIM groups), seed %d, up to %d runs:\n",
			counts.total(), counts.teams, counts.links, counts.members, counts.tokens, counts.groups, faultSeed, maxRuns)
		fmt.Fprintf(&b, "%-12s %-8s %-10s %-6s %-8s %-5s %-8s %-6s %-9s %-5s %-6s\n",
			"mode", "applies", "converged", "plan", "orphans", "dups", "missing", "dead", "destroys", "left", "panic")
		for _, r := range results {
			plan := "empty"
			if !r.planEmpty {
				plan = "diff"
			}
			fmt.Fprintf(&b, "%-12s %-8d %-10t %-6s %-8d %-5d %-8d %-6d %-9d %-5d %-6d\n",
				r.mode, r.applies, r.converged, plan, r.audit.orphans, r.audit.duplicates, r.audit.missing,
				r.audit.deadTokens, r.destroys, r.left, r.panics)
		}
		t.Log(b.String())
	})
	for _, m := range faultModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			r := runFaultMode(t, m, counts, maxRuns)
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
	}
}

// runFaultMode applies, checks and destroys the configuration under one
// mode's faults.
func runFaultMode(t *testing.T, m faultMode, counts faultCounts, maxRuns int) faultResult {
	f := newFaultFixture(t, counts)
	tf := newTFRunner(t, f.config(t))
	r := faultResult{mode: m.name}
	checkPanic := func(what, out string) {
		if strings.Contains(out, "panic:") {
			r.panics++
			t.Errorf("%s printed a panic:\n%s", what, out)
		}
	}

	off := faultsOn(t, f.env.sim, m)
	start := time.Now()
	for r.applies < maxRuns {
		r.applies++
		out, err := tf.apply()
		checkPanic(fmt.Sprintf("apply %d", r.applies), out)
		if err == nil {
			r.converged = true
			break
		}
		summary := errorSummaries(out)
		t.Logf("apply %d failed under %s faults:\n%s", r.applies, m.name, strings.Join(summary, "\n"))
	}
	t.Logf("%s: %d applies in %s, converged %t", m.name, r.applies, time.Since(start).Round(time.Second), r.converged)
	if !r.converged || r.applies > m.required() {
		t.Errorf("under %s faults the apply did not succeed within %d runs (%d runs, succeeded %t)",
			m.name, m.required(), r.applies, r.converged)
	}
	throttled, requests := off()
	switch {
	case m.bursts:
		// Rate limits are off, so every 429 is a burst's; the last
		// burst may have been cut short.
		bursts := (throttled + burstSize - 1) / burstSize
		t.Logf("%s: %d bursts of %d 429s during the applies", m.name, bursts, burstSize)
		if bursts == 0 {
			t.Errorf("no 429 burst was sent during the applies: the mode tests nothing")
		}
	case m.cfg.Burst429Interval > 0:
		t.Logf("%s: %d of %d requests answered 429 during the applies (%.1f per 1,000)",
			m.name, throttled, requests, 1000*float64(throttled)/float64(max(requests, 1)))
		if throttled == 0 {
			t.Errorf("no request was answered 429 during the applies: the mode tests nothing")
		}
	}

	changes, out, err := tf.plan()
	checkPanic("plan", out)
	r.planEmpty = err == nil && !changes
	switch {
	case err != nil:
		t.Errorf("plan with faults off failed: %v\n%s", err, strings.Join(errorSummaries(out), "\n"))
	case changes:
		t.Errorf("plan with faults off is not empty after the %s apply:\n%s", m.name, planSummary(out))
	}

	r.audit = f.compare(t, tf.show())
	if a := r.audit; a.orphans+a.duplicates+a.missing+a.deadTokens > 0 {
		t.Errorf("after the %s apply: %d orphans, %d duplicates, %d missing, %d dead tokens in state:\n%s",
			m.name, a.orphans, a.duplicates, a.missing, a.deadTokens, strings.Join(a.details, "\n"))
	}
	if r.converged && r.audit.inState != counts.total() {
		t.Errorf("state holds %d resources, the configuration %d", r.audit.inState, counts.total())
	}

	off = faultsOn(t, f.env.sim, m)
	for r.destroys < maxRuns {
		r.destroys++
		out, err := tf.destroy()
		checkPanic(fmt.Sprintf("destroy %d", r.destroys), out)
		if err == nil {
			r.destroyed = true
			break
		}
		t.Logf("destroy %d failed under %s faults:\n%s", r.destroys, m.name, strings.Join(errorSummaries(out), "\n"))
	}
	throttled, requests = off()
	if m.cfg.Burst429Interval > 0 {
		t.Logf("%s: %d of %d requests answered 429 during the destroys (%.1f per 1,000)",
			m.name, throttled, requests, 1000*float64(throttled)/float64(max(requests, 1)))
	}
	var kinds []string
	r.left, kinds = f.remaining(t)
	if !r.destroyed || r.destroys > m.required() {
		t.Errorf("under %s faults the destroy did not succeed within %d runs (%d runs, succeeded %t)",
			m.name, m.required(), r.destroys, r.destroyed)
	}
	if r.left > 0 {
		t.Errorf("after destroying under %s faults Sentry still has %s", m.name, strings.Join(kinds, ", "))
	}
	return r
}

// planSummary is the lines of a plan that say what would change.
func planSummary(out string) string {
	var lines []string
	for l := range strings.SplitSeq(out, "\n") {
		if strings.Contains(l, " will be ") || strings.Contains(l, " must be ") || strings.HasPrefix(l, "Plan:") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	if len(lines) > 30 {
		lines = append(lines[:30], fmt.Sprintf("... and %d more", len(lines)-30))
	}
	return strings.Join(lines, "\n")
}

// TestAccFaults_dropAfterCreate drops the answer to each kind of create
// once, after Sentry carried it out. The same apply must recover: look
// the object up and take it into state, with no duplicate left, and for
// an organization token, revoke the token whose value was lost.
func TestAccFaults_dropAfterCreate(t *testing.T) {
	skipUnlessFaultSuite(t)
	cases := []struct {
		name, route string
		// typ is the resource whose create is dropped.
		typ    string
		config func(f *faultFixture) string
	}{
		{name: "team", route: "organization-teams", typ: "sentry_team", config: func(f *faultFixture) string {
			return fmt.Sprintf("resource \"sentry_team\" \"t\" {\n  slug = \"%s-t\"\n  name = \"%s Dropped\"\n}\n", f.prefix, f.prefix)
		}},
		{name: "member", route: "organization-members", typ: "sentry_member", config: func(f *faultFixture) string {
			return fmt.Sprintf("resource \"sentry_member\" \"m\" {\n  email = \"%s-m@example.com\"\n  role  = \"member\"\n}\n", f.prefix)
		}},
		{name: "org_token", route: "org-auth-tokens", typ: "sentry_api_token", config: func(f *faultFixture) string {
			return fmt.Sprintf("resource \"sentry_api_token\" \"k\" {\n  name = \"%s-k\"\n}\n", f.prefix)
		}},
		{name: "scim_group", route: "organization-scim-team-index", typ: "sentry_scim_group", config: func(f *faultFixture) string {
			return fmt.Sprintf("resource \"sentry_scim_group\" \"g\" {\n  display_name = \"%s-g\"\n}\n", f.prefix)
		}},
		{name: "team_project", route: "project-team-details", typ: "sentry_team_project", config: func(f *faultFixture) string {
			return fmt.Sprintf("resource \"sentry_team\" \"t\" {\n  slug = \"%s-t\"\n  name = \"%s Linked\"\n}\n\n"+
				"resource \"sentry_team_project\" \"l\" {\n  project = %q\n  team    = sentry_team.t.slug\n}\n", f.prefix, f.prefix, f.projects[0])
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFaultFixture(t, faultCounts{links: 1})
			tf := newTFRunner(t, f.providerBlock(t)+"\n"+tc.config(f))
			f.env.sim.DropAfterNext(http.MethodPost, tc.route, 1)

			out, err := tf.apply()
			if strings.Contains(out, "panic:") {
				t.Errorf("apply printed a panic:\n%s", out)
			}
			if err != nil {
				t.Errorf("with the answer to the create dropped, the apply failed:\n%s", strings.Join(errorSummaries(out), "\n"))
			}
			if left := f.env.sim.PendingDropAfter(http.MethodPost, tc.route); left != 0 {
				t.Fatalf("the create was never dropped (%d drops pending): the test does not test what it says", left)
			}

			changes, out, err := tf.plan()
			if err != nil || changes {
				t.Errorf("plan after the apply: changes %t, err %v\n%s", changes, err, planSummary(out))
			}
			state := tf.show()
			held := stateResources(state)[tc.typ]
			if len(held) != 1 {
				t.Errorf("state holds %d %s, want 1", len(held), tc.typ)
			}
			a := f.compare(t, state)
			if a.orphans+a.duplicates+a.missing+a.deadTokens > 0 {
				t.Errorf("%d orphans, %d duplicates, %d missing, %d dead tokens in state:\n%s",
					a.orphans, a.duplicates, a.missing, a.deadTokens, strings.Join(a.details, "\n"))
			}
			if tc.typ == "sentry_api_token" {
				f.checkOneLiveToken(t, f.prefix+"-k", held)
			}

			out, err = tf.destroy()
			if err != nil {
				t.Errorf("destroy: %v\n%s", err, strings.Join(errorSummaries(out), "\n"))
			}
			if n, kinds := f.remaining(t); n > 0 {
				t.Errorf("after destroy Sentry still has %s", strings.Join(kinds, ", "))
			}
		})
	}
}

// checkOneLiveToken checks that exactly one live token has the name, and
// that it is the one in state with a value that works.
func (f *faultFixture) checkOneLiveToken(t *testing.T, name string, held []*tfjson.StateResource) {
	t.Helper()
	tokens, err := f.env.client(t, "owner").ListOrgAuthTokens(context.Background(), f.env.org)
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, tk := range tokens {
		if tk.Name == name {
			live = append(live, tk.ID)
		}
	}
	if len(live) != 1 {
		t.Errorf("%d live tokens named %q (%v), want 1: the token whose value was lost must be revoked", len(live), name, live)
	}
	if len(held) == 1 {
		if id := stateAttr(held[0], "id"); len(live) > 0 && !slices.Contains(live, id) {
			t.Errorf("state holds token %s, not a live one of %v", id, live)
		}
		if !f.env.sim.OrgTokenLive(f.env.org, stateAttr(held[0], "token")) {
			t.Errorf("the token value in state does not authenticate")
		}
	}
}
