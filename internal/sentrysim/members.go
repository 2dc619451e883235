package sentrysim

import (
	"cmp"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sentry's messages for the members endpoints.
const (
	msgInviteNotAllowed   = "Your organization is not allowed to invite members"
	msgInvalidEmail       = "Enter a valid email address."
	msgOrgRoleNotAllowed  = "You do not have permission to set that org-level role"
	msgInvalidTeams       = "Invalid teams"
	msgInvalidTeamRole    = "Invalid team-role"
	msgNotOnYourTeams     = "You cannot assign members to teams you are not a member of."
	msgInsufficientRole   = "You cannot remove a member who has more access than you."
	msgInsufficientScope  = "You are missing the member:admin scope."
	msgMemberInvite       = "You cannot modify invitations sent by someone else."
	msgEditWhenReinviting = "You cannot modify member details when resending an invitation. Separate requests are required."
	msgOnlyOwnerOrManager = "You cannot remove the only remaining owner or manager of the organization."
	msgUninvitable        = "You cannot send an invitation to a user who is already a full member."
	msgExpiredInvite      = "You cannot resend an expired invitation without regenerating the token."
	msgOwnRole            = "You cannot make changes to your own role."
	msgAssignGivenRole    = "You do not have permission to assign the given role."
	msgAssignToSuperior   = "You do not have permission to assign a role to the given user."
	msgIdPManagedMember   = "This user is managed through your organization's identity provider."

	// emailMaxLength is OrganizationMember.email's max_length.
	emailMaxLength = 75
	// inviteValidFor is INVITE_DAYS_VALID.
	inviteValidFor = 30 * 24 * time.Hour
)

var (
	// memberPermission is MemberPermission (MemberAndStaffPermission): the
	// members list and invites.
	memberPermission = &permission{
		name: "MemberPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("member:read", "member:write", "member:admin"),
			"POST":   scopesOf("member:write", "member:admin", "member:invite"),
			"PUT":    scopesOf("member:write", "member:admin"),
			"DELETE": scopesOf("member:admin"),
		},
	}
	// relaxedMemberPermission is RelaxedMemberPermission: one member's
	// details. DELETE asks for no more than member:read because members
	// may remove themselves; the endpoint compares roles instead.
	relaxedMemberPermission = &permission{
		name: "RelaxedMemberPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("member:read", "member:write", "member:admin"),
			"POST":   scopesOf("member:write", "member:admin"),
			"PUT":    scopesOf("member:invite", "member:write", "member:admin"),
			"DELETE": scopesOf("member:read", "member:write", "member:admin"),
		},
	}
	// organizationTeamMemberPermission is OrganizationTeamMemberPermission:
	// a member's membership of one team.
	organizationTeamMemberPermission = &permission{
		name: "OrganizationTeamMemberPermission",
		methods: map[string]scopeSet{
			"GET":  scopesOf("org:read", "org:write", "org:admin", "member:read", "member:write", "member:admin"),
			"POST": scopesOf("org:read", "org:write", "team:write"),
			"PUT": scopesOf("org:read", "org:write", "org:admin", "member:read", "member:write", "member:admin",
				"team:admin", "team:write"),
			"DELETE": scopesOf("org:read", "org:write", "org:admin", "team:admin"),
		},
	}
)

func (s *Server) registerMemberRoutes() {
	const (
		members    = "/organizations/{org}/members/"
		member     = "/organizations/{org}/members/{member}/"
		memberTeam = "/organizations/{org}/members/{member}/teams/{team}/"
	)
	s.register(route{method: http.MethodGet, pattern: members, name: "organization-members",
		perm: memberPermission, target: targetOrganization, handle: listMembers})
	s.register(route{method: http.MethodPost, pattern: members, name: "organization-members",
		perm: memberPermission, target: targetOrganization, handle: inviteMember})
	s.register(route{method: http.MethodGet, pattern: member, name: "organization-member-details",
		perm: relaxedMemberPermission, target: targetOrganization, handle: getMember})
	s.register(route{method: http.MethodPut, pattern: member, name: "organization-member-details",
		perm: relaxedMemberPermission, target: targetOrganization, handle: updateMember})
	s.register(route{method: http.MethodDelete, pattern: member, name: "organization-member-details",
		perm: relaxedMemberPermission, target: targetOrganization, handle: deleteMember})
	s.register(route{method: http.MethodGet, pattern: "/teams/{org}/{team}/members/", name: "team-members",
		perm: teamPermission, target: targetTeam, handle: listTeamMembers})
	s.register(route{method: http.MethodGet, pattern: memberTeam, name: "organization-member-team-details",
		perm: organizationTeamMemberPermission, target: targetOrganization, handle: getMemberTeam})
	s.register(route{method: http.MethodPost, pattern: memberTeam, name: "organization-member-team-details",
		perm: organizationTeamMemberPermission, target: targetOrganization, handle: addMemberToTeam})
	s.register(route{method: http.MethodPut, pattern: memberTeam, name: "organization-member-team-details",
		perm: organizationTeamMemberPermission, target: targetOrganization, handle: setMemberTeamRole})
	s.register(route{method: http.MethodDelete, pattern: memberTeam, name: "organization-member-team-details",
		perm: organizationTeamMemberPermission, target: targetOrganization, handle: removeMemberFromTeam})
}

// Role names and descriptions as Sentry's role settings spell them.
var (
	orgRoleInfo = map[*orgRole][2]string{
		orgRoleBilling: {"Billing", "Can manage subscription and billing details."},
		orgRoleMember:  {"Member", "Members can view and act on events, as well as view most other data within the organization."},
		orgRoleAdmin: {"Admin", "Admin privileges on any teams of which they're a member. They can create new teams and projects, " +
			"as well as remove teams and projects on which they already hold membership (or all teams, if open membership is enabled). " +
			"Additionally, they can manage memberships of teams that they are members of. They cannot invite members to the organization."},
		orgRoleManager: {"Manager", "Gains admin access on all teams as well as the ability to add and remove members."},
		orgRoleOwner: {"Owner", "Gains full permission across the organization. Can manage members as well as perform catastrophic " +
			"operations such as removing the organization."},
	}
	teamRoleInfo = map[*teamRole][3]string{
		teamRoleContributor: {"Contributor", "Contributors can view and act on events, as well as view most other data within the team's projects.", "member"},
		teamRoleAdmin: {"Team Admin", "Admin privileges on the team. They can create and remove projects, and can manage the team's memberships.",
			"admin"},
	}
)

// teamRolesAllowed is Role.is_team_roles_allowed: only SaaS's billing role
// may not hold team memberships.
func teamRolesAllowed(r *orgRole) bool { return r != orgRoleBilling }

// hasOrgWrite reports whether the role itself grants org:write (owners and
// managers), whatever a token allows.
func hasOrgWrite(r *orgRole) bool { return r.scopes.has("org:write") }

// currentEmail is OrganizationMember.get_email: the user's address once
// the invite is accepted, the invited address before.
func (m *member) currentEmail() string {
	if m.user != nil {
		return m.user.email
	}
	return m.email
}

// inviteExpired is OrganizationMember.token_expired.
func (m *member) inviteExpired(now time.Time) bool {
	return !m.inviteExpiresAt.IsZero() && !m.inviteExpiresAt.After(now)
}

// activeTeams is the member's teams that are not pending deletion, by id.
func (m *member) activeTeams() []*teamMembership {
	out := make([]*teamMembership, 0, len(m.teams))
	for _, tm := range m.teams {
		if tm.team.active() {
			out = append(out, tm)
		}
	}
	slices.SortFunc(out, func(a, b *teamMembership) int { return cmp.Compare(a.team.id, b.team.id) })
	return out
}

// auditData is OrganizationMember.get_audit_log_data(), for the members
// API and SCIM alike. A team pending deletion has lost its memberships
// already (scheduleTeamDeletion), so the active teams are all of them.
func (m *member) auditData() map[string]any {
	ids := []int64{}
	slugs := []string{}
	for _, tm := range m.activeTeams() {
		ids = append(ids, tm.team.id)
		slugs = append(slugs, tm.team.slug)
	}
	var userID any
	if m.user != nil {
		userID = m.user.id
	}
	return map[string]any{
		"email":             m.currentEmail(),
		"user":              userID,
		"teams":             ids,
		"teams_slugs":       slugs,
		"has_global_access": true,
		"role":              m.role.id,
		"invite_status":     "approved",
	}
}

// teamAuditData is OrganizationMemberTeam.get_audit_log_data().
func (tm *teamMembership) auditData() map[string]any {
	return map[string]any{
		"team_slug": tm.team.slug,
		"member_id": tm.member.id,
		"email":     tm.member.currentEmail(),
		"is_active": true,
	}
}

// isOnlyOwner is OrganizationMember.is_only_owner.
func (m *member) isOnlyOwner() bool {
	if m.role != orgRoleOwner {
		return false
	}
	for _, other := range m.org.members {
		if other != m && other.role == orgRoleOwner && other.user != nil && other.user.isActive {
			return false
		}
	}
	return true
}

// isOnlyMemberWithOrgWrite is OrganizationMember.is_only_member_with_org_write:
// the last joined owner or manager. Pending invites do not count.
func (m *member) isOnlyMemberWithOrgWrite() bool {
	if !hasOrgWrite(m.role) {
		return false
	}
	for _, other := range m.org.members {
		if other != m && hasOrgWrite(other.role) && other.user != nil && other.user.isActive {
			return false
		}
	}
	return true
}

// rolesToInvite is OrganizationMember.get_allowed_org_roles_to_invite: every
// role up to the member's own, retired ones included.
func (m *member) rolesToInvite() []*orgRole {
	var out []*orgRole
	for _, r := range orgRoles {
		if r.priority <= m.role.priority {
			out = append(out, r)
		}
	}
	return out
}

// allowedOrgRoles is get_allowed_org_roles: the roles the caller may hand
// out and take away. Without member:admin there are none, except when
// inviting; target, when given, is whose roles are listed (the member
// details GET passes the member being read, not the caller).
func allowedOrgRoles(c *call, target *member, creatingInvite bool) []*orgRole {
	if !creatingInvite && !c.access.scopes.has("member:admin") {
		return nil
	}
	if target == nil {
		u := c.user()
		if u == nil {
			return nil
		}
		if target = c.org.membersByUser[u.id]; target == nil {
			return nil
		}
	}
	return target.rolesToInvite()
}

// sortedMembers is every member of the organization by id. The slice is
// shared: callers must not change it. It is made once after each change to
// the member set (memberSetChanged) and reused by every reader until the
// next one, so a list of 10,000 members is not sorted per request.
func (o *organization) sortedMembers() []*member {
	if cached := o.memberOrder.Load(); cached != nil {
		return *cached
	}
	out := make([]*member, 0, len(o.members))
	for _, m := range o.members {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *member) int { return cmp.Compare(a.id, b.id) })
	// Readers share the lock, so two may sort at once; both get the same
	// order, and either result may stay.
	o.memberOrder.Store(&out)
	return out
}

// memberSetChanged drops the cached member order; every change to
// o.members calls it, under the write lock.
func (o *organization) memberSetChanged() { o.memberOrder.Store(nil) }

// memberByEmail finds a member by the user's address or, for a pending
// invite, the invited one; case does not matter.
func (o *organization) memberByEmail(email string) *member {
	for _, m := range o.sortedMembers() {
		if strings.EqualFold(m.currentEmail(), email) {
			return m
		}
	}
	return nil
}

// removeMember deletes a member with its team memberships and access
// requests; the user account stays.
func (o *organization) removeMember(m *member) {
	for teamID, tm := range m.teams {
		delete(tm.team.members, m.id)
		delete(m.teams, teamID)
	}
	for _, t := range o.teams {
		delete(t.accessRequests, m.id)
	}
	delete(o.members, m.id)
	o.memberSetChanged()
	if m.user != nil && o.membersByUser[m.user.id] == m {
		delete(o.membersByUser, m.user.id)
	}
}

// removeTeamMember takes a member off a team.
func removeTeamMember(tm *teamMembership) {
	delete(tm.member.teams, tm.team.id)
	delete(tm.team.members, tm.member.id)
}

// listedMember reports whether the members lists show m: pending invites
// and members whose user is active.
func listedMember(m *member) bool { return m.user == nil || m.user.isActive }

// Constant parts of member bodies, encoded once.
var (
	memberUserTail = mustFields(object{
		{"isSuperuser", false},
		{"isStaff", false},
		{"experiments", object{}},
		{"avatar", object{{"avatarType", "letter_avatar"}, {"avatarUuid", nil}, {"avatarUrl", nil}}},
	})
	// memberFlags holds a member body's flags by whether the member was
	// provisioned through SCIM, whether SCIM set its role, and whether it
	// linked its SSO identity.
	memberFlags = func() map[memberIdPFlags]rawJSON {
		m := make(map[memberIdPFlags]rawJSON, 8)
		for _, p := range []bool{false, true} {
			for _, r := range []bool{false, true} {
				for _, l := range []bool{false, true} {
					f := memberIdPFlags{provisioned: p, roleRestricted: r, ssoLinked: l}
					m[f] = memberFlagsBody(f)
				}
			}
		}
		return m
	}()
)

// memberIdPFlags are a member's idp:provisioned and idp:role-restricted
// flags.
type memberIdPFlags struct{ provisioned, roleRestricted, ssoLinked bool }

// memberFlagsBody is a member body's flags.
func memberFlagsBody(f memberIdPFlags) rawJSON {
	return mustJSON(object{
		{"idp:provisioned", f.provisioned},
		{"idp:role-restricted", f.roleRestricted},
		{"sso:linked", f.ssoLinked},
		{"sso:invalid", false},
		{"member-limit:restricted", false},
		{"partnership:restricted", false},
	})
}

// appendMemberUserBody writes the user as OrganizationMemberSerializer
// embeds it (UserSerializer without the emails).
func appendMemberUserBody(b []byte, u *user) []byte {
	return appendObject(b, func(w *objectWriter) {
		writeUserHead(w, u)
		w.boolean("isSuspended", false)
		w.boolean("hasPasswordAuth", u.hasPassword)
		w.boolean("isManaged", false)
		w.time("dateJoined", u.dateJoined)
		// UserSerializer (src/sentry/users/api/serializers/user.py):
		// last_login, has_2fa and last_active as the user has them.
		writeOptionalTime(w, "lastLogin", u.lastLogin)
		w.boolean("has2fa", u.has2FA)
		writeOptionalTime(w, "lastActive", u.lastActive)
		w.splice(memberUserTail)
	})
}

// writeUserHead writes the fields UserSerializer begins with, which both
// its forms (the audit log's and the member's) share.
func writeUserHead(w *objectWriter, u *user) {
	w.id(u.id)
	w.str("name", u.displayName())
	w.str("username", u.email)
	w.str("email", u.email)
	writeAvatarURL(w, u.email)
	w.boolean("isActive", u.isActive)
}

// writeOptionalTime writes a time, or null for nil.
func writeOptionalTime(w *objectWriter, key string, t *time.Time) {
	if t == nil {
		w.null(key)
		return
	}
	w.time(key, *t)
}

// writeMemberFields writes OrganizationMemberSerializer's fields.
func writeMemberFields(w *objectWriter, m *member, now time.Time) {
	email := m.currentEmail()
	w.id(m.id)
	w.str("email", email)
	if m.user != nil {
		w.str("name", m.user.displayName())
		w.key("user")
		w.b = appendMemberUserBody(w.b, m.user)
	} else {
		w.str("name", email)
		w.null("user")
	}
	w.str("orgRole", m.role.id)
	w.boolean("pending", m.pending)
	w.boolean("expired", m.inviteExpired(now))
	w.raw("flags", memberFlags[memberIdPFlags{m.idpProvisioned, m.idpRoleRestricted, m.ssoLinked}])
	w.time("dateCreated", m.dateCreated)
	w.str("inviteStatus", "approved")
	switch {
	case m.inviter != nil:
		w.str("inviterName", m.inviter.displayName())
	case m.inviterName != "":
		w.str("inviterName", m.inviterName)
	default:
		w.null("inviterName")
	}
	w.str("role", m.role.id)
	w.str("roleName", orgRoleInfo[m.role][0])
}

// memberBody is OrganizationMemberSerializer, as an object that endpoints
// extend with more fields.
func memberBody(m *member, now time.Time) object {
	w := objectWriter{}
	writeMemberFields(&w, m, now)
	return object{{"", encodedFields(w.b)}}
}

// memberDetailBody is OrganizationMemberWithRolesSerializer: the member
// with its teams and the role lists, isAllowed telling which org roles
// allowed holds.
func memberDetailBody(c *call, m *member, allowed []*orgRole) object {
	o := memberBody(m, c.s.now())
	slugs := []string{}
	memberships := []object{}
	for _, tm := range m.activeTeams() {
		slugs = append(slugs, tm.team.slug)
		var role any
		if tm.role != nil {
			role = tm.role.id
		}
		memberships = append(memberships, object{{"teamSlug", tm.team.slug}, {"role", role}})
	}
	teamRoleFeature := m.org.hasFeature("team-roles")
	orgRoleList := make([]object, 0, len(orgRoles))
	for _, r := range orgRoles {
		isAllowed := slices.Contains(allowed, r)
		info := orgRoleInfo[r]
		orgRoleList = append(orgRoleList, object{
			{"id", r.id},
			{"name", info[0]},
			{"desc", info[1]},
			{"scopes", r.scopes.names()},
			{"allowed", isAllowed},
			{"isAllowed", isAllowed},
			{"isRetired", teamRoleFeature && r.retired},
			{"isTeamRolesAllowed", teamRolesAllowed(r)},
			{"is_global", r.global},
			{"isGlobal", r.global},
			{"minimumTeamRole", r.minTeamRole.id},
		})
	}
	teamRoleList := make([]object, 0, len(teamRoles))
	for _, r := range teamRoles {
		info := teamRoleInfo[r]
		teamRoleList = append(teamRoleList, object{
			{"id", r.id},
			{"name", info[0]},
			{"desc", info[1]},
			{"scopes", r.scopes.names()},
			{"allowed", false},
			{"isAllowed", false},
			{"isRetired", false},
			{"isTeamRolesAllowed", true},
			{"isMinimumRoleFor", info[2]},
		})
	}
	return append(o,
		field{"teams", slugs},
		field{"teamRoles", memberships},
		field{"isOnlyOwner", m.isOnlyOwner()},
		field{"orgRoleList", orgRoleList},
		field{"roles", orgRoleList},
		field{"teamRoleList", teamRoleList},
		// The emulator sends no invitation emails, so it has no link to
		// give; Sentry's is null for joined members too.
		field{"invite_link", nil},
	)
}

// memberFromPath resolves the {member} path segment as
// OrganizationMemberEndpoint does: "me" or a member id; anything else, and
// an unknown id, is 404.
func memberFromPath(c *call) *member {
	raw := c.path("member")
	var m *member
	if raw == "me" {
		if u := c.user(); u != nil && u.isActive {
			m = c.org.membersByUser[u.id]
		}
	} else if id, ok := memberIDValue(raw); ok {
		m = c.org.members[id]
	}
	if m == nil {
		c.notFound()
		return nil
	}
	return m
}

// decimalSuffix is DRF IntegerField's re_decimal: a decimal point followed
// only by zeros is dropped before int().
var decimalSuffix = regexp.MustCompile(`\.0*\s*$`)

// memberIDValue is MemberIdField: a non-negative integer as DRF reads one.
func memberIDValue(raw string) (int64, bool) {
	id, ok := pythonInt(decimalSuffix.ReplaceAllString(raw, ""))
	return id, ok && id >= 0
}

// listMembers is GET /organizations/{org}/members/.
func listMembers(c *call) {
	q := c.r.URL.Query()
	keep := memberFilter(q.Get("query"))
	page, ok := paginateMatching(c, c.org.sortedMembers(), func(m *member) bool {
		return listedMember(m) && (keep == nil || keep(m))
	})
	if !ok {
		return
	}
	externalUsers := slices.Contains(q["expand"], "externalUsers")
	now := c.s.now()
	writeJSONBody(c.w, http.StatusOK, func(b []byte) ([]byte, error) {
		b = append(b, '[')
		for i, m := range page {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendObject(b, func(w *objectWriter) {
				writeMemberFields(w, m, now)
				if externalUsers {
					w.raw("externalUsers", emptyJSONList)
				}
			})
		}
		return append(b, ']'), nil
	})
}

// emptyJSONList is [].
var emptyJSONList = rawJSON("[]")

// memberFilter is the list's ?query= as Sentry applies it, as a test of
// each member (nil: no query): each key narrows the list, several values
// of one key widen it, free text matches the user's name or email or the
// invited address, and unknown keys match nothing.
func memberFilter(query string) func(*member) bool {
	if query == "" {
		return nil
	}
	tokens := tokenizeQuery(query)
	keeps := make([]func(*member) bool, 0, len(tokens.keys))
	for _, key := range tokens.keys {
		values := tokens.values[key]
		var keep func(*member) bool
		switch key {
		case "email":
			keep = func(m *member) bool {
				if m.user != nil {
					return slices.ContainsFunc(values, func(v string) bool { return strings.EqualFold(v, m.user.email) })
				}
				return slices.Contains(values, m.email)
			}
		case "id", "user.id":
			var ids []int64
			for _, v := range values {
				if isDecimal(v) {
					if id, err := strconv.ParseInt(v, 10, 64); err == nil {
						ids = append(ids, id)
					}
				}
			}
			byUser := key == "user.id"
			keep = func(m *member) bool {
				if byUser {
					return m.user != nil && slices.Contains(ids, m.user.id)
				}
				return slices.Contains(ids, m.id)
			}
		case "scope":
			wanted := scopesOf(values...)
			keep = func(m *member) bool { return m.role.scopes.hasAny(wanted) }
		case "role":
			keep = func(m *member) bool { return slices.Contains(values, m.role.id) }
		case "isInvited":
			invited := slices.Contains(values, "true")
			keep = func(m *member) bool { return (m.user == nil) == invited }
		case "ssoLinked":
			// src/sentry/core/endpoints/organization_member_index.py
			// filters on the sso:linked flag.
			want := slices.Contains(values, "true")
			keep = func(m *member) bool { return m.ssoLinked == want }
		case "hasExternalUsers":
			// Nobody here has an external user.
			want := slices.Contains(values, "true")
			keep = func(*member) bool { return !want }
		case "has2fa":
			// src/sentry/core/endpoints/organization_member_index.py asks
			// the user service for users
			// with an authenticator for "true", and with authenticator_types
			// None, which is every user of the organization, for "false":
			// both leave out pending invites, only "true" looks at 2FA.
			want := slices.Contains(values, "true")
			keep = func(m *member) bool { return m.user != nil && (!want || m.user.has2FA) }
		case "query":
			text := strings.ToLower(strings.Join(values, " "))
			keep = func(m *member) bool {
				if m.user != nil {
					return strings.Contains(strings.ToLower(m.user.email), text) ||
						strings.Contains(strings.ToLower(m.user.displayName()), text)
				}
				return strings.Contains(strings.ToLower(m.email), text)
			}
		default:
			keep = func(*member) bool { return false }
		}
		keeps = append(keeps, keep)
	}
	if len(keeps) == 1 {
		return keeps[0]
	}
	return func(m *member) bool {
		for _, keep := range keeps {
			if !keep(m) {
				return false
			}
		}
		return true
	}
}

// inviteMember is POST /organizations/{org}/members/.
func inviteMember(c *call) {
	// MemberPermission.has_object_permission (src/sentry/api/bases/
	// organizationmember.py; tests/sentry/api/bases/
	// test_organizationmember.py): when the organization disables member
	// invites, a POST needs more than member:invite, so members and
	// admins get DRF's plain 403, without a scope challenge.
	if c.org.disableMemberInvite && !c.access.hasAnyScope(scopesOf("member:write", "member:admin")) {
		c.forbidden()
		return
	}
	b, ok := readBody(c)
	if !ok {
		return
	}
	org := c.org
	// The role is read from the raw data before validation.
	assigned := orgRoleMember.id
	for _, name := range []string{"orgRole", "role"} {
		if v := b[name]; pythonTruthy(v) {
			assigned = pythonStr(v)
			break
		}
	}
	billingBypass := assigned == orgRoleBilling.id && org.hasFeature("invite-billing")
	if !billingBypass && !org.hasFeature("invite-members") {
		c.json(http.StatusForbidden, object{{"organization", msgInviteNotAllowed}})
		return
	}

	req, fe, err := parseMemberRequest(c, b, memberRequestContext{
		allowed:      allowedOrgRoles(c, nil, true),
		allowRetired: !org.hasFeature("team-roles"),
	})
	if err != nil {
		writeInternalError(c.w)
		return
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}

	teams := req.teams
	if len(req.teamRoles) > 0 {
		teams = nil
		for _, a := range req.teamRoles {
			teams = append(teams, a.team)
		}
	}
	hasTeams := len(req.teamRoles) > 0 || len(req.teams) > 0
	isMember := !c.access.scopes.has("member:admin") && c.access.scopes.has("member:invite")
	if isMember && !org.allowJoinLeave && hasTeams {
		// Without open membership, members invite only to their own teams.
		caller := c.access.member
		for _, t := range append(slices.Clone(teams), req.teams...) {
			if caller == nil || caller.teams[t.id] == nil {
				c.detail(http.StatusBadRequest, msgNotOnYourTeams)
				return
			}
		}
	}
	role := lookupOrgRole(assigned)
	if role == nil {
		// Only a role the serializer took gets here.
		writeInternalError(c.w)
		return
	}
	if hasTeams && !teamRolesAllowed(role) {
		c.json(http.StatusBadRequest, object{
			{"email", "The user with a '" + role.id + "' role cannot have team-level permissions."},
		})
		return
	}

	now := c.s.now()
	m := c.s.st.addInvite(org, req.email, role, now)
	m.inviter = c.user()
	if m.inviter != nil {
		m.inviterName = m.inviter.displayName()
	}
	// Team roles are not set on invite: the teams are joined with null.
	assignments := make([]teamAssignment, len(teams))
	for i, t := range teams {
		assignments[i] = teamAssignment{team: t}
	}
	saveTeamAssignments(c.s.st, m, assignments)
	c.audit("member.invite", m.id, nil, m.auditData())
	c.json(http.StatusCreated, memberBody(m, now))
}

// getMember is GET /organizations/{org}/members/{member}/.
func getMember(c *call) {
	m := memberFromPath(c)
	if m == nil {
		return
	}
	c.json(http.StatusOK, memberDetailBody(c, m, allowedOrgRoles(c, m, false)))
}

// updateMember is PUT /organizations/{org}/members/{member}/: a reinvite,
// or new teams and org role. The teams are saved before the role checks,
// so a refused role change may still have changed the teams, and a PUT
// that sends neither teamRoles nor teams takes the member off every team.
func updateMember(c *call) {
	m := memberFromPath(c)
	if m == nil {
		return
	}
	u := c.user()
	if u == nil {
		// An organization token has no user: Sentry answers a bare 400.
		c.w.Header().Set("Content-Type", "application/json")
		c.w.WriteHeader(http.StatusBadRequest)
		return
	}
	b, ok := readBody(c)
	if !ok {
		return
	}
	org := c.org
	allowed := allowedOrgRoles(c, nil, false)
	req, fe, err := parseMemberRequest(c, b, memberRequestContext{partial: true, allowed: allowed, allowRetired: true})
	if err != nil {
		writeInternalError(c.w)
		return
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}

	scopes := c.access.scopes
	if !scopes.has("member:admin") && scopes.has("member:invite") {
		// Members may only resend invites they sent themselves.
		if !m.pending || !req.reinviteOnly() {
			c.forbidden()
			return
		}
		if m.inviter != u {
			c.detail(http.StatusForbidden, msgMemberInvite)
			return
		}
	}

	if req.reinvite {
		reinviteMember(c, m, req, allowed)
		return
	}

	assigned := req.assignedRole()
	var assignments []teamAssignment
	teamsGiven := req.has("teamRoles") || req.has("teams")
	switch {
	case req.has("teamRoles"):
		assignments = req.teamRoles
		if !org.hasFeature("team-roles") {
			assignments = slices.Clone(assignments)
			for i := range assignments {
				assignments[i].role = nil
			}
		}
	case req.has("teams"):
		for _, t := range req.teams {
			assignments = append(assignments, teamAssignment{team: t})
		}
	}
	if len(assignments) > 0 || (!teamsGiven && len(m.activeTeams()) > 0) {
		newRole := m.role
		if assigned != "" {
			newRole = lookupOrgRole(assigned)
		}
		if !teamRolesAllowed(newRole) {
			c.detail(http.StatusBadRequest, "The user with a '"+newRole.id+"' role cannot have team-level permissions.")
			return
		}
	}
	added, removed := saveTeamAssignments(c.s.st, m, assignments)
	for _, tm := range added {
		c.audit("member.join-team", tm.id, m.user, map[string]any{"email": m.currentEmail(), "team_slug": tm.team.slug})
	}
	for _, tm := range removed {
		c.audit("member.leave-team", tm.id, m.user, map[string]any{"email": m.currentEmail(), "team_slug": tm.team.slug})
	}

	if assigned != "" && assigned != m.role.id {
		newRole := lookupOrgRole(assigned)
		switch {
		case !slices.Contains(allowed, newRole):
			c.json(http.StatusForbidden, object{{"role", msgAssignGivenRole}})
			return
		case !slices.Contains(allowed, m.role):
			c.json(http.StatusForbidden, object{{"role", msgAssignToSuperior}})
			return
		case m.user == u:
			c.detail(http.StatusBadRequest, msgOwnRole)
			return
		case org.hasFeature("team-roles") && newRole.retired:
			c.detail(http.StatusBadRequest, "The role '"+assigned+"' is deprecated and may no longer be assigned.")
			return
		}
		// Sentry means to null the team roles the new minimum makes
		// redundant here, but its loop never collects them: stored roles
		// stay as they were.
		m.role = newRole
	}
	c.audit("member.edit", m.id, m.user, m.auditData())
	c.json(http.StatusOK, memberDetailBody(c, m, allowed))
}

// reinviteMember is the reinvite branch of the member PUT.
func reinviteMember(c *call, m *member, req *memberRequest, allowed []*orgRole) {
	if !req.reinviteOnly() {
		c.detail(http.StatusForbidden, msgEditWhenReinviting)
		return
	}
	if !m.pending {
		// Without SSO there is nothing to resend to a joined member.
		c.detail(http.StatusBadRequest, msgUninvitable)
		return
	}
	now := c.s.now()
	if req.regenerate {
		if !c.access.scopes.has("member:admin") {
			c.detail(http.StatusBadRequest, msgInsufficientScope)
			return
		}
		m.inviteExpiresAt = now.Add(inviteValidFor)
	}
	if m.inviteExpired(now) {
		c.detail(http.StatusBadRequest, msgExpiredInvite)
		return
	}
	c.audit("member.reinvite", m.id, m.user, m.auditData())
	c.json(http.StatusOK, memberDetailBody(c, m, allowed))
}

// deleteMember is DELETE /organizations/{org}/members/{member}/.
func deleteMember(c *call) {
	m := memberFromPath(c)
	if m == nil {
		return
	}
	scopes := c.access.scopes
	if u := c.user(); u != nil {
		acting := c.org.membersByUser[u.id]
		if acting == nil {
			c.detail(http.StatusBadRequest, msgInsufficientRole)
			return
		}
		if acting != m {
			if !scopes.has("member:admin") {
				if scopes.has("member:invite") {
					withdrawOwnInvite(c, m, acting)
					return
				}
				c.detail(http.StatusBadRequest, msgInsufficientScope)
				return
			}
			if acting.role.priority < m.role.priority {
				c.detail(http.StatusBadRequest, msgInsufficientRole)
				return
			}
		}
	} else if !scopes.has("member:admin") {
		c.detail(http.StatusBadRequest, msgInsufficientScope)
		return
	}
	if m.isOnlyMemberWithOrgWrite() {
		c.detail(http.StatusForbidden, msgOnlyOwnerOrManager)
		return
	}
	if m.idpProvisioned {
		c.detail(http.StatusForbidden, msgIdPManagedMember)
		return
	}
	data := m.auditData()
	c.org.removeMember(m)
	if m.user != nil {
		// The invites the member sent go with it.
		for _, other := range c.org.sortedMembers() {
			if other.pending && other.inviter == m.user {
				c.org.removeMember(other)
			}
		}
	}
	c.audit("member.remove", m.id, m.user, data)
	c.w.WriteHeader(http.StatusNoContent)
}

// withdrawOwnInvite is how a member without member:admin deletes: only a
// pending invite it sent.
func withdrawOwnInvite(c *call, m, acting *member) {
	if !m.pending {
		c.detail(http.StatusBadRequest, msgInsufficientScope)
		return
	}
	if m.inviter == nil || m.inviter != acting.user {
		c.detail(http.StatusBadRequest, msgMemberInvite)
		return
	}
	data := m.auditData()
	c.org.removeMember(m)
	c.audit("member.remove", m.id, nil, data)
	c.w.WriteHeader(http.StatusNoContent)
}

// recordAudit adds an audit entry made outside a request, as a test
// control acting for a user, keeping the log in the order call.audit keeps.
func (s *Server) recordAudit(org *organization, actor *user, event string, target int64, targetUser *user, data map[string]any) {
	e := &auditEntry{
		id: s.st.newID(), actor: actor, event: event, ipAddress: "127.0.0.1",
		targetObject: target, targetUser: targetUser, data: data,
		dateCreated: s.now().Truncate(time.Microsecond),
	}
	i, _ := slices.BinarySearchFunc(org.audit, e, compareAudit)
	org.audit = slices.Insert(org.audit, i, e)
}
