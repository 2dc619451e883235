package sentry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// OutcomeUnknownError wraps the failure of a request that Sentry may have
// carried out even though the client got no usable answer: the connection
// broke or timed out after the request was sent, Sentry (or a proxy in front
// of it) answered 500/502/503/504, or a 2xx answer could not be read. A
// resource that sees one after a create looks the object up before creating
// it again.
//
// The error text is the wrapped error's; errors.As to [*APIError] and
// errors.Is to context errors see through it.
type OutcomeUnknownError struct {
	Err error
}

// Error returns the wrapped error's text, "POST path: ...".
func (e *OutcomeUnknownError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// IsOutcomeUnknown reports whether err is, or wraps, the failure of a request
// that Sentry may have carried out: the connection broke or timed out after
// the request's headers were written, a time bound or the caller's deadline
// ran out while a request was in flight, the final answer was 500, 502, 503
// or 504, or a 2xx answer could not be read or lacked the object's id.
//
// It is false for 4xx answers (429 included: Sentry's rate limiter answers
// before the endpoint runs), for failures where nothing was sent (a DNS
// error, a refused connection), and when the caller cancelled the context.
// One exception: a retried request (a GET, PUT, DELETE or idempotent POST)
// whose earlier attempt may have been carried out stays uncertain whatever
// the later attempts answered.
func IsOutcomeUnknown(err error) bool {
	var e *OutcomeUnknownError
	return errors.As(err, &e)
}

// uncertainStatus reports whether an answer with this status leaves open
// whether Sentry did the work: a 500 may come after a partial write, and a
// proxy's 502/503/504 may come while Sentry goes on with the request.
func uncertainStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// timeoutError is the cause of a request that ran out of one of the client's
// own time bounds. errors.Is(err, context.DeadlineExceeded) holds for it.
type timeoutError struct {
	bound time.Duration
	// scope is what the bound applies to: "one attempt" or "one call and
	// its retries".
	scope string
	// body is set when the answer's headers came but its body stalled.
	body bool
	// lastStatus, when not zero, is the status of the last answer before
	// the bound ran out during the wait between retries.
	lastStatus int
}

func (e *timeoutError) Error() string {
	switch {
	case e.body:
		return fmt.Sprintf("Sentry's answer did not arrive in full within %s, the time allowed for %s", e.bound, e.scope)
	case e.lastStatus != 0:
		return fmt.Sprintf("Sentry did not answer successfully within %s, the time allowed for %s (its last answer was %d %s)",
			e.bound, e.scope, e.lastStatus, http.StatusText(e.lastStatus))
	}
	return fmt.Sprintf("Sentry did not answer within %s, the time allowed for %s", e.bound, e.scope)
}

// Is makes errors.Is(err, context.DeadlineExceeded) true.
func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout marks the error as a timeout for net.Error-style checks.
func (e *timeoutError) Timeout() bool { return true }
