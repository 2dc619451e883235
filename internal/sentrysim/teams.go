package sentrysim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	msgNameOrSlugRequired = "Name or slug is required"
	msgTeamSlugConflict   = "A team with this slug already exists."
	msgIdPManagedTeam     = "This team is managed through your organization's identity provider."
)

func (s *Server) registerTeamRoutes() {
	s.register(route{method: http.MethodGet, pattern: "/organizations/{org}/teams/", name: "organization-teams",
		perm: organizationTeamsPermission, target: targetOrganization, handle: listTeams})
	s.register(route{method: http.MethodPost, pattern: "/organizations/{org}/teams/", name: "organization-teams",
		perm: organizationTeamsPermission, target: targetOrganization, handle: createTeam})
	s.register(route{method: http.MethodGet, pattern: "/teams/{org}/{team}/", name: "team-details",
		perm: teamPermission, target: targetTeam, handle: getTeam})
	s.register(route{method: http.MethodPut, pattern: "/teams/{org}/{team}/", name: "team-details",
		perm: teamPermission, target: targetTeam, handle: updateTeam})
	s.register(route{method: http.MethodDelete, pattern: "/teams/{org}/{team}/", name: "team-details",
		perm: teamPermission, target: targetTeam, handle: deleteTeam})
}

// teamExpand is what a team body carries beyond the basics.
type teamExpand struct {
	projects      bool
	externalTeams bool
	organization  bool
}

// teamBody is Sentry's TeamSerializer, seen by the caller: isMember,
// teamRole, access and hasAccess describe the caller, not the team.
func teamBody(c *call, t *team, expand teamExpand) object {
	u := c.user()
	var membership *teamMembership
	var callerMember *member
	if u != nil {
		callerMember = t.org.membersByUser[u.id]
		if callerMember != nil {
			membership = callerMember.teams[t.id]
		}
	}

	isMember := membership != nil
	var teamRole any
	if membership != nil && membership.role != nil {
		teamRole = membership.role.id
	}
	hasAccess := isMember || t.org.allowJoinLeave || (callerMember != nil && callerMember.role.global)
	access := []string{}
	if hasAccess {
		// The stored team role (or the default), raised to the org role's
		// minimum.
		effective := teamRoleContributor
		if membership != nil && membership.role != nil {
			effective = membership.role
		}
		scopes := effective.scopes
		if callerMember != nil {
			if minimum := callerMember.role.minTeamRole; membership == nil || membership.role == nil || minimum.priority > effective.priority {
				scopes |= minimum.scopes
			}
		}
		access = scopes.names()
	}
	memberCount := 0
	if u != nil {
		// Sentry counts members only for a signed-in user.
		memberCount = t.memberCount()
	}
	isPending := callerMember != nil && t.accessRequests[callerMember.id]

	o := object{
		{"id", strconv.FormatInt(t.id, 10)},
		{"slug", t.slug},
		{"name", t.name},
		{"dateCreated", sentryTime(t.dateCreated)},
		{"isMember", isMember},
		{"teamRole", teamRole},
		{"flags", object{{"idp:provisioned", t.idpProvisioned}}},
		{"access", access},
		{"hasAccess", hasAccess},
		{"isPending", isPending},
		{"memberCount", memberCount},
		{"avatar", object{{"avatarType", "letter_avatar"}, {"avatarUuid", nil}}},
	}
	if expand.externalTeams {
		o = append(o, field{"externalTeams", []any{}})
	}
	if expand.organization {
		o = append(o, field{"organization", organizationBody(c, t.org)})
	}
	if expand.projects {
		o = append(o, field{"projects", c.s.teamProjects(c, t)})
	}
	return o
}

// teamProjects is the projects a team owns, as team bodies list them. The
// emulator has no projects yet.
func (s *Server) teamProjects(_ *call, _ *team) []any { return []any{} }

// listTeams is GET /organizations/{org}/teams/.
func listTeams(c *call) {
	teams, ok := filterTeams(c, c.org.activeBySlug, c.r.URL.Query().Get("query"))
	if !ok {
		return
	}
	page, ok := paginate(c, teams)
	if !ok {
		return
	}
	expand := teamExpand{}
	if c.r.URL.Query().Get("detailed") != "0" {
		expand.projects, expand.externalTeams = true, true
	}
	out := make([]object, len(page))
	for i, t := range page {
		out[i] = teamBody(c, t, expand)
	}
	c.json(http.StatusOK, out)
}

// filterTeams applies the list's ?query=, tokenized as Sentry's search
// queries are: slug: and id: filter, free text matches name or slug, and
// unknown keys match nothing.
func filterTeams(c *call, teams []*team, query string) ([]*team, bool) {
	if query == "" {
		return teams, true
	}
	tokens := tokenizeQuery(query)
	out := teams
	for _, key := range tokens.keys {
		values := tokens.values[key]
		var keep func(*team) bool
		switch key {
		case "hasExternalTeams":
			// No team has external teams here.
			hasExternal := slices.Contains(values, "true")
			keep = func(*team) bool { return !hasExternal }
		case "query":
			text := strings.ToLower(strings.Join(values, " "))
			keep = func(t *team) bool {
				return strings.Contains(strings.ToLower(t.name), text) || strings.Contains(t.slug, text)
			}
		case "slug":
			keep = func(t *team) bool { return slices.Contains(values, t.slug) }
		case "id":
			ids := make([]int64, 0, len(values))
			for _, v := range values {
				id, ok := pythonInt(v)
				if !ok {
					c.detail(http.StatusBadRequest, "Invalid id value")
					return nil, false
				}
				ids = append(ids, id)
			}
			keep = func(t *team) bool { return slices.Contains(ids, t.id) }
		default:
			keep = func(*team) bool { return false }
		}
		out = slices.DeleteFunc(slices.Clone(out), func(t *team) bool { return !keep(t) })
	}
	return out, true
}

// createTeam is POST /organizations/{org}/teams/.
func createTeam(c *call) {
	b, ok := readBody(c)
	if !ok {
		return
	}
	var fe fieldErrors
	var slug, name string
	if b.has("slug") {
		v, _, errs := slugField(true).clean(b["slug"])
		if errs != nil {
			fe.add("slug", errs...)
		}
		slug = v
	}
	if b.has("name") {
		v, _, errs := charField{maxLength: teamNameMaxSize, allowNull: true, allowBlank: true}.clean(b["name"])
		if errs != nil {
			fe.add("name", errs...)
		}
		name = v
	}
	provisioned := false
	if b.has("idp_provisioned") {
		v, errs := booleanField(b["idp_provisioned"])
		if errs != nil {
			fe.add("idp_provisioned", errs...)
		}
		provisioned = v
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}
	if name == "" && slug == "" {
		c.fieldErrors(nonFieldErrors(msgNameOrSlugRequired))
		return
	}

	org := c.org
	if name == "" {
		name = slug
	}
	if slug == "" {
		slug = uniqueSlug(name, slugMaxLength, func(s string) bool { return org.teamSlugs[s] != nil })
	}
	if org.teamSlugs[slug] != nil {
		// The database's unique constraint, caught by the endpoint.
		c.json(http.StatusConflict, object{
			{"non_field_errors", []string{msgTeamSlugConflict}},
			{"detail", msgTeamSlugConflict},
		})
		return
	}

	now := c.s.now()
	t := c.s.st.addTeam(org, slug, name, provisioned, now)
	if u := c.user(); u != nil {
		if m := org.membersByUser[u.id]; m != nil {
			tm := addTeamMember(m, t, nil)
			c.audit("member.join-team", tm.team.id, m.user, map[string]any{"email": m.email, "team_slug": t.slug})
		}
	}
	c.audit("team.create", t.id, nil, t.auditData())
	c.json(http.StatusCreated, teamBody(c, t, teamExpand{}))
}

// getTeam is GET /teams/{org}/{team}/: the organization comes along unless
// collapsed.
func getTeam(c *call) {
	q := c.r.URL.Query()
	expand := teamExpand{organization: !slices.Contains(q["collapse"], "organization")}
	for _, e := range q["expand"] {
		switch e {
		case "projects":
			expand.projects = true
		case "externalTeams":
			expand.externalTeams = true
		case "organization":
			expand.organization = true
		}
	}
	c.json(http.StatusOK, teamBody(c, c.team, expand))
}

// updateTeam is PUT /teams/{org}/{team}/.
func updateTeam(c *call) {
	t := c.team
	if t.idpProvisioned {
		c.detail(http.StatusForbidden, msgIdPManagedTeam)
		return
	}
	b, ok := readBody(c)
	if !ok {
		return
	}
	var fe fieldErrors
	name, slug := t.name, t.slug
	if b.has("name") {
		v, _, errs := charField{maxLength: teamNameMaxSize}.clean(b["name"])
		if errs != nil {
			fe.add("name", errs...)
		}
		name = v
	}
	if b.has("slug") {
		v, _, errs := slugField(false).clean(b["slug"])
		if errs == nil {
			if other := t.org.teamSlugs[v]; other != nil && other != t {
				errs = []string{`The slug "` + v + `" is already in use.`}
			}
		}
		if errs != nil {
			fe.add("slug", errs...)
		}
		slug = v
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}
	t.name = name
	t.org.renameTeam(t, slug)
	c.audit("team.edit", t.id, nil, t.auditData())
	c.json(http.StatusOK, teamBody(c, t, teamExpand{}))
}

// deleteTeam is DELETE /teams/{org}/{team}/: Sentry renames the team out of
// the way, so its slug is free at once, and schedules the deletion.
func deleteTeam(c *call) {
	t := c.team
	if t.idpProvisioned {
		c.detail(http.StatusForbidden, msgIdPManagedTeam)
		return
	}
	newSlug := t.slug + "-" + randomHex(32)
	if len(newSlug) > slugMaxLength {
		newSlug = newSlug[:slugMaxLength]
	}
	t.org.scheduleTeamDeletion(t, newSlug)
	c.audit("team.remove", t.id, nil, t.auditData())
	c.w.WriteHeader(http.StatusNoContent)
}
