package release

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// goreleaserConfig is the part of .goreleaser.yml the registry relies on.
type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ignore  []struct {
			Goos   string `yaml:"goos"`
			Goarch string `yaml:"goarch"`
		} `yaml:"ignore"`
		Binary string `yaml:"binary"`
	} `yaml:"builds"`
	Archives []struct {
		IDs          []string `yaml:"ids"`
		Formats      []string `yaml:"formats"`
		NameTemplate string   `yaml:"name_template"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
		ExtraFiles   []struct {
			Glob         string `yaml:"glob"`
			NameTemplate string `yaml:"name_template"`
		} `yaml:"extra_files"`
	} `yaml:"checksum"`
	Signs []struct {
		Artifacts string   `yaml:"artifacts"`
		Args      []string `yaml:"args"`
	} `yaml:"signs"`
	Release struct {
		ExtraFiles []struct {
			Glob         string `yaml:"glob"`
			NameTemplate string `yaml:"name_template"`
		} `yaml:"extra_files"`
	} `yaml:"release"`
}

func loadConfig(t *testing.T) goreleaserConfig {
	t.Helper()
	raw, err := os.ReadFile("../../.goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf(".goreleaser.yml: %v", err)
	}
	return c
}

// Every archive carries two binaries: the provider and sentry-import.
var wantBuilds = []struct {
	id, main, binary string
}{
	{"provider", "", "{{ .ProjectName }}_v{{ .Version }}"},
	{"sentry-import", "./internal/cmd/sentry-import", "sentry-import"},
}

func TestGoreleaserTargets(t *testing.T) {
	c := loadConfig(t)
	if c.Version != 2 || len(c.Builds) != len(wantBuilds) {
		t.Fatalf("want a version 2 file with %d builds, got version %d and %d builds", len(wantBuilds), c.Version, len(c.Builds))
	}
	for i, want := range wantBuilds {
		b := c.Builds[i]
		if b.ID != want.id || b.Main != want.main {
			t.Errorf("build %d is %q of %q, want %q of %q", i, b.ID, b.Main, want.id, want.main)
		}
		for _, goos := range []string{"linux", "darwin", "windows", "freebsd"} {
			if !slices.Contains(b.Goos, goos) {
				t.Errorf("%s: no %s build", b.ID, goos)
			}
		}
		for _, arch := range []string{"amd64", "arm64"} {
			if !slices.Contains(b.Goarch, arch) {
				t.Errorf("%s: no %s build", b.ID, arch)
			}
		}
		if len(b.Ignore) != 0 {
			t.Errorf("%s: every OS and architecture pair must be built, but some are ignored: %v", b.ID, b.Ignore)
		}
		if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
			t.Errorf("%s: want static, reproducible builds: env %v, flags %v", b.ID, b.Env, b.Flags)
		}
		if len(b.Ldflags) != 1 || !strings.Contains(b.Ldflags[0], "-X main.version={{ .Version }}") {
			t.Errorf("%s: ldflags %v do not set main.version", b.ID, b.Ldflags)
		}
		if b.Binary != want.binary {
			t.Errorf("%s: binary %q, want %q", b.ID, b.Binary, want.binary)
		}
		dir := "../.."
		if b.Main != "" {
			dir += "/" + strings.TrimPrefix(b.Main, "./")
		}
		main, err := os.ReadFile(dir + "/main.go")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^package main$`).Match(main) || !regexp.MustCompile(`(?m)^var version = `).Match(main) {
			t.Errorf("%s/main.go is not a main package with a package-level var version for -X main.version", dir)
		}
	}
	// The provider's binary must be the registry's
	// terraform-provider-NAME_vVERSION; the other must not look like one,
	// or Terraform would take it for a provider.
	if strings.HasPrefix(c.Builds[1].Binary, "terraform-provider-") {
		t.Errorf("binary %q looks like a provider to Terraform", c.Builds[1].Binary)
	}
}

func TestGoreleaserRegistryArtifacts(t *testing.T) {
	c := loadConfig(t)
	if len(c.Archives) != 1 || !slices.Equal(c.Archives[0].IDs, []string{"provider", "sentry-import"}) ||
		!slices.Equal(c.Archives[0].Formats, []string{"zip"}) ||
		c.Archives[0].NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("archives %+v are not the registry's zip files with both binaries", c.Archives)
	}
	if c.Checksum.Algorithm != "sha256" || c.Checksum.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS" {
		t.Errorf("checksum %+v is not the registry's SHA256SUMS", c.Checksum)
	}
	manifest := "{{ .ProjectName }}_{{ .Version }}_manifest.json"
	for name, files := range map[string][]struct {
		Glob         string `yaml:"glob"`
		NameTemplate string `yaml:"name_template"`
	}{"checksum": c.Checksum.ExtraFiles, "release": c.Release.ExtraFiles} {
		if len(files) != 1 || files[0].Glob != "terraform-registry-manifest.json" || files[0].NameTemplate != manifest {
			t.Errorf("%s extra_files %+v do not ship the registry manifest as %s", name, files, manifest)
		}
	}
	if len(c.Signs) != 1 || c.Signs[0].Artifacts != "checksum" {
		t.Fatalf("signs %+v do not sign the checksum file", c.Signs)
	}
	args := strings.Join(c.Signs[0].Args, " ")
	for _, want := range []string{"--detach-sign", "{{ .Env.GPG_FINGERPRINT }}", "${signature}", "${artifact}"} {
		if !strings.Contains(args, want) {
			t.Errorf("sign args %q lack %s", args, want)
		}
	}
	if _, err := os.Stat("../../terraform-registry-manifest.json"); err != nil {
		t.Error(err)
	}
}
