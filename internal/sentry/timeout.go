package sentry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

const (
	// defaultAttemptTimeout bounds one attempt, from dialling to the last
	// byte of the answer. Sentry's own request timeout is shorter, so an
	// attempt that takes longer is a connection nobody is answering on.
	defaultAttemptTimeout = 30 * time.Second
	// defaultOperationTimeout bounds one call with all its retries and the
	// waits between them, so that a Sentry that never answers fails a call
	// in well under two minutes instead of hanging a Terraform run.
	defaultOperationTimeout = 100 * time.Second
)

const (
	scopeAttempt   = "one attempt"
	scopeOperation = "one call and its retries"
)

// attemptTransport bounds every round trip, and the reading of its answer,
// by its own deadline. It sits under retryablehttp, which hands every
// attempt the same context, so the bound restarts with each attempt.
type attemptTransport struct {
	base    http.RoundTripper
	timeout time.Duration
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, t.timeout)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil
		cancel()
		if timedOut {
			return nil, &timeoutError{bound: t.timeout, scope: scopeAttempt}
		}
		return nil, err
	}
	// The deadline also covers the body, which the caller reads after
	// RoundTrip returns: it is released when the body is closed.
	resp.Body = &boundedBody{ReadCloser: resp.Body, ctx: ctx, parent: parent, cancel: cancel, timeout: t.timeout}
	return resp, nil
}

// CloseIdleConnections passes the call on, so that http.Client's method of
// that name still reaches the pool.
func (t *attemptTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// boundedBody is an answer's body read under its attempt's deadline.
type boundedBody struct {
	io.ReadCloser
	ctx     context.Context //nolint:containedctx // The body lives exactly as long as its attempt's deadline.
	parent  context.Context //nolint:containedctx // Tells the attempt's deadline from the caller's.
	cancel  context.CancelFunc
	timeout time.Duration
}

func (b *boundedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && errors.Is(b.ctx.Err(), context.DeadlineExceeded) && b.parent.Err() == nil {
		return n, &timeoutError{bound: b.timeout, scope: scopeAttempt, body: true}
	}
	return n, err
}

func (b *boundedBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// withAttemptTimeout returns a copy of hc whose transport bounds every
// attempt. hc itself is left alone: callers may share it.
func withAttemptTimeout(hc *http.Client, timeout time.Duration) *http.Client {
	bounded := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	bounded.Transport = &attemptTransport{base: base, timeout: timeout}
	return &bounded
}
