package sentrysim

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// preciseFaults are faults aimed at given requests, as opposed to the
// random draws of Config: a test names the method and route of the
// request it wants to fail and how many times.
type preciseFaults struct {
	mu sync.Mutex
	// dropAfter counts, by "METHOD route-name", the requests still to be
	// carried out and then answered with a dropped connection.
	dropAfter map[string]int
}

func newPreciseFaults() *preciseFaults {
	return &preciseFaults{dropAfter: make(map[string]int)}
}

func faultKey(method, route string) string {
	return strings.ToUpper(method) + " " + route
}

// takeDropAfter reports whether a request is one of those DropAfterNext
// asked for, and counts it.
func (p *preciseFaults) takeDropAfter(method, route string) bool {
	if route == "" {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := faultKey(method, route)
	n := p.dropAfter[k]
	if n <= 0 {
		return false
	}
	if n == 1 {
		delete(p.dropAfter, k)
	} else {
		p.dropAfter[k] = n - 1
	}
	return true
}

// DropAfterNext makes the next n API requests with the method to the
// named route ("organization-teams", "org-auth-tokens",
// "project-team-details", as Config.RateLimits names routes) run to their
// end, changing what they change, and then drops the connection without
// an answer, as a proxy or network failure would. Requests refused
// earlier by a 429 burst, a random fault or a dropped connection before
// the change do not count. n of 0 or less cancels what is pending for the
// route.
func (s *Server) DropAfterNext(method, route string, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	k := faultKey(method, route)
	if n <= 0 {
		delete(s.faults.dropAfter, k)
		return
	}
	s.faults.dropAfter[k] = n
}

// PendingDropAfter returns how many of the requests DropAfterNext asked
// for have not come yet.
func (s *Server) PendingDropAfter(method, route string) int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.dropAfter[faultKey(method, route)]
}

// OrgTokenLive reports whether value is an organization auth token of the
// organization that authenticates requests: it exists and has not been
// revoked.
func (s *Server) OrgTokenLive(org, value string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.st.lookupOrganization(org)
	t := s.st.tokens[value]
	return o != nil && t != nil && t.kind == orgToken && t.org == o && !t.deactivated && !t.expired(s.now())
}

// dropAfterJSON is the body of POST /_sim/faults/drop-after.
type dropAfterJSON struct {
	Method string `json:"method"`
	Route  string `json:"route"`
	Count  int    `json:"count"`
}

// registerFaultControls adds POST /_sim/faults/drop-after, which is
// DropAfterNext: {"method": "POST", "route": "organization-teams",
// "count": 1}.
func (s *Server) registerFaultControls() {
	s.mux.HandleFunc("POST /_sim/faults/drop-after", func(w http.ResponseWriter, r *http.Request) {
		var p dropAfterJSON
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			writeDetail(w, http.StatusBadRequest, "invalid drop-after: "+err.Error())
			return
		}
		if p.Method == "" || p.Route == "" {
			writeDetail(w, http.StatusBadRequest, "invalid drop-after: method and route are required")
			return
		}
		s.DropAfterNext(p.Method, p.Route, p.Count)
		writeJSON(w, http.StatusOK, object{
			{"method", strings.ToUpper(p.Method)}, {"route", p.Route},
			{"pending", s.PendingDropAfter(p.Method, p.Route)},
		})
	})
}
