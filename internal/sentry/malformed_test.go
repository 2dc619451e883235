package sentry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A server that misbehaves in every way a broken proxy or a half-deployed
// Sentry does. Each test checks that the client neither panics nor hangs,
// that the error says plainly what was wrong, and whether the request may
// have been carried out.

// secretInBody stands for a token in an answer: it must never reach an
// error message.
const secretInBody = "sntrys_SECRETVALUE"

// answer serves every request with status, content type and body.
func answer(code int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	})
}

// objectCall is one client method that returns an object.
type objectCall struct {
	name, method, path, what string
	create                   bool
	call                     func(*Client) (any, error)
}

func objectCalls() []objectCall {
	ctx := context.Background()
	return []objectCall{
		{"CreateTeam", "POST", "organizations/acme/teams/", "team", true, func(c *Client) (any, error) {
			return c.CreateTeam(ctx, "acme", CreateTeamRequest{Slug: "backend"})
		}},
		{"CreateProject", "POST", "teams/acme/backend/projects/", "project", true, func(c *Client) (any, error) {
			return c.CreateProject(ctx, "acme", "backend", CreateProjectRequest{Name: "Web"})
		}},
		{"AddProjectTeam", "POST", "projects/acme/web/teams/backend/", "project", true, func(c *Client) (any, error) {
			return c.AddProjectTeam(ctx, "acme", "web", "backend")
		}},
		{"InviteMember", "POST", "organizations/acme/members/", "member", true, func(c *Client) (any, error) {
			return c.InviteMember(ctx, "acme", InviteMemberRequest{Email: "a@example.com", OrgRole: "member"})
		}},
		{"CreateOrgAuthToken", "POST", "organizations/acme/org-auth-tokens/", "token", true, func(c *Client) (any, error) {
			return c.CreateOrgAuthToken(ctx, "acme", "ci")
		}},
		{"CreateSCIMGroup", "POST", "organizations/acme/scim/v2/Groups", "SCIM group", true, func(c *Client) (any, error) {
			return c.CreateSCIMGroup(ctx, "acme", "Backend")
		}},
		{"CreateSCIMUser", "POST", "organizations/acme/scim/v2/Users", "SCIM user", true, func(c *Client) (any, error) {
			return c.CreateSCIMUser(ctx, "acme", "a@example.com", "")
		}},
		{"GetTeam", "GET", "teams/acme/backend/", "team", false, func(c *Client) (any, error) {
			return c.GetTeam(ctx, "acme", "backend")
		}},
		{"GetProject", "GET", "projects/acme/web/", "project", false, func(c *Client) (any, error) {
			return c.GetProject(ctx, "acme", "web")
		}},
		{"GetMember", "GET", "organizations/acme/members/7/", "member", false, func(c *Client) (any, error) {
			return c.GetMember(ctx, "acme", "7")
		}},
		{"GetOrgAuthToken", "GET", "organizations/acme/org-auth-tokens/3/", "token", false, func(c *Client) (any, error) {
			return c.GetOrgAuthToken(ctx, "acme", "3")
		}},
		{"GetSCIMGroup", "GET", "organizations/acme/scim/v2/Groups/5", "SCIM group", false, func(c *Client) (any, error) {
			return c.GetSCIMGroup(ctx, "acme", "5")
		}},
	}
}

// isNilResult reports whether a method's object result is a nil pointer.
func isNilResult(v any) bool {
	switch p := v.(type) {
	case *Team:
		return p == nil
	case *Project:
		return p == nil
	case *Member:
		return p == nil
	case *OrgAuthToken:
		return p == nil
	case *SCIMGroup:
		return p == nil
	case *SCIMUser:
		return p == nil
	}
	return false
}

func TestAnswerWithoutID(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"empty object": `{}`,
		"empty body":   ``,
		"null":         `null`,
		"no id":        `{"slug": "backend", "name": "Backend", "email": "a@example.com", "displayName": "Backend"}`,
		"empty id":     `{"id": ""}`,
	}
	for _, oc := range objectCalls() {
		for name, body := range bodies {
			t.Run(oc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				code := http.StatusOK
				if oc.create {
					code = http.StatusCreated
				}
				c := newTestClient(t, answer(code, "application/json", body))
				got, err := oc.call(c)
				want := fmt.Sprintf("%s %s: Sentry's %d answer has no %s id", oc.method, oc.path, code, oc.what)
				if err == nil || err.Error() != want {
					t.Fatalf("err = %v, want %q", err, want)
				}
				if !isNilResult(got) {
					t.Errorf("result %#v next to an error", got)
				}
				if IsOutcomeUnknown(err) != oc.create {
					t.Errorf("IsOutcomeUnknown = %v, want %v", IsOutcomeUnknown(err), oc.create)
				}
			})
		}
	}
}

func TestCreateOrgAuthTokenWithoutValue(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, answer(http.StatusCreated, "application/json", `{"id": "3", "name": "ci", "scopes": ["org:ci"]}`))
	tok, err := c.CreateOrgAuthToken(context.Background(), "acme", "ci")
	const want = "POST organizations/acme/org-auth-tokens/: Sentry's 201 answer has no token value"
	if err == nil || err.Error() != want || tok != nil {
		t.Fatalf("CreateOrgAuthToken = %v, %v; want %q", tok, err, want)
	}
	if !IsOutcomeUnknown(err) {
		t.Error("a token that may exist without its value must be outcome-unknown, to be found and revoked")
	}
}

func TestUndecodableAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, contentType, body, want string
	}{
		{"id is a number", "application/json", `{"id": 42, "token": "` + secretInBody + `"}`,
			`it has a JSON number in field "id" where a string is expected`},
		{"array", "application/json", `[{"token": "` + secretInBody + `"}]`,
			"it has a JSON array in the answer where a JSON object is expected"},
		{"string", "application/json", `"` + secretInBody + `"`,
			"it has a JSON string in the answer where a JSON object is expected"},
		{"truncated", "application/json", `{"id": "1", "token": "` + secretInBody,
			"its JSON is cut short"},
		{"garbage", "application/json", `{"id": "1"} ` + secretInBody,
			"it is not valid JSON (error at byte 13)"},
		{"HTML page", "text/html; charset=utf-8", `<html><body>Sign in ` + secretInBody + `</body></html>`,
			"(text/html, not JSON): it is not valid JSON (error at byte 1)"},
		// SCIM bodies have no dateCreated: the case is skipped for them.
		{"bad date", "application/json", `{"id": "1", "dateCreated": "` + secretInBody + `"}`,
			"it does not have the expected shape"},
	}
	for _, oc := range objectCalls() {
		for _, tc := range cases {
			if tc.name == "bad date" && strings.HasPrefix(oc.what, "SCIM") {
				continue
			}
			t.Run(oc.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				code := http.StatusOK
				if oc.create {
					code = http.StatusCreated
				}
				c := newTestClient(t, answer(code, tc.contentType, tc.body))
				got, err := oc.call(c)
				if err == nil {
					t.Fatalf("answer accepted: %#v", got)
				}
				prefix := fmt.Sprintf("%s %s: decoding Sentry's %d answer", oc.method, oc.path, code)
				if !strings.HasPrefix(err.Error(), prefix) || !strings.HasSuffix(err.Error(), tc.want) {
					t.Errorf("err = %q, want %q ... %q", err, prefix, tc.want)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("err = %q quotes the body", err)
				}
				if !isNilResult(got) {
					t.Errorf("result %#v next to an error", got)
				}
				var apiErr *APIError
				if errors.As(err, &apiErr) {
					t.Errorf("a 2xx answer gave an APIError: %v", err)
				}
				// A 2xx answer means Sentry did the work.
				if !IsOutcomeUnknown(err) {
					t.Errorf("IsOutcomeUnknown(%v) = false", err)
				}
			})
		}
	}
}

func TestHTMLErrorPage502(t *testing.T) {
	t.Parallel()
	page := "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, page)
		},
	}}
	c := newTestClient(t, seq, func(cfg *Config) { cfg.MaxRetries = 2 })

	_, err := c.GetTeam(context.Background(), "acme", "backend")
	if !hasStatus(err, 502) || !strings.HasPrefix(err.Error(), "GET teams/acme/backend/: 502 Bad Gateway: ") {
		t.Errorf("GET: err = %v, want the 502", err)
	}
	if !IsOutcomeUnknown(err) || seq.hits.Load() != 3 {
		t.Errorf("GET: outcome unknown %v after %d requests; want true after 3", IsOutcomeUnknown(err), seq.hits.Load())
	}

	_, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"})
	if !hasStatus(err, 502) || !IsOutcomeUnknown(err) {
		t.Errorf("POST: err = %v, want the 502, outcome unknown", err)
	}
	if seq.hits.Load() != 4 {
		t.Errorf("POST sent %d times, want once", seq.hits.Load()-3)
	}
}

func TestEmptyListAnswers(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `null`, `[]`} {
		c := newTestClient(t, answer(http.StatusOK, "application/json", body))
		teams, err := c.ListTeams(context.Background(), "acme")
		if err != nil || teams == nil || len(teams) != 0 {
			t.Errorf("body %q: ListTeams = %#v, %v; want an empty list", body, teams, err)
		}
	}
	c := newTestClient(t, answer(http.StatusOK, "application/json", `{"detail": "`+secretInBody+`"}`))
	_, err := c.ListTeams(context.Background(), "acme")
	if err == nil || !strings.Contains(err.Error(), "a JSON object in the answer where a JSON array is expected") ||
		strings.Contains(err.Error(), "SECRET") {
		t.Errorf("object for a list: err = %v", err)
	}
}

func TestEndlessCursors(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := hits.Add(1)
		w.Header().Set("Link", sentryLink("organizations/acme/members/", "100:-1:1", fmt.Sprintf("100:%d:0", n), false, true))
		_, _ = fmt.Fprintf(w, `[{"id": "%d"}]`, n)
	}))
	c.maxPages = 50
	members, err := c.ListMembers(context.Background(), "acme", "")
	const want = "GET organizations/acme/members/: the list did not end after 50 pages and was stopped; Sentry kept announcing another page"
	if err == nil || err.Error() != want || members != nil {
		t.Fatalf("ListMembers = %d members, %v; want %q", len(members), err, want)
	}
	if hits.Load() != 50 || IsOutcomeUnknown(err) {
		t.Errorf("%d requests, outcome unknown %v; want 50, false", hits.Load(), IsOutcomeUnknown(err))
	}
}

func TestSameCursorTwice(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Link", sentryLink("organizations/acme/members/", "100:-1:1", "100:1:0", false, true))
		_, _ = io.WriteString(w, `[{"id": "1"}]`)
	}))
	_, err := c.ListMembers(context.Background(), "acme", "")
	if err == nil || !strings.Contains(err.Error(), `next-page cursor "100:1:0" a second time`) {
		t.Fatalf("err = %v, want the repeated-cursor error", err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests, want 2", hits.Load())
	}
}

func TestServerNeverSendsHeaders(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){hang}}
		c := newBubbleClient(t, seq, bounds(30*time.Second, 100*time.Second), waits(time.Second))

		// A create is sent once; it may have been carried out.
		var err error
		took := elapsed(func() { _, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}) })
		const want = "POST organizations/acme/teams/: Sentry did not answer within 30s, the time allowed for one attempt"
		if err == nil || err.Error() != want || !IsOutcomeUnknown(err) {
			t.Errorf("POST: err = %v (outcome unknown %v), want %q, outcome unknown", err, IsOutcomeUnknown(err), want)
		}
		checkElapsed(t, took, 30*time.Second)

		// A read is retried until the call's bound runs out: attempts at
		// 0s, 31s, 62s and 93s, the last cut short at 100s.
		before := seq.hits.Load()
		took = elapsed(func() { _, err = c.ListTeams(context.Background(), "acme") })
		const wantGET = "GET organizations/acme/teams/: Sentry did not answer within 1m40s, the time allowed for one call and its retries"
		if err == nil || err.Error() != wantGET || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GET: err = %v, want %q", err, wantGET)
		}
		if n := seq.hits.Load() - before; n != 4 {
			t.Errorf("GET sent %d times, want 4", n)
		}
		checkElapsed(t, took, 100*time.Second)
	})
}

func TestServerStallsBody(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){stallBody}}
		c := newBubbleClient(t, seq, bounds(30*time.Second, 100*time.Second))
		var err error
		took := elapsed(func() { _, err = c.CreateTeam(context.Background(), "acme", CreateTeamRequest{Slug: "backend"}) })
		const want = "POST organizations/acme/teams/: reading Sentry's 200 answer: Sentry's answer did not arrive in full within 30s, the time allowed for one attempt"
		if err == nil || err.Error() != want || !IsOutcomeUnknown(err) {
			t.Errorf("err = %v, want %q, outcome unknown", err, want)
		}
		if seq.hits.Load() != 1 {
			t.Errorf("POST sent %d times, want once", seq.hits.Load())
		}
		checkElapsed(t, took, 30*time.Second)
	})
}
