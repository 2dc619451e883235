package sentrysim

import (
	"cmp"
	"errors"
	"net"
	"regexp"
	"slices"
	"strings"
)

// teamAssignment is one team of a request's teamRoles, with the role sent
// (nil for null).
type teamAssignment struct {
	team *team
	role *teamRole
}

// memberRequest is OrganizationMemberRequestSerializer's validated data.
type memberRequest struct {
	// fields holds the name of every field in the validated data: those
	// sent, and on a full (not partial) validation those with defaults.
	fields     map[string]bool
	email      string
	role       string
	orgRole    string
	teams      []*team
	teamRoles  []teamAssignment
	reinvite   bool
	regenerate bool
}

func (r *memberRequest) has(name string) bool { return r.fields[name] }

// assignedRole is `result.get("orgRole") or result.get("role")`.
func (r *memberRequest) assignedRole() string {
	if r.orgRole != "" {
		return r.orgRole
	}
	return r.role
}

// reinviteOnly reports whether the data holds nothing but reinvite and
// regenerate.
func (r *memberRequest) reinviteOnly() bool {
	for name := range r.fields {
		if name != "reinvite" && name != "regenerate" {
			return false
		}
	}
	return true
}

// memberRequestContext is the serializer's context.
type memberRequestContext struct {
	partial      bool
	allowed      []*orgRole
	allowRetired bool
}

// errSerializerRaised marks input that makes Sentry's serializer raise
// rather than report a field error: a 500.
var errSerializerRaised = errors.New("sentrysim: the serializer raised")

// parseMemberRequest runs OrganizationMemberRequestSerializer over a body.
// Field errors come back in the serializer's field order.
func parseMemberRequest(c *call, b body, ctx memberRequestContext) (*memberRequest, fieldErrors, error) {
	var fe fieldErrors
	req := &memberRequest{fields: make(map[string]bool)}
	org := c.org

	switch v, present := b["email"]; {
	case present:
		req.fields["email"] = true
		email, errs := emailField(v)
		if errs == nil {
			errs = validateInviteEmail(org, email)
		}
		if errs != nil {
			fe.add("email", errs...)
		}
		req.email = email
	case !ctx.partial:
		fe.add("email", msgRequired)
	}

	// role (deprecated) and orgRole default to member; DRF validates a
	// default like a value sent.
	for _, name := range []string{"role", "orgRole"} {
		v, present := b[name]
		if !present && ctx.partial {
			continue
		}
		req.fields[name] = true
		role, errs := orgRoleMember.id, []string(nil)
		if present {
			role, errs = orgRoleChoice(v)
		}
		if errs == nil {
			errs = validateOrgRole(org, role, ctx)
		}
		if errs != nil {
			fe.add(name, errs...)
		}
		if name == "role" {
			req.role = role
		} else {
			req.orgRole = role
		}
	}

	if v, present := b["teams"]; present {
		req.fields["teams"] = true
		list, errs := listField(v, false)
		if errs == nil {
			req.teams, errs = validateTeamSlugs(org, list)
		}
		if errs != nil {
			fe.add("teams", errs...)
		}
	} else if !ctx.partial {
		req.fields["teams"] = true
	}

	if v, present := b["teamRoles"]; present {
		req.fields["teamRoles"] = true
		list, errs := listField(v, true)
		if errs == nil {
			if list == nil {
				// validate_teamRoles iterates over None.
				return nil, nil, errSerializerRaised
			}
			var err error
			if req.teamRoles, errs, err = validateTeamRoles(org, list); err != nil {
				return nil, nil, err
			}
		}
		if errs != nil {
			fe.add("teamRoles", errs...)
		}
	} else if !ctx.partial {
		req.fields["teamRoles"] = true
	}

	for _, name := range []string{"sendInvite", "reinvite", "regenerate"} {
		v, present := b[name]
		if !present {
			if name == "sendInvite" && !ctx.partial {
				req.fields[name] = true
			}
			continue
		}
		req.fields[name] = true
		flag, errs := booleanField(v)
		if errs != nil {
			fe.add(name, errs...)
			continue
		}
		switch name {
		case "reinvite":
			req.reinvite = flag
		case "regenerate":
			req.regenerate = flag
		}
	}
	return req, fe, nil
}

// emailField is AllowedEmailField(max_length=75): a trimmed string that
// Django's EmailValidator accepts.
func emailField(v any) (string, []string) {
	return charField{maxLength: emailMaxLength, check: validEmail, checkMessage: msgInvalidEmail}.clean(v)
}

// Django's EmailValidator patterns; the domain's last label may not end
// with a hyphen, which Go's regexp cannot say, so validEmail checks it.
var (
	emailUserPattern = regexp.MustCompile("(?i)^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*" +
		`|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$`)
	emailDomainPattern = regexp.MustCompile(`(?i)^(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9-]{2,63}$`)
)

// validEmail is Django's EmailValidator, whose allowlist takes localhost.
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || len(s) > 320 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if !emailUserPattern.MatchString(local) {
		return false
	}
	if domain == "localhost" {
		return true
	}
	if emailDomainPattern.MatchString(domain) && !strings.HasSuffix(domain, "-") {
		return true
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		literal := strings.TrimPrefix(domain[1:len(domain)-1], "IPv6:")
		return net.ParseIP(literal) != nil
	}
	return false
}

// validateInviteEmail is validate_email: an address already invited or
// joined is refused. (The emulator keeps no invite or join requests, which
// Sentry also checks for.)
func validateInviteEmail(org *organization, email string) []string {
	for _, m := range org.sortedMembers() {
		if !strings.EqualFold(m.currentEmail(), email) {
			continue
		}
		if m.user == nil {
			return []string{"The user " + email + " has already been invited"}
		}
		return []string{"The user " + email + " is already a member"}
	}
	return nil
}

// invalidChoice is ChoiceField's message: DRF formats the parsed input
// into it, so a number is written as Python's str() writes the int or
// float (1.50 as 1.5).
func invalidChoice(v any) string {
	return `"` + pythonStr(v) + `" is not a valid choice.`
}

// orgRoleChoice is the role fields' ChoiceField, which looks str() of the
// input up among the choices.
func orgRoleChoice(v any) (string, []string) {
	if v == nil {
		return "", []string{msgNull}
	}
	if s := pythonStr(v); lookupOrgRole(s) != nil {
		return s, nil
	}
	return "", []string{invalidChoice(v)}
}

// validateOrgRole is validate_orgRole.
func validateOrgRole(org *organization, role string, ctx memberRequestContext) []string {
	if role == orgRoleBilling.id && org.hasFeature("invite-billing") {
		return nil
	}
	r := lookupOrgRole(role)
	if !slices.Contains(ctx.allowed, r) {
		return []string{msgOrgRoleNotAllowed}
	}
	if !ctx.allowRetired && r.retired {
		return []string{"The role '" + role + "' is deprecated and may no longer be assigned."}
	}
	return nil
}

// listField is DRF's ListField: a JSON array. A null is returned as a nil
// slice where allowNull.
func listField(v any, allowNull bool) ([]any, []string) {
	switch v := v.(type) {
	case nil:
		if allowNull {
			return nil, nil
		}
		return nil, []string{msgNull}
	case []any:
		return v, nil
	default:
		return nil, []string{`Expected a list of items but got type "` + pythonTypeName(v) + `".`}
	}
}

// validateTeamSlugs is validate_teams: every slug must name an active team,
// once.
func validateTeamSlugs(org *organization, slugs []any) ([]*team, []string) {
	var teams []*team
	seen := make(map[*team]bool)
	for _, v := range slugs {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if t := org.teamSlugs[s]; t != nil && t.active() && !seen[t] {
			seen[t] = true
			teams = append(teams, t)
		}
	}
	if len(teams) != len(slugs) {
		return nil, []string{msgInvalidTeams}
	}
	// The database hands the teams back in id order.
	slices.SortFunc(teams, func(a, b *team) int { return cmp.Compare(a.id, b.id) })
	return teams, nil
}

// validateTeamRoles is validate_teamRoles: roles first, then teams. Items
// that are not objects with "role" and "teamSlug" make Sentry raise.
func validateTeamRoles(org *organization, items []any) ([]teamAssignment, []string, error) {
	rolesBySlug := make(map[string]*teamRole)
	slugs := make([]any, 0, len(items))
	badRole := false
	for _, item := range items {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, nil, errSerializerRaised
		}
		role, ok := obj["role"]
		if !ok {
			return nil, nil, errSerializerRaised
		}
		switch role := role.(type) {
		case nil:
		case string:
			if lookupTeamRole(role) == nil {
				badRole = true
			}
		case []any, map[string]any:
			return nil, nil, errSerializerRaised // unhashable
		default:
			badRole = true
		}
	}
	if badRole {
		return nil, []string{msgInvalidTeamRole}, nil
	}
	for _, item := range items {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, nil, errSerializerRaised
		}
		slug, ok := obj["teamSlug"]
		if !ok {
			return nil, nil, errSerializerRaised
		}
		slugs = append(slugs, slug)
		if s, isString := slug.(string); isString {
			var r *teamRole
			if name, isName := obj["role"].(string); isName {
				r = lookupTeamRole(name)
			}
			rolesBySlug[s] = r
		}
	}
	teams, errs := validateTeamSlugs(org, slugs)
	if errs != nil {
		return nil, errs, nil
	}
	out := make([]teamAssignment, len(teams))
	for i, t := range teams {
		out[i] = teamAssignment{team: t, role: rolesBySlug[t.slug]}
	}
	return out, nil, nil
}

// saveTeamAssignments is save_team_assignments: the member's teams become
// exactly the given ones, with the given roles. Sentry deletes the old
// memberships and creates new ones, so every membership gets a new id. It
// returns the memberships made for teams joined, and the old ones of teams
// left, which the audit entries name.
func saveTeamAssignments(st *store, m *member, assignments []teamAssignment) (added, removed []*teamMembership) {
	old := make(map[int64]*teamMembership, len(m.teams))
	for id, tm := range m.teams {
		old[id] = tm
		removeTeamMember(tm)
	}
	for _, a := range assignments {
		tm := addTeamMember(st, m, a.team, a.role)
		if old[a.team.id] == nil {
			added = append(added, tm)
		}
	}
	for id, tm := range old {
		if m.teams[id] == nil {
			removed = append(removed, tm)
		}
	}
	slices.SortFunc(removed, func(a, b *teamMembership) int { return cmp.Compare(a.team.id, b.team.id) })
	return added, removed
}
