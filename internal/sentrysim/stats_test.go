package sentrysim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestStatsCountEveryAPIRequest(t *testing.T) {
	s := newLoadServer(t, Options{})
	tok := s.Tokens()
	send(t, s, http.MethodGet, teamsPath, tok.Owner, nil).expect(t, http.StatusOK, nil)
	send(t, s, http.MethodGet, "/api/0/organizations/1234/teams/", tok.Owner, nil).expect(t, http.StatusNotFound, nil)
	send(t, s, http.MethodPost, teamsPath, tok.Member, map[string]any{"slug": "x"}).expect(t, http.StatusForbidden, nil)
	send(t, s, http.MethodPost, teamsPath, tok.Owner, map[string]any{"slug": "web"}).expect(t, http.StatusCreated, nil)
	send(t, s, http.MethodGet, teamPath("acme", "web"), "", nil).expect(t, http.StatusUnauthorized, nil)
	// A method the endpoint lacks, a path without its slash, and a path
	// no endpoint serves.
	send(t, s, http.MethodPatch, teamPath("acme", "web"), tok.Owner, nil).expect(t, http.StatusForbidden, nil)
	send(t, s, http.MethodGet, "/api/0/organizations/acme/teams", tok.Owner, nil).expect(t, http.StatusNotFound, nil)
	send(t, s, http.MethodGet, "/api/0/nothing/here/", tok.Owner, nil).expect(t, http.StatusNotFound, nil)
	// Rejected by a burst: counted all the same.
	s.Burst429(1)
	send(t, s, http.MethodGet, teamsPath, tok.Owner, nil)
	// Controls are not counted.
	send(t, s, http.MethodGet, "/_sim/health", "", nil).expect(t, http.StatusOK, nil)
	send(t, s, http.MethodGet, "/_sim/stats", "", nil).expect(t, http.StatusOK, nil)

	st := s.Stats()
	want := map[string]int64{
		"GET /organizations/{org}/teams/":  3,
		"POST /organizations/{org}/teams/": 2,
		"GET /teams/{org}/{team}/":         1,
		"PATCH /teams/{org}/{team}/":       1,
		"GET (no route)":                   2,
	}
	if !reflect.DeepEqual(st.Requests, want) {
		t.Errorf("counts %v\nwant %v", st.Requests, want)
	}
	if st.Count(http.MethodGet, "/organizations/{org}/teams/") != 3 || st.Count(http.MethodDelete, "/teams/{org}/{team}/") != 0 || st.Total() != 9 {
		t.Errorf("Count/Total %d %d", st.Count(http.MethodGet, "/organizations/{org}/teams/"), st.Total())
	}
	// The snapshot is a copy.
	st.Requests["GET (no route)"] = 100
	if s.Stats().Count(http.MethodGet, unmatchedPattern) != 2 {
		t.Error("Stats shares its map")
	}

	send(t, s, http.MethodGet, "/_sim/stats", "", nil).expect(t, http.StatusOK, map[string]any{
		"requests": map[string]any{
			"GET (no route)": 2, "GET /organizations/{org}/teams/": 3, "GET /teams/{org}/{team}/": 1,
			"PATCH /teams/{org}/{team}/": 1, "POST /organizations/{org}/teams/": 2,
		},
		"total": 9, "connections": 0, "rate_limited": 1,
	})
	send(t, s, http.MethodPost, "/_sim/stats/reset", "", nil).expect(t, http.StatusNoContent, nil)
	if s.Stats().Total() != 0 {
		t.Errorf("after reset %v", s.Stats())
	}
	send(t, s, http.MethodGet, teamsPath, tok.Owner, nil)
	s.ResetStats()
	if len(s.Stats().Requests) != 0 {
		t.Errorf("after ResetStats %v", s.Stats())
	}
}

func TestStatsCountRateLimitedRequests(t *testing.T) {
	s := newLoadServer(t, Options{Config: Config{RateLimit: RateLimitSaaS, RateLimits: map[string]int{"organization-teams": 1}}})
	withClock(s)
	for range 3 {
		send(t, s, http.MethodGet, teamsPath, s.Tokens().Owner, nil)
	}
	if got := s.Stats().Count(http.MethodGet, "/organizations/{org}/teams/"); got != 3 {
		t.Errorf("%d counted", got)
	}
	// One request a second: the second and third are refused.
	if got := s.Stats().RateLimited; got != 2 {
		t.Errorf("%d rate limited, want 2", got)
	}
}

// TestStatsCountConnections checks that ConnState, set on the serving
// http.Server, counts the connections clients open, and that a reset
// clears them.
func TestStatsCountConnections(t *testing.T) {
	s := New(Options{Organization: "acme"})
	server := httptest.NewUnstartedServer(s)
	server.Config.ConnState = s.ConnState
	server.Start()
	defer server.Close()
	for range 3 {
		// A client without keep-alive opens a connection a request.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, server.URL+"/_sim/stats", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	if got := s.Stats().Connections; got != 3 {
		t.Errorf("connections = %d, want 3", got)
	}
	s.ResetStats()
	if got := s.Stats().Connections; got != 0 {
		t.Errorf("connections after reset = %d", got)
	}
}
