package sentrysim

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestSeededTokens(t *testing.T) {
	s := newTestServer(t)
	tok := s.Tokens()
	re := regexp.MustCompile(`^sntryu_[0-9a-f]{64}$`)
	for _, v := range []string{tok.Owner, tok.Manager, tok.Member} {
		if !re.MatchString(v) {
			t.Errorf("token %q is not a user token", v)
		}
	}
	if tok.Owner == tok.Manager || tok.Manager == tok.Member {
		t.Error("seeded tokens repeat")
	}
	if other := New(Options{}).Tokens(); other.Owner == tok.Owner {
		t.Error("tokens are not random per server")
	}
	if got := New(Options{}).Organization(); got != "acme" {
		t.Errorf("default organization %q", got)
	}
}

func TestHealth(t *testing.T) {
	s := newTestServer(t)
	send(t, s, http.MethodGet, "/_sim/health", "", nil).expect(t, http.StatusOK, map[string]any{"ok": true})
	send(t, s, http.MethodGet, "/_sim/nothing", "", nil).expect(t, http.StatusNotFound, detail(detailNotFound))
}

func TestAuthentication(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	path := "/api/0/organizations/acme/teams/"
	cases := []struct {
		name   string
		header string
		status int
		detail string
	}{
		{"no header", "", 401, "Authentication credentials were not provided."},
		{"unknown scheme", "Token " + owner, 401, "Authentication credentials were not provided."},
		{"bearer without token", "Bearer", 401, "Invalid token header. No credentials provided."},
		{"bearer with spaces", "Bearer a b", 401, "Invalid token header. Token string should not contain spaces."},
		{"unknown user token", "Bearer sntryu_" + "00000000000000000000000000000000000000000000000000000000000000aa", 401, "Invalid token"},
		{"not a token at all", "Bearer hello", 401, "Invalid token"},
		{"unknown org token", "Bearer sntrys_abc", 401, "Invalid org token"},
		{"api key", "Basic " + base64.StdEncoding.EncodeToString([]byte("somekey:")), 401, "API key is not valid"},
		{"bad basic", "Basic %%%", 401, "Invalid basic header. Credentials not correctly base64 encoded."},
		{"basic with password is anonymous", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:p")), 401, "Authentication credentials were not provided."},
		{"lower-case scheme", "bearer " + owner, 200, ""},
		{"valid", "Bearer " + owner, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "http://example.com"+path, nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if c.status != 401 {
				return
			}
			want := `{"detail":"` + c.detail + `"}`
			if rec.Body.String() != want {
				t.Errorf("body %s, want %s", rec.Body, want)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != `xBasic realm="api"` {
				t.Errorf("WWW-Authenticate %q", got)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type %q", got)
			}
		})
	}
}

func TestExpiredToken(t *testing.T) {
	s := newTestServer(t)
	tok, err := s.AddUserToken("owner@acme.example", "org:read")
	if err != nil {
		t.Fatal(err)
	}
	s.st.tokens[tok].expiresAt = testNow.Add(-time.Second)
	send(t, s, http.MethodGet, "/api/0/organizations/acme/teams/", tok, nil).
		expect(t, http.StatusUnauthorized, detail("Token expired"))
}

func TestOrganizationResolution(t *testing.T) {
	s := newTestServer(t)
	other := s.AddOrganization("globex")
	tok := s.Tokens()
	orgID := s.st.orgsBySlug["acme"].id
	readOnly, err := s.AddUserToken("owner@acme.example", "project:read")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, org, token string
		status           int
		detail           string
	}{
		{"slug", "acme", tok.Owner, 200, ""},
		{"numeric id", formatID(orgID), tok.Member, 200, ""},
		{"unknown slug", "nope", tok.Owner, 404, detailNotFound},
		{"unknown id", "123", tok.Owner, 404, detailNotFound},
		// A user of another organization passes the token check and is
		// refused by the organization's access check.
		{"not a member", "acme", other.Owner, 403, detailForbidden},
		// The token's scopes are checked before the organization is
		// looked up, so a token without them never learns whether it
		// exists.
		{"token lacks scope, known org", "acme", readOnly, 403, detailForbidden},
		{"token lacks scope, unknown org", "nope", readOnly, 403, detailForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := send(t, s, http.MethodGet, "/api/0/organizations/"+c.org+"/teams/", c.token, nil)
			if c.detail == "" {
				res.expect(t, c.status, nil)
				return
			}
			res.expect(t, c.status, detail(c.detail))
		})
	}
}

func TestUnknownPaths(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	send(t, s, http.MethodGet, "/api/0/nothing/here/", owner, nil).expect(t, http.StatusNotFound, detail(detailNotFound))
	send(t, s, http.MethodGet, "/api/0/teams/acme/", owner, nil).expect(t, http.StatusNotFound, detail(detailNotFound))

	res := send(t, s, http.MethodGet, "/api/0/organizations/acme/teams", owner, nil)
	want := "Route not found, did you forget a trailing slash?\n\ntry: /api/0/organizations/acme/teams/\n" +
		"                                    ^\n"
	if res.status != http.StatusNotFound || res.raw != want {
		t.Fatalf("missing slash: %d %q", res.status, res.raw)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s := newTestServer(t)
	owner := s.Tokens().Owner
	mustCreateTeam(t, s, "acme", owner, map[string]any{"slug": "backend"})
	// Sentry checks the credentials and the token's scopes before it
	// looks for a handler, and its permission classes name no scopes
	// for PATCH.
	send(t, s, http.MethodPatch, teamPath("acme", "backend"), "", nil).
		expect(t, http.StatusUnauthorized, detail(detailNotAuthenticated))
	send(t, s, http.MethodPatch, teamPath("acme", "backend"), owner, nil).
		expect(t, http.StatusForbidden, detail(detailForbidden))
	// The teams list's permission class has scopes for PUT, so a token
	// with them meets the missing handler.
	res := send(t, s, http.MethodPut, "/api/0/organizations/acme/teams/", owner, nil)
	res.expect(t, http.StatusMethodNotAllowed, detail(`Method "PUT" not allowed.`))
	if got := res.header.Get("Allow"); got != "GET, HEAD, POST" {
		t.Errorf("Allow %q", got)
	}
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
