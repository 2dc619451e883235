package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*organizationAccessDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*organizationAccessDataSource)(nil)
)

func newOrganizationAccessDataSource() datasource.DataSource { return &organizationAccessDataSource{} }

// organizationAccessDataSource reads the settings sentry_organization_access
// manages, as Sentry has them now. In a check block it tells what the
// resource cannot: the resource's own attributes are planned from the
// configuration, so a setting changed in Sentry's settings page shows there
// only as an update, never as a failed assertion.
type organizationAccessDataSource struct {
	dataSourceBase
}

func (d *organizationAccessDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_organization_access"
}

func (d *organizationAccessDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{MarkdownDescription: "The organization's slug.", Computed: true},
		"organization": schema.StringAttribute{
			MarkdownDescription: "Slug of the organization. Defaults to the provider's `organization`.",
			Optional:            true, Computed: true,
		},
	}
	for _, s := range orgSettings {
		if s.bool != nil {
			attrs[s.attr] = schema.BoolAttribute{MarkdownDescription: s.doc, Computed: true}
			continue
		}
		attrs[s.attr] = schema.StringAttribute{MarkdownDescription: s.doc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's access settings as Sentry has them now (`GET /organizations/{org}/`), " +
			"the same attributes `sentry_organization_access` manages. The token needs org:read.\n\n" +
			"Use it in `check` blocks: a check on the resource's own attributes sees the configured value during " +
			"plan, so a setting switched in Sentry's settings page would pass it. Do not make it refer to (or " +
			"`depends_on`) `sentry_organization_access`: Terraform then reads it only during apply whenever the " +
			"resource has a change pending, which is when a setting was changed in Sentry. The access policy " +
			"guide shows how to have it read after the first apply all the same.",
		Attributes: attrs,
	}
}

func (d *organizationAccessDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var orgValue types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("organization"), &orgValue)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := d.session(orgValue, &resp.Diagnostics)
	if !ok {
		return
	}
	o, err := client.GetOrganization(ctx, org)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Organization Settings",
			fmt.Sprintf("read the settings of organization %q", org), err, "Reading them needs a token with org:read.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), types.StringValue(org))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization"), types.StringValue(org))...)
	for _, s := range orgSettings {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(s.attr), sentryValue(s, o))...)
	}
}
