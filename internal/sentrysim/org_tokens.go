package sentrysim

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

const (
	msgTokenNameBlank   = "The name cannot be blank."
	msgTokenNameTooLong = "The name cannot be longer than 255 characters."
	// orgTokenNameMaxLength is OrgAuthToken's MAX_NAME_LENGTH.
	orgTokenNameMaxLength = 255
	// orgCITokenName names the token OrgCIToken hands out.
	orgCITokenName = "sentrysim org:ci" //nolint:gosec // A token's display name, not a credential.
)

// orgTokenScopes is what every organization auth token gets, whatever the
// request asked for.
var orgTokenScopes = scopesOf("org:ci")

// orgAuthTokenPermission is OrgAuthTokenPermission: members may list,
// create and rename tokens; deleting one takes org:write.
var orgAuthTokenPermission = &permission{
	name: "OrgAuthTokenPermission",
	methods: map[string]scopeSet{
		"GET":    scopesOf("org:read", "org:write", "org:admin"),
		"POST":   scopesOf("org:read", "org:write", "org:admin"),
		"PUT":    scopesOf("org:read", "org:write", "org:admin"),
		"DELETE": scopesOf("org:write", "org:admin"),
	},
}

// registerOrgTokenRoutes adds the organization auth token endpoints
// (src/sentry/api/endpoints/organization_auth_tokens.py and
// organization_auth_token_details.py). Since getsentry/sentry PR #99457
// (sentry.io 2025-09, self-hosted 25.10) both declare
// authentication_classes = (SessionNoAuthTokenAuthentication,): only a
// signed-in browser session may list, mint, read, rename or revoke a
// token, and every bearer request meets refuseSessionOnly's 403. With
// Options.LegacyOrgTokens they answer bearer tokens as older releases did.
func (s *Server) registerOrgTokenRoutes() {
	for _, rt := range []route{
		{method: http.MethodGet, pattern: "/organizations/{org}/org-auth-tokens/", name: "org-auth-tokens", handle: listOrgTokens},
		{method: http.MethodPost, pattern: "/organizations/{org}/org-auth-tokens/", name: "org-auth-tokens", handle: createOrgToken},
		{method: http.MethodGet, pattern: "/organizations/{org}/org-auth-tokens/{tokenId}/", name: "org-auth-token-details", handle: getOrgToken},
		{method: http.MethodPut, pattern: "/organizations/{org}/org-auth-tokens/{tokenId}/", name: "org-auth-token-details", handle: renameOrgToken},
		{method: http.MethodDelete, pattern: "/organizations/{org}/org-auth-tokens/{tokenId}/", name: "org-auth-token-details", handle: deleteOrgToken},
	} {
		rt.perm, rt.target, rt.sessionOnly = orgAuthTokenPermission, targetOrganization, true
		s.register(rt)
	}
	// "api-tokens": personal tokens. Sentry authenticates this endpoint
	// only with a browser session and ignores any Authorization header, so
	// a bearer token is an anonymous caller; with no authentication class
	// that names a challenge, DRF turns the 401 into a 403. The emulator
	// has no sessions, so every request ends there, before any method
	// check and without touching the store.
	s.mux.HandleFunc(apiPrefix+"/api-tokens/{$}", func(w http.ResponseWriter, _ *http.Request) {
		writeDetail(w, http.StatusForbidden, detailNotAuthenticated)
	})
}

// addOrgToken mints an organization auth token.
func (st *store) addOrgToken(org *organization, name string, now time.Time) *token {
	t := &token{
		id: st.newID(), value: newTokenValue("sntrys_"), kind: orgToken, org: org,
		name: name, scopes: orgTokenScopes, created: now,
	}
	st.tokens[t.value] = t
	return t
}

// mintOrgTokenBySession makes a token as a signed-in person does in
// Sentry's settings page (the only way since 25.10), writing the
// org-auth-token.create entry the endpoint writes, with that person as the
// actor. by may be nil: a token nobody is recorded as making, with no
// entry.
func (st *store) mintOrgTokenBySession(org *organization, by *user, name string, now time.Time) *token {
	t := st.addOrgToken(org, name, now)
	t.createdBy = by
	if by != nil {
		st.sessionAudit(org, by, "org-auth-token.create", t.id, orgTokenAuditData(t), now)
	}
	return t
}

// revokeOrgTokenBySession revokes a token as a signed-in person does in the
// settings page, with the org-auth-token.remove entry.
func (st *store) revokeOrgTokenBySession(org *organization, by *user, t *token, now time.Time) {
	t.deactivated = true
	st.sessionAudit(org, by, "org-auth-token.remove", t.id, orgTokenAuditData(t), now)
}

// sessionAudit records an entry for a change a signed-in person made in
// the browser, from the loopback address.
func (st *store) sessionAudit(org *organization, by *user, event string, target int64, data map[string]any, now time.Time) {
	org.appendAudit(&auditEntry{
		id: st.newID(), event: event, actor: by, ipAddress: "127.0.0.1",
		targetObject: target, data: data, dateCreated: now.Truncate(time.Microsecond),
	})
}

// activeOrgTokens lists an organization's tokens that are not deleted.
func (st *store) activeOrgTokens(org *organization) []*token {
	var out []*token
	for _, t := range st.tokens {
		if t.kind == orgToken && t.org == org && !t.deactivated {
			out = append(out, t)
		}
	}
	return out
}

// orgTokenBody is OrgAuthTokenSerializer; value is the token itself, which
// only the create response carries.
func orgTokenBody(t *token, value string) object {
	var lastUsed any
	if n := t.lastUsed.Load(); n != 0 {
		lastUsed = sentryTime(time.Unix(0, n))
	}
	o := object{
		{"id", strconv.FormatInt(t.id, 10)},
		{"name", t.name},
		{"scopes", t.scopes.names()},
		{"tokenLastCharacters", t.value[len(t.value)-4:]},
		{"dateCreated", sentryTime(t.created)},
		{"dateLastUsed", lastUsed},
		{"projectLastUsedId", nil},
	}
	if value != "" {
		o = append(o, field{"token", value})
	}
	return o
}

// setNeverCache is Django's never_cache on the list.
func setNeverCache(c *call) {
	c.w.Header().Set("Expires", c.s.now().UTC().Format(http.TimeFormat))
	c.w.Header().Set("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
}

// listOrgTokens is GET /organizations/{org}/org-auth-tokens/: every active
// token, not paginated, the most recently used first, never-used ones
// last, then by name and newest first.
func listOrgTokens(c *call) {
	tokens := c.s.st.activeOrgTokens(c.org)
	slices.SortFunc(tokens, func(a, b *token) int {
		return cmp.Or(
			cmp.Compare(b.lastUsed.Load(), a.lastUsed.Load()),
			cmp.Compare(a.name, b.name),
			b.created.Compare(a.created),
			cmp.Compare(b.id, a.id),
		)
	})
	out := make([]object, len(tokens))
	for i, t := range tokens {
		out[i] = orgTokenBody(t, "")
	}
	setNeverCache(c)
	c.json(http.StatusOK, out)
}

// orgTokenName reads the request body and checks its name as both
// endpoints do: anything Python finds false is blank, and a name that is
// not a string breaks the length check (500). The detail is a string on POST and PUT alike; only a failed
// model validation after the create, which these checks pre-empt, gives a
// list. ok is false once the request is answered.
func orgTokenName(c *call) (string, bool) {
	b, ok := readBody(c)
	if !ok {
		return "", false
	}
	fail := func(msg string) (string, bool) {
		c.detail(http.StatusBadRequest, msg)
		return "", false
	}
	v := b["name"]
	if !pythonTruthy(v) {
		return fail(msgTokenNameBlank)
	}
	name, isString := v.(string)
	if !isString {
		writeInternalError(c.w)
		return "", false
	}
	if utf8.RuneCountInString(name) > orgTokenNameMaxLength {
		return fail(msgTokenNameTooLong)
	}
	return name, true
}

// createOrgToken is POST /organizations/{org}/org-auth-tokens/.
func createOrgToken(c *call) {
	name, ok := orgTokenName(c)
	if !ok {
		return
	}
	t := c.s.st.addOrgToken(c.org, name, c.s.now())
	t.createdBy = c.user()
	c.audit("org-auth-token.create", t.id, nil, orgTokenAuditData(t))
	c.json(http.StatusCreated, orgTokenBody(t, t.value))
}

// orgTokenAuditData is OrgAuthToken.get_audit_log_data()
// (src/sentry/models/orgauthtoken.py).
func orgTokenAuditData(t *token) map[string]any {
	return map[string]any{"name": t.name, "scopes": t.scopes.names()}
}

// pathOrgToken resolves {tokenId} among the organization's active tokens.
// Sentry hands the id to the database as is, which fails on anything
// that is not a number: a 500.
func pathOrgToken(c *call) *token {
	id, ok := pythonInt(c.path("tokenId"))
	if !ok {
		writeInternalError(c.w)
		return nil
	}
	for _, t := range c.s.st.activeOrgTokens(c.org) {
		if t.id == id {
			return t
		}
	}
	c.notFound()
	return nil
}

// getOrgToken is GET /organizations/{org}/org-auth-tokens/{tokenId}/.
func getOrgToken(c *call) {
	if t := pathOrgToken(c); t != nil {
		c.json(http.StatusOK, orgTokenBody(t, ""))
	}
}

// renameOrgToken is PUT /organizations/{org}/org-auth-tokens/{tokenId}/:
// 204 with no body.
func renameOrgToken(c *call) {
	t := pathOrgToken(c)
	if t == nil {
		return
	}
	name, ok := orgTokenName(c)
	if !ok {
		return
	}
	t.name = name
	c.w.WriteHeader(http.StatusNoContent)
}

// deleteOrgToken is DELETE /organizations/{org}/org-auth-tokens/{tokenId}/:
// the token is deactivated, stops authenticating and disappears from the
// API.
func deleteOrgToken(c *call) {
	t := pathOrgToken(c)
	if t == nil {
		return
	}
	t.deactivated = true
	c.audit("org-auth-token.remove", t.id, nil, orgTokenAuditData(t))
	c.w.WriteHeader(http.StatusNoContent)
}
