package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
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
