package sentrysim

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// countingWriter is a ResponseWriter that keeps the status and the size of
// the body, so a benchmark times the handler rather than a recorder's
// copying.
type countingWriter struct {
	header http.Header
	status int
	size   int
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(status int)      { w.status = status }
func (w *countingWriter) Write(p []byte) (int, error) { w.size += len(p); return len(p), nil }

// benchPage measures the handler's time for one page: ns/op is the time
// of one page of up to 100 rows, through every middleware, up to the bytes
// handed to the connection.
func benchPage(b *testing.B, s *Server, token, path string) {
	b.Helper()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "http://example.com"+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := &countingWriter{header: make(http.Header, 4)}
		s.ServeHTTP(w, req)
		if w.status != http.StatusOK || w.size == 0 {
			b.Fatalf("status %d, %d bytes", w.status, w.size)
		}
	}
}

// BenchmarkListTeams measures the handler's time for one page of an
// organization with 2,000 teams: the first page, the last, and a page of a
// search.
func BenchmarkListTeams(b *testing.B) {
	s := newTestServer(b)
	owner := s.Tokens().Owner
	for i := range 2000 {
		mustCreateTeam(b, s, "acme", owner, map[string]any{"slug": fmt.Sprintf("team-%04d", i)})
	}
	const path = "/api/0/organizations/acme/teams/"
	b.Run("first", func(b *testing.B) { benchPage(b, s, owner, path) })
	b.Run("deep", func(b *testing.B) { benchPage(b, s, owner, path+"?cursor=100:19:0") })
	b.Run("filtered", func(b *testing.B) { benchPage(b, s, owner, path+"?query=team-1&cursor=100:5:0") })
}

// BenchmarkListMembers measures one page of an organization with 10,000
// members: the first page, one deep in the list, and the same two with a
// role filter, which every member matches.
func BenchmarkListMembers(b *testing.B) {
	s := newTestServer(b)
	s.mu.Lock()
	o := s.st.orgsBySlug["acme"]
	for i := range 10000 {
		s.st.addMember(o, s.st.addUser(fmt.Sprintf("user-%05d@acme.example", i), testNow), orgRoleMember, testNow)
	}
	s.mu.Unlock()
	owner := s.Tokens().Owner
	const path = "/api/0/organizations/acme/members/"
	b.Run("first", func(b *testing.B) { benchPage(b, s, owner, path) })
	b.Run("deep", func(b *testing.B) { benchPage(b, s, owner, path+"?cursor=100:90:0") })
	b.Run("filtered", func(b *testing.B) { benchPage(b, s, owner, path+"?query=role:member") })
	b.Run("filtered-deep", func(b *testing.B) { benchPage(b, s, owner, path+"?query=role:member&cursor=100:90:0") })
}

// BenchmarkListAuditLog measures one page of an audit log of 50,000
// entries: the first page, a page deep in the log, and a filtered page.
func BenchmarkListAuditLog(b *testing.B) {
	s := newTestServer(b)
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	owner := s.userByEmail("owner@acme.example")
	addAuditEntries(s, 50000, "team.create", owner, func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) })
	deep := strconv.FormatInt(base.Add(25000*time.Second).UnixMilli(), 10)
	token := s.Tokens().Owner
	b.Run("first", func(b *testing.B) { benchPage(b, s, token, auditPath) })
	b.Run("deep", func(b *testing.B) { benchPage(b, s, token, auditPath+"?cursor="+deep+":0:0") })
	b.Run("filtered", func(b *testing.B) {
		benchPage(b, s, token, auditPath+"?event=team.create&actor="+formatID(owner.id)+"&statsPeriod=90d")
	})
}
