package sentrysim

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkListTeams measures the handler's time for one page of an
// organization with 2,000 teams.
func BenchmarkListTeams(b *testing.B) {
	s := newTestServer(b)
	owner := s.Tokens().Owner
	for i := range 2000 {
		mustCreateTeam(b, s, "acme", owner, map[string]any{"slug": fmt.Sprintf("team-%04d", i)})
	}
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "http://example.com/api/0/organizations/acme/teams/?cursor=100:7:0", nil)
	req.Header.Set("Authorization", "Bearer "+owner)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
