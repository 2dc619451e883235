package sentrysim

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDropAfterNext(t *testing.T) {
	s := newLoadServer(t, Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	owner := s.Tokens().Owner
	teamExists := func(slug string) bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.st.orgsBySlug["acme"].teamSlugs[slug] != nil
	}

	s.DropAfterNext(http.MethodPost, "organization-teams", 2)
	// Other routes and methods pass.
	send(t, s, http.MethodGet, teamsPath, owner, nil).expect(t, http.StatusOK, nil)
	send(t, s, http.MethodPost, "/api/0/organizations/acme/members/", owner,
		map[string]any{"email": "ann@example.com", "orgRole": "member"}).expect(t, http.StatusCreated, nil)
	if got := s.PendingDropAfter(http.MethodPost, "organization-teams"); got != 2 {
		t.Fatalf("pending %d after other requests, want 2", got)
	}
	for _, slug := range []string{"one", "two"} {
		if err := rawPost(t, srv.URL, owner, slug); err == nil {
			t.Errorf("POST %s got an answer", slug)
		}
		if !teamExists(slug) {
			t.Errorf("POST %s dropped after the change did not make it", slug)
		}
	}
	if err := rawPost(t, srv.URL, owner, "three"); err != nil {
		t.Errorf("the third POST: %v", err)
	}

	// A burst's 429 comes first and does not use up the drop.
	s.DropAfterNext(http.MethodPost, "organization-teams", 1)
	s.Burst429(1)
	res := send(t, s, http.MethodPost, teamsPath, owner, map[string]any{"slug": "four"})
	res.expect(t, http.StatusTooManyRequests, nil)
	if got := s.PendingDropAfter(http.MethodPost, "organization-teams"); got != 1 {
		t.Fatalf("pending %d after a 429, want 1", got)
	}
	// Zero cancels.
	s.DropAfterNext(http.MethodPost, "organization-teams", 0)
	if err := rawPost(t, srv.URL, owner, "five"); err != nil {
		t.Errorf("POST after cancelling: %v", err)
	}
}

func TestDropAfterControl(t *testing.T) {
	s := newLoadServer(t, Options{})
	send(t, s, http.MethodPost, "/_sim/faults/drop-after", "",
		`{"method":"post","route":"org-auth-tokens","count":3}`).
		expect(t, http.StatusOK, map[string]any{"method": "POST", "route": "org-auth-tokens", "pending": 3})
	if got := s.PendingDropAfter(http.MethodPost, "org-auth-tokens"); got != 3 {
		t.Fatalf("pending %d, want 3", got)
	}
	send(t, s, http.MethodPost, "/_sim/faults/drop-after", "", `{"route":"org-auth-tokens"}`).
		expect(t, http.StatusBadRequest, nil)
	send(t, s, http.MethodPost, "/_sim/faults/drop-after", "", `{"method":"POST","route":"x","cnt":1}`).
		expect(t, http.StatusBadRequest, nil)
}

func TestOrgTokenLive(t *testing.T) {
	s := newLoadServer(t, Options{})
	tok := s.OrgCIToken("acme")
	if !s.OrgTokenLive("acme", tok) {
		t.Fatal("a new organization token is not live")
	}
	if s.OrgTokenLive("other", tok) || s.OrgTokenLive("acme", s.Tokens().Owner) || s.OrgTokenLive("acme", "sntrys_nope") {
		t.Fatal("OrgTokenLive accepts what is not the organization's token")
	}
	s.mu.Lock()
	s.st.tokens[tok].deactivated = true
	s.mu.Unlock()
	if s.OrgTokenLive("acme", tok) {
		t.Fatal("a revoked token is live")
	}
}

func TestSettingsControls(t *testing.T) {
	s := newTestServer(t)
	send(t, s, http.MethodPost, "/_sim/organizations/acme/settings", "", `{"allowMemberInvite":false}`).
		expect(t, http.StatusOK, map[string]any{"allowMemberInvite": false, "require2FA": false, "ssoRequired": false,
			"ssoProvider": "", "openMembership": true})
	send(t, s, http.MethodPost, "/_sim/organizations/acme/settings", "", `{"require2FA":true}`).
		expect(t, http.StatusOK, map[string]any{"allowMemberInvite": false, "require2FA": true, "ssoRequired": false,
			"ssoProvider": "", "openMembership": true})
	send(t, s, http.MethodPost, "/_sim/organizations/acme/settings", "", `{"allowMemberInvites":true}`).
		expect(t, http.StatusBadRequest, nil)
	send(t, s, http.MethodPost, "/_sim/organizations/nope/settings", "", `{}`).expect(t, http.StatusNotFound, nil)
	send(t, s, http.MethodPost, "/api/0/organizations/acme/members/", s.Tokens().Member, map[string]any{"email": "x@acme.example"}).
		expect(t, http.StatusForbidden, nil)

	send(t, s, http.MethodPost, "/_sim/organizations/acme/member-posture", "", `{"email":"member@acme.example","has2fa":true,"ssoLinked":true}`).
		expect(t, http.StatusNoContent, nil)
	r := send(t, s, http.MethodGet, "/api/0/organizations/acme/members/?query=ssoLinked:true", s.Tokens().Owner, nil)
	if list := r.list(t); len(list) != 1 || list[0]["email"] != "member@acme.example" {
		t.Fatalf("ssoLinked:true lists %s", r.raw)
	}
	send(t, s, http.MethodPost, "/_sim/organizations/acme/member-posture", "", `{"email":"new@acme.example","has2fa":true}`).
		expect(t, http.StatusNotFound, nil)
}

func TestSeedSettings(t *testing.T) {
	s := newTestServer(t)
	seed := `{"settings": {"allowMemberInvite": false, "ssoRequired": true},
		"members": [{"email": "ann@acme.example", "role": "member", "has2fa": true, "sso_linked": true}]}`
	if err := s.LoadSeed("acme", strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	got, err := s.SetOrgSettings("acme", OrgSettings{})
	if err != nil {
		t.Fatal(err)
	}
	if *got.AllowMemberInvite || !*got.SSORequired || *got.Require2FA {
		t.Errorf("settings %+v", got)
	}
	r := send(t, s, http.MethodGet, "/api/0/organizations/acme/members/?query=has2fa:true", s.Tokens().Owner, nil)
	if list := r.list(t); len(list) != 1 || list[0]["email"] != "ann@acme.example" {
		t.Fatalf("has2fa:true lists %s", r.raw)
	}
	bad := `{"members": [{"email": "inv@acme.example", "role": "member", "pending": true, "has2fa": true}]}`
	if err := s.LoadSeed("acme", strings.NewReader(bad)); !errors.Is(err, ErrBadSeed) {
		t.Errorf("an invitation with 2FA: %v", err)
	}
}
