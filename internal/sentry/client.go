package sentry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// DefaultBaseURL is Sentry's SaaS API root, used when no base URL is given.
const DefaultBaseURL = "https://sentry.io/api/"

const (
	defaultUserAgent    = "terraform-provider-sentry"
	defaultMaxRetries   = 5
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second

	// maxIdleConnsPerHost is how many connections to Sentry stay open
	// between requests: enough for Terraform's -parallelism up to 64.
	maxIdleConnsPerHost = 64

	// The largest answer this API gives is a page of 100 members; anything
	// far bigger is a misbehaving proxy, not Sentry.
	maxResponseBytes = 32 << 20
)

// ErrMissingToken is returned by [NewClient] when no auth token is configured.
var ErrMissingToken = errors.New("sentry: an auth token is required")

// Config configures a [Client].
type Config struct {
	// BaseURL is Sentry's address, with or without the "/api/" or "/api/0/"
	// suffix: "https://sentry.io", "https://de.sentry.io/api/" or a
	// self-hosted "https://sentry.example.com/prefix/". Empty means
	// [DefaultBaseURL].
	BaseURL string
	// Token is sent as a Bearer token. It is required.
	Token string
	// UserAgent is sent as the User-Agent header.
	UserAgent string
	// HTTPClient sends the requests; nil means a pooled client. The client
	// wraps a copy of its transport to bound every attempt (see
	// AttemptTimeout); the http.Client itself is not changed.
	HTTPClient *http.Client
	// MaxRetries bounds the retries of one call after a network error, a
	// 5xx or a 429 that did not come from Sentry's rate limiter: 0 means 5,
	// a negative value means none at all. A refusal by the rate limiter is
	// retried until OperationTimeout (or the caller's deadline) instead,
	// after its window has turned.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the wait between retries; zero
	// means 500ms and 30s.
	RetryWaitMin, RetryWaitMax time.Duration
	// AttemptTimeout bounds one attempt, from dialling to the last byte of
	// the answer; zero means 30s. Terraform gives providers no deadline,
	// so without it a connection that hangs would hang the whole run.
	AttemptTimeout time.Duration
	// OperationTimeout bounds one call with all its attempts and the waits
	// between them, unless the caller's context ends earlier; zero means
	// 100s. A list is bounded page by page.
	OperationTimeout time.Duration
}

// Client calls Sentry's REST API. It is safe for concurrent use.
type Client struct {
	baseURL          string
	token            string
	userAgent        string
	http             *retryablehttp.Client
	operationTimeout time.Duration
	maxRetries       int
	// maxPages bounds every list, in pages (see defaultMaxPages); tests
	// lower it.
	maxPages int
}

// NewClient makes a Client. It does not touch the network: a health check
// at configure time breaks self-hosted installs that are not reachable from
// where Terraform plans.
func NewClient(cfg Config) (*Client, error) {
	// A token read from a file or an environment variable often ends with a
	// newline, which is never part of a Sentry token.
	token := strings.TrimSpace(cfg.Token)
	if token == "" {
		return nil, ErrMissingToken
	}
	base, err := NormaliseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}

	waitMin, waitMax := cfg.RetryWaitMin, cfg.RetryWaitMax
	if waitMin <= 0 {
		waitMin = defaultRetryWaitMin
	}
	if waitMax <= 0 {
		waitMax = max(defaultRetryWaitMax, waitMin)
	}
	if waitMin > waitMax {
		return nil, fmt.Errorf("sentry: RetryWaitMin (%s) is longer than RetryWaitMax (%s)", waitMin, waitMax)
	}
	retries := cfg.MaxRetries
	if retries == 0 {
		retries = defaultMaxRetries
	}

	attemptTimeout, err := timeoutOrDefault("AttemptTimeout", cfg.AttemptTimeout, defaultAttemptTimeout)
	if err != nil {
		return nil, err
	}
	operationTimeout, err := timeoutOrDefault("OperationTimeout", cfg.OperationTimeout, defaultOperationTimeout)
	if err != nil {
		return nil, err
	}

	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = cleanhttp.DefaultPooledClient()
		// cleanhttp keeps GOMAXPROCS+1 idle connections a host; Terraform
		// runs 10 operations at once by default and often 30 or more, so
		// every request beyond the pool would open a new connection (and
		// a TLS handshake with sentry.io).
		if tr, ok := httpClient.Transport.(*http.Transport); ok {
			tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
			tr.MaxIdleConns = max(tr.MaxIdleConns, maxIdleConnsPerHost)
		}
	}
	// Every client of the process that calls the same Sentry with the same
	// token and HTTP client shares one pacer: Sentry counts the token's
	// requests, not the client's.
	pace := sharedPacer(base, token, cfg.HTTPClient)
	httpClient = withAttemptTimeout(httpClient, attemptTimeout)
	// withAttemptTimeout made a copy, so the caller's client keeps its
	// own policy.
	httpClient.CheckRedirect = followReadsOnly(httpClient.CheckRedirect)
	httpClient.Transport = &pacedTransport{base: httpClient.Transport, pacer: pace}
	// retryablehttp's own count stops nothing before planRetry does.
	retryMax := math.MaxInt32
	if retries < 0 {
		retryMax = 0
	}
	userAgent := cfg.UserAgent
	if userAgent == "" {
		userAgent = defaultUserAgent
	}

	return &Client{
		baseURL:          base,
		token:            token,
		userAgent:        userAgent,
		operationTimeout: operationTimeout,
		maxRetries:       retries,
		maxPages:         defaultMaxPages,
		http: &retryablehttp.Client{
			HTTPClient: httpClient,
			// retryablehttp's own logger prints URLs and errors to stderr;
			// every attempt is logged through tflog by checkRetry instead.
			Logger:         nil,
			RetryWaitMin:   waitMin,
			RetryWaitMax:   waitMax,
			RetryMax:       retryMax,
			RequestLogHook: beforeAttempt,
			CheckRetry:     checkRetry,
			Backoff:        noBackoff,
			// Hand back the last response so the caller sees Sentry's own
			// error (a 429's message, say) rather than "giving up after N
			// attempts".
			ErrorHandler: retryablehttp.PassthroughErrorHandler,
		},
	}, nil
}

// NormaliseBaseURL accepts Sentry's address in the forms users copy from
// their browser or from Sentry's docs, and returns the API root.
func NormaliseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("sentry: invalid base URL: %w", err)
	}
	if u.User != nil {
		// Refuse rather than echo it: the URL holds a password.
		return "", errors.New("sentry: the base URL must not contain a user name or password; use the auth token instead")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("sentry: invalid base URL %q: it must start with https:// or http://", raw)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("sentry: invalid base URL %q: it has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("sentry: invalid base URL %q: it must not have a query or fragment", raw)
	}

	p := strings.TrimRight(u.EscapedPath(), "/")
	switch {
	case strings.HasSuffix(p, "/api/0"):
	case strings.HasSuffix(p, "/api"):
		p += "/0"
	default:
		p += "/api/0"
	}
	return u.Scheme + "://" + u.Host + p + "/", nil
}

// requestOption adjusts one call of [Client.do].
type requestOption func(*requestConfig)

type requestConfig struct {
	idempotent bool
	header     *http.Header
	status     *int
}

// idempotent marks a POST that Sentry answers the same way when repeated
// (linking a team to a project, say), so it may be retried after a 5xx or a
// dropped connection like a GET.
func idempotent() requestOption {
	return func(rc *requestConfig) { rc.idempotent = true }
}

// responseHeader stores the final response's headers in h, for callers that
// need more than the body (the paginator's Link header).
func responseHeader(h *http.Header) requestOption {
	return func(rc *requestConfig) { rc.header = h }
}

// responseStatus stores the final 2xx status in code, for endpoints whose
// status carries meaning (201 added, 202 requested, 204 already there).
func responseStatus(code *int) requestOption {
	return func(rc *requestConfig) { rc.status = code }
}

// endpoint joins path segments into a request path relative to the API root,
// escaping each so that an id or slug can never change which endpoint is
// called. The result ends with a slash, as Sentry's routes do.
func endpoint(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		switch s {
		case ".", "..":
			// PathEscape leaves dots alone, and a proxy would resolve them.
			b.WriteString(strings.Repeat("%2E", len(s)))
		default:
			b.WriteString(url.PathEscape(s))
		}
		b.WriteByte('/')
	}
	return b.String()
}

// do sends one API request and decodes a 2xx JSON answer into out (when out
// is not nil and the body is not empty). in, when not nil, is sent as the
// JSON body. path is relative to the API root and already escaped (see
// endpoint). Non-2xx answers come back as *APIError after the retries that
// the method allows.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any, opts ...requestOption) error {
	var rc requestConfig
	for _, opt := range opts {
		opt(&rc)
	}
	if path == "" || strings.HasPrefix(path, "/") || strings.Contains(path, "//") {
		return fmt.Errorf("%s %s: an identifier in the request path is empty", method, path)
	}

	var body any
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encoding the request: %w", method, path, err)
		}
		body = data
	}
	target := c.baseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}

	// The call's own bound; a caller's earlier deadline still wins.
	bound := &timeoutError{bound: c.operationTimeout, scope: scopeOperation}
	ctx, cancel := context.WithTimeoutCause(ctx, c.operationTimeout, bound)
	defer cancel()

	st := &attemptState{
		method:     method,
		path:       path,
		idempotent: rc.idempotent || isIdempotentMethod(method),
		waitMin:    c.http.RetryWaitMin,
		waitMax:    c.http.RetryWaitMax,
		maxRetries: c.maxRetries,
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, c.token)
	ctx = context.WithValue(ctx, attemptStateKey{}, st)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { st.wroteHeaders.Store(true) },
	})

	req, err := retryablehttp.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		if ctx.Err() != nil {
			err = contextError(ctx, st, bound, false)
		} else {
			// url.Error repeats the method and full URL, which the
			// caller already has in a shorter form.
			var urlErr *url.Error
			if errors.As(err, &urlErr) {
				err = urlErr.Err
			}
		}
		return failure(ctx, fmt.Errorf("%s %s: %w", method, path, err), st.mayHaveRun.Load())
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			err = contextError(ctx, st, bound, true)
		}
		// The answer was on its way: whatever Sentry did, it did.
		return failure(ctx, fmt.Errorf("%s %s: reading Sentry's %d answer: %w", method, path, resp.StatusCode, err), true)
	}
	if len(data) > maxResponseBytes {
		return failure(ctx, fmt.Errorf("%s %s: the response is larger than %d bytes", method, path, maxResponseBytes), true)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := newAPIError(method, path, resp, data, c.token)
		return failure(ctx, apiErr, uncertainStatus(resp.StatusCode) || st.mayHaveRun.Load())
	}
	if rc.header != nil {
		*rc.header = resp.Header.Clone()
	}
	if rc.status != nil {
		*rc.status = resp.StatusCode
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			// Sentry answered 2xx, so it did the work, but what it made
			// cannot be read.
			return failure(ctx, fmt.Errorf("%s %s: %w", method, path, describeDecodeError(resp, err)), true)
		}
	}
	return nil
}

// contextError explains why ctx ended: the call's own time bound, reported
// with the last answer if the bound ran out between attempts, or the
// caller's cancellation or deadline. inBody is set when it ended while the
// answer's body was read.
func contextError(ctx context.Context, st *attemptState, bound *timeoutError, inBody bool) error {
	if !errors.Is(context.Cause(ctx), bound) {
		return ctx.Err()
	}
	e := *bound
	if inBody {
		e.body = true
	} else {
		e.lastStatus = int(st.lastStatus.Load())
	}
	return &e
}

// timeoutOrDefault checks a Config time bound: zero means def.
func timeoutOrDefault(name string, d, def time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return def, nil
	case d < 0:
		return 0, fmt.Errorf("sentry: %s (%s) must not be negative", name, d)
	}
	return d, nil
}

// failure finishes a failed call: err is wrapped in [OutcomeUnknownError]
// when Sentry may have carried the request out, unless the caller cancelled,
// which asks for nothing more to be done.
func failure(ctx context.Context, err error, uncertain bool) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return err
	}
	if uncertain {
		return &OutcomeUnknownError{Err: err}
	}
	return err
}

func isIdempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// decodeError is a 2xx answer that could not be decoded. Its text says what
// was wrong without quoting the body, which may hold a token; errors.As
// still reaches the json error underneath.
type decodeError struct {
	msg string
	err error
}

func (e *decodeError) Error() string { return e.msg }
func (e *decodeError) Unwrap() error { return e.err }

// describeDecodeError explains why the answer resp could not be decoded.
func describeDecodeError(resp *http.Response, err error) error {
	answer := fmt.Sprintf("decoding Sentry's %d answer", resp.StatusCode)
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
		// A proxy's or a login page's HTML, most likely.
		mediaType, _, _ := strings.Cut(ct, ";")
		answer += fmt.Sprintf(" (%s, not JSON)", strings.TrimSpace(mediaType))
	}
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		msg       string
	)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || err.Error() == "unexpected end of JSON input":
		msg = answer + ": its JSON is cut short"
	case errors.As(err, &syntaxErr):
		msg = fmt.Sprintf("%s: it is not valid JSON (error at byte %d)", answer, syntaxErr.Offset)
	case errors.As(err, &typeErr):
		// Value is the JSON kind ("number", "array"), followed for
		// numbers by the number itself, which stays out.
		kind, _, _ := strings.Cut(typeErr.Value, " ")
		where := "the answer"
		if typeErr.Field != "" {
			where = fmt.Sprintf("field %q", typeErr.Field)
		}
		msg = fmt.Sprintf("%s: it has a JSON %s in %s where a %s is expected", answer, kind, where, jsonKind(typeErr.Type.Kind().String()))
	default:
		// Other errors (a date that does not parse, say) may quote the
		// value they choked on.
		msg = answer + ": it does not have the expected shape"
	}
	return &decodeError{msg: msg, err: err}
}

// jsonKind names a Go kind the way Sentry's JSON would show it.
func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "struct", "map":
		return "JSON object"
	case "slice", "array":
		return "JSON array"
	case "bool":
		return "boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	}
	return goKind
}
