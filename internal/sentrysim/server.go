package sentrysim

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// Organization is the slug of the seeded organization; "acme" when
	// empty.
	Organization string
	// Now is the clock for dates and token expiry; time.Now when nil.
	Now func() time.Time

	// The load and fault switches, as Config describes them; they can be
	// changed later with SetConfig or POST /_sim/config. New panics when
	// one is out of range.
	RateLimit               string
	RateLimits              map[string]int
	DefaultRateLimit        int
	ConcurrentLimit         int
	Latency, Jitter         time.Duration
	FaultRate               float64
	FaultStatuses           []int
	DropRate, DropAfterRate float64
	Seed                    int64
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
	load, err := newLoadState(opts.config())
	if err != nil {
		panic(err.Error())
	}
	s.load, s.stats, s.faults = load, newRequestStats(), newPreciseFaults()
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
	s.registerLoadControls()
	s.registerStatsControls()
	s.registerFaultControls()
	s.mux.HandleFunc("GET /_sim/health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, object{{"ok", true}})
	})
	s.mux.HandleFunc("/_sim/", func(w http.ResponseWriter, _ *http.Request) {
		writeDetail(w, http.StatusNotFound, detailNotFound)
	})
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

// Tokens returns the seeded organization's tokens.
func (s *Server) Tokens() Tokens {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.seeded[s.defaultOrg]
}

// Organization returns the seeded organization's slug.
func (s *Server) Organization() string { return s.defaultOrg }

// AddOrganization seeds another organization with its own owner, manager
// and member, and returns their tokens. The slug must be new.
func (s *Server) AddOrganization(slug string) Tokens {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.orgsBySlug[slug] != nil {
		panic(fmt.Sprintf("sentrysim: organization %q already exists", slug))
	}
	now := s.now()
	org := s.st.addOrganization(slug, slug, now)
	seed := func(role *orgRole) string {
		u := s.st.addUser(role.id+"@"+slug+".example", now)
		s.st.addMember(org, u, role, now)
		return s.st.addUserToken(u, role.scopes&tokenScopes, now).value
	}
	t := Tokens{Owner: seed(orgRoleOwner), Manager: seed(orgRoleManager), Member: seed(orgRoleMember)}
	s.seeded[slug] = t
	return t
}

// Errors of the test controls.
var (
	ErrNoOrganization = errors.New("sentrysim: no such organization")
	ErrNoTeam         = errors.New("sentrysim: no such team")
	ErrNoMember       = errors.New("sentrysim: no such member")
	ErrBadRole        = errors.New("sentrysim: no such role")
	ErrBadScope       = errors.New("sentrysim: no such token scope")
)

// AddMember makes the user with the email a joined member of the
// organization with the org role ("member", "admin", "manager", "owner",
// "billing"), creating the user if needed, and returns a new personal
// token for it with the given scopes (the role's scopes when none are
// given). Sentry allows any scopes on a token; what the token can do is
// still bounded by the role.
func (s *Server) AddMember(org, email, role string, scopes ...string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.lookupOrganization(org)
	if o == nil {
		return "", ErrNoOrganization
	}
	r := lookupOrgRole(role)
	if r == nil {
		return "", ErrBadRole
	}
	set := r.scopes & tokenScopes
	if len(scopes) > 0 {
		var err error
		if set, err = parseTokenScopes(scopes); err != nil {
			return "", err
		}
	}
	now := s.now()
	u := s.st.addUser(email, now)
	s.st.addMember(o, u, r, now)
	return s.st.addUserToken(u, set, now).value, nil
}

// AddUserToken gives an existing user a new personal token with the given
// scopes (each implying its lower levels, as Sentry's token form does).
func (s *Server) AddUserToken(email string, scopes ...string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.usersByEmail[strings.ToLower(email)]
	if u == nil {
		return "", ErrNoMember
	}
	set, err := parseTokenScopes(scopes)
	if err != nil {
		return "", err
	}
	return s.st.addUserToken(u, set, s.now()).value, nil
}

func parseTokenScopes(scopes []string) (scopeSet, error) {
	var set scopeSet
	for _, name := range scopes {
		if !tokenScopes.has(name) {
			return 0, fmt.Errorf("%w: %q", ErrBadScope, name)
		}
		set |= scopesOf(name)
	}
	return set.withImplied(), nil
}

// SetTeamRole puts the member with the email on the team (id or slug) with
// the stored team role: "contributor", "admin", or "" for Sentry's null.
func (s *Server) SetTeamRole(org, team, email, role string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.lookupOrganization(org)
	if o == nil {
		return ErrNoOrganization
	}
	t := o.lookupTeam(team)
	if t == nil {
		return ErrNoTeam
	}
	u := s.st.usersByEmail[strings.ToLower(email)]
	if u == nil || o.membersByUser[u.id] == nil {
		return ErrNoMember
	}
	var r *teamRole
	if role != "" {
		if r = lookupTeamRole(role); r == nil {
			return ErrBadRole
		}
	}
	addTeamMember(s.st, o.membersByUser[u.id], t, r)
	return nil
}

// SetTeamProvisioned marks a team (id or slug) as managed by the
// identity provider, as a team made through SCIM is.
func (s *Server) SetTeamProvisioned(org, team string, provisioned bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.lookupOrganization(org)
	if o == nil {
		return ErrNoOrganization
	}
	t := o.lookupTeam(team)
	if t == nil {
		return ErrNoTeam
	}
	t.idpProvisioned = provisioned
	return nil
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
