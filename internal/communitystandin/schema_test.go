package communitystandin

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestRecordedSchemaConverts walks the recorded JSON itself, not the
// parsed form the converter reads, and checks every attribute and block
// of the provider, each resource and each data source against the
// converted schema: a key the converter does not know, or a flag, type,
// description or nesting it lost, fails here.
func TestRecordedSchemaConverts(t *testing.T) {
	got, err := RecordedSchemas()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ProviderSchemas map[string]struct {
			Provider          map[string]any            `json:"provider"`
			ResourceSchemas   map[string]map[string]any `json:"resource_schemas"`
			DataSourceSchemas map[string]map[string]any `json:"data_source_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal(recordedSchema, &doc); err != nil {
		t.Fatal(err)
	}
	raw := doc.ProviderSchemas[Address]
	var attrs int
	checkSchema(t, "provider", raw.Provider, got.Provider, &attrs)
	for _, kind := range []struct {
		raw  map[string]map[string]any
		conv map[string]*tfprotov6.Schema
	}{{raw.ResourceSchemas, got.Resources}, {raw.DataSourceSchemas, got.DataSources}} {
		if len(kind.raw) != len(kind.conv) {
			t.Errorf("%d schemas converted, %d recorded", len(kind.conv), len(kind.raw))
		}
		for name, rs := range kind.raw {
			checkSchema(t, name, rs, kind.conv[name], &attrs)
		}
	}
	// The recording has 922 attributes at every depth; fewer checked
	// would mean the walk above skipped some.
	if attrs != 922 {
		t.Errorf("%d attributes checked, want the 922 recorded", attrs)
	}
	for _, name := range []string{"sentry_team", "sentry_organization_member", "sentry_team_member", "sentry_project"} {
		if got.Resources[name] == nil {
			t.Errorf("no resource %s", name)
		}
	}
}

func checkSchema(t *testing.T, where string, raw map[string]any, s *tfprotov6.Schema, attrs *int) {
	t.Helper()
	if s == nil {
		t.Errorf("%s: not converted", where)
		return
	}
	onlyKeys(t, where, raw, "version", "block")
	if v, _ := raw["version"].(float64); int64(v) != s.Version {
		t.Errorf("%s: version %d, recorded %v", where, s.Version, raw["version"])
	}
	checkBlock(t, where, asMap(t, where, raw["block"]), s.Block, attrs)
}

func checkBlock(t *testing.T, where string, raw map[string]any, b *tfprotov6.SchemaBlock, attrs *int) {
	t.Helper()
	onlyKeys(t, where, raw, "attributes", "block_types", "description", "description_kind", "deprecated")
	checkDescription(t, where, raw, b.Description, b.DescriptionKind)
	if raw["deprecated"] != nil && raw["deprecated"] != b.Deprecated {
		t.Errorf("%s: deprecated %v, recorded %v", where, b.Deprecated, raw["deprecated"])
	}
	rawAttrs, _ := raw["attributes"].(map[string]any)
	checkAttributes(t, where, rawAttrs, b.Attributes, attrs)
	rawBlocks, _ := raw["block_types"].(map[string]any)
	if len(rawBlocks) != len(b.BlockTypes) {
		t.Errorf("%s: %d blocks, recorded %d", where, len(b.BlockTypes), len(rawBlocks))
	}
	for _, nb := range b.BlockTypes {
		rb, ok := rawBlocks[nb.TypeName].(map[string]any)
		if !ok {
			t.Errorf("%s: block %s not recorded", where, nb.TypeName)
			continue
		}
		w := where + "." + nb.TypeName
		onlyKeys(t, w, rb, "nesting_mode", "block", "min_items", "max_items")
		modes := map[string]tfprotov6.SchemaNestedBlockNestingMode{"single": tfprotov6.SchemaNestedBlockNestingModeSingle,
			"group": tfprotov6.SchemaNestedBlockNestingModeGroup, "list": tfprotov6.SchemaNestedBlockNestingModeList,
			"set": tfprotov6.SchemaNestedBlockNestingModeSet, "map": tfprotov6.SchemaNestedBlockNestingModeMap}
		if mode, _ := rb["nesting_mode"].(string); modes[mode] != nb.Nesting {
			t.Errorf("%s: nesting %v, recorded %v", w, nb.Nesting, rb["nesting_mode"])
		}
		minItems, _ := rb["min_items"].(float64)
		maxItems, _ := rb["max_items"].(float64)
		if int64(minItems) != nb.MinItems || int64(maxItems) != nb.MaxItems {
			t.Errorf("%s: items %d..%d, recorded %v..%v", w, nb.MinItems, nb.MaxItems, minItems, maxItems)
		}
		checkBlock(t, w, asMap(t, w, rb["block"]), nb.Block, attrs)
	}
}

func checkAttributes(t *testing.T, where string, raw map[string]any, conv []*tfprotov6.SchemaAttribute, attrs *int) {
	t.Helper()
	if len(raw) != len(conv) {
		t.Errorf("%s: %d attributes, recorded %d", where, len(conv), len(raw))
	}
	for _, a := range conv {
		ra, ok := raw[a.Name].(map[string]any)
		if !ok {
			t.Errorf("%s: attribute %s not recorded", where, a.Name)
			continue
		}
		*attrs++
		w := where + "." + a.Name
		onlyKeys(t, w, ra, "type", "nested_type", "description", "description_kind", "required", "optional",
			"computed", "sensitive", "deprecated", "write_only")
		checkDescription(t, w, ra, a.Description, a.DescriptionKind)
		for flag, v := range map[string]bool{"required": a.Required, "optional": a.Optional, "computed": a.Computed,
			"sensitive": a.Sensitive, "deprecated": a.Deprecated, "write_only": a.WriteOnly} {
			if recorded, _ := ra[flag].(bool); recorded != v {
				t.Errorf("%s: %s %v, recorded %v", w, flag, v, recorded)
			}
		}
		if rt, ok := ra["type"]; ok {
			if a.Type == nil || a.NestedType != nil {
				t.Errorf("%s: converted without its type", w)
				continue
			}
			if conv := typeJSON(t, a.Type); !reflect.DeepEqual(conv, rt) {
				t.Errorf("%s: type %v, recorded %v", w, conv, rt)
			}
			continue
		}
		nt, ok := ra["nested_type"].(map[string]any)
		if !ok || a.NestedType == nil || a.Type != nil {
			t.Errorf("%s: neither a type nor a nested type", w)
			continue
		}
		onlyKeys(t, w, nt, "attributes", "nesting_mode")
		modes := map[string]tfprotov6.SchemaObjectNestingMode{"single": tfprotov6.SchemaObjectNestingModeSingle,
			"list": tfprotov6.SchemaObjectNestingModeList, "set": tfprotov6.SchemaObjectNestingModeSet,
			"map": tfprotov6.SchemaObjectNestingModeMap}
		if mode, _ := nt["nesting_mode"].(string); modes[mode] != a.NestedType.Nesting {
			t.Errorf("%s: nesting %v, recorded %v", w, a.NestedType.Nesting, nt["nesting_mode"])
		}
		inner, _ := nt["attributes"].(map[string]any)
		checkAttributes(t, w, inner, a.NestedType.Attributes, attrs)
	}
}

// typeJSON writes a type as Terraform's schema JSON does, decoded: "string",
// ["list", "string"], ["object", {"a": "number"}], ...
func typeJSON(t *testing.T, typ tftypes.Type) any {
	t.Helper()
	switch {
	case typ.Is(tftypes.String):
		return "string"
	case typ.Is(tftypes.Number):
		return "number"
	case typ.Is(tftypes.Bool):
		return "bool"
	case typ.Is(tftypes.DynamicPseudoType):
		return "dynamic"
	}
	switch tt := typ.(type) {
	case tftypes.List:
		return []any{"list", typeJSON(t, tt.ElementType)}
	case tftypes.Set:
		return []any{"set", typeJSON(t, tt.ElementType)}
	case tftypes.Map:
		return []any{"map", typeJSON(t, tt.ElementType)}
	case tftypes.Object:
		attrs := map[string]any{}
		for name, at := range tt.AttributeTypes {
			attrs[name] = typeJSON(t, at)
		}
		if len(tt.OptionalAttributes) == 0 {
			return []any{"object", attrs}
		}
		var names []string
		for name := range tt.OptionalAttributes {
			names = append(names, name)
		}
		sort.Strings(names)
		optional := make([]any, len(names))
		for i, name := range names {
			optional[i] = name
		}
		return []any{"object", attrs, optional}
	case tftypes.Tuple:
		var elems []any
		for _, et := range tt.ElementTypes {
			elems = append(elems, typeJSON(t, et))
		}
		return []any{"tuple", elems}
	}
	t.Fatalf("type %v has no JSON form here", typ)
	return nil
}

func asMap(t *testing.T, where string, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: recorded %T, want an object", where, v)
	}
	return m
}

func checkDescription(t *testing.T, where string, raw map[string]any, desc string, kind tfprotov6.StringKind) {
	t.Helper()
	if d, _ := raw["description"].(string); d != desc {
		t.Errorf("%s: description %q, recorded %q", where, desc, d)
	}
	wantKind := tfprotov6.StringKindPlain
	if raw["description_kind"] == "markdown" {
		wantKind = tfprotov6.StringKindMarkdown
	}
	if kind != wantKind {
		t.Errorf("%s: description kind %v, recorded %v", where, kind, raw["description_kind"])
	}
}

// onlyKeys fails on a key of the recording the converter does not read.
func onlyKeys(t *testing.T, where string, raw map[string]any, known ...string) {
	t.Helper()
	for k := range raw {
		found := false
		for _, kn := range known {
			found = found || k == kn
		}
		if !found {
			t.Errorf("%s: recorded key %q is not converted", where, k)
		}
	}
}

func attribute(t *testing.T, attrs []*tfprotov6.SchemaAttribute, name string) *tfprotov6.SchemaAttribute {
	t.Helper()
	for _, a := range attrs {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no attribute %s", name)
	return nil
}

// TestConvertShapes pins one attribute of each shape the recording uses.
func TestConvertShapes(t *testing.T) {
	s, err := RecordedSchemas()
	if err != nil {
		t.Fatal(err)
	}
	res := func(name string) []*tfprotov6.SchemaAttribute { return s.Resources[name].Block.Attributes }

	token := attribute(t, s.Provider.Block.Attributes, "token")
	if !token.Optional || !token.Sensitive || !token.Type.Equal(tftypes.String) {
		t.Errorf("provider token = %+v", token)
	}
	slug := attribute(t, res("sentry_team"), "slug")
	if !slug.Optional || !slug.Computed || slug.Required || slug.DescriptionKind != tfprotov6.StringKindMarkdown {
		t.Errorf("sentry_team.slug = %+v", slug)
	}
	if teamID := attribute(t, res("sentry_team"), "team_id"); !teamID.Deprecated || !teamID.Computed {
		t.Errorf("sentry_team.team_id = %+v", teamID)
	}
	if role := attribute(t, res("sentry_team_member"), "role"); !role.Optional || role.Computed {
		t.Errorf("sentry_team_member.role = %+v", role)
	}
	teams := attribute(t, res("sentry_project"), "teams")
	if !teams.Required || !teams.Type.Equal(tftypes.Set{ElementType: tftypes.String}) {
		t.Errorf("sentry_project.teams = %+v", teams)
	}
	if d := attribute(t, res("sentry_project"), "digests_max_delay"); !d.Type.Equal(tftypes.Number) {
		t.Errorf("sentry_project.digests_max_delay type %v", d.Type)
	}
	cs := attribute(t, res("sentry_project"), "client_security")
	if cs.NestedType == nil || cs.NestedType.Nesting != tfprotov6.SchemaObjectNestingModeSingle ||
		!attribute(t, cs.NestedType.Attributes, "allowed_domains").Type.Equal(tftypes.Set{ElementType: tftypes.String}) {
		t.Errorf("sentry_project.client_security = %+v", cs)
	}
	// An object type holding lists of objects (the data source's form of
	// the resource's widget blocks).
	widgets := attribute(t, s.DataSources["sentry_dashboard"].Block.Attributes, "widget")
	wt, ok := widgets.Type.(tftypes.List)
	if !ok {
		t.Fatalf("sentry_dashboard.widget type %v", widgets.Type)
	}
	widget, ok := wt.ElementType.(tftypes.Object)
	if !ok {
		t.Fatalf("sentry_dashboard.widget element type %v", wt.ElementType)
	}
	layout := widget.AttributeTypes["layout"]
	if !layout.Equal(tftypes.List{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"h": tftypes.Number, "min_h": tftypes.Number, "w": tftypes.Number, "x": tftypes.Number, "y": tftypes.Number}}}) {
		t.Errorf("sentry_dashboard.widget layout type %v", layout)
	}
	// A nested attribute without attributes: an empty object.
	var empty *tfprotov6.SchemaAttribute
	for _, a := range attribute(t, res("sentry_alert"), "trigger_conditions").NestedType.Attributes {
		if a.Name == "first_seen_event" {
			empty = a
		}
	}
	if empty == nil || empty.NestedType == nil || len(empty.NestedType.Attributes) != 0 ||
		!empty.ValueType().Equal(tftypes.Object{AttributeTypes: map[string]tftypes.Type{}}) {
		t.Errorf("sentry_alert.trigger_conditions[].first_seen_event = %+v", empty)
	}
	// SDK-style list blocks, with their item limits.
	trigger := s.Resources["sentry_metric_alert"].Block.BlockTypes
	if len(trigger) != 1 || trigger[0].TypeName != "trigger" || trigger[0].Nesting != tfprotov6.SchemaNestedBlockNestingModeList ||
		trigger[0].MinItems != 1 || trigger[0].MaxItems != 0 || len(trigger[0].Block.BlockTypes) != 1 {
		t.Errorf("sentry_metric_alert blocks = %+v", trigger)
	}
	if s.Resources["sentry_issue_alert"].Version != 2 || s.Resources["sentry_team_member"].Version != 0 {
		t.Errorf("versions %d, %d", s.Resources["sentry_issue_alert"].Version, s.Resources["sentry_team_member"].Version)
	}
	wantTeam := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"id": tftypes.String, "organization": tftypes.String, "name": tftypes.String, "slug": tftypes.String,
		"internal_id": tftypes.String, "team_id": tftypes.String, "has_access": tftypes.Bool,
		"is_member": tftypes.Bool, "is_pending": tftypes.Bool}}
	if got := s.Resources["sentry_team"].ValueType(); !got.Equal(wantTeam) {
		t.Errorf("sentry_team type %v", got)
	}
}

// TestConvertRefuses covers recordings the converter will not guess at.
func TestConvertRefuses(t *testing.T) {
	doc := func(attr string) []byte {
		return []byte(`{"format_version":"1.0","provider_schemas":{"` + Address + `":{"provider":{"version":0,"block":{}},` +
			`"resource_schemas":{"sentry_x":{"version":0,"block":{"attributes":{"a":` + attr + `}}}}}}}`)
	}
	for name, c := range map[string]struct{ doc, want string }{
		"no type":                  {string(doc(`{"optional":true}`)), "has no type"},
		"unknown nesting":          {string(doc(`{"nested_type":{"nesting_mode":"tree","attributes":{}},"optional":true}`)), `unknown nesting mode "tree"`},
		"nested item limits":       {string(doc(`{"nested_type":{"nesting_mode":"list","min_items":1},"optional":true}`)), "item limits"},
		"another provider":         {`{"format_version":"1.0","provider_schemas":{"registry.terraform.io/acme/sentry":{}}}`, "no provider " + Address},
		"no provider block":        {`{"format_version":"1.0","provider_schemas":{"` + Address + `":{}}}`, "no provider block"},
		"not a schema":             {`[`, "reading the recorded schema"},
		"unknown block nesting":    {`{"format_version":"1.0","provider_schemas":{"` + Address + `":{"provider":{"block":{"block_types":{"b":{"nesting_mode":"tree","block":{}}}}}}}}`, `block b: unknown nesting mode "tree"`},
		"resource without a block": {`{"format_version":"1.0","provider_schemas":{"` + Address + `":{"provider":{"block":{}},"resource_schemas":{"sentry_x":{"version":0}}}}}`, "resource sentry_x: no block"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ConvertSchemas([]byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
