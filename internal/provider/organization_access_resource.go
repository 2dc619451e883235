package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ resource.Resource                = (*organizationAccessResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*organizationAccessResource)(nil)
	_ resource.ResourceWithConfigure   = (*organizationAccessResource)(nil)
	_ resource.ResourceWithImportState = (*organizationAccessResource)(nil)
)

const orgAccessPermissionHint = "Changing organization settings needs a token with org:write whose user is an owner or " +
	"manager; default_role needs org:admin (an owner)."

// configuredKey is the private state key listing the settings the
// configuration manages (Sentry's field names): only they are drift.
const configuredKey = "configured_settings"

// settingRoles are the roles Sentry's roles.get_choices() offers for
// defaultRole, attachmentsRole and debugFilesRole.
var settingRoles = []string{"member", "admin", "manager", "owner"}

// orgSetting is one managed organization setting: its attribute, Sentry's
// field, and the key Sentry's org.edit audit entry names it by
// (src/sentry/core/endpoints/organization_details.py: flags by their
// flag name, options by the field, default_role as is).
type orgSetting struct {
	attr, field, auditKey, doc string
	role                       bool
	bool                       func(*sentry.Organization) bool
	str                        func(*sentry.Organization) string
}

var orgSettings = []orgSetting{
	{attr: "open_membership", field: "openMembership", auditKey: "allow_joinleave",
		doc:  "Open Membership: every member may join any team, and so reaches every project. Sentry creates organizations with it on; team isolation holds only while it is off.",
		bool: func(o *sentry.Organization) bool { return o.OpenMembership }},
	{attr: "allow_join_requests", field: "allowJoinRequests", auditKey: "allowJoinRequests",
		doc:  "Whether people outside the organization may ask to join it.",
		bool: func(o *sentry.Organization) bool { return o.AllowJoinRequests }},
	{attr: "allow_member_invite", field: "allowMemberInvite", auditKey: "disable_member_invite",
		doc:  "Whether members (the `member` role) may invite people; when off only managers and owners invite.",
		bool: func(o *sentry.Organization) bool { return o.AllowMemberInvite }},
	{attr: "allow_member_project_creation", field: "allowMemberProjectCreation", auditKey: "disable_member_project_creation",
		doc:  "Whether members may create projects.",
		bool: func(o *sentry.Organization) bool { return o.AllowMemberProjectCreation }},
	{attr: "require_2fa", field: "require2FA", auditKey: "require_2fa",
		doc: "Require two-factor authentication. Turning it on makes Sentry turn every member without 2FA back into an " +
			"invitation: the plan names them and fails unless `acknowledged_2fa_removals` lists each of them. Sentry " +
			"refuses it while the provider's user has no 2FA and while the organization has an SSO provider.",
		bool: func(o *sentry.Organization) bool { return o.Require2FA }},
	{attr: "default_role", field: "defaultRole", auditKey: "default_role", role: true,
		doc: "The org role new members get (`member`, `admin`, `manager`, `owner`). Only an owner may change it: Sentry " +
			"silently ignores it from anyone else, so the plan checks the provider's user.",
		str: func(o *sentry.Organization) string { return o.DefaultRole }},
	{attr: "events_member_admin", field: "eventsMemberAdmin", auditKey: "eventsMemberAdmin",
		doc:  "Whether members hold `event:admin` (may delete and discard issues).",
		bool: func(o *sentry.Organization) bool { return o.EventsMemberAdmin }},
	{attr: "alerts_member_write", field: "alertsMemberWrite", auditKey: "alertsMemberWrite",
		doc:  "Whether members hold `alerts:write` (may create, edit and delete alert rules).",
		bool: func(o *sentry.Organization) bool { return o.AlertsMemberWrite }},
	{attr: "attachments_role", field: "attachmentsRole", auditKey: "attachmentsRole", role: true,
		doc: "The lowest org role that may download event attachments.",
		str: func(o *sentry.Organization) string { return o.AttachmentsRole }},
	{attr: "debug_files_role", field: "debugFilesRole", auditKey: "debugFilesRole", role: true,
		doc: "The lowest org role that may download debug files, ProGuard mappings and source maps.",
		str: func(o *sentry.Organization) string { return o.DebugFilesRole }},
	{attr: "allow_shared_issues", field: "allowSharedIssues", auditKey: "disable_shared_issues",
		doc:  "Whether issues may be shared with anonymous users through a public link.",
		bool: func(o *sentry.Organization) bool { return o.AllowSharedIssues }},
	{attr: "enhanced_privacy", field: "enhancedPrivacy", auditKey: "enhanced_privacy",
		doc:  "Enhanced privacy: leaves personal data and source code out of notifications.",
		bool: func(o *sentry.Organization) bool { return o.EnhancedPrivacy }},
	{attr: "allow_superuser_access", field: "allowSuperuserAccess", auditKey: "prevent_superuser_access",
		doc:  "Whether Sentry staff superusers may access the organization.",
		bool: func(o *sentry.Organization) bool { return o.AllowSuperuserAccess }},
}

func newOrganizationAccessResource() resource.Resource { return &organizationAccessResource{} }

type organizationAccessResource struct {
	resourceBase
}

func (r *organizationAccessResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_organization_access"
}

func (r *organizationAccessResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "The organization's slug.",
			Computed:            true,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"organization": organizationAttribute(),
		"acknowledged_2fa_removals": schema.SetAttribute{
			MarkdownDescription: "Emails of the members without two-factor authentication that turning `require_2fa` on " +
				"may remove. The plan lists the members Sentry would remove and fails unless each is here.",
			ElementType: types.StringType,
			Optional:    true,
		},
	}
	for _, s := range orgSettings {
		desc := s.doc + " Left out of the configuration, the setting is read but neither managed nor changed."
		if s.bool != nil {
			attrs[s.attr] = schema.BoolAttribute{
				MarkdownDescription: desc, Optional: true, Computed: true,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			}
			continue
		}
		attrs[s.attr] = schema.StringAttribute{
			MarkdownDescription: desc, Optional: true, Computed: true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			Validators:    []validator.String{stringvalidator.OneOf(settingRoles...)},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The settings of a Sentry organization that decide who reaches what: open membership, " +
			"invitations, project creation, two-factor authentication, the default role, members' event and alert " +
			"rights, attachment and debug-file roles, shared issues, enhanced privacy and superuser access.\n\n" +
			"One per organization. Only the settings the configuration names are managed: the others are read and " +
			"shown, and a change made in Sentry's settings page is not drift. Creating the resource adopts the " +
			"organization (it writes the configured values); destroying it leaves the settings as they are.",
		Attributes: attrs,
		Blocks:     map[string]schema.Block{"timeouts": timeoutsBlock(ctx, true)},
	}
}

// settingValue is the setting's value in a config, plan or state.
func settingValue(ctx context.Context, get func(context.Context, path.Path, any) diag.Diagnostics, s orgSetting) (attr.Value, diag.Diagnostics) {
	if s.bool != nil {
		var v types.Bool
		d := get(ctx, path.Root(s.attr), &v)
		return v, d
	}
	var v types.String
	d := get(ctx, path.Root(s.attr), &v)
	return v, d
}

func settingJSON(v attr.Value) any {
	switch x := v.(type) {
	case types.Bool:
		return x.ValueBool()
	case types.String:
		return x.ValueString()
	}
	return nil
}

func sentryValue(s orgSetting, o *sentry.Organization) attr.Value {
	if s.bool != nil {
		return types.BoolValue(s.bool(o))
	}
	return types.StringValue(s.str(o))
}

func displayValue(v attr.Value) string {
	if b, ok := v.(types.Bool); ok {
		return strconv.FormatBool(b.ValueBool())
	}
	if str, ok := v.(types.String); ok {
		return str.ValueString()
	}
	return v.String()
}

// configuredSettings are the settings the configuration sets.
func configuredSettings(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) []orgSetting {
	var out []orgSetting
	for _, s := range orgSettings {
		v, d := settingValue(ctx, config.GetAttribute, s)
		diags.Append(d...)
		if !v.IsNull() {
			out = append(out, s)
		}
	}
	return out
}

// writeState puts what Sentry has into a state.
func writeState(ctx context.Context, set func(context.Context, path.Path, any) diag.Diagnostics, org string, o *sentry.Organization,
	acknowledged types.Set, diags *diag.Diagnostics) {
	diags.Append(set(ctx, path.Root("id"), types.StringValue(org))...)
	diags.Append(set(ctx, path.Root("organization"), types.StringValue(org))...)
	diags.Append(set(ctx, path.Root("acknowledged_2fa_removals"), acknowledged)...)
	for _, s := range orgSettings {
		diags.Append(set(ctx, path.Root(s.attr), sentryValue(s, o))...)
	}
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func recordConfigured(ctx context.Context, p privateSetter, configured []orgSetting, diags *diag.Diagnostics) {
	if p == nil {
		return
	}
	fields := make([]string, 0, len(configured))
	for _, s := range configured {
		fields = append(fields, s.field)
	}
	raw, _ := json.Marshal(fields)
	diags.Append(p.SetKey(ctx, configuredKey, raw)...)
}

// apply sends the configured settings that differ from Sentry's and checks
// that Sentry took them, within the create or update time limit.
func (r *organizationAccessResource) apply(ctx context.Context, create bool, config tfsdk.Config, plan tfsdk.Plan,
	set func(context.Context, path.Path, any) diag.Diagnostics, p privateSetter, diags *diag.Diagnostics) {
	var orgValue types.String
	diags.Append(plan.GetAttribute(ctx, path.Root("organization"), &orgValue)...)
	var acknowledged types.Set
	diags.Append(plan.GetAttribute(ctx, path.Root("acknowledged_2fa_removals"), &acknowledged)...)
	var limits timeouts.Value
	diags.Append(plan.GetAttribute(ctx, path.Root("timeouts"), &limits)...)
	if diags.HasError() {
		return
	}
	client, org, ok := r.session(orgValue, diags)
	if !ok {
		return
	}
	limit, fallback := limits.Update, defaultUpdateTimeout
	if create {
		limit, fallback = limits.Create, defaultCreateTimeout
	}
	ctx, cancel := withTimeout(ctx, limit, fallback, diags)
	defer cancel()
	if diags.HasError() {
		return
	}
	current, err := client.GetOrganization(ctx, org)
	if err != nil {
		addAPIError(diags, "Unable to Read Organization Settings", fmt.Sprintf("read the settings of organization %q", org), err, orgAccessPermissionHint)
		return
	}
	configured := configuredSettings(ctx, config, diags)
	fields := map[string]any{}
	for _, s := range configured {
		v, d := settingValue(ctx, plan.GetAttribute, s)
		diags.Append(d...)
		if !v.Equal(sentryValue(s, current)) {
			fields[s.field] = settingJSON(v)
		}
	}
	if diags.HasError() {
		return
	}
	result := current
	if len(fields) > 0 {
		result, err = client.UpdateOrganization(ctx, org, fields)
		if err != nil {
			addAPIError(diags, "Unable to Change Organization Settings",
				fmt.Sprintf("change %s of organization %q", strings.Join(slices.Sorted(mapKeys(fields)), ", "), org), err, orgAccessPermissionHint)
			return
		}
	}
	for _, s := range configured {
		if want, ok := fields[s.field]; ok && settingJSON(sentryValue(s, result)) != want {
			diags.AddAttributeError(path.Root(s.attr), "Sentry Did Not Change the Setting",
				fmt.Sprintf("Sentry answered the change of %s in organization %q without taking it (it has %s). Sentry "+
					"drops defaultRole from a caller without org:admin: use an owner's token.", s.attr, org, displayValue(sentryValue(s, result))))
			return
		}
	}
	writeState(ctx, set, org, result, acknowledged, diags)
	diags.Append(set(ctx, path.Root("timeouts"), limits)...)
	recordConfigured(ctx, p, configured, diags)
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (r *organizationAccessResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var p privateSetter
	if resp.Private != nil {
		p = resp.Private
	}
	r.apply(ctx, true, req.Config, req.Plan, resp.State.SetAttribute, p, &resp.Diagnostics)
}

func (r *organizationAccessResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var p privateSetter
	if resp.Private != nil {
		p = resp.Private
	}
	r.apply(ctx, false, req.Config, req.Plan, resp.State.SetAttribute, p, &resp.Diagnostics)
}

func (r *organizationAccessResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var orgValue types.String
	var acknowledged types.Set
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("organization"), &orgValue)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("acknowledged_2fa_removals"), &acknowledged)...)
	var limits timeouts.Value
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("timeouts"), &limits)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(orgValue, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := withTimeout(ctx, limits.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	now, err := client.GetOrganization(ctx, org)
	if sentry.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Organization Not Found",
			fmt.Sprintf("Sentry has no organization %q any more; sentry_organization_access is removed from state.", org))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Organization Settings",
			fmt.Sprintf("read the settings of organization %q", org), err, orgAccessPermissionHint)
		return
	}
	var managed []string
	if raw, d := req.Private.GetKey(ctx, configuredKey); !d.HasError() && len(raw) > 0 {
		_ = json.Unmarshal(raw, &managed)
	}
	report := driftReport{object: fmt.Sprintf("sentry_organization_access %q", org)}
	for _, s := range orgSettings {
		if !slices.Contains(managed, s.field) {
			continue
		}
		prior, d := settingValue(ctx, req.State.GetAttribute, s)
		resp.Diagnostics.Append(d...)
		after := sentryValue(s, now)
		if known(prior) && !prior.Equal(after) {
			report.changes = append(report.changes, driftChange{
				what:    changed(s.attr, displayValue(prior), displayValue(after)),
				lookups: []auditLookup{{event: "org.edit", target: now.ID, hasKey: s.auditKey}},
			})
		}
	}
	r.explainDrift(ctx, org, report, &resp.Diagnostics)
	writeState(ctx, resp.State.SetAttribute, org, now, acknowledged, &resp.Diagnostics)
}

func (r *organizationAccessResource) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	resp.Diagnostics.AddWarning("Organization Settings Left As They Are",
		"sentry_organization_access is no longer managed by Terraform. Sentry has no default to go back to, so the "+
			"organization keeps its current settings; change them in Sentry's settings page if needed.")
}

// ImportState takes the organization's slug; an empty id means the
// provider's organization.
func (r *organizationAccessResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	org, ok := r.data.orgOrDefault(strings.TrimSpace(req.ID))
	if !ok || strings.Contains(org, "/") {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("The import ID %q is not an organization slug. Import sentry_organization_access with the "+
				"organization's slug: terraform import <resource address> my-org", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization"), org)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), org)...)
}

// ModifyPlan checks at plan time what Sentry would refuse or do by
// surprise: default_role from a non-owner, and require_2fa turned on
// (refused while the provider's user has no 2FA or SSO is set up; it
// removes every member without 2FA).
func (r *organizationAccessResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganization(ctx, req, resp)
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	var cfgRole, planRole, stateRole types.String
	var cfg2FA, plan2FA, state2FA types.Bool
	var orgValue types.String
	var acknowledged types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("default_role"), &cfgRole)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("require_2fa"), &cfg2FA)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("default_role"), &planRole)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("require_2fa"), &plan2FA)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("organization"), &orgValue)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("acknowledged_2fa_removals"), &acknowledged)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("default_role"), &stateRole)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("require_2fa"), &state2FA)...)
	}
	if resp.Diagnostics.HasError() || orgValue.IsUnknown() {
		return
	}
	roleChange := !cfgRole.IsNull() && !cfgRole.IsUnknown() && !planRole.Equal(stateRole)
	turning2FAOn := !cfg2FA.IsNull() && plan2FA.ValueBool() && !state2FA.ValueBool()
	if !roleChange && !turning2FAOn {
		return
	}
	client, org, ok := r.session(orgValue, &resp.Diagnostics)
	if !ok {
		return
	}
	current, err := client.GetOrganization(ctx, org)
	if sentry.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("organization"), "Organization Not Found",
			fmt.Sprintf("Sentry has no organization %q that the provider's token can see.", org))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Organization Settings",
			fmt.Sprintf("read the settings of organization %q", org), err, orgAccessPermissionHint)
		return
	}
	if roleChange && current.DefaultRole != planRole.ValueString() && !current.HasScope("org:admin") {
		resp.Diagnostics.AddAttributeError(path.Root("default_role"), "Default Role Needs an Owner",
			fmt.Sprintf("Only an owner may change default_role of organization %q: Sentry ignores defaultRole from a "+
				"caller without org:admin, and the provider's token has %s. Use an owner's token, or leave "+
				"default_role out.", org, roleOrScopes(current)))
	}
	if turning2FAOn && !current.Require2FA {
		r.check2FARemovals(ctx, client, org, current, acknowledged, &resp.Diagnostics)
	}
}

func roleOrScopes(o *sentry.Organization) string {
	if o.OrgRole != "" {
		return "the " + o.OrgRole + " role"
	}
	return "no org:admin"
}

// check2FARemovals is the plan-time guard of require_2fa: Sentry's refusals
// (SSO, the provider's user without 2FA), then the members Sentry would
// turn back into invitations, read in one pass of the members search.
// has2fa:false does not narrow the list on today's Sentry (it matches
// every joined member), so each member's user.has2fa decides, as
// TwoFactorComplianceTask does (src/sentry/tasks/auth/auth.py).
func (r *organizationAccessResource) check2FARemovals(ctx context.Context, client *sentry.Client, org string,
	current *sentry.Organization, acknowledged types.Set, diags *diag.Diagnostics) {
	at := path.Root("require_2fa")
	if current.HasAuthProvider {
		diags.AddAttributeError(at, "Sentry Refuses Two-Factor Authentication With SSO",
			fmt.Sprintf("Organization %q has an SSO provider, and Sentry refuses require2FA then (\"Cannot require "+
				"two-factor authentication with SSO enabled\"). Enforce 2FA in the identity provider instead.", org))
		return
	}
	me, err := client.GetMember(ctx, org, "me")
	if err == nil && me.User != nil && !me.User.Has2FA {
		diags.AddAttributeError(at, "Provider's User Has No Two-Factor Authentication",
			fmt.Sprintf("Sentry refuses require2FA from a user without two-factor authentication, and %s, whose token "+
				"the provider uses, has none. Enroll 2FA for that user first.", me.User.Email))
		return
	}
	if err != nil && !sentry.IsNotFound(err) {
		addAPIError(diags, "Unable to Check Two-Factor Authentication", fmt.Sprintf("read the provider's own membership in organization %q", org), err, "")
		return
	}
	var without []string
	for m, err := range client.Members(ctx, org, "has2fa:false") {
		if err != nil {
			addAPIError(diags, "Unable to List Members Without Two-Factor Authentication",
				fmt.Sprintf("search the members of organization %q", org), err, "Listing members needs member:read.")
			return
		}
		if m.User != nil && !m.User.Has2FA {
			without = append(without, m.User.Email)
		}
	}
	if len(without) == 0 {
		return
	}
	allowed := map[string]bool{}
	for _, e := range acknowledged.Elements() {
		if s, ok := e.(types.String); ok {
			allowed[strings.ToLower(s.ValueString())] = true
		}
	}
	var missing []string
	for _, e := range without {
		if !allowed[strings.ToLower(e)] {
			missing = append(missing, e)
		}
	}
	list := "  - " + strings.Join(without, "\n  - ")
	if len(missing) > 0 {
		diags.AddAttributeError(at, "Turning On 2FA Would Remove Members",
			fmt.Sprintf("Turning require_2fa on makes Sentry remove %d member(s) of organization %q who have no "+
				"two-factor authentication (they become invitations and lose access until they enroll 2FA and accept):\n%s\n\n"+
				"%d of them are not in acknowledged_2fa_removals: %s. Add each email there to go ahead, or have them "+
				"enroll 2FA first.", len(without), org, list, len(missing), strings.Join(missing, ", ")))
		return
	}
	diags.AddAttributeWarning(at, "Turning On 2FA Removes Members",
		fmt.Sprintf("Applying this plan makes Sentry remove %d member(s) of organization %q who have no two-factor "+
			"authentication, as acknowledged_2fa_removals allows:\n%s", len(without), org, list))
}
