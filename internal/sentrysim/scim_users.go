package sentrysim

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SCIM v2 Users: organization members as the identity provider sees them.

// listSCIMUsers is GET /organizations/{org}/scim/v2/Users. The filter
// matches the email without regard to case.
func listSCIMUsers(c *call) {
	if !scimEnabled(c) {
		return
	}
	q, ok := readSCIMQuery(c)
	if !ok {
		return
	}
	members := scimMembers(c.org)
	if q.filter != "" {
		members = slices.DeleteFunc(members, func(m *member) bool { return !strings.EqualFold(m.currentEmail(), q.filter) })
	}
	page, ok := scimPage(c, q, members)
	if !ok {
		return
	}
	resources := make([]object, len(page))
	for i, m := range page {
		resources[i] = scimUserBody(m)
	}
	c.json(http.StatusOK, scimList(q, len(members), resources))
}

// scimLookupMember is the member details endpoints' lookup: an unknown id
// is a SCIM 404 with DRF's not-found message.
func scimLookupMember(c *call) *member {
	id, err := strconv.ParseInt(c.path("member"), 10, 64)
	if err == nil {
		if m := c.org.members[id]; m != nil && (m.user == nil || m.user.isActive) {
			return m
		}
	}
	c.json(http.StatusNotFound, scimError(detailNotFound))
	return nil
}

// getSCIMUser is GET /organizations/{org}/scim/v2/Users/{id}.
func getSCIMUser(c *call) {
	if !scimEnabled(c) {
		return
	}
	if m := scimLookupMember(c); m != nil {
		c.json(http.StatusOK, scimUserBody(m))
	}
}

// createSCIMUser is POST /organizations/{org}/scim/v2/Users: a pending
// invite managed by the identity provider (idp:provisioned), its role
// flagged idp:role-restricted when sentryOrgRole set it. Any role without
// org:admin may be given; a joined member's email is 409, an invited
// one's a 400.
func createSCIMUser(c *call) {
	if !scimEnabled(c) {
		return
	}
	raw, ok := readRequestData(c, scimParsing)
	if !ok {
		return
	}
	b, isObject := raw.(map[string]any)
	if !isObject {
		// Sentry calls .get on whatever was sent.
		writeInternalError(c.w)
		return
	}
	roleID := orgRoleMember.id
	// A role the identity provider sends is locked to it.
	roleRestricted := pythonTruthy(b["sentryOrgRole"])
	if v := b["sentryOrgRole"]; roleRestricted {
		s, isString := v.(string)
		if !isString {
			writeInternalError(c.w)
			return
		}
		roleID = strings.ToLower(s)
	}
	role := lookupOrgRole(roleID)
	if role == nil || role.scopes.has("org:admin") {
		c.json(http.StatusBadRequest, scimError(msgSCIMInvalidOrgRole))
		return
	}

	// DRF runs every validator of the field: length and form.
	email, errs := charField{maxLength: scimEmailMaxLength}.clean(b["userName"])
	if email != "" && !scimValidEmail(email) {
		errs = append(errs, "Enter a valid email address.")
	}
	if errs == nil {
		errs = scimEmailConflict(c.org, email)
	}
	if errs != nil {
		if slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, "is already a member") }) {
			c.json(http.StatusConflict, scimError(msgSCIMUserExists))
			return
		}
		c.json(http.StatusBadRequest, scimError(scimErrorJSON(object{{"email", errs}})))
		return
	}

	now := c.s.now()
	m := &member{
		id: c.s.st.newID(), org: c.org, email: email, role: role, dateCreated: now,
		pending: true, teams: make(map[int64]*teamMembership), idpProvisioned: true, idpRoleRestricted: roleRestricted,
		inviterName: c.principal.token.name, inviteExpiresAt: now.Add(scimInviteLifetime),
	}
	if u := c.user(); u != nil {
		m.inviterName = u.name
	}
	c.org.members[m.id] = m
	c.org.memberSetChanged()
	c.audit("member.invite", m.id, nil, m.auditData())
	c.json(http.StatusCreated, scimUserBody(m))
}

// scimEmailConflict is the members serializer's validate_email: an invite
// to the email (matched exactly) or a member whose account has it (any
// case) is a conflict; the invite is reported first.
func scimEmailConflict(org *organization, email string) []string {
	invited, joined := false, false
	for _, m := range org.members {
		switch {
		case m.user == nil && m.email == email:
			invited = true
		case m.user != nil && m.user.isActive && strings.EqualFold(m.user.email, email):
			joined = true
		}
	}
	switch {
	case invited:
		return []string{"The user " + email + " has already been invited"}
	case joined:
		return []string{"The user " + email + " is already a member"}
	}
	return nil
}

var (
	scimEmailLocalPart = regexp.MustCompile(`^[-!#$%&'*+/=?^_` + "`" + `{}|~0-9A-Za-z]+(\.[-!#$%&'*+/=?^_` + "`" + `{}|~0-9A-Za-z]+)*$`)
	scimEmailDomain    = regexp.MustCompile(`^((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+)(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9]{1,59})\.?$`)
)

// scimValidEmail is Django's EmailValidator for the ASCII addresses
// identity providers send.
func scimValidEmail(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return false
	}
	local, domain := email[:at], email[at+1:]
	if !scimEmailLocalPart.MatchString(local) {
		return false
	}
	return domain == "localhost" || scimEmailDomain.MatchString(domain)
}

// scimDeleteMember is the SCIM endpoints' _delete_member: the membership
// is removed outright, with its teams.
func scimDeleteMember(c *call, m *member) bool {
	if m.isOnlyOwner() {
		c.detail(http.StatusForbidden, msgSCIMOnlyOwner)
		return false
	}
	data := m.auditData()
	m.org.removeMember(m)
	c.audit("member.remove", m.id, m.user, data)
	return true
}

// deleteSCIMUser is DELETE /organizations/{org}/scim/v2/Users/{id}.
func deleteSCIMUser(c *call) {
	if !scimEnabled(c) {
		return
	}
	m := scimLookupMember(c)
	if m == nil {
		return
	}
	if scimDeleteMember(c, m) {
		c.w.WriteHeader(http.StatusNoContent)
	}
}

// patchSCIMUser is PATCH /organizations/{org}/scim/v2/Users/{id}: the one
// operation Sentry supports sets active to false, which deletes the
// member. The first operation decides.
func patchSCIMUser(c *call) {
	if !scimEnabled(c) {
		return
	}
	m := scimLookupMember(c)
	if m == nil {
		return
	}
	raw, ok := readRequestData(c, scimParsing)
	if !ok {
		return
	}
	ops, errs := validateSCIMPatch(raw, scimUserPatchRules)
	if errs != nil {
		c.json(http.StatusBadRequest, scimError(scimErrorJSON(errs)))
		return
	}
	if len(ops) == 0 {
		c.json(http.StatusOK, scimUserBody(m))
		return
	}
	if !scimDeactivates(ops[0]) {
		c.json(http.StatusBadRequest, scimError(msgSCIMInvalidPatch))
		return
	}
	if scimDeleteMember(c, m) {
		c.w.WriteHeader(http.StatusNoContent)
	}
}

// scimBool is resolve_maybe_bool_value: a boolean, or the strings "true"
// and "false" in any case; ok is false for anything else.
func scimBool(v any) (value, ok bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(v) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// scimDeactivates is _should_delete_member: Okta's
// {"value": {"active": false}} or the path form {"path": "active",
// "value": false}.
func scimDeactivates(op map[string]any) bool {
	if value, isObject := op["value"].(map[string]any); isObject {
		if active, ok := scimBool(value["active"]); ok && !active {
			return true
		}
	}
	if op["path"] == "active" {
		if active, ok := scimBool(op["value"]); ok && !active {
			return true
		}
	}
	return false
}

// PATCH bodies.

// scimPatchRules describe one of Sentry's PatchOp serializers.
type scimPatchRules struct {
	schemasRequired bool
	ops             []string
	// userValue is the members serializer's value: required, a boolean
	// or an object. Otherwise value is any JSON but null, and optional.
	userValue bool
	// maxOps is the serializer's own limit on Operations; 0 for none.
	maxOps int
}

var (
	scimUserPatchRules  = scimPatchRules{ops: []string{"replace"}, userValue: true, maxOps: scimMaxPatchOps}
	scimGroupPatchRules = scimPatchRules{schemasRequired: true, ops: []string{"add", "remove", "replace"}}
)

// validateSCIMPatch runs a PatchOp serializer over a body and returns the
// validated operations, or the serializer's errors.
func validateSCIMPatch(data any, rules scimPatchRules) ([]map[string]any, object) {
	if data == nil {
		return nil, object{{"non_field_errors", []string{msgNull}}}
	}
	b, isObject := data.(map[string]any)
	if !isObject {
		return nil, object{{"non_field_errors", []string{"Invalid data. Expected a dictionary, but got " + pythonTypeName(data) + "."}}}
	}
	var errs object
	if v, present := b["schemas"]; present {
		if list, lerr := scimListValue(v); lerr != nil {
			errs = append(errs, field{"schemas", lerr})
		} else {
			var itemErrs object
			for i, item := range list {
				if _, e := (charField{}).clean(item); e != nil {
					itemErrs = append(itemErrs, field{strconv.Itoa(i), e})
				}
			}
			if itemErrs != nil {
				errs = append(errs, field{"schemas", itemErrs})
			}
		}
	} else if rules.schemasRequired {
		errs = append(errs, field{"schemas", []string{msgRequired}})
	}

	var ops []map[string]any
	v, present := b["Operations"]
	switch {
	case !present:
		errs = append(errs, field{"Operations", []string{msgRequired}})
	default:
		list, lerr := scimListValue(v)
		if lerr != nil {
			errs = append(errs, field{"Operations", lerr})
			break
		}
		var itemErrs object
		for i, item := range list {
			op, e := validateSCIMOperation(item, rules)
			if e != nil {
				itemErrs = append(itemErrs, field{strconv.Itoa(i), e})
				continue
			}
			ops = append(ops, op)
		}
		switch {
		case itemErrs != nil:
			errs = append(errs, field{"Operations", itemErrs})
		case rules.maxOps > 0 && len(list) > rules.maxOps:
			errs = append(errs, field{"Operations", []string{"Ensure this field has no more than " + strconv.Itoa(rules.maxOps) + " elements."}})
		}
	}
	if errs != nil {
		return nil, errs
	}
	return ops, nil
}

// scimListValue is DRF's ListField check that a value is a list.
func scimListValue(v any) ([]any, []string) {
	switch v := v.(type) {
	case nil:
		return nil, []string{msgNull}
	case []any:
		return v, nil
	default:
		return nil, []string{`Expected a list of items but got type "` + pythonTypeName(v) + `".`}
	}
}

// validateSCIMOperation is the operation serializer: op, value and path.
// The errors are a list for a null item, else an object by field.
func validateSCIMOperation(item any, rules scimPatchRules) (map[string]any, any) {
	if item == nil {
		return nil, []string{msgNull}
	}
	raw, isObject := item.(map[string]any)
	if !isObject {
		return nil, object{{"non_field_errors", []string{"Invalid data. Expected a dictionary, but got " + pythonTypeName(item) + "."}}}
	}
	out := make(map[string]any, 3)
	var errs object
	if v, present := raw["op"]; !present {
		errs = append(errs, field{"op", []string{msgRequired}})
	} else if op, e := (charField{}).clean(v); e != nil {
		errs = append(errs, field{"op", e})
	} else if op = strings.ToLower(op); !slices.Contains(rules.ops, op) {
		errs = append(errs, field{"op", []string{`"` + op + `" is not a valid choice`}})
	} else {
		out["op"] = op
	}

	v, present := raw["value"]
	switch {
	case !present && rules.userValue:
		errs = append(errs, field{"value", []string{msgRequired}})
	case !present:
	case v == nil:
		errs = append(errs, field{"value", []string{msgNull}})
	case rules.userValue:
		if _, isObject := v.(map[string]any); isObject {
			out["value"] = v
		} else if b, ok := scimBool(v); ok {
			out["value"] = b
		} else {
			errs = append(errs, field{"value", []string{"value must be a boolean or object"}})
		}
	default:
		out["value"] = v
	}

	if v, present := raw["path"]; present {
		if path, e := (charField{}).clean(v); e != nil {
			errs = append(errs, field{"path", e})
		} else {
			out["path"] = path
		}
	}
	if errs != nil {
		return nil, errs
	}
	return out, nil
}
