package communitystandin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// Address is the community provider's source address, under which the
// stand-in is served and which the states it reads name.
const Address = "registry.terraform.io/jianyuan/sentry"

// Version is the community provider release whose schema the stand-in
// serves (testdata/README.md says how it was recorded).
const Version = "0.15.4"

//go:embed testdata/schema-v0.15.4.json
var recordedSchema []byte

// Schemas are the community provider's schemas in the protocol's terms.
type Schemas struct {
	Provider    *tfprotov6.Schema
	Resources   map[string]*tfprotov6.Schema
	DataSources map[string]*tfprotov6.Schema
}

// RecordedSchemas converts the recorded schema of the community provider.
func RecordedSchemas() (*Schemas, error) {
	return ConvertSchemas(recordedSchema)
}

// ConvertSchemas converts the output of terraform providers schema -json
// for the community provider. Anything the converter does not know is an
// error rather than a guess, so a schema it serves is the one recorded.
func ConvertSchemas(doc []byte) (*Schemas, error) {
	var all tfjson.ProviderSchemas
	if err := json.Unmarshal(doc, &all); err != nil {
		return nil, fmt.Errorf("reading the recorded schema: %w", err)
	}
	ps, ok := all.Schemas[Address]
	if !ok {
		return nil, fmt.Errorf("the recorded schema has no provider %s", Address)
	}
	if ps.ConfigSchema == nil {
		return nil, fmt.Errorf("the recorded schema of %s has no provider block", Address)
	}
	out := &Schemas{Resources: map[string]*tfprotov6.Schema{}, DataSources: map[string]*tfprotov6.Schema{}}
	var err error
	if out.Provider, err = convertSchema(ps.ConfigSchema); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	for name, s := range ps.ResourceSchemas {
		if out.Resources[name], err = convertSchema(s); err != nil {
			return nil, fmt.Errorf("resource %s: %w", name, err)
		}
	}
	for name, s := range ps.DataSourceSchemas {
		if out.DataSources[name], err = convertSchema(s); err != nil {
			return nil, fmt.Errorf("data source %s: %w", name, err)
		}
	}
	return out, nil
}

func convertSchema(s *tfjson.Schema) (*tfprotov6.Schema, error) {
	if s.Block == nil {
		return nil, fmt.Errorf("no block")
	}
	b, err := convertBlock(s.Block)
	if err != nil {
		return nil, err
	}
	v, err := toInt64(s.Version)
	if err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	return &tfprotov6.Schema{Version: v, Block: b}, nil
}

func toInt64(u uint64) (int64, error) {
	if u > math.MaxInt64 {
		return 0, fmt.Errorf("%d is out of range", u)
	}
	return int64(u), nil
}

func convertBlock(b *tfjson.SchemaBlock) (*tfprotov6.SchemaBlock, error) {
	out := &tfprotov6.SchemaBlock{
		Description:     b.Description,
		DescriptionKind: stringKind(b.DescriptionKind),
		Deprecated:      b.Deprecated,
	}
	var err error
	if out.Attributes, err = convertAttributes(b.Attributes); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(b.NestedBlocks) {
		nb := b.NestedBlocks[name]
		if nb.Block == nil {
			return nil, fmt.Errorf("block %s: no block", name)
		}
		inner, err := convertBlock(nb.Block)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		nesting, ok := map[tfjson.SchemaNestingMode]tfprotov6.SchemaNestedBlockNestingMode{
			tfjson.SchemaNestingModeSingle: tfprotov6.SchemaNestedBlockNestingModeSingle,
			tfjson.SchemaNestingModeGroup:  tfprotov6.SchemaNestedBlockNestingModeGroup,
			tfjson.SchemaNestingModeList:   tfprotov6.SchemaNestedBlockNestingModeList,
			tfjson.SchemaNestingModeSet:    tfprotov6.SchemaNestedBlockNestingModeSet,
			tfjson.SchemaNestingModeMap:    tfprotov6.SchemaNestedBlockNestingModeMap,
		}[nb.NestingMode]
		if !ok {
			return nil, fmt.Errorf("block %s: unknown nesting mode %q", name, nb.NestingMode)
		}
		minItems, err := toInt64(nb.MinItems)
		if err != nil {
			return nil, fmt.Errorf("block %s: min_items: %w", name, err)
		}
		maxItems, err := toInt64(nb.MaxItems)
		if err != nil {
			return nil, fmt.Errorf("block %s: max_items: %w", name, err)
		}
		out.BlockTypes = append(out.BlockTypes, &tfprotov6.SchemaNestedBlock{
			TypeName: name,
			Block:    inner,
			Nesting:  nesting,
			MinItems: minItems,
			MaxItems: maxItems,
		})
	}
	return out, nil
}

func convertAttributes(attrs map[string]*tfjson.SchemaAttribute) ([]*tfprotov6.SchemaAttribute, error) {
	var out []*tfprotov6.SchemaAttribute
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		ca := &tfprotov6.SchemaAttribute{
			Name:            name,
			Description:     a.Description,
			DescriptionKind: stringKind(a.DescriptionKind),
			Required:        a.Required,
			Optional:        a.Optional,
			Computed:        a.Computed,
			Sensitive:       a.Sensitive,
			Deprecated:      a.Deprecated,
			WriteOnly:       a.WriteOnly,
		}
		switch {
		case a.AttributeNestedType != nil && a.AttributeType != cty.NilType:
			return nil, fmt.Errorf("attribute %s has both a type and a nested type", name)
		case a.AttributeNestedType != nil:
			nt := a.AttributeNestedType
			if nt.MinItems != 0 || nt.MaxItems != 0 {
				// Protocol 6 dropped item limits on nested attributes.
				return nil, fmt.Errorf("attribute %s: item limits on a nested attribute", name)
			}
			nesting, ok := map[tfjson.SchemaNestingMode]tfprotov6.SchemaObjectNestingMode{
				tfjson.SchemaNestingModeSingle: tfprotov6.SchemaObjectNestingModeSingle,
				tfjson.SchemaNestingModeList:   tfprotov6.SchemaObjectNestingModeList,
				tfjson.SchemaNestingModeSet:    tfprotov6.SchemaObjectNestingModeSet,
				tfjson.SchemaNestingModeMap:    tfprotov6.SchemaObjectNestingModeMap,
			}[nt.NestingMode]
			if !ok {
				return nil, fmt.Errorf("attribute %s: unknown nesting mode %q", name, nt.NestingMode)
			}
			inner, err := convertAttributes(nt.Attributes)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			ca.NestedType = &tfprotov6.SchemaObject{Attributes: inner, Nesting: nesting}
		case a.AttributeType != cty.NilType:
			t, err := convertType(a.AttributeType)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			ca.Type = t
		default:
			return nil, fmt.Errorf("attribute %s has no type", name)
		}
		out = append(out, ca)
	}
	return out, nil
}

// convertType turns a cty type, as Terraform writes it in schemas, into
// the protocol's.
func convertType(t cty.Type) (tftypes.Type, error) {
	switch {
	case t == cty.String:
		return tftypes.String, nil
	case t == cty.Number:
		return tftypes.Number, nil
	case t == cty.Bool:
		return tftypes.Bool, nil
	case t == cty.DynamicPseudoType:
		return tftypes.DynamicPseudoType, nil
	case t.IsListType(), t.IsSetType(), t.IsMapType():
		elem, err := convertType(t.ElementType())
		if err != nil {
			return nil, err
		}
		switch {
		case t.IsListType():
			return tftypes.List{ElementType: elem}, nil
		case t.IsSetType():
			return tftypes.Set{ElementType: elem}, nil
		default:
			return tftypes.Map{ElementType: elem}, nil
		}
	case t.IsObjectType():
		obj := tftypes.Object{AttributeTypes: map[string]tftypes.Type{}}
		for name, at := range t.AttributeTypes() {
			ct, err := convertType(at)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			obj.AttributeTypes[name] = ct
			if t.AttributeOptional(name) {
				if obj.OptionalAttributes == nil {
					obj.OptionalAttributes = map[string]struct{}{}
				}
				obj.OptionalAttributes[name] = struct{}{}
			}
		}
		return obj, nil
	case t.IsTupleType():
		var elems []tftypes.Type
		for i, et := range t.TupleElementTypes() {
			ct, err := convertType(et)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			elems = append(elems, ct)
		}
		return tftypes.Tuple{ElementTypes: elems}, nil
	}
	return nil, fmt.Errorf("unsupported type %s", t.FriendlyName())
}

func stringKind(k tfjson.SchemaDescriptionKind) tfprotov6.StringKind {
	if k == tfjson.SchemaDescriptionKindMarkdown {
		return tfprotov6.StringKindMarkdown
	}
	return tfprotov6.StringKindPlain
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
