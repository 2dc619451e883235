package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// competitorInterval is how often the competing client of the shared-limit
// measurement takes every route's budget for a second, by the clock.
const competitorInterval = 2 * time.Second

// sharedResult is one apply and one destroy under sentry.io's rate limits
// and faults, with or without a competing client on the same token.
type sharedResult struct {
	parallelism int
	competitor  bool
	apply       runResult
	destroy     runResult
}

// runResult is one terraform run: its wall time, the operations that
// failed (Terraform's error diagnostics), and what the emulator counted.
type runResult struct {
	wall        time.Duration
	failed      int
	requests    int64
	rateLimited int64
}

// per1000 is the 429s per 1,000 requests.
func (r runResult) per1000() float64 {
	if r.requests == 0 {
		return 0
	}
	return 1000 * float64(r.rateLimited) / float64(r.requests)
}

// diagnosticError is one of Terraform's error diagnostics, one per failed
// operation.
var diagnosticError = regexp.MustCompile(`(?m)^[│ ]*Error: `)

// measureShared applies and destroys n objects once at each parallelism,
// with and without a competing client, under sentry.io's limits, 5% 5xx
// and 5% of the mutating requests dropped before and 5% after the change.
// A failed run is a result, not an error.
func (b *bench) measureShared(ctx context.Context, n int) ([]sharedResult, error) {
	var out []sharedResult
	for _, p := range b.o.parallelism {
		for _, competitor := range []bool{false, true} {
			fmt.Fprintf(os.Stderr, "==> %d objects at p=%d, competing client %t\n", n, p, competitor)
			r, err := b.measureSharedOnce(ctx, n, p, competitor)
			if err != nil {
				return out, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func (b *bench) measureSharedOnce(ctx context.Context, n, p int, competitor bool) (sharedResult, error) {
	r := sharedResult{parallelism: p, competitor: competitor}
	e, err := startEmulator(sentrysim.Options{Organization: "acme", LegacyOrgTokens: true})
	if err != nil {
		return r, err
	}
	defer e.close()
	dir, err := b.mixDir(e, fmt.Sprintf("shared-%d-p%d-%t", n, p, competitor), n)
	if err != nil {
		return r, err
	}
	cfg := sentrysim.Config{
		RateLimit: sentrysim.RateLimitSaaS,
		Latency:   b.o.latency,
		FaultRate: 0.05, FaultStatuses: []int{500, 502, 503, 504},
		DropRate: 0.05, DropAfterRate: 0.05,
		Seed: 42,
	}
	if competitor {
		cfg.Burst429Interval = competitorInterval
	}
	if err := e.sim.SetConfig(cfg); err != nil {
		return r, err
	}
	pf := "-parallelism=" + strconv.Itoa(p)
	if r.apply, err = b.run(ctx, e, dir, "apply", "-auto-approve", "-input=false", pf); err != nil {
		return r, err
	}
	if r.destroy, err = b.run(ctx, e, dir, "destroy", "-auto-approve", "-input=false", pf); err != nil {
		return r, err
	}
	_, _, err = b.takeUsage()
	return r, err
}

// run is terraform whose failure is measured rather than returned: only
// a terraform that cannot start is an error.
func (b *bench) run(ctx context.Context, e *emulator, dir string, args ...string) (runResult, error) {
	var r runResult
	e.sim.ResetStats()
	cmd := exec.CommandContext(ctx, b.o.terraform, append(args, "-no-color")...) //nolint:gosec // The terraform the user chose.
	cmd.Dir = dir
	cmd.Env = b.env(e)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r.wall = time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return r, fmt.Errorf("terraform %s: %w", args[0], err)
	}
	found := diagnosticError.FindAllIndex(out, -1)
	r.failed = len(found)
	for _, at := range found {
		// The failures' summaries, so that a figure can be explained.
		detail, _, _ := bytes.Cut(out[at[1]:], []byte("\n\n\n"))
		fmt.Fprintf(os.Stderr, "    terraform %s: Error: %s\n", args[0], bytes.ReplaceAll(detail, []byte("\n"), []byte("\n    ")))
	}
	if err != nil && r.failed == 0 {
		return r, fmt.Errorf("terraform %s failed without an error diagnostic:\n%s", args[0], out)
	}
	st := e.sim.Stats()
	r.requests, r.rateLimited = st.Total(), st.RateLimited
	return r, nil
}

func printShared(w io.Writer, n int, latency time.Duration, rows []sharedResult) {
	fmt.Fprintf(w, "\n%d objects under sentry.io's rate limits, %s latency, 5%% 5xx, 5%% dropped before and 5%% after the change; "+
		"competing client: every %s it takes each route's budget for a second. One apply, then one destroy.\n",
		n, latency, competitorInterval)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "p\tcompetitor\tapply failed\tapply 429/1000\tapply requests\tapply wall\tdestroy failed\tdestroy 429/1000\tdestroy requests\tdestroy wall\t\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%t\t%d\t%.1f\t%d\t%s\t%d\t%.1f\t%d\t%s\t\n", r.parallelism, r.competitor,
			r.apply.failed, r.apply.per1000(), r.apply.requests, r.apply.wall.Round(100*time.Millisecond),
			r.destroy.failed, r.destroy.per1000(), r.destroy.requests, r.destroy.wall.Round(100*time.Millisecond))
	}
	_ = tw.Flush()
}
