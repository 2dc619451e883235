package sentrysim

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// openAPIDoc is the vendored subset of Sentry's OpenAPI schema.
var openAPIDoc = sync.OnceValues(func() (map[string]any, error) {
	raw, err := os.ReadFile("testdata/openapi-subset.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	return doc, json.Unmarshal(raw, &doc)
})

// responseSchema finds the schema of an operation's answer with the status:
// path is the schema's path template, such as
// "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/".
func responseSchema(t testing.TB, method, path string, status int) map[string]any {
	t.Helper()
	doc, err := openAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := doc["paths"].(map[string]any)
	item, ok := paths[path].(map[string]any)
	if !ok {
		t.Fatalf("the schema has no path %s", path)
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Fatalf("the schema has no %s %s", method, path)
	}
	resp, ok := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	if !ok {
		t.Fatalf("the schema has no %d answer for %s %s", status, method, path)
	}
	content, _ := resp["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	schema, _ := media["schema"].(map[string]any)
	if schema == nil {
		t.Fatalf("the schema's %d answer for %s %s has no JSON schema", status, method, path)
	}
	return schema
}

// checkSchema returns where value breaks the schema's types and required
// fields; fields the schema does not name are allowed.
func checkSchema(schema map[string]any, value any, at string) []string {
	if value == nil {
		if nullable, _ := schema["nullable"].(bool); nullable || len(schema) == 0 {
			return nil
		}
		if _, typed := schema["type"]; !typed {
			return nil
		}
		return []string{at + ": null where the schema does not allow it"}
	}
	var problems []string
	for _, key := range []string{"allOf", "oneOf", "anyOf"} {
		subs, ok := schema[key].([]any)
		if !ok {
			continue
		}
		matched := 0
		var all []string
		for _, sub := range subs {
			p := checkSchema(sub.(map[string]any), value, at)
			if len(p) == 0 {
				matched++
			}
			all = append(all, p...)
		}
		switch {
		case key == "allOf" && matched != len(subs):
			problems = append(problems, all...)
		case key != "allOf" && matched == 0:
			problems = append(problems, fmt.Sprintf("%s: matches none of %s: %v", at, key, all))
		}
	}
	typ, _ := schema["type"].(string)
	switch typ {
	case "object":
		obj, ok := value.(map[string]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: %T, want an object", at, value))
		}
		for _, r := range asStrings(schema["required"]) {
			if _, ok := obj[r]; !ok {
				problems = append(problems, fmt.Sprintf("%s: missing required field %q", at, r))
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for name, sub := range props {
			if v, ok := obj[name]; ok {
				problems = append(problems, checkSchema(sub.(map[string]any), v, at+"."+name)...)
			}
		}
	case "array":
		arr, ok := value.([]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: %T, want an array", at, value))
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, v := range arr {
				problems = append(problems, checkSchema(items, v, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case "string":
		if _, ok := value.(string); !ok {
			problems = append(problems, fmt.Sprintf("%s: %T, want a string", at, value))
		}
	case "integer":
		if f, ok := value.(float64); !ok || f != float64(int64(f)) {
			problems = append(problems, fmt.Sprintf("%s: %v, want an integer", at, value))
		}
	case "number":
		if _, ok := value.(float64); !ok {
			problems = append(problems, fmt.Sprintf("%s: %T, want a number", at, value))
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			problems = append(problems, fmt.Sprintf("%s: %T, want a boolean", at, value))
		}
	}
	slices.Sort(problems)
	return problems
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, fmt.Sprint(s))
	}
	return out
}

// TestSchemaChecker proves the checker catches what it is for.
func TestSchemaChecker(t *testing.T) {
	schema := responseSchema(t, "GET", "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/", 200)
	bad := []struct {
		name  string
		value any
		want  string
	}{
		{"not an object", []any{}, "want an object"},
		{"missing field", map[string]any{"id": "1"}, "missing required field"},
		{"wrong type", map[string]any{"id": 1.0, "slug": "x"}, `.id: float64, want a string`},
		{"wrong nested type", map[string]any{"flags": "x"}, ".flags: string, want an object"},
	}
	for _, b := range bad {
		problems := checkSchema(schema, b.value, "body")
		if !strings.Contains(strings.Join(problems, "\n"), b.want) {
			t.Errorf("%s: problems %v, want one containing %q", b.name, problems, b.want)
		}
	}
	if len(asStrings(schema["required"])) == 0 {
		t.Fatal("the team schema requires no fields; the checker cannot be tested with it")
	}
}
