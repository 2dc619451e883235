package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// resourceBase holds what every resource takes from the provider. Resources
// embed it, which also gives them their Configure method.
type resourceBase struct {
	data *providerData
}

func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase is resourceBase for data sources.
type dataSourceBase struct {
	resourceBase
}

func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// providerDataFrom unpacks what the provider's Configure handed over; nil
// while Terraform validates configuration.
func providerDataFrom(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	data, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. Please report this issue to the provider developers.", v))
	}
	return data
}

// session returns the API client for the provider's auth token and the
// organization an operation works in, or adds a diagnostic naming the
// missing setting and returns ok=false.
func (b *resourceBase) session(organization types.String, diags *diag.Diagnostics) (*sentry.Client, string, bool) {
	return b.sessionWith(organization, diags, (*providerData).client, "Missing Sentry Credentials")
}

// scimSession is session for the SCIM API, whose client carries the
// provider's SCIM token.
func (b *resourceBase) scimSession(organization types.String, diags *diag.Diagnostics) (*sentry.Client, string, bool) {
	return b.sessionWith(organization, diags, (*providerData).scim, "Missing SCIM Token")
}

func (b *resourceBase) sessionWith(organization types.String, diags *diag.Diagnostics,
	client func(*providerData) (*sentry.Client, error), missingClient string) (*sentry.Client, string, bool) {
	if b.data == nil {
		diags.AddError("Provider Not Configured",
			"The Sentry provider was not configured before this resource was used. Please report this issue to the provider developers.")
		return nil, "", false
	}
	org, err := b.data.resolveOrganization(organization)
	if err != nil {
		diags.AddError("Missing Sentry Organization", capitalize(err.Error())+".")
		return nil, "", false
	}
	c, err := client(b.data)
	if err != nil {
		diags.AddError(missingClient, capitalize(err.Error())+".")
		return nil, "", false
	}
	return c, org, true
}

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
	if v := org.ValueString(); v != "" {
		return v, true
	}
	if b.data == nil || b.data.organization == "" {
		diags.AddAttributeError(path.Root("organization"), "Invalid Import Identity",
			"The import identity names no organization and the provider has none: set organization in the identity, "+
				"or set the provider's organization or "+envOrganization+".")
		return "", false
	}
	return b.data.organization, true
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

// organizationAttribute is the organization attribute every resource has:
// optional, defaulting to the provider's, and replacing the object when it
// changes because Sentry objects cannot move between organizations.
func organizationAttribute(b *resourceBase) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Slug of the organization the object belongs to. Defaults to the provider's `organization`. " +
			"Changing it replaces the object.",
		Optional: true,
		Computed: true,
		PlanModifiers: []planmodifier.String{
			providerOrganizationDefault{base: b},
			stringplanmodifier.RequiresReplace(),
		},
		Validators: []validator.String{lengthValidator{what: "organization slug", min: 1, maxCount: 50}},
	}
}

// providerOrganizationDefault plans the provider's organization when the
// resource does not set its own, so plan shows where an object will live and
// a change of the provider's organization shows as a replacement.
type providerOrganizationDefault struct {
	base *resourceBase
}

func (m providerOrganizationDefault) Description(context.Context) string {
	return "Defaults to the provider's organization."
}

func (m providerOrganizationDefault) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m providerOrganizationDefault) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	if m.base.data != nil && m.base.data.organization != "" {
		resp.PlanValue = types.StringValue(m.base.data.organization)
		return
	}
	// Without a provider default, keep what the object was created or
	// imported with; create reports the missing setting.
	if !req.StateValue.IsNull() {
		resp.PlanValue = req.StateValue
	}
}

// importOrganization is the organization an import ID names, else the
// provider's; without either it adds a diagnostic showing the ID with an
// organization (rest is the ID's part after it) and returns ok=false.
func (b *resourceBase) importOrganization(org, importID, rest string, diags *diag.Diagnostics) (string, bool) {
	if org != "" {
		return org, true
	}
	if b.data == nil || b.data.organization == "" {
		diags.AddError("Invalid Import ID",
			fmt.Sprintf("The import ID %q names no organization and the provider has none: import with "+
				"\"<organization>/%s\", or set the provider's organization or %s.", importID, rest, envOrganization))
		return "", false
	}
	return b.data.organization, true
}

// Default time limits of the operations, for a timeouts block that leaves
// them out. Each request is bounded on its own; a create may need several
// (a lost answer is looked up and the create sent again), and Sentry's rate
// limits can hold a large apply's requests back for a while.
const (
	defaultCreateTimeout = 10 * time.Minute
	defaultReadTimeout   = 5 * time.Minute
	defaultUpdateTimeout = 10 * time.Minute
	defaultDeleteTimeout = 10 * time.Minute
)

// timeoutsBlock is the standard timeouts block; update is false for
// resources that are replaced on every change.
func timeoutsBlock(ctx context.Context, update bool) schema.Block {
	const limit = " A duration such as `\"30s\"` or `\"10m\"`."
	opts := timeouts.Opts{
		Create:            true,
		Read:              true,
		Delete:            true,
		CreateDescription: "How long a create may take, retries and the lookup after a lost answer included (default 10m)." + limit,
		ReadDescription:   "How long a refresh of this object may take (default 5m)." + limit,
		DeleteDescription: "How long a delete may take (default 10m)." + limit,
	}
	if update {
		opts.Update = true
		opts.UpdateDescription = "How long an update may take (default 10m)." + limit
	}
	return timeouts.Block(ctx, opts)
}

// withTimeout bounds ctx by an operation's time limit: get is one of the
// timeouts value's Create, Read, Update or Delete methods.
func withTimeout(ctx context.Context, get func(context.Context, time.Duration) (time.Duration, diag.Diagnostics),
	fallback time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	limit, d := get(ctx, fallback)
	diags.Append(d...)
	return context.WithTimeout(ctx, limit)
}

// noTimeouts is a timeouts block left out, for a state built from nothing
// (an import); update as in timeoutsBlock.
func noTimeouts(update bool) timeouts.Value {
	attrs := map[string]attr.Type{"create": types.StringType, "read": types.StringType, "delete": types.StringType}
	if update {
		attrs["update"] = types.StringType
	}
	return timeouts.Value{Object: types.ObjectNull(attrs)}
}
