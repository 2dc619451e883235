package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ datasource.DataSource              = (*projectAccessDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*projectAccessDataSource)(nil)
)

func newProjectAccessDataSource() datasource.DataSource {
	return &projectAccessDataSource{}
}

// projectAccessDataSource answers who reaches each project, through which
// team and with which role, by Sentry's access rules (project_access.go).
type projectAccessDataSource struct {
	dataSourceBase
}

type projectAccessDataModel struct {
	Organization types.String `tfsdk:"organization"`
	Project      types.String `tfsdk:"project"`
	Projects     types.List   `tfsdk:"projects"`
}

var (
	accessTeamAttrTypes  = map[string]attr.Type{"team": types.StringType, "role": types.StringType}
	accessEntryAttrTypes = map[string]attr.Type{
		"email":          types.StringType,
		"user_id":        types.StringType,
		"org_role":       types.StringType,
		"effective_role": types.StringType,
		"global_access":  types.BoolType,
		"global_reason":  types.StringType,
		"teams":          types.ListType{ElemType: types.ObjectType{AttrTypes: accessTeamAttrTypes}},
	}
	projectAccessAttrTypes = map[string]attr.Type{
		"slug":   types.StringType,
		"access": types.ListType{ElemType: types.ObjectType{AttrTypes: accessEntryAttrTypes}},
	}
)

func (d *projectAccessDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project_access"
}

func (d *projectAccessDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Who can reach each project, through which team and with which role, computed by " +
			"Sentry's access rules: owners and managers reach every project (their org role is global), open " +
			"membership gives every member every project, otherwise a member reaches the projects of their teams; " +
			"pending invitations reach nothing, and the `billing` role no project (open membership gives billing " +
			"members global access, but Sentry's project check also wants a project scope, which billing lacks).\n\n" +
			"Under global access (`global_access` true) teams do not decide whether a member reaches the project: " +
			"`global_reason` says why they do. `teams` still lists the member's teams among the project's teams, " +
			"because they still matter for two things: a team role there can raise `effective_role` to `admin`, and " +
			"a `check` block can tell the members of the owning teams from the people who reach the project only " +
			"through open membership (`global_reason == \"open_membership\"` with empty `teams`).\n\n" +
			"Requests, whole organization: the organization's settings (1), the projects list and the members " +
			"list (one per 100 each), and one member list per team that owns a project (one per 100 members of " +
			"the team). One project: the settings, the project, the owners and managers list (every member with " +
			"open membership on), and its teams' member lists. Team member lists are shared with `sentry_members` " +
			"and other `sentry_project_access` reads of the same run. The token needs `org:read`, `member:read`, " +
			"`team:read` and `project:read`, and must see every project: an owner's or a manager's.",
		Attributes: map[string]schema.Attribute{
			"organization": schema.StringAttribute{
				MarkdownDescription: "Slug of the organization. Defaults to the provider's `organization`.",
				Optional:            true,
				Validators:          []validator.String{lengthValidator{what: "organization slug", min: 1, maxCount: 50}},
			},
			"project": schema.StringAttribute{
				MarkdownDescription: "One project's slug; leave it out for every project of the organization.",
				Optional:            true,
				Validators:          []validator.String{slugValidator{maxLength: 100}},
			},
			"projects": schema.ListNestedAttribute{
				MarkdownDescription: "The projects, by slug, each with who reaches it.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"slug": schema.StringAttribute{Computed: true, MarkdownDescription: "The project's slug."},
					"access": schema.ListNestedAttribute{
						Computed:            true,
						MarkdownDescription: "Everyone who reaches the project, by email.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"email":    schema.StringAttribute{Computed: true, MarkdownDescription: "The member's email address."},
							"user_id":  schema.StringAttribute{Computed: true, MarkdownDescription: "The member's user id."},
							"org_role": schema.StringAttribute{Computed: true, MarkdownDescription: "The member's org role."},
							"effective_role": schema.StringAttribute{Computed: true,
								MarkdownDescription: "The member's role on the project: `admin` or `contributor`, the highest " +
									"of the org role's minimum team role and the team roles on the project's teams (team " +
									"roles count only where the organization has team roles)."},
							"global_access": schema.BoolAttribute{Computed: true,
								MarkdownDescription: "Whether the member reaches the project whatever its teams."},
							"global_reason": schema.StringAttribute{Computed: true,
								MarkdownDescription: "Why the access is global: `org_role` (owner or manager) or " +
									"`open_membership`; null without global access."},
							"teams": schema.ListNestedAttribute{
								Computed: true,
								MarkdownDescription: "The member's teams among the project's teams, by slug, with the " +
									"effective team role. Without global access they are the member's path to the project. " +
									"With global access they are listed all the same but do not grant access: they show " +
									"where a team role raises `effective_role`, and whether the member is on an owning " +
									"team at all (empty: reached only through `global_reason`).",
								NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
									"team": schema.StringAttribute{Computed: true, MarkdownDescription: "The team's slug."},
									"role": schema.StringAttribute{Computed: true, MarkdownDescription: "`contributor` or `admin`."},
								}},
							},
						}},
					},
				}},
			},
		},
	}
}

func (d *projectAccessDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config projectAccessDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := d.session(config.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	access, err := d.read(ctx, client, org, config.Project.ValueString())
	if err != nil {
		what := fmt.Sprintf("read who reaches the projects of organization %q", org)
		if p := config.Project.ValueString(); p != "" {
			what = fmt.Sprintf("read who reaches project %q in organization %q", p, org)
		}
		addAPIError(&resp.Diagnostics, "Unable to Read Project Access", what, err,
			"The token needs org:read, member:read, team:read and project:read (an owner's or a manager's).")
		return
	}
	if p := config.Project.ValueString(); p != "" && len(access) == 1 && access[0].Slug != p {
		// Sentry redirects a renamed project's old slug to the new one,
		// and the read followed: the answer is right, the configuration's
		// slug is out of date.
		resp.Diagnostics.AddAttributeWarning(path.Root("project"), "Project Renamed in Sentry",
			fmt.Sprintf("Project %q in organization %q was renamed to %q in Sentry, which still redirects the old slug. "+
				"The access shown is the renamed project's, under its new slug. Set project = %q in the configuration: "+
				"Sentry may give the old slug to another project.", p, org, access[0].Slug, access[0].Slug))
	}
	list, diags := projectAccessValue(access)
	resp.Diagnostics.Append(diags...)
	config.Organization = types.StringValue(org)
	config.Projects = list
	resp.Diagnostics.Append(resp.State.Set(ctx, config)...)
}

// projectAccessResult is one project's slug and who reaches it.
type projectAccessResult struct {
	Slug   string
	Access []accessEntry
}

// read makes the requests the schema's description counts.
func (d *projectAccessDataSource) read(ctx context.Context, client *sentry.Client, org, projectSlug string) ([]projectAccessResult, error) {
	settings, err := client.GetOrganizationAccessRules(ctx, org)
	if err != nil {
		return nil, err
	}
	rules := accessRules{openMembership: settings.OpenMembership, teamRoles: settings.HasFeature("team-roles")}

	var projects []sentry.Project
	if projectSlug != "" {
		p, err := client.GetProject(ctx, org, projectSlug)
		if err != nil {
			return nil, err
		}
		projects = []sentry.Project{*p}
	} else {
		for p, err := range client.Projects(ctx, org, "") {
			if err != nil {
				return nil, err
			}
			projects = append(projects, p)
		}
		// A user's list leads with their bookmarked projects.
		slices.SortFunc(projects, func(a, b sentry.Project) int { return strings.Compare(a.Slug, b.Slug) })
	}

	// Without open membership only owners and managers reach projects
	// outside their teams; one project needs only them.
	query := ""
	if projectSlug != "" && !rules.openMembership {
		query = "role:" + strings.Join(globalOrgRoles, " role:")
	}
	everyone, err := client.ListMembers(ctx, org, query)
	if err != nil {
		return nil, err
	}

	var teamSlugs []string
	for _, p := range projects {
		for _, t := range p.Teams {
			teamSlugs = append(teamSlugs, t.Slug)
		}
	}
	slices.Sort(teamSlugs)
	teamMembers, err := d.data.membersOfTeams(ctx, client, org, slices.Compact(teamSlugs), nil)
	if err != nil {
		return nil, err
	}

	out := make([]projectAccessResult, 0, len(projects))
	for _, p := range projects {
		slugs := make([]string, 0, len(p.Teams))
		for _, t := range p.Teams {
			slugs = append(slugs, t.Slug)
		}
		out = append(out, projectAccessResult{Slug: p.Slug, Access: projectAccessOf(rules, slugs, everyone, teamMembers)})
	}
	return out, nil
}

func projectAccessValue(results []projectAccessResult) (types.List, diag.Diagnostics) {
	var diags diag.Diagnostics
	teamType := types.ObjectType{AttrTypes: accessTeamAttrTypes}
	entryType := types.ObjectType{AttrTypes: accessEntryAttrTypes}
	projects := make([]attr.Value, 0, len(results))
	for _, r := range results {
		entries := make([]attr.Value, 0, len(r.Access))
		for _, e := range r.Access {
			teams := make([]attr.Value, 0, len(e.Teams))
			for _, t := range e.Teams {
				v, d := types.ObjectValue(accessTeamAttrTypes, map[string]attr.Value{
					"team": types.StringValue(t.Team), "role": types.StringValue(t.Role)})
				diags.Append(d...)
				teams = append(teams, v)
			}
			teamList, d := types.ListValue(teamType, teams)
			diags.Append(d...)
			reason := types.StringNull()
			if e.GlobalReason != "" {
				reason = types.StringValue(e.GlobalReason)
			}
			v, d := types.ObjectValue(accessEntryAttrTypes, map[string]attr.Value{
				"email":          types.StringValue(e.Email),
				"user_id":        types.StringValue(e.UserID),
				"org_role":       types.StringValue(e.OrgRole),
				"effective_role": types.StringValue(e.EffectiveRole),
				"global_access":  types.BoolValue(e.GlobalReason != ""),
				"global_reason":  reason,
				"teams":          teamList,
			})
			diags.Append(d...)
			entries = append(entries, v)
		}
		entryList, d := types.ListValue(entryType, entries)
		diags.Append(d...)
		v, d := types.ObjectValue(projectAccessAttrTypes, map[string]attr.Value{
			"slug": types.StringValue(r.Slug), "access": entryList})
		diags.Append(d...)
		projects = append(projects, v)
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: projectAccessAttrTypes}, projects)
	diags.Append(d...)
	return list, diags
}
