// Package sentrysim is an in-memory emulator of Sentry's REST API, for the
// provider's tests, benchmarks and demo. A Server is an http.Handler that
// answers Sentry's paths under /api/0/ with Sentry's status codes, bodies,
// headers, pagination, scopes and role rules, as
// ../shared/sentry-api/README.md (the project's notes on Sentry's API, kept
// beside the repository) and Sentry's own code describe them; where
// that behaviour is odd, the emulator is odd the same way, so that the
// client meets here what it will meet in production. Test controls live
// under /_sim/, a path Sentry never uses.
//
// Inside, a request goes through route (a path pattern, its permission
// class and the objects its path names), then Sentry's order of checks in
// serveRoute: authentication (401), the token's scopes against the
// permission class (403), the path's objects (404), the caller's access to
// them (403), and only then the handler. Handlers read and change the
// store under the Server's lock, read bodies with readBody (REST) or
// readRequestData (SCIM) in validate.go, answer with the helpers in
// respond.go, page lists with paginate, and record changes with
// call.audit. Python's behaviour on values (str(), truthiness, int(),
// type names, urllib quoting) is in python.go, one copy of each.
//
// Around every API request, outside the store's lock, the load switches in
// load.go count it (Stats, GET /_sim/stats), then apply what Options or
// POST /_sim/config ask for: SaaS-like rate limits with Sentry's headers
// and 429 body, latency with jitter, injected 5xx answers, 429 bursts (once,
// or recurring every so many requests), and connections dropped before or
// after the change is applied. Plan features
// ("team-roles", "sso-scim", "audit-log", "invite-members") are switched per
// organization with SetFeature, LoadSeed fills an organization from a
// JSON file, and Seed writes what an organization gained since a NextID
// mark as such a file, ids included, to replay it elsewhere. Go test controls (AddMember, AcceptInvite, SCIMToken,
// OrgCIToken and the like) change the store directly. Every control, in Go
// and over HTTP under /_sim/, is in controls.go: they are the emulator's
// own, and Sentry has none of them.
package sentrysim
