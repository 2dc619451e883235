// Command community-fixtures records the fixtures of the migration tests:
// the community Sentry provider (registry.terraform.io/jianyuan/sentry)
// applies the workspace in testdata/community-v<version>/workspace against
// the in-process emulator, some invitations are then accepted and some
// expire (as people would do), a refresh records that, and the command
// writes what the tests start from:
//
//   - terraform.tfstate, the state as the community provider wrote it;
//   - show.json, `terraform show -json` of it (what sentry-import reads);
//   - seed.json, the emulator's objects the workspace made, with their ids,
//     so that a fresh emulator loading it matches the state;
//   - recorded.json, the Terraform and provider versions used.
//
// The community provider is not on the Go module proxy:
// scripts/community-provider-mirror.sh builds it into a filesystem mirror
// from a checkout (COMMUNITY_PROVIDER_SRC). make community-fixtures runs
// this with that mirror.
//
// Usage:
//
//	community-fixtures -mirror DIR [-terraform PATH] [-dir internal/testdata/community-v0.15.4]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// joined are the invitations accepted after the apply, expired those left
// to expire: together they give the state joined members, pending and
// expired invitations.
var (
	joined  = []string{"alice@example.com", "carol@example.com", "frank@example.com", "ivan@example.com", "judy@example.com", "niaj@example.com", "Olivia.Smith@example.com"}
	expired = []string{"sybil@example.com", "trent@example.com"}
)

func main() {
	dir := flag.String("dir", "internal/testdata/community-v0.15.4", "fixture directory: reads workspace/main.tf, writes the fixtures")
	mirror := flag.String("mirror", os.Getenv("SENTRY_ACC_COMMUNITY_MIRROR"), "Terraform filesystem mirror holding registry.terraform.io/jianyuan/sentry")
	terraform := flag.String("terraform", "terraform", "the terraform binary")
	flag.Parse()
	if err := record(*dir, *mirror, *terraform); err != nil {
		fmt.Fprintln(os.Stderr, "community-fixtures:", err)
		os.Exit(1)
	}
}

func record(dir, mirror, terraform string) error {
	if mirror == "" {
		return errors.New("-mirror (or SENTRY_ACC_COMMUNITY_MIRROR) must name a filesystem mirror holding jianyuan/sentry; scripts/community-provider-mirror.sh makes one")
	}
	config, err := os.ReadFile(filepath.Join(dir, "workspace", "main.tf")) //nolint:gosec // The fixture directory the developer names.
	if err != nil {
		return err
	}
	sim := sentrysim.New(sentrysim.Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	org := sim.Organization()
	mark := sim.NextID()

	work, err := os.MkdirTemp("", "community-fixtures-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	if err := os.WriteFile(filepath.Join(work, "main.tf"), config, 0o600); err != nil { //nolint:gosec // A temporary directory of this run.
		return err
	}
	cliConfig := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(cliConfig, fmt.Appendf(nil, //nolint:gosec // A temporary directory of this run.
		"provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror), 0o600); err != nil {
		return err
	}
	tf := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(context.Background(), terraform, args...) //nolint:gosec // The terraform the developer names.
		cmd.Dir = work
		cmd.Env = append(os.Environ(),
			"TF_CLI_CONFIG_FILE="+cliConfig,
			"TF_IN_AUTOMATION=1",
			"TF_VAR_base_url="+srv.URL+"/api/",
			"SENTRY_AUTH_TOKEN="+sim.Tokens().Owner,
		)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("terraform %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.Bytes(), nil
	}

	steps := [][]string{{"init", "-input=false"}, {"apply", "-input=false", "-auto-approve"}}
	for _, args := range steps {
		if _, err := tf(args...); err != nil {
			return err
		}
	}
	for _, email := range joined {
		if _, err := sim.AcceptInvite(org, email); err != nil {
			return fmt.Errorf("accept the invitation of %s: %w", email, err)
		}
	}
	for _, email := range expired {
		if err := sim.ExpireInvite(org, email); err != nil {
			return fmt.Errorf("expire the invitation of %s: %w", email, err)
		}
	}
	if _, err := tf("apply", "-input=false", "-refresh-only", "-auto-approve"); err != nil {
		return err
	}
	// The fixture must be a settled workspace: its own plan is empty.
	if out, err := tf("plan", "-input=false", "-detailed-exitcode"); err != nil {
		return fmt.Errorf("the recorded workspace does not plan empty: %w\n%s", err, out)
	}

	state, err := os.ReadFile(filepath.Join(work, "terraform.tfstate")) //nolint:gosec // A temporary directory of this run.
	if err != nil {
		return err
	}
	show, err := tf("show", "-json")
	if err != nil {
		return err
	}
	seed, err := sim.Seed(org, mark)
	if err != nil {
		return err
	}
	tfVersion, err := tf("version", "-json")
	if err != nil {
		return err
	}
	var v struct {
		TerraformVersion string            `json:"terraform_version"`
		Providers        map[string]string `json:"provider_selections"`
	}
	if err := json.Unmarshal(tfVersion, &v); err != nil {
		return err
	}
	recorded, err := json.MarshalIndent(map[string]any{
		"terraform_version": v.TerraformVersion, "providers": v.Providers,
		"organization": org, "first_id": fmt.Sprint(mark),
		"joined": joined, "expired": expired,
	}, "", "  ")
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		"terraform.tfstate": state, "show.json": indent(show), "seed.json": indent(seed), "recorded.json": recorded,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), append(bytes.TrimRight(data, "\n"), '\n'), 0o644); err != nil { //nolint:gosec // fixtures are committed files
			return err
		}
	}
	fmt.Printf("recorded %s with %s and %v\n", dir, v.TerraformVersion, v.Providers)
	return nil
}

// indent pretty-prints JSON so the fixtures diff well; anything else is
// returned as it is.
func indent(data []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return data
	}
	return out.Bytes()
}
