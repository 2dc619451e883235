// Package sentry is a small client for the parts of Sentry's REST API that the
// provider manages: teams, projects' team links, members, organization auth
// tokens, SCIM and the audit log.
//
// Every API area lives in its own file and goes through the same internals:
// Client.do sends one JSON request with authentication, retries, rate-limit
// waits and logging, and paginate walks Sentry's Link-header cursors. Failed
// calls return an [*APIError] that keeps Sentry's own message and field
// errors, so callers can tell users what Sentry said and test for
// [IsNotFound], [IsConflict] and friends.
//
// The client never logs request or response bodies and never puts the token
// in an error: some Sentry answers carry secrets, and Terraform debug logs are
// routinely pasted into bug reports.
package sentry
