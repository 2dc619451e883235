package sentrysim

import (
	"maps"
	"net/http"
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

// scimUserBody is OrganizationMemberSCIMSerializer with "active" expanded.
func scimUserBody(m *member) object {
	email := m.currentEmail()
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
			members[i] = object{{"value", strconv.FormatInt(m.id, 10)}, {"display", m.currentEmail()}}
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

// scimErrorJSON is sentry.utils.json.dumps of serializer errors, which
// Sentry sends as a SCIM error's detail: compact JSON.
func scimErrorJSON(errs object) string {
	b, err := appendJSON(nil, errs)
	if err != nil {
		return detailInternal
	}
	return string(b)
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
