package sentrysim

import (
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// unmatchedPattern is where requests that no endpoint serves are counted.
const unmatchedPattern = "(no route)"

// Stats counts the API requests a Server has received, answered or not.
type Stats struct {
	// Requests is the number of requests by method and route pattern, as
	// "GET /organizations/{org}/teams/". Requests no endpoint serves are
	// counted under the pattern "(no route)".
	Requests map[string]int64 `json:"requests"`
	// Connections is the number of TCP connections clients opened, when
	// the http.Server serving the emulator reports them through
	// [Server.ConnState]; a client that reuses its connections opens few.
	Connections int64 `json:"connections"`
	// RateLimited is the number of requests answered 429, by a burst or
	// by the rate limiter.
	RateLimited int64 `json:"rate_limited"`
}

// Count returns the number of requests with the method to the route
// pattern ("/organizations/{org}/teams/").
func (s Stats) Count(method, pattern string) int64 {
	return s.Requests[method+" "+pattern]
}

// Total returns the number of requests of every kind.
func (s Stats) Total() int64 {
	var n int64
	for _, c := range s.Requests {
		n += c
	}
	return n
}

// requestStats is the Server's request counters.
type requestStats struct {
	mu          sync.Mutex
	counts      map[string]int64
	connections atomic.Int64
	rateLimited atomic.Int64
}

func newRequestStats() *requestStats {
	return &requestStats{counts: make(map[string]int64)}
}

func (rs *requestStats) add(key string) {
	rs.mu.Lock()
	rs.counts[key]++
	rs.mu.Unlock()
}

func (rs *requestStats) snapshot() Stats {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return Stats{Requests: maps.Clone(rs.counts), Connections: rs.connections.Load(), RateLimited: rs.rateLimited.Load()}
}

func (rs *requestStats) reset() {
	rs.mu.Lock()
	clear(rs.counts)
	rs.connections.Store(0)
	rs.rateLimited.Store(0)
	rs.mu.Unlock()
}

// routeOf finds the route a request is for, as the mux will: its pattern
// under /api/0 ("/organizations/{org}/teams/", or "(no route)") and the
// endpoint's name for rate limits ("" when no endpoint serves it).
func (s *Server) routeOf(r *http.Request) (pattern, name string) {
	_, full := s.mux.Handler(r)
	if i := strings.IndexByte(full, ' '); i >= 0 {
		full = full[i+1:]
	}
	// The catch-all names no wildcard; every endpoint's pattern has one.
	// A path without its trailing slash meets the mux's redirect to the
	// pattern that has it, and the catch-all in its place.
	if !strings.Contains(full, "{") || !strings.HasSuffix(r.URL.Path, "/") && strings.HasSuffix(full, "/{$}") {
		return unmatchedPattern, ""
	}
	if fb := s.fallbacks[full]; fb != nil {
		name = fb.name
	}
	return strings.TrimSuffix(strings.TrimPrefix(full, apiPrefix), "{$}"), name
}
