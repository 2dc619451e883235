package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// testAccProviders serves the provider in-process to the Terraform CLI that
// acceptance tests drive.
var testAccProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"sentry": func() (tfprotov6.ProviderServer, error) { return NewProtocol6("test")(), nil },
}

// accEnv is where an acceptance test runs: a fresh emulator by default, or
// real Sentry when SENTRY_ACC_TARGET=live (make testacc-live).
type accEnv struct {
	org     string
	baseURL string
	// tokens are user tokens by role; live runs have only the owner's,
	// which comes from SENTRY_AUTH_TOKEN.
	tokens map[string]string
	sim    *sentrysim.Server
	// clockShift moves the emulator's clock, in nanoseconds.
	clockShift *atomic.Int64
}

func isLive() bool {
	return os.Getenv("SENTRY_ACC_TARGET") == "live"
}

// envOption sets a test environment up unlike today's Sentry.
type envOption int

// legacyOrgTokens is for tests that manage organization auth tokens with an
// auth token, as Sentry allowed before 2025-09 (sentry.io) and release 25.10
// (self-hosted): the emulator runs with LegacyOrgTokens, and a live target
// is probed and the test skipped when it refuses.
const legacyOrgTokens envOption = 1

func hasOption(opts []envOption, o envOption) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// newAccEnv is today's Sentry, or with legacyOrgTokens a Sentry that
// accepts auth tokens on its organization auth token endpoints.
func newAccEnv(t *testing.T, opts ...envOption) *accEnv {
	t.Helper()
	legacy := hasOption(opts, legacyOrgTokens)
	if isLive() {
		org := os.Getenv("SENTRY_TEST_ORGANIZATION")
		token := os.Getenv(envAuthToken)
		if org == "" || token == "" {
			t.Fatalf("SENTRY_ACC_TARGET=live needs SENTRY_TEST_ORGANIZATION and %s", envAuthToken)
		}
		env := &accEnv{
			org:     org,
			baseURL: stringOrEnvValue(os.Getenv(envBaseURL), defaultBaseURL),
			tokens:  map[string]string{"owner": token},
		}
		if legacy {
			env.needLegacyTokens(t)
		}
		return env
	}
	shift := new(atomic.Int64)
	sim := sentrysim.New(sentrysim.Options{Organization: "acme", LegacyOrgTokens: legacy, Now: func() time.Time {
		return time.Now().Add(time.Duration(shift.Load()))
	}})
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	tokens := sim.Tokens()
	return &accEnv{
		org:        sim.Organization(),
		baseURL:    server.URL + "/api/",
		tokens:     map[string]string{"owner": tokens.Owner, "manager": tokens.Manager, "member": tokens.Member},
		sim:        sim,
		clockShift: shift,
	}
}

// needLegacyTokens makes the environment a Sentry that accepts auth tokens
// on its organization auth token endpoints: the emulator is switched to
// releases before 25.10, and a live target that refuses them skips the test.
func (e *accEnv) needLegacyTokens(t *testing.T) {
	t.Helper()
	if e.sim != nil {
		e.sim.SetLegacyOrgTokens(true)
		return
	}
	if e.refusesTokenAPI(t) {
		t.Skip("skipped: the live target lets only a browser session manage organization auth tokens (sentry.io " +
			"since 2025-09, self-hosted from 25.10), and this test manages them with an auth token, as releases " +
			"before 25.10 allow")
	}
}

// refusesTokenAPI reports whether the target answers an auth token on the
// organization auth token endpoints with Sentry's session-only refusal.
func (e *accEnv) refusesTokenAPI(t *testing.T) bool {
	t.Helper()
	_, err := e.client(t, "owner").ListOrgAuthTokens(context.Background(), e.org)
	if err != nil && !sentry.IsSessionOnly(err) {
		t.Fatalf("probing the organization auth token endpoints: %v", err)
	}
	return sentry.IsSessionOnly(err)
}

// shiftClock moves the emulator's clock by d from real time, so objects
// can be made in the past.
func (e *accEnv) shiftClock(t *testing.T, d time.Duration) {
	t.Helper()
	e.needSim(t, "this test moves Sentry's clock")
	e.clockShift.Store(int64(d))
}

func stringOrEnvValue(v, fallback string) string {
	if v != "" {
		return v
	}
	return fallback
}

// token is the user token of the given role. Live runs have only the
// owner's: a test that needs another role skips there and says why, so the
// run's SKIP lines list what it did not exercise.
func (e *accEnv) token(t *testing.T, role string) string {
	t.Helper()
	tok, ok := e.tokens[role]
	if !ok {
		t.Skipf("this test needs a %s token, which the %s environment does not have (live runs have only the owner's, from %s)",
			role, e.target(), envAuthToken)
	}
	return tok
}

// needSim skips the test in live mode: what it does (why) needs the
// emulator's test controls, which real Sentry does not have.
func (e *accEnv) needSim(t *testing.T, why string) {
	t.Helper()
	if e.sim == nil {
		t.Skipf("skipped with SENTRY_ACC_TARGET=live: %s (real Sentry has no test controls)", why)
	}
}

// testNamePrefix starts the name of every object an acceptance test creates,
// so parallel tests and earlier runs never collide and the sweepers
// (sweeper_test.go) find leftovers without touching anything else.
const testNamePrefix = "tf-acc"

// randomName is a fresh slug or name with testNamePrefix, such as
// "tf-acc-5577006791947779410".
func randomName() string {
	return acctest.RandomWithPrefix(testNamePrefix)
}

// randomEmail is a fresh member email whose local part has testNamePrefix.
func randomEmail() string {
	return randomName() + "@example.com"
}

func (e *accEnv) target() string {
	if e.sim != nil {
		return "emulator"
	}
	return "live"
}

// providerConfig is the provider block acting as the given role. Live runs
// take the token from the environment so it never appears in a config.
func (e *accEnv) providerConfig(t *testing.T, role string) string {
	t.Helper()
	if e.sim == nil {
		e.token(t, role)
		return fmt.Sprintf("provider \"sentry\" {\n  organization = %q\n}\n", e.org)
	}
	return fmt.Sprintf("provider \"sentry\" {\n  base_url     = %q\n  auth_token   = %q\n  organization = %q\n}\n",
		e.baseURL, e.token(t, role), e.org)
}

// communityProviderConfig is the community provider's block acting as the
// given role, for withCommunityProvider: when the real provider runs
// (SENTRY_ACC_COMMUNITY_MIRROR), it reads the same Sentry as this one.
// Live runs leave the token and URL to SENTRY_AUTH_TOKEN and
// SENTRY_BASE_URL, which that provider reads too.
func (e *accEnv) communityProviderConfig(t *testing.T, role string) string {
	t.Helper()
	if e.sim == nil {
		e.token(t, role)
		return fmt.Sprintf("provider %q {}\n", communityLocalName)
	}
	return fmt.Sprintf("provider %q {\n  base_url = %q\n  token    = %q\n}\n", communityLocalName,
		e.communityBaseURL(t), e.token(t, role))
}

// communityBaseURL is the emulator as the real community provider reaches
// it. That provider's configure asks GET /api/0/internal/health/ and fails
// unless it gets 200, and the emulator does not serve the endpoint: Sentry's
// code (src/sentry/api/endpoints/system_health.py, SystemHealthEndpoint)
// gives it to superusers only, which a user token is not. So a front
// answers that one request for tokened callers and passes every other to
// the emulator, whose request counts see them as usual.
func (e *accEnv) communityBaseURL(t *testing.T) string {
	t.Helper()
	target, err := url.Parse(strings.TrimSuffix(e.baseURL, "/api/"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/0/internal/health/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"problems":[],"healthy":{}}`))
	})
	mux.Handle("/", httputil.NewSingleHostReverseProxy(target))
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	return front.URL + "/api/"
}

// client is an API client acting as the given role, for setting up and
// checking objects behind Terraform's back.
func (e *accEnv) client(t *testing.T, role string) *sentry.Client {
	t.Helper()
	c, err := sentry.NewClient(sentry.Config{BaseURL: e.baseURL, Token: e.token(t, role), UserAgent: "terraform-provider-sentry-tests"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkDestroyed asks Sentry that every object of the type is gone.
func (e *accEnv) checkDestroyed(t *testing.T, resourceType string, exists func(ctx context.Context, c *sentry.Client, rs *terraform.ResourceState) error) func(*terraform.State) error {
	return func(s *terraform.State) error {
		c := e.client(t, "owner")
		for name, rs := range s.RootModule().Resources {
			if rs.Type != resourceType {
				continue
			}
			if err := exists(context.Background(), c, rs); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}
}

// wrappedText matches text as Terraform prints it in a diagnostic, where any
// space may have become a line break.
func wrappedText(text string) *regexp.Regexp {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// stateObjects returns the objects of the list attribute list of the
// resource or data source at address, as attribute maps, in order.
func stateObjects(s *terraform.State, address, list string) ([]map[string]string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return nil, fmt.Errorf("%s is not in state", address)
	}
	a := rs.Primary.Attributes
	n, err := strconv.Atoi(a[list+".#"])
	if err != nil {
		return nil, err
	}
	out := make([]map[string]string, n)
	for i := range n {
		prefix := fmt.Sprintf("%s.%d.", list, i)
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

// createTeams makes teams behind Terraform's back, removed when the test ends.
func (e *accEnv) createTeams(t *testing.T, slugs ...string) {
	t.Helper()
	c := e.client(t, "owner")
	for _, slug := range slugs {
		team, err := c.CreateTeam(context.Background(), e.org, sentry.CreateTeamRequest{Slug: slug, Name: slug})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.DeleteTeam(context.Background(), e.org, team.ID) })
	}
}
