package sentry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

const auditRowJSON = `{
	"id": "4505000000000042",
	"actor": {"id": "4505000000000002", "name": "Ann", "username": "ann", "email": "ann@example.com",
		"avatarUrl": "https://gravatar.com/avatar/x", "isActive": true, "emails": [], "avatar": {"avatarType": "letter_avatar"}},
	"event": "member.join-team",
	"ipAddress": "192.0.2.1",
	"note": "added bob@example.com to team backend",
	"targetObject": 4505000000000017,
	"targetUser": {"id": "4505000000000009", "name": "bob@example.com", "email": "bob@example.com"},
	"data": {"email": "bob@example.com", "team_slug": "backend"},
	"dateCreated": "2024-05-01T12:00:00.123Z"
}`

func TestAuditEntryDecoding(t *testing.T) {
	t.Parallel()
	var e AuditEntry
	if err := json.Unmarshal([]byte(auditRowJSON), &e); err != nil {
		t.Fatal(err)
	}
	if e.ID != "4505000000000042" || e.Actor != (AuditActor{ID: "4505000000000002", Name: "Ann", Email: "ann@example.com"}) ||
		e.Event != "member.join-team" || e.IPAddress != "192.0.2.1" || e.Note != "added bob@example.com to team backend" ||
		e.TargetObject == nil || *e.TargetObject != 4505000000000017 ||
		e.TargetUser == nil || *e.TargetUser != (AuditActor{ID: "4505000000000009", Name: "bob@example.com", Email: "bob@example.com"}) ||
		string(e.Data) != `{"email": "bob@example.com", "team_slug": "backend"}` ||
		!e.DateCreated.Equal(time.Date(2024, 5, 1, 12, 0, 0, 123000000, time.UTC)) {
		t.Errorf("entry %+v", e)
	}

	// A token's change: the actor has only a name; nothing is targeted; a
	// target user that is gone is only its id.
	for _, c := range []struct {
		row        string
		actor      AuditActor
		targetUser *AuditActor
	}{
		{`{"actor": {"name": "deploy bot"}, "targetObject": null, "targetUser": null}`, AuditActor{Name: "deploy bot"}, nil},
		{`{"actor": {"name": null}, "targetUser": 4505000000000009}`, AuditActor{}, &AuditActor{ID: "4505000000000009"}},
		{`{"actor": {"id": 12, "name": "x"}, "targetUser": "13"}`, AuditActor{ID: "12", Name: "x"}, &AuditActor{ID: "13"}},
	} {
		var e AuditEntry
		if err := json.Unmarshal([]byte(c.row), &e); err != nil {
			t.Fatalf("%s: %v", c.row, err)
		}
		if e.Actor != c.actor || (e.TargetUser == nil) != (c.targetUser == nil) ||
			(e.TargetUser != nil && *e.TargetUser != *c.targetUser) || e.TargetObject != nil {
			t.Errorf("%s: actor %+v target %+v", c.row, e.Actor, e.TargetUser)
		}
	}
	for _, bad := range []string{`{"actor": []}`, `{"targetUser": true}`, `{"actor": {"id": {}}}`} {
		var e AuditEntry
		if err := json.Unmarshal([]byte(bad), &e); err == nil {
			t.Errorf("%s decoded as %+v", bad, e)
		}
	}
}

// auditPages serves an endless audit log, 100 rows a page unless per_page
// says otherwise, and records each request's query.
type auditPages struct {
	mu      sync.Mutex
	queries []url.Values
}

func (p *auditPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/0/organizations/acme/audit-logs/" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	p.mu.Lock()
	p.queries = append(p.queries, q)
	page := len(p.queries) - 1
	p.mu.Unlock()
	size := 100
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil {
		size = n
	}
	rows := make([]map[string]any, size)
	for i := range rows {
		rows[i] = map[string]any{"id": fmt.Sprint(page*size + i), "actor": map[string]any{"name": "bot"}, "event": "team.create"}
	}
	next := fmt.Sprintf("1714564800%03d:0:0", page)
	w.Header().Set("Link", sentryLink("organizations/acme/audit-logs/", "0:0:1", next, false, true))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"rows": rows, "options": []string{"team.create"}})
}

func TestAuditLogLimitStopsPaging(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		limit, requests int
		perPage         string
	}{
		{150, 2, "100"},
		{100, 1, "100"},
		{30, 1, "30"},
		{1, 1, "1"},
	} {
		pages := &auditPages{}
		client := newTestClient(t, pages)
		entries, err := client.ListAuditLog(context.Background(), "acme", AuditLogQuery{Limit: c.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != c.limit || entries[len(entries)-1].ID != strconv.Itoa(c.limit-1) {
			t.Errorf("limit %d: %d entries", c.limit, len(entries))
		}
		if len(pages.queries) != c.requests || pages.queries[0].Get("per_page") != c.perPage {
			t.Errorf("limit %d: %d requests, per_page %q", c.limit, len(pages.queries), pages.queries[0].Get("per_page"))
		}
		if c.requests > 1 && pages.queries[1].Get("cursor") != "1714564800000:0:0" {
			t.Errorf("second page cursor %q", pages.queries[1].Get("cursor"))
		}
	}
}

func TestAuditLogCallerStops(t *testing.T) {
	t.Parallel()
	pages := &auditPages{}
	client := newTestClient(t, pages)
	n := 0
	for _, err := range client.AuditLog(context.Background(), "acme", AuditLogQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 250 {
			break
		}
	}
	if len(pages.queries) != 3 {
		t.Errorf("%d requests for 250 entries", len(pages.queries))
	}
}

func TestAuditLogSendsFilters(t *testing.T) {
	t.Parallel()
	start := time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	for _, c := range []struct {
		q    AuditLogQuery
		want url.Values
	}{
		{AuditLogQuery{}, url.Values{"per_page": {"100"}}},
		{AuditLogQuery{Event: "member.add", ActorID: "4505000000000002"},
			url.Values{"per_page": {"100"}, "event": {"member.add"}, "actor": {"4505000000000002"}}},
		{AuditLogQuery{Start: start, End: start.Add(time.Hour)},
			url.Values{"per_page": {"100"}, "start": {"2024-05-01T08:00:00.123456Z"}, "end": {"2024-05-01T09:00:00.123456Z"}}},
		{AuditLogQuery{StatsPeriod: "24h", Limit: 10}, url.Values{"per_page": {"10"}, "statsPeriod": {"24h"}}},
	} {
		var got url.Values
		client := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.URL.Query()
			_, _ = w.Write([]byte(`{"rows": [], "options": []}`))
		}))
		entries, err := client.ListAuditLog(context.Background(), "acme", c.q)
		if err != nil || len(entries) != 0 || entries == nil {
			t.Errorf("%+v: entries %v, err %v", c.q, entries, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%+v: query %v, want %v", c.q, got, c.want)
		}
	}
}

func TestAuditLogRefusesBadQueries(t *testing.T) {
	t.Parallel()
	client := newTestClient(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a bad query reached the server")
	}))
	now := time.Now()
	for _, q := range []AuditLogQuery{
		{Start: now},
		{End: now},
		{Start: now, End: now},
		{Start: now, End: now.Add(time.Hour), StatsPeriod: "24h"},
		{Limit: -1},
		{ActorID: "ann"},
	} {
		if _, err := client.ListAuditLog(context.Background(), "acme", q); !errors.Is(err, ErrInvalidAuditLogQuery) {
			t.Errorf("%+v: err %v", q, err)
		}
	}
}

func TestAuditLogErrors(t *testing.T) {
	t.Parallel()
	client := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"detail": "You do not have permission to perform this action."}`))
	}))
	entries, err := client.ListAuditLog(context.Background(), "acme", AuditLogQuery{})
	if !IsForbidden(err) || entries != nil {
		t.Errorf("entries %v, err %v", entries, err)
	}
	if _, err := client.ListAuditLog(context.Background(), "", AuditLogQuery{}); err == nil {
		t.Error("an empty organization was accepted")
	}
}

func TestAuditLogAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim := sentrysim.New(sentrysim.Options{LegacyOrgTokens: true})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client := func(token string) *Client {
		c, err := NewClient(Config{BaseURL: srv.URL, Token: token, MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	owner, manager, member := client(sim.Tokens().Owner), client(sim.Tokens().Manager), client(sim.Tokens().Member)
	for _, slug := range []string{"backend", "frontend"} {
		if _, err := owner.CreateTeam(ctx, "acme", CreateTeamRequest{Slug: slug}); err != nil {
			t.Fatal(err)
		}
	}
	web, err := manager.CreateTeam(ctx, "acme", CreateTeamRequest{Slug: "web"})
	if err != nil {
		t.Fatal(err)
	}

	entries, err := owner.ListAuditLog(ctx, "acme", AuditLogQuery{Event: "team.create"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries", len(entries))
	}
	newest := entries[0]
	if newest.Actor.Email != "manager@acme.example" || newest.Actor.ID == "" || newest.Note != "created team web" ||
		newest.TargetObject == nil || strconv.FormatInt(*newest.TargetObject, 10) != web.ID || newest.TargetUser != nil ||
		newest.DateCreated.IsZero() || newest.IPAddress != "127.0.0.1" {
		t.Errorf("newest entry %+v", newest)
	}
	var data struct{ Slug string }
	if err := json.Unmarshal(newest.Data, &data); err != nil || data.Slug != "web" {
		t.Errorf("data %s: %v", newest.Data, err)
	}

	// The creator joins each team it creates: member.join-team targets it.
	joins, err := owner.ListAuditLog(ctx, "acme", AuditLogQuery{Event: "member.join-team", ActorID: newest.Actor.ID})
	if err != nil || len(joins) != 1 || joins[0].TargetUser == nil || joins[0].TargetUser.ID != newest.Actor.ID {
		t.Errorf("joins %+v, err %v", joins, err)
	}
	recent, err := owner.ListAuditLog(ctx, "acme", AuditLogQuery{StatsPeriod: "1h", Limit: 2})
	if err != nil || len(recent) != 2 {
		t.Errorf("recent %d, err %v", len(recent), err)
	}
	if _, err := member.ListAuditLog(ctx, "acme", AuditLogQuery{}); !IsForbidden(err) {
		t.Errorf("a member read the log: %v", err)
	}
}
