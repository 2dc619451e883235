package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ list.ListResource              = (*scimGroupListResource)(nil)
	_ list.ListResourceWithConfigure = (*scimGroupListResource)(nil)
)

func newSCIMGroupListResource() list.ListResource {
	return &scimGroupListResource{}
}

// scimGroupListResource lists the organization's SCIM groups for
// terraform query, through the SCIM API.
type scimGroupListResource struct {
	resourceBase
}

func (r *scimGroupListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scim_group"
}

func (r *scimGroupListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "The organization's SCIM groups (the teams its identity provider made) with their " +
			"members, through the SCIM API with the provider's `scim_token`. Without a SCIM token, or when SCIM is " +
			"off for the organization, the list is empty with a warning saying why.",
		Attributes: map[string]listschema.Attribute{
			"organization": listOrganizationAttribute(),
		},
	}
}

func (r *scimGroupListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config listConfigOrganization
	diags := req.Config.Get(ctx, &config)
	if diags.HasError() {
		stream.Results = listDiagnostics(diags)
		return
	}
	if r.data == nil {
		r.session(config.Organization, &diags)
		stream.Results = listDiagnostics(diags)
		return
	}
	org, err := r.data.resolveOrganization(config.Organization)
	if err != nil {
		diags.AddError("Missing Sentry Organization", capitalize(err.Error())+".")
		stream.Results = listDiagnostics(diags)
		return
	}
	// Without a SCIM token the listing is skipped with a warning, not
	// failed, so that a query of every type goes on; the group's slugs
	// come from the teams list, with the auth token when there is one.
	var scim, client *sentry.Client
	if c, err := r.data.scim(); err == nil {
		scim = c
	}
	if c, err := r.data.client(); err == nil {
		client = c
	}
	groups := inventory.SCIMGroups(ctx, client, scim, org, listOptions(req))
	stream.Results = listResultsOf(ctx, req, groups, fmt.Sprintf("list the SCIM groups of organization %q", org),
		scimPermissionHint, func(g inventory.SCIMGroup, result *list.ListResult) {
			state := scimGroupState(ctx, org, g.ID, g.DisplayName, g.TeamSlug, g.MemberIDs, noTimeouts(true), &result.Diagnostics)
			result.DisplayName = displayWithSlug(g.DisplayName, g.TeamSlug)
			setListResult(ctx, req, result, newOrgIDIdentity(org, g.ID), state)
		})
}
