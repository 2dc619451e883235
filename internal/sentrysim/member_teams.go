package sentrysim

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// listTeamMembers is GET /teams/{org}/{team}/members/, ordered as
// src/sentry/core/endpoints/team_members.py orders it:
// ("organizationmember__email", "id"). Only invitations keep an address
// in OrganizationMember.email (a joined member's is NULL, which
// PostgreSQL sorts last), and "id" is the OrganizationMemberTeam row's id,
// the membership, not the member.
func listTeamMembers(c *call) {
	t := c.team
	tms := make([]*teamMembership, 0, len(t.members))
	for _, tm := range t.members {
		if listedMember(tm.member) {
			tms = append(tms, tm)
		}
	}
	slices.SortFunc(tms, func(a, b *teamMembership) int {
		ap, bp := a.member.user == nil, b.member.user == nil
		switch {
		case ap && !bp:
			return -1
		case bp && !ap:
			return 1
		case ap && bp:
			if n := strings.Compare(a.member.email, b.member.email); n != 0 {
				return n
			}
		}
		return cmp.Compare(a.id, b.id)
	})
	page, ok := paginate(c, tms)
	if !ok {
		return
	}
	now := c.s.now()
	out := make([]object, len(page))
	for i, tm := range page {
		var role any
		if tm.role != nil {
			role = tm.role.id
		}
		out[i] = append(memberBody(tm.member, now), field{"teamRole", role}, field{"teamSlug", t.slug})
	}
	c.json(http.StatusOK, out)
}

// memberAndTeamFromPath resolves the member, then the team, of a team
// membership path.
func memberAndTeamFromPath(c *call) (*member, *team) {
	m := memberFromPath(c)
	if m == nil {
		return nil, nil
	}
	t := c.org.lookupTeam(c.path("team"))
	if t == nil {
		c.notFound()
		return nil, nil
	}
	return m, t
}

// canAdminTeam is can_admin_team: on the team, with team:write there or
// org:write or member:write.
func canAdminTeam(a *access, t *team) bool {
	if a.member == nil || a.member.teams[t.id] == nil {
		return false
	}
	return a.hasAnyTeamScope(t, scopesOf("team:write")) || a.scopes.has("org:write") || a.scopes.has("member:write")
}

// canSetTeamRole is can_set_team_role: a team admin, or a caller whose org
// role's minimum team role, or whose role on the team, reaches the role.
func canSetTeamRole(a *access, t *team, r *teamRole) bool {
	if canAdminTeam(a, t) {
		return true
	}
	if a.member == nil {
		return false
	}
	if a.member.role.minTeamRole.priority >= r.priority {
		return true
	}
	if tm := a.member.teams[t.id]; tm != nil && tm.effectiveRole().priority >= r.priority {
		return true
	}
	return false
}

func membershipBody(tm *teamMembership) object {
	var role any
	if tm.role != nil {
		role = tm.role.id
	}
	return object{{"isActive", true}, {"teamRole", role}}
}

// emptyResponse is a DRF Response with a status and no data.
func emptyResponse(c *call, status int) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
}

// getMemberTeam is GET /organizations/{org}/members/{member}/teams/{team}/.
func getMemberTeam(c *call) {
	m, t := memberAndTeamFromPath(c)
	if m == nil {
		return
	}
	tm := m.teams[t.id]
	if tm == nil {
		c.notFound()
		return
	}
	c.json(http.StatusOK, membershipBody(tm))
}

// addMemberToTeam is POST /organizations/{org}/members/{member}/teams/{team}/:
// 201 with the team, 204 when the member is already on it, 202 when the
// caller may not add members and an access request was made instead.
func addMemberToTeam(c *call) {
	m, t := memberAndTeamFromPath(c)
	if m == nil {
		return
	}
	if c.user() == nil {
		emptyResponse(c, http.StatusUnauthorized)
		return
	}
	if !teamRolesAllowed(m.role) {
		c.detail(http.StatusForbidden, "The user with a '"+m.role.id+"' role cannot have team-level permissions.")
		return
	}
	if m.teams[t.id] != nil {
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	if t.idpProvisioned {
		c.detail(http.StatusForbidden, msgIdPManagedTeam)
		return
	}
	if !c.access.global && !canAdminTeam(c.access, t) {
		t.accessRequests[m.id] = true
		emptyResponse(c, http.StatusAccepted)
		return
	}
	tm := addTeamMember(c.s.st, m, t, nil)
	c.audit("member.join-team", tm.id, m.user, tm.auditData())
	c.json(http.StatusCreated, teamBody(c, t, teamExpand{}))
}

// setMemberTeamRole is PUT /organizations/{org}/members/{member}/teams/{team}/.
func setMemberTeamRole(c *call) {
	m, t := memberAndTeamFromPath(c)
	if m == nil {
		return
	}
	tm := m.teams[t.id]
	if tm == nil {
		c.notFound()
		return
	}
	b, ok := readBody(c)
	if !ok {
		return
	}
	var fe fieldErrors
	if v, present := b["isActive"]; present {
		if _, errs := booleanField(v); errs != nil {
			fe.add("isActive", errs...)
		}
	}
	var newRole *teamRole
	if v, present := b["teamRole"]; present {
		name, isString := v.(string)
		switch {
		case v == nil:
			fe.add("teamRole", msgNull)
		case isString && lookupTeamRole(name) != nil:
			newRole = lookupTeamRole(name)
		default:
			fe.add("teamRole", invalidChoice(v))
		}
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}
	if newRole != nil && c.org.hasFeature("team-roles") {
		oldRole := tm.role
		if oldRole == nil {
			oldRole = m.role.minTeamRole
		}
		if !canSetTeamRole(c.access, t, newRole) || !canSetTeamRole(c.access, t, oldRole) {
			c.detail(http.StatusBadRequest, "You do not have permission to edit that user's membership.")
			return
		}
		// A role the org role already gives is stored as null.
		tm.role = nil
		if newRole.priority > m.role.minTeamRole.priority {
			tm.role = newRole
		}
		c.audit("member.edit", t.id, m.user, map[string]any{
			"email": m.currentEmail(), "role": m.role.id, "team_slug": t.slug, "team_role": newRole.id,
		})
	}
	c.json(http.StatusOK, membershipBody(tm))
}

// removeMemberFromTeam is DELETE /organizations/{org}/members/{member}/teams/{team}/:
// 200 with the team, whether or not the member was on it.
func removeMemberFromTeam(c *call) {
	m, t := memberAndTeamFromPath(c)
	if m == nil {
		return
	}
	if !canRemoveFromTeam(c, m, t) {
		c.detail(http.StatusBadRequest, "You do not have permission to edit that user's membership.")
		return
	}
	if t.idpProvisioned {
		c.detail(http.StatusForbidden, msgIdPManagedTeam)
		return
	}
	if tm := m.teams[t.id]; tm != nil {
		c.audit("member.leave-team", tm.id, m.user, tm.auditData())
		removeTeamMember(tm)
	}
	c.json(http.StatusOK, teamBody(c, t, teamExpand{}))
}

// canRemoveFromTeam is _can_delete: members may leave, owners and
// managers (by role, whatever the token) and team admins may remove.
func canRemoveFromTeam(c *call, m *member, t *team) bool {
	u := c.user()
	if u == nil {
		return false
	}
	if m.user == u {
		return true
	}
	if a := c.access; a.member != nil && hasOrgWrite(a.member.role) {
		return true
	}
	return canAdminTeam(c.access, t)
}
