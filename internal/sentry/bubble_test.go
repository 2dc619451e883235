package sentry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// inBubble runs f in a synctest bubble: time stands still while anything in
// the bubble works and jumps ahead once everything waits, so the client's
// time bounds and retry waits run on a fake clock, exactly and at once. The
// test's client must come from newBubbleClient, whose server is in memory:
// a goroutine blocked on a real socket does not let the fake clock move.
func inBubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	synctest.Test(t, f)
}

// newBubbleClient is newTestClient for a test run by inBubble: h answers in
// memory, through handlerTransport.
func newBubbleClient(t *testing.T, h http.Handler, mods ...func(*Config)) *Client {
	t.Helper()
	return testClient(t, Config{
		BaseURL:    "https://sentry.test/api/",
		HTTPClient: &http.Client{Transport: &handlerTransport{h: h}},
	}, mods...)
}

// elapsed runs f and returns how long it took on the bubble's fake clock,
// which moves only when everything in the bubble waits: the time the client
// chose to wait, never how fast the machine is.
func elapsed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// handlerTransport serves requests with an http.Handler in memory, as a
// server on the other end of a connection would: the answer's headers come
// back as soon as the handler writes them, its body as the handler writes
// it, and when the request's context ends, whatever is still waiting (the
// headers, the rest of the body) fails with the context's error.
type handlerTransport struct {
	h http.Handler
}

func (t *handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if trace := httptrace.ContextClientTrace(ctx); trace != nil && trace.WroteHeaders != nil {
		trace.WroteHeaders()
	}
	in := req.Clone(ctx)
	in.RequestURI = req.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody
	}

	pr, pw := io.Pipe()
	w := &pipeResponseWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	// Like a connection closed under it, the body stops at the deadline.
	stop := context.AfterFunc(ctx, func() { _ = pw.CloseWithError(ctx.Err()) })
	go func() {
		defer stop()
		t.h.ServeHTTP(w, in)
		if err := ctx.Err(); err != nil {
			// Too late: the client went away before the end.
			_ = pw.CloseWithError(err)
			return
		}
		w.commit(http.StatusOK)
		_ = pw.Close()
	}()

	select {
	case <-w.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode: w.status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     w.sent,
		Body:       pr,
		Request:    req,
	}, nil
}

// pipeResponseWriter is the handler's side of handlerTransport.
type pipeResponseWriter struct {
	header http.Header
	body   *io.PipeWriter

	once   sync.Once
	ready  chan struct{}
	status int
	sent   http.Header
}

func (w *pipeResponseWriter) Header() http.Header { return w.header }

func (w *pipeResponseWriter) WriteHeader(code int) { w.commit(code) }

func (w *pipeResponseWriter) commit(code int) {
	w.once.Do(func() {
		w.status = code
		w.sent = w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeResponseWriter) Write(p []byte) (int, error) {
	w.commit(http.StatusOK)
	return w.body.Write(p)
}

// Flush does nothing: every Write reaches the reader as it is made.
func (w *pipeResponseWriter) Flush() {}
