// Package sentry is a small client for the parts of Sentry's REST API that the
// provider manages: teams, projects' team links, members, organization auth
// tokens, SCIM and the audit log.
//
// Sentry's role rules the provider relies on (org role names, the team role
// each org role gives, a member's effective team role) are in roles.go.
//
// Every API area lives in its own file and goes through the same internals:
// Client.do sends one JSON request with authentication, retries, rate-limit
// waits and logging, and paginate walks Sentry's Link-header cursors. Failed
// calls return an [*APIError] that keeps Sentry's own message and field
// errors, so callers can tell users what Sentry said and test for
// [IsNotFound], [IsConflict] and friends.
//
// Every attempt and every call is bounded in time (Config.AttemptTimeout,
// Config.OperationTimeout) and every list in pages. A failure after which
// Sentry may still have done the work (a dropped connection or a timeout
// once the request was sent, a 500/502/503/504, a 2xx answer that cannot be
// read) satisfies [IsOutcomeUnknown]: after a create, look the object up
// before creating it again.
//
// The client never logs request or response bodies and never puts the token
// in an error: some Sentry answers carry secrets, and Terraform debug logs are
// routinely pasted into bug reports.
package sentry
