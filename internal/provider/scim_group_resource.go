package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ resource.Resource                = (*scimGroupResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*scimGroupResource)(nil)
	_ resource.ResourceWithConfigure   = (*scimGroupResource)(nil)
	_ resource.ResourceWithImportState = (*scimGroupResource)(nil)
	_ resource.ResourceWithIdentity    = (*scimGroupResource)(nil)
)

const scimPermissionHint = "SCIM calls need the organization's SCIM token (scim_token or SENTRY_SCIM_TOKEN), from the " +
	"organization's Auth settings once SAML with SCIM provisioning is enabled; a user auth token is refused."

func newSCIMGroupResource() resource.Resource {
	return &scimGroupResource{}
}

// scimGroupResource is a SCIM group: a Sentry team owned by the identity
// provider, managed through the SCIM v2 Groups API.
type scimGroupResource struct {
	resourceBase
}

type scimGroupModel struct {
	ID           types.String   `tfsdk:"id"`
	Organization types.String   `tfsdk:"organization"`
	DisplayName  types.String   `tfsdk:"display_name"`
	Members      types.Set      `tfsdk:"members"`
	TeamSlug     types.String   `tfsdk:"team_slug"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

func (r *scimGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scim_group"
}

func (r *scimGroupResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = orgIDIdentitySchema("group, which is the id of its team")
}

func (r *scimGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SCIM group: a Sentry team that belongs to the organization's identity provider, " +
			"managed through Sentry's SCIM v2 API with the provider's `scim_token`.\n\n" +
			"Sentry marks such a team as managed by the identity provider and refuses ordinary changes to it: do not " +
			"also manage it with `sentry_team`, or its members' teams with `sentry_member`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The group's id, which is the Sentry team's numeric id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization": organizationAttribute(),
			"display_name": schema.StringAttribute{
				MarkdownDescription: "The group's name, which is the team's name; Sentry makes the team's slug from it. " +
					"1 to 64 characters, without leading or trailing whitespace (Sentry strips it). Changing it renames " +
					"the team in place, and its slug follows.",
				Required: true,
				Validators: []validator.String{
					lengthValidator{what: "group name", min: 1, maxCount: 64},
					trimmedNameValidator{what: "group name"},
				},
			},
			"members": schema.SetAttribute{
				MarkdownDescription: "Ids of the organization members in the group (`sentry_member.<name>.id`). Leave it " +
					"out to leave membership to the identity provider's own sync.",
				Optional:      true,
				Computed:      true,
				ElementType:   types.StringType,
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
				Validators:    []validator.Set{memberIDsValidator{}},
			},
			"team_slug": schema.StringAttribute{
				MarkdownDescription: "The slug of the team behind the group, for `sentry_team_project` and the like.",
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(ctx, true)},
	}
}

func (r *scimGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan scimGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.scimSession(plan.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	name := plan.DisplayName.ValueString()
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()

	group, how, err := createWithRecovery(ctx, createRecovery[*sentry.SCIMGroup]{
		create: func(ctx context.Context) (*sentry.SCIMGroup, error) {
			return client.CreateSCIMGroup(ctx, org, name)
		},
		find: func(ctx context.Context, since time.Time) (*sentry.SCIMGroup, bool, error) {
			return findCreatedSCIMGroup(ctx, client, org, name, since)
		},
		exists: sentry.IsConflict,
	})
	if err != nil {
		action := fmt.Sprintf("create SCIM group %q in organization %q", name, org)
		switch {
		case addUnconfirmedCreate(&resp.Diagnostics, "Unable to Create SCIM Group", action,
			mayExistImport("group", org+"/<group id> (the id of the team named "+strconv.Quote(name)+")"), err):
		case sentry.IsConflict(err):
			resp.Diagnostics.AddAttributeError(path.Root("display_name"), "Team Already Exists",
				fmt.Sprintf("Organization %q already has a team whose slug Sentry would make from %q. Choose another "+
					"display_name, or import the existing group with: terraform import <resource address> %s/<group id>",
					org, name, org))
		default:
			addAPIError(&resp.Diagnostics, "Unable to Create SCIM Group", action, err, scimPermissionHint)
		}
		return
	}
	tflog.Debug(ctx, "created Sentry SCIM group", map[string]any{"organization": org, "group_id": group.ID})
	addRecoveredWarning(&resp.Diagnostics, fmt.Sprintf("SCIM group %q", name), group.ID, how)

	// The group exists: save it before anything else can fail, so it is
	// never lost or created twice (a failure below leaves it tainted).
	created := scimGroupModel{ID: types.StringValue(group.ID), Organization: types.StringValue(org),
		DisplayName: types.StringValue(group.DisplayName), TeamSlug: types.StringNull(), Timeouts: plan.Timeouts}
	var d diag.Diagnostics
	created.Members, d = types.SetValueFrom(ctx, types.StringType, group.MemberIDs())
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.Set(ctx, created)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, group.ID), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	ids, known := setStrings(ctx, plan.Members, &resp.Diagnostics)
	if known && len(ids) > 0 {
		if err := client.PatchSCIMGroup(ctx, org, group.ID, sentry.SCIMGroupMembershipOps(group.MemberIDs(), ids)); err != nil {
			addSCIMMemberError(&resp.Diagnostics, "Unable to Add SCIM Group Members", org, name, err)
			return
		}
	}
	if !how.found && (!known || len(ids) == 0) {
		// The create's answer is the whole group; only its team's slug
		// is missing.
		r.setState(ctx, client, org, group, created, &resp.State, &resp.Diagnostics)
		return
	}
	// Sentry answers a PATCH without a body, and a group found by a
	// lookup is a list entry: read the group itself.
	r.readInto(ctx, client, org, group.ID, created, &resp.State, &resp.Diagnostics)
}

// findCreatedSCIMGroup looks for the group a lost create may have made: one
// with the display name whose team Sentry made since the create began.
func findCreatedSCIMGroup(ctx context.Context, client *sentry.Client, org, name string, since time.Time) (*sentry.SCIMGroup, bool, error) {
	groups, err := client.ListSCIMGroups(ctx, org, fmt.Sprintf("displayName eq %q", name))
	if err != nil {
		return nil, false, err
	}
	for i := range groups {
		if groups[i].DisplayName != name {
			continue
		}
		team, err := client.GetTeam(ctx, org, groups[i].ID)
		if sentry.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if !team.DateCreated.Before(since) {
			return &groups[i], true, nil
		}
	}
	return nil, false, nil
}

func (r *scimGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state scimGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.scimSession(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()

	group, err := client.GetSCIMGroup(ctx, org, state.ID.ValueString())
	if sentry.IsNotFound(err) {
		r.forgetGone(ctx, resp, org, scimGroupDrift(ctx, state, nil), newOrgIDIdentity(org, state.ID.ValueString()),
			"Sentry SCIM group no longer exists; removing it from state",
			map[string]any{"organization": org, "group_id": state.ID.ValueString()})
		return
	}
	if err != nil {
		addSCIMAPIError(&resp.Diagnostics, "Unable to Read SCIM Group",
			fmt.Sprintf("read SCIM group %s in organization %q", state.ID.ValueString(), org), err)
		return
	}
	if newState := r.setState(ctx, client, org, group, state, &resp.State, &resp.Diagnostics); newState != nil && !resp.Diagnostics.HasError() {
		r.explainDrift(ctx, org, scimGroupDrift(ctx, state, newState), &resp.Diagnostics)
	}
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, group.ID), &resp.Diagnostics)
}

func (r *scimGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state scimGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.scimSession(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()

	var ops []sentry.SCIMPatchOp
	if !plan.DisplayName.Equal(state.DisplayName) {
		ops = append(ops, sentry.SCIMRenameOp(plan.DisplayName.ValueString()))
	}
	if want, known := setStrings(ctx, plan.Members, &resp.Diagnostics); known {
		have, _ := setStrings(ctx, state.Members, &resp.Diagnostics)
		ops = append(ops, sentry.SCIMGroupMembershipOps(have, want)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	// The rename and the membership changes go in one PATCH when they fit:
	// Sentry takes at most 100 operations a request, so PatchSCIMGroup
	// sends one PATCH per 100 operations. A failure part way leaves the
	// earlier requests applied; the next refresh finds them.
	if err := client.PatchSCIMGroup(ctx, org, state.ID.ValueString(), ops); err != nil {
		addSCIMMemberError(&resp.Diagnostics, "Unable to Update SCIM Group", org, state.DisplayName.ValueString(), err)
		return
	}
	prior := state
	prior.Timeouts = plan.Timeouts
	r.readInto(ctx, client, org, state.ID.ValueString(), prior, &resp.State, &resp.Diagnostics)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, state.ID.ValueString()), &resp.Diagnostics)
}

func (r *scimGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state scimGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.scimSession(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()

	err := client.DeleteSCIMGroup(ctx, org, state.ID.ValueString())
	if err != nil && !sentry.IsNotFound(err) {
		addSCIMAPIError(&resp.Diagnostics, "Unable to Delete SCIM Group",
			fmt.Sprintf("delete SCIM group %s in organization %q", state.ID.ValueString(), org), err)
	}
}

// ImportState accepts "org/group-id", or a bare group id in the provider's
// organization.
func (r *scimGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.importOrgAndID(ctx, req, resp, "organization/group-id or group-id (in the provider's organization)", func(id string) string {
		if onlyDigits.MatchString(id) {
			return ""
		}
		return fmt.Sprintf("ends in %q, which is not a numeric group id (the id of the team behind the group, not "+
			"its name or slug)", id)
	})
}

// stateSetter is what Create, Read and Update write state through.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// readInto reads the group and records it; prior is as in setState.
func (r *scimGroupResource) readInto(ctx context.Context, client *sentry.Client, org, id string, prior scimGroupModel,
	state stateSetter, diags *diag.Diagnostics) {
	group, err := client.GetSCIMGroup(ctx, org, id)
	if err != nil {
		addSCIMAPIError(diags, "Unable to Read SCIM Group",
			fmt.Sprintf("read SCIM group %s in organization %q", id, org), err)
		return
	}
	r.setState(ctx, client, org, group, prior, state, diags)
}

// setState records the group, with prior's timeouts, and the slug of its
// team. SCIM bodies do not carry the slug, so it comes from the team; but
// Sentry changes a SCIM team's slug only when the group is renamed (it
// refuses ordinary changes to a team the identity provider owns), so while
// the group keeps prior's display name, prior's slug still holds and a
// refresh costs one request. A rename, here or in the identity provider,
// and a state without a slug (a create, an import) read the team. It
// returns what it recorded, nil when it recorded nothing.
func (r *scimGroupResource) setState(ctx context.Context, client *sentry.Client, org string, g *sentry.SCIMGroup,
	prior scimGroupModel, state stateSetter, diags *diag.Diagnostics) *scimGroupModel {
	slug := prior.TeamSlug.ValueString()
	if prior.TeamSlug.IsNull() || prior.TeamSlug.IsUnknown() || slug == "" || prior.DisplayName.ValueString() != g.DisplayName {
		team, err := client.GetTeam(ctx, org, g.ID)
		if err != nil {
			addSCIMAPIError(diags, "Unable to Read SCIM Group's Team",
				fmt.Sprintf("read the team behind SCIM group %s in organization %q", g.ID, org), err)
			return nil
		}
		slug = team.Slug
	}
	recorded := scimGroupState(ctx, org, g.ID, g.DisplayName, slug, g.MemberIDs(), prior.Timeouts, diags)
	diags.Append(state.Set(ctx, recorded)...)
	return &recorded
}

// scimGroupState is the state of a group, read or listed.
func scimGroupState(ctx context.Context, org, id, displayName, teamSlug string, memberIDs []string, limits timeouts.Value,
	diags *diag.Diagnostics) scimGroupModel {
	members, d := types.SetValueFrom(ctx, types.StringType, memberIDs)
	diags.Append(d...)
	return scimGroupModel{
		ID:           types.StringValue(id),
		Organization: types.StringValue(org),
		DisplayName:  types.StringValue(displayName),
		Members:      members,
		TeamSlug:     types.StringValue(teamSlug),
		Timeouts:     limits,
	}
}

// setStrings returns a set's strings, and whether the set is known.
func setStrings(ctx context.Context, set types.Set, diags *diag.Diagnostics) ([]string, bool) {
	if set.IsNull() || set.IsUnknown() {
		return nil, false
	}
	var out []string
	diags.Append(set.ElementsAs(ctx, &out, false)...)
	slices.Sort(out)
	return out, true
}

// addSCIMMemberError explains a failed membership change; Sentry answers
// 404 "User not found." for a member id it does not know.
func addSCIMMemberError(diags *diag.Diagnostics, summary, org, group string, err error) {
	var apiErr *sentry.APIError
	if errors.As(err, &apiErr) && sentry.IsNotFound(err) {
		diags.AddAttributeError(path.Root("members"), summary,
			fmt.Sprintf("Sentry answered 404 Not Found when asked to change the members of SCIM group %q in "+
				"organization %q: %s.\n\nA member id in members is not a member of the organization, or the group is "+
				"gone. Use member ids (sentry_member.<name>.id), not user ids or emails.", group, org, sentryMessage(apiErr)))
		return
	}
	addSCIMAPIError(diags, summary, fmt.Sprintf("change SCIM group %q in organization %q", group, org), err)
}

// ModifyPlan plans the provider's organization where the configuration
// leaves it out.
func (r *scimGroupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganization(ctx, req, resp)
}

// scimGroupDrift compares a SCIM group's prior state with Sentry's (nil:
// gone). The group is a team: Sentry writes team.edit and team.remove with
// the team as target, and member.join-team and member.leave-team with the
// member's id and the team's slug in the data.
func scimGroupDrift(ctx context.Context, prior scimGroupModel, now *scimGroupModel) driftReport {
	id := prior.ID.ValueString()
	d := driftReport{object: fmt.Sprintf("sentry_scim_group %q (id %s)", prior.DisplayName.ValueString(), id)}
	if !known(prior.DisplayName) {
		return driftReport{}
	}
	if now == nil {
		d.gone = true
		d.removal = []auditLookup{byTarget("team.remove", id)}
		return d
	}
	if !now.DisplayName.Equal(prior.DisplayName) {
		d.changes = append(d.changes, driftChange{
			what:    changed("display_name", prior.DisplayName.ValueString(), now.DisplayName.ValueString()),
			lookups: []auditLookup{{event: "team.edit", target: id, after: map[string]string{"name": now.DisplayName.ValueString()}}}})
	}
	if !known(prior.Members) {
		return d
	}
	slugs := []string{now.TeamSlug.ValueString()}
	if known(prior.TeamSlug) && !prior.TeamSlug.Equal(now.TeamSlug) {
		slugs = append(slugs, prior.TeamSlug.ValueString())
	}
	var diags diag.Diagnostics
	before, _ := setStrings(ctx, prior.Members, &diags)
	after, _ := setStrings(ctx, now.Members, &diags)
	onTeam := func(event, member string) []auditLookup {
		return []auditLookup{{event: event, data: map[string][]string{"member_id": {member}, "team_slug": slugs}}}
	}
	for _, m := range after {
		if !slices.Contains(before, m) {
			d.changes = append(d.changes, driftChange{what: fmt.Sprintf("member %s added outside Terraform", m),
				lookups: onTeam("member.join-team", m)})
		}
	}
	for _, m := range before {
		if !slices.Contains(after, m) {
			d.changes = append(d.changes, driftChange{what: fmt.Sprintf("member %s removed outside Terraform", m),
				lookups: onTeam("member.leave-team", m)})
		}
	}
	return d
}
