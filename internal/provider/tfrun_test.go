package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/sentryrbac/terraform-provider-sentry/internal/communitystandin"
	"github.com/sentryrbac/terraform-provider-sentry/internal/tfcli"
)

// providerAddress is where Terraform finds the provider, as main.go serves
// it; reattached providers are keyed by it.
const providerAddress = "registry.terraform.io/sentryrbac/sentry"

// reattachAddress is providerAddress as the program the tests drive reads
// the configuration's source = "sentryrbac/sentry": on OpenTofu the host
// is OpenTofu's registry.
func reattachAddress(t *testing.T) string {
	t.Helper()
	return tfcli.RegistryHost(t) + "/" + strings.TrimPrefix(providerAddress, tfcli.TerraformRegistry+"/")
}

// useOpenTofuRegistryHost tells terraform-plugin-testing, when the tests
// drive OpenTofu, to reattach the provider under OpenTofu's registry host,
// which OpenTofu puts before a provider name without one. A host set in
// TF_ACC_PROVIDER_HOST is left as it is.
func useOpenTofuRegistryHost() error {
	if os.Getenv("TF_ACC") == "" || os.Getenv(resource.EnvTfAccProviderHost) != "" {
		return nil
	}
	bin := tfcli.Path()
	if bin == "" {
		return nil
	}
	tofu, err := tfcli.IsOpenTofu(bin)
	if err != nil || !tofu {
		return err
	}
	return os.Setenv(resource.EnvTfAccProviderHost, tfcli.OpenTofuRegistry)
}

// tfCommandTimeout bounds one Terraform command, so that a hung apply
// fails the test instead of the whole run.
const tfCommandTimeout = 10 * time.Minute

// tfRunner drives the Terraform CLI directly in a working directory, with
// the provider served in-process. Unlike the step model of
// terraform-plugin-testing it lets a test apply, look at the failure, and
// apply again. Each command gets a fresh provider server, as a real
// Terraform run gets a fresh provider process. A runner runs one command
// at a time.
type tfRunner struct {
	t   *testing.T
	dir string
	tf  *tfexec.Terraform
	// out is the output of the command under way.
	out lockedBuffer
	// community is set by withCommunityProvider: the configuration names
	// the community provider, configured by communityConfig, and
	// Terraform finds it in communityMirror or, when that is empty, as
	// the in-process stand-in.
	community       bool
	communityConfig string
	communityMirror string
}

// tfRunnerOption changes what a tfRunner gives Terraform.
type tfRunnerOption func(*tfRunner)

// communityLocalName is the community provider's name in the
// configurations withCommunityProvider writes: provider "community" {}.
const communityLocalName = "community"

// envCommunityMirror names a Terraform filesystem mirror holding the
// community provider (scripts/community-provider-mirror.sh makes one).
const envCommunityMirror = "SENTRY_ACC_COMMUNITY_MIRROR"

// withCommunityProvider puts the community provider
// (registry.terraform.io/jianyuan/sentry) at Terraform's hand, as tests of
// migrating from it need: Terraform plans a state naming a provider only
// with that provider installed, even when moved blocks hand its resources
// to this provider or removed blocks forget them. config is its provider
// block (accEnv.communityProviderConfig), added to every configuration
// with the provider in required_providers as communityLocalName.
//
// With SENTRY_ACC_COMMUNITY_MIRROR set (make test-move), Terraform runs the
// real provider v0.15.4 from that filesystem mirror, and it reads Sentry
// as it would for a user. Otherwise the runner serves
// internal/communitystandin in-process beside this provider: the real
// provider's recorded schema, states kept as they are, no request to
// Sentry, and an error for anything it would have to create, change or
// apply. A test passing with the stand-in shows what Terraform and this
// provider do with the community provider's state; only the real provider
// shows that its schema, configuration and reads agree. Name such tests
// TestAcc...FromCommunity: make test-move runs them with the real provider.
func withCommunityProvider(config string) tfRunnerOption {
	return func(r *tfRunner) {
		r.community = true
		r.communityConfig = config
		r.communityMirror = os.Getenv(envCommunityMirror)
	}
}

// communityKind says which community provider the runner gives Terraform,
// for test messages.
func (r *tfRunner) communityKind() string {
	if r.communityMirror != "" {
		return "the community provider from " + r.communityMirror
	}
	return "the community provider's stand-in"
}

// lockedBuffer collects a command's stdout and stderr, which tfexec
// writes from two goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// newTFRunner writes config to a new working directory and runs
// terraform init there. The test is skipped when TF_ACC is unset, as
// other acceptance tests are.
func newTFRunner(t *testing.T, config string, opts ...tfRunnerOption) *tfRunner {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run only when TF_ACC is set")
	}
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if path == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must name the terraform binary (make test sets it)")
	}
	dir := t.TempDir()
	tf, err := tfexec.NewTerraform(dir, path)
	if err != nil {
		t.Fatal(err)
	}
	// Terraform's own settings (TF_LOG, TF_CLI_ARGS, TF_REATTACH_PROVIDERS)
	// are left out: tfexec sets those it needs, and the others would
	// change the runs.
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && !strings.HasPrefix(k, "TF_") {
			env[k] = v
		}
	}
	env["CHECKPOINT_DISABLE"] = "1"
	// A CLI configuration with provider_installation or dev_overrides
	// would change what init does; the runner relies on reattachment only.
	env["TF_CLI_CONFIG_FILE"] = filepath.Join(dir, ".terraformrc")
	if err := os.WriteFile(env["TF_CLI_CONFIG_FILE"], nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tf.SetEnv(env); err != nil {
		t.Fatal(err)
	}
	r := &tfRunner{t: t, dir: dir, tf: tf}
	for _, o := range opts {
		o(r)
	}
	tf.SetStdout(&r.out)
	tf.SetStderr(&r.out)
	r.writeConfig(config)
	if out, err := r.run("init", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		initOpts := []tfexec.InitOption{tfexec.Reattach(ra), tfexec.Upgrade(false)}
		if r.communityMirror != "" {
			// Reattached providers are not installed; the mirror is for
			// the community provider only.
			initOpts = append(initOpts, tfexec.PluginDir(r.communityMirror))
		}
		return tf.Init(ctx, initOpts...)
	}); err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}
	return r
}

// writeConfig replaces the working directory's configuration.
func (r *tfRunner) writeConfig(config string) {
	r.t.Helper()
	var community string
	if r.community {
		// The community provider's full address, host included: the
		// recorded states name registry.terraform.io, which OpenTofu
		// would not assume for a bare "jianyuan/sentry".
		community = fmt.Sprintf("    %s = {\n      source  = %q\n      version = %q\n    }\n", communityLocalName,
			communitystandin.Address, communitystandin.Version)
		config = r.communityConfig + "\n" + config
	}
	required := fmt.Sprintf("terraform {\n  required_providers {\n    sentry = {\n      source = %q\n    }\n%s  }\n}\n\n",
		strings.TrimPrefix(providerAddress, "registry.terraform.io/"), community)
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(required+config), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

// run serves the provider, runs one Terraform command against it, and
// returns the command's output.
func (r *tfRunner) run(name string, f func(context.Context, tfexec.ReattachInfo) error) (string, error) {
	r.out.Reset()
	ctx, cancel := context.WithTimeout(context.Background(), tfCommandTimeout)
	defer cancel()
	err := withProviderServer(ctx, r.t, r.community && r.communityMirror == "",
		func(ra tfexec.ReattachInfo) error { return f(ctx, ra) })
	if ctx.Err() != nil {
		err = fmt.Errorf("terraform %s did not end within %s: %w", name, tfCommandTimeout, errors.Join(err, ctx.Err()))
	}
	return r.out.String(), err
}

// apply runs terraform apply -auto-approve -parallelism=10.
func (r *tfRunner) apply() (string, error) {
	return r.run("apply", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		return r.tf.Apply(ctx, tfexec.Reattach(ra), tfexec.Parallelism(10))
	})
}

// destroy runs terraform destroy -auto-approve -parallelism=10.
func (r *tfRunner) destroy() (string, error) {
	return r.run("destroy", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		return r.tf.Destroy(ctx, tfexec.Reattach(ra), tfexec.Parallelism(10))
	})
}

// plan runs terraform plan -detailed-exitcode and reports whether it
// found changes.
func (r *tfRunner) plan() (bool, string, error) {
	var changes bool
	out, err := r.run("plan", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		var err error
		changes, err = r.tf.Plan(ctx, tfexec.Reattach(ra), tfexec.Parallelism(10))
		return err
	})
	return changes, out, err
}

// planToFile runs terraform plan -out=file.
func (r *tfRunner) planToFile(file string) (string, error) {
	return r.run("plan", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		_, err := r.tf.Plan(ctx, tfexec.Reattach(ra), tfexec.Out(file))
		return err
	})
}

// showPlanFile returns a saved plan as terraform show -json has it.
func (r *tfRunner) showPlanFile(file string) *tfjson.Plan {
	r.t.Helper()
	var plan *tfjson.Plan
	out, err := r.run("show", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		var err error
		plan, err = r.tf.ShowPlanFile(ctx, file, tfexec.Reattach(ra))
		return err
	})
	if err != nil {
		r.t.Fatalf("terraform show: %v\n%s", err, out)
	}
	return plan
}

// show returns the state as terraform show -json has it, sensitive
// values included.
func (r *tfRunner) show() *tfjson.State {
	r.t.Helper()
	var state *tfjson.State
	out, err := r.run("show", func(ctx context.Context, ra tfexec.ReattachInfo) error {
		var err error
		state, err = r.tf.Show(ctx, tfexec.Reattach(ra))
		return err
	})
	if err != nil {
		r.t.Fatalf("terraform show: %v\n%s", err, out)
	}
	return state
}

// stateResources returns the managed resources in the root module of a
// state, by type.
func stateResources(s *tfjson.State) map[string][]*tfjson.StateResource {
	out := map[string][]*tfjson.StateResource{}
	if s == nil || s.Values == nil || s.Values.RootModule == nil {
		return out
	}
	for _, rs := range s.Values.RootModule.Resources {
		if rs.Mode == tfjson.ManagedResourceMode {
			out[rs.Type] = append(out[rs.Type], rs)
		}
	}
	return out
}

// stateAttr is a string attribute of a state resource, "" when absent.
func stateAttr(rs *tfjson.StateResource, name string) string {
	s, _ := rs.AttributeValues[name].(string)
	return s
}

// providerServerStop bounds the wait for a provider server to end once its
// command is done.
const providerServerStop = 30 * time.Second

// withProviderServer serves a new instance of the provider in-process in
// go-plugin's debug mode, as terraform-plugin-testing does, and calls f
// with what TF_REATTACH_PROVIDERS must say for Terraform to use it. With
// standIn it serves the stand-in for the community provider beside it
// (see withCommunityProvider). The servers are stopped when f returns.
func withProviderServer(ctx context.Context, t *testing.T, standIn bool, f func(tfexec.ReattachInfo) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	servers := map[string]tfprotov6.ProviderServer{reattachAddress(t): NewProtocol6("test")()}
	if standIn {
		s, err := communitystandin.New()
		if err != nil {
			return fmt.Errorf("the community provider's stand-in: %w", err)
		}
		servers[communitystandin.Address] = s
	}
	ra := tfexec.ReattachInfo{}
	var stopped []<-chan struct{}
	var err error
	for address, server := range servers {
		var cfg tfexec.ReattachConfig
		var closed <-chan struct{}
		if cfg, closed, err = tfcli.ServeInProcess(ctx, t, address, server); err != nil {
			break
		}
		ra[address] = cfg
		stopped = append(stopped, closed)
	}
	if err == nil {
		err = f(ra)
	}
	cancel()
	deadline := time.After(providerServerStop)
	for _, closed := range stopped {
		select {
		case <-closed:
		case <-deadline:
			return errors.Join(err, fmt.Errorf("a provider server did not stop within %s", providerServerStop))
		}
	}
	return err
}

// needTerraform skips the test when the runner's Terraform is older than
// minVersion, the first release with what the test needs (why); make
// test-compat runs the acceptance tests on an older one.
func (r *tfRunner) needTerraform(minVersion, why string) {
	r.t.Helper()
	got, _, err := r.tf.Version(context.Background(), false)
	if err != nil {
		r.t.Fatalf("asking terraform its version: %v", err)
	}
	if got.LessThan(version.Must(version.NewVersion(minVersion))) {
		r.t.Skipf("%s needs Terraform %s or later; this one is %s", why, minVersion, got)
	}
}
