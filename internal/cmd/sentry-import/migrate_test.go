package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// hclBlock is a top-level block of a written file: its attributes as
// their source text, and the nested blocks' attributes the same way.
type hclBlock struct {
	typ    string
	labels []string
	attrs  map[string]string
	nested map[string]map[string]string
}

func (b hclBlock) key() string { return b.typ + " " + strings.Join(b.labels, ".") }

// parseBlocks parses a file and returns its top-level blocks in order.
func parseBlocks(t *testing.T, data []byte) []hclBlock {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(data, "migration.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("the file does not parse: %v\n%s", diags, data)
	}
	src := func(e hclsyntax.Expression) string {
		r := e.Range()
		return string(data[r.Start.Byte:r.End.Byte])
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		t.Fatalf("the file's body is a %T", f.Body)
	}
	var out []hclBlock
	for _, b := range body.Blocks {
		hb := hclBlock{typ: b.Type, labels: b.Labels, attrs: map[string]string{}, nested: map[string]map[string]string{}}
		for name, a := range b.Body.Attributes {
			hb.attrs[name] = src(a.Expr)
		}
		for _, nb := range b.Body.Blocks {
			attrs := map[string]string{}
			for name, a := range nb.Body.Attributes {
				attrs[name] = src(a.Expr)
			}
			hb.nested[nb.Type] = attrs
		}
		out = append(out, hb)
	}
	return out
}

func migrateFile(t *testing.T, state []byte) ([]byte, string, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "migration.tf")
	var stderr bytes.Buffer
	err := migrate(settings{fromState: "-", out: out}, bytes.NewReader(state), &stderr)
	if err != nil {
		return nil, stderr.String(), err
	}
	data, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatal(rerr)
	}
	return data, stderr.String(), nil
}

// TestMigrationFromState writes the migration of a community workspace
// holding every case: members plain, for_each and count, a name already
// used by a sentry_member in the state, team memberships of members in the
// state, of a member not in it and in a child module, a project with two
// teams, a team, another community resource type and a data source.
func TestMigrationFromState(t *testing.T) {
	state, err := os.ReadFile("testdata/community-show.json")
	if err != nil {
		t.Fatal(err)
	}
	data, stderr, err := migrateFile(t, state)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	blocks := parseBlocks(t, data)
	got := map[string]hclBlock{}
	var order []string
	for _, b := range blocks {
		k := b.key()
		switch b.typ {
		case "moved", "import":
			k += " " + b.attrs["to"]
		case "removed":
			k += " " + b.attrs["from"]
		}
		if _, dup := got[k]; dup {
			t.Errorf("%s written twice", k)
		}
		got[k] = b
		order = append(order, k)
	}
	want := []struct {
		key   string
		attrs map[string]string
	}{
		{"moved  sentry_member.jane", map[string]string{"from": "sentry_organization_member.jane"}},
		{"resource sentry_member.jane", map[string]string{"organization": `"acme"`, "email": `"jane@example.com"`, "role": `"member"`,
			// effective_role, not role: the role Sentry has. A member's
			// contributor role is written, as the provider reads it.
			"teams": "[\n    { team = \"backend\", role = \"admin\" },\n    { team = \"web\", role = \"contributor\" },\n  ]"}},
		// count and for_each: the whole resource moves, to one with the
		// same keys.
		{"moved  sentry_member.ops", map[string]string{"from": "sentry_organization_member.ops"}},
		// Memberships in a child module: teams left out.
		{"resource sentry_member.ops", map[string]string{"count": "1", "organization": `"acme"`, "email": `"ops@example.com"`,
			"role": `"member"`}},
		{"moved  sentry_member.people", map[string]string{"from": "sentry_organization_member.people"}},
		// An owner is a team admin everywhere: no role, as the provider reads it.
		{"resource sentry_member.people", map[string]string{"for_each": `{
    "bob@example.com" = {
      email = "bob@example.com"
      role  = "owner"
      teams = [
        { team = "web" },
      ]
    }
  }`, "organization": `"acme"`, "email": "each.value.email", "role": "each.value.role", "teams": "each.value.teams"}},
		// sentry_member.sam is in the state already.
		{"moved  sentry_member.sam_2", map[string]string{"from": "sentry_organization_member.sam"}},
		{"resource sentry_member.sam_2", map[string]string{"organization": `"acme"`, "email": `"sam@example.com"`, "role": `"member"`}},
		{"removed  sentry_team_member.all", map[string]string{"from": "sentry_team_member.all"}},
		{"removed  sentry_team_member.jane_backend", map[string]string{"from": "sentry_team_member.jane_backend"}},
		{"import  sentry_team_project.api_backend", map[string]string{"id": `"acme/api/backend"`}},
		{"resource sentry_team_project.api_backend", map[string]string{"organization": `"acme"`, "project": `"api"`, "team": `"backend"`}},
		{"import  sentry_team_project.api_web", map[string]string{"id": `"acme/api/web"`}},
		{"resource sentry_team_project.api_web", map[string]string{"organization": `"acme"`, "project": `"api"`, "team": `"web"`}},
	}
	if len(order) != len(want) {
		t.Errorf("%d blocks, want %d: %q", len(order), len(want), order)
	}
	for i, w := range want {
		if i < len(order) && order[i] != w.key {
			t.Errorf("block %d is %q, want %q", i, order[i], w.key)
		}
		b, ok := got[w.key]
		if !ok {
			t.Errorf("no %s", w.key)
			continue
		}
		wantAttrs := len(w.attrs)
		if b.typ == "moved" || b.typ == "import" {
			wantAttrs++ // to
		}
		if len(b.attrs) != wantAttrs {
			t.Errorf("%s has attributes %v, want %v", w.key, b.attrs, w.attrs)
		}
		for name, v := range w.attrs {
			if b.attrs[name] != v {
				t.Errorf("%s: %s = %s, want %s", w.key, name, b.attrs[name], v)
			}
		}
		if b.typ == "removed" && b.nested["lifecycle"]["destroy"] != "false" {
			t.Errorf("%s: lifecycle %v, want destroy = false", w.key, b.nested["lifecycle"])
		}
	}

	text := string(data)
	for _, line := range []string{
		// The header: what to delete, that teams need nothing.
		"Delete the community sentry_organization_member and sentry_team_member",
		"sentry_team needs nothing here",
		"4 sentry_organization_member, 4 sentry_team_member, 2 project teams, 1 sentry_team.",
		// Each membership says where it went.
		`# sentry_team_member.all["jane-web"]: on sentry_member.jane`,
		`# sentry_team_member.all["bob-web"]: on sentry_member.people["bob@example.com"]`,
		"# sentry_member.ops[0]: teams is left out",
		"whole to a\n#     sentry_member with the same count or for_each keys",
		`# sentry_team_member.all["stranger-web"]: not carried over; member 77 of "acme"`,
		`import the member (id "acme/77")`,
		// Projects stay, with the advice on teams.
		"lifecycle { ignore_changes = [teams] }",
		"#   sentry_project.api\n",
		// Nothing of the community provider is dropped silently.
		"#   data.sentry_organization.this\n",
		"#   sentry_key.api\n",
		"#   module.sre.sentry_team_member.ops\n",
		"# (module.sre.sentry_team_member.ops), which sentry-import does not migrate.",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("the file lacks %q:\n%s", line, text)
		}
	}
	for _, absent := range []string{"random_id", "sam2@example.com"} {
		if strings.Contains(text, absent) {
			t.Errorf("the file mentions %q, which is not the community provider's", absent)
		}
	}
	for _, w := range []string{
		`warning: sentry_team_member.all["stranger-web"] is not carried over`,
		"warning: sentry_member.ops[0]: teams is left out",
		"warning: 1 community resources in child modules are not migrated",
		"4 moved, 2 removed and 2 import blocks",
	} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}

	// The same state with its resources in another order makes the same
	// file.
	var doc struct {
		FormatVersion string `json:"format_version"`
		Values        struct {
			RootModule struct {
				Resources    []json.RawMessage `json:"resources"`
				ChildModules []json.RawMessage `json:"child_modules"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(state, &doc); err != nil {
		t.Fatal(err)
	}
	res := doc.Values.RootModule.Resources
	if len(res) < 10 {
		t.Fatalf("the state has %d root resources", len(res))
	}
	for i, j := 0, len(res)-1; i < j; i, j = i+1, j-1 {
		res[i], res[j] = res[j], res[i]
	}
	reversed, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := migrateFile(t, reversed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Errorf("the file depends on the state's order:\n%s\n---\n%s", data, again)
	}
}

// showJSON makes the JSON of terraform show -json from root-module
// resources.
func showJSON(t *testing.T, resources ...map[string]any) []byte {
	t.Helper()
	for _, r := range resources {
		if r["mode"] == nil {
			r["mode"] = "managed"
		}
		if r["provider_name"] == nil {
			r["provider_name"] = "registry.terraform.io/jianyuan/sentry"
		}
		addr := fmt.Sprintf("%s.%s", r["type"], r["name"])
		switch k := r["index"].(type) {
		case string:
			addr += fmt.Sprintf("[%q]", k)
		case int:
			addr += fmt.Sprintf("[%d]", k)
		}
		r["address"] = addr
	}
	data, err := json.Marshal(map[string]any{"format_version": "1.0", "values": map[string]any{
		"root_module": map[string]any{"resources": resources}}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func communityMemberJSON(name string, index any, id, email, role string) map[string]any {
	return map[string]any{"type": "sentry_organization_member", "name": name, "index": index, "values": map[string]any{
		"id": "acme/" + id, "organization": "acme", "internal_id": id, "email": email, "role": role}}
}

func communityTeamMemberJSON(name, team, memberID string, role, effective any) map[string]any {
	return map[string]any{"type": "sentry_team_member", "name": name, "values": map[string]any{
		"id": "acme/" + team + "/" + memberID, "organization": "acme", "team": team, "member_id": memberID,
		"role": role, "effective_role": effective}}
}

// TestMigrationTeamRoles writes each member's team roles as the provider
// reads them for the member's org role, so that the plan has no change.
func TestMigrationTeamRoles(t *testing.T) {
	cases := []struct {
		orgRole         string
		role, effective any
		want            string
	}{
		{"member", nil, "contributor", `{ team = "t" , role = "contributor" }`},
		{"member", "admin", "admin", `{ team = "t" , role = "admin" }`},
		// role is only what the configuration asked; effective_role is Sentry's.
		{"member", "admin", "contributor", `{ team = "t" , role = "contributor" }`},
		// A state without effective_role falls back on role, else the minimum.
		{"member", "admin", nil, `{ team = "t" , role = "admin" }`},
		{"member", nil, nil, `{ team = "t" , role = "contributor" }`},
		{"billing", nil, "contributor", `{ team = "t" , role = "contributor" }`},
		{"admin", nil, "admin", `{ team = "t" }`},
		{"manager", "contributor", "admin", `{ team = "t" }`},
		{"owner", nil, "admin", `{ team = "t" }`},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s_%v_%v", c.orgRole, c.role, c.effective)
		t.Run(name, func(t *testing.T) {
			data, _, err := migrateFile(t, showJSON(t,
				communityMemberJSON("m", nil, "5", "m@example.com", c.orgRole),
				communityTeamMemberJSON("m_t", "t", "5", c.role, c.effective)))
			if err != nil {
				t.Fatal(err)
			}
			var teams string
			for _, b := range parseBlocks(t, data) {
				if b.key() == "resource sentry_member.m" {
					teams = b.attrs["teams"]
				}
			}
			want := strings.ReplaceAll(c.want, " , ", ", ")
			if got := strings.Join(strings.Fields(teams), " "); got != "[ "+want+", ]" {
				t.Errorf("teams = %s, want [%s]", got, want)
			}
		})
	}
}

// TestMigrationNames keeps each resource's name where Terraform accepts it,
// unique against the names the state already uses; a resource with count
// or for_each keeps its name and its keys.
func TestMigrationNames(t *testing.T) {
	data, _, err := migrateFile(t, showJSON(t,
		communityMemberJSON("Jane-Doe", nil, "1", "a@example.com", "member"),
		communityMemberJSON("x", "a", "2", "b@example.com", "member"),
		communityMemberJSON("x_a", nil, "3", "c@example.com", "member"),
		communityMemberJSON("n", 0, "4", "d@example.com", "member"),
		communityMemberJSON("y", "${oops}", "5", "e@example.com", "member"),
		map[string]any{"type": "sentry_member", "name": "taken", "provider_name": "registry.terraform.io/sentryrbac/sentry",
			"values": map[string]any{"id": "9"}},
		communityMemberJSON("taken", nil, "6", "f@example.com", "member"),
		map[string]any{"type": "sentry_member", "name": "crew", "provider_name": "registry.terraform.io/sentryrbac/sentry",
			"values": map[string]any{"id": "10"}},
		communityMemberJSON("crew", "z", "7", "g@example.com", "member"),
		communityMemberJSON("x", "b", "8", "h@example.com", "member"),
		communityMemberJSON("n", 1, "11", "i@example.com", "member"),
	))
	if err != nil {
		t.Fatal(err)
	}
	moved := map[string]string{}
	resources := map[string]hclBlock{}
	for _, b := range parseBlocks(t, data) {
		switch b.typ {
		case "moved":
			moved[b.attrs["from"]] = b.attrs["to"]
			name := strings.TrimPrefix(b.attrs["to"], "sentry_member.")
			if !hclsyntax.ValidIdentifier(name) {
				t.Errorf("%q is not a valid name", name)
			}
		case "resource":
			resources[b.labels[1]] = b
		}
	}
	want := map[string]string{
		"sentry_organization_member.Jane-Doe": "sentry_member.Jane-Doe",
		"sentry_organization_member.x":        "sentry_member.x",
		"sentry_organization_member.x_a":      "sentry_member.x_a",
		"sentry_organization_member.n":        "sentry_member.n",
		"sentry_organization_member.y":        "sentry_member.y",
		"sentry_organization_member.taken":    "sentry_member.taken_2",
		"sentry_organization_member.crew":     "sentry_member.crew_2",
	}
	for from, to := range want {
		if moved[from] != to {
			t.Errorf("moved from %s to %q, want %s (all: %v)", from, moved[from], to, moved)
		}
	}
	if len(moved) != len(want) {
		t.Errorf("%d moved blocks, want %d: %v", len(moved), len(want), moved)
	}
	// The keys, quoted, escaped where HCL would read a template.
	for name, keys := range map[string][]string{"x": {`"a" = {`, `"b" = {`}, "y": {`"$${oops}" = {`}, "crew_2": {`"z" = {`}} {
		for _, k := range keys {
			if !strings.Contains(resources[name].attrs["for_each"], k) {
				t.Errorf("sentry_member.%s: for_each lacks %s: %s", name, k, resources[name].attrs["for_each"])
			}
		}
	}
	if got := resources["n"].attrs["count"]; got != "2" {
		t.Errorf("sentry_member.n: count = %s, want 2", got)
	}
}

// TestMigrationInstances writes each instance of a for_each resource with
// its own email, role and teams (teams lists of different lengths, team
// roles left out, and null where the member's teams are not managed) in
// the keys' order, and a count resource with lists of what differs.
func TestMigrationInstances(t *testing.T) {
	data, _, err := migrateFile(t, showJSON(t,
		communityMemberJSON("crew", "zed", "1", "zed@example.com", "owner"),
		communityMemberJSON("crew", "amy", "2", "amy@example.com", "member"),
		communityMemberJSON("crew", "bo b", "3", "bob@example.com", "member"),
		communityTeamMemberJSON("zed_web", "web", "1", nil, "admin"),
		communityTeamMemberJSON("amy_web", "web", "2", nil, "contributor"),
		communityTeamMemberJSON("amy_api", "api", "2", "admin", "admin"),
		communityMemberJSON("ops", 2, "4", "ops2@example.com", "member"),
		communityMemberJSON("ops", 0, "5", "ops0@example.com", "member"),
		communityMemberJSON("ops", 1, "6", "ops1@example.com", "admin"),
		communityTeamMemberJSON("ops0_web", "web", "5", nil, "contributor"),
		communityTeamMemberJSON("ops1_web", "web", "6", nil, "admin"),
		communityTeamMemberJSON("ops2_web", "web", "4", nil, "contributor"),
	))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{`moved {
  from = sentry_organization_member.crew
  to   = sentry_member.crew
}

resource "sentry_member" "crew" {
  for_each = {
    "amy" = {
      email = "amy@example.com"
      role  = "member"
      teams = [
        { team = "api", role = "admin" },
        { team = "web", role = "contributor" },
      ]
    }
    "bo b" = {
      email = "bob@example.com"
      role  = "member"
      teams = null
    }
    "zed" = {
      email = "zed@example.com"
      role  = "owner"
      teams = [
        { team = "web" },
      ]
    }
  }

  organization = "acme"
  email        = each.value.email
  role         = each.value.role
  teams        = each.value.teams
}
`, `moved {
  from = sentry_organization_member.ops
  to   = sentry_member.ops
}

resource "sentry_member" "ops" {
  count = 3

  organization = "acme"
  email = [
    "ops0@example.com",
    "ops1@example.com",
    "ops2@example.com",
  ][count.index]
  role = [
    "member",
    "admin",
    "member",
  ][count.index]
  teams = [
    [
      { team = "web", role = "contributor" },
    ],
    [
      { team = "web" },
    ],
    [
      { team = "web", role = "contributor" },
    ],
  ][count.index]
}
`, `# sentry_team_member.amy_api: on sentry_member.crew["amy"]`, `# sentry_team_member.ops1_web: on sentry_member.ops[1]`,
		"6 sentry_organization_member, 6 sentry_team_member"} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lacks\n%s\nin:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\nmoved {"); n != 2 {
		t.Errorf("%d moved blocks, want 2, one per resource", n)
	}
}

// TestMigrationRefusals covers what the command refuses, each with what
// to do.
func TestMigrationRefusals(t *testing.T) {
	cases := []struct {
		name  string
		state []byte
		want  []string
	}{
		{"a raw state file", []byte(`{"version": 4, "terraform_version": "1.11.4", "resources": []}`),
			[]string{"is a state file", "terraform show -json > state.json"}},
		{"not JSON", []byte("resource {"), []string{"is not the output of terraform show -json"}},
		{"empty state", []byte(`{"format_version": "1.0"}`), []string{"holds no resources"}},
		{"nothing of the community provider", showJSON(t, map[string]any{"type": "sentry_member", "name": "a",
			"provider_name": "registry.terraform.io/sentryrbac/sentry", "values": map[string]any{}}),
			[]string{"there is nothing to migrate"}},
		{"a member without an id", showJSON(t, map[string]any{"type": "sentry_organization_member", "name": "x",
			"values": map[string]any{"email": "x@example.com", "role": "member"}}),
			[]string{"sentry_organization_member.x: the state does not say which member it is", "terraform apply -refresh-only"}},
		{"one member twice", showJSON(t, communityMemberJSON("a", nil, "7", "a@example.com", "member"),
			communityMemberJSON("b", nil, "7", "a@example.com", "member")),
			[]string{"sentry_organization_member.a and sentry_organization_member.b are the same member (acme/7)", "terraform state rm"}},
		{"a count index missing", showJSON(t, communityMemberJSON("a", 0, "7", "a@example.com", "member"),
			communityMemberJSON("a", 2, "8", "b@example.com", "member")),
			[]string{"sentry_organization_member.a has count index 2 but not 1", "terraform state mv"}},
		{"keys of two kinds", showJSON(t, communityMemberJSON("a", 0, "7", "a@example.com", "member"),
			communityMemberJSON("a", "x", "8", "b@example.com", "member")),
			[]string{"sentry_organization_member.a has instances with keys of different kinds"}},
		{"a membership without a team", showJSON(t, communityMemberJSON("a", nil, "7", "a@example.com", "member"),
			map[string]any{"type": "sentry_team_member", "name": "t", "values": map[string]any{"organization": "acme", "member_id": "7"}}),
			[]string{"sentry_team_member.t: the state has no team"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := migrateFile(t, c.state)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

func TestParseArgsFromState(t *testing.T) {
	vars := map[string]string{envOrganization: "acme"}
	s, err := parseArgs([]string{"-from-state", "state.json"}, env(vars), &bytes.Buffer{})
	if err != nil || s.fromState != "state.json" || s.out != defaultMigrationOut {
		t.Fatalf("-from-state: %+v, %v", s, err)
	}
	// No token needed: Sentry is not asked.
	if s, err := parseArgs([]string{"-from-state", "-", "-out", "m.tf"}, env(nil), &bytes.Buffer{}); err != nil || s.out != "m.tf" {
		t.Fatalf("-from-state - -out m.tf: %+v, %v", s, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-from-state", "s.json", "-organization", "acme", "-types", "sentry_team"}, "leave out -organization and -types"},
		{[]string{"-from-state", "s.json", "-base-url", "https://x/"}, "leave out -base-url"},
		{[]string{"-from-state", "s.json", "-out", ""}, "-out is empty"},
	} {
		if _, err := parseArgs(c.args, env(vars), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseArgs(%q) error %v, want %q", c.args, err, c.want)
		}
	}
}

// TestRunFromStateFile runs the command on a state file, and refuses to
// overwrite the file it would write.
func TestRunFromStateFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "migration.tf")
	var stderr bytes.Buffer
	args := []string{"-from-state", "testdata/community-show.json", "-out", out}
	if err := run(t.Context(), args, env(nil), &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	first, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(first, []byte("moved {")) {
		t.Fatalf("%s: %v\n%s", out, err, first)
	}
	if err := run(t.Context(), args, env(nil), &stderr); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second run: %v", err)
	}
	if again, _ := os.ReadFile(out); !bytes.Equal(first, again) {
		t.Error("the second run changed the file")
	}
	if err := run(t.Context(), []string{"-from-state", filepath.Join(dir, "missing.json"), "-out", filepath.Join(dir, "x.tf")},
		env(nil), &stderr); err == nil || !strings.Contains(err.Error(), "-from-state: open") {
		t.Errorf("a missing state: %v", err)
	}
}
