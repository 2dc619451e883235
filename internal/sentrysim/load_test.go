package sentrysim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeClock is a limiter clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// withClock gives the server's limiter a fake clock, 0.25s into a second,
// so that its windows turn only when the test advances the clock.
func withClock(s *Server) *fakeClock {
	c := &fakeClock{t: time.Unix(1714564800, 250_000_000)}
	s.SetRateLimitClock(c.now)
	return c
}

func newLoadServer(t testing.TB, opts Options) *Server {
	t.Helper()
	opts.Organization = "acme"
	opts.Now = func() time.Time { return testNow }
	return New(opts)
}

const teamsPath = "/api/0/organizations/acme/teams/"

func TestNewRejectsBadSwitches(t *testing.T) {
	for _, opts := range []Options{
		{Config: Config{RateLimit: "sometimes"}},
		{Config: Config{FaultRate: 1.5}},
		{Config: Config{DropRate: -0.1}},
		{Config: Config{DropRate: 0.6, DropAfterRate: 0.6}},
		{Config: Config{Latency: -time.Second}},
		{Config: Config{FaultStatuses: []int{404}}},
		{Config: Config{RateLimits: map[string]int{"organization-teams": -1}}},
	} {
		func() {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, "invalid config") {
					t.Errorf("New(%+v) did not panic with a config error: %v", opts, r)
				}
			}()
			New(opts)
		}()
	}
	if err := New(Options{}).SetConfig(Config{FaultRate: 2}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("SetConfig: %v", err)
	}
}

func TestRateLimitSaaS(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{RateLimit: RateLimitSaaS, RateLimits: map[string]int{"organization-teams": 3}}})
	clock := withClock(s)
	tok := s.Tokens()
	reset := strconv.FormatInt(clock.now().Unix()+1, 10)

	for i := range 3 {
		res := send(t, s, http.MethodGet, teamsPath, tok.Owner, nil)
		res.expect(t, http.StatusOK, nil)
		want := map[string]string{
			"X-Sentry-Rate-Limit-Limit":               "3",
			"X-Sentry-Rate-Limit-Remaining":           strconv.Itoa(2 - i),
			"X-Sentry-Rate-Limit-Reset":               reset,
			"X-Sentry-Rate-Limit-Concurrentlimit":     "25",
			"X-Sentry-Rate-Limit-Concurrentremaining": "24",
		}
		for k, v := range want {
			if got := res.header.Get(k); got != v {
				t.Errorf("request %d: %s = %q, want %q", i, k, got, v)
			}
		}
	}
	res := send(t, s, http.MethodGet, teamsPath, tok.Owner, nil)
	if res.status != http.StatusTooManyRequests || res.raw != `{"detail":"You are attempting to use this endpoint too frequently. Limit is 3 requests in 1 seconds"}` {
		t.Fatalf("fourth request: %d %s", res.status, res.raw)
	}
	if res.header.Get("X-Sentry-Rate-Limit-Remaining") != "0" || res.header.Get("X-Sentry-Rate-Limit-Reset") != reset ||
		res.header.Get("X-Sentry-Rate-Limit-ConcurrentRemaining") != "" || res.header.Get("Retry-After") != "" {
		t.Errorf("429 headers %v", res.header)
	}
	// Limits are per caller and per endpoint and method.
	send(t, s, http.MethodGet, teamsPath, tok.Manager, nil).expect(t, http.StatusOK, nil)
	send(t, s, http.MethodPost, teamsPath, tok.Owner, map[string]any{"slug": "web"}).expect(t, http.StatusCreated, nil)
	send(t, s, http.MethodGet, teamPath("acme", "web"), tok.Owner, nil).expect(t, http.StatusOK, nil)
	// Refused requests count too, until the window turns.
	send(t, s, http.MethodGet, teamsPath, tok.Owner, nil).expect(t, http.StatusTooManyRequests, nil)
	clock.advance(750 * time.Millisecond)
	res = send(t, s, http.MethodGet, teamsPath, tok.Owner, nil)
	res.expect(t, http.StatusOK, nil)
	if got := res.header.Get("X-Sentry-Rate-Limit-Reset"); got != strconv.FormatInt(clock.now().Unix()+1, 10) {
		t.Errorf("reset %s in the new window", got)
	}
	// The test controls are never limited.
	for range 5 {
		send(t, s, http.MethodGet, "/_sim/health", "", nil).expect(t, http.StatusOK, nil)
	}
}

func TestRateLimitOffSendsNoHeaders(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{RateLimits: map[string]int{"organization-teams": 1}}})
	for range 3 {
		res := send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil)
		res.expect(t, http.StatusOK, nil)
		for k := range res.header {
			if strings.HasPrefix(k, "X-Sentry-Rate-Limit") {
				t.Errorf("header %s in self-hosted mode", k)
			}
		}
	}
}

func TestRouteLimits(t *testing.T) {
	c := Config{DefaultRateLimit: 10, RateLimits: map[string]int{"organization-teams": 5}}
	for route, want := range map[string]int{"organization-teams": 5, "organization-members": 40, "team-details": 10} {
		if got := c.routeLimit(route); got != want {
			t.Errorf("%s: %d, want %d", route, got, want)
		}
	}
	var zero Config
	if zero.routeLimit("team-details") != DefaultRateLimit || zero.concurrentLimit() != DefaultConcurrentLimit {
		t.Errorf("defaults %d %d", zero.routeLimit("team-details"), zero.concurrentLimit())
	}
}

func TestRateLimitKeys(t *testing.T) {
	s := newLoadServer(t, Options{})
	req := func(token string) *http.Request {
		r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "http://example.com"+teamsPath, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r
	}
	owner := s.userByEmail("owner@acme.example")
	second, err := s.AddUserToken("owner@acme.example", "org:read")
	if err != nil {
		t.Fatal(err)
	}
	org := s.st.orgsBySlug["acme"]
	for token, want := range map[string]string{
		s.Tokens().Owner:     "user:organization-teams:GET:" + formatID(owner.id),
		second:               "user:organization-teams:GET:" + formatID(owner.id),
		s.OrgCIToken("acme"): "org:organization-teams:GET:" + formatID(org.id),
		"sntryu_unknown":     "ip:organization-teams:GET:192.0.2.1",
		"":                   "ip:organization-teams:GET:192.0.2.1",
	} {
		if got := s.rateLimitKey(req(token), "organization-teams"); got != want {
			t.Errorf("key %q, want %q", got, want)
		}
	}
}

func TestConcurrentLimit(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{RateLimit: RateLimitSaaS, ConcurrentLimit: 2, Latency: 400 * time.Millisecond}})
	owner := s.Tokens().Owner
	// Each answer is held in its latency wait until the test lets it go,
	// so the first two requests are surely under way when the third
	// comes, whatever the scheduler does.
	entered, release := make(chan struct{}, 8), make(chan struct{})
	s.load.wait = func(context.Context, time.Duration) bool {
		entered <- struct{}{}
		<-release
		return true
	}
	var wg sync.WaitGroup
	results := make([]response, 3)
	start := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = send(t, s, http.MethodGet, teamsPath, owner, nil)
		}()
	}
	start(0)
	start(1)
	<-entered
	<-entered
	start(2)
	<-entered
	close(release)
	wg.Wait()
	for i, res := range results[:2] {
		if res.status != http.StatusOK {
			t.Errorf("request %d: status %d", i, res.status)
		}
	}
	if res := results[2]; res.status != http.StatusTooManyRequests || !strings.Contains(res.raw, "Concurrency limit is 2") ||
		res.header.Get("X-Sentry-Rate-Limit-ConcurrentRemaining") != "0" {
		t.Errorf("third request: %d %s %v", res.status, res.raw, res.header)
	}
	// The slots are free again.
	send(t, s, http.MethodGet, teamsPath, owner, nil).expect(t, http.StatusOK, nil)
}

func TestLatency(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{Latency: 60 * time.Millisecond}})
	// The waits asked for are recorded instead of waited out: what is
	// checked is which answers wait and for how long, not wall time.
	var mu sync.Mutex
	var waits []time.Duration
	s.load.wait = func(_ context.Context, d time.Duration) bool {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
		return true
	}
	send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil).expect(t, http.StatusOK, nil)
	send(t, s, http.MethodGet, "/_sim/health", "", nil).expect(t, http.StatusOK, nil)
	mu.Lock()
	if len(waits) != 1 || waits[0] != 60*time.Millisecond {
		t.Errorf("waits %v, want one of 60ms for the API request and none for the control", waits)
	}
	mu.Unlock()
}

// TestLatencyWaits runs the real wait in a synctest bubble, whose clock
// moves only when every goroutine in it is blocked: the answer comes
// exactly one latency later, and a request whose client has given up gets
// no answer, whatever the machine's load.
func TestLatencyWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newLoadServer(t, Options{Config: Config{Latency: 60 * time.Millisecond}})
		start := time.Now()
		send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil).expect(t, http.StatusOK, nil)
		if waited := time.Since(start); waited != 60*time.Millisecond {
			t.Errorf("the answer came after %s, want 60ms", waited)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://example.com"+teamsPath, nil)
		req.Header.Set("Authorization", "Bearer "+s.Tokens().Owner)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Body.Len() != 0 {
			t.Errorf("cancelled request answered %s", rec.Body)
		}
	})
}

func TestSeededDrawsRepeat(t *testing.T) {
	cfg := Config{Latency: time.Millisecond, Jitter: 10 * time.Millisecond, FaultRate: 0.3, DropRate: 0.2, DropAfterRate: 0.2, Seed: 42}
	run := func(c Config) []verdict {
		l, err := newLoadState(c)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]verdict, 200)
		for i := range out {
			out[i] = l.decide(http.MethodPost, "organization-teams", "")
		}
		return out
	}
	a, b := run(cfg), run(cfg)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different fates")
	}
	cfg.Seed = 43
	if reflect.DeepEqual(a, run(cfg)) {
		t.Fatal("another seed gave the same fates")
	}
	var faults, before, after int
	statuses := map[int]bool{}
	for _, v := range a {
		if v.delay < time.Millisecond || v.delay > 11*time.Millisecond {
			t.Errorf("delay %s", v.delay)
		}
		switch {
		case v.fault != 0:
			faults++
			statuses[v.fault] = true
		case v.dropBefore:
			before++
		case v.dropAfter:
			after++
		}
	}
	if faults < 35 || faults > 85 || before < 15 || after < 15 {
		t.Errorf("%d faults, %d drops before, %d after in 200", faults, before, after)
	}
	if len(statuses) != 3 || !statuses[500] || !statuses[502] || !statuses[503] {
		t.Errorf("fault statuses %v", statuses)
	}
	// Reads are never dropped.
	l, _ := newLoadState(Config{DropRate: 1})
	if v := l.decide(http.MethodGet, "organization-teams", ""); v.dropBefore || v.dropAfter {
		t.Error("a GET was dropped")
	}
}

func TestFaultsAnswerBeforeTheEndpoint(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{FaultRate: 1, FaultStatuses: []int{502}}})
	res := send(t, s, http.MethodPost, teamsPath, s.Tokens().Owner, map[string]any{"slug": "web"})
	if res.status != http.StatusBadGateway || !strings.Contains(res.raw, "502 Bad Gateway") {
		t.Fatalf("%d %s", res.status, res.raw)
	}
	if err := s.SetConfig(Config{FaultRate: 1, FaultStatuses: []int{500}}); err != nil {
		t.Fatal(err)
	}
	res = send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil)
	if res.status != http.StatusInternalServerError || res.obj(t)["detail"] != detailInternal {
		t.Fatalf("%d %s", res.status, res.raw)
	}
	if err := s.SetConfig(Config{}); err != nil {
		t.Fatal(err)
	}
	if s.st.orgsBySlug["acme"].teamSlugs["web"] != nil {
		t.Error("a faulted POST made its change")
	}
}

func TestBurst429(t *testing.T) {
	s := newLoadServer(t, Options{})
	clock := withClock(s)
	s.Burst429(2)
	if s.Config().Burst429 != 2 {
		t.Errorf("config %+v", s.Config())
	}
	for range 2 {
		res := send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil)
		if res.status != http.StatusTooManyRequests || res.raw != `{"detail":"You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"}` {
			t.Fatalf("%d %s", res.status, res.raw)
		}
		// 0.25s into a second, "a second ahead" is the second after next.
		if got := res.header.Get("X-Sentry-Rate-Limit-Reset"); got != strconv.FormatInt(clock.now().Unix()+2, 10) {
			t.Errorf("reset %s at %v", got, clock.now())
		}
		if res.header.Get("X-Sentry-Rate-Limit-Remaining") != "0" {
			t.Errorf("headers %v", res.header)
		}
	}
	send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil).expect(t, http.StatusOK, nil)
	if s.Config().Burst429 != 0 {
		t.Errorf("burst left %d", s.Config().Burst429)
	}
}

// TestBurst429Recurring checks that Burst429Every and Burst429Size answer
// the requests after every Burst429Every with a burst of 429s, counted by
// requests, and that Stats counts them.
func TestBurst429Recurring(t *testing.T) {
	s := newLoadServer(t, Options{})
	withClock(s)
	if err := s.SetConfig(Config{Burst429Every: 2, Burst429Size: 1}); err != nil {
		t.Fatal(err)
	}
	var got []int
	for range 9 {
		got = append(got, send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil).status)
	}
	want := []int{200, 200, 429, 200, 200, 429, 200, 200, 429}
	if !slices.Equal(got, want) {
		t.Errorf("statuses %v\nwant %v", got, want)
	}
	if n := s.Stats().RateLimited; n != 3 {
		t.Errorf("rate limited %d, want 3", n)
	}
	// A new Config starts the count again.
	if err := s.SetConfig(Config{Burst429Every: 1, Burst429Size: 2}); err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for range 4 {
		got = append(got, send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil).status)
	}
	if want := []int{200, 429, 429, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v\nwant %v", got, want)
	}
	if err := s.SetConfig(Config{Burst429Every: -1}); err == nil {
		t.Error("a negative Burst429Every was accepted")
	}
}

// TestBurst429Interval checks that Burst429Interval refuses every request
// in the first second of each interval by the clock, whatever the request
// count, with the window's end as the reset, and nothing in between.
func TestBurst429Interval(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{RateLimit: RateLimitSaaS, Burst429Interval: 3 * time.Second}})
	clock := withClock(s)
	// Move to the start of the next second that is a multiple of 3.
	clock.advance(time.Duration(3-clock.now().Unix()%3)*time.Second - time.Second/4)
	start := clock.now().Unix()
	type answer struct {
		status int
		reset  string
	}
	var got []answer
	for range 12 {
		// Three requests a quarter second: their number does not
		// matter, the clock does.
		for range 3 {
			res := send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil)
			if res.status == http.StatusTooManyRequests {
				got = append(got, answer{res.status, res.header.Get("X-Sentry-Rate-Limit-Reset")})
				if res.header.Get("X-Sentry-Rate-Limit-Remaining") != "0" || res.header.Get("X-Sentry-Rate-Limit-Limit") != "40" {
					t.Errorf("a burst's headers %v", res.header)
				}
			}
		}
		clock.advance(time.Second / 4)
	}
	// 12 quarter seconds: the 3 requests of each quarter of the first
	// second, and none of the two seconds after it.
	if len(got) != 12 {
		t.Errorf("%d requests refused in 3s, want the 12 of the first second", len(got))
	}
	for _, a := range got {
		if a.reset != strconv.FormatInt(start+1, 10) {
			t.Errorf("a burst's reset %s, want the end of its second %d", a.reset, start+1)
		}
	}
	if n := s.Stats().RateLimited; n != 12 {
		t.Errorf("rate limited %d, want 12", n)
	}
	// The next interval's first second is refused again.
	if res := send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil); res.status != http.StatusTooManyRequests {
		t.Errorf("at %v: %d, want the next interval's burst", clock.now(), res.status)
	}
	if got := s.Config().Burst429Interval; got != 3*time.Second {
		t.Errorf("config interval %s", got)
	}
	for _, bad := range []time.Duration{-time.Second, time.Second, 2500 * time.Millisecond} {
		if err := s.SetConfig(Config{Burst429Interval: bad}); err == nil {
			t.Errorf("Burst429Interval %s was accepted", bad)
		}
	}
}

// rawPost posts a team through a real connection and returns the error
// the client meets, if any.
func rawPost(t *testing.T, url, token, slug string) error {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url+teamsPath, strings.NewReader(`{"slug":"`+slug+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Errorf("status %d", res.StatusCode)
	}
	return nil
}

func TestDroppedConnections(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{DropRate: 1}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	owner := s.Tokens().Owner
	teamExists := func(slug string) bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.st.orgsBySlug["acme"].teamSlugs[slug] != nil
	}

	if err := rawPost(t, srv.URL, owner, "before"); err == nil {
		t.Error("a dropped POST got an answer")
	}
	if teamExists("before") {
		t.Error("a POST dropped before the change made it")
	}
	// Reads pass.
	send(t, s, http.MethodGet, teamsPath, owner, nil).expect(t, http.StatusOK, nil)

	if err := s.SetConfig(Config{DropAfterRate: 1}); err != nil {
		t.Fatal(err)
	}
	if err := rawPost(t, srv.URL, owner, "after"); err == nil {
		t.Error("a dropped POST got an answer")
	}
	if !teamExists("after") {
		t.Error("a POST dropped after the change did not make it")
	}

	if err := s.SetConfig(Config{}); err != nil {
		t.Fatal(err)
	}
	if err := rawPost(t, srv.URL, owner, "fine"); err != nil {
		t.Errorf("POST with drops off: %v", err)
	}
}

func TestConfigControl(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{Seed: 7, RateLimits: map[string]int{"organization-teams": 5}}})
	res := send(t, s, http.MethodGet, "/_sim/config", "", nil)
	res.expect(t, http.StatusOK, map[string]any{
		"rate_limit": "off", "rate_limits": map[string]any{"organization-teams": 5}, "default_rate_limit": 40,
		"concurrent_limit": 25, "latency": "0s", "jitter": "0s", "fault_rate": 0, "fault_statuses": []any{500, 502, 503},
		"drop_rate": 0, "drop_after_rate": 0, "seed": 7, "burst_429": 0, "burst_429_every": 0, "burst_429_size": 0, "burst_429_interval": "0s",
	})

	res = send(t, s, http.MethodPost, "/_sim/config", "", map[string]any{"rate_limit": "saas", "latency": "15ms", "fault_rate": 0.25, "burst_429": 3,
		"burst_429_every": 45, "burst_429_size": 5, "burst_429_interval": "2s"})
	res.expect(t, http.StatusOK, nil)
	got := s.Config()
	want := Config{RateLimit: RateLimitSaaS, RateLimits: map[string]int{"organization-teams": 5}, Latency: 15 * time.Millisecond, FaultRate: 0.25, Seed: 7, Burst429: 3,
		Burst429Every: 45, Burst429Size: 5, Burst429Interval: 2 * time.Second}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config %+v\nwant %+v", got, want)
	}
	if res.obj(t)["latency"] != "15ms" {
		t.Errorf("answer %s", res.raw)
	}

	for _, body := range []any{
		map[string]any{"fault_rate": 2},
		map[string]any{"rate_limit": "always"},
		map[string]any{"latency": "soon"},
		map[string]any{"burst_429_interval": "1500ms"},
		map[string]any{"fault_statuses": []int{200}},
		map[string]any{"nope": 1},
		`{"latency": "1s"} {}`,
		"[]",
	} {
		send(t, s, http.MethodPost, "/_sim/config", "", body).expect(t, http.StatusBadRequest, nil)
	}
	if !reflect.DeepEqual(s.Config(), want) {
		t.Errorf("a refused POST changed the config: %+v", s.Config())
	}
	send(t, s, http.MethodPut, "/_sim/config", "", map[string]any{}).expect(t, http.StatusNotFound, nil)
}
