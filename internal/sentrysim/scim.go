package sentrysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// SCIM v2 (Sentry's src/sentry/scim/endpoints/): Users are organization
// members, Groups are teams. The paths have no trailing slash, unlike the
// rest of the API.

const (
	scimPathPrefix = "/organizations/{org}/scim/v2/"

	scimSchemaError = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimSchemaList  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimSchemaUser  = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimSchemaGroup = "urn:ietf:params:scim:schemas:core:2.0:Group"

	// scimFeature switches SCIM on: in Sentry, the organization's SAML
	// provider with its scim_enabled flag.
	scimFeature = "sso-scim"

	// scimMaxPatchOps is the most operations one PATCH may carry.
	scimMaxPatchOps = 100
	// scimDefaultCount is the page size when the request names none.
	scimDefaultCount = 100

	msgSCIMUserNotFound    = "User not found."
	msgSCIMGroupNotFound   = "Group not found."
	msgSCIMTooManyOps      = "Too many patch ops sent, limit is 100."
	msgSCIMUnsupportedAttr = "Invalid Replace attr. Only displayName and members supported."
	msgSCIMInvalidPatch    = "Invalid Patch Operation."
	msgSCIMInvalidOrgRole  = "Invalid organization role."
	msgSCIMUserExists      = "User already exists in the database."
	msgSCIMOnlyOwner       = "You cannot remove the only remaining owner of the organization."

	// scimInviteLifetime is how long an invite stays valid (Sentry's
	// INVITE_DAYS_VALID).
	scimInviteLifetime = 30 * 24 * time.Hour
	// scimEmailMaxLength is the members serializer's limit on an email.
	scimEmailMaxLength = 75
)

// scimTokenScopes are the scopes Sentry gives the internal integration it
// creates when SCIM is enabled.
var scimTokenScopes = scopesOf("member:read", "member:write", "member:admin", "team:write", "team:admin")

var (
	// scimMemberPermission is OrganizationSCIMMemberPermission.
	scimMemberPermission = &permission{
		name: "OrganizationSCIMMemberPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("member:read", "member:write", "member:admin"),
			"POST":   scopesOf("member:write", "member:admin"),
			"PATCH":  scopesOf("member:write", "member:admin"),
			"PUT":    scopesOf("member:write", "member:admin"),
			"DELETE": scopesOf("member:admin"),
		},
	}
	// scimTeamPermission is OrganizationSCIMTeamPermission.
	scimTeamPermission = &permission{
		name: "OrganizationSCIMTeamPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("team:read", "team:write", "team:admin"),
			"POST":   scopesOf("team:write", "team:admin"),
			"PATCH":  scopesOf("team:write", "team:admin"),
			"DELETE": scopesOf("team:admin"),
		},
	}
)

func (s *Server) registerSCIMRoutes() {
	users, user := scimPathPrefix+"Users", scimPathPrefix+"Users/{member}"
	groups, group := scimPathPrefix+"Groups", scimPathPrefix+"Groups/{team}"
	// Sentry's member route only takes digits; anything else is no route.
	memberID := func(r *http.Request) bool { return isDecimal(r.PathValue("member")) }

	s.registerSCIM(route{method: http.MethodGet, pattern: users, name: "organization-scim-member-index",
		perm: scimMemberPermission, target: targetOrganization, handle: listSCIMUsers}, nil)
	s.registerSCIM(route{method: http.MethodPost, pattern: users, name: "organization-scim-member-index",
		perm: scimMemberPermission, target: targetOrganization, handle: createSCIMUser}, nil)
	s.registerSCIM(route{method: http.MethodGet, pattern: user, name: "organization-scim-member-details",
		perm: scimMemberPermission, target: targetOrganization, handle: getSCIMUser}, memberID)
	s.registerSCIM(route{method: http.MethodPatch, pattern: user, name: "organization-scim-member-details",
		perm: scimMemberPermission, target: targetOrganization, handle: patchSCIMUser}, memberID)
	s.registerSCIM(route{method: http.MethodDelete, pattern: user, name: "organization-scim-member-details",
		perm: scimMemberPermission, target: targetOrganization, handle: deleteSCIMUser}, memberID)

	s.registerSCIM(route{method: http.MethodGet, pattern: groups, name: "organization-scim-team-index",
		perm: scimTeamPermission, target: targetOrganization, handle: listSCIMGroups}, nil)
	s.registerSCIM(route{method: http.MethodPost, pattern: groups, name: "organization-scim-team-index",
		perm: scimTeamPermission, target: targetOrganization, handle: createSCIMGroup}, nil)
	s.registerSCIM(route{method: http.MethodGet, pattern: group, name: "organization-scim-team-details",
		perm: scimTeamPermission, target: targetOrganization, handle: getSCIMGroup}, nil)
	s.registerSCIM(route{method: http.MethodPatch, pattern: group, name: "organization-scim-team-details",
		perm: scimTeamPermission, target: targetOrganization, handle: patchSCIMGroup}, nil)
	s.registerSCIM(route{method: http.MethodDelete, pattern: group, name: "organization-scim-team-details",
		perm: scimTeamPermission, target: targetOrganization, handle: deleteSCIMGroup}, nil)
}

// registerSCIM is register for SCIM's slashless paths. match, when set,
// is the route's own pattern check: a path it refuses is no route at all.
func (s *Server) registerSCIM(rt route, match func(*http.Request) bool) {
	rtCopy := rt
	full := apiPrefix + rt.pattern
	s.mux.HandleFunc(rt.method+" "+full, func(w http.ResponseWriter, r *http.Request) {
		if match != nil && !match(r) {
			catchAll(w, r)
			return
		}
		s.serveRoute(w, r, &rtCopy)
	})
	fb, ok := s.fallbacks[full]
	if !ok {
		fb = &fallback{perm: rt.perm, name: rt.name}
		s.fallbacks[full] = fb
		s.mux.HandleFunc(full, func(w http.ResponseWriter, r *http.Request) {
			if match != nil && !match(r) {
				catchAll(w, r)
				return
			}
			s.serveFallback(w, r, fb)
		})
	}
	fb.methods = append(fb.methods, rt.method)
	if rt.method == http.MethodGet {
		fb.methods = append(fb.methods, http.MethodHead)
	}
}

// isSCIMPath reports whether an API path is under an organization's
// /scim/v2/, where Sentry's routes have no trailing slash.
func isSCIMPath(path string) bool {
	rest, ok := strings.CutPrefix(path, apiPrefix+"/organizations/")
	if !ok {
		return false
	}
	_, sub, ok := strings.Cut(rest, "/")
	return ok && strings.HasPrefix(sub, "scim/v2/")
}

// Test controls.

// ErrBadFeature is returned by SetFeature for a feature the emulator does
// not switch.
var ErrBadFeature = errors.New("sentrysim: no such feature")

// simFeatures are the plan features SetFeature turns on and off.
var simFeatures = []string{"team-roles", "sso-scim", "audit-log", "invite-members", "invite-billing"}

// SetFeature turns one of an organization's plan features on or off:
// "team-roles", "sso-scim" (SCIM provisioning), "audit-log",
// "invite-members" or "invite-billing".
func (s *Server) SetFeature(org, feature string, on bool) error {
	if !slices.Contains(simFeatures, feature) {
		return fmt.Errorf("%w: %q", ErrBadFeature, feature)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.lookupOrganization(org)
	if o == nil {
		return ErrNoOrganization
	}
	o.features[feature] = on
	return nil
}

// SCIMToken returns the organization's SCIM bearer token, the token of the
// internal integration Sentry creates when SCIM is enabled. The first call
// creates it; later calls return the same token. It panics for an unknown
// organization.
func (s *Server) SCIMToken(org string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.lookupOrganization(org)
	if o == nil {
		panic(fmt.Sprintf("sentrysim: no organization %q", org))
	}
	for _, t := range s.st.tokens {
		if t.kind == scimToken && t.org == o && !t.deactivated {
			return t.value
		}
	}
	t := &token{
		id: s.st.newID(), value: newTokenValue("sntryi_"), kind: scimToken, org: o,
		// Sentry's audit log names the integration's proxy user so.
		name:    "SCIM Internal Integration (" + randomHex(6) + ")",
		scopes:  scimTokenScopes,
		created: s.now(),
	}
	s.st.tokens[t.value] = t
	return t.value
}

// Responses.

// scimError is SCIMApiError's body.
func scimError(detail string) object {
	return object{{"schemas", []string{scimSchemaError}}, {"detail", detail}}
}

var scimInvalidFilter = object{{"schemas", []string{scimSchemaError}}, {"scimType", "invalidFilter"}}

// scimEnabled is OrganizationSCIMPermission's check that the organization
// has SCIM on; without it Sentry refuses as it refuses a missing scope.
func scimEnabled(c *call) bool {
	if !c.org.hasFeature(scimFeature) {
		c.forbidden()
		return false
	}
	return true
}

// scimEmail is OrganizationMember.get_email.
func scimEmail(m *member) string {
	if m.user != nil {
		return m.user.email
	}
	return m.email
}

// scimUserBody is OrganizationMemberSCIMSerializer with "active" expanded.
func scimUserBody(m *member) object {
	email := scimEmail(m)
	return object{
		{"schemas", []string{scimSchemaUser}},
		{"id", strconv.FormatInt(m.id, 10)},
		{"userName", email},
		{"name", object{{"givenName", "N/A"}, {"familyName", "N/A"}}},
		{"emails", []object{{{"primary", true}, {"value", email}, {"type", "work"}}}},
		{"meta", object{{"resourceType", "User"}}},
		{"sentryOrgRole", m.role.id},
		{"active", true},
	}
}

// scimGroupBody is TeamSCIMSerializer; members are listed unless
// excluded.
func scimGroupBody(t *team, withMembers bool) object {
	o := object{
		{"schemas", []string{scimSchemaGroup}},
		{"id", strconv.FormatInt(t.id, 10)},
		{"displayName", t.name},
		{"meta", object{{"resourceType", "Group"}}},
	}
	if withMembers {
		ids := slices.Sorted(maps.Keys(t.members))
		members := make([]object, len(ids))
		for i, id := range ids {
			m := t.members[id].member
			members[i] = object{{"value", strconv.FormatInt(m.id, 10)}, {"display", scimEmail(m)}}
		}
		o = append(o, field{"members", members})
	}
	return o
}

// Query parameters and lists.

// scimQuery is SCIMQueryParamSerializer's result.
type scimQuery struct {
	startIndex int64
	count      int64
	// filter is the filter's value; empty filters nothing, as in Sentry.
	filter   string
	excluded []string
}

// scimQueryLast is Django's QueryDict.get: the last value of a parameter.
func scimQueryLast(r *http.Request, name string) (string, bool) {
	values := r.URL.Query()[name]
	if len(values) == 0 {
		return "", false
	}
	return values[len(values)-1], true
}

// readSCIMQuery is SCIMEndpoint.get_query_parameters. A bad filter is 400
// with the SCIM invalidFilter body; other bad parameters are 400 with the
// serializer's field errors.
func readSCIMQuery(c *call) (*scimQuery, bool) {
	q := &scimQuery{startIndex: 1, count: scimDefaultCount}
	var fe fieldErrors
	readInt := func(name string, minimum int64, into *int64) {
		v, ok := scimQueryLast(c.r, name)
		if !ok || v == "" {
			// A blank optional parameter takes the default.
			return
		}
		n, ok := scimInteger(v)
		switch {
		case !ok:
			fe.add(name, "A valid integer is required.")
		case n < minimum:
			fe.add(name, "Ensure this value is greater than or equal to "+strconv.FormatInt(minimum, 10)+".")
		default:
			*into = n
		}
	}
	readInt("startIndex", 1, &q.startIndex)
	readInt("count", 0, &q.count)

	if raw, ok := scimQueryLast(c.r, "filter"); ok && raw != "" {
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || strings.ContainsRune(trimmed, 0) {
			c.json(http.StatusBadRequest, scimInvalidFilter)
			return nil, false
		}
		value, perr := parseSCIMFilter(trimmed)
		switch perr {
		case scimFilterInvalid:
			c.json(http.StatusBadRequest, scimInvalidFilter)
			return nil, false
		case scimFilterCrash:
			writeInternalError(c.w)
			return nil, false
		}
		q.filter = value
	}

	var blanks object
	for i, v := range c.r.URL.Query()["excludedAttributes"] {
		if strings.TrimSpace(v) == "" {
			blanks = append(blanks, field{strconv.Itoa(i), []string{msgBlank}})
			continue
		}
		q.excluded = append(q.excluded, strings.TrimSpace(v))
	}
	if blanks != nil {
		fe = append(fe, field{"excludedAttributes", blanks})
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return nil, false
	}
	return q, true
}

// scimInteger is DRF's IntegerField on a string: a trailing ".0" is
// allowed, then Python's int().
func scimInteger(s string) (int64, bool) {
	trimmed := strings.TrimRightFunc(s, unicode.IsSpace)
	if noZeros := strings.TrimRight(trimmed, "0"); strings.HasSuffix(noZeros, ".") {
		s = noZeros[:len(noZeros)-1]
	}
	return pythonInt(s)
}

type scimFilterError int

const (
	scimFilterOK scimFilterError = iota
	// scimFilterInvalid is SCIMFilterError: 400 invalidFilter.
	scimFilterInvalid
	// scimFilterCrash is a "value" filter whose value is not a number:
	// Sentry's int() raises, which is a 500.
	scimFilterCrash
)

// parseSCIMFilter is parse_filter_conditions: exactly `key eq "value"`,
// key one of userName, value or displayName. The quotes are not checked:
// the value's first and last characters are dropped, whatever they are.
func parseSCIMFilter(raw string) (string, scimFilterError) {
	if strings.Contains(raw, ",") {
		return "", scimFilterInvalid
	}
	parts := strings.Split(raw, " eq ")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", scimFilterInvalid
	}
	key := strings.TrimSpace(parts[0])
	runes := []rune(strings.TrimSpace(parts[1]))
	value := ""
	if len(runes) > 2 {
		value = string(runes[1 : len(runes)-1])
	}
	switch key {
	case "userName", "displayName":
		return value, scimFilterOK
	case "value":
		n, ok := pythonInt(value)
		if !ok {
			return "", scimFilterCrash
		}
		return strconv.FormatInt(n, 10), scimFilterOK
	default:
		return "", scimFilterInvalid
	}
}

// scimPage is SCIMEndpoint's paginate: an offset page from the 1-based
// startIndex, count long unless per_page overrides it. Sentry raises its
// per_page ceiling to count, so a count above 100 is honoured, and a page
// size of 0 fails its paginator's assertion (a 500).
func scimPage[T any](c *call, q *scimQuery, items []T) ([]T, bool) {
	perPage := q.count
	if v, ok := scimQueryLast(c.r, "per_page"); ok {
		n, ok := pythonInt(v)
		if !ok {
			c.detail(http.StatusBadRequest, "Invalid per_page parameter.")
			return nil, false
		}
		perPage = n
	}
	if ceiling := max(int64(maxPerPage), q.count); perPage > ceiling {
		c.detail(http.StatusBadRequest, "Invalid per_page value. Cannot exceed "+strconv.FormatInt(ceiling, 10)+".")
		return nil, false
	}
	if perPage <= 0 {
		writeInternalError(c.w)
		return nil, false
	}
	total := int64(len(items))
	lo := min(q.startIndex-1, total)
	hi := min(lo+perPage, total)
	return items[lo:hi], true
}

// scimList is SCIMEndpoint.list_api_format.
func scimList(q *scimQuery, total int, resources []object) object {
	return object{
		{"schemas", []string{scimSchemaList}},
		{"totalResults", total},
		{"startIndex", q.startIndex},
		{"itemsPerPage", len(resources)},
		{"Resources", resources},
	}
}

// readSCIMBody parses a request body as SCIM's content negotiation does:
// always as JSON, whatever the Content-Type says; without a Content-Type
// or a body, the data is an empty object.
func readSCIMBody(c *call) (any, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			c.detail(http.StatusRequestEntityTooLarge, "Request body too large.")
			return nil, false
		}
		c.detail(http.StatusBadRequest, "Could not read the request body.")
		return nil, false
	}
	if len(raw) == 0 || c.r.Header.Get("Content-Type") == "" {
		return map[string]any{}, true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.detail(http.StatusBadRequest, "JSON parse error - "+err.Error())
		return nil, false
	}
	if dec.More() {
		c.detail(http.StatusBadRequest, "JSON parse error - Extra data")
		return nil, false
	}
	return v, true
}

// scimErrorJSON is sentry.utils.json.dumps of serializer errors, which
// Sentry sends as a SCIM error's detail: compact JSON.
func scimErrorJSON(errs object) string {
	b, err := appendJSON(nil, errs)
	if err != nil {
		return detailInternal
	}
	return string(b)
}

// scimTypeName is type(v).__name__ for a parsed JSON value.
func scimTypeName(v any) string {
	if _, ok := v.(map[string]any); ok {
		return "dict"
	}
	return pythonTypeName(v)
}

// Users.

// scimMembers lists the members SCIM shows, ordered as Sentry's query
// orders them: by email, where joined members have none (so they come
// last), then by id. Members whose user is deactivated are left out.
func scimMembers(org *organization) []*member {
	out := make([]*member, 0, len(org.members))
	for _, m := range org.members {
		if m.user == nil || m.user.isActive {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *member) int {
		aJoined, bJoined := a.user != nil, b.user != nil
		switch {
		case aJoined != bJoined:
			if aJoined {
				return 1
			}
			return -1
		case !aJoined:
			if c := strings.Compare(a.email, b.email); c != 0 {
				return c
			}
		}
		return scimCompareIDs(a.id, b.id)
	})
	return out
}

func scimCompareIDs(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

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
		members = slices.DeleteFunc(members, func(m *member) bool { return !strings.EqualFold(scimEmail(m), q.filter) })
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

// scimTruthy is Python's truth value of a parsed JSON value.
func scimTruthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case json.Number:
		f, err := v.Float64()
		return err != nil || f != 0
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// createSCIMUser is POST /organizations/{org}/scim/v2/Users: a pending
// invite managed by the identity provider. Any role without org:admin may
// be given; a joined member's email is 409, an invited one's a 400.
func createSCIMUser(c *call) {
	if !scimEnabled(c) {
		return
	}
	raw, ok := readSCIMBody(c)
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
	if v := b["sentryOrgRole"]; scimTruthy(v) {
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
	email, _, errs := charField{maxLength: scimEmailMaxLength}.clean(b["userName"])
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
		pending: true, teams: make(map[int64]*teamMembership), idpProvisioned: true,
		inviterName: c.principal.token.name, inviteExpiresAt: now.Add(scimInviteLifetime),
	}
	if u := c.user(); u != nil {
		m.inviterName = u.name
	}
	c.org.members[m.id] = m
	c.org.memberSetChanged()
	c.audit("member.invite", m.id, nil, scimMemberAuditData(m))
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

// scimMemberAuditData is OrganizationMember.get_audit_log_data.
func scimMemberAuditData(m *member) map[string]any {
	ids := slices.Sorted(maps.Keys(m.teams))
	slugs := make([]string, len(ids))
	for i, id := range ids {
		slugs[i] = m.teams[id].team.slug
	}
	var userID any
	if m.user != nil {
		userID = m.user.id
	}
	return map[string]any{
		"email":             scimEmail(m),
		"user":              userID,
		"teams":             ids,
		"teams_slugs":       slugs,
		"has_global_access": true,
		"role":              m.role.id,
		"invite_status":     "approved",
	}
}

// scimIsOnlyOwner is OrganizationMember.is_only_owner.
func scimIsOnlyOwner(m *member) bool {
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

// scimDeleteMember is the SCIM endpoints' _delete_member: the membership
// is removed outright, with its teams.
func scimDeleteMember(c *call, m *member) bool {
	if scimIsOnlyOwner(m) {
		c.detail(http.StatusForbidden, msgSCIMOnlyOwner)
		return false
	}
	data := scimMemberAuditData(m)
	org := m.org
	for teamID, tm := range m.teams {
		delete(tm.team.members, m.id)
		delete(m.teams, teamID)
	}
	for _, t := range org.teams {
		delete(t.accessRequests, m.id)
	}
	delete(org.members, m.id)
	org.memberSetChanged()
	if m.user != nil && org.membersByUser[m.user.id] == m {
		delete(org.membersByUser, m.user.id)
	}
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
	raw, ok := readSCIMBody(c)
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
		return nil, object{{"non_field_errors", []string{"Invalid data. Expected a dictionary, but got " + scimTypeName(data) + "."}}}
	}
	var errs object
	if v, present := b["schemas"]; present {
		if list, lerr := scimListValue(v); lerr != nil {
			errs = append(errs, field{"schemas", lerr})
		} else {
			var itemErrs object
			for i, item := range list {
				if _, _, e := (charField{}).clean(item); e != nil {
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
		return nil, []string{`Expected a list of items but got type "` + scimTypeName(v) + `".`}
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
		return nil, object{{"non_field_errors", []string{"Invalid data. Expected a dictionary, but got " + scimTypeName(item) + "."}}}
	}
	out := make(map[string]any, 3)
	var errs object
	if v, present := raw["op"]; !present {
		errs = append(errs, field{"op", []string{msgRequired}})
	} else if op, _, e := (charField{}).clean(v); e != nil {
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
		if path, _, e := (charField{}).clean(v); e != nil {
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

// Groups.

// listSCIMGroups is GET /organizations/{org}/scim/v2/Groups. The filter
// value is slugified and matched against team slugs.
func listSCIMGroups(c *call) {
	if !scimEnabled(c) {
		return
	}
	q, ok := readSCIMQuery(c)
	if !ok {
		return
	}
	teams := c.org.activeBySlug
	if q.filter != "" {
		slug := djangoSlugify(q.filter)
		teams = slices.DeleteFunc(slices.Clone(teams), func(t *team) bool { return !strings.EqualFold(t.slug, slug) })
	}
	page, ok := scimPage(c, q, teams)
	if !ok {
		return
	}
	withMembers := !slices.Contains(q.excluded, "members")
	resources := make([]object, len(page))
	for i, t := range page {
		resources[i] = scimGroupBody(t, withMembers)
	}
	c.json(http.StatusOK, scimList(q, len(teams), resources))
}

// scimLookupTeam finds the active team a group path names, by id or slug;
// otherwise it answers Sentry's SCIM 404.
func scimLookupTeam(c *call) *team {
	if t := c.org.lookupTeam(c.path("team")); t != nil {
		return t
	}
	c.json(http.StatusNotFound, scimError(msgSCIMGroupNotFound))
	return nil
}

// getSCIMGroup is GET /organizations/{org}/scim/v2/Groups/{id}.
func getSCIMGroup(c *call) {
	if !scimEnabled(c) {
		return
	}
	t := scimLookupTeam(c)
	if t == nil {
		return
	}
	q, ok := readSCIMQuery(c)
	if !ok {
		return
	}
	c.json(http.StatusOK, scimGroupBody(t, !slices.Contains(q.excluded, "members")))
}

// scimPythonStr is str() of a parsed JSON scalar; ok is false for lists and
// objects.
func scimPythonStr(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case nil:
		return "None", true
	case bool:
		if v {
			return "True", true
		}
		return "False", true
	case json.Number:
		return pythonNumberString(v), true
	}
	return "", false
}

// createSCIMGroup is POST /organizations/{org}/scim/v2/Groups: a team
// named displayName, its slug the slugified name, managed by the identity
// provider and with no members. A taken slug is the teams endpoint's 409.
func createSCIMGroup(c *call) {
	if !scimEnabled(c) {
		return
	}
	raw, ok := readSCIMBody(c)
	if !ok {
		return
	}
	b, isObject := raw.(map[string]any)
	displayName, present := b["displayName"]
	if !isObject || !present {
		// Sentry reads request.data["displayName"] unchecked.
		writeInternalError(c.w)
		return
	}
	var fe fieldErrors
	var slug string
	// A list or object has no slug worth checking: its name is refused.
	if text, scalar := scimPythonStr(displayName); scalar {
		var errs []string
		slug, _, errs = slugField(true).clean(djangoSlugify(text))
		if errs != nil {
			fe.add("slug", errs...)
		}
	}
	name, _, errs := charField{maxLength: teamNameMaxSize, allowNull: true, allowBlank: true}.clean(displayName)
	if errs != nil {
		fe.add("name", errs...)
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}
	if c.org.teamSlugs[slug] != nil {
		c.json(http.StatusConflict, object{
			{"non_field_errors", []string{msgTeamSlugConflict}},
			{"detail", msgTeamSlugConflict},
		})
		return
	}
	if name == "" {
		name = slug
	}
	t := c.s.st.addTeam(c.org, slug, name, true, c.s.now())
	c.audit("team.create", t.id, nil, t.auditData())
	c.json(http.StatusCreated, scimGroupBody(t, true))
}

// deleteSCIMGroup is DELETE /organizations/{org}/scim/v2/Groups/{id}: the
// teams endpoint's deletion, allowed here for teams the identity provider
// manages.
func deleteSCIMGroup(c *call) {
	if !scimEnabled(c) {
		return
	}
	t := scimLookupTeam(c)
	if t == nil {
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

// scimFailure is a PATCH that stops: the status and body to answer, or a
// 500 when body is nil. rollback undoes what the PATCH changed, as
// Sentry's transaction does when an exception leaves it.
type scimFailure struct {
	status   int
	body     any
	rollback bool
}

func scimCrash() *scimFailure {
	return &scimFailure{status: http.StatusInternalServerError, rollback: true}
}

func (f *scimFailure) write(c *call) {
	if f.body == nil {
		writeInternalError(c.w)
		return
	}
	c.json(f.status, f.body)
}

// scimTeamSnapshot is what a group PATCH may change, kept to undo it.
type scimTeamSnapshot struct {
	t           *team
	name, slug  string
	provisioned bool
	members     map[int64]*teamMembership
	requests    map[int64]bool
	auditLen    int
}

func scimSnapshotTeam(t *team) *scimTeamSnapshot {
	return &scimTeamSnapshot{
		t: t, name: t.name, slug: t.slug, provisioned: t.idpProvisioned,
		members: maps.Clone(t.members), requests: maps.Clone(t.accessRequests),
		auditLen: len(t.org.audit),
	}
}

func (s *scimTeamSnapshot) restore() {
	t := s.t
	for id, tm := range t.members {
		if s.members[id] != tm {
			delete(tm.member.teams, t.id)
		}
	}
	t.members = maps.Clone(s.members)
	for _, tm := range s.members {
		tm.member.teams[t.id] = tm
	}
	t.accessRequests = maps.Clone(s.requests)
	t.name = s.name
	t.org.renameTeam(t, s.slug)
	t.idpProvisioned = s.provisioned
	t.org.audit = t.org.audit[:s.auditLen]
}

// patchSCIMGroup is PATCH /organizations/{org}/scim/v2/Groups/{id}, with
// at most 100 operations: add members, remove a member
// (`members[value eq "id"]`, or Azure's value list), replace the members,
// and rename (Okta's value object, or Azure's displayName path). Any PATCH
// marks the team as managed by the identity provider. Operations run in
// order inside one transaction: an unknown member (404) or a bad rename
// (400) undoes them all, while an unsupported replace path answers 400
// and keeps what came before it, as Sentry does.
func patchSCIMGroup(c *call) {
	if !scimEnabled(c) {
		return
	}
	t := scimLookupTeam(c)
	if t == nil {
		return
	}
	raw, ok := readSCIMBody(c)
	if !ok {
		return
	}
	if _, errs := validateSCIMPatch(raw, scimGroupPatchRules); errs != nil {
		c.json(http.StatusBadRequest, scimError(scimErrorJSON(errs)))
		return
	}
	// Sentry works on the operations as sent, not as validated.
	ops := raw.(map[string]any)["Operations"].([]any)
	if len(ops) > scimMaxPatchOps {
		c.json(http.StatusBadRequest, scimError(msgSCIMTooManyOps))
		return
	}
	// Removals are looked at before anything changes: a bad filter there
	// fails the whole PATCH untouched.
	for _, item := range ops {
		op := item.(map[string]any)
		if strings.ToLower(op["op"].(string)) != "remove" {
			continue
		}
		inPath, f := scimPathHasMembers(op)
		if f == nil && inPath {
			_, f = scimRemovedMemberID(op)
		}
		if f != nil {
			f.write(c)
			return
		}
	}

	snap := scimSnapshotTeam(t)
	t.idpProvisioned = true
	for _, item := range ops {
		f := applySCIMGroupOp(c, t, item.(map[string]any))
		if f == nil {
			continue
		}
		if f.rollback {
			snap.restore()
		}
		f.write(c)
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// applySCIMGroupOp carries out one group operation.
func applySCIMGroupOp(c *call, t *team, op map[string]any) *scimFailure {
	switch strings.ToLower(op["op"].(string)) {
	case "add":
		path, present := op["path"]
		if !present {
			return scimCrash()
		}
		if path == "members" {
			value, present := op["value"]
			if !present {
				return scimCrash()
			}
			return scimAddMembers(c, t, value)
		}
	case "remove":
		inPath, f := scimPathHasMembers(op)
		if f != nil || !inPath {
			return f
		}
		id, f := scimRemovedMemberID(op)
		if f != nil {
			return f
		}
		m, f := scimMemberByID(t.org, id)
		if f != nil {
			return f
		}
		if tm := m.teams[t.id]; tm != nil {
			c.audit("member.leave-team", tm.id, m.user, scimMembershipAuditData(tm))
			delete(t.members, m.id)
			delete(m.teams, t.id)
		}
	case "replace":
		path, present := op["path"]
		switch {
		case path == "members":
			value, present := op["value"]
			if !present {
				return scimCrash()
			}
			// The team's memberships go without audit entries; the new
			// set is added as members join.
			for id, tm := range t.members {
				delete(tm.member.teams, t.id)
				delete(t.members, id)
			}
			return scimAddMembers(c, t, value)
		case !present:
			value, isObject := op["value"].(map[string]any)
			if !isObject {
				return scimCrash()
			}
			name, present := value["displayName"]
			if !present {
				return scimCrash()
			}
			return scimRenameTeam(c, t, name)
		case path == "displayName":
			value, present := op["value"]
			if !present {
				return scimCrash()
			}
			return scimRenameTeam(c, t, value)
		default:
			return &scimFailure{status: http.StatusBadRequest, body: scimError(msgSCIMUnsupportedAttr)}
		}
	}
	return nil
}

// scimPathHasMembers is `"members" in operation["path"]`: the path must
// be there and be a string.
func scimPathHasMembers(op map[string]any) (bool, *scimFailure) {
	path, isString := op["path"].(string)
	if !isString {
		return false, scimCrash()
	}
	return strings.Contains(path, "members"), nil
}

var scimBracketFilter = regexp.MustCompile(`\[(.*?)\]`)

// scimRemovedMemberID is _get_member_id_for_remove_op: Azure's
// value[0].value, or the filter inside the path's brackets.
func scimRemovedMemberID(op map[string]any) (any, *scimFailure) {
	if value, present := op["value"]; present {
		list, isList := value.([]any)
		if !isList || len(list) == 0 {
			return nil, scimCrash()
		}
		first, isObject := list[0].(map[string]any)
		if !isObject {
			return nil, scimCrash()
		}
		id, present := first["value"]
		if !present {
			return nil, scimCrash()
		}
		return id, nil
	}
	path, _ := op["path"].(string)
	match := scimBracketFilter.FindStringSubmatch(path)
	if match == nil {
		return nil, &scimFailure{status: http.StatusBadRequest, body: scimInvalidFilter, rollback: true}
	}
	value, ferr := parseSCIMFilter(match[1])
	switch ferr {
	case scimFilterInvalid:
		return nil, &scimFailure{status: http.StatusBadRequest, body: scimInvalidFilter, rollback: true}
	case scimFilterCrash:
		return nil, scimCrash()
	}
	return value, nil
}

// scimMemberByID is OrganizationMember.objects.get(organization, id=v):
// Django turns v into an integer as int() would; an unknown member is
// SCIM's 404, a value int() refuses a 500.
func scimMemberByID(org *organization, v any) (*member, *scimFailure) {
	var id int64
	switch v := v.(type) {
	case nil:
		return nil, &scimFailure{status: http.StatusNotFound, body: scimError(msgSCIMUserNotFound), rollback: true}
	case json.Number:
		if n, err := v.Int64(); err == nil {
			id = n
		} else if f, err := v.Float64(); err == nil && !math.IsInf(f, 0) && math.Abs(f) < math.MaxInt64 {
			id = int64(f)
		} else {
			return nil, scimCrash()
		}
	case string:
		n, ok := pythonInt(v)
		if !ok {
			return nil, scimCrash()
		}
		id = n
	case bool:
		if v {
			id = 1
		}
	default:
		return nil, scimCrash()
	}
	m := org.members[id]
	if m == nil {
		return nil, &scimFailure{status: http.StatusNotFound, body: scimError(msgSCIMUserNotFound), rollback: true}
	}
	return m, nil
}

// scimAddMembers is _add_members_operation: each {"value": id} joins the
// team unless already on it.
func scimAddMembers(c *call, t *team, value any) *scimFailure {
	list, isList := value.([]any)
	if !isList {
		return scimCrash()
	}
	for _, item := range list {
		entry, isObject := item.(map[string]any)
		if !isObject {
			return scimCrash()
		}
		id, present := entry["value"]
		if !present {
			return scimCrash()
		}
		m, f := scimMemberByID(t.org, id)
		if f != nil {
			return f
		}
		if m.teams[t.id] != nil {
			continue
		}
		tm := addTeamMember(c.s.st, m, t, nil)
		c.audit("member.join-team", tm.id, m.user, scimMembershipAuditData(tm))
	}
	return nil
}

// scimMembershipAuditData is OrganizationMemberTeam.get_audit_log_data.
func scimMembershipAuditData(tm *teamMembership) map[string]any {
	return map[string]any{
		"team_slug": tm.team.slug,
		"member_id": tm.member.id,
		"email":     scimEmail(tm.member),
		"is_active": true,
	}
}

// scimRenameTeam is _rename_team_operation: the team details serializer
// with the new name and its slugified form, then a team.edit entry.
func scimRenameTeam(c *call, t *team, newName any) *scimFailure {
	var fe fieldErrors
	name, _, errs := charField{maxLength: teamNameMaxSize}.clean(newName)
	if errs != nil {
		fe.add("name", errs...)
	}
	if text, scalar := scimPythonStr(newName); scalar {
		slug, _, errs := slugField(false).clean(djangoSlugify(text))
		if errs == nil {
			if other := t.org.teamSlugs[slug]; other != nil && other != t {
				errs = []string{`The slug "` + slug + `" is already in use.`}
			}
		}
		if errs != nil {
			fe.add("slug", errs...)
		}
		if fe.empty() {
			t.name = name
			t.org.renameTeam(t, slug)
			c.audit("team.edit", t.id, nil, t.auditData())
			return nil
		}
	}
	return &scimFailure{status: http.StatusBadRequest, body: object(fe), rollback: true}
}
