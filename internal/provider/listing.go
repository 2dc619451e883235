package provider

import (
	"context"
	"fmt"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// List resources (Terraform 1.14+, terraform query) find the objects of an
// organization so they can be imported in one step. Each is built on
// package inventory, which reads them the way the resources do, and honours
// include_resource (the full resource object, as Read would store it after
// an import) and limit.

// listOrganizationAttribute is the organization every list config takes.
func listOrganizationAttribute() listschema.StringAttribute {
	return listschema.StringAttribute{
		MarkdownDescription: "Slug of the organization to list. Defaults to the provider's `organization`.",
		Optional:            true,
		Validators:          []validator.String{lengthValidator{what: "organization slug", min: 1, maxCount: 50}},
	}
}

// listOptions are inventory's options for a list request.
func listOptions(req list.ListRequest) inventory.Options {
	return inventory.Options{Limit: int(req.Limit)}
}

// listResultsOf turns an inventory listing into list results: build fills
// each result's identity, display name and, when asked, resource. An error
// ends the stream with an error result; a skipped listing (SCIM off) ends
// it with a warning.
func listResultsOf[T any](ctx context.Context, req list.ListRequest, seq iter.Seq2[T, error], action, hint string,
	build func(T, *list.ListResult)) iter.Seq[list.ListResult] {
	return func(push func(list.ListResult) bool) {
		for item, err := range seq {
			if err != nil {
				var diags diag.Diagnostics
				if skipped, ok := inventory.IsSkipped(err); ok {
					diags.AddWarning("Listing Skipped", capitalize(skipped.Reason)+".")
				} else {
					addAPIError(&diags, "Unable to List", action, err, hint)
				}
				push(list.ListResult{Diagnostics: diags})
				return
			}
			result := req.NewListResult(ctx)
			build(item, &result)
			if !req.IncludeResource {
				result.Resource = nil
			}
			if !push(result) {
				return
			}
		}
	}
}

// setListResult writes a result's identity and, when the request asks for
// it, its resource object.
func setListResult(ctx context.Context, req list.ListRequest, result *list.ListResult, identity, resource any) {
	result.Diagnostics.Append(result.Identity.Set(ctx, identity)...)
	if req.IncludeResource {
		result.Diagnostics.Append(result.Resource.Set(ctx, resource)...)
	}
}

// listSession reads a list block's configuration into config (a pointer to
// the list's config struct, which has the organization attribute) and
// opens the session for the organization it names, or the provider's.
// When either fails, the stream yields the diagnostics and ok is false.
func (b *resourceBase) listSession(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream,
	config any) (client *sentry.Client, org string, ok bool) {
	diags := req.Config.Get(ctx, config)
	if !diags.HasError() {
		var organization types.String
		diags.Append(req.Config.GetAttribute(ctx, path.Root("organization"), &organization)...)
		if !diags.HasError() {
			if client, org, ok = b.session(organization, &diags); ok {
				return client, org, true
			}
		}
	}
	stream.Results = listDiagnostics(diags)
	return nil, "", false
}

// listConfigOrganization is a list config's organization attribute.
type listConfigOrganization struct {
	Organization types.String `tfsdk:"organization"`
}

// listDiagnostics is a stream of one result carrying diags.
func listDiagnostics(diags diag.Diagnostics) iter.Seq[list.ListResult] {
	return list.ListResultsStreamDiagnostics(diags)
}

// displayWithSlug is "Name (slug)", or the slug alone when they match.
func displayWithSlug(name, slug string) string {
	if name == "" || name == slug {
		return slug
	}
	return fmt.Sprintf("%s (%s)", name, slug)
}
