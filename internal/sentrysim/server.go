package sentrysim

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Server.
type Options struct {
	// Organization is the slug of the seeded organization; "acme" when
	// empty.
	Organization string
	// Now is the clock for dates and token expiry; time.Now when nil.
	Now func() time.Time

	// Config holds the load and fault switches; they can be changed later
	// with SetConfig or POST /_sim/config. New panics when one is out of
	// range.
	Config

	// LegacyOrgTokens serves the organization auth token endpoints as
	// releases before 25.10 did, to bearer tokens. By default they follow
	// today's Sentry, where only a signed-in browser session may use them
	// (see registerOrgTokenRoutes); SetLegacyOrgTokens changes it later.
	LegacyOrgTokens bool
}

// Tokens are the seeded users' personal auth tokens ("sntryu_" and 64 hex
// characters), each with its role's scopes.
type Tokens struct {
	Owner, Manager, Member string
}

// Server is an in-memory Sentry API. It is an http.Handler serving
// Sentry's paths under /api/0/ and test controls under /_sim/, and is safe
// for concurrent use.
type Server struct {
	now func() time.Time
	mux *http.ServeMux
	// handler is mux behind the middlewares every request passes.
	handler http.Handler
	// fallbacks answer unregistered methods, by full path pattern.
	fallbacks map[string]*fallback

	// mu guards st and seeded. Read-only requests share it.
	mu         sync.RWMutex
	st         *store
	seeded     map[string]Tokens
	defaultOrg string

	// load holds the load and fault switches; stats the request counters.
	load  *loadState
	stats *requestStats
	// faults holds the faults aimed at given requests (DropAfterNext).
	faults *preciseFaults
	// legacyOrgTokens is Options.LegacyOrgTokens, switchable while serving.
	legacyOrgTokens atomic.Bool
}

// New returns a Server with one seeded organization: owner@<org>.example,
// manager@<org>.example and member@<org>.example, members with those
// roles, each with a personal token carrying the role's scopes.
func New(opts Options) *Server {
	s := &Server{
		now:       opts.Now,
		mux:       http.NewServeMux(),
		fallbacks: make(map[string]*fallback),
		st:        newStore(),
		seeded:    make(map[string]Tokens),
	}
	if s.now == nil {
		s.now = time.Now
	}
	load, err := newLoadState(opts.Config)
	if err != nil {
		panic(err.Error())
	}
	s.load, s.stats, s.faults = load, newRequestStats(), newPreciseFaults()
	s.legacyOrgTokens.Store(opts.LegacyOrgTokens)
	s.defaultOrg = opts.Organization
	if s.defaultOrg == "" {
		s.defaultOrg = "acme"
	}

	s.registerTeamRoutes()
	s.registerMemberRoutes()
	s.registerSCIMRoutes()
	s.registerProjectRoutes()
	s.registerOrgTokenRoutes()
	s.registerAuditRoutes()
	s.registerOrganizationRoutes()
	s.registerHealthRoutes()
	s.registerControls()
	s.mux.HandleFunc(apiPrefix+"/", catchAll)
	// Request counters, rate limits, latency and fault injection wrap
	// this handler: they see every request and run outside the store's
	// lock.
	s.handler = s.withLoad(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every Sentry path but SCIM's ends in a slash; without one,
		// ServeMux would redirect where Sentry answers 404.
		if strings.HasPrefix(r.URL.Path, apiPrefix+"/") && !strings.HasSuffix(r.URL.Path, "/") && !isSCIMPath(r.URL.Path) {
			catchAll(w, r)
			return
		}
		s.mux.ServeHTTP(w, r)
	}))

	s.AddOrganization(s.defaultOrg)
	return s
}

// ServeHTTP serves Sentry's API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// catchAll answers paths under /api/0/ that no endpoint serves. Sentry
// points out a missing trailing slash; otherwise it is a plain 404.
func catchAll(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/") {
		help := "Route not found, did you forget a trailing slash?"
		suggestion := "try: " + r.URL.Path + "/"
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			writeJSON(w, http.StatusNotFound, object{{"info", help + " " + suggestion}})
			return
		}
		writeText(w, http.StatusNotFound, help+"\n\n"+suggestion+"\n"+strings.Repeat(" ", len(suggestion)-1)+"^\n")
		return
	}
	writeDetail(w, http.StatusNotFound, detailNotFound)
}
