package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
)

var (
	_ list.ListResource              = (*teamProjectListResource)(nil)
	_ list.ListResourceWithConfigure = (*teamProjectListResource)(nil)
)

func newTeamProjectListResource() list.ListResource {
	return &teamProjectListResource{}
}

// teamProjectListResource lists the organization's team-project links for
// terraform query.
type teamProjectListResource struct {
	resourceBase
}

type teamProjectListConfig struct {
	Organization types.String `tfsdk:"organization"`
	Team         types.String `tfsdk:"team"`
	Project      types.String `tfsdk:"project"`
}

func (r *teamProjectListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team_project"
}

func (r *teamProjectListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "The organization's team-project links, ordered by project slug and then team slug, " +
			"from the organization's projects list: one request per 100 projects.",
		Attributes: map[string]listschema.Attribute{
			"organization": listOrganizationAttribute(),
			"team": listschema.StringAttribute{
				MarkdownDescription: "Only the links of the team with this slug (filtered by Sentry).",
				Optional:            true,
				Validators:          []validator.String{slugValidator{maxLength: 50}},
			},
			"project": listschema.StringAttribute{
				MarkdownDescription: "Only the links of the project with this slug (filtered by Sentry).",
				Optional:            true,
				Validators:          []validator.String{slugValidator{maxLength: 100}},
			},
		},
	}
}

func (r *teamProjectListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config teamProjectListConfig
	client, org, ok := r.listSession(ctx, req, stream, &config)
	if !ok {
		return
	}
	links := inventory.TeamProjects(ctx, client, org, inventory.TeamProjectOptions{
		Team: config.Team.ValueString(), Project: config.Project.ValueString(), Options: listOptions(req),
	})
	stream.Results = listResultsOf(ctx, req, links, fmt.Sprintf("list the projects of organization %q", org),
		"Listing projects needs a token with org:read.", func(l inventory.TeamProject, result *list.ListResult) {
			state := teamProjectState(org, l.Project, l.Team)
			state.Timeouts = noTimeouts(false)
			result.DisplayName = fmt.Sprintf("team %s on project %s", l.Team, l.Project)
			setListResult(ctx, req, result, newTeamProjectIdentity(org, l.Project, l.Team), state)
		})
}
