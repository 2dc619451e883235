package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
)

var (
	_ list.ListResource              = (*apiTokenListResource)(nil)
	_ list.ListResourceWithConfigure = (*apiTokenListResource)(nil)
)

func newAPITokenListResource() list.ListResource {
	return &apiTokenListResource{}
}

// apiTokenListResource lists the organization's auth tokens for terraform
// query, without their values.
type apiTokenListResource struct {
	resourceBase
}

func (r *apiTokenListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_token"
}

func (r *apiTokenListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "The organization's auth tokens, ordered by id, in one request. Sentry shows a token's " +
			"value only when it is created, so listed tokens have no `token`. Since 2025-09 on sentry.io and 25.10 " +
			"self-hosted, Sentry lets only a signed-in browser session list organization auth tokens: there the list is " +
			"empty, with one warning saying why, and a query of every type goes on with the others.",
		Attributes: map[string]listschema.Attribute{
			"organization": listOrganizationAttribute(),
		},
	}
}

func (r *apiTokenListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config listConfigOrganization
	client, org, ok := r.listSession(ctx, req, stream, &config)
	if !ok {
		return
	}
	tokens := inventory.OrgAuthTokens(ctx, client, org, listOptions(req))
	stream.Results = listResultsOf(ctx, req, tokens, fmt.Sprintf("list the organization auth tokens of organization %q", org),
		apiTokenPermissionHint, func(t inventory.OrgAuthToken, result *list.ListResult) {
			result.DisplayName = fmt.Sprintf("%s (id %s)", t.Name, t.ID)
			setListResult(ctx, req, result, newOrgIDIdentity(org, t.ID), apiTokenState(org, &t.Raw, importedAPIToken()))
		})
}
