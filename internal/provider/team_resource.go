package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ resource.Resource                = (*teamResource)(nil)
	_ resource.ResourceWithConfigure   = (*teamResource)(nil)
	_ resource.ResourceWithImportState = (*teamResource)(nil)
)

const teamPermissionHint = "Managing teams needs a token with team:admin (team:write to create) whose user is an owner or " +
	"manager, or a team admin of the team."

func newTeamResource() resource.Resource {
	return &teamResource{}
}

type teamResource struct {
	resourceBase
}

type teamModel struct {
	ID           types.String `tfsdk:"id"`
	Organization types.String `tfsdk:"organization"`
	Slug         types.String `tfsdk:"slug"`
	Name         types.String `tfsdk:"name"`
	DateCreated  types.String `tfsdk:"date_created"`
}

func (r *teamResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team"
}

func (r *teamResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Sentry team. Teams own projects and hold members with team roles.\n\n" +
			"The resource is identified by Sentry's numeric team id, so a team renamed in Sentry (name or slug) shows as " +
			"drift in the next plan instead of being lost. A team deleted in Sentry is removed from state and planned " +
			"for creation again.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Sentry's numeric id of the team.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization": organizationAttribute(&r.resourceBase),
			"slug": schema.StringAttribute{
				MarkdownDescription: "The team's slug, unique in the organization: lowercase letters, digits, underscores and " +
					"hyphens, not only digits, at most 50 characters. When left out, Sentry makes one from `name`. " +
					"Changing it renames the team in place.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators:    []validator.String{slugValidator{maxLength: 50}},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The team's display name, 1 to 64 characters, without leading or trailing whitespace " +
					"(Sentry strips it).",
				Required: true,
				Validators: []validator.String{
					lengthValidator{what: "team name", min: 1, maxCount: 64},
					trimmedNameValidator{what: "team name"},
				},
			},
			"date_created": schema.StringAttribute{
				MarkdownDescription: "When the team was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *teamResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan teamModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(plan.Organization, &resp.Diagnostics)
	if !ok {
		return
	}

	team, err := client.CreateTeam(ctx, org, sentry.CreateTeamRequest{
		Slug: plan.Slug.ValueString(),
		Name: plan.Name.ValueString(),
	})
	if err != nil {
		label := teamLabel(plan)
		if sentry.IsConflict(err) {
			resp.Diagnostics.AddAttributeError(path.Root("slug"), "Team Already Exists",
				fmt.Sprintf("Organization %q already has a team with the slug %q. Choose another slug, or bring the existing "+
					"team under Terraform with: terraform import <resource address> %s/%s",
					org, plan.Slug.ValueString(), org, plan.Slug.ValueString()))
			return
		}
		addAPIError(&resp.Diagnostics, "Unable to Create Team",
			fmt.Sprintf("create team %q in organization %q", label, org), err, teamPermissionHint)
		return
	}
	tflog.Debug(ctx, "created Sentry team", map[string]any{"organization": org, "team_id": team.ID})

	resp.Diagnostics.Append(resp.State.Set(ctx, teamState(org, team))...)
}

func (r *teamResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state teamModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}

	team, err := client.GetTeam(ctx, org, state.ID.ValueString())
	if sentry.IsNotFound(err) {
		tflog.Warn(ctx, "Sentry team no longer exists; removing it from state", map[string]any{
			"organization": org, "team_id": state.ID.ValueString(),
		})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Team",
			fmt.Sprintf("read team %q in organization %q", state.ID.ValueString(), org), err, teamPermissionHint)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, teamState(org, team))...)
}

func (r *teamResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state teamModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}

	// Send only what changed: a PUT carrying an unchanged slug is harmless,
	// but sending less keeps the audit log honest about what Terraform did.
	var update sentry.UpdateTeamRequest
	if !plan.Name.Equal(state.Name) {
		update.Name = plan.Name.ValueStringPointer()
	}
	if !plan.Slug.IsUnknown() && !plan.Slug.Equal(state.Slug) {
		update.Slug = plan.Slug.ValueStringPointer()
	}

	team, err := client.UpdateTeam(ctx, org, state.ID.ValueString(), update)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Update Team",
			fmt.Sprintf("update team %q in organization %q", state.Slug.ValueString(), org), err, teamPermissionHint)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, teamState(org, team))...)
}

func (r *teamResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state teamModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}

	err := client.DeleteTeam(ctx, org, state.ID.ValueString())
	if err != nil && !sentry.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Unable to Delete Team",
			fmt.Sprintf("delete team %q in organization %q", state.Slug.ValueString(), org), err, teamPermissionHint)
	}
}

// ImportState accepts "org/slug", "org/id" and a bare "slug" or "id" (using
// the provider's organization). Sentry's team paths take either a slug or an
// id, and a slug is never all digits, so Read resolves both to the team and
// stores its numeric id.
const teamImportForms = "organization/team-slug, organization/team-id, team-slug or team-id " +
	"(the last two in the provider's organization)"

func (r *teamResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.importOrgAndID(ctx, req, resp, teamImportForms, func(id string) string {
		if onlyDigits.MatchString(id) || (slugCharacters.MatchString(id) && len(id) <= 50) {
			return ""
		}
		return fmt.Sprintf("ends in %q, which is neither a team slug (lowercase letters, digits, underscores and "+
			"hyphens, at most 50 characters) nor a numeric team id", id)
	})
}

func teamState(org string, t *sentry.Team) teamModel {
	return teamModel{
		ID:           types.StringValue(t.ID),
		Organization: types.StringValue(org),
		Slug:         types.StringValue(t.Slug),
		Name:         types.StringValue(t.Name),
		DateCreated:  types.StringValue(formatTime(t.DateCreated)),
	}
}

// teamLabel names a planned team in messages by slug, else by name.
func teamLabel(m teamModel) string {
	if s := m.Slug.ValueString(); s != "" {
		return s
	}
	return m.Name.ValueString()
}
