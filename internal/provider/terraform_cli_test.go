package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Some of what Terraform 1.14 does (terraform query -generate-config-out,
// then plan and apply of what it wrote) is beyond terraform-plugin-testing,
// so those tests drive the CLI themselves, with the provider served from
// the test process the way terraform-plugin-testing serves it.

// minQueryTerraform is the first Terraform with terraform query.
var minQueryTerraform = version.Must(version.NewVersion("1.14.0"))

// queryTerraform is the Terraform 1.14 or later that TF_ACC_TERRAFORM_PATH
// names. The test is skipped on an older one, so make test passes where
// only an older Terraform is at hand; make test-query builds 1.14.
func queryTerraform(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC=1")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("terraform"); err != nil {
			t.Skip("terraform query needs Terraform 1.14 or later and there is no terraform: run make test-query")
		}
	}
	v, err := terraformVersion(t.Context(), bin)
	if err != nil {
		t.Fatalf("asking %s its version: %v", bin, err)
	}
	if v.LessThan(minQueryTerraform) {
		t.Skipf("terraform query needs Terraform %s or later and %s is %s: run make test-query", minQueryTerraform, bin, v)
	}
	return bin
}

func terraformVersion(ctx context.Context, bin string) (*version.Version, error) {
	cmd := exec.CommandContext(ctx, bin, "version", "-json")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var v struct {
		TerraformVersion string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, err
	}
	return version.NewVersion(v.TerraformVersion)
}

// reattachConfig is one provider's entry in TF_REATTACH_PROVIDERS.
type reattachConfig struct {
	Protocol        string
	ProtocolVersion int
	Pid             int
	Test            bool
	Addr            struct{ Network, String string }
}

// serveProvider serves the provider from the test process until the test
// ends, and returns the TF_REATTACH_PROVIDERS value that points Terraform
// at it as hashicorp/sentry (what a config without required_providers
// asks for).
func serveProvider(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve("registry.terraform.io/hashicorp/sentry", providerserver.NewProtocol6(New("test")()),
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			tf6server.WithLoggingSink(t),
			tf6server.WithoutLogStderrOverride())
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case err := <-served:
		cancel()
		t.Fatalf("serving the provider: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	entry := reattachConfig{Protocol: string(rc.Protocol), ProtocolVersion: rc.ProtocolVersion, Pid: rc.Pid, Test: rc.Test}
	entry.Addr.Network, entry.Addr.String = rc.Addr.Network(), rc.Addr.String()
	value, err := json.Marshal(map[string]reattachConfig{"registry.terraform.io/hashicorp/sentry": entry})
	if err != nil {
		t.Fatal(err)
	}
	return string(value)
}

// terraformDir is a working directory where a test runs Terraform against
// the provider it serves.
type terraformDir struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

func newTerraformDir(t *testing.T, bin string) *terraformDir {
	t.Helper()
	dir := t.TempDir()
	// An empty CLI configuration: nothing from the machine's applies.
	cliConfig := filepath.Join(dir, ".terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"TF_REATTACH_PROVIDERS="+serveProvider(t),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
	)
	return &terraformDir{t: t, bin: bin, dir: dir, env: env}
}

// write puts a file in the working directory.
func (d *terraformDir) write(name, content string) {
	d.t.Helper()
	if err := os.WriteFile(filepath.Join(d.dir, name), []byte(content), 0o600); err != nil {
		d.t.Fatal(err)
	}
}

// read is a file of the working directory.
func (d *terraformDir) read(name string) string {
	d.t.Helper()
	b, err := os.ReadFile(filepath.Join(d.dir, name))
	if err != nil {
		d.t.Fatal(err)
	}
	return string(b)
}

// run runs terraform with args and returns its exit code and its output,
// stdout then stderr.
func (d *terraformDir) run(args ...string) (int, string) {
	d.t.Helper()
	cmd := exec.CommandContext(d.t.Context(), d.bin, args...)
	cmd.Dir = d.dir
	cmd.Env = d.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String() + stderr.String()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out
	case errors.As(err, &exit):
		return exit.ExitCode(), out
	default:
		d.t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
		return 0, ""
	}
}

// must runs terraform with args and fails the test unless it succeeds.
func (d *terraformDir) must(args ...string) string {
	d.t.Helper()
	code, out := d.run(args...)
	if code != 0 {
		d.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}
