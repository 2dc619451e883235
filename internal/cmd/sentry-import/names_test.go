package main

import (
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestBaseName(t *testing.T) {
	cases := []struct{ prefix, raw, want string }{
		{"member", "jane.doe@example.com", "jane_doe_example_com"},
		{"member", "Jane.Doe@Example.COM", "jane_doe_example_com"},
		{"member", "zoë.müller@example.com", "zoe_muller_example_com"},
		{"member", "José+garcia@EXAMPLE.NET", "jose_garcia_example_net"},
		{"member", "ﬁona@example.com", "fiona_example_com"},
		{"member", "李雷@example.cn", "example_cn"},
		{"member", "李雷@例子.中国", "member"},
		{"member", "5doe@example.com", "member_5doe_example_com"},
		{"team", "2fa-rollout", "team_2fa_rollout"},
		{"team", "backend", "backend"},
		{"team", "back__end--", "back_end"},
		{"team", "_leading", "leading"},
		{"team", "123", "team_123"},
		{"link", "", "link"},
		{"token", "CI: Deploy (prod)", "ci_deploy_prod"},
	}
	for _, c := range cases {
		got := baseName(c.prefix, c.raw)
		if got != c.want {
			t.Errorf("baseName(%q, %q) = %q, want %q", c.prefix, c.raw, got, c.want)
		}
		if !hclsyntax.ValidIdentifier(got) {
			t.Errorf("%q is not a valid HCL identifier", got)
		}
	}
	long := baseName("team", "x-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij")
	if len(long) > maxNameLength || long[len(long)-1] == '_' {
		t.Errorf("long name %q (%d)", long, len(long))
	}
}

func TestAssignNamesCollisions(t *testing.T) {
	objects := []object{
		{label: "jane_doe@example.com", sortKey: "30"},
		{label: "jane.doe@example.com", sortKey: "4"},
		{label: "Jane-Doe@Example.com", sortKey: "100"},
		// A label that is already what a suffix would make.
		{label: "jane.doe.example.com_2", sortKey: "7"},
		{label: "2fa@example.com", sortKey: "1"},
		{label: "ann@example.com", sortKey: "2"},
	}
	assignNames("member", objects)
	got := map[string]string{}
	for _, o := range objects {
		if !hclsyntax.ValidIdentifier(o.name) {
			t.Errorf("%q is not a valid identifier", o.name)
		}
		if prev, dup := got[o.name]; dup {
			t.Errorf("%s and %s are both %s", prev, o.label, o.name)
		}
		got[o.name] = o.label
	}
	want := map[string]string{
		"ann_example_com":        "ann@example.com",
		"jane_doe_example_com":   "jane.doe@example.com", // id 4 comes first
		"jane_doe_example_com_2": "jane.doe.example.com_2",
		"jane_doe_example_com_3": "jane_doe@example.com",
		"jane_doe_example_com_4": "Jane-Doe@Example.com",
		"member_2fa_example_com": "2fa@example.com",
	}
	for name, label := range want {
		if got[name] != label {
			t.Errorf("%s is %q, want %q (all: %v)", name, got[name], label, got)
		}
	}
	// The order is the names', whatever order the objects came in.
	for i := 1; i < len(objects); i++ {
		if objects[i-1].name > objects[i].name {
			t.Errorf("%s before %s", objects[i-1].name, objects[i].name)
		}
	}

	// Ties are broken by id, so the same objects in any order get the
	// same names.
	again := []object{objects[3], objects[0], objects[5], objects[2], objects[4], objects[1]}
	assignNames("member", again)
	for i := range again {
		if again[i].name != objects[i].name || again[i].label != objects[i].label {
			t.Fatalf("names depend on the input order: %v vs %v", again, objects)
		}
	}
}
