package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ resource.Resource                   = (*memberResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*memberResource)(nil)
	_ resource.ResourceWithConfigure      = (*memberResource)(nil)
	_ resource.ResourceWithImportState    = (*memberResource)(nil)
	_ resource.ResourceWithValidateConfig = (*memberResource)(nil)
	_ resource.ResourceWithIdentity       = (*memberResource)(nil)
)

const memberPermissionHint = "Managing members needs a user auth token with member:admin (member:invite is enough to " +
	"invite) whose user is an owner or manager; a manager cannot make or change owners."

func newMemberResource() resource.Resource {
	return &memberResource{}
}

type memberResource struct {
	resourceBase
}

type memberModel struct {
	ID           types.String   `tfsdk:"id"`
	Organization types.String   `tfsdk:"organization"`
	Email        types.String   `tfsdk:"email"`
	Role         types.String   `tfsdk:"role"`
	Teams        types.Set      `tfsdk:"teams"`
	SendInvite   types.Bool     `tfsdk:"send_invite"`
	UserID       types.String   `tfsdk:"user_id"`
	Pending      types.Bool     `tfsdk:"pending"`
	Expired      types.Bool     `tfsdk:"expired"`
	InviteStatus types.String   `tfsdk:"invite_status"`
	DateCreated  types.String   `tfsdk:"date_created"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

// memberTeam is one element of teams.
type memberTeam struct {
	Team types.String `tfsdk:"team"`
	Role types.String `tfsdk:"role"`
}

var memberTeamType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"team": types.StringType,
	"role": types.StringType,
}}

func (r *memberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_member"
}

func (r *memberResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = orgIDIdentitySchema("member (of the invitation while it is pending)")
}

func (r *memberResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A member of a Sentry organization: an invitation until the person accepts it, then a user " +
			"with an org role and team roles.\n\n" +
			"Sentry ignores team roles sent with an invitation, so the provider invites first and then sets the teams. " +
			"Sentry stores no team role (`null`) where the role is the member's minimum: members and billing members are " +
			"at least contributors, and admins, managers and owners are team admins on every team they join. The provider " +
			"reads that back as the role the configuration asked for, so it never shows as a change.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Sentry's numeric id of the member (of the invitation while it is pending).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"organization": organizationAttribute(),
			"email": schema.StringAttribute{
				MarkdownDescription: "The email address the invitation goes to. Changing it removes the member and invites " +
					"the new address.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{emailValidator{}},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The org role: `member` (the default), `manager`, `owner`, `billing`, or `admin` " +
					"(deprecated by Sentry in favour of team admin roles).",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString("member"),
				Validators: []validator.String{stringvalidator.OneOf(sentry.OrgRoles...)},
			},
			"teams": schema.SetNestedAttribute{
				MarkdownDescription: "The teams the member is on, each with its team role. Leave the attribute out to leave " +
					"the member's teams alone (managed elsewhere, or by the member); set it, even to `[]`, and the member " +
					"is on exactly these teams.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"team": schema.StringAttribute{
							MarkdownDescription: "Slug of the team.",
							Required:            true,
							Validators:          []validator.String{slugValidator{maxLength: 50}},
						},
						"role": schema.StringAttribute{
							MarkdownDescription: "The team role: `contributor` or `admin`. Leave it out (`null`) for the " +
								"member's minimum: contributor for members and billing members, admin for admins, managers " +
								"and owners. Admins, managers and owners cannot be contributors.",
							Optional:   true,
							Validators: []validator.String{stringvalidator.OneOf(sentry.TeamRoleContributor, sentry.TeamRoleAdmin)},
						},
					},
				},
			},
			"send_invite": schema.BoolAttribute{
				MarkdownDescription: "Whether Sentry emails the invitation (default `true`). Used only when the member is " +
					"created; changing it later changes nothing in Sentry.",
				Optional: true,
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the Sentry user, once the invitation is accepted; null while it is pending.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"pending": schema.BoolAttribute{
				MarkdownDescription: "Whether the invitation is still waiting to be accepted.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"expired": schema.BoolAttribute{
				MarkdownDescription: "Whether a pending invitation has expired. Sentry keeps expired invitations; ask Sentry " +
					"to send it again from the members page, or replace the resource.",
				Computed:      true,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"invite_status": schema.StringAttribute{
				MarkdownDescription: "Sentry's invitation status: `approved`, `requested_to_be_invited` or " +
					"`requested_to_join`.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"date_created": schema.StringAttribute{
				MarkdownDescription: "When the member was invited or added (RFC 3339).",
				Computed:            true,
				PlanModifiers:       keep,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(ctx, true)},
	}
}

// ValidateConfig catches what Sentry would refuse or silently ignore: the
// retired "admin" org role (a warning), teams on a billing member, a team
// listed twice, and a contributor role on a member whose org role already
// makes them a team admin everywhere.
func (r *memberResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config memberModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if config.Role.ValueString() == "admin" {
		resp.Diagnostics.AddAttributeWarning(path.Root("role"), "Deprecated Org Role",
			`Sentry has deprecated the "admin" org role: new organizations cannot give it. Use "member" with `+
				`role = "admin" on the member's teams, or "manager" for organization-wide access.`)
	}
	if config.Teams.IsNull() || config.Teams.IsUnknown() {
		return
	}
	var teams []memberTeam
	resp.Diagnostics.Append(config.Teams.ElementsAs(ctx, &teams, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if config.Role.ValueString() == "billing" && len(teams) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("teams"), "Billing Members Have No Teams",
			"Sentry does not put billing members on teams: the billing role cannot have team-level permissions. "+
				"Remove teams (or set it to []), or give the member another org role.")
	}
	seen := make(map[string]bool, len(teams))
	for _, t := range teams {
		if t.Team.IsUnknown() {
			continue
		}
		slug := t.Team.ValueString()
		if seen[slug] {
			resp.Diagnostics.AddAttributeError(path.Root("teams"), "Team Listed Twice",
				fmt.Sprintf("The team %q appears more than once in teams. A member has one role per team: keep one entry "+
					"for %q with the role it should have.", slug, slug))
		}
		seen[slug] = true
		orgRole := config.Role.ValueString()
		if config.Role.IsNull() {
			orgRole = "member"
		}
		if !config.Role.IsUnknown() && t.Role.ValueString() == sentry.TeamRoleContributor && sentry.MinTeamRole(orgRole) == sentry.TeamRoleAdmin {
			resp.Diagnostics.AddAttributeError(path.Root("teams"), "Team Role Below the Org Role",
				fmt.Sprintf("The member's org role %q makes them a team admin on every team they join, so Sentry cannot "+
					"make them a contributor on %q. Remove role (or set it to \"admin\") for %q, or give the member the "+
					"\"member\" org role.", orgRole, slug, slug))
		}
	}
}

func (r *memberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan memberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(plan.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	email := plan.Email.ValueString()
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	// Whether the configuration sets teams, for Read (teamsManagedKey);
	// recorded first, so it is kept even if a later step fails. Private is
	// nil only when Create is called outside the framework.
	if resp.Private != nil {
		var configTeams types.Set
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("teams"), &configTeams)...)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, teamsManagedKey, teamsManagedValue(configTeams))...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	member, how, err := createWithRecovery(ctx, createRecovery[*sentry.Member]{
		create: func(ctx context.Context) (*sentry.Member, error) {
			return client.InviteMember(ctx, org, sentry.InviteMemberRequest{
				Email:      email,
				OrgRole:    plan.Role.ValueString(),
				SendInvite: plan.SendInvite.ValueBoolPointer(),
			})
		},
		find: func(ctx context.Context, since time.Time) (*sentry.Member, bool, error) {
			m, err := findMemberByEmail(ctx, client, org, email)
			if err != nil || m == nil {
				return nil, false, err
			}
			return m, m.OrgRole == plan.Role.ValueString() && !m.DateCreated.Before(since), nil
		},
		exists: sentry.IsAlreadyMember,
	})
	if err != nil {
		action := fmt.Sprintf("invite %q to organization %q", email, org)
		if !addUnconfirmedCreate(&resp.Diagnostics, "Unable to Invite Member", action, mayExistImport("invitation", org+"/"+email), err) {
			r.addMemberError(&resp.Diagnostics, "Unable to Invite Member", action, org, email, err)
		}
		return
	}
	tflog.Debug(ctx, "invited Sentry member", map[string]any{"organization": org, "member_id": member.ID})
	addRecoveredWarning(&resp.Diagnostics, fmt.Sprintf("invitation of %s", email), member.ID, how)

	// The invitation exists: save it before anything else can fail, so it
	// is never lost or invited twice. Should a later step fail, Terraform
	// keeps it as tainted and replaces it on the next apply.
	state, diags := memberState(ctx, org, member, plan)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, member.ID), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// Sentry ignores team roles sent with the invitation: set them now. A
	// new invitation is on no team, which is what its state already says
	// when the plan has none.
	if plan.Teams.IsNull() || plan.Teams.IsUnknown() || len(plan.Teams.Elements()) == 0 {
		return
	}
	roles, diags := teamRolesFromSet(ctx, plan.Teams)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	updated, err := client.UpdateMember(ctx, org, member.ID, sentry.UpdateMemberRequest{TeamRoles: &roles})
	if err != nil {
		r.addMemberTeamsError(ctx, client, &resp.Diagnostics, "Unable to Set Member's Teams",
			fmt.Sprintf("set the teams of %q in organization %q", email, org), org, email, roles, err)
		return
	}
	// Sentry answers the PUT with the member as GetMember reads it, team
	// roles included, so that answer is the state: no second request.
	// Only an answer without teamRoles is followed by a GetMember.
	if updated.TeamRoles == nil {
		if updated, err = client.GetMember(ctx, org, member.ID); err != nil {
			addAPIError(&resp.Diagnostics, "Unable to Read Member", fmt.Sprintf("read member %q in organization %q", email, org),
				err, memberPermissionHint)
			return
		}
	}
	state, diags = memberState(ctx, org, updated, plan)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *memberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state memberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	id := state.ID.ValueString()
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	recorded, diags := req.Private.GetKey(ctx, teamsManagedKey)
	resp.Diagnostics.Append(diags...)
	teamsManaged := teamsManagedFrom(recorded)

	// Imported by email: find the member's id first.
	if strings.Contains(id, "@") {
		found, err := findMemberByEmail(ctx, client, org, id)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to Find Member", fmt.Sprintf("look up %q in organization %q", id, org),
				err, memberPermissionHint)
			return
		}
		if found == nil {
			resp.Diagnostics.AddError("Member Not Found",
				fmt.Sprintf("Organization %q has no member or invitation for %q. Check the address, or import by "+
					"\"%s/<member id>\".", org, id, org))
			return
		}
		id = found.ID
	}

	member, err := client.GetMember(ctx, org, id)
	if sentry.IsNotFound(err) {
		note := fmt.Sprintf("Member %s (%s) is no longer in organization %q: someone removed them in Sentry, or the "+
			"identity provider deprovisioned them. Terraform will invite them again if the configuration still lists them.",
			id, state.Email.ValueString(), org)
		if drift := memberDrift(ctx, state, nil, teamsManaged, note); r.data != nil && r.data.explainDrift && drift.hasDrift() {
			r.explainDrift(ctx, org, drift, &resp.Diagnostics)
		} else {
			resp.Diagnostics.AddWarning("Member Removed Outside Terraform", note)
		}
		keepIdentity(ctx, resp.Identity, newOrgIDIdentity(org, id), &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Member", fmt.Sprintf("read member %s in organization %q", id, org),
			err, memberPermissionHint)
		return
	}
	newState, diags := memberState(ctx, org, member, state)
	resp.Diagnostics.Append(diags...)
	// teams is null only after an import. A member on a SCIM team keeps it
	// null, so the configuration Terraform generates leaves the teams to
	// the identity provider (and to sentry_scim_group) instead of managing
	// that membership twice; as terraform query lists them.
	if state.Teams.IsNull() && len(member.TeamRoles) > 0 {
		scimTeams, err := r.data.scimTeams.get(ctx, org, func(ctx context.Context) (map[string]bool, error) {
			return inventory.SCIMTeamSlugs(ctx, client, org)
		})
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to List Teams", fmt.Sprintf("list the teams of organization %q", org),
				err, memberPermissionHint)
			return
		}
		if inventory.OnSCIMTeam(member, scimTeams) {
			newState.Teams = types.SetNull(memberTeamType)
		}
	}
	r.explainDrift(ctx, org, memberDrift(ctx, state, &newState, teamsManaged, ""), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, member.ID), &resp.Diagnostics)
}

func (r *memberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state memberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	email := state.Email.ValueString()
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()

	var config memberModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	// Record whether the configuration sets teams now (teamsManagedKey).
	if resp.Private != nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, teamsManagedKey, teamsManagedValue(config.Teams))...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	// One PUT carries both the org role and the whole team set. Sentry
	// takes a member off every team when a PUT has no teamRoles, so an org
	// role change always sends the team set: the configured one, else the
	// one Sentry has now.
	var update sentry.UpdateMemberRequest
	if !plan.Role.Equal(state.Role) {
		update.OrgRole = plan.Role.ValueStringPointer()
	}
	switch {
	case !config.Teams.IsNull():
		if update.OrgRole != nil || !teamSetsEquivalent(ctx, plan.Teams, state.Teams, plan.Role.ValueString()) {
			roles, diags := teamRolesFromSet(ctx, plan.Teams)
			resp.Diagnostics.Append(diags...)
			if resp.Diagnostics.HasError() {
				return
			}
			update.TeamRoles = &roles
		}
	case update.OrgRole != nil:
		current, err := client.GetMember(ctx, org, state.ID.ValueString())
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to Read Member", fmt.Sprintf("read member %q in organization %q", email, org),
				err, memberPermissionHint)
			return
		}
		roles := append([]sentry.MemberTeamRole{}, current.TeamRoles...)
		update.TeamRoles = &roles
	}

	var member *sentry.Member
	var err error
	if update.OrgRole == nil && update.TeamRoles == nil {
		member, err = client.GetMember(ctx, org, state.ID.ValueString())
	} else {
		member, err = client.UpdateMember(ctx, org, state.ID.ValueString(), update)
	}
	if err != nil {
		var requested []sentry.MemberTeamRole
		if update.TeamRoles != nil {
			requested = *update.TeamRoles
		}
		r.addMemberTeamsError(ctx, client, &resp.Diagnostics, "Unable to Update Member",
			fmt.Sprintf("update member %q in organization %q", email, org), org, email, requested, err)
		return
	}
	if member.TeamRoles == nil {
		if member, err = client.GetMember(ctx, org, state.ID.ValueString()); err != nil {
			addAPIError(&resp.Diagnostics, "Unable to Read Member", fmt.Sprintf("read member %q in organization %q", email, org),
				err, memberPermissionHint)
			return
		}
	}
	newState, diags := memberState(ctx, org, member, plan)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, member.ID), &resp.Diagnostics)
}

func (r *memberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state memberModel
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

	err := client.DeleteMember(ctx, org, state.ID.ValueString())
	if err != nil && !sentry.IsNotFound(err) {
		r.addMemberError(&resp.Diagnostics, "Unable to Remove Member",
			fmt.Sprintf("remove member %q from organization %q", state.Email.ValueString(), org), org, state.Email.ValueString(), err)
	}
}

// ImportState accepts "org/member-id", "org/email", and either without the
// organization when the provider has one. Read resolves an email to the id.
func (r *memberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	forms := "organization/member-id, organization/email, member-id or email (the last two in the provider's organization)"
	if r.importOrgAndID(ctx, req, resp, forms, func(id string) string {
		if onlyDigits.MatchString(id) {
			return ""
		}
		if strings.Contains(id, "@") {
			if addr, err := mail.ParseAddress(id); err == nil && addr.Address == id {
				return ""
			}
			return fmt.Sprintf("ends in %q, which is not a valid email address", id)
		}
		return fmt.Sprintf("ends in %q, which is neither a numeric member id nor an email address", id)
	}) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("teams"), types.SetNull(memberTeamType))...)
	}
}

// importedMember is a member's state as an import leaves it before the
// first read.
func importedMember() memberModel {
	return memberModel{
		Email:      types.StringNull(),
		Teams:      types.SetNull(memberTeamType),
		SendInvite: types.BoolNull(),
		Timeouts:   noTimeouts(true),
	}
}

// teamsManagedKey is the private state key that records whether the
// configuration sets teams, as of the member's last create or update. Read
// has no configuration: it explains team changes made outside Terraform
// only where Terraform manages the teams, since a member whose teams are
// left out of the configuration has them changed in Sentry or by SCIM as a
// matter of course.
const teamsManagedKey = "teams_managed"

// teamsManagedValue is the teamsManagedKey value for the configured teams:
// null leaves the member's teams alone; anything else, [] included,
// manages them.
func teamsManagedValue(configured types.Set) []byte {
	return []byte(strconv.FormatBool(!configured.IsNull()))
}

// teamsManagedFrom reads a teamsManagedKey value. A state without one was
// written before the key existed, or imported and not applied since: its
// team changes are explained, as they always were.
func teamsManagedFrom(recorded []byte) bool {
	var managed *bool
	if json.Unmarshal(recorded, &managed) != nil || managed == nil {
		return true
	}
	return *managed
}

// findMemberByEmail finds the member with the email, whatever its case, and
// returns nil when there is none. Sentry's email: search narrows the list
// server-side but compares pending invitations' addresses case-sensitively,
// so when it finds nothing the whole list is compared.
func findMemberByEmail(ctx context.Context, client *sentry.Client, org, email string) (*sentry.Member, error) {
	for _, query := range []string{"email:" + email, ""} {
		members, err := client.ListMembers(ctx, org, query)
		if err != nil {
			return nil, err
		}
		for i := range members {
			if strings.EqualFold(inventory.MemberEmail(&members[i]), email) {
				return &members[i], nil
			}
		}
	}
	return nil, nil
}

// addMemberError turns the errors users meet when managing members into
// diagnostics that say what to do.
func (r *memberResource) addMemberError(diags *diag.Diagnostics, summary, action, org, email string, err error) {
	switch {
	case sentry.IsAlreadyMember(err):
		diags.AddAttributeError(path.Root("email"), "Member Already Exists",
			fmt.Sprintf("%s: %s is already invited to or a member of organization %q. Bring the existing member under "+
				"Terraform with: terraform import <resource address> %s/%s", capitalize(action), email, org, org, email))
	case sentry.IsRoleAboveToken(err):
		diags.AddAttributeError(path.Root("role"), "Role Above the Token's Role",
			withNextStep(apiErrorDetail(action, err, ""), "The token's user may only give roles up to their own: "+
				"a member cannot make managers, and a manager cannot make owners. Use an owner's token for this member."))
	case sentry.IsOwnRoleChange(err):
		diags.AddAttributeError(path.Root("role"), "Cannot Change Own Role",
			withNextStep(apiErrorDetail(action, err, ""), "Sentry does not let a user change their own role, and "+
				"the token belongs to this member. Use another owner's or manager's token."))
	case sentry.IsOrgTokenRefused(err):
		diags.AddError(summary, withNextStep(apiErrorDetail(action, err, ""), "This needs a user auth token "+
			"(sntryu_...); an organization auth token cannot manage members. Set auth_token or SENTRY_AUTH_TOKEN to a "+
			"user token with member:admin."))
	case sentry.IsInviteByOthers(err):
		diags.AddError(summary, withNextStep(apiErrorDetail(action, err, ""), "Without member:admin, Sentry lets a "+
			"user change only the invitations they sent. "+memberPermissionHint))
	case sentry.IsLastOwner(err):
		diags.AddError(summary, withNextStep(apiErrorDetail(action, err, ""), "An organization must keep at least "+
			"one owner or manager. Make someone else an owner first."))
	default:
		addAPIError(diags, summary, action, err, memberPermissionHint)
	}
}

// addMemberTeamsError is addMemberError for a request that sent the
// member's teams. When Sentry answers that a team is invalid, which is all it
// says, the teams are looked up (only then, never on success) so the error
// can name the ones that do not exist.
func (r *memberResource) addMemberTeamsError(ctx context.Context, client *sentry.Client, diags *diag.Diagnostics,
	summary, action, org, email string, requested []sentry.MemberTeamRole, err error) {
	if len(requested) == 0 || !sentry.IsInvalidTeams(err) {
		r.addMemberError(diags, summary, action, org, email, err)
		return
	}
	slugs := make([]string, 0, len(requested))
	for _, t := range requested {
		slugs = append(slugs, t.TeamSlug)
	}
	slices.Sort(slugs)
	slugs = slices.Compact(slugs)

	fix := "Create the team with a sentry_team resource and set team to its slug (team = sentry_team.<name>.slug), " +
		"so Terraform creates the team first; or, if the team exists, correct the slug in teams."
	missing, lookupErr := missingTeams(ctx, client, org, slugs)
	switch {
	case lookupErr != nil || len(missing) == 0:
		// The teams could not be looked up, or exist by now: name them all.
		diags.AddAttributeError(path.Root("teams"), "Team Not Found",
			fmt.Sprintf("Sentry refused the teams of %s in organization %q (%s): one or more of them does not exist. "+
				"Check each slug in teams.\n\n%s", email, org, quoteAll(slugs), fix))
	case len(missing) == 1:
		diags.AddAttributeError(path.Root("teams"), "Team Not Found",
			fmt.Sprintf("Organization %q has no team with the slug %q, which teams of %s lists.\n\n%s",
				org, missing[0], email, fix))
	default:
		diags.AddAttributeError(path.Root("teams"), "Teams Not Found",
			fmt.Sprintf("Organization %q has no teams with the slugs %s, which teams of %s lists.\n\n%s",
				org, quoteAll(missing), email, fix))
	}
}

// missingTeams returns the slugs, sorted, that name no team in org.
func missingTeams(ctx context.Context, client *sentry.Client, org string, slugs []string) ([]string, error) {
	teams, err := client.ListTeams(ctx, org)
	if err != nil {
		return nil, err
	}
	exists := make(map[string]bool, len(teams))
	for _, t := range teams {
		exists[t.Slug] = true
	}
	var missing []string
	for _, s := range slugs {
		if !exists[s] {
			missing = append(missing, s)
		}
	}
	return missing, nil
}

// quoteAll quotes each value and joins them for a message.
func quoteAll(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return strings.Join(quoted, ", ")
}

// memberState builds the state from Sentry's member. Team roles that mean
// the same as the prior (planned or stored) value keep its spelling, so
// Sentry's null for a minimum role never shows as a change.
func memberState(ctx context.Context, org string, m *sentry.Member, prior memberModel) (memberModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := memberModel{
		ID:           types.StringValue(m.ID),
		Organization: types.StringValue(org),
		Email:        types.StringValue(m.Email),
		Role:         types.StringValue(m.OrgRole),
		SendInvite:   prior.SendInvite,
		UserID:       types.StringNull(),
		Pending:      types.BoolValue(m.Pending),
		Expired:      types.BoolValue(m.Expired),
		InviteStatus: types.StringValue(m.InviteStatus),
		DateCreated:  types.StringValue(formatTime(m.DateCreated)),
		Timeouts:     prior.Timeouts,
	}
	if m.User != nil {
		s.UserID = types.StringValue(m.User.ID)
		if m.Email == "" {
			s.Email = types.StringValue(m.User.Email)
		}
	}
	// Keep the configured spelling of the address when Sentry's differs
	// only in case.
	if strings.EqualFold(prior.Email.ValueString(), s.Email.ValueString()) && !prior.Email.IsNull() {
		s.Email = prior.Email
	}

	priorRoles := map[string]types.String{}
	if !prior.Teams.IsNull() && !prior.Teams.IsUnknown() {
		teams, d := memberTeamsOf(ctx, prior.Teams)
		diags.Append(d...)
		for _, t := range teams {
			priorRoles[t.Team.ValueString()] = t.Role
		}
	}
	elems := make([]attr.Value, 0, len(m.TeamRoles))
	for _, tr := range m.TeamRoles {
		// Without a prior spelling, the role as every read of the member
		// writes it, the listing included (inventory.TeamRoleAsRead).
		role := types.StringPointerValue(inventory.TeamRoleAsRead(tr.Role, m.OrgRole))
		if p, ok := priorRoles[tr.TeamSlug]; ok &&
			sentry.EffectiveTeamRole(tr.Role, m.OrgRole) == sentry.EffectiveTeamRole(p.ValueStringPointer(), m.OrgRole) {
			role = p
		}
		obj, d := types.ObjectValue(memberTeamType.AttrTypes, map[string]attr.Value{"team": types.StringValue(tr.TeamSlug), "role": role})
		diags.Append(d...)
		elems = append(elems, obj)
	}
	teams, d := types.SetValue(memberTeamType, elems)
	diags.Append(d...)
	s.Teams = teams
	return s, diags
}

// memberTeamsOf returns the elements of a set of member teams. It reads
// the objects' attributes directly rather than through ElementsAs, whose
// reflection was a good part of the CPU a member's refresh costs; a set it
// does not recognise goes through ElementsAs all the same.
func memberTeamsOf(ctx context.Context, set types.Set) ([]memberTeam, diag.Diagnostics) {
	elems := set.Elements()
	teams := make([]memberTeam, 0, len(elems))
	for _, e := range elems {
		o, ok := e.(types.Object)
		var team, role types.String
		if ok {
			attrs := o.Attributes()
			team, ok = attrs["team"].(types.String)
			if ok {
				role, ok = attrs["role"].(types.String)
			}
		}
		if !ok {
			var out []memberTeam
			return out, set.ElementsAs(ctx, &out, false)
		}
		teams = append(teams, memberTeam{Team: team, Role: role})
	}
	return teams, nil
}

// teamRolesFromSet is the teamRoles body of a member update.
func teamRolesFromSet(ctx context.Context, set types.Set) ([]sentry.MemberTeamRole, diag.Diagnostics) {
	teams, diags := memberTeamsOf(ctx, set)
	roles := make([]sentry.MemberTeamRole, 0, len(teams))
	for _, t := range teams {
		roles = append(roles, sentry.MemberTeamRole{TeamSlug: t.Team.ValueString(), Role: t.Role.ValueStringPointer()})
	}
	return roles, diags
}

// teamSetsEquivalent reports whether two team sets give the same effective
// roles under the org role.
func teamSetsEquivalent(ctx context.Context, a, b types.Set, orgRole string) bool {
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() {
		return false
	}
	ra, da := teamRolesFromSet(ctx, a)
	rb, db := teamRolesFromSet(ctx, b)
	if da.HasError() || db.HasError() || len(ra) != len(rb) {
		return false
	}
	effective := make(map[string]string, len(ra))
	for _, t := range ra {
		effective[t.TeamSlug] = sentry.EffectiveTeamRole(t.Role, orgRole)
	}
	for _, t := range rb {
		if e, ok := effective[t.TeamSlug]; !ok || e != sentry.EffectiveTeamRole(t.Role, orgRole) {
			return false
		}
	}
	return true
}

// ModifyPlan plans the provider's organization where the configuration
// leaves it out.
func (r *memberResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganization(ctx, req, resp)
}

// memberDrift compares a member's prior state with Sentry's (nil: gone).
// Team changes are compared only when teamsManaged: a member whose
// configuration leaves teams out has them changed elsewhere by design.
// Sentry writes member.edit and member.remove with the member as target;
// member.join-team and member.leave-team target the team membership, so
// they are matched by the member's email and the team's slug.
func memberDrift(ctx context.Context, prior memberModel, now *memberModel, teamsManaged bool, goneNote string) driftReport {
	id, email := prior.ID.ValueString(), prior.Email.ValueString()
	d := driftReport{object: fmt.Sprintf("sentry_member %q (id %s)", email, id)}
	if !known(prior.Role) {
		return driftReport{}
	}
	emails := map[string][]string{"email": {email}}
	edit := auditLookup{event: "member.edit", target: id, data: emails}
	if now == nil {
		d.gone, d.goneNote = true, goneNote
		d.removal = []auditLookup{{event: "member.remove", target: id, data: emails}}
		return d
	}
	if !now.Role.Equal(prior.Role) {
		roleEdit := edit
		roleEdit.after = map[string]string{"role": now.Role.ValueString()}
		d.changes = append(d.changes, driftChange{what: changed("role", prior.Role.ValueString(), now.Role.ValueString()),
			lookups: []auditLookup{roleEdit}})
	}
	if !teamsManaged || !known(prior.Teams) {
		return d
	}
	before, after := effectiveTeams(ctx, prior.Teams, prior.Role.ValueString()), effectiveTeams(ctx, now.Teams, now.Role.ValueString())
	onTeam := func(event, team string) auditLookup {
		return auditLookup{event: event, data: map[string][]string{"email": {email}, "team_slug": {team}}}
	}
	for _, team := range sortedKeys(after) {
		switch was, ok := before[team]; {
		case !ok:
			d.changes = append(d.changes, driftChange{what: fmt.Sprintf("added to team %q outside Terraform", team),
				lookups: []auditLookup{onTeam("member.join-team", team), edit}})
		case was != after[team]:
			d.changes = append(d.changes, driftChange{
				what:    changed(fmt.Sprintf("role on team %q", team), was, after[team]),
				lookups: []auditLookup{onTeam("member.edit", team), edit}})
		}
	}
	for _, team := range sortedKeys(before) {
		if _, ok := after[team]; !ok {
			d.changes = append(d.changes, driftChange{what: fmt.Sprintf("removed from team %q outside Terraform", team),
				lookups: []auditLookup{onTeam("member.leave-team", team), edit}})
		}
	}
	return d
}

// effectiveTeams maps each team of a member's teams to the role the member
// holds there.
func effectiveTeams(ctx context.Context, set types.Set, orgRole string) map[string]string {
	out := map[string]string{}
	if !known(set) {
		return out
	}
	roles, diags := teamRolesFromSet(ctx, set)
	if diags.HasError() {
		return out
	}
	for _, r := range roles {
		out[r.TeamSlug] = sentry.EffectiveTeamRole(r.Role, orgRole)
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Moving in from the community provider.
//
// A `moved` block from the community provider's (jianyuan/sentry)
// sentry_organization_member to sentry_member hands its state to MoveState,
// which translates it without asking Sentry; Terraform's refresh then reads
// the member once, as for any resource. Facts from the community
// provider's source (sentry/resource_sentry_organization_member.go), which
// uses terraform-plugin-sdk/v2 and has never declared a schema version, so
// every release writes version 0:
//
//   - id is "<organization slug>/<member id>"; internal_id is the member id
//     again; organization, email and role (billing, member, admin, manager,
//     owner) are as Sentry returned them; pending and expired are computed.
//   - Releases before v0.12.0 also had teams, a list of team slugs without
//     roles; later releases dropped it, but a state last written by such a
//     release may still hold it.
//
// teams is left null, as after an import: the refresh fills it from Sentry
// with each team's role as this provider reads it (or leaves it null for a
// member on a SCIM team), so a configuration that leaves teams out, or
// lists the member's teams and roles as Sentry has them, plans no change.
// The old list of slugs is not carried over: it held no roles, and what it
// held could be out of date. send_invite stays null (it only matters at
// creation), and so do user_id, invite_status and date_created until the
// refresh.

var _ resource.ResourceWithMoveState = (*memberResource)(nil)

// communityMemberType is the community provider's member resource type.
const communityMemberType = "sentry_organization_member"

// communityMemberState is the part of a community sentry_organization_member
// state that sentry_member uses; other attributes (teams) are ignored.
type communityMemberState struct {
	ID           *string `json:"id"`
	Organization *string `json:"organization"`
	InternalID   *string `json:"internal_id"`
	Email        *string `json:"email"`
	Role         *string `json:"role"`
	Pending      *bool   `json:"pending"`
	Expired      *bool   `json:"expired"`
}

func (r *memberResource) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{{StateMover: moveCommunityMember}}
}

// moveCommunityMember is the StateMover for the community provider's
// sentry_organization_member. It answers every other source with an error
// saying how to import the member instead.
func moveCommunityMember(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
	const summary = "Cannot Move State Into sentry_member"
	importHint := func(org, member string) string {
		if org == "" {
			org = "<organization>"
		}
		if member == "" {
			member = "<member id or email>"
		}
		return fmt.Sprintf("Import the member instead: remove the moved block and add\n\n"+
			"  import {\n    to = sentry_member.<name>\n    id = %q\n  }\n\n"+
			"(or run: terraform import sentry_member.<name> %s/%s). The id is the organization slug and the member's "+
			"numeric id (the last part of the member's page in Sentry, Settings > Members) or email.", org+"/"+member, org, member)
	}
	if req.SourceTypeName != communityMemberType ||
		!isCommunityProvider(req.SourceProviderAddress) && !isThisProvider(req.SourceProviderAddress) {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("sentry_member takes over only the state of %s from the "+
			"community Sentry provider (jianyuan/sentry); the moved block's source is %s of provider %q.\n\n%s",
			communityMemberType, req.SourceTypeName, req.SourceProviderAddress, importHint("", "")))
		return
	}
	if req.SourceSchemaVersion != 0 {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("The state of %s has schema version %d; this provider knows "+
			"version 0, the only one the community provider has written. A newer community release may have "+
			"changed the resource.\n\n%s", communityMemberType, req.SourceSchemaVersion, importHint("", "")))
		return
	}
	if req.SourceRawState == nil || len(req.SourceRawState.JSON) == 0 {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Terraform sent no readable state for %s (a state last "+
			"written by Terraform 0.11 or earlier is in a format this provider does not read).\n\n%s",
			communityMemberType, importHint("", "")))
		return
	}
	var src communityMemberState
	if err := json.Unmarshal(req.SourceRawState.JSON, &src); err != nil {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("The state of %s could not be read: %s.\n\n%s",
			communityMemberType, err, importHint("", "")))
		return
	}
	org, memberID, problems := communityMemberIdentity(src)
	email := stringOrEmpty(src.Email)
	if len(problems) > 0 {
		hintID := memberID
		if !onlyDigits.MatchString(hintID) {
			hintID = email
		}
		resp.Diagnostics.AddError(summary, fmt.Sprintf("The state of %s does not say which member it is: %s.\n\n%s",
			communityMemberType, strings.Join(problems, "; "), importHint(org, hintID)))
		return
	}

	set := func(name string, value any) {
		resp.Diagnostics.Append(resp.TargetState.SetAttribute(ctx, path.Root(name), value)...)
	}
	set("id", memberID)
	set("organization", org)
	set("email", types.StringPointerValue(src.Email))
	set("role", types.StringPointerValue(src.Role))
	set("pending", types.BoolPointerValue(src.Pending))
	set("expired", types.BoolPointerValue(src.Expired))
	set("teams", types.SetNull(memberTeamType))
	setIdentity(ctx, resp.TargetIdentity, newOrgIDIdentity(org, memberID), &resp.Diagnostics)
	tflog.Debug(ctx, "moved community sentry_organization_member state", map[string]any{
		"organization": org, "member_id": memberID})
}

// isThisProvider reports whether a provider address is this provider's,
// sentryrbac/sentry, on any registry host. This provider never had a
// sentry_organization_member type, so a state of that type under its
// address is the community provider's, which the CLI labelled with the
// moved block's target provider: Terraform (1.11) does so for every
// instance but the first when a count or for_each resource's instances
// move one by one to separate resources, OpenTofu (1.12.6) for the
// instances of a for_each resource moved whole. The state is checked as
// the community provider's all the same.
func isThisProvider(address string) bool {
	return isSentryProviderOf(address, "sentryrbac")
}

// isCommunityProvider reports whether a provider address is the community
// provider's, jianyuan/sentry, on any registry host (Terraform's, OpenTofu's
// or a mirror).
func isCommunityProvider(address string) bool {
	return isSentryProviderOf(address, "jianyuan")
}

// isSentryProviderOf reports whether a provider address ends in
// namespace/sentry, whatever its registry host.
func isSentryProviderOf(address, namespace string) bool {
	parts := strings.Split(address, "/")
	n := len(parts)
	return n >= 2 && strings.EqualFold(parts[n-2], namespace) && strings.EqualFold(parts[n-1], "sentry")
}

// communityMemberIdentity finds the organization and member id of a
// community member state, from organization and internal_id, else from
// id ("org/member-id"), and says what is missing or inconsistent.
func communityMemberIdentity(src communityMemberState) (org, memberID string, problems []string) {
	var idOrg, idMember string
	if id := stringOrEmpty(src.ID); id != "" {
		parts := strings.Split(id, "/")
		if len(parts) == 2 && parts[0] != "" && parts[1] != "" {
			idOrg, idMember = parts[0], parts[1]
		} else {
			problems = append(problems, fmt.Sprintf("its id %q is not of the form organization/member-id", id))
		}
	}
	org, memberID = stringOrEmpty(src.Organization), stringOrEmpty(src.InternalID)
	switch {
	case org == "":
		org = idOrg
	case idOrg != "" && idOrg != org:
		problems = append(problems, fmt.Sprintf("its organization %q and its id %q name different organizations", org, *src.ID))
	}
	switch {
	case memberID == "":
		memberID = idMember
	case idMember != "" && idMember != memberID:
		problems = append(problems, fmt.Sprintf("its internal_id %q and its id %q name different members", memberID, *src.ID))
	}
	if org == "" {
		problems = append(problems, "it has no organization (neither organization nor an id of the form organization/member-id)")
	}
	switch {
	case memberID == "":
		problems = append(problems, "it has no member id (neither internal_id nor an id of the form organization/member-id)")
	case !onlyDigits.MatchString(memberID):
		problems = append(problems, fmt.Sprintf("its member id %q is not numeric", memberID))
	}
	return org, memberID, problems
}

func stringOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
