package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
)

// The drift reports of the resources: what each compares, and where
// Sentry's audit log records each kind of change (event names and targets
// as Sentry's endpoints write them). An attribute whose prior value is null
// or unknown (just imported) is never drift.

// known reports whether a prior value can be compared.
func known(v interface {
	IsNull() bool
	IsUnknown() bool
},
) bool {
	return !v.IsNull() && !v.IsUnknown()
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

// apiTokenDrift compares an organization auth token's prior state with
// Sentry's (nil: gone). Sentry writes org-auth-token.remove with the token
// as target, and records nothing for a rename.
func apiTokenDrift(prior apiTokenModel, now *apiTokenModel) driftReport {
	id := prior.ID.ValueString()
	d := driftReport{object: fmt.Sprintf("sentry_api_token %q (id %s)", prior.Name.ValueString(), id)}
	if !known(prior.Name) {
		return driftReport{}
	}
	if now == nil {
		d.gone = true
		d.removal = []auditLookup{{event: "org-auth-token.remove", target: id, data: map[string][]string{"name": {prior.Name.ValueString()}}}}
		return d
	}
	if !now.Name.Equal(prior.Name) {
		d.changes = append(d.changes, driftChange{
			what:       changed("name", prior.Name.ValueString(), now.Name.ValueString()),
			unrecorded: "Sentry's audit log records no entry for renaming an organization auth token",
		})
	}
	return d
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
		out[r.TeamSlug] = inventory.EffectiveTeamRole(r.Role, orgRole)
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
