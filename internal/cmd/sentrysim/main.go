// Command sentrysim serves the in-memory Sentry emulator on a local
// address, for the demo and for trying configurations by hand. It prints
// one JSON line on stdout with the base URL, the organization and the
// seeded tokens (owner, manager, member, scim, org_ci), then serves until
// interrupted:
//
//	go run ./internal/cmd/sentrysim -addr 127.0.0.1:0 -org acme
//
// Flags switch on what real Sentry varies: sentry.io's rate limits
// (-rate-limit saas), latency (-latency 50ms -jitter 20ms), and faults
// (-fault-rate 0.05, -drop-rate, -drop-after-rate), reproducible with
// -seed-random. The org-auth-tokens endpoints refuse bearer tokens as
// today's Sentry does unless -legacy-org-tokens asks for releases before
// 25.10. -seed FILE loads teams, projects, members and org tokens from a
// JSON file (ids included, when it gives them). The same switches can be
// changed while it runs with POST /_sim/config. To replay what a run
// made: GET /_sim/next-id before it, then GET
// /_sim/organizations/ORG/seed?from=ID after it writes the new teams,
// projects and members as a seed file for -seed or POST
// /_sim/organizations/ORG/seed. Logs go to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		log.Printf("sentrysim: %v", err)
		os.Exit(1)
	}
}

// announcement is the line a script reads to find the emulator.
type announcement struct {
	BaseURL      string            `json:"base_url"`
	Organization string            `json:"organization"`
	Tokens       map[string]string `json:"tokens"`
}

// shutdownGrace is how long requests under way get to finish.
const shutdownGrace = 5 * time.Second

// intList is a flag of comma-separated integers.
type intList []int

func (l *intList) String() string {
	parts := make([]string, len(*l))
	for i, n := range *l {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (l *intList) Set(v string) error {
	*l = nil
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return fmt.Errorf("%q is not a number", part)
		}
		*l = append(*l, n)
	}
	return nil
}

// routeLimits is a flag of name=limit pairs.
type routeLimits map[string]int

func (m routeLimits) String() string {
	parts := make([]string, 0, len(m))
	for name, n := range m {
		parts = append(parts, name+"="+strconv.Itoa(n))
	}
	return strings.Join(parts, ",")
}

func (m routeLimits) Set(v string) error {
	for _, pair := range strings.Split(v, ",") {
		name, limit, ok := strings.Cut(pair, "=")
		n, err := strconv.Atoi(strings.TrimSpace(limit))
		if !ok || strings.TrimSpace(name) == "" || err != nil {
			return fmt.Errorf("%q is not route=requests-per-second", pair)
		}
		m[strings.TrimSpace(name)] = n
	}
	return nil
}

// run parses the flags, listens, announces itself on stdout and serves
// until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sentrysim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on; port 0 picks a free one")
	org := fs.String("org", "acme", "slug of the seeded organization")
	seedFile := fs.String("seed", "", `JSON file of teams, projects, members and org tokens to load into the organization: {"teams": [{"id","slug","name","scim"}], "projects": [{"id","slug","name","platform","teams"}], "members": [{"id","email","role","pending","expired","invited_by","teams": [{"team","role"}]}], "team_members": [{"team","email","role"}], "org_tokens": [{"name","created_by","date_created"}], "settings": {...}}; ids are optional strings of digits`)
	var cfg sentrysim.Config
	cfg.RateLimits = routeLimits{}
	fs.StringVar(&cfg.RateLimit, "rate-limit", sentrysim.RateLimitOff, `rate limits: "off" (self-hosted) or "saas" (sentry.io's limits and headers)`)
	fs.Var(routeLimits(cfg.RateLimits), "rate-limits", "requests per second by route name, as organization-members=40,organization-teams=20")
	fs.IntVar(&cfg.DefaultRateLimit, "default-rate-limit", sentrysim.DefaultRateLimit, "requests per second of routes with no limit of their own")
	fs.IntVar(&cfg.ConcurrentLimit, "concurrent-limit", sentrysim.DefaultConcurrentLimit, "requests a caller may have in flight on one route")
	fs.DurationVar(&cfg.Latency, "latency", 0, "delay added to every API answer")
	fs.DurationVar(&cfg.Jitter, "jitter", 0, "random delay of up to this much added to the latency")
	fs.Float64Var(&cfg.FaultRate, "fault-rate", 0, "share (0 to 1) of API requests answered with a 5xx before the endpoint runs")
	statuses := intList{500, 502, 503}
	fs.Var(&statuses, "fault-statuses", "statuses injected faults answer with")
	fs.Float64Var(&cfg.DropRate, "drop-rate", 0, "share of mutating requests whose connection is closed before the change is made")
	fs.Float64Var(&cfg.DropAfterRate, "drop-after-rate", 0, "share of mutating requests whose connection is closed after the change is made")
	fs.DurationVar(&cfg.Burst429Interval, "burst-429-interval", 0, "every this long by the clock (whole seconds, at least 2s), a competing caller takes every route's budget for one second, so requests in that second get 429")
	fs.Int64Var(&cfg.Seed, "seed-random", 0, "seed of the random draws behind jitter, faults and drops")
	legacyOrgTokens := fs.Bool("legacy-org-tokens", false, "serve the org-auth-tokens endpoints to bearer tokens, as Sentry releases before 25.10 did; by default they answer 403 as today's Sentry does (browser session only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	cfg.FaultStatuses = statuses

	sim := sentrysim.New(sentrysim.Options{Organization: *org, LegacyOrgTokens: *legacyOrgTokens})
	if err := sim.SetConfig(cfg); err != nil {
		return err
	}
	if *seedFile != "" {
		if err := loadSeed(sim, *seedFile); err != nil {
			return err
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           sim,
		ConnState:         sim.ConnState,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(os.Stderr, "sentrysim: ", log.LstdFlags),
	}

	tokens := sim.Tokens()
	line, err := json.Marshal(announcement{
		BaseURL:      "http://" + ln.Addr().String() + "/api/",
		Organization: sim.Organization(),
		Tokens: map[string]string{
			"owner":   tokens.Owner,
			"manager": tokens.Manager,
			"member":  tokens.Member,
			"scim":    sim.SCIMToken(sim.Organization()),
			"org_ci":  sim.OrgCIToken(sim.Organization()),
		},
	})
	if err != nil {
		_ = ln.Close()
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		_ = ln.Close()
		return err
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadSeed loads a seed file into the emulator's organization.
func loadSeed(sim *sentrysim.Server, path string) error {
	f, err := os.Open(path) //nolint:gosec // The path is the operator's own flag.
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer f.Close()
	if err := sim.LoadSeed(sim.Organization(), f); err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	return nil
}
