package sentry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
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

// doObject is [Client.do] for answers that must be one object with an id:
// id reads it from out once decoded, and what names the object in the
// error ("team", "member"). A 2xx answer without an id ({}, null, an empty
// body) is an error, never an object with an empty id; after a POST or PUT
// it is outcome-unknown, since Sentry answered 2xx and so did the work.
// It returns the answer's status.
func (c *Client) doObject(ctx context.Context, method, path string, in, out any, what string, id func() string, opts ...requestOption) (int, error) {
	var code int
	opts = append(opts, responseStatus(&code))
	if err := c.do(ctx, method, path, nil, in, out, opts...); err != nil {
		return 0, err
	}
	if strings.TrimSpace(id()) != "" {
		return code, nil
	}
	return code, answerLacks(method, path, code, what+" id")
}

// answerLacks is the error of a 2xx answer without something it must carry.
func answerLacks(method, path string, code int, what string) error {
	err := fmt.Errorf("%s %s: Sentry's %d answer has no %s", method, path, code, what)
	if method == http.MethodGet || method == http.MethodHead {
		return err
	}
	return &OutcomeUnknownError{Err: err}
}
