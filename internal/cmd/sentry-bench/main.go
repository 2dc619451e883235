// Command sentry-bench measures the provider as Terraform runs it: it builds
// the provider, serves the Sentry emulator on 127.0.0.1, applies a generated
// organization of N objects, and times plans at a fixed API latency. It
// prints ratios (calls per object, plan time against the latency floor) so
// that its figures mean the same on any machine.
//
//	go run ./internal/cmd/sentry-bench -sizes 100,1000,3000
//
// With -shared N it also applies and destroys N objects under sentry.io's
// rate limits and faults, with and without a competing client spending the
// token's budget, and reports 429s per 1,000 requests, failed operations
// and wall time:
//
//	go run ./internal/cmd/sentry-bench -sizes= -invites 0 -shared 300
//
// make bench runs it. It needs terraform on PATH (or -terraform).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// Environment of the provider wrapper: when wrapTarget is set, this binary
// runs the provider at that path as its child and records the child's CPU
// time and peak memory in a file under usageDir.
const (
	envWrapTarget = "SENTRY_BENCH_PROVIDER"
	envUsageDir   = "SENTRY_BENCH_USAGE_DIR"
)

func main() {
	if target := os.Getenv(envWrapTarget); target != "" {
		os.Exit(wrapProvider(target, os.Getenv(envUsageDir)))
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sentry-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	sizes       []int
	latency     time.Duration
	parallelism []int
	terraform   string
	invites     int
	shared      int
	keep        bool
}

func run() error {
	var (
		o                  options
		sizes, parallelism string
		err                error
	)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defaultTerraform := os.Getenv("TERRAFORM")
	if defaultTerraform == "" {
		defaultTerraform, _ = exec.LookPath("terraform")
	}
	flag.StringVar(&sizes, "sizes", "100,1000,3000", "object counts to measure, comma-separated")
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "API latency during the timed plans")
	flag.StringVar(&parallelism, "parallelism", "10,30", "Terraform -parallelism values for the timed plans")
	flag.StringVar(&o.terraform, "terraform", defaultTerraform, "the terraform binary (default $TERRAFORM, else terraform on PATH)")
	flag.IntVar(&o.invites, "invites", 500, "invitations applied under sentry.io's rate limits (0 skips)")
	flag.IntVar(&o.shared, "shared", 0, "objects applied and destroyed at each -parallelism under sentry.io's rate limits and faults, with and without a competing client on the token (0 skips)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.Parse()
	// An empty -sizes leaves only the other measurements.
	if sizes != "" {
		if o.sizes, err = intList(sizes); err != nil {
			return fmt.Errorf("-sizes: %w", err)
		}
	}
	if o.parallelism, err = intList(parallelism); err != nil {
		return fmt.Errorf("-parallelism: %w", err)
	}
	if o.terraform == "" {
		return errors.New("no terraform on PATH: set -terraform or TERRAFORM")
	}

	work, err := os.MkdirTemp("", "sentry-bench.")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	b, err := newBench(ctx, work, o)
	if err != nil {
		return err
	}

	var rows []sizeResult
	for _, n := range o.sizes {
		fmt.Fprintf(os.Stderr, "==> %d objects\n", n)
		r, err := b.measureSize(ctx, n)
		if err != nil {
			return fmt.Errorf("%d objects: %w", n, err)
		}
		rows = append(rows, r)
	}
	if len(rows) > 0 {
		printSizes(os.Stdout, o, rows)
	}

	if o.shared > 0 {
		rows, err := b.measureShared(ctx, o.shared)
		if err != nil {
			return fmt.Errorf("shared rate limit: %w", err)
		}
		printShared(os.Stdout, o.shared, o.latency, rows)
	}

	if o.invites > 0 {
		fmt.Fprintf(os.Stderr, "==> %d invitations under sentry.io's rate limits\n", o.invites)
		r, err := b.measureInvites(ctx, o.invites)
		if err != nil {
			return fmt.Errorf("invitations: %w", err)
		}
		fmt.Printf("\n%d invitations under sentry.io's rate limits (%d requests a second on the members endpoint): "+
			"%d failed requests, %.0f%% of the limit used over %s\n",
			o.invites, r.limit, r.failed, 100*r.used, r.wall.Round(100*time.Millisecond))
	}
	return nil
}

func intList(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// bench holds what every measurement shares: the built provider, wrapped so
// its resource use is recorded, and a Terraform CLI configuration that points
// at it.
type bench struct {
	o        options
	work     string
	usageDir string
	cliRC    string
}

func newBench(ctx context.Context, work string, o options) (*bench, error) {
	b := &bench{o: o, work: work, usageDir: filepath.Join(work, "usage")}
	fmt.Fprintln(os.Stderr, "==> building the provider")
	provider := filepath.Join(work, "provider")
	build := exec.CommandContext(ctx, "go", "build", "-o", provider, ".") //nolint:gosec // Builds into the bench's own work directory.
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building the provider: %w", err)
	}
	// Terraform starts the wrapper as the provider; the wrapper is this
	// very program.
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(work, "bin")
	for _, dir := range []string{bin, b.usageDir} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
	}
	if err := copyFile(self, filepath.Join(bin, "terraform-provider-sentry")); err != nil {
		return nil, err
	}
	b.cliRC = filepath.Join(work, "terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/sentryrbac/sentry\" = %q\n  }\n  direct {}\n}\n", bin)
	if err := os.WriteFile(b.cliRC, []byte(rc), 0o600); err != nil {
		return nil, err
	}
	if err := os.Setenv(envWrapTarget, provider); err != nil {
		return nil, err
	}
	return b, os.Setenv(envUsageDir, b.usageDir)
}

func copyFile(from, to string) error {
	in, err := os.Open(from) //nolint:gosec // This program's own executable.
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o700) //nolint:gosec // A path in the bench's work directory.
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// emulator is the Sentry emulator served on 127.0.0.1 for one measurement.
type emulator struct {
	sim     *sentrysim.Server
	baseURL string
	close   func()
}

func startEmulator(opts sentrysim.Options) (*emulator, error) {
	sim := sentrysim.New(opts)
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: sim, ConnState: sim.ConnState, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	if err := sim.SetFeature(sim.Organization(), "sso-scim", true); err != nil {
		return nil, err
	}
	return &emulator{sim: sim, baseURL: "http://" + ln.Addr().String() + "/api/", close: func() { _ = srv.Close() }}, nil
}

// workDir makes the working directory name below the bench's work folder,
// with config as its main.tf.
func (b *bench) workDir(name, config string) (string, error) {
	dir := filepath.Join(b.work, name)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600)
}

// mixDir seeds e with the mix of n objects and makes the working
// directory name holding the mix's configuration.
func (b *bench) mixDir(e *emulator, name string, n int) (string, error) {
	mix := mixFor(n)
	if err := mix.setup(e.sim); err != nil {
		return "", err
	}
	return b.workDir(name, mix.config())
}

// terraform runs the terraform CLI in dir against the emulator, and returns
// its wall time; on failure, the error ends with the tail of its output.
func (b *bench) terraform(ctx context.Context, e *emulator, dir string, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, b.o.terraform, append(args, "-no-color")...) //nolint:gosec // The terraform the user chose.
	cmd.Dir = dir
	cmd.Env = b.env(e)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		tail := string(out)
		if len(tail) > 4000 {
			tail = "..." + tail[len(tail)-4000:]
		}
		return wall, fmt.Errorf("terraform %s: %w\n%s", args[0], err, tail)
	}
	return wall, nil
}

// env is terraform's environment against the emulator.
func (b *bench) env(e *emulator) []string {
	tokens := e.sim.Tokens()
	return append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+b.cliRC,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"SENTRY_BASE_URL="+e.baseURL,
		"SENTRY_ORG="+e.sim.Organization(),
		"SENTRY_AUTH_TOKEN="+tokens.Owner,
		"SENTRY_SCIM_TOKEN="+e.sim.SCIMToken(e.sim.Organization()),
	)
}

// usage is what the wrapper records about one provider process.
type usage struct {
	CPU    time.Duration `json:"cpu"`
	MaxRSS int64         `json:"max_rss_kib"`
}

// takeUsage reads and removes the usage files of the provider processes
// that ended since the last call: their CPU time summed, the largest peak.
func (b *bench) takeUsage() (cpu time.Duration, peakKiB int64, err error) {
	entries, err := os.ReadDir(b.usageDir)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range entries {
		p := filepath.Join(b.usageDir, e.Name())
		data, err := os.ReadFile(p) //nolint:gosec // A file the wrapper wrote in the work directory.
		if err != nil {
			return 0, 0, err
		}
		var u usage
		if err := json.Unmarshal(data, &u); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", p, err)
		}
		cpu += u.CPU
		peakKiB = max(peakKiB, u.MaxRSS)
		if err := os.Remove(p); err != nil {
			return 0, 0, err
		}
	}
	return cpu, peakKiB, nil
}

// wrapProvider runs the provider as a child with this process's standard
// streams, so Terraform talks to it as if it were started directly, and
// records the child's resource use when it exits.
func wrapProvider(target, usageDir string) int {
	cmd := exec.CommandContext(context.Background(), target, os.Args[1:]...) //nolint:gosec // The provider the bench built, with Terraform's arguments.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "sentry-bench wrapper:", err)
		return 1
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && usageDir != "" {
		u := usage{
			CPU:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
			MaxRSS: ru.Maxrss,
		}
		data, _ := json.Marshal(u)
		_ = os.WriteFile(filepath.Join(usageDir, strconv.Itoa(cmd.Process.Pid)+".json"), data, 0o600) //nolint:gosec // The bench's work directory.
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

// sizeResult is what one object count measured.
type sizeResult struct {
	objects       int
	applyCalls    float64
	refreshCalls  float64
	plans         []planResult
	cpuPerRead    time.Duration
	peakRSSMiB    float64
	applyDuration time.Duration
}

// planResult is one timed plan.
type planResult struct {
	parallelism int
	wall, floor time.Duration
	connections int64
}

func (b *bench) measureSize(ctx context.Context, n int) (sizeResult, error) {
	r := sizeResult{objects: n}
	e, err := startEmulator(sentrysim.Options{Organization: "acme", LegacyOrgTokens: true})
	if err != nil {
		return r, err
	}
	defer e.close()
	dir, err := b.mixDir(e, fmt.Sprintf("objects-%d", n), n)
	if err != nil {
		return r, err
	}

	e.sim.ResetStats()
	if r.applyDuration, err = b.terraform(ctx, e, dir, "apply", "-auto-approve", "-input=false", "-parallelism=10"); err != nil {
		return r, err
	}
	r.applyCalls = float64(e.sim.Stats().Total()) / float64(n)
	if _, _, err := b.takeUsage(); err != nil {
		return r, err
	}

	if err := e.sim.SetConfig(sentrysim.Config{Latency: b.o.latency}); err != nil {
		return r, err
	}
	for i, p := range b.o.parallelism {
		e.sim.ResetStats()
		wall, err := b.terraform(ctx, e, dir, "plan", "-input=false", "-detailed-exitcode", "-parallelism="+strconv.Itoa(p))
		if err != nil {
			return r, fmt.Errorf("the plan after apply is not empty or failed: %w", err)
		}
		st := e.sim.Stats()
		calls := st.Total()
		cpu, peak, err := b.takeUsage()
		if err != nil {
			return r, err
		}
		if i == 0 {
			r.refreshCalls = float64(calls) / float64(n)
			r.cpuPerRead = cpu / time.Duration(n)
			r.peakRSSMiB = float64(peak) / 1024
		}
		r.plans = append(r.plans, planResult{
			parallelism: p,
			wall:        wall,
			floor:       time.Duration(calls) * b.o.latency / time.Duration(p),
			connections: st.Connections,
		})
	}

	if err := e.sim.SetConfig(sentrysim.Config{}); err != nil {
		return r, err
	}
	if _, err := b.terraform(ctx, e, dir, "destroy", "-auto-approve", "-input=false", "-parallelism=10"); err != nil {
		return r, err
	}
	_, _, err = b.takeUsage()
	return r, err
}

func printSizes(w io.Writer, o options, rows []sizeResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "objects\tcalls/object apply\tcalls/object refresh\t")
	for _, p := range o.parallelism {
		fmt.Fprintf(tw, "plan/floor p=%d\tconns p=%d\t", p, p)
	}
	fmt.Fprintf(tw, "CPU ms/read\tpeak RSS MiB\tMiB/1000 objects\t\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%.2f\t%.2f\t", r.objects, r.applyCalls, r.refreshCalls)
		for _, p := range r.plans {
			fmt.Fprintf(tw, "%.2fx\t%d\t", float64(p.wall)/float64(p.floor), p.connections)
		}
		fmt.Fprintf(tw, "%.2f\t%.0f\t%.0f\t\n", float64(r.cpuPerRead)/float64(time.Millisecond), r.peakRSSMiB,
			r.peakRSSMiB*1000/float64(r.objects))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nplan/floor: plan wall time over the latency floor (refresh calls x %s / parallelism); "+
		"conns: TCP connections the plan opened; CPU ms/read and peak RSS: the provider processes of the plan at p=%d.\n",
		o.latency, o.parallelism[0])
}
