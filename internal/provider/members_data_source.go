package provider

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

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
				Validators:          []validator.String{stringvalidator.OneOf(orgRoles...)},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Only the member with this email address.",
				Optional:            true,
			},
			"pending": schema.BoolAttribute{
				MarkdownDescription: "`true` for pending invitations only, `false` for members who have joined only.",
				Optional:            true,
			},
			"query": schema.StringAttribute{
				MarkdownDescription: "More filters in Sentry's members search syntax, passed through: `has2fa:false`, " +
					"`ssoLinked:true`, `scope:member:admin`, or free text matched against names and emails.",
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

	var teamsOf map[string]map[string]string // member id -> team slug -> role
	if config.IncludeTeams.ValueBool() {
		teamsOf, err = memberTeamsByTeam(ctx, client, org)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to List Team Members",
				fmt.Sprintf("list the members of each team in organization %q", org), err, "Listing teams needs team:read.")
			return
		}
	}

	elems := make([]attr.Value, 0, len(members))
	for _, m := range members {
		obj, diags := memberDataObject(ctx, m, teamsOf, config.IncludeTeams.ValueBool())
		resp.Diagnostics.Append(diags...)
		elems = append(elems, obj)
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: memberDataAttrTypes}, elems)
	resp.Diagnostics.Append(diags...)
	config.Organization = types.StringValue(org)
	config.Members = list
	resp.Diagnostics.Append(resp.State.Set(ctx, config)...)
}

// memberTeamsByTeam reads every team's member list: the only way to learn
// all members' teams without one request per member.
func memberTeamsByTeam(ctx context.Context, client *sentry.Client, org string) (map[string]map[string]string, error) {
	teams, err := client.ListTeams(ctx, org)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string)
	for _, team := range teams {
		members, err := client.ListTeamMembers(ctx, org, team.Slug)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			if out[m.ID] == nil {
				out[m.ID] = make(map[string]string)
			}
			out[m.ID][team.Slug] = inventory.EffectiveTeamRole(m.TeamRole, m.OrgRole)
		}
	}
	return out, nil
}

func memberDataObject(ctx context.Context, m sentry.Member, teamsOf map[string]map[string]string, withTeams bool) (attr.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	userID := types.StringNull()
	if m.User != nil {
		userID = types.StringValue(m.User.ID)
	}
	teams := types.ListNull(types.StringType)
	roles := types.MapNull(types.StringType)
	if withTeams {
		slugs := make([]string, 0, len(teamsOf[m.ID]))
		for slug := range teamsOf[m.ID] {
			slugs = append(slugs, slug)
		}
		sort.Strings(slugs)
		var d diag.Diagnostics
		teams, d = types.ListValueFrom(ctx, types.StringType, slugs)
		diags.Append(d...)
		roleMap := teamsOf[m.ID]
		if roleMap == nil {
			roleMap = map[string]string{}
		}
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
	})
	diags.Append(d...)
	return obj, diags
}
