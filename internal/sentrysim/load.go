package sentrysim

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate limit modes.
const (
	// RateLimitOff is self-hosted Sentry: no limits and no rate limit
	// headers.
	RateLimitOff = "off"
	// RateLimitSaaS is sentry.io: every endpoint has a requests-per-second
	// limit and a concurrent-request limit per caller, and every answer
	// carries the X-Sentry-Rate-Limit-* headers.
	RateLimitSaaS = "saas"
)

const (
	// DefaultRateLimit is the requests per second an endpoint allows each
	// caller when neither Config.RateLimits nor Sentry's own endpoint
	// configuration names a limit. Open-source Sentry's default is 999; the
	// emulator uses the 40 that sentry.io's members endpoints document, so
	// that limits are met in tests.
	DefaultRateLimit = 40
	// DefaultConcurrentLimit is the requests each caller may have in
	// flight on one endpoint at once.
	DefaultConcurrentLimit = 25
)

// defaultRouteRateLimits are the limits Sentry's endpoints declare in
// their rate_limits, by route name.
var defaultRouteRateLimits = map[string]int{
	// OrganizationMemberIndexEndpoint: 40 a second for GET and POST.
	"organization-members": 40,
}

// defaultFaultStatuses are what injected faults answer with.
var defaultFaultStatuses = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}

// Sentry's rate limit messages (sentry.middleware.ratelimit).
const (
	msgRateLimited       = "You are attempting to use this endpoint too frequently. Limit is %d requests in %d seconds"
	msgConcurrentLimited = "You are attempting to go above the allowed concurrency for this endpoint. Concurrency limit is %d"
)

// Config is the emulator's load and fault switches. The zero value is
// self-hosted Sentry on a perfect network.
type Config struct {
	// RateLimit is RateLimitOff (or "") or RateLimitSaaS.
	RateLimit string
	// RateLimits sets the requests per second of endpoints by route name
	// ("organization-members", "organization-teams"); others get Sentry's
	// own limit where it declares one, else DefaultRateLimit.
	RateLimits map[string]int
	// DefaultRateLimit replaces DefaultRateLimit when positive.
	DefaultRateLimit int
	// ConcurrentLimit replaces DefaultConcurrentLimit when positive.
	ConcurrentLimit int
	// Latency delays every API answer; Jitter adds a random part of up to
	// its length. Both run outside the store's lock.
	Latency, Jitter time.Duration
	// FaultRate is the share (0 to 1) of API requests answered at once with
	// one of FaultStatuses (500, 502 and 503 when empty), before the
	// endpoint runs.
	FaultRate     float64
	FaultStatuses []int
	// DropRate is the share of mutating requests (POST, PUT, PATCH,
	// DELETE) whose connection is closed before the change is made;
	// DropAfterRate the share closed after the change is made, so the
	// client sees EOF for a request that took effect.
	DropRate, DropAfterRate float64
	// Seed seeds the random draws behind jitter, faults and drops, which
	// are then the same for the same sequence of requests.
	Seed int64
	// Burst429 is the number of coming API requests to answer 429, with
	// X-Sentry-Rate-Limit-Reset a second ahead, whatever the rate limit
	// mode. Reading the Config gives the number still to come.
	Burst429 int
	// Burst429Every and Burst429Size make bursts recur: after every
	// Burst429Every API requests, the next Burst429Size are answered 429,
	// as when a rate limit shared with other callers runs out. Counting by
	// requests rather than time gives the same bursts at any pace.
	Burst429Every, Burst429Size int
	// Burst429Interval makes bursts recur by the clock, as a competing
	// caller sharing the token would: in the first second of every
	// interval (whole seconds since the epoch, a multiple of
	// Burst429Interval), that caller has taken every route's whole budget,
	// so every API request is answered 429 with the route's limit used up
	// until the next second, whatever the rate limit mode. It is whole
	// seconds, at least 2s (a 1s interval would refuse everything); 0 is
	// off. Sentry's windows are fixed one-second buckets
	// (src/sentry/ratelimits/redis.py, is_limited_with_value), so a caller
	// that spends a window's budget leaves the others nothing until the
	// bucket turns.
	Burst429Interval time.Duration
}

func (c Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadConfig}, args...)...)
	}
	switch c.RateLimit {
	case "", RateLimitOff, RateLimitSaaS:
	default:
		return bad("rate limit mode %q is neither %q nor %q", c.RateLimit, RateLimitOff, RateLimitSaaS)
	}
	for name, share := range map[string]float64{"fault rate": c.FaultRate, "drop rate": c.DropRate, "drop-after rate": c.DropAfterRate} {
		if math.IsNaN(share) || share < 0 || share > 1 {
			return bad("%s %v is not between 0 and 1", name, share)
		}
	}
	if c.DropRate+c.DropAfterRate > 1 {
		return bad("drop rate and drop-after rate add up to more than 1")
	}
	if c.Latency < 0 || c.Jitter < 0 {
		return bad("latency and jitter cannot be negative")
	}
	for _, status := range c.FaultStatuses {
		if status < 500 || status > 599 {
			return bad("fault status %d is not a 5xx status", status)
		}
	}
	if c.DefaultRateLimit < 0 || c.ConcurrentLimit < 0 || c.Burst429 < 0 || c.Burst429Every < 0 || c.Burst429Size < 0 {
		return bad("limits and bursts cannot be negative")
	}
	if c.Burst429Interval < 0 {
		return bad("burst 429 interval cannot be negative")
	}
	if c.Burst429Interval > 0 && (c.Burst429Interval < 2*time.Second || c.Burst429Interval%time.Second != 0) {
		return bad("burst 429 interval %s is not a whole number of seconds of at least 2s", c.Burst429Interval)
	}
	for name, limit := range c.RateLimits {
		if limit < 0 {
			return bad("rate limit of %q cannot be negative", name)
		}
	}
	return nil
}

// loadState is the switches in force and the state they keep. Its lock is
// never held with the store's.
type loadState struct {
	mu    sync.Mutex
	cfg   Config
	rng   *rand.Rand
	burst int
	// sinceBurst counts the API requests since the last recurring burst.
	sinceBurst int
	// windows counts each rate limit key's requests in the current
	// one-second window; inFlight its requests under way.
	windows  map[string]*rateWindow
	inFlight map[string]int
	// clock is the limiter's time: real time, whatever Options.Now says,
	// because clients wait for X-Sentry-Rate-Limit-Reset in real time.
	clock func() time.Time
	// wait holds an answer back for its latency: sleepContext, which
	// tests replace to see or hold requests without waiting real time.
	wait func(ctx context.Context, d time.Duration) bool
}

type rateWindow struct {
	bucket int64
	count  int
}

func newLoadState(c Config) (*loadState, error) {
	l := &loadState{windows: make(map[string]*rateWindow), inFlight: make(map[string]int), clock: time.Now, wait: sleepContext}
	if err := l.set(c, true); err != nil {
		return nil, err
	}
	return l, nil
}

// set puts a validated Config in force; reseed restarts the random draws
// from its seed.
func (l *loadState) set(c Config, reseed bool) error {
	if err := c.validate(); err != nil {
		return err
	}
	c.RateLimits = maps.Clone(c.RateLimits)
	c.FaultStatuses = slices.Clone(c.FaultStatuses)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg = c
	l.burst = c.Burst429
	l.sinceBurst = 0
	if reseed || l.rng == nil {
		l.rng = rand.New(rand.NewPCG(uint64(c.Seed), 0x5eed5eed5eed5eed)) //nolint:gosec // Reproducible faults, not secrets.
	}
	return nil
}

func (l *loadState) get() Config {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.cfg
	c.RateLimits = maps.Clone(c.RateLimits)
	c.FaultStatuses = slices.Clone(c.FaultStatuses)
	c.Burst429 = l.burst
	return c
}

func (l *loadState) saas() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg.RateLimit == RateLimitSaaS
}

// routeLimit is the requests per second a route allows each caller.
func (c *Config) routeLimit(name string) int {
	if n := c.RateLimits[name]; n > 0 {
		return n
	}
	if n := defaultRouteRateLimits[name]; n > 0 {
		return n
	}
	if c.DefaultRateLimit > 0 {
		return c.DefaultRateLimit
	}
	return DefaultRateLimit
}

func (c *Config) concurrentLimit() int {
	if c.ConcurrentLimit > 0 {
		return c.ConcurrentLimit
	}
	return DefaultConcurrentLimit
}

// rateMeta is Sentry's RateLimitMeta: what the headers say.
type rateMeta struct {
	limit, remaining int
	reset            int64
	concurrentLimit  int
	// concurrentRemaining is nil when the fixed window refused the
	// request before the concurrent limiter counted it.
	concurrentRemaining *int
	// message is the 429's detail when the request is refused.
	message string
}

// verdict is what happens to one API request.
type verdict struct {
	delay time.Duration
	burst bool
	// burstReset is when a clock burst's window ends, in epoch seconds; 0
	// for a counted burst.
	burstReset int64
	fault      int
	dropBefore bool
	dropAfter  bool
	// meta is set when rate limits are on for the route.
	meta *rateMeta
	// release ends the request's count against the concurrent limit.
	release func()
}

func mutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// decide draws a request's fate. key is the caller's rate limit key, ""
// when rate limits do not apply to it.
func (l *loadState) decide(method, route, key string) verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := &l.cfg
	// The same four draws for every request, so that a request sequence
	// meets the same fates whatever the switches.
	jitter, fault, status, drop := l.rng.Float64(), l.rng.Float64(), l.rng.Float64(), l.rng.Float64()

	v := verdict{delay: c.Latency + time.Duration(jitter*float64(c.Jitter))}
	if c.Burst429Interval > 0 {
		now := l.clock()
		if sec := now.Unix(); sec%int64(c.Burst429Interval/time.Second) == 0 {
			v.burst = true
			v.burstReset = sec + 1
			return v
		}
	}
	if l.burst == 0 && c.Burst429Every > 0 && c.Burst429Size > 0 {
		if l.sinceBurst == c.Burst429Every {
			l.burst, l.sinceBurst = c.Burst429Size, 0
		} else {
			l.sinceBurst++
		}
	}
	if l.burst > 0 {
		l.burst--
		v.burst = true
		return v
	}
	if fault < c.FaultRate {
		statuses := c.FaultStatuses
		if len(statuses) == 0 {
			statuses = defaultFaultStatuses
		}
		v.fault = statuses[min(int(status*float64(len(statuses))), len(statuses)-1)]
		return v
	}
	if key != "" && c.RateLimit == RateLimitSaaS {
		v.meta, v.release = l.limit(key, c.routeLimit(route), c.concurrentLimit())
	}
	if mutating(method) {
		v.dropBefore = drop < c.DropRate
		v.dropAfter = !v.dropBefore && drop < c.DropRate+c.DropAfterRate
	}
	return v
}

// limit is Sentry's above_rate_limit_check: a fixed one-second window,
// then the concurrent limiter. The caller holds l.mu.
func (l *loadState) limit(key string, limit, concurrent int) (*rateMeta, func()) {
	now := l.clock().Unix()
	w := l.windows[key]
	if w == nil || w.bucket != now {
		w = &rateWindow{bucket: now}
		l.windows[key] = w
	}
	w.count++
	m := &rateMeta{limit: limit, reset: now + 1, concurrentLimit: concurrent}
	if w.count > limit {
		m.message = fmt.Sprintf(msgRateLimited, limit, 1)
		return m, nil
	}
	m.remaining = limit - w.count
	running := l.inFlight[key]
	if running >= concurrent {
		left := 0
		m.concurrentRemaining = &left
		m.message = fmt.Sprintf(msgConcurrentLimited, concurrent)
		return m, nil
	}
	l.inFlight[key] = running + 1
	left := concurrent - running - 1
	m.concurrentRemaining = &left
	return m, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.inFlight[key]--; l.inFlight[key] <= 0 {
			delete(l.inFlight, key)
		}
	}
}

// burstMeta is what a burst's 429 says: the route's limit used up until
// reset (epoch seconds), or when reset is 0 until the next second.
func (l *loadState) burstMeta(route string, reset int64) *rateMeta {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.cfg.routeLimit(route)
	if reset == 0 {
		// At least a full second away.
		at := l.clock().Add(time.Second)
		reset = at.Unix()
		if at.Nanosecond() > 0 {
			reset++
		}
	}
	return &rateMeta{
		limit: limit, reset: reset, concurrentLimit: l.cfg.concurrentLimit(),
		message: fmt.Sprintf(msgRateLimited, limit, 1),
	}
}

// setHeaders is RatelimitMiddleware.process_response.
func (m *rateMeta) setHeaders(h http.Header) {
	h.Set("X-Sentry-Rate-Limit-Remaining", strconv.Itoa(m.remaining))
	h.Set("X-Sentry-Rate-Limit-Limit", strconv.Itoa(m.limit))
	h.Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(m.reset, 10))
	if m.concurrentRemaining != nil {
		h.Set("X-Sentry-Rate-Limit-ConcurrentRemaining", strconv.Itoa(*m.concurrentRemaining))
	}
	h.Set("X-Sentry-Rate-Limit-ConcurrentLimit", strconv.Itoa(m.concurrentLimit))
}

// writeRateLimited is the middleware's 429: a Django HttpResponse, so a
// JSON body under Django's default content type.
func writeRateLimited(w http.ResponseWriter, m *rateMeta) {
	m.setHeaders(w.Header())
	body, _ := appendJSON(nil, object{{"detail", m.message}})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(body)
}

// writeFault answers as a failing Sentry (500) or the proxy in front of it.
func writeFault(w http.ResponseWriter, status int) {
	if status == http.StatusInternalServerError {
		writeInternalError(w)
		return
	}
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"))
}

// dropConnection closes the client's connection without an answer. Where
// the connection cannot be taken over (HTTP/2), the server aborts the
// stream instead.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// discardWriter takes an answer that is never sent.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// sleepContext waits d, or less if ctx ends first; it reports whether the
// wait ran to its end.
func sleepContext(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// rateLimitKey is Sentry's get_rate_limit_key: the route and method, and
// the caller: the user behind a personal token, the organization behind an
// organization or integration token, else the client's address.
func (s *Server) rateLimitKey(r *http.Request, route string) string {
	caller := "ip:" + remoteIP(r)
	if parts := strings.Fields(r.Header.Get("Authorization")); len(parts) == 2 && strings.EqualFold(parts[0], "bearer") {
		s.mu.RLock()
		t := s.st.tokens[parts[1]]
		switch {
		case t == nil || t.deactivated:
		case t.user != nil:
			caller = "user:" + strconv.FormatInt(t.user.id, 10)
		case t.org != nil:
			caller = "org:" + strconv.FormatInt(t.org.id, 10)
		}
		s.mu.RUnlock()
	}
	category, id, _ := strings.Cut(caller, ":")
	return category + ":" + route + ":" + r.Method + ":" + id
}

// withLoad wraps the API in the switches, all outside the store's lock.
// It counts every request and draws its fate: a 429 burst or an injected
// 5xx (neither counts against rate limits), else the rate limiter's
// verdict and headers, and for a mutating request perhaps a dropped
// connection before or after the endpoint runs, at random or as
// DropAfterNext asked. Every answer waits out the
// latency first. Test controls under /_sim/ pass straight through.
func (s *Server) withLoad(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, apiPrefix+"/") {
			next.ServeHTTP(w, r)
			return
		}
		pattern, route := s.routeOf(r)
		s.stats.add(r.Method + " " + pattern)
		key := ""
		if route != "" && s.load.saas() {
			key = s.rateLimitKey(r, route)
		}
		v := s.load.decide(r.Method, route, key)
		if v.release != nil {
			defer v.release()
		}
		if v.meta != nil {
			v.meta.setHeaders(w.Header())
		}
		if !s.load.wait(r.Context(), v.delay) {
			return
		}
		switch {
		case v.burst:
			s.stats.rateLimited.Add(1)
			writeRateLimited(w, s.load.burstMeta(route, v.burstReset))
		case v.fault != 0:
			writeFault(w, v.fault)
		case v.meta != nil && v.meta.message != "":
			s.stats.rateLimited.Add(1)
			writeRateLimited(w, v.meta)
		case v.dropBefore:
			dropConnection(w)
		case v.dropAfter || s.faults.takeDropAfter(r.Method, route):
			next.ServeHTTP(&discardWriter{header: make(http.Header)}, r)
			dropConnection(w)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// configJSON is Config as the /_sim/config control reads and writes it.
// Pointers tell the fields a POST leaves alone.
type configJSON struct {
	RateLimit        *string         `json:"rate_limit"`
	RateLimits       *map[string]int `json:"rate_limits"`
	DefaultRateLimit *int            `json:"default_rate_limit"`
	ConcurrentLimit  *int            `json:"concurrent_limit"`
	Latency          *string         `json:"latency"`
	Jitter           *string         `json:"jitter"`
	FaultRate        *float64        `json:"fault_rate"`
	FaultStatuses    *[]int          `json:"fault_statuses"`
	DropRate         *float64        `json:"drop_rate"`
	DropAfterRate    *float64        `json:"drop_after_rate"`
	Seed             *int64          `json:"seed"`
	Burst429         *int            `json:"burst_429"`
	Burst429Every    *int            `json:"burst_429_every"`
	Burst429Size     *int            `json:"burst_429_size"`
	Burst429Interval *string         `json:"burst_429_interval"`
}

// configBody is the GET /_sim/config answer: every switch, with the
// effective defaults filled in.
func configBody(c Config) object {
	mode := c.RateLimit
	if mode == "" {
		mode = RateLimitOff
	}
	limits := make(object, 0, len(c.RateLimits))
	for _, name := range slices.Sorted(maps.Keys(c.RateLimits)) {
		limits = append(limits, field{name, c.RateLimits[name]})
	}
	statuses := c.FaultStatuses
	if len(statuses) == 0 {
		statuses = defaultFaultStatuses
	}
	codes := make([]any, len(statuses))
	for i, code := range statuses {
		codes[i] = code
	}
	defaultLimit := c.DefaultRateLimit
	if defaultLimit == 0 {
		defaultLimit = DefaultRateLimit
	}
	return object{
		{"rate_limit", mode},
		{"rate_limits", limits},
		{"default_rate_limit", defaultLimit},
		{"concurrent_limit", c.concurrentLimit()},
		{"latency", c.Latency.String()},
		{"jitter", c.Jitter.String()},
		{"fault_rate", c.FaultRate},
		{"fault_statuses", codes},
		{"drop_rate", c.DropRate},
		{"drop_after_rate", c.DropAfterRate},
		{"seed", c.Seed},
		{"burst_429", c.Burst429},
		{"burst_429_every", c.Burst429Every},
		{"burst_429_size", c.Burst429Size},
		{"burst_429_interval", c.Burst429Interval.String()},
	}
}

// patch applies the fields a /_sim/config POST sent; it reports whether
// the seed changed.
func (p *configJSON) patch(c *Config) (bool, error) {
	duration := func(name string, s *string, d *time.Duration) error {
		if s == nil {
			return nil
		}
		v, err := time.ParseDuration(*s)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadConfig, name, err)
		}
		*d = v
		return nil
	}
	if err := duration("latency", p.Latency, &c.Latency); err != nil {
		return false, err
	}
	if err := duration("jitter", p.Jitter, &c.Jitter); err != nil {
		return false, err
	}
	if err := duration("burst_429_interval", p.Burst429Interval, &c.Burst429Interval); err != nil {
		return false, err
	}
	setIf(&c.RateLimit, p.RateLimit)
	setIf(&c.DefaultRateLimit, p.DefaultRateLimit)
	setIf(&c.ConcurrentLimit, p.ConcurrentLimit)
	setIf(&c.FaultRate, p.FaultRate)
	setIf(&c.DropRate, p.DropRate)
	setIf(&c.DropAfterRate, p.DropAfterRate)
	setIf(&c.Burst429, p.Burst429)
	setIf(&c.Burst429Every, p.Burst429Every)
	setIf(&c.Burst429Size, p.Burst429Size)
	setIf(&c.RateLimits, p.RateLimits)
	setIf(&c.FaultStatuses, p.FaultStatuses)
	setIf(&c.Seed, p.Seed)
	return p.Seed != nil, nil
}

// setIf copies a field a POST sent.
func setIf[T any](dst, src *T) {
	if src != nil {
		*dst = *src
	}
}
