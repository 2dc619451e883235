package sentrysim

import "net/http"

// systemHealthPermission is SentryIsAuthenticated, DRF's IsAuthenticated
// (src/sentry/api/permissions.py): any request with a signed-in user
// passes, whatever its token's scopes; an organization token authenticates
// as AnonymousUser (OrgAuthTokenAuthentication in
// src/sentry/api/authentication.py) and is refused.
var systemHealthPermission = &permission{name: "SentryIsAuthenticated", userRequired: true}

// registerHealthRoutes adds GET /api/0/internal/health/, Sentry's
// SystemHealthEndpoint (src/sentry/api/endpoints/system_health.py, routed
// as "sentry-api-0-system-health" under internal/ in src/sentry/api/urls.py).
// Its permission lets any signed-in user in, and the endpoint answers
// anyone who is not an active superuser with an empty Response(): 200, no
// body. Superuser status lives in a signed cookie bound to a browser
// session (src/sentry/auth/superuser.py), so no bearer token is ever a
// superuser, and the status checks' {"problems", "healthy"} answer is out
// of an API client's reach.
func (s *Server) registerHealthRoutes() {
	s.register(route{method: http.MethodGet, pattern: "/internal/health/", name: "internal-health",
		perm: systemHealthPermission, target: targetNone, handle: getSystemHealth})
}

// getSystemHealth is Response() under DRF's JSONRenderer: the content type
// of JSON and an empty body.
func getSystemHealth(c *call) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(http.StatusOK)
}
