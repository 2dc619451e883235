package sentry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// attemptState follows one call of Client.do across its attempts. It rides in
// the request's context because that is all retryablehttp hands its hooks.
type attemptState struct {
	method     string
	path       string
	idempotent bool
	// waitMin and waitMax are the client's bounds on the wait between
	// attempts; maxRetries bounds the retries of failures other than
	// Sentry's rate limiter (negative: no retries at all).
	waitMin, waitMax time.Duration
	maxRetries       int

	// retries counts the retries bounded by maxRetries, throttled the
	// answers of Sentry's rate limiter, retried until the call's
	// deadline. nextWait is the pause before the next attempt, which
	// pacedTransport takes. All three are only touched by
	// retryablehttp's loop, one attempt after the other.
	retries, throttled int
	nextWait           time.Duration

	// attempt and started are only touched by retryablehttp's loop, one
	// attempt after the other.
	attempt int
	started time.Time

	// wroteHeaders is set from the transport's goroutines once any part of
	// the request may have reached the server; before that, even a POST is
	// safe to send again.
	wroteHeaders atomic.Bool

	// mayHaveRun is set once any attempt of the call may have been carried
	// out by Sentry: it failed after its headers were written, or got a
	// 500/502/503/504. It stays set for the rest of the call.
	mayHaveRun atomic.Bool
	// lastStatus is the status of the last attempt's answer, 0 when it had
	// none.
	lastStatus atomic.Int32
}

type attemptStateKey struct{}

func stateFrom(ctx context.Context) *attemptState {
	st, _ := ctx.Value(attemptStateKey{}).(*attemptState)
	if st == nil {
		// Requests that did not come through Client.do get the
		// conservative treatment: never retried unless nothing was sent.
		st = &attemptState{}
	}
	return st
}

// beforeAttempt is retryablehttp's RequestLogHook: it runs before every
// attempt, which makes it the place to reset per-attempt state.
func beforeAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	st := stateFrom(req.Context())
	st.attempt = attempt + 1
	st.started = time.Now()
	st.wroteHeaders.Store(false)
}

// checkRetry is retryablehttp's CheckRetry. It is called once per attempt,
// with or without a response, so it also logs the attempt.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateFrom(ctx)
	switch {
	case resp != nil:
		st.lastStatus.Store(int32(resp.StatusCode)) //nolint:gosec // HTTP status codes are three digits.
		if uncertainStatus(resp.StatusCode) {
			st.mayHaveRun.Store(true)
		}
	case err != nil && st.wroteHeaders.Load():
		st.mayHaveRun.Store(true)
	}
	retry, stopErr := shouldRetry(ctx, st, resp, err)
	if retry {
		retry = st.planRetry(ctx, resp, time.Now())
	}
	logAttempt(ctx, st, resp, err, retry)
	return retry, stopErr
}

// planRetry decides whether a retryable failure is tried again, and sets
// the pause before the next attempt. A refusal by Sentry's rate limiter
// is tried again until the call's deadline: the call has up to its
// OperationTimeout (or the resource's timeouts) for it, and the window
// turns every second. Other failures get MaxRetries retries.
func (st *attemptState) planRetry(ctx context.Context, resp *http.Response, now time.Time) bool {
	if st.maxRetries < 0 {
		return false
	}
	st.nextWait = 0
	if resp != nil && limiterRefusal(resp) {
		st.throttled++
		if resp.Header.Get("X-Sentry-Rate-Limit-Remaining") == "0" {
			// The window is spent: the pacer holds this route's
			// requests, this one included, until it turns and a
			// jitter more. Give up now, with Sentry's answer, when
			// that would be past the deadline.
			wait, ok := serverWait(resp, now)
			return !ok || fitsBefore(ctx, now.Add(min(max(wait, 0), maxHold)+resetJitter))
		}
		// The concurrent limit: a slot frees when any request ends.
		st.nextWait = exponentialWait(st.waitMin, st.waitMax, st.throttled-1)
		return true
	}
	st.retries++
	if st.retries > st.maxRetries {
		return false
	}
	st.nextWait = retryWait(st.waitMin, st.waitMax, st.retries-1, resp)
	if resp != nil {
		if _, named := serverWait(resp, now); named && !fitsBefore(ctx, now.Add(st.nextWait)) {
			// Give up now with Sentry's answer rather than wait for
			// the deadline and report only that it passed.
			return false
		}
	}
	return true
}

// limiterRefusal tells a 429 of Sentry's rate limiter, which carries its
// window's or its concurrency's count at zero
// (src/sentry/middleware/ratelimit.py adds the headers to every answer;
// src/sentry/ratelimits/utils.py sets remaining to 0 when the window
// refuses), from an endpoint's own throttle, such as the invitations'
// ("You are being rate limited for too many invitations."), which passed
// the limiter and may last far longer than a call.
func limiterRefusal(resp *http.Response) bool {
	return resp.StatusCode == http.StatusTooManyRequests &&
		(resp.Header.Get("X-Sentry-Rate-Limit-Remaining") == "0" || resp.Header.Get("X-Sentry-Rate-Limit-ConcurrentRemaining") == "0") &&
		resp.Header.Get("X-Sentry-Rate-Limit-Reset") != ""
}

// fitsBefore reports whether t is before ctx's deadline, if it has one.
func fitsBefore(ctx context.Context, t time.Time) bool {
	deadline, ok := ctx.Deadline()
	return !ok || t.Before(deadline)
}

func shouldRetry(ctx context.Context, st *attemptState, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		if !retryableTransportError(err) {
			return false, nil
		}
		// A request that never left may be sent again whatever it does;
		// one that did may have been carried out before the connection
		// broke.
		return st.idempotent || !st.wroteHeaders.Load(), nil
	}
	if isRedirect(resp.StatusCode) {
		// A write answered with a redirect (reads follow theirs):
		// Sentry did nothing, and would answer the same again.
		return false, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		// Sentry's rate limiter answers before the endpoint runs, so
		// nothing happened and even a POST can be repeated.
		return true, nil
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		// A proxy may have timed out while Sentry went on with the work,
		// and a 500 may come after part of it was done: only a request
		// that does the same when repeated is sent again.
		return st.idempotent, nil
	}
	return false, nil
}

// retryableTransportError tells passing network trouble from failures that
// would only repeat: a certificate that does not verify, a host that does not
// exist, TLS spoken to a plain-HTTP port.
func retryableTransportError(err error) bool {
	var (
		verifyErr    *tls.CertificateVerificationError
		authorityErr x509.UnknownAuthorityError
		hostnameErr  x509.HostnameError
		invalidErr   x509.CertificateInvalidError
		recordErr    tls.RecordHeaderError
		dnsErr       *net.DNSError
	)
	switch {
	case errors.As(err, &verifyErr), errors.As(err, &authorityErr), errors.As(err, &hostnameErr),
		errors.As(err, &invalidErr), errors.As(err, &recordErr):
		return false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false
	}
	return true
}

func logAttempt(ctx context.Context, st *attemptState, resp *http.Response, err error, retry bool) {
	fields := map[string]any{
		"method":  st.method,
		"path":    st.path,
		"attempt": st.attempt,
	}
	if !st.started.IsZero() {
		fields["duration_ms"] = time.Since(st.started).Milliseconds()
	}
	if resp != nil {
		fields["status"] = resp.StatusCode
		if id := requestID(resp.Header); id != "" {
			fields["request_id"] = id
		}
		if remaining := resp.Header.Get("X-Sentry-Rate-Limit-Remaining"); remaining != "" {
			fields["rate_limit_remaining"] = remaining
		}
	}
	if err != nil {
		// Transport errors name the URL and the network failure, never
		// headers, so they cannot leak the token.
		fields["error"] = err.Error()
	}
	if retry {
		fields["will_retry"] = true
	}
	tflog.Debug(ctx, "Sentry API request", fields)
}

// noBackoff is retryablehttp's Backoff: the pause before a retry is
// planRetry's, taken by pacedTransport where it also waits for the pacer.
func noBackoff(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }

// retryWait is the pause before a bounded retry: the server's own wait
// when it names one, else exponential backoff with jitter.
func retryWait(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := serverWait(resp, time.Now()); ok {
			// Jitter spreads the parallel resources that failed at once.
			return clampDuration(wait+randomDuration(minWait), minWait, maxWait)
		}
	}
	return exponentialWait(minWait, maxWait, attempt)
}

const (
	// maxServerWait and maxResetEpoch keep absurd header values from
	// overflowing a time.Duration; the wait is capped at RetryWaitMax anyway.
	maxServerWait = 24 * time.Hour
	maxResetEpoch = 1 << 40
)

// serverWait reads how long the server asked the client to wait: a
// Retry-After header if any, else on a 429 the X-Sentry-Rate-Limit-Reset
// epoch time (Sentry sends no Retry-After).
func serverWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
			// Capped before the conversion, which would overflow.
			return time.Duration(min(secs, maxServerWait.Seconds()) * float64(time.Second)), true
		}
		if at, err := http.ParseTime(v); err == nil {
			return at.Sub(now), true
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("X-Sentry-Rate-Limit-Reset"))
	if v == "" {
		return 0, false
	}
	reset, err := strconv.ParseFloat(v, 64)
	if err != nil || reset <= 0 {
		return 0, false
	}
	sec, frac := math.Modf(min(reset, maxResetEpoch))
	return time.Unix(int64(sec), int64(frac*float64(time.Second))).Sub(now), true
}

// exponentialWait doubles the ceiling with every attempt and picks a wait
// in its upper half ("equal jitter"): never shorter than minWait, never
// longer than maxWait, and never the same for clients that failed together.
func exponentialWait(minWait, maxWait time.Duration, attempt int) time.Duration {
	ceiling := minWait
	for i := 0; i <= attempt && ceiling < maxWait; i++ {
		if ceiling > maxWait/2 {
			ceiling = maxWait
			break
		}
		ceiling *= 2
	}
	return clampDuration(ceiling/2+randomDuration(ceiling/2), minWait, maxWait)
}

func clampDuration(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// randomDuration returns a duration in [0, n].
func randomDuration(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(n) + 1)) //nolint:gosec // Jitter needs no cryptographic randomness.
}
