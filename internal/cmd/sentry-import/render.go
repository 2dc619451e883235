package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
)

// header explains the file to whoever opens it.
const header = `# Import blocks for the Sentry organization %q, written by sentry-import:
# %s.
#
# Next, in a directory holding this file and a provider block for
# sentryrbac/sentry with the same settings (SENTRY_AUTH_TOKEN,
# SENTRY_SCIM_TOKEN, SENTRY_BASE_URL, SENTRY_ORG), run
#
#   terraform plan -generate-config-out=generated.tf
#
# Terraform (1.5 or later, or OpenTofu) writes a resource block for every
# import below to generated.tf and plans the imports, with no changes.
# Review generated.tf, then terraform apply. Once applied, the import
# blocks do nothing and can be deleted.

`

// render writes the file: the header, then one import block per object,
// type by type, in the objects' order.
func render(org string, sections []section) []byte {
	counts := make([]string, 0, len(sections))
	for _, s := range sections {
		if s.skipped != nil {
			counts = append(counts, s.typ.name+" skipped")
			continue
		}
		counts = append(counts, fmt.Sprintf("%d %s", len(s.objects), s.typ.name))
	}
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for _, s := range sections {
		for _, o := range s.objects {
			block := body.AppendNewBlock("import", nil).Body()
			block.SetAttributeTraversal("to", hcl.Traversal{
				hcl.TraverseRoot{Name: s.typ.name},
				hcl.TraverseAttr{Name: o.name},
			})
			block.SetAttributeValue("id", cty.StringVal(o.importID))
			body.AppendNewline()
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, header, org, strings.Join(counts, ", "))
	b.Write(bytes.TrimRight(hclwrite.Format(f.Bytes()), "\n"))
	b.WriteByte('\n')
	return b.Bytes()
}

// errFileExists is the refusal to overwrite a file.
func errFileExists(path string) error {
	return fmt.Errorf("%s already exists: sentry-import never overwrites a file; move it away or pick another -out", path)
}

// writeNew writes data to a file that must not exist yet.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644) //nolint:gosec // The path is the user's own -out.
	if errors.Is(err, fs.ErrExist) {
		return errFileExists(path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// memberConfig is a sentry_member's configuration as the command writes it.
type memberConfig struct {
	organization, email, role string
	// teams is written only when manageTeams: left out, Terraform leaves
	// the member's teams alone.
	manageTeams bool
	teams       []memberTeamConfig
}

// memberTeamConfig is one element of a member's teams. A nil role is left
// out: the member's minimum role on the team.
type memberTeamConfig struct {
	team string
	role *string
}

// memberInstance is one instance of a sentry_member resource: its key
// (nil without count or for_each, a string for for_each, an int for
// count, from 0 in order) and its configuration.
type memberInstance struct {
	key    any
	config memberConfig
}

// appendMember writes a sentry_member resource block: every member the
// command writes goes through here. One instance without a key is written
// as it is. Instances with keys keep them, each with its own email, role
// and teams: for_each takes a map from each key to them,
//
//	for_each = {
//	  "alice" = { email = "alice@example.com", role = "member", teams = [...] }
//	}
//	email = each.value.email
//
// and count lists indexed by count.index, of the attributes whose values
// differ. organization is written once when every instance has the same.
func appendMember(body *hclwrite.Body, name string, instances []memberInstance) {
	b := body.AppendNewBlock("resource", []string{inventory.TypeMember, name}).Body()
	if len(instances) == 1 && instances[0].key == nil {
		for _, a := range memberAttributes(instances[0].config, false) {
			b.SetAttributeRaw(a.name, a.value)
		}
		return
	}
	withTeams := slices.ContainsFunc(instances, func(in memberInstance) bool { return in.config.manageTeams })
	values := make([][]memberAttribute, len(instances))
	for i, in := range instances {
		values[i] = memberAttributes(in.config, withTeams)
	}
	// shared[j]: every instance has the same attribute j, written once.
	// for_each's map keeps each member's email, role and teams together;
	// count's lists hold only what differs.
	_, forEach := instances[0].key.(string)
	shared := make([]bool, len(values[0]))
	for j := range shared {
		if j > 0 && forEach {
			break
		}
		shared[j] = !slices.ContainsFunc(values, func(v []memberAttribute) bool {
			return !bytes.Equal(v[j].value.Bytes(), values[0][j].value.Bytes())
		})
	}

	if forEach {
		toks := hclwrite.Tokens{punct(hclsyntax.TokenOBrace, "{"), punct(hclsyntax.TokenNewline, "\n")}
		for i, in := range instances {
			key, _ := in.key.(string)
			toks = append(toks, hclwrite.TokensForValue(cty.StringVal(key))...)
			toks = append(toks, punct(hclsyntax.TokenEqual, "="), punct(hclsyntax.TokenOBrace, "{"), punct(hclsyntax.TokenNewline, "\n"))
			for j, a := range values[i] {
				if shared[j] {
					continue
				}
				toks = append(toks, hclwrite.TokensForIdentifier(a.name)...)
				toks = append(toks, punct(hclsyntax.TokenEqual, "="))
				toks = append(toks, a.value...)
				toks = append(toks, punct(hclsyntax.TokenNewline, "\n"))
			}
			toks = append(toks, punct(hclsyntax.TokenCBrace, "}"), punct(hclsyntax.TokenNewline, "\n"))
		}
		b.SetAttributeRaw("for_each", append(toks, punct(hclsyntax.TokenCBrace, "}")))
		b.AppendNewline()
		for j, a := range values[0] {
			if shared[j] {
				b.SetAttributeRaw(a.name, a.value)
				continue
			}
			b.SetAttributeTraversal(a.name, hcl.Traversal{hcl.TraverseRoot{Name: "each"}, hcl.TraverseAttr{Name: "value"},
				hcl.TraverseAttr{Name: a.name}})
		}
		return
	}

	b.SetAttributeValue("count", cty.NumberIntVal(int64(len(instances))))
	b.AppendNewline()
	for j, a := range values[0] {
		if shared[j] {
			b.SetAttributeRaw(a.name, a.value)
			continue
		}
		toks := hclwrite.Tokens{punct(hclsyntax.TokenOBrack, "["), punct(hclsyntax.TokenNewline, "\n")}
		for i := range instances {
			toks = append(toks, values[i][j].value...)
			toks = append(toks, punct(hclsyntax.TokenComma, ","), punct(hclsyntax.TokenNewline, "\n"))
		}
		toks = append(toks, punct(hclsyntax.TokenCBrack, "]"), punct(hclsyntax.TokenOBrack, "["))
		toks = append(toks, hclwrite.TokensForTraversal(hcl.Traversal{hcl.TraverseRoot{Name: "count"}, hcl.TraverseAttr{Name: "index"}})...)
		b.SetAttributeRaw(a.name, append(toks, punct(hclsyntax.TokenCBrack, "]")))
	}
}

// memberAttribute is an attribute of a member's configuration and its
// value as written.
type memberAttribute struct {
	name  string
	value hclwrite.Tokens
}

// memberAttributes are a member's organization, email, role and teams, in
// that order. teams is left out unless the member's teams are managed; with
// nullTeams, it is null then, as another instance of the resource has teams.
func memberAttributes(m memberConfig, nullTeams bool) []memberAttribute {
	attrs := []memberAttribute{
		{"organization", hclwrite.TokensForValue(cty.StringVal(m.organization))},
		{"email", hclwrite.TokensForValue(cty.StringVal(m.email))},
		{"role", hclwrite.TokensForValue(cty.StringVal(m.role))},
	}
	switch {
	case m.manageTeams:
		teams := slices.SortedFunc(slices.Values(m.teams), func(a, b memberTeamConfig) int { return strings.Compare(a.team, b.team) })
		attrs = append(attrs, memberAttribute{"teams", teamsTokens(teams)})
	case nullTeams:
		attrs = append(attrs, memberAttribute{"teams", hclwrite.TokensForValue(cty.NullVal(cty.DynamicPseudoType))})
	}
	return attrs
}

func punct(typ hclsyntax.TokenType, s string) *hclwrite.Token {
	return &hclwrite.Token{Type: typ, Bytes: []byte(s)}
}

// teamsTokens writes a member's teams one element a line:
//
//	[
//	  { team = "backend", role = "admin" },
//	  { team = "web" },
//	]
func teamsTokens(teams []memberTeamConfig) hclwrite.Tokens {
	if len(teams) == 0 {
		return hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte("[")}, {Type: hclsyntax.TokenCBrack, Bytes: []byte("]")}}
	}
	attr := func(toks hclwrite.Tokens, name, value string) hclwrite.Tokens {
		toks = append(toks, hclwrite.TokensForIdentifier(name)...)
		toks = append(toks, punct(hclsyntax.TokenEqual, "="))
		return append(toks, hclwrite.TokensForValue(cty.StringVal(value))...)
	}
	toks := hclwrite.Tokens{punct(hclsyntax.TokenOBrack, "["), punct(hclsyntax.TokenNewline, "\n")}
	for _, t := range teams {
		toks = append(toks, punct(hclsyntax.TokenOBrace, "{"))
		toks = attr(toks, "team", t.team)
		if t.role != nil {
			toks = append(toks, punct(hclsyntax.TokenComma, ","))
			toks = attr(toks, "role", *t.role)
		}
		toks = append(toks, punct(hclsyntax.TokenCBrace, "}"), punct(hclsyntax.TokenComma, ","), punct(hclsyntax.TokenNewline, "\n"))
	}
	return append(toks, punct(hclsyntax.TokenCBrack, "]"))
}
