package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*organizationAuthDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*organizationAuthDataSource)(nil)
)

func newOrganizationAuthDataSource() datasource.DataSource { return &organizationAuthDataSource{} }

// organizationAuthDataSource reads the organization's SSO provider and
// SCIM status, for check blocks.
type organizationAuthDataSource struct {
	dataSourceBase
}

type organizationAuthModel struct {
	Organization      types.String `tfsdk:"organization"`
	Provider          types.String `tfsdk:"provider_name"`
	RequireLink       types.Bool   `tfsdk:"require_link"`
	SCIMEnabled       types.Bool   `tfsdk:"scim_enabled"`
	PendingLinksCount types.Int64  `tfsdk:"pending_links_count"`
	DefaultRole       types.String `tfsdk:"default_role"`
	HasProvider       types.Bool   `tfsdk:"has_provider"`
}

func (d *organizationAuthDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_organization_auth"
}

func (d *organizationAuthDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's single sign-on provider and SCIM status, for `check` blocks.\n\n" +
			"It reads `GET /organizations/{org}/auth-provider/`, which Sentry does not publish in its API schema: " +
			"Sentry may change it without notice. An organization without an SSO provider gives empty values " +
			"(`has_provider = false`), not an error. The token needs org:read.",
		Attributes: map[string]schema.Attribute{
			"organization": schema.StringAttribute{
				MarkdownDescription: "Slug of the organization. Defaults to the provider's `organization`.",
				Optional:            true, Computed: true,
			},
			"has_provider": schema.BoolAttribute{
				MarkdownDescription: "Whether the organization has an SSO provider.", Computed: true,
			},
			"provider_name": schema.StringAttribute{
				MarkdownDescription: "The provider's key (`saml2`, `okta`, `google`, ...); empty without one.", Computed: true,
			},
			"require_link": schema.BoolAttribute{
				MarkdownDescription: "Whether members must link their SSO identity to sign in.", Computed: true,
			},
			"scim_enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the identity provider provisions members and teams through SCIM.", Computed: true,
			},
			"pending_links_count": schema.Int64Attribute{
				MarkdownDescription: "How many members (invitations included) have not linked their SSO identity.", Computed: true,
			},
			"default_role": schema.StringAttribute{
				MarkdownDescription: "The org role members provisioned through SSO get; empty without a provider.", Computed: true,
			},
		},
	}
}

func (d *organizationAuthDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config organizationAuthModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := d.session(config.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	p, err := client.GetAuthProvider(ctx, org)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read the SSO Provider",
			fmt.Sprintf("read the SSO provider of organization %q", org), err, "Reading it needs a token with org:read.")
		return
	}
	state := organizationAuthModel{
		Organization: types.StringValue(org), HasProvider: types.BoolValue(p != nil),
		Provider: types.StringValue(""), RequireLink: types.BoolValue(false), SCIMEnabled: types.BoolValue(false),
		PendingLinksCount: types.Int64Value(0), DefaultRole: types.StringValue(""),
	}
	if p != nil {
		state.Provider = types.StringValue(p.ProviderName)
		state.RequireLink = types.BoolValue(p.RequireLink)
		state.SCIMEnabled = types.BoolValue(p.SCIMEnabled)
		state.PendingLinksCount = types.Int64Value(int64(p.PendingLinksCount))
		state.DefaultRole = types.StringValue(p.DefaultRole)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}
