package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ datasource.DataSource              = (*membersDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*membersDataSource)(nil)
)

func newMembersDataSource() datasource.DataSource {
	return &membersDataSource{}
}

// membersDataSource lists an organization's members, with filters Sentry
// applies itself.
type membersDataSource struct {
	dataSourceBase
}

type membersDataModel struct {
	Organization types.String `tfsdk:"organization"`
	Role         types.String `tfsdk:"role"`
	Email        types.String `tfsdk:"email"`
	Pending      types.Bool   `tfsdk:"pending"`
	Has2FA       types.Bool   `tfsdk:"has_2fa"`
	SSOLinked    types.Bool   `tfsdk:"sso_linked"`
	Scopes       types.Set    `tfsdk:"scopes"`
	Query        types.String `tfsdk:"query"`
	IncludeTeams types.Bool   `tfsdk:"include_teams"`
	Members      types.List   `tfsdk:"members"`
}

var memberDataAttrTypes = map[string]attr.Type{
	"id":           types.StringType,
	"email":        types.StringType,
	"name":         types.StringType,
	"role":         types.StringType,
	"pending":      types.BoolType,
	"expired":      types.BoolType,
	"user_id":      types.StringType,
	"date_created": types.StringType,
	"teams":        types.ListType{ElemType: types.StringType},
	"team_roles":   types.MapType{ElemType: types.StringType},

	"has_2fa":             types.BoolType,
	"sso_linked":          types.BoolType,
	"idp_provisioned":     types.BoolType,
	"idp_role_restricted": types.BoolType,
	"last_active":         types.StringType,
	"last_login":          types.StringType,
	"invite_status":       types.StringType,
	"invite_age_days":     types.Int64Type,
}

// tokenScopes are the scopes Sentry knows, which scope: searches take.
var tokenScopes = []string{
	"org:read", "org:write", "org:admin", "org:integrations", "org:ci", "org:billing",
	"member:invite", "member:read", "member:write", "member:admin",
	"team:read", "team:write", "team:admin",
	"project:read", "project:write", "project:admin", "project:releases", "project:distribution",
	"event:read", "event:write", "event:admin", "alerts:read", "alerts:write",
}

func (d *membersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_members"
}

func (d *membersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's members and pending invitations, filtered by Sentry. Every page is " +
			"read (100 members a request).",
		Attributes: map[string]schema.Attribute{
			"organization": schema.StringAttribute{
				MarkdownDescription: "Slug of the organization. Defaults to the provider's `organization`.",
				Optional:            true,
				Validators:          []validator.String{lengthValidator{what: "organization slug", min: 1, maxCount: 50}},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "Only members with this org role.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(sentry.OrgRoles...)},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Only the member with this email address.",
				Optional:            true,
			},
			"pending": schema.BoolAttribute{
				MarkdownDescription: "`true` for pending invitations only, `false` for members who have joined only.",
				Optional:            true,
			},
			"has_2fa": schema.BoolAttribute{
				MarkdownDescription: "`true` for members whose user enrolled a second factor (Sentry's `has2fa:true`); " +
					"`false` for joined members without one. Sentry answers `has2fa:false` with every joined member, " +
					"so for `false` the provider sends it and keeps the members whose `user.has2fa` is false. " +
					"Pending invitations have no user and match neither.",
				Optional: true,
			},
			"sso_linked": schema.BoolAttribute{
				MarkdownDescription: "Only members whose SSO identity is linked (`true`, Sentry's `ssoLinked:true`) or " +
					"not linked (`false`, pending invitations included).",
				Optional: true,
			},
			"scopes": schema.SetAttribute{
				MarkdownDescription: "Only members whose org role grants any of these scopes (Sentry's `scope:`), such " +
					"as `member:admin` or `org:admin`.",
				Optional:    true,
				ElementType: types.StringType,
				Validators: []validator.Set{setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(tokenScopes...))},
			},
			"query": schema.StringAttribute{
				MarkdownDescription: "More filters in Sentry's members search syntax, passed through: free text matched " +
					"against names and emails, or `user.id:`. The typed filters above are checked at plan time; prefer them.",
				Optional: true,
			},
			"include_teams": schema.BoolAttribute{
				MarkdownDescription: "Fill each member's `teams` and `team_roles`. Sentry's members list carries no " +
					"teams, so this reads the teams list (a request per 100 teams) and each team's member list: one " +
					"more request per team (and per 100 members of a team), never one per member.",
				Optional: true,
			},
			"members": schema.ListNestedAttribute{
				MarkdownDescription: "The members, in Sentry's order (by id).",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":           schema.StringAttribute{Computed: true, MarkdownDescription: "Sentry's member id."},
					"email":        schema.StringAttribute{Computed: true, MarkdownDescription: "Email address."},
					"name":         schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
					"role":         schema.StringAttribute{Computed: true, MarkdownDescription: "Org role."},
					"pending":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the invitation is pending."},
					"expired":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether a pending invitation has expired."},
					"user_id":      schema.StringAttribute{Computed: true, MarkdownDescription: "The user's id; null while pending."},
					"date_created": schema.StringAttribute{Computed: true, MarkdownDescription: "When the member was invited or added (RFC 3339)."},
					"teams": schema.ListAttribute{Computed: true, ElementType: types.StringType,
						MarkdownDescription: "Slugs of the member's teams, sorted; null unless `include_teams` is set."},
					"team_roles": schema.MapAttribute{Computed: true, ElementType: types.StringType,
						MarkdownDescription: "The member's role on each team by team slug (`contributor` or `admin`, the " +
							"effective role); null unless `include_teams` is set."},
					"has_2fa": schema.BoolAttribute{Computed: true,
						MarkdownDescription: "Whether the member's user enrolled a second factor (`user.has2fa`); null while pending."},
					"sso_linked": schema.BoolAttribute{Computed: true,
						MarkdownDescription: "Whether the member linked an identity of the organization's SSO provider (`sso:linked`)."},
					"idp_provisioned": schema.BoolAttribute{Computed: true,
						MarkdownDescription: "Whether the identity provider made the member through SCIM (`idp:provisioned`)."},
					"idp_role_restricted": schema.BoolAttribute{Computed: true,
						MarkdownDescription: "Whether the identity provider sets the member's org role, so it cannot be " +
							"changed in Sentry (`idp:role-restricted`)."},
					"last_active": schema.StringAttribute{Computed: true,
						MarkdownDescription: "When Sentry last saw the user (RFC 3339); null while pending or never seen."},
					"last_login": schema.StringAttribute{Computed: true,
						MarkdownDescription: "When the user last signed in (RFC 3339); null while pending or never signed in."},
					"invite_status": schema.StringAttribute{Computed: true,
						MarkdownDescription: "Sentry's invitation status: `approved` for members and sent invitations."},
					"invite_age_days": schema.Int64Attribute{Computed: true,
						MarkdownDescription: "Whole days since a pending invitation was made; null once the member joined."},
				}},
			},
		},
	}
}

// membersQuery is Sentry's query= for the filters: the list is filtered by
// Sentry, never fetched whole and filtered here.
func membersQuery(m membersDataModel) string {
	var terms []string
	if v := m.Role.ValueString(); v != "" {
		terms = append(terms, "role:"+v)
	}
	if v := m.Email.ValueString(); v != "" {
		terms = append(terms, "email:"+v)
	}
	if !m.Pending.IsNull() && !m.Pending.IsUnknown() {
		terms = append(terms, "isInvited:"+strconv.FormatBool(m.Pending.ValueBool()))
	}
	if !m.Has2FA.IsNull() && !m.Has2FA.IsUnknown() {
		terms = append(terms, "has2fa:"+strconv.FormatBool(m.Has2FA.ValueBool()))
	}
	if !m.SSOLinked.IsNull() && !m.SSOLinked.IsUnknown() {
		terms = append(terms, "ssoLinked:"+strconv.FormatBool(m.SSOLinked.ValueBool()))
	}
	for _, e := range m.Scopes.Elements() {
		if v, ok := e.(types.String); ok && !v.IsNull() && !v.IsUnknown() {
			terms = append(terms, "scope:"+v.ValueString())
		}
	}
	if v := strings.TrimSpace(m.Query.ValueString()); v != "" {
		terms = append(terms, v)
	}
	return strings.Join(terms, " ")
}

func (d *membersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config membersDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := d.session(config.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	members, err := client.ListMembers(ctx, org, membersQuery(config))
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to List Members", fmt.Sprintf("list the members of organization %q", org), err,
			"Listing members needs a token with member:read.")
		return
	}

	if !config.Has2FA.IsNull() && !config.Has2FA.ValueBool() {
		// organization_member_index.py answers has2fa:false with every
		// joined member (the user service's authenticator_types=None
		// filters nothing), so the members without 2FA are picked here.
		members = slices.DeleteFunc(members, func(m sentry.Member) bool { return m.User == nil || m.User.Has2FA })
	}

	var teamsOf map[string][]inventory.MemberTeam
	if config.IncludeTeams.ValueBool() {
		teamsOf, err = d.memberTeamsByTeam(ctx, client, org)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to List Team Members",
				fmt.Sprintf("list the members of each team in organization %q", org), err, "Listing teams needs team:read.")
			return
		}
	}

	now := time.Now()
	elems := make([]attr.Value, 0, len(members))
	for _, m := range members {
		obj, diags := memberDataObject(ctx, m, teamsOf, config.IncludeTeams.ValueBool(), now)
		resp.Diagnostics.Append(diags...)
		elems = append(elems, obj)
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: memberDataAttrTypes}, elems)
	resp.Diagnostics.Append(diags...)
	config.Organization = types.StringValue(org)
	config.Members = list
	resp.Diagnostics.Append(resp.State.Set(ctx, config)...)
}

// memberTeamsByTeam is each member's teams by member id, with the stored
// roles, read from every team's member list through the run's shared
// reads, which sentry_project_access uses too.
func (d *membersDataSource) memberTeamsByTeam(ctx context.Context, client *sentry.Client, org string) (map[string][]inventory.MemberTeam, error) {
	teamsOf, _, err := inventory.MemberTeams(ctx, d.data.teamLists(client), org, inventory.Options{})
	return teamsOf, err
}

func memberDataObject(ctx context.Context, m sentry.Member, teamsOf map[string][]inventory.MemberTeam, withTeams bool, now time.Time) (attr.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	userID, has2FA := types.StringNull(), types.BoolNull()
	lastActive, lastLogin := types.StringNull(), types.StringNull()
	if m.User != nil {
		userID = types.StringValue(m.User.ID)
		has2FA = types.BoolValue(m.User.Has2FA)
		lastActive, lastLogin = optionalTime(m.User.LastActive), optionalTime(m.User.LastLogin)
	}
	inviteAge := types.Int64Null()
	if m.Pending {
		inviteAge = types.Int64Value(int64(now.Sub(m.DateCreated) / (24 * time.Hour)))
	}
	teams := types.ListNull(types.StringType)
	roles := types.MapNull(types.StringType)
	if withTeams {
		// The member's teams, sorted by slug, and the effective role on each.
		slugs := make([]string, 0, len(teamsOf[m.ID]))
		roleMap := make(map[string]string, len(teamsOf[m.ID]))
		for _, t := range teamsOf[m.ID] {
			slugs = append(slugs, t.Team)
			roleMap[t.Team] = sentry.EffectiveTeamRole(t.Role, m.OrgRole)
		}
		var d diag.Diagnostics
		teams, d = types.ListValueFrom(ctx, types.StringType, slugs)
		diags.Append(d...)
		roles, d = types.MapValueFrom(ctx, types.StringType, roleMap)
		diags.Append(d...)
	}
	obj, d := types.ObjectValue(memberDataAttrTypes, map[string]attr.Value{
		"id":           types.StringValue(m.ID),
		"email":        types.StringValue(m.Email),
		"name":         types.StringValue(m.Name),
		"role":         types.StringValue(m.OrgRole),
		"pending":      types.BoolValue(m.Pending),
		"expired":      types.BoolValue(m.Expired),
		"user_id":      userID,
		"date_created": types.StringValue(formatTime(m.DateCreated)),
		"teams":        teams,
		"team_roles":   roles,

		"has_2fa":             has2FA,
		"sso_linked":          types.BoolValue(m.Flags[sentry.MemberFlagSSOLinked]),
		"idp_provisioned":     types.BoolValue(m.Flags[sentry.MemberFlagIDPProvisioned]),
		"idp_role_restricted": types.BoolValue(m.Flags[sentry.MemberFlagIDPRoleRestricted]),
		"last_active":         lastActive,
		"last_login":          lastLogin,
		"invite_status":       types.StringValue(m.InviteStatus),
		"invite_age_days":     inviteAge,
	})
	diags.Append(d...)
	return obj, diags
}

// optionalTime is an RFC 3339 string, or null for nil.
func optionalTime(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(formatTime(*t))
}
