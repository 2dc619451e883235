// Package tfcli tells acceptance tests which command-line program they
// drive, Terraform or OpenTofu, and what follows from that: the registry
// host a provider source without one means, and the tests that cannot run
// on OpenTofu. It also serves providers from the test process for the
// program to reattach to (ServeInProcess).
package tfcli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Registry hosts that a provider source such as "sentryrbac/sentry" means:
// Terraform's default registry, and OpenTofu's.
const (
	TerraformRegistry = "registry.terraform.io"
	OpenTofuRegistry  = "registry.opentofu.org"
)

// Path is the program acceptance tests drive, found as
// terraform-plugin-testing finds it: TF_ACC_TERRAFORM_PATH, else terraform
// on PATH. It is empty when there is neither.
func Path() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return ""
	}
	return p
}

var (
	kindsMu sync.Mutex
	kinds   = map[string]bool{}
)

// IsOpenTofu reports whether the program at bin is OpenTofu. It asks the
// program once: OpenTofu's `version` says "OpenTofu v1.12.6" where
// Terraform's says "Terraform v1.14.9" (their `version -json` look alike: both
// name the version terraform_version).
func IsOpenTofu(bin string) (bool, error) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if tofu, ok := kinds[bin]; ok {
		return tofu, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version") //nolint:gosec // The tests' own Terraform or OpenTofu.
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return false, fmt.Errorf("asking %s its version: %w", bin, err)
	}
	// OpenTofu prints warnings about its CLI configuration on stdout,
	// before the version line.
	for line := range strings.Lines(string(out)) {
		switch {
		case strings.HasPrefix(line, "OpenTofu v"):
			kinds[bin] = true
			return true, nil
		case strings.HasPrefix(line, "Terraform v"):
			kinds[bin] = false
			return false, nil
		}
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return false, fmt.Errorf("%s is neither Terraform nor OpenTofu: its version says %q", bin, first)
}

// OpenTofu reports whether the acceptance tests drive OpenTofu; a program
// that cannot tell its version ends the test.
func OpenTofu(t testing.TB) bool {
	t.Helper()
	bin := Path()
	if bin == "" {
		// terraform-plugin-testing installs Terraform then.
		return false
	}
	tofu, err := IsOpenTofu(bin)
	if err != nil {
		t.Fatal(err)
	}
	return tofu
}

// SkipOnOpenTofu skips t, saying why, when the acceptance tests drive
// OpenTofu; on Terraform it does nothing. why says what the test needs
// that OpenTofu lacks.
func SkipOnOpenTofu(t testing.TB, why string) {
	t.Helper()
	if OpenTofu(t) {
		t.Skipf("skipped on OpenTofu: %s", why)
	}
}

// RegistryHost is the host that the program the tests drive puts before a
// provider source without one: what TF_REATTACH_PROVIDERS must name for a
// configuration that says source = "sentryrbac/sentry".
func RegistryHost(t testing.TB) string {
	t.Helper()
	if OpenTofu(t) {
		return OpenTofuRegistry
	}
	return TerraformRegistry
}
