package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Import ids: the "org/x" and "x" forms every resource accepts, the
// identity an import block may give instead, and the messages for an id
// that is neither.

// importOrgAndID is ImportState for ids of the form "org/x" or "x" (in the
// provider's organization): it stores organization and id, which Read then
// resolves. checkID, when set, explains why x is not an id of this kind.
//
// An import block's identity (Terraform 1.12+) takes the place of the
// string: its id must be Sentry's numeric id, and its organization
// defaults to the provider's. The identity is set whenever the id is
// numeric; otherwise (a slug, an email) Read sets it once it has the id.
func (b *resourceBase) importOrgAndID(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse,
	forms string, checkID func(id string) string) bool {
	if ident, ok := importIdentity[orgIDIdentity](ctx, req, &resp.Diagnostics); ok || resp.Diagnostics.HasError() {
		if resp.Diagnostics.HasError() {
			return false
		}
		return b.importByIdentity(ctx, ident, resp)
	}
	org, id, err := splitImportID(req.ID, forms)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", capitalize(err.Error()))
		return false
	}
	if checkID != nil {
		if msg := checkID(id); msg != "" {
			resp.Diagnostics.AddError("Invalid Import ID", invalidImportIDDetail(req.ID, msg, forms))
			return false
		}
	}
	org, ok := b.importOrganization(org, req.ID, id, &resp.Diagnostics)
	if !ok {
		return false
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization"), org)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if onlyDigits.MatchString(id) {
		setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, id), &resp.Diagnostics)
	}
	return !resp.Diagnostics.HasError()
}

// importByIdentity is importOrgAndID for an import block's identity.
func (b *resourceBase) importByIdentity(ctx context.Context, ident orgIDIdentity, resp *resource.ImportStateResponse) bool {
	id := ident.ID.ValueString()
	if !onlyDigits.MatchString(id) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid Import Identity",
			fmt.Sprintf("The identity's id %q is not a numeric id. An identity names the object by Sentry's numeric id; "+
				"to import by slug or email, use the import block's id argument instead of identity.", id))
		return false
	}
	org, ok := b.identityOrganization(ident.Organization, &resp.Diagnostics)
	if !ok {
		return false
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization"), org)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, id), &resp.Diagnostics)
	return !resp.Diagnostics.HasError()
}

// identityOrganization is an import identity's organization, else the
// provider's.
func (b *resourceBase) identityOrganization(org types.String, diags *diag.Diagnostics) (string, bool) {
	resolved, ok := b.data.orgOrDefault(org.ValueString())
	if !ok {
		diags.AddAttributeError(path.Root("organization"), "Invalid Import Identity",
			"The import identity names no organization and the provider has none: set organization in the identity, "+
				"or set the provider's organization or "+envOrganization+".")
	}
	return resolved, ok
}

// splitImportID splits "org/x" or "x" into its parts.
func splitImportID(id, forms string) (org, object string, err error) {
	parts, problem := importIDParts(id, 1, 2)
	if problem != "" {
		return "", "", errors.New(invalidImportIDDetail(id, problem, forms))
	}
	if len(parts) == 1 {
		return "", parts[0], nil
	}
	return parts[0], parts[1], nil
}

// importIDParts splits an import ID at slashes, or says what is wrong with
// it when it does not have from minParts to maxParts non-empty parts.
func importIDParts(id string, minParts, maxParts int) ([]string, string) {
	if strings.TrimSpace(id) == "" {
		return nil, "is empty"
	}
	parts := strings.Split(id, "/")
	// Empty parts first: "org//x" is a doubled slash, not a third part.
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			return nil, "has an empty part (two slashes together, or a slash at the start or end)"
		}
		if p != strings.TrimSpace(p) {
			return nil, fmt.Sprintf("has a part with spaces around it, %q", p)
		}
	}
	if len(parts) < minParts || len(parts) > maxParts {
		noun := "parts"
		if len(parts) == 1 {
			noun = "part"
		}
		return nil, fmt.Sprintf("has %d %s separated by /, not %s", len(parts), noun, partCounts(minParts, maxParts))
	}
	return parts, ""
}

func partCounts(minParts, maxParts int) string {
	if minParts == maxParts {
		return strconv.Itoa(minParts)
	}
	return fmt.Sprintf("%d or %d", minParts, maxParts)
}

// invalidImportIDDetail is the detail of every Invalid Import ID error: the
// ID, what is wrong with it, and the forms the resource accepts.
func invalidImportIDDetail(id, problem, forms string) string {
	return fmt.Sprintf("The import ID %q %s. The accepted forms are: %s.", id, problem, forms)
}

// importOrganization is the organization an import ID names, else the
// provider's; without either it adds a diagnostic showing the ID with an
// organization (rest is the ID's part after it) and returns ok=false.
func (b *resourceBase) importOrganization(org, importID, rest string, diags *diag.Diagnostics) (string, bool) {
	resolved, ok := b.data.orgOrDefault(org)
	if !ok {
		diags.AddError("Invalid Import ID",
			fmt.Sprintf("The import ID %q names no organization and the provider has none: import with "+
				"\"<organization>/%s\", or set the provider's organization or %s.", importID, rest, envOrganization))
	}
	return resolved, ok
}
