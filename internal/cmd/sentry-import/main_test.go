package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestParseTypes(t *testing.T) {
	cases := []struct {
		list string
		want string
		err  string
	}{
		{"", typeNames(resourceTypes), ""},
		{"  ", typeNames(resourceTypes), ""},
		{"sentry_member", "sentry_member", ""},
		// The file's order, whatever the flag's; repeats and spaces are fine.
		{"sentry_api_token, sentry_team,sentry_team,", "sentry_team,sentry_api_token", ""},
		{"sentry_scim_group,sentry_team_project", "sentry_scim_group,sentry_team_project", ""},
		{"sentry_teams", "", `"sentry_teams" is not a resource type`},
		{"team", "", "choose from sentry_team,"},
		{",", "", "names no resource type"},
	}
	for _, c := range cases {
		got, err := parseTypes(c.list)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseTypes(%q) error %v, want %q", c.list, err, c.err)
			}
			continue
		}
		if err != nil || typeNames(got) != c.want {
			t.Errorf("parseTypes(%q) = %s, %v; want %s", c.list, typeNames(got), err, c.want)
		}
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseArgs(t *testing.T) {
	vars := map[string]string{envAuthToken: "sntryu_secret\n", envOrganization: "from-env", envBaseURL: "https://de.sentry.io/"}
	s, err := parseArgs(nil, env(vars), &bytes.Buffer{})
	if err != nil || s.organization != "from-env" || s.baseURL != "https://de.sentry.io/" || s.authToken != "sntryu_secret" ||
		s.out != "imports.tf" || len(s.types) != len(resourceTypes) {
		t.Fatalf("from the environment: %+v, %v", s, err)
	}
	s, err = parseArgs([]string{"-organization", "acme", "-base-url", "https://sentry.example.com", "-out", "x.tf", "-types", "sentry_team"},
		env(vars), &bytes.Buffer{})
	if err != nil || s.organization != "acme" || s.baseURL != "https://sentry.example.com" || s.out != "x.tf" || typeNames(s.types) != "sentry_team" {
		t.Fatalf("flags override: %+v, %v", s, err)
	}
	if s, _ := parseArgs(nil, env(map[string]string{envAuthToken: "t", envOrganization: "acme"}), &bytes.Buffer{}); s.baseURL != defaultBaseURL {
		t.Errorf("default base URL %q", s.baseURL)
	}

	for _, c := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{nil, map[string]string{envAuthToken: "t"}, envOrganization},
		{[]string{"-organization", "acme"}, nil, envAuthToken + " is not set"},
		{[]string{"-organization", "acme", "-types", "sentry_scim_group"}, map[string]string{envAuthToken: "t"}, envSCIMToken},
		{[]string{"-organization", "acme", "imports.tf"}, map[string]string{envAuthToken: "t"}, "unexpected arguments"},
		{[]string{"-organization", "acme", "-out", ""}, map[string]string{envAuthToken: "t"}, "-out is empty"},
		{[]string{"-organization", "acme", "-types", "sentry_user"}, map[string]string{envAuthToken: "t"}, "not a resource type"},
	} {
		if _, err := parseArgs(c.args, env(c.vars), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseArgs(%q) error %v, want %q", c.args, err, c.want)
		}
	}
	var usage bytes.Buffer
	if _, err := parseArgs([]string{"-h"}, env(nil), &usage); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(usage.String(), "-generate-config-out") {
		t.Errorf("-h: %v\n%s", err, usage.String())
	}
}

// fakeLister lists fixed objects.
type fakeLister map[string][]object

func (f fakeLister) list(_ context.Context, t resourceType) ([]object, error) {
	if objects, ok := f[t.name]; ok {
		return append([]object(nil), objects...), nil
	}
	return nil, errors.New("Sentry answered 403 Forbidden")
}

func TestImportAllWritesParsableBlocks(t *testing.T) {
	out := filepath.Join(t.TempDir(), "imports.tf")
	s := settings{organization: "acme", out: out, types: resourceTypes, authToken: "sntryu_secret"}
	l := fakeLister{
		"sentry_team":       {{importID: "acme/11", label: "backend", sortKey: "11"}, {importID: "acme/12", label: "2fa", sortKey: "12"}},
		"sentry_scim_group": {{importID: "acme/13", label: "okta-sre", sortKey: "13"}},
		"sentry_member": {
			{importID: "acme/21", label: "Jane.Doe@example.com", sortKey: "21"},
			{importID: "acme/22", label: "jane_doe@example.com", sortKey: "22"},
		},
		"sentry_team_project": {{importID: "acme/api/backend", label: "api_backend", sortKey: "api/backend"}},
		// A name with what HCL would read as a template.
		"sentry_api_token": {{importID: "acme/31", label: "ci ${prod}", sortKey: "31"}},
	}
	var stderr bytes.Buffer
	if err := importAll(context.Background(), s, l, &stderr); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	blocks := parseImports(t, data)
	want := map[string]string{
		"sentry_team.backend":                  "acme/11",
		"sentry_team.team_2fa":                 "acme/12",
		"sentry_scim_group.okta_sre":           "acme/13",
		"sentry_member.jane_doe_example_com":   "acme/21",
		"sentry_member.jane_doe_example_com_2": "acme/22",
		"sentry_team_project.api_backend":      "acme/api/backend",
		"sentry_api_token.ci_prod":             "acme/31",
	}
	if len(blocks) != len(want) {
		t.Errorf("%d blocks, want %d:\n%s", len(blocks), len(want), data)
	}
	for to, id := range want {
		if blocks[to] != id {
			t.Errorf("import to %s has id %q, want %q", to, blocks[to], id)
		}
	}
	if !strings.Contains(string(data), "terraform plan -generate-config-out=generated.tf") {
		t.Errorf("no usage in the header:\n%s", data)
	}
	if strings.Contains(stderr.String(), "sntryu_secret") || strings.Contains(string(data), "sntryu_secret") {
		t.Error("the token was printed")
	}
	for _, line := range []string{"2 sentry_member in", "wrote 7 import blocks to " + out} {
		if !strings.Contains(stderr.String(), line) {
			t.Errorf("stderr lacks %q:\n%s", line, stderr.String())
		}
	}

	// The same objects again make the same file, byte for byte, and a
	// second run refuses to overwrite it.
	again := filepath.Join(t.TempDir(), "again.tf")
	s.out = again
	if err := importAll(context.Background(), s, l, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if data2, _ := os.ReadFile(again); !bytes.Equal(data, data2) {
		t.Error("the output is not deterministic")
	}
	if err := importAll(context.Background(), s, l, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("overwrote %s: %v", again, err)
	}
}

func TestImportAllStopsOnListError(t *testing.T) {
	out := filepath.Join(t.TempDir(), "imports.tf")
	err := importAll(context.Background(), settings{organization: "acme", out: out, types: resourceTypes},
		fakeLister{"sentry_team": nil}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "listing sentry_scim_group: Sentry answered 403") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed listing left %s: %v", out, err)
	}
}

func TestRunRefusesAnExistingFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "imports.tf")
	if err := os.WriteFile(out, []byte("# mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-organization", "acme", "-out", out},
		env(map[string]string{envAuthToken: "sntryu_secret", envBaseURL: "http://127.0.0.1:1/"}), &stderr)
	if err == nil || !strings.Contains(err.Error(), out+" already exists") || !strings.Contains(err.Error(), "never overwrites") {
		t.Fatalf("error %v", err)
	}
	if data, _ := os.ReadFile(out); string(data) != "# mine\n" {
		t.Errorf("the file changed: %q", data)
	}
	if err := writeNew(out, []byte("x")); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("writeNew: %v", err)
	}
}

// parseImports parses a file of import blocks and returns each block's to
// and id.
func parseImports(t *testing.T, data []byte) map[string]string {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(data, "imports.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("the file does not parse: %v\n%s", diags, data)
	}
	content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "import"}}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out := make(map[string]string, len(content.Blocks))
	for _, b := range content.Blocks {
		attrs, diags := b.Body.JustAttributes()
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		to, diags := hcl.AbsTraversalForExpr(attrs["to"].Expr)
		if diags.HasErrors() || len(to) != 2 {
			t.Fatalf("to is not a resource address: %v", diags)
		}
		id, diags := attrs["id"].Expr.Value(nil)
		if diags.HasErrors() {
			t.Fatalf("id is not a literal string: %v", diags)
		}
		name, ok := to[1].(hcl.TraverseAttr)
		if !ok {
			t.Fatalf("to is not a resource address: %#v", to)
		}
		addr := to.RootName() + "." + name.Name
		if _, dup := out[addr]; dup {
			t.Errorf("%s imported twice", addr)
		}
		out[addr] = id.AsString()
	}
	return out
}
