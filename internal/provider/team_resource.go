package provider

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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
	_ resource.ResourceWithModifyPlan  = (*teamResource)(nil)
	_ resource.ResourceWithConfigure   = (*teamResource)(nil)
	_ resource.ResourceWithImportState = (*teamResource)(nil)
	_ resource.ResourceWithIdentity    = (*teamResource)(nil)
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
	ID           types.String   `tfsdk:"id"`
	Organization types.String   `tfsdk:"organization"`
	Slug         types.String   `tfsdk:"slug"`
	Name         types.String   `tfsdk:"name"`
	DateCreated  types.String   `tfsdk:"date_created"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

func (r *teamResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team"
}

func (r *teamResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = orgIDIdentitySchema("team")
}

func (r *teamResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
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
			"organization": organizationAttribute(),
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
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(ctx, true)},
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

	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()

	slug, name := plan.Slug.ValueString(), plan.Name.ValueString()
	team, how, err := createWithRecovery(ctx, createRecovery[*sentry.Team]{
		create: func(ctx context.Context) (*sentry.Team, error) {
			return client.CreateTeam(ctx, org, sentry.CreateTeamRequest{Slug: slug, Name: name})
		},
		find: func(ctx context.Context, since time.Time) (*sentry.Team, bool, error) {
			return findCreatedTeam(ctx, client, org, slug, name, since)
		},
		exists: sentry.IsConflict,
	})
	if err != nil {
		label := teamLabel(plan)
		action := fmt.Sprintf("create team %q in organization %q", label, org)
		switch {
		case addUnconfirmedCreate(&resp.Diagnostics, "Unable to Create Team", action, mayExistImport("team", teamImportHint(org, plan)), err):
		case sentry.IsConflict(err):
			resp.Diagnostics.AddAttributeError(path.Root("slug"), "Team Already Exists",
				fmt.Sprintf("Organization %q already has a team with the slug %q. Choose another slug, or bring the existing "+
					"team under Terraform with: terraform import <resource address> %s/%s",
					org, slug, org, slug))
		default:
			addAPIError(&resp.Diagnostics, "Unable to Create Team", action, err, teamPermissionHint)
		}
		return
	}
	tflog.Debug(ctx, "created Sentry team", map[string]any{"organization": org, "team_id": team.ID})
	addRecoveredWarning(&resp.Diagnostics, fmt.Sprintf("team %q", team.Slug), team.ID, how)

	state := teamState(org, team)
	state.Timeouts = plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, team.ID), &resp.Diagnostics)
}

// findCreatedTeam looks for the team a lost create may have made: by slug
// when the plan has one (one request), else by name among the teams Sentry
// made since the create began.
func findCreatedTeam(ctx context.Context, client *sentry.Client, org, slug, name string, since time.Time) (*sentry.Team, bool, error) {
	ours := func(t *sentry.Team) bool {
		return t.Name == name && !t.DateCreated.Before(since) && !t.IDPProvisioned()
	}
	if slug != "" {
		team, err := client.GetTeam(ctx, org, slug)
		if sentry.IsNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		return team, ours(team), nil
	}
	teams, err := client.ListTeams(ctx, org)
	if err != nil {
		return nil, false, err
	}
	var newest *sentry.Team
	for i := range teams {
		if ours(&teams[i]) && (newest == nil || teams[i].DateCreated.After(newest.DateCreated)) {
			newest = &teams[i]
		}
	}
	return newest, newest != nil, nil
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

	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()

	team, err := client.GetTeam(ctx, org, state.ID.ValueString())
	if sentry.IsNotFound(err) {
		r.forgetGone(ctx, resp, org, teamDrift(state, nil), newOrgIDIdentity(org, state.ID.ValueString()),
			"Sentry team no longer exists; removing it from state",
			map[string]any{"organization": org, "team_id": state.ID.ValueString()})
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Team",
			fmt.Sprintf("read team %q in organization %q", state.ID.ValueString(), org), err, teamPermissionHint)
		return
	}
	newState := teamState(org, team)
	newState.Timeouts = state.Timeouts
	r.explainDrift(ctx, org, teamDrift(state, &newState), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, team.ID), &resp.Diagnostics)
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

	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()

	team, err := client.UpdateTeam(ctx, org, state.ID.ValueString(), update)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Update Team",
			fmt.Sprintf("update team %q in organization %q", state.Slug.ValueString(), org), err, teamPermissionHint)
		return
	}
	newState := teamState(org, team)
	newState.Timeouts = plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, team.ID), &resp.Diagnostics)
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

	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()

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

// teamImportHint is the import ID a message gives for a planned team: its
// slug, or, when Sentry is to make the slug from the name, a placeholder
// naming the team, since a name is not an import ID.
func teamImportHint(org string, m teamModel) string {
	if s := m.Slug.ValueString(); s != "" {
		return org + "/" + s
	}
	return org + "/<team slug or id> (of the team named " + strconv.Quote(m.Name.ValueString()) + ")"
}

// teamLabel names a planned team in messages by slug, else by name.
func teamLabel(m teamModel) string {
	if s := m.Slug.ValueString(); s != "" {
		return s
	}
	return m.Name.ValueString()
}

// ModifyPlan plans the provider's organization where the configuration
// leaves it out.
func (r *teamResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganization(ctx, req, resp)
}

// teamDrift compares a team's prior state with what Sentry has now (nil:
// gone). Sentry writes team.edit and team.remove with the team as target,
// and the team's slug in the data.
func teamDrift(prior teamModel, now *teamModel) driftReport {
	id, slug := prior.ID.ValueString(), prior.Slug.ValueString()
	d := driftReport{object: fmt.Sprintf("sentry_team %q (id %s)", slug, id)}
	if !known(prior.Name) {
		return driftReport{}
	}
	slugs := []string{slug}
	if now == nil {
		d.gone = true
		d.removal = []auditLookup{{event: "team.remove", target: id, removedSlug: slug}}
		return d
	}
	if known(prior.Slug) && !now.Slug.Equal(prior.Slug) {
		slugs = append(slugs, now.Slug.ValueString())
	}
	edit := []auditLookup{{event: "team.edit", target: id, data: map[string][]string{"slug": slugs},
		after: map[string]string{"name": now.Name.ValueString(), "slug": now.Slug.ValueString()}}}
	if !now.Name.Equal(prior.Name) {
		d.changes = append(d.changes, driftChange{what: changed("name", prior.Name.ValueString(), now.Name.ValueString()), lookups: edit})
	}
	if known(prior.Slug) && !now.Slug.Equal(prior.Slug) {
		d.changes = append(d.changes, driftChange{what: changed("slug", slug, now.Slug.ValueString()), lookups: edit})
	}
	return d
}
