package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ list.ListResource              = (*memberListResource)(nil)
	_ list.ListResourceWithConfigure = (*memberListResource)(nil)
)

func newMemberListResource() list.ListResource {
	return &memberListResource{}
}

// memberListResource lists the organization's members and invitations for
// terraform query.
type memberListResource struct {
	resourceBase
}

type memberListConfig struct {
	Organization types.String `tfsdk:"organization"`
	Query        types.String `tfsdk:"query"`
	Role         types.String `tfsdk:"role"`
}

func (r *memberListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_member"
}

func (r *memberListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "The organization's members and invitations, pending and expired ones included, in " +
			"Sentry's order (by id), 100 a request. With `include_resource`, each member's `teams` come from one " +
			"team-members list per team, never a read per member, with team roles as the resource reads them; a member " +
			"on a team made through SCIM is listed without `teams`, which the identity provider manages.",
		Attributes: map[string]listschema.Attribute{
			"organization": listOrganizationAttribute(),
			"query": listschema.StringAttribute{
				MarkdownDescription: "Sentry's members search, applied by Sentry: `email:jane@example.com`, " +
					"`isInvited:true`, `has2fa:false`, `ssoLinked:true`, or free text matched against names and emails.",
				Optional: true,
			},
			"role": listschema.StringAttribute{
				MarkdownDescription: "Only members with this org role (filtered by Sentry).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(sentry.OrgRoles...)},
			},
		},
	}
}

func (r *memberListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config memberListConfig
	client, org, ok := r.listSession(ctx, req, stream, &config)
	if !ok {
		return
	}
	members := inventory.Members(ctx, client, org, inventory.MemberOptions{
		Query: config.Query.ValueString(), Role: config.Role.ValueString(),
		// Teams are part of the resource object only.
		Teams:   req.IncludeResource,
		Options: listOptions(req),
	})
	stream.Results = listResultsOf(ctx, req, members, fmt.Sprintf("list the members of organization %q", org),
		"Listing members needs a token with member:read, and their teams team:read.",
		func(m inventory.Member, result *list.ListResult) {
			result.DisplayName = memberDisplayName(m)
			result.Diagnostics.Append(result.Identity.Set(ctx, newOrgIDIdentity(org, m.ID))...)
			if !req.IncludeResource {
				return
			}
			state, d := listedMemberState(ctx, org, m)
			result.Diagnostics.Append(d...)
			result.Diagnostics.Append(result.Resource.Set(ctx, state)...)
		})
}

// listedMemberState is the member's state as Read stores it after an
// import, from what the listing found: the team roles listed are those
// Read would write. A member on a SCIM team has null teams.
func listedMemberState(ctx context.Context, org string, m inventory.Member) (memberModel, diag.Diagnostics) {
	raw := m.Raw
	raw.TeamRoles = make([]sentry.MemberTeamRole, 0, len(m.Teams))
	for _, t := range m.Teams {
		raw.TeamRoles = append(raw.TeamRoles, sentry.MemberTeamRole{TeamSlug: t.Team, Role: t.Role})
	}
	state, diags := memberState(ctx, org, &raw, importedMember())
	if m.Teams == nil {
		state.Teams = types.SetNull(memberTeamType)
	}
	return state, diags
}

// memberDisplayName is "email (role)", saying when the invitation is
// pending or expired.
func memberDisplayName(m inventory.Member) string {
	notes := []string{m.Role}
	switch {
	case m.Expired:
		notes = append(notes, "invitation expired")
	case m.Pending:
		notes = append(notes, "invitation pending")
	}
	return fmt.Sprintf("%s (%s)", m.Email, strings.Join(notes, ", "))
}
