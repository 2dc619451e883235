package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identity (Terraform 1.12+): each resource stores its
// organization and natural key beside its state, and can be imported with
//
//	import {
//	  to       = sentry_team.backend
//	  identity = { organization = "acme", id = "4505000000000001" }
//	}
//
// as well as with the string ids of terraform import.

// orgIDIdentity is the identity of the resources keyed by a numeric id:
// sentry_team, sentry_member, sentry_api_token and sentry_scim_group.
type orgIDIdentity struct {
	Organization types.String `tfsdk:"organization"`
	ID           types.String `tfsdk:"id"`
}

// teamProjectIdentity is sentry_team_project's identity.
type teamProjectIdentity struct {
	Organization types.String `tfsdk:"organization"`
	Project      types.String `tfsdk:"project"`
	Team         types.String `tfsdk:"team"`
}

func newOrgIDIdentity(org, id string) orgIDIdentity {
	return orgIDIdentity{Organization: types.StringValue(org), ID: types.StringValue(id)}
}

func newTeamProjectIdentity(org, project, team string) teamProjectIdentity {
	return teamProjectIdentity{Organization: types.StringValue(org), Project: types.StringValue(project), Team: types.StringValue(team)}
}

// identityOrganizationAttribute is the organization of every identity.
func identityOrganizationAttribute() identityschema.StringAttribute {
	return identityschema.StringAttribute{
		Description: "Slug of the organization the object belongs to. Defaults to the provider's organization " +
			"when importing.",
		OptionalForImport: true,
	}
}

// orgIDIdentitySchema is the identity schema of a resource keyed by
// Sentry's numeric id; what names the object (a team, a member).
func orgIDIdentitySchema(what string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"organization": identityOrganizationAttribute(),
			"id": identityschema.StringAttribute{
				Description:       fmt.Sprintf("Sentry's numeric id of the %s.", what),
				RequiredForImport: true,
			},
		},
	}
}

// setIdentity writes a resource's identity; identity is nil where the
// caller has none (a test calling a method directly).
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, value any, diags *diag.Diagnostics) {
	if identity == nil {
		return
	}
	diags.Append(identity.Set(ctx, value)...)
}

// keepIdentity gives a resource Read removes from state the identity its
// state implies when it has none yet (a state written before identities),
// as the framework wants one after every successful read.
func keepIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, value any, diags *diag.Diagnostics) {
	if identity == nil || !identity.Raw.IsFullyNull() {
		return
	}
	setIdentity(ctx, identity, value, diags)
}

// importIdentity reads an identity given in an import block, or reports
// that none was given (the import used a string id).
func importIdentity[T any](ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) (T, bool) {
	var v T
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsFullyNull() {
		return v, false
	}
	diags.Append(req.Identity.Get(ctx, &v)...)
	return v, !diags.HasError()
}
