package provider

import (
	"context"
	"fmt"
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

// organizationAttribute is the organization attribute every resource has:
// optional, defaulting to the provider's, and replacing the object when it
// changes because Sentry objects cannot move between organizations. The
// provider's default is planned by planOrganization, from each resource's
// ModifyPlan: attribute plan modifiers belong to the schema, which the
// framework builds once from an instance that is never configured, so they
// cannot see the provider's settings.
func organizationAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Slug of the organization the object belongs to. Defaults to the provider's `organization`. " +
			"Changing it replaces the object.",
		Optional: true,
		Computed: true,
		PlanModifiers: []planmodifier.String{
			organizationFromState{},
			stringplanmodifier.RequiresReplace(),
		},
		Validators: []validator.String{lengthValidator{what: "organization slug", min: 1, maxCount: 50}},
	}
}

// organizationFromState keeps the organization an object was created or
// imported with while the configuration leaves it out; planOrganization
// then plans the provider's, which replaces the object if it differs.
type organizationFromState struct{}

func (organizationFromState) Description(context.Context) string {
	return "Defaults to the provider's organization."
}

func (m organizationFromState) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (organizationFromState) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.ConfigValue.IsNull() && !req.StateValue.IsNull() {
		resp.PlanValue = req.StateValue
	}
}

// planOrganization plans the provider's organization for a resource whose
// configuration leaves organization out, so that plan shows where an
// object will live instead of "(known after apply)", and a change of the
// provider's organization shows as a replacement. Every resource's
// ModifyPlan calls it first; a ModifyPlan that changes more reads the plan
// back from resp.Plan.
func (b *resourceBase) planOrganization(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	providerOrg, ok := b.data.orgOrDefault("")
	if req.Plan.Raw.IsNull() || !ok {
		return
	}
	org := path.Root("organization")
	var configured, prior types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, org, &configured)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, org, &prior)...)
	}
	if resp.Diagnostics.HasError() || !configured.IsNull() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, org, types.StringValue(providerOrg))...)
	if !req.State.Raw.IsNull() && !prior.IsNull() && prior.ValueString() != providerOrg {
		resp.RequiresReplace.Append(org)
	}
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
