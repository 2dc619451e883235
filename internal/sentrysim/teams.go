package sentrysim

import (
	"net/http"
	"slices"
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

// teamViewer is who a team body is for: TeamSerializer's isMember,
// teamRole, access, hasAccess and isPending describe the caller.
type teamViewer struct {
	user   *user
	member *member // the caller's membership of the organization, if any
}

func viewerOf(c *call, org *organization) teamViewer {
	v := teamViewer{user: c.user()}
	if v.user != nil {
		v.member = org.membersByUser[v.user.id]
	}
	return v
}

// teamAvatar is a team body's avatar, encoded once.
var teamAvatar = mustJSON(object{{"avatarType", "letter_avatar"}, {"avatarUuid", nil}})

// teamBody is Sentry's TeamSerializer, seen by the caller, as an object
// that endpoints may extend.
func teamBody(c *call, t *team, expand teamExpand) object {
	w := objectWriter{}
	writeTeamFields(&w, c, viewerOf(c, t.org), t, expand)
	return object{{"", w.fieldsOf()}}
}

// writeTeamFields writes TeamSerializer's fields for the viewer.
func writeTeamFields(w *objectWriter, c *call, v teamViewer, t *team, expand teamExpand) {
	var membership *teamMembership
	if v.member != nil {
		membership = v.member.teams[t.id]
	}
	isMember := membership != nil
	hasAccess := isMember || t.org.allowJoinLeave || (v.member != nil && v.member.role.global)
	var access scopeSet
	if hasAccess {
		// The stored team role (or the default), raised to the org role's
		// minimum.
		effective := teamRoleContributor
		if membership != nil && membership.role != nil {
			effective = membership.role
		}
		access = effective.scopes
		if v.member != nil {
			if minimum := v.member.role.minTeamRole; membership == nil || membership.role == nil || minimum.priority > effective.priority {
				access |= minimum.scopes
			}
		}
	}
	memberCount := 0
	if v.user != nil {
		// Sentry counts members only for a signed-in user.
		memberCount = t.memberCount()
	}
	isPending := v.member != nil && t.accessRequests[v.member.id]

	w.id(t.id)
	w.str("slug", t.slug)
	w.str("name", t.name)
	w.time("dateCreated", t.dateCreated)
	w.boolean("isMember", isMember)
	if membership != nil && membership.role != nil {
		w.str("teamRole", membership.role.id)
	} else {
		w.null("teamRole")
	}
	w.key("flags")
	w.b = appendObject(w.b, func(f *objectWriter) { f.boolean("idp:provisioned", t.idpProvisioned) })
	w.key("access")
	w.b = appendScopeNames(w.b, access)
	w.boolean("hasAccess", hasAccess)
	w.boolean("isPending", isPending)
	w.integer("memberCount", int64(memberCount))
	w.raw("avatar", teamAvatar)
	if expand.externalTeams {
		w.raw("externalTeams", emptyJSONList)
	}
	if expand.organization {
		w.value("organization", organizationBody(c, t.org))
	}
	if expand.projects {
		w.list("projects", c.s.teamProjects(c, t))
	}
}

// appendScopeNames writes a scope set as the sorted list of its names.
func appendScopeNames(b []byte, s scopeSet) []byte {
	b = append(b, '[')
	first := true
	for i, name := range scopeNamesJSON {
		if s&(1<<i) != 0 {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, name...)
		}
	}
	return append(b, ']')
}

// scopeNamesJSON is scopeNames as JSON strings.
var scopeNamesJSON = func() []rawJSON {
	out := make([]rawJSON, len(scopeNames))
	for i, name := range scopeNames {
		out[i] = mustJSON(name)
	}
	return out
}()

// teamProjects is the projects a team owns, as team bodies list them. The
// emulator has no projects yet.
func (s *Server) teamProjects(_ *call, _ *team) []any { return []any{} }

// listTeams is GET /organizations/{org}/teams/.
func listTeams(c *call) {
	q := c.r.URL.Query()
	var page []*team
	var ok bool
	if query := q.Get("query"); query == "" {
		page, ok = paginate(c, c.org.activeBySlug)
	} else {
		var keep func(*team) bool
		if keep, ok = teamFilter(c, query); ok {
			page, ok = paginateMatching(c, c.org.activeBySlug, keep)
		}
	}
	if !ok {
		return
	}
	expand := teamExpand{}
	if q.Get("detailed") != "0" {
		expand.projects, expand.externalTeams = true, true
	}
	viewer := viewerOf(c, c.org)
	writeJSONBody(c.w, http.StatusOK, func(b []byte) ([]byte, error) {
		b = append(b, '[')
		for i, t := range page {
			if i > 0 {
				b = append(b, ',')
			}
			w := objectWriter{b: append(b, '{')}
			writeTeamFields(&w, c, viewer, t, expand)
			if w.err != nil {
				return nil, w.err
			}
			b = append(w.b, '}')
		}
		return append(b, ']'), nil
	})
}

// teamFilter is the list's ?query= as a test of each team, tokenized as
// Sentry's search queries are: slug: and id: filter, free text matches
// name or slug, and unknown keys match nothing. On a bad query it answers
// the request and returns false.
func teamFilter(c *call, query string) (func(*team) bool, bool) {
	tokens := tokenizeQuery(query)
	keeps := make([]func(*team) bool, 0, len(tokens.keys))
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
		keeps = append(keeps, keep)
	}
	return func(t *team) bool {
		for _, keep := range keeps {
			if !keep(t) {
				return false
			}
		}
		return true
	}, true
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
		v, errs := slugField(true).clean(b["slug"])
		if errs != nil {
			fe.add("slug", errs...)
		}
		slug = v
	}
	if b.has("name") {
		v, errs := charField{maxLength: teamNameMaxSize, allowNull: true, allowBlank: true}.clean(b["name"])
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
		slug = uniqueSlug(name, func(s string) bool { return org.teamSlugs[s] != nil })
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
			tm := addTeamMember(c.s.st, m, t, nil)
			c.audit("member.join-team", tm.id, m.user, map[string]any{"email": m.email, "team_slug": t.slug})
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
		v, errs := charField{maxLength: teamNameMaxSize}.clean(b["name"])
		if errs != nil {
			fe.add("name", errs...)
		}
		name = v
	}
	if b.has("slug") {
		v, errs := slugField(false).clean(b["slug"])
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

// deleteTeam is DELETE /teams/{org}/{team}/, refused for teams the
// identity provider manages.
func deleteTeam(c *call) {
	t := c.team
	if t.idpProvisioned {
		c.detail(http.StatusForbidden, msgIdPManagedTeam)
		return
	}
	removeTeam(c, t)
}

// removeTeam is what both team deletions (REST and SCIM) do once allowed:
// the team is renamed out of the way, so its slug is free at once, and
// scheduled for deletion; the audit log gets team.remove and the answer
// is 204.
func removeTeam(c *call, t *team) {
	newSlug := t.slug + "-" + randomHex(32)
	if len(newSlug) > slugMaxLength {
		newSlug = newSlug[:slugMaxLength]
	}
	t.org.scheduleTeamDeletion(t, newSlug)
	c.audit("team.remove", t.id, nil, t.auditData())
	c.w.WriteHeader(http.StatusNoContent)
}
