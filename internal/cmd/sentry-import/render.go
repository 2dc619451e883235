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

// memberTeamRole is the team role a member's configuration gives a team
// for Sentry to plan no change: the role as the provider reads it for the
// member's org role (inventory.TeamRoleAsRead), from the role the member
// holds there (stored, nil for Sentry's null).
func memberTeamRole(stored *string, orgRole string) *string {
	return inventory.TeamRoleAsRead(stored, orgRole)
}

// appendMember writes a sentry_member resource block: every member the
// command writes goes through here.
func appendMember(body *hclwrite.Body, name string, m memberConfig) {
	b := body.AppendNewBlock("resource", []string{inventory.TypeMember, name}).Body()
	b.SetAttributeValue("organization", cty.StringVal(m.organization))
	b.SetAttributeValue("email", cty.StringVal(m.email))
	b.SetAttributeValue("role", cty.StringVal(m.role))
	if !m.manageTeams {
		return
	}
	teams := slices.SortedFunc(slices.Values(m.teams), func(a, b memberTeamConfig) int { return strings.Compare(a.team, b.team) })
	b.SetAttributeRaw("teams", teamsTokens(teams))
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
	punct := func(typ hclsyntax.TokenType, s string) *hclwrite.Token {
		return &hclwrite.Token{Type: typ, Bytes: []byte(s)}
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
