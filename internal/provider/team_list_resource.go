package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
)

var (
	_ list.ListResource              = (*teamListResource)(nil)
	_ list.ListResourceWithConfigure = (*teamListResource)(nil)
)

func newTeamListResource() list.ListResource {
	return &teamListResource{}
}

// teamListResource lists the organization's teams for terraform query.
// Teams made through SCIM are sentry_scim_group's and are not listed.
type teamListResource struct {
	resourceBase
}

type teamListConfig struct {
	Organization types.String `tfsdk:"organization"`
	Query        types.String `tfsdk:"query"`
}

func (r *teamListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team"
}

func (r *teamListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "The organization's teams, ordered by slug, 100 a request. Teams made through SCIM are " +
			"listed as `sentry_scim_group`, never as `sentry_team`.",
		Attributes: map[string]listschema.Attribute{
			"organization": listOrganizationAttribute(),
			"query": listschema.StringAttribute{
				MarkdownDescription: "Sentry's team search, applied by Sentry: `slug:backend slug:frontend` for given " +
					"slugs, or free text matched against names and slugs.",
				Optional: true,
			},
		},
	}
}

func (r *teamListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config teamListConfig
	client, org, ok := r.listSession(ctx, req, stream, &config)
	if !ok {
		return
	}
	teams := inventory.Teams(ctx, client, org, inventory.TeamOptions{Query: config.Query.ValueString(), Options: listOptions(req)})
	stream.Results = listResultsOf(ctx, req, teams, fmt.Sprintf("list the teams of organization %q", org), teamPermissionHint,
		func(t inventory.Team, result *list.ListResult) {
			state := teamState(org, &t.Raw)
			state.Timeouts = noTimeouts(true)
			result.DisplayName = displayWithSlug(t.Name, t.Slug)
			setListResult(ctx, req, result, newOrgIDIdentity(org, t.ID), state)
		})
}
