package sentrysim

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
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

// checkOpenAPI returns where value breaks schema, a schema of the
// vendored document.
func checkOpenAPI(t testing.TB, schema map[string]any, value any) []string {
	t.Helper()
	doc, err := openAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	return schemaChecker{root: doc}.check(schema, value, "body")
}

// checkSchema checks value against a schema that holds no $ref.
func checkSchema(schema map[string]any, value any, at string) []string {
	return schemaChecker{}.check(schema, value, at)
}

// schemaChecker checks JSON values against OpenAPI 3.0 schemas: type,
// required, properties, items, nullable, enum, $ref (local, "#/..."),
// allOf, oneOf and anyOf. Fields a schema does not name are allowed, and
// so are formats it does not know.
type schemaChecker struct {
	// root is the document local $refs point into.
	root map[string]any
}

// resolve follows a schema's $ref chain.
func (sc schemaChecker) resolve(schema map[string]any) (map[string]any, error) {
	for hops := 0; ; hops++ {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema, nil
		}
		if hops > 32 {
			return nil, fmt.Errorf("$ref loop at %s", ref)
		}
		if !strings.HasPrefix(ref, "#/") {
			return nil, fmt.Errorf("$ref %s is not local", ref)
		}
		var node any = sc.root
		for _, part := range strings.Split(ref[2:], "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			m, ok := node.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("$ref %s does not resolve", ref)
			}
			node = m[part]
		}
		next, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %s does not resolve", ref)
		}
		schema = next
	}
}

// check returns where value breaks schema, each problem prefixed with the
// value's place, at.
func (sc schemaChecker) check(schema map[string]any, value any, at string) []string {
	schema, err := sc.resolve(schema)
	if err != nil {
		return []string{at + ": " + err.Error()}
	}
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
			subSchema, _ := sub.(map[string]any)
			p := sc.check(subSchema, value, at)
			if len(p) == 0 {
				matched++
			}
			all = append(all, p...)
		}
		switch {
		case key == "allOf" && matched != len(subs):
			problems = append(problems, all...)
		case key == "oneOf" && matched > 1:
			problems = append(problems, fmt.Sprintf("%s: matches %d of oneOf, want one", at, matched))
		case key != "allOf" && matched == 0:
			problems = append(problems, fmt.Sprintf("%s: matches none of %s: %v", at, key, all))
		}
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(e, value) }) {
		problems = append(problems, fmt.Sprintf("%s: %v is not one of %v", at, value, enum))
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
				subSchema, _ := sub.(map[string]any)
				problems = append(problems, sc.check(subSchema, v, at+"."+name)...)
			}
		}
		if extra, ok := schema["additionalProperties"].(map[string]any); ok {
			for name, v := range obj {
				if _, named := props[name]; !named {
					problems = append(problems, sc.check(extra, v, at+"."+name)...)
				}
			}
		}
	case "array":
		arr, ok := value.([]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: %T, want an array", at, value))
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, v := range arr {
				problems = append(problems, sc.check(items, v, fmt.Sprintf("%s[%d]", at, i))...)
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

// TestSchemaCheckerKeywords proves each keyword the checker knows refuses
// a value that breaks it and lets a good one through.
func TestSchemaCheckerKeywords(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal([]byte(`{"components": {"schemas": {
		"Team": {"type": "object", "required": ["id"], "properties": {
			"id": {"type": "string"}, "role": {"type": "string", "nullable": true, "enum": ["admin", "contributor", null]}}},
		"Alias": {"$ref": "#/components/schemas/Team"}}}}`), &root); err != nil {
		t.Fatal(err)
	}
	sc := schemaChecker{root: root}
	schema := func(s string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	cases := []struct {
		name, schema, value string
		want                string // a problem containing it; empty for none
	}{
		{"ref", `{"$ref": "#/components/schemas/Alias"}`, `{"id": "1"}`, ""},
		{"ref missing field", `{"$ref": "#/components/schemas/Alias"}`, `{}`, `missing required field "id"`},
		{"ref unknown", `{"$ref": "#/components/schemas/Nope"}`, `{}`, "does not resolve"},
		{"nullable", `{"$ref": "#/components/schemas/Team"}`, `{"id": "1", "role": null}`, ""},
		{"not nullable", `{"type": "string"}`, `null`, "null where"},
		{"enum", `{"$ref": "#/components/schemas/Team"}`, `{"id": "1", "role": "boss"}`, "is not one of"},
		{"items", `{"type": "array", "items": {"type": "integer"}}`, `[1, 2.5]`, "body[1]: 2.5, want an integer"},
		{"allOf", `{"allOf": [{"type": "object", "required": ["a"]}, {"type": "object", "required": ["b"]}]}`, `{"a": 1}`, `missing required field "b"`},
		{"anyOf", `{"anyOf": [{"type": "string"}, {"type": "integer"}]}`, `true`, "matches none of anyOf"},
		{"anyOf match", `{"anyOf": [{"type": "string"}, {"type": "integer"}]}`, `3`, ""},
		{"oneOf twice", `{"oneOf": [{"type": "number"}, {"type": "integer"}]}`, `3`, "matches 2 of oneOf"},
		{"additionalProperties", `{"type": "object", "additionalProperties": {"type": "boolean"}}`, `{"x": "y"}`, "body.x: string, want a boolean"},
		{"extra fields allowed", `{"type": "object", "properties": {"a": {"type": "string"}}}`, `{"a": "1", "b": 2}`, ""},
	}
	for _, c := range cases {
		var value any
		if err := json.Unmarshal([]byte(c.value), &value); err != nil {
			t.Fatal(err)
		}
		problems := strings.Join(sc.check(schema(c.schema), value, "body"), "\n")
		switch {
		case c.want == "" && problems != "":
			t.Errorf("%s: problems %s, want none", c.name, problems)
		case c.want != "" && !strings.Contains(problems, c.want):
			t.Errorf("%s: problems %q, want one containing %q", c.name, problems, c.want)
		}
	}
}
