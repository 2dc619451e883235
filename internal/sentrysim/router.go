package sentrysim

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
)

// apiPrefix is where Sentry's API lives on every host.
const apiPrefix = "/api/0"

// target says which objects a route's path names, and so how the path is
// resolved and which object the permission is checked against.
type target int

const (
	// targetOrganization routes have an {org} wildcard (id or slug).
	targetOrganization target = iota
	// targetTeam routes have {org} and {team} wildcards.
	targetTeam
	// targetProject routes have {org} and {project} wildcards.
	targetProject
	// targetNone routes name no organization.
	targetNone
)

// route is one endpoint method: what Sentry's Endpoint subclass declares
// for it.
type route struct {
	method string
	// pattern is the path under /api/0, with Sentry's trailing slash and
	// ServeMux wildcards: "/organizations/{org}/teams/".
	pattern string
	// name identifies the endpoint, for rate limits and counters.
	name   string
	perm   *permission
	target target
	handle func(c *call)
	// sessionOnly endpoints authenticate only a signed-in browser session
	// (SessionNoAuthTokenAuthentication), which the emulator never has.
	sessionOnly bool
}

// call is one request on its way through a route: who is calling, the
// objects its path names, and how to answer.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	route *route
	// principal is nil for anonymous calls, which never reach a handler.
	principal *principal
	org       *organization
	team      *team
	project   *project
	access    *access
}

// user is the calling user; nil for organization tokens.
func (c *call) user() *user {
	if c.principal == nil {
		return nil
	}
	return c.principal.user
}

func (c *call) json(status int, v any)           { writeJSON(c.w, status, v) }
func (c *call) detail(status int, detail string) { writeDetail(c.w, status, detail) }
func (c *call) fieldErrors(fe fieldErrors)       { writeFieldErrors(c.w, fe) }
func (c *call) notFound()                        { c.detail(http.StatusNotFound, detailNotFound) }
func (c *call) forbidden()                       { c.detail(http.StatusForbidden, detailForbidden) }
func (c *call) path(name string) string          { return c.r.PathValue(name) }

// readOnlyMethod methods only read the store, so they share its lock.
func readOnlyMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// register adds a route to the mux. Routes for the same path share one
// fallback that answers other methods as Sentry does.
func (s *Server) register(rt route) {
	rtCopy := rt
	full := apiPrefix + rt.pattern + "{$}"
	s.mux.HandleFunc(rt.method+" "+full, func(w http.ResponseWriter, r *http.Request) {
		s.serveRoute(w, r, &rtCopy)
	})
	fb, ok := s.fallbacks[full]
	if !ok {
		fb = &fallback{perm: rt.perm, name: rt.name, sessionOnly: rt.sessionOnly}
		s.fallbacks[full] = fb
		s.mux.HandleFunc(full, func(w http.ResponseWriter, r *http.Request) {
			s.serveFallback(w, r, fb)
		})
	}
	fb.methods = append(fb.methods, rt.method)
	if rt.method == http.MethodGet {
		fb.methods = append(fb.methods, http.MethodHead)
	}
}

// fallback answers a path's unregistered methods.
type fallback struct {
	name        string
	perm        *permission
	methods     []string
	sessionOnly bool
}

// serveFallback is what Sentry does with a method its endpoint lacks:
// authentication and the token's scope check still come first, so a token
// mostly meets 403 (the permission classes name no scopes for unusual
// methods) and only then 405.
func (s *Server) serveFallback(w http.ResponseWriter, r *http.Request, fb *fallback) {
	if s.refuseSessionOnly(w, fb.sessionOnly) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, aerr := s.authenticate(r)
	if aerr != nil {
		unauthorized(w, aerr.detail)
		return
	}
	if p == nil {
		unauthorized(w, detailNotAuthenticated)
		return
	}
	if fb.perm.userRequired {
		if !p.hasUser() {
			writeDetail(w, http.StatusForbidden, detailForbidden)
			return
		}
	} else if allowed := fb.perm.allowed(r.Method); !p.tokenScopes().hasAny(allowed) {
		insufficientScope(w, allowed)
		return
	}
	w.Header().Set("Allow", strings.Join(slices.Compact(slices.Sorted(slices.Values(fb.methods))), ", "))
	methodNotAllowed(w, r.Method)
}

// serveRoute runs a request through Sentry's order of checks: authenticate
// (401), the token's scopes against the permission class (403), resolve
// the path (404), the caller's access to the object (403), then the
// handler.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt *route) {
	if s.refuseSessionOnly(w, rt.sessionOnly) {
		return
	}
	if readOnlyMethod(r.Method) {
		s.mu.RLock()
		defer s.mu.RUnlock()
	} else {
		s.mu.Lock()
		defer s.mu.Unlock()
	}

	c := &call{s: s, w: w, r: r, route: rt}
	p, aerr := s.authenticate(r)
	if aerr != nil {
		unauthorized(w, aerr.detail)
		return
	}
	if p == nil {
		unauthorized(w, detailNotAuthenticated)
		return
	}
	c.principal = p
	if rt.perm.userRequired {
		// DRF's permission_denied: the request authenticated, so a
		// refusal is 403, with no scope to name.
		if !p.hasUser() {
			c.forbidden()
			return
		}
		rt.handle(c)
		return
	}
	allowed := rt.perm.allowed(r.Method)
	if !p.tokenScopes().hasAny(allowed) {
		insufficientScope(w, allowed)
		return
	}

	c.org = s.st.lookupOrganization(c.path("org"))
	if c.org == nil {
		c.notFound()
		return
	}
	switch rt.target {
	case targetOrganization:
		c.access = accessFor(p, c.org)
		if !c.access.hasAnyScope(allowed) {
			c.forbidden()
			return
		}
	case targetTeam:
		c.team = c.org.lookupTeam(c.path("team"))
		if c.team == nil {
			c.notFound()
			return
		}
		c.access = accessFor(p, c.org)
		// TeamPermission: organization-wide scopes pass for every team;
		// otherwise the caller's scopes on this team decide.
		byTeamRole := rt.perm.teamScoped && c.access.hasAnyTeamScope(c.team, allowed)
		if !c.access.hasAnyScope(allowed) && !byTeamRole {
			c.forbidden()
			return
		}
	case targetProject:
		c.project = c.org.lookupProject(c.path("project"))
		c.access = accessFor(p, c.org)
		if c.project == nil {
			projectMoved(c, allowed)
			return
		}
		// ProjectPermission: the scopes count only with access to the
		// project, organization-wide or through one of its teams.
		if !c.access.hasAnyProjectScope(c.project, allowed) {
			c.forbidden()
			return
		}
	}
	rt.handle(c)
}

// insufficientScope is the 403 of ScopedPermission.has_permission, the
// token's scope check before the path is resolved: since getsentry/sentry
// PR #118612 (src/sentry/api/permissions.py) it names the scopes the
// endpoint's scope_map lists for the method in an RFC 6750 challenge, in
// sorted order ("org:admin org:write"); the body is unchanged. Refusals
// after that check (the caller's role, team or project access, the
// handlers' own checks) carry no challenge.
func insufficientScope(w http.ResponseWriter, allowed scopeSet) {
	challenge := `Bearer error="insufficient_scope"`
	if allowed != 0 {
		challenge += `, scope="` + allowed.String() + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeDetail(w, http.StatusForbidden, detailForbidden)
}

// unauthorized is DRF's 401, with the challenge Sentry's first
// authentication class names.
func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `xBasic realm="api"`)
	writeDetail(w, http.StatusUnauthorized, detail)
}

func methodNotAllowed(w http.ResponseWriter, method string) {
	writeDetail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", method))
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body)) //nolint:gosec // plain text, not sniffed: echoing the path is Sentry's hint.
}

// remoteIP is the caller's address as Sentry records it in audit entries.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refuseSessionOnly answers a request to an endpoint that authenticates
// only a browser session, and reports whether it did. Such an endpoint
// declares authentication_classes = (SessionNoAuthTokenAuthentication,),
// which steps aside for any request with an Authorization header
// (src/sentry/api/authentication.py), so every caller here is anonymous.
// SessionAuthentication names no challenge, so DRF turns NotAuthenticated
// into a 403 without WWW-Authenticate, before any permission, organization
// or object lookup, and nothing is written.
func (s *Server) refuseSessionOnly(w http.ResponseWriter, sessionOnly bool) bool {
	if !sessionOnly || s.legacyOrgTokens.Load() {
		return false
	}
	writeDetail(w, http.StatusForbidden, detailNotAuthenticated)
	return true
}
