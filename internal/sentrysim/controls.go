// Test controls: the emulator's own levers, which real Sentry does not
// have. Tests call these Go methods to seed organizations, members,
// projects and tokens, switch plan features, read request counters and
// aim faults and rate limits; the HTTP forms of the same controls are
// served under /_sim/, a path Sentry never uses, for the standalone
// program and for clients out of process. Everything else in this package
// is Sentry's API as Sentry serves it.

package sentrysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors of the test controls.
var (
	ErrNoOrganization = errors.New("sentrysim: no such organization")
	ErrNoTeam         = errors.New("sentrysim: no such team")
	ErrNoMember       = errors.New("sentrysim: no such member")
	ErrNoProject      = errors.New("sentrysim: no such project")
	ErrBadRole        = errors.New("sentrysim: no such role")
	ErrBadScope       = errors.New("sentrysim: no such token scope")
	ErrAlreadyMember  = errors.New("sentrysim: the user is already a member")
	ErrInviteExpired  = errors.New("sentrysim: the invite has expired")
	ErrProjectExists  = errors.New("sentrysim: a project with this slug already exists")
	ErrBadSlug        = errors.New("sentrysim: invalid slug")
	// ErrBadFeature is returned by SetFeature for a feature the emulator
	// does not switch.
	ErrBadFeature = errors.New("sentrysim: no such feature")
	// ErrBadSeed is returned for a seed file that cannot be loaded.
	ErrBadSeed = errors.New("sentrysim: invalid seed")
	// ErrBadConfig is returned for switches out of range.
	ErrBadConfig = errors.New("sentrysim: invalid config")
	// ErrNotAllowed is returned when the person a control acts as may not
	// do what it asks.
	ErrNotAllowed = errors.New("sentrysim: not allowed to that member")
	// ErrNoToken is returned for an organization auth token that does not
	// exist or was revoked.
	ErrNoToken = errors.New("sentrysim: no such organization auth token")
)

// Organizations, users, teams and projects.

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

// AddMember makes the user with the email a joined member of the
// organization with the org role ("member", "admin", "manager", "owner",
// "billing"), creating the user if needed, and returns a new personal
// token for it with the given scopes (the role's scopes when none are
// given). Sentry allows any scopes on a token; what the token can do is
// still bounded by the role.
func (s *Server) AddMember(org, email, role string, scopes ...string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.controlOrg(org)
	if err != nil {
		return "", err
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
	o, t, err := s.controlTeam(org, team)
	if err != nil {
		return err
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
	_, t, err := s.controlTeam(org, team)
	if err != nil {
		return err
	}
	t.idpProvisioned = provisioned
	return nil
}

// AddProject creates a project with the slug (also its name) owned by the
// team (id or slug), as if the team's admin had made it.
func (s *Server) AddProject(org, team, slug string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, t, err := s.controlTeam(org, team)
	if err != nil {
		return err
	}
	if !validSlug(slug) || utf8.RuneCountInString(slug) > projectSlugMaxLength {
		return fmt.Errorf("%w: %q", ErrBadSlug, slug)
	}
	if o.projectSlugs[slug] != nil {
		return ErrProjectExists
	}
	s.st.addProject(o, t, slug, slug, "", s.now())
	return nil
}

// controlOrg finds the organization (id or slug) a control names. The
// caller holds s.mu.
func (s *Server) controlOrg(org string) (*organization, error) {
	o := s.st.lookupOrganization(org)
	if o == nil {
		return nil, ErrNoOrganization
	}
	return o, nil
}

// controlTeam finds the organization and its active team (id or slug) a
// control names. The caller holds s.mu.
func (s *Server) controlTeam(org, team string) (*organization, *team, error) {
	o, err := s.controlOrg(org)
	if err != nil {
		return nil, nil, err
	}
	t := o.lookupTeam(team)
	if t == nil {
		return nil, nil, ErrNoTeam
	}
	return o, t, nil
}

// pendingInvite finds the pending invite for an address in the
// organization a control names. The caller holds s.mu.
func (s *Server) pendingInvite(org, email string) (*organization, *member, error) {
	o, err := s.controlOrg(org)
	if err != nil {
		return nil, nil, err
	}
	m := o.memberByEmail(email)
	if m == nil || !m.pending {
		return o, nil, ErrNoMember
	}
	return o, m, nil
}

// Plan features.

// simFeatures are the plan features SetFeature turns on and off.
var simFeatures = []string{"team-roles", "sso-scim", "audit-log", "invite-members", "invite-billing"}

// SetFeature turns one of an organization's plan features on or off:
// "team-roles", "sso-scim" (SCIM provisioning), "audit-log",
// "invite-members" or "invite-billing".
func (s *Server) SetFeature(org, feature string, on bool) error {
	if !slices.Contains(simFeatures, feature) {
		return fmt.Errorf("%w: %q", ErrBadFeature, feature)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.controlOrg(org)
	if err != nil {
		return err
	}
	o.features[feature] = on
	return nil
}

// Invites and members.

// AcceptInvite accepts the pending invite for email as the invitee would:
// the member gets a user (created if there is none with that address), no
// longer pending, and the audit log a member.accept-invite entry. It
// returns a new personal token for the user with the org role's scopes.
// An expired invite cannot be accepted.
func (s *Server) AcceptInvite(org, email string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, m, err := s.pendingInvite(org, email)
	if err != nil {
		return "", err
	}
	now := s.now()
	if m.inviteExpired(now) {
		return "", ErrInviteExpired
	}
	u := s.st.addUser(m.email, now)
	if o.membersByUser[u.id] != nil {
		return "", ErrAlreadyMember
	}
	m.user, m.pending, m.email = u, false, u.email
	m.inviteExpiresAt = time.Time{}
	o.membersByUser[u.id] = m
	s.recordAudit(o, u, "member.accept-invite", m.id, u, m.auditData())
	return s.st.addUserToken(u, m.role.scopes&tokenScopes, now).value, nil
}

// ExpireInvite moves the pending invite's expiry into the past, as 30 days
// without an answer would.
func (s *Server) ExpireInvite(org, email string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m, err := s.pendingInvite(org, email)
	if err != nil {
		return err
	}
	m.inviteExpiresAt = s.now().Add(-24 * time.Hour)
	return nil
}

// SetMemberProvisioned marks the member (joined or invited) with the email
// as provisioned through SCIM, which the members API then refuses to
// remove. Unmarking it also clears idp:role-restricted, as turning SCIM
// off does.
func (s *Server) SetMemberProvisioned(org, email string, provisioned bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.controlOrg(org)
	if err != nil {
		return err
	}
	m := o.memberByEmail(email)
	if m == nil {
		return ErrNoMember
	}
	m.idpProvisioned = provisioned
	if !provisioned {
		m.idpRoleRestricted = false
	}
	return nil
}

// Tokens.

// OrgCIToken returns an organization auth token (scope org:ci) for the
// organization, minted on the first call and handed out again while it
// has not been deleted. It panics for an unknown organization.
func (s *Server) OrgCIToken(org string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.lookupOrganization(org)
	if o == nil {
		panic(fmt.Sprintf("sentrysim: no organization %q", org))
	}
	for _, t := range s.st.activeOrgTokens(o) {
		if t.name == orgCITokenName {
			return t.value
		}
	}
	return s.st.addOrgToken(o, orgCITokenName, s.now()).value
}

// SetLegacyOrgTokens switches the organization auth token endpoints
// between today's Sentry (false: only a browser session may use them, so
// every API request gets 403) and releases before 25.10 (true: bearer
// tokens with org:read and up may list, create, rename and revoke).
func (s *Server) SetLegacyOrgTokens(on bool) { s.legacyOrgTokens.Store(on) }

// LegacyOrgTokens reports whether the organization auth token endpoints
// answer bearer tokens.
func (s *Server) LegacyOrgTokens() bool { return s.legacyOrgTokens.Load() }

// OrgToken is an organization auth token made through CreateOrgToken.
// Value is the secret, shown once as Sentry's settings page shows it.
type OrgToken struct {
	ID, Name, Value string
}

// CreateOrgToken makes an organization auth token as the joined member
// with the email would in Sentry's settings page (Settings, Auth Tokens),
// signed in: the audit log gets org-auth-token.create with that person as
// the actor and {"name", "scopes"} as its data, as the endpoint writes it
// (OrganizationAuthTokensEndpoint.post,
// src/sentry/api/endpoints/organization_auth_tokens.py). Any member may
// (OrgAuthTokenPermission in src/sentry/api/bases/organization.py allows
// org:read). It works in
// both modes of the API.
func (s *Server) CreateOrgToken(org, byEmail, name string) (OrgToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, by, err := s.sessionMember(org, byEmail, "org:read")
	if err != nil {
		return OrgToken{}, err
	}
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > orgTokenNameMaxLength {
		return OrgToken{}, fmt.Errorf("%w: org token name %q is blank or longer than %d characters", ErrBadSeed, name, orgTokenNameMaxLength)
	}
	t := s.st.mintOrgTokenBySession(o, by, name, s.now())
	return OrgToken{ID: strconv.FormatInt(t.id, 10), Name: t.name, Value: t.value}, nil
}

// RevokeOrgToken revokes an organization auth token as the joined member
// with the email would in the settings page, which takes org:write
// (a manager or owner), writing org-auth-token.remove
// (src/sentry/api/endpoints/organization_auth_token_details.py).
func (s *Server) RevokeOrgToken(org, byEmail, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, by, err := s.sessionMember(org, byEmail, "org:write")
	if err != nil {
		return err
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	for _, t := range s.st.activeOrgTokens(o) {
		if t.id == n {
			s.st.revokeOrgTokenBySession(o, by, t, s.now())
			return nil
		}
	}
	return fmt.Errorf("%w: %q", ErrNoToken, id)
}

// sessionMember finds the organization and the joined member a
// session-only control acts as, whose role must carry scope.
func (s *Server) sessionMember(org, email, scope string) (*organization, *user, error) {
	o := s.st.lookupOrganization(org)
	if o == nil {
		return nil, nil, fmt.Errorf("%w: %q", ErrNoOrganization, org)
	}
	m := o.memberByEmail(email)
	if m == nil || m.user == nil {
		return nil, nil, fmt.Errorf("%w: %q is not a joined member", ErrNoMember, email)
	}
	if !m.role.scopes.hasAny(scopesOf(scope)) {
		return nil, nil, fmt.Errorf("%w: %s (%s) lacks %s", ErrNotAllowed, email, m.role.id, scope)
	}
	return o, m.user, nil
}

// SCIMToken returns the organization's SCIM bearer token, the token of the
// internal integration Sentry creates when SCIM is enabled. The first call
// creates it; later calls return the same token. It panics for an unknown
// organization.
func (s *Server) SCIMToken(org string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.lookupOrganization(org)
	if o == nil {
		panic(fmt.Sprintf("sentrysim: no organization %q", org))
	}
	for _, t := range s.st.tokens {
		if t.kind == scimToken && t.org == o && !t.deactivated {
			return t.value
		}
	}
	t := &token{
		id: s.st.newID(), value: newTokenValue("sntryi_"), kind: scimToken, org: o,
		// Sentry's audit log names the integration's proxy user so.
		name:    "SCIM Internal Integration (" + randomHex(6) + ")",
		scopes:  scimTokenScopes,
		created: s.now(),
	}
	s.st.tokens[t.value] = t
	return t.value
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

// Seed files.

// LoadSeed adds the teams, projects, members and organization auth tokens
// of a JSON seed file to an organization, as if they had always been there:
// no audit entries and no user tokens. A team's name defaults to its slug, a
// project's too; a team with "scim" is one the identity provider made (a
// SCIM group); projects name their teams by slug; a member's role is an org
// role ("member", "admin", "manager", "owner", "billing") and its team
// roles "contributor", "admin" or "" (Sentry's null, stored as well for a
// role at or below the member's minimum). A "pending" member is an
// invitation sent by nobody in particular unless "invited_by" names a
// joined member, an "expired" one an invitation past its 30 days; their
// addresses must be new to the organization. Existing users become
// members; an existing member gets the new role. "team_members" puts
// members of the organization or the file on teams. Teams, projects and
// members may carry an "id" (digits, as Sentry writes ids): it must be
// unused and not below NextID, and the ids the file leaves out, users'
// included, then come from above the largest one given, as does everything
// made afterwards. Org tokens get values nobody is told. Nothing is
// changed when anything in the file is wrong (ErrBadSeed, ErrBadRole,
// ErrNoTeam, ErrNoMember).
func (s *Server) LoadSeed(org string, r io.Reader) error { return s.loadSeed(org, r) }

// NextID returns the id the emulator will give the next object it makes.
// Every object made from then on has an id at or above it, so it marks a
// point to write a Seed from.
func (s *Server) NextID() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.nextID
}

// Seed writes as a seed file what the organization has gained from the
// id fromID on (a NextID taken earlier): its active teams, projects (with
// their teams, in link order) and members (email, org role, stored team
// roles, pending and expired invitations, sign-in posture) whose ids are
// at or above fromID, each with its id, and under "team_members" the
// memberships older members took on since (the team creator's among
// them). Loaded with LoadSeed into an emulator whose next id is at most
// fromID (a fresh one set up the same way up to the mark), it makes the
// same objects with the same ids. Users, team links and audit entries get
// new ids there; invitations lose who sent them; changes made since to
// older objects (renames, role changes, removals) are not in it.
func (s *Server) Seed(org string, fromID int64) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, err := s.controlOrg(org)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s.orgSeed(o, fromID), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Load and fault switches.

// Config returns the switches in force.
func (s *Server) Config() Config { return s.load.get() }

// SetConfig replaces every switch and restarts the random draws from the
// Config's seed.
func (s *Server) SetConfig(c Config) error { return s.load.set(c, true) }

// SetRateLimitClock gives the rate limiter a clock of the test's own, so
// that its one-second windows turn when the test says rather than with
// real time; nil restores real time.
func (s *Server) SetRateLimitClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.load.mu.Lock()
	s.load.clock = now
	s.load.mu.Unlock()
}

// Burst429 answers the next n API requests with 429, as a rate limit burst
// would.
func (s *Server) Burst429(n int) {
	s.load.mu.Lock()
	defer s.load.mu.Unlock()
	s.load.burst = max(n, 0)
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

// Request counters.

// Stats returns the request counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats sets every request counter back to zero.
func (s *Server) ResetStats() { s.stats.reset() }

// ConnState counts the connections clients open; set it as the serving
// http.Server's ConnState.
func (s *Server) ConnState(_ net.Conn, state http.ConnState) {
	if state == http.StateNew {
		s.stats.connections.Add(1)
	}
}

// The controls over HTTP, under /_sim/.

// registerControls adds the controls under /_sim/: GET /_sim/health,
// the load switches, the request counters and the aimed faults. Any other
// path under /_sim/ is a 404 with Sentry's body.
func (s *Server) registerControls() {
	s.mux.HandleFunc("GET /_sim/health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, object{{"ok", true}})
	})
	s.registerLoadControls()
	s.registerStatsControls()
	s.registerFaultControls()
	s.registerSessionControls()
	s.registerSettingsControls()
	s.registerSeedControls()
	s.mux.HandleFunc("/_sim/", func(w http.ResponseWriter, _ *http.Request) {
		writeDetail(w, http.StatusNotFound, detailNotFound)
	})
}

// registerLoadControls adds GET and POST /_sim/config.
func (s *Server) registerLoadControls() {
	s.mux.HandleFunc("GET /_sim/config", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, configBody(s.Config()))
	})
	s.mux.HandleFunc("POST /_sim/config", func(w http.ResponseWriter, r *http.Request) {
		var p configJSON
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			writeDetail(w, http.StatusBadRequest, "invalid config: "+err.Error())
			return
		}
		if dec.More() {
			writeDetail(w, http.StatusBadRequest, "invalid config: extra data after the object")
			return
		}
		c := s.Config()
		reseed, err := p.patch(&c)
		if err == nil {
			err = s.load.set(c, reseed)
		}
		if err != nil {
			writeControlError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, configBody(s.Config()))
	})
}

// registerStatsControls adds GET /_sim/stats and POST /_sim/stats/reset.
func (s *Server) registerStatsControls() {
	s.mux.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, _ *http.Request) {
		st := s.Stats()
		counts := make(object, 0, len(st.Requests))
		for _, k := range slices.Sorted(maps.Keys(st.Requests)) {
			counts = append(counts, field{k, st.Requests[k]})
		}
		writeJSON(w, http.StatusOK, object{{"requests", counts}, {"total", st.Total()}, {"connections", st.Connections}, {"rate_limited", st.RateLimited}})
	})
	s.mux.HandleFunc("POST /_sim/stats/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
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

// sessionTokenJSON is the body of the /_sim/org-auth-tokens controls.
type sessionTokenJSON struct {
	Organization string `json:"organization"`
	User         string `json:"user"`
	Name         string `json:"name"`
	ID           string `json:"id"`
}

// registerSessionControls adds what a signed-in person does in Sentry's
// settings page, which the API no longer lets a bearer token do:
// POST /_sim/org-auth-tokens {"organization", "user": email, "name"} is
// CreateOrgToken (201 {"id", "name", "token"}), and
// POST /_sim/org-auth-tokens/revoke {"organization", "user", "id"} is
// RevokeOrgToken (204). The organization defaults to the seeded one.
func (s *Server) registerSessionControls() {
	decode := func(w http.ResponseWriter, r *http.Request) (sessionTokenJSON, bool) {
		var p sessionTokenJSON
		if !decodeControl(w, r, &p) {
			return p, false
		}
		if p.Organization == "" {
			p.Organization = s.defaultOrg
		}
		return p, true
	}
	fail := func(w http.ResponseWriter, err error) {
		writeControlError(w, http.StatusBadRequest, err)
	}
	s.mux.HandleFunc("POST /_sim/org-auth-tokens", func(w http.ResponseWriter, r *http.Request) {
		p, ok := decode(w, r)
		if !ok {
			return
		}
		t, err := s.CreateOrgToken(p.Organization, p.User, p.Name)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, object{{"id", t.ID}, {"name", t.Name}, {"token", t.Value}})
	})
	s.mux.HandleFunc("POST /_sim/org-auth-tokens/revoke", func(w http.ResponseWriter, r *http.Request) {
		p, ok := decode(w, r)
		if !ok {
			return
		}
		if err := s.RevokeOrgToken(p.Organization, p.User, p.ID); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// registerSeedControls adds GET /_sim/next-id (NextID: {"next_id": "N"},
// the id as Sentry writes ids), GET /_sim/organizations/{org}/seed?from=N
// (Seed; from defaults to 0, everything) and POST
// /_sim/organizations/{org}/seed with a seed file as the body (LoadSeed,
// 204).
func (s *Server) registerSeedControls() {
	s.mux.HandleFunc("GET /_sim/next-id", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, object{{"next_id", strconv.FormatInt(s.NextID(), 10)}})
	})
	s.mux.HandleFunc("GET /_sim/organizations/{org}/seed", func(w http.ResponseWriter, r *http.Request) {
		var from int64
		if v := r.URL.Query().Get("from"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeDetail(w, http.StatusBadRequest, "invalid control: from must be an id")
				return
			}
			from = n
		}
		b, err := s.Seed(r.PathValue("org"), from)
		if err != nil {
			writeControlError(w, http.StatusNotFound, err)
			return
		}
		writeJSONBody(w, http.StatusOK, func(buf []byte) ([]byte, error) { return append(buf, b...), nil })
	})
	s.mux.HandleFunc("POST /_sim/organizations/{org}/seed", func(w http.ResponseWriter, r *http.Request) {
		err := s.LoadSeed(r.PathValue("org"), http.MaxBytesReader(w, r.Body, maxSeedBytes))
		switch {
		case errors.Is(err, ErrNoOrganization):
			writeControlError(w, http.StatusNotFound, err)
		case err != nil:
			writeControlError(w, http.StatusBadRequest, err)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
}

// maxSeedBytes bounds a seed file sent over HTTP: the largest generated
// seed is far below it.
const maxSeedBytes = 64 << 20

// writeControlError answers a control request with the error's message,
// without the package prefix.
func writeControlError(w http.ResponseWriter, status int, err error) {
	writeDetail(w, status, strings.TrimPrefix(err.Error(), "sentrysim: "))
}
