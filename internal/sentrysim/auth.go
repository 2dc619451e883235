package sentrysim

import (
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"
)

// authError is a failed authentication: Sentry answers 401 with the
// message.
type authError struct{ detail string }

func (e *authError) Error() string { return e.detail }

// principal is who a request acts as once authenticated.
type principal struct {
	token *token
	// user is the token's user; nil for organization tokens.
	user *user
}

// authenticate reads the Authorization header as Sentry's authentication
// classes do, in their order. A nil principal with a nil error is an
// anonymous request, which permission checks answer with 401.
func (s *Server) authenticate(r *http.Request) (*principal, *authError) {
	// Django's get_authorization_header, split on whitespace.
	parts := strings.Fields(r.Header.Get("Authorization"))
	if len(parts) == 0 {
		return nil, nil
	}
	switch strings.ToLower(parts[0]) {
	case "bearer":
		if len(parts) == 1 {
			return nil, &authError{"Invalid token header. No credentials provided."}
		}
		if len(parts) > 2 {
			return nil, &authError{"Invalid token header. Token string should not contain spaces."}
		}
		return s.authenticateBearer(parts[1])
	case "basic":
		return nil, authenticateBasic(parts)
	default:
		// No authentication class takes the scheme: anonymous.
		return nil, nil
	}
}

// authenticateBearer is UserAuthTokenAuthentication, or
// OrgAuthTokenAuthentication for sntrys_ tokens.
func (s *Server) authenticateBearer(value string) (*principal, *authError) {
	t := s.st.tokens[value]
	if strings.HasPrefix(value, "sntrys_") {
		if t == nil || t.kind != orgToken || t.deactivated {
			return nil, &authError{"Invalid org token"}
		}
		// Sentry records the use in ScopedPermission.has_permission, before
		// the scope check: a refused request still counts as a use.
		t.lastUsed.Store(s.now().UnixNano())
		return &principal{token: t}, nil
	}
	if t != nil && t.kind == scimToken && !t.deactivated {
		// The SCIM token is an internal integration's token: its proxy user
		// acts only within the organization that installed it.
		return &principal{token: t}, nil
	}
	if t == nil || t.kind != userToken || t.deactivated {
		return nil, &authError{detailInvalidToken}
	}
	if t.expired(s.now()) {
		return nil, &authError{"Token expired"}
	}
	if !t.user.isActive {
		return nil, &authError{"User inactive or deleted"}
	}
	return &principal{token: t, user: t.user}, nil
}

// authenticateBasic is DRF's BasicAuthentication feeding Sentry's legacy
// API keys. The emulator has no API keys, so a well-formed header names an
// unknown key; one with a password is not an API key and stays anonymous.
func authenticateBasic(parts []string) *authError {
	if len(parts) == 1 {
		return &authError{"Invalid basic header. No credentials provided."}
	}
	if len(parts) > 2 {
		return &authError{"Invalid basic header. Credentials string should not contain spaces."}
	}
	raw, err := base64.StdEncoding.DecodeString(parts[1])
	decoded := string(raw)
	if err == nil && !utf8.ValidString(decoded) {
		// DRF falls back to Latin-1, in which every byte is a character.
		runes := make([]rune, len(raw))
		for i, b := range raw {
			runes[i] = rune(b)
		}
		decoded = string(runes)
	}
	_, password, found := strings.Cut(decoded, ":")
	if err != nil || !found {
		return &authError{"Invalid basic header. Credentials not correctly base64 encoded."}
	}
	if password != "" {
		return nil
	}
	return &authError{"API key is not valid"}
}

// hasUser reports whether the request authenticated a user, as Django's
// request.user.is_authenticated does: a personal token's user, or the
// proxy user behind an integration's token (the SCIM token);
// OrgAuthTokenAuthentication (src/sentry/api/authentication.py) leaves
// AnonymousUser.
func (p *principal) hasUser() bool { return p.user != nil || p.token.kind == scimToken }

// tokenScopes is what the token allows, the upper bound of every check.
func (p *principal) tokenScopes() scopeSet { return p.token.scopes }

// access is what a caller may do in one organization: Sentry's
// request.access.
type access struct {
	org *organization
	// member is the caller's membership; nil for a user outside the
	// organization and for organization tokens.
	member *member
	// scopes are the caller's organization-wide scopes: the role's scopes
	// within the token's.
	scopes scopeSet
	// upperBound is the token's scopes, which also bound team-role scopes.
	upperBound scopeSet
	// global access sees every team: open membership, a global role, or an
	// organization token of this organization.
	global bool
}

// accessFor works out a caller's access to an organization.
func accessFor(p *principal, org *organization) *access {
	a := &access{org: org}
	if p == nil {
		return a
	}
	a.upperBound = p.tokenScopes()
	switch p.token.kind {
	case orgToken, scimToken:
		// An organization token, like the SCIM integration's, acts across
		// its own organization with its scopes, and nowhere else.
		if p.token.org == org {
			a.scopes = a.upperBound
			a.global = true
		}
	case userToken:
		m := org.membersByUser[p.user.id]
		if m == nil || m.pending {
			return a
		}
		a.member = m
		a.scopes = org.roleScopes(m.role) & a.upperBound
		a.global = org.allowJoinLeave || m.role.global
	}
	return a
}

// hasAnyScope is OrganizationPermission's object check.
func (a *access) hasAnyScope(allowed scopeSet) bool { return a.scopes.hasAny(allowed) }

// hasTeamAccess reports whether the caller may see the team's details.
func (a *access) hasTeamAccess(t *team) bool {
	if !t.active() || (a.member == nil && !a.global) {
		return false
	}
	if a.global && t.org == a.org {
		return true
	}
	return a.member != nil && a.member.teams[t.id] != nil
}

// teamScopes are the scopes the caller's team role grants on a team, within
// the token's scopes; empty without team roles or membership.
func (a *access) teamScopes(t *team) scopeSet {
	if a.member == nil || !a.org.hasFeature("team-roles") {
		return 0
	}
	tm := a.member.teams[t.id]
	if tm == nil {
		return 0
	}
	return tm.effectiveRole().scopes & a.upperBound
}

// hasAnyTeamScope is Sentry's has_team_scope over a list of scopes: the
// caller needs access to the team and one of the scopes, organization-wide
// or from its team role.
func (a *access) hasAnyTeamScope(t *team, allowed scopeSet) bool {
	if !a.hasTeamAccess(t) {
		return false
	}
	return a.scopes.hasAny(allowed) || a.teamScopes(t).hasAny(allowed)
}
