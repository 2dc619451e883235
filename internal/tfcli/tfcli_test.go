package tfcli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeCLI writes a program that prints version as its version.
func fakeCLI(t *testing.T, version string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cli")
	script := "#!/bin/sh\nprintf '%s\\n' " + "'" + version + "'\n"
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil { //nolint:gosec // An executable test program.
		t.Fatal(err)
	}
	return bin
}

func TestIsOpenTofu(t *testing.T) {
	cases := []struct {
		version string
		tofu    bool
		err     string
	}{
		{"OpenTofu v1.12.6\non linux_amd64", true, ""},
		{"Terraform v1.14.9\non linux_amd64", false, ""},
		{"Terraform v1.5.7", false, ""},
		{"\nWarning: Unable to open CLI configuration file\n\nOpenTofu v1.12.6", true, ""},
		{"something else 1.0", false, "neither Terraform nor OpenTofu"},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			tofu, err := IsOpenTofu(fakeCLI(t, c.version))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("IsOpenTofu = %v, %v; want an error with %q", tofu, err, c.err)
				}
				return
			}
			if err != nil || tofu != c.tofu {
				t.Fatalf("IsOpenTofu = %v, %v; want %v", tofu, err, c.tofu)
			}
		})
	}
}

func TestRegistryHostFollowsTheProgram(t *testing.T) {
	t.Setenv("TF_ACC_TERRAFORM_PATH", fakeCLI(t, "OpenTofu v1.12.6"))
	if got := RegistryHost(t); got != OpenTofuRegistry {
		t.Errorf("on OpenTofu RegistryHost = %q", got)
	}
	t.Setenv("TF_ACC_TERRAFORM_PATH", fakeCLI(t, "Terraform v1.14.9"))
	if got := RegistryHost(t); got != TerraformRegistry {
		t.Errorf("on Terraform RegistryHost = %q", got)
	}
}

func TestSkipOnOpenTofu(t *testing.T) {
	t.Setenv("TF_ACC_TERRAFORM_PATH", fakeCLI(t, "Terraform v1.14.9"))
	t.Run("terraform", func(t *testing.T) {
		SkipOnOpenTofu(t, "needs Terraform")
	})
	if t.Failed() {
		return
	}
	t.Setenv("TF_ACC_TERRAFORM_PATH", fakeCLI(t, "OpenTofu v1.12.6"))
	ran := false
	t.Run("opentofu", func(t *testing.T) {
		SkipOnOpenTofu(t, "needs Terraform")
		ran = true
	})
	if ran {
		t.Error("SkipOnOpenTofu did not skip on OpenTofu")
	}
}
