package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// TestOrgTokenAccessProbesOnce asks many resources at once whether Sentry
// refuses auth tokens on its organization auth token endpoints: one probe
// answers them all, and only Sentry's session-only refusal counts as one.
func TestOrgTokenAccessProbesOnce(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		refused bool
	}{
		{"session only", http.StatusForbidden, `{"detail": "Authentication credentials were not provided."}`, true},
		{"accepted", http.StatusOK, `[]`, false},
		{"missing scope", http.StatusForbidden, `{"detail": "You do not have permission to perform this action."}`, false},
		{"bad token", http.StatusUnauthorized, `{"detail": "Invalid token"}`, false},
		{"unknown organization", http.StatusNotFound, `{"detail": "The requested resource does not exist"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int64
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				if r.Method != http.MethodGet || r.URL.Path != "/api/0/organizations/acme/org-auth-tokens/" {
					t.Errorf("probe %s %s, want a GET of the token list", r.Method, r.URL.Path)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer server.Close()
			client, err := sentry.NewClient(sentry.Config{BaseURL: server.URL + "/api/", Token: "sntryu_test"})
			if err != nil {
				t.Fatal(err)
			}
			var access orgTokenAccess
			var wg sync.WaitGroup
			var wrong atomic.Int64
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if access.sessionOnly(context.Background(), client, "acme") != tc.refused {
						wrong.Add(1)
					}
				}()
			}
			wg.Wait()
			if n := wrong.Load(); n != 0 {
				t.Errorf("%d of 20 callers got refused = %v", n, !tc.refused)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("%d probe requests, want 1", n)
			}
		})
	}
}

// TestOrgTokenAccessLearnsFromReads checks that an answer a resource got
// anyway spares the probe.
func TestOrgTokenAccessLearnsFromReads(t *testing.T) {
	refusal := &sentry.APIError{StatusCode: http.StatusForbidden, Detail: "Authentication credentials were not provided."}
	var refused orgTokenAccess
	if !refused.learn(refusal) || !refused.sessionOnly(context.Background(), nil, "acme") {
		t.Error("a session-only refusal was not remembered")
	}
	var allowed orgTokenAccess
	if allowed.learn(nil) || allowed.sessionOnly(context.Background(), nil, "acme") {
		t.Error("an answer was not remembered")
	}
	var unknown orgTokenAccess
	if unknown.learn(&sentry.APIError{StatusCode: http.StatusInternalServerError}) || unknown.refused.Load() || unknown.allowed.Load() {
		t.Error("a server error told something")
	}
}
