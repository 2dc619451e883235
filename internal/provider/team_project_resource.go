package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ resource.Resource                = (*teamProjectResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*teamProjectResource)(nil)
	_ resource.ResourceWithConfigure   = (*teamProjectResource)(nil)
	_ resource.ResourceWithImportState = (*teamProjectResource)(nil)
	_ resource.ResourceWithIdentity    = (*teamProjectResource)(nil)
)

const teamProjectPermissionHint = "Linking a team to a project needs a token with project:write (project:admin for some " +
	"organizations) whose user is an owner or manager, or a team admin of the team."

func newTeamProjectResource() resource.Resource {
	return &teamProjectResource{}
}

// teamProjectResource is one project-team link: the team owns the project.
// A project may have many teams; each link is its own resource so that
// links managed elsewhere are left alone.
type teamProjectResource struct {
	resourceBase
}

type teamProjectModel struct {
	ID           types.String   `tfsdk:"id"`
	Organization types.String   `tfsdk:"organization"`
	Project      types.String   `tfsdk:"project"`
	Team         types.String   `tfsdk:"team"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

func (r *teamProjectResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team_project"
	// The identity names the project by its slug, which a rename in Sentry
	// changes: Read then records the link under the new slug.
	resp.ResourceBehavior.MutableIdentity = true
}

func (r *teamProjectResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"organization": identityOrganizationAttribute(),
			"project": identityschema.StringAttribute{
				Description:       "Slug of the project.",
				RequiredForImport: true,
			},
			"team": identityschema.StringAttribute{
				Description:       "Slug of the team.",
				RequiredForImport: true,
			},
		},
	}
}

func (r *teamProjectResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Gives a team access to a project: the team owns the project alongside any other teams " +
			"linked to it. Each link is its own resource, so links made elsewhere are left alone.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`organization/project/team`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization": organizationAttribute(),
			"project": schema.StringAttribute{
				MarkdownDescription: "Slug of the project. Changing it replaces the link. When the project is renamed " +
					"in Sentry, the link is kept under the new slug and plans fail, naming both slugs, until the " +
					"configuration has the new one; nothing is replaced.",
				Required:      true,
				PlanModifiers: replace,
				Validators:    []validator.String{slugValidator{maxLength: 100}},
			},
			"team": schema.StringAttribute{
				MarkdownDescription: "Slug of the team. Changing it replaces the link.",
				Required:            true,
				PlanModifiers:       replace,
				Validators:          []validator.String{slugValidator{maxLength: 50}},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(ctx, false)},
	}
}

func (r *teamProjectResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan teamProjectModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(plan.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	project, team := plan.Project.ValueString(), plan.Team.ValueString()

	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()

	// Sentry answers 201 whether or not the link existed, so the client
	// repeats the request after a lost answer; when even that leaves the
	// outcome unknown, the project tells whether the link is there.
	_, how, err := createWithRecovery(ctx, createRecovery[*sentry.Project]{
		create: func(ctx context.Context) (*sentry.Project, error) {
			return client.AddProjectTeam(ctx, org, project, team)
		},
		find: func(ctx context.Context, _ time.Time) (*sentry.Project, bool, error) {
			p, err := client.GetProject(ctx, org, project)
			if err != nil {
				return nil, false, err
			}
			return p, p.HasTeam(team), nil
		},
	})
	if err != nil {
		action := fmt.Sprintf("give team %q access to project %q in organization %q", team, project, org)
		if !addUnconfirmedCreate(&resp.Diagnostics, "Unable to Link Team to Project", action,
			mayExistImport("link", org+"/"+project+"/"+team), err) {
			r.addLinkError(&resp.Diagnostics, "Unable to Link Team to Project", action, org, project, team, err)
		}
		return
	}
	tflog.Debug(ctx, "linked Sentry team to project", map[string]any{"organization": org, "project": project, "team": team})
	state := teamProjectState(org, project, team)
	addRecoveredWarning(&resp.Diagnostics, fmt.Sprintf("link of team %q to project %q", team, project), state.ID.ValueString(), how)
	state.Timeouts = plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, newTeamProjectIdentity(org, project, team), &resp.Diagnostics)
}

func (r *teamProjectResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state teamProjectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	project, team := state.Project.ValueString(), state.Team.ValueString()

	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()

	// One request: the project carries the slugs of every team linked to it.
	p, err := client.GetProject(ctx, org, project)
	if sentry.IsNotFound(err) {
		r.forgetGone(ctx, resp, org, teamProjectDrift(state), newTeamProjectIdentity(org, project, team),
			"Sentry project no longer exists; removing the team link from state",
			map[string]any{"organization": org, "project": project, "team": team})
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Project",
			fmt.Sprintf("read project %q in organization %q", project, org), err, teamProjectPermissionHint)
		return
	}
	if !p.HasTeam(team) {
		r.forgetGone(ctx, resp, org, teamProjectDrift(state), newTeamProjectIdentity(org, project, team),
			"team no longer has access to the Sentry project; removing the link from state",
			map[string]any{"organization": org, "project": project, "team": team})
		return
	}
	if p.Slug != project {
		// Sentry answered the old slug of a renamed project with a
		// redirect, which the client followed: the link is still there,
		// under the project's new slug. ModifyPlan stops a plan that would
		// replace it because the configuration still has the old slug.
		tflog.Warn(ctx, "Sentry project was renamed; keeping the team link under the new slug",
			map[string]any{"organization": org, "project": project, "new_slug": p.Slug, "team": team})
		r.explainDrift(ctx, org, teamProjectRenameDrift(state, p.Slug), &resp.Diagnostics)
	}
	newState := teamProjectState(org, p.Slug, team)
	newState.Timeouts = state.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
	setIdentity(ctx, resp.Identity, newTeamProjectIdentity(org, p.Slug, team), &resp.Diagnostics)
}

// Update is never called: every attribute replaces the link.
func (r *teamProjectResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan teamProjectModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	setIdentity(ctx, resp.Identity, newTeamProjectIdentity(plan.Organization.ValueString(), plan.Project.ValueString(),
		plan.Team.ValueString()), &resp.Diagnostics)
}

func (r *teamProjectResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state teamProjectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	project, team := state.Project.ValueString(), state.Team.ValueString()

	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()

	// Sentry answers 200 when there was no link; a missing project or team
	// means the link is gone too. Only this team's link is removed.
	p, err := client.RemoveProjectTeam(ctx, org, project, team)
	var moved *sentry.APIError
	if errors.As(err, &moved) && moved.MovedTo != "" {
		// The state has a slug the project had before a rename (a destroy
		// without refresh): Sentry's redirect names the same project under
		// its new slug, where the link is.
		project = moved.MovedTo
		p, err = client.RemoveProjectTeam(ctx, org, project, team)
	}
	if err != nil && !sentry.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Unable to Unlink Team from Project",
			fmt.Sprintf("remove team %q from project %q in organization %q", team, project, org), err, teamProjectPermissionHint)
		return
	}
	if p != nil && len(p.Teams) == 0 {
		resp.Diagnostics.AddWarning("Project Left Without a Team",
			fmt.Sprintf("Removing team %q left project %q in organization %q with no team: only owners and managers "+
				"can reach it now. Link another team with a sentry_team_project resource if other teams relied on %q's "+
				"access.", team, project, org, team))
	}
}

// ImportState accepts "org/project/team", and "project/team" in the
// provider's organization.
func (r *teamProjectResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if ident, ok := importIdentity[teamProjectIdentity](ctx, req, &resp.Diagnostics); ok || resp.Diagnostics.HasError() {
		if !resp.Diagnostics.HasError() {
			r.importByIdentity(ctx, ident, resp)
		}
		return
	}
	const forms = "organization/project-slug/team-slug or project-slug/team-slug (in the provider's organization)"
	parts, problem := importIDParts(req.ID, 2, 3)
	if problem == "" {
		for _, p := range parts[len(parts)-2:] {
			if !slugCharacters.MatchString(p) || onlyDigits.MatchString(p) {
				problem = fmt.Sprintf("has %q where a slug belongs; project and team slugs are lowercase letters, "+
					"digits, underscores and hyphens, not only digits", p)
				break
			}
		}
	}
	if problem != "" {
		resp.Diagnostics.AddError("Invalid Import ID", invalidImportIDDetail(req.ID, problem, forms))
		return
	}
	var org, project, team string
	if len(parts) == 3 {
		org, project, team = parts[0], parts[1], parts[2]
	} else {
		var ok bool
		if org, ok = r.importOrganization("", req.ID, req.ID, &resp.Diagnostics); !ok {
			return
		}
		project, team = parts[0], parts[1]
	}
	state := teamProjectState(org, project, team)
	state.Timeouts = noTimeouts(false)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, newTeamProjectIdentity(org, project, team), &resp.Diagnostics)
}

// importByIdentity is ImportState for an import block's identity.
func (r *teamProjectResource) importByIdentity(ctx context.Context, ident teamProjectIdentity, resp *resource.ImportStateResponse) {
	project, team := ident.Project.ValueString(), ident.Team.ValueString()
	for _, p := range []struct{ attr, value string }{{"project", project}, {"team", team}} {
		if !slugCharacters.MatchString(p.value) || onlyDigits.MatchString(p.value) {
			resp.Diagnostics.AddAttributeError(path.Root(p.attr), "Invalid Import Identity",
				fmt.Sprintf("The identity's %s %q is not a slug: project and team slugs are lowercase letters, digits, "+
					"underscores and hyphens, not only digits.", p.attr, p.value))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	org, ok := r.identityOrganization(ident.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	state := teamProjectState(org, project, team)
	state.Timeouts = noTimeouts(false)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, newTeamProjectIdentity(org, project, team), &resp.Diagnostics)
}

// addLinkError explains a failed link change; a 404 says which of the
// project and the team Sentry could not find.
func (r *teamProjectResource) addLinkError(diags *diag.Diagnostics, summary, action, org, project, team string, err error) {
	var moved *sentry.APIError
	if errors.As(err, &moved) && moved.MovedTo != "" {
		diags.AddAttributeError(path.Root("project"), "Project Renamed in Sentry",
			fmt.Sprintf("Sentry answered that project %q in organization %q was renamed to %q, and the team %q was not "+
				"linked: Sentry keeps the old slug only to redirect to the new one. Set project = %q in the "+
				"configuration.", project, org, moved.MovedTo, team, moved.MovedTo))
		return
	}
	if sentry.IsNotFound(err) {
		if sentry.IsTeamNotFound(err) {
			diags.AddAttributeError(path.Root("team"), "Team Not Found",
				fmt.Sprintf("Organization %q has no team with the slug %q. Check the team's slug, or create it with a "+
					"sentry_team resource and refer to its slug attribute so Terraform creates it first.", org, team))
			return
		}
		diags.AddAttributeError(path.Root("project"), "Project Not Found",
			fmt.Sprintf("Organization %q has no project with the slug %q, or the token cannot see it. Check the "+
				"project's slug and that the token's user can access it.", org, project))
		return
	}
	diags.AddError(summary, apiErrorDetail(action, err, teamProjectPermissionHint))
}

func teamProjectState(org, project, team string) teamProjectModel {
	return teamProjectModel{
		ID:           types.StringValue(org + "/" + project + "/" + team),
		Organization: types.StringValue(org),
		Project:      types.StringValue(project),
		Team:         types.StringValue(team),
	}
}

// ModifyPlan plans the provider's organization where the configuration
// leaves it out, and refuses to replace a link only because its project was
// renamed in Sentry.
func (r *teamProjectResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganization(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	r.refuseRenameReplace(ctx, req, resp)
}

// refuseRenameReplace stops a plan that would replace the link because the
// configuration names the project by a slug Sentry has renamed. Read
// follows Sentry's redirect from the old slug and records the link under
// the new one, so the configuration's old slug would plan a replacement:
// the link removed from the project, then a create that Sentry answers
// with the redirect again. An error that names both slugs is the clear
// way out, and nothing in Sentry changes. One request, made only when the
// configured slug differs from the state's: it tells a rename (the old
// slug redirects to the state's project) from a link really moved to
// another project, which is replaced as before.
func (r *teamProjectResource) refuseRenameReplace(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var state, plan teamProjectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !known(plan.Project) || !known(plan.Organization) ||
		plan.Project.Equal(state.Project) || !plan.Organization.Equal(state.Organization) {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	configured, current, team := plan.Project.ValueString(), state.Project.ValueString(), state.Team.ValueString()

	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	p, err := client.GetProject(ctx, org, configured)
	switch {
	case sentry.IsNotFound(err):
		// No such project: the plan's create says so.
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, "Unable to Read Project",
			fmt.Sprintf("read project %q in organization %q, to tell whether it is %q renamed", configured, org, current),
			err, teamProjectPermissionHint)
		return
	case p.Slug != current:
		return
	}
	resp.Diagnostics.AddAttributeError(path.Root("project"), "Project Renamed in Sentry",
		fmt.Sprintf("Project %q in organization %q was renamed to %q in Sentry, and team %q's link to it is still "+
			"there. Sentry keeps the old slug only to redirect to the new one, so this plan would remove the link "+
			"and fail to make it again.\n\nSet project = %q in this resource's configuration: the next plan then "+
			"has no changes for it. Nothing was changed in Sentry.", configured, org, current, team, current))
}

// teamProjectDrift is the report of a link Sentry no longer has: Sentry
// writes project-team.remove with the project as target and both slugs in
// the data; the link also goes when the team or the project is removed.
func teamProjectDrift(prior teamProjectModel) driftReport {
	project, team := prior.Project.ValueString(), prior.Team.ValueString()
	return driftReport{
		object: fmt.Sprintf("sentry_team_project %q", project+"/"+team),
		gone:   true,
		removal: []auditLookup{
			{event: "project-team.remove", data: map[string][]string{"project_slug": {project}, "team_slug": {team}}},
			{event: "team.remove", removedSlug: team},
			{event: "project.remove", data: map[string][]string{"slug": {project}}},
		},
	}
}

// teamProjectRenameDrift is the report of a link whose project was renamed
// outside Terraform. Sentry's PUT /projects/{org}/{project}/ writes
// project.edit with the project as target and old_slug and new_slug in the
// data (ProjectDetailsEndpoint.put, src/sentry/core/endpoints/project_details.py);
// after several renames, the last one names the slug Sentry has now.
func teamProjectRenameDrift(prior teamProjectModel, newSlug string) driftReport {
	project, team := prior.Project.ValueString(), prior.Team.ValueString()
	return driftReport{
		object: fmt.Sprintf("sentry_team_project %q", project+"/"+team),
		changes: []driftChange{{
			what: changed("project", project, newSlug) + " (the project was renamed; the link is kept)",
			lookups: []auditLookup{
				{event: "project.edit", data: map[string][]string{"old_slug": {project}, "new_slug": {newSlug}}},
				{event: "project.edit", data: map[string][]string{"new_slug": {newSlug}}},
			},
		}},
	}
}
