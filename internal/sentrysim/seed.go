package sentrysim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// seedFile is what a seed file holds:
//
//	{"teams": [{"id": "4505000000000101", "slug": "backend", "name": "Backend"},
//	           {"slug": "okta-sre", "name": "Okta SRE", "scim": true}],
//	 "projects": [{"slug": "api", "name": "API", "platform": "go",
//	               "teams": ["backend"]}],
//	 "members": [{"email": "ann@example.com", "role": "member",
//	              "teams": [{"team": "backend", "role": "admin"}]},
//	             {"email": "new@example.com", "role": "member",
//	              "pending": true, "expired": true}],
//	 "team_members": [{"team": "backend", "email": "owner@acme.example"},
//	                  {"team": "backend", "email": "new@example.com"}],
//	 "org_tokens": [{"name": "ci"}]}
//
// Teams, projects and members may carry the "id" Sentry would show (a
// string of digits); the others get the emulator's next ones. Server.Seed
// writes this format.
type seedFile struct {
	Teams    []seedTeam    `json:"teams,omitempty"`
	Projects []seedProject `json:"projects,omitempty"`
	Members  []seedMember  `json:"members,omitempty"`
	// TeamMembers put members already in the organization, or in this
	// file, on teams, after the members' own "teams" and in this order
	// (a team's members list shows joined members in the order they came).
	TeamMembers []seedTeamMember `json:"team_members,omitempty"`
	// OrgTokens are organization auth tokens. One with CreatedBy (a
	// joined member's email, in the organization or in this file) was
	// made by that person in Sentry's settings page: the audit log gets
	// its org-auth-token.create entry, dated DateCreated (RFC 3339; now
	// when empty).
	OrgTokens []seedOrgToken `json:"org_tokens,omitempty"`
	// Settings are the organization's settings, as /_sim/ takes them:
	// {"allowMemberInvite": false, "require2FA": true, "ssoRequired": true}.
	Settings OrgSettings `json:"settings,omitzero"`
}

type seedTeam struct {
	ID   string `json:"id,omitempty"`
	Slug string `json:"slug"`
	Name string `json:"name,omitempty"`
	// SCIM marks a team made through SCIM: a SCIM group, managed by the
	// identity provider.
	SCIM bool `json:"scim,omitempty"`
}

type seedProject struct {
	ID       string   `json:"id,omitempty"`
	Slug     string   `json:"slug"`
	Name     string   `json:"name,omitempty"`
	Platform string   `json:"platform,omitempty"`
	Teams    []string `json:"teams"`
}

type seedMember struct {
	ID    string         `json:"id,omitempty"`
	Email string         `json:"email"`
	Role  string         `json:"role"`
	Teams []seedTeamRole `json:"teams,omitempty"`
	// Pending makes the member an invitation nobody has accepted;
	// Expired (which implies Pending) one whose 30 days are over.
	Pending bool `json:"pending,omitempty"`
	Expired bool `json:"expired,omitempty"`
	// InvitedBy is who sent the invitation (a joined member's email, in
	// the organization or in this file); it stays the inviter once the
	// invitation is accepted.
	InvitedBy string `json:"invited_by,omitempty"`
	// Has2FA and SSOLinked are a joined member's sign-in posture;
	// LastLogin and LastActive (RFC 3339) when its user last signed in
	// and was last seen. IDPProvisioned marks a member made through SCIM.
	Has2FA         bool   `json:"has2fa,omitempty"`
	SSOLinked      bool   `json:"sso_linked,omitempty"`
	LastLogin      string `json:"last_login,omitempty"`
	LastActive     string `json:"last_active,omitempty"`
	IDPProvisioned bool   `json:"idp_provisioned,omitempty"`
}

// seedTeamRole is one of a member's teams, with the stored team role ("" is
// Sentry's null).
type seedTeamRole struct {
	Team string `json:"team"`
	Role string `json:"role,omitempty"`
}

type seedTeamMember struct {
	Team  string `json:"team"`
	Email string `json:"email"`
	Role  string `json:"role,omitempty"`
}

type seedOrgToken struct {
	Name        string `json:"name"`
	CreatedBy   string `json:"created_by,omitempty"`
	DateCreated string `json:"date_created,omitempty"`
}

// seedIDs reads and checks a seed file's explicit ids: digits only, each
// once, none below next (every id the store has given is below it). It
// returns the ids of the teams, projects and members, 0 where none is
// given, and the largest.
func seedIDs(f seedFile, next int64) (teams, projects, members []int64, largest int64, err error) {
	seen := make(map[int64]string)
	parse := func(what, raw string) (int64, error) {
		if raw == "" {
			return 0, nil
		}
		id, perr := strconv.ParseInt(raw, 10, 64)
		if !isDecimal(raw) || perr != nil || id <= 0 {
			return 0, fmt.Errorf("%w: %s: id %q is not a positive number of digits", ErrBadSeed, what, raw)
		}
		if other, dup := seen[id]; dup {
			return 0, fmt.Errorf("%w: %s: id %d is also the id of %s", ErrBadSeed, what, id, other)
		}
		if id < next {
			return 0, fmt.Errorf("%w: %s: id %d may already be in use: the emulator's ids so far are below %d", ErrBadSeed, what, id, next)
		}
		seen[id] = what
		largest = max(largest, id)
		return id, nil
	}
	teams, projects, members = make([]int64, len(f.Teams)), make([]int64, len(f.Projects)), make([]int64, len(f.Members))
	for i, t := range f.Teams {
		if teams[i], err = parse(fmt.Sprintf("team %q", t.Slug), t.ID); err != nil {
			return nil, nil, nil, 0, err
		}
	}
	for i, p := range f.Projects {
		if projects[i], err = parse(fmt.Sprintf("project %q", p.Slug), p.ID); err != nil {
			return nil, nil, nil, 0, err
		}
	}
	for i, m := range f.Members {
		if members[i], err = parse("member "+m.Email, m.ID); err != nil {
			return nil, nil, nil, 0, err
		}
	}
	return teams, projects, members, largest, nil
}

// loadSeed is LoadSeed.
func (s *Server) loadSeed(org string, r io.Reader) error {
	var f seedFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSeed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: more than one JSON value", ErrBadSeed)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.lookupOrganization(org)
	if o == nil {
		return ErrNoOrganization
	}

	// Check everything first, so that a bad file changes nothing.
	teamIDs, projectIDs, memberIDs, largestID, err := seedIDs(f, s.st.nextID)
	if err != nil {
		return err
	}
	newTeams := make(map[string]bool)
	teamKnown := func(slug string) bool { return newTeams[slug] || o.lookupTeam(slug) != nil }
	for _, t := range f.Teams {
		if err := checkSeedSlug("team", t.Slug); err != nil {
			return err
		}
		if o.teamSlugs[t.Slug] != nil || newTeams[t.Slug] {
			return fmt.Errorf("%w: team %q already exists", ErrBadSeed, t.Slug)
		}
		if utf8.RuneCountInString(t.Name) > teamNameMaxSize {
			return fmt.Errorf("%w: the name of team %q is longer than %d characters", ErrBadSeed, t.Slug, teamNameMaxSize)
		}
		newTeams[t.Slug] = true
	}
	newProjects := make(map[string]bool)
	for _, p := range f.Projects {
		if err := checkSeedSlug("project", p.Slug); err != nil {
			return err
		}
		if o.projectSlugs[p.Slug] != nil || newProjects[p.Slug] {
			return fmt.Errorf("%w: project %q already exists", ErrBadSeed, p.Slug)
		}
		newProjects[p.Slug] = true
		for _, slug := range p.Teams {
			if !teamKnown(slug) {
				return fmt.Errorf("%w: project %q names team %q", ErrNoTeam, p.Slug, slug)
			}
		}
	}
	// invited is every address of the organization and the file so far;
	// invitedNow the file's invitations.
	invited, invitedNow := make(map[string]bool), make(map[string]bool)
	for _, m := range o.members {
		invited[strings.ToLower(m.currentEmail())] = true
	}
	memberTimes := make([][2]*time.Time, len(f.Members))
	for i, m := range f.Members {
		if !strings.Contains(m.Email, "@") {
			return fmt.Errorf("%w: %q is not an email address", ErrBadSeed, m.Email)
		}
		key := strings.ToLower(m.Email)
		if (m.Pending || m.Expired) && (m.Has2FA || m.SSOLinked || m.LastLogin != "" || m.LastActive != "") {
			return fmt.Errorf("%w: the invitation of %s has no user to hold 2FA, an SSO link or sign-in times", ErrBadSeed, m.Email)
		}
		for j, v := range []string{m.LastLogin, m.LastActive} {
			if v == "" {
				continue
			}
			d, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return fmt.Errorf("%w: member %s: %s: %w", ErrBadSeed, m.Email, []string{"last_login", "last_active"}[j], err)
			}
			d = d.UTC()
			memberTimes[i][j] = &d
		}
		if m.Pending || m.Expired {
			if invited[key] {
				return fmt.Errorf("%w: the invitation of %s: the address is already a member or invited", ErrBadSeed, m.Email)
			}
			invitedNow[key] = true
		} else if invitedNow[key] {
			return fmt.Errorf("%w: %s is both invited and a member", ErrBadSeed, m.Email)
		} else if memberIDs[i] != 0 && invited[key] {
			return fmt.Errorf("%w: member %s: the address is already a member or invited, so it cannot take id %d", ErrBadSeed, m.Email, memberIDs[i])
		}
		invited[key] = true
		if lookupOrgRole(m.Role) == nil {
			return fmt.Errorf("%w: %q for %s", ErrBadRole, m.Role, m.Email)
		}
		if m.InvitedBy != "" && !seedJoined(o, f, m.InvitedBy) {
			return fmt.Errorf("%w: member %s: invited_by %q is not a joined member", ErrNoMember, m.Email, m.InvitedBy)
		}
		for _, tm := range m.Teams {
			if !teamKnown(tm.Team) {
				return fmt.Errorf("%w: member %s names team %q", ErrNoTeam, m.Email, tm.Team)
			}
			if tm.Role != "" && lookupTeamRole(tm.Role) == nil {
				return fmt.Errorf("%w: team role %q for %s", ErrBadRole, tm.Role, m.Email)
			}
		}
	}

	for _, tm := range f.TeamMembers {
		if !teamKnown(tm.Team) {
			return fmt.Errorf("%w: team_members names team %q", ErrNoTeam, tm.Team)
		}
		if !invited[strings.ToLower(tm.Email)] {
			return fmt.Errorf("%w: team_members names %s, who is neither in the organization nor in the file", ErrNoMember, tm.Email)
		}
		if tm.Role != "" && lookupTeamRole(tm.Role) == nil {
			return fmt.Errorf("%w: team role %q for %s", ErrBadRole, tm.Role, tm.Email)
		}
	}

	tokenDates := make([]time.Time, len(f.OrgTokens))
	for i, t := range f.OrgTokens {
		if strings.TrimSpace(t.Name) == "" || utf8.RuneCountInString(t.Name) > orgTokenNameMaxLength {
			return fmt.Errorf("%w: org token name %q is blank or longer than %d characters", ErrBadSeed, t.Name, orgTokenNameMaxLength)
		}
		if t.DateCreated != "" {
			d, err := time.Parse(time.RFC3339, t.DateCreated)
			if err != nil {
				return fmt.Errorf("%w: org token %q: date_created: %w", ErrBadSeed, t.Name, err)
			}
			tokenDates[i] = d.UTC()
		}
		if t.CreatedBy != "" && !seedJoined(o, f, t.CreatedBy) {
			return fmt.Errorf("%w: org token %q: created_by %q is not a joined member", ErrNoMember, t.Name, t.CreatedBy)
		}
	}

	// Ids the file does not give, users' and team links' among them, come
	// from above the largest it does, and so does everything after.
	if largestID >= s.st.nextID {
		s.st.nextID = largestID + 1
	}
	now := s.now()
	for i, t := range f.Teams {
		name := t.Name
		if name == "" {
			name = t.Slug
		}
		s.st.addTeamID(o, teamIDs[i], t.Slug, name, t.SCIM, now)
	}
	for i, p := range f.Projects {
		name := p.Name
		if name == "" {
			name = p.Slug
		}
		// Sentry keeps projects whose last team is gone.
		var owner *team
		if len(p.Teams) > 0 {
			owner = o.lookupTeam(p.Teams[0])
		}
		proj := s.st.addProjectID(o, projectIDs[i], owner, p.Slug, name, p.Platform, now)
		for _, slug := range p.Teams[min(1, len(p.Teams)):] {
			s.st.linkProjectTeam(proj, o.lookupTeam(slug))
		}
	}
	for i, m := range f.Members {
		role := lookupOrgRole(m.Role)
		var mem *member
		if m.Pending || m.Expired {
			mem = s.st.addInviteID(o, memberIDs[i], m.Email, role, now)
			if m.Expired {
				mem.inviteExpiresAt = now.Add(-24 * time.Hour)
			}
		} else {
			mem = s.st.addMemberID(o, memberIDs[i], s.st.addUser(m.Email, now), role, now)
			mem.user.has2FA, mem.ssoLinked = m.Has2FA, m.SSOLinked
			mem.user.lastLogin, mem.user.lastActive = memberTimes[i][0], memberTimes[i][1]
		}
		mem.idpProvisioned = m.IDPProvisioned
		for _, tm := range m.Teams {
			seedTeamMembership(s.st, mem, o.lookupTeam(tm.Team), tm.Role)
		}
	}
	for _, tm := range f.TeamMembers {
		seedTeamMembership(s.st, o.memberByEmail(tm.Email), o.lookupTeam(tm.Team), tm.Role)
	}
	for _, m := range f.Members {
		if m.InvitedBy != "" {
			mem := o.memberByEmail(m.Email)
			mem.inviter = o.memberByEmail(m.InvitedBy).user
			mem.inviterName = mem.inviter.displayName()
		}
	}
	for i, t := range f.OrgTokens {
		created := now
		if !tokenDates[i].IsZero() {
			created = tokenDates[i]
		}
		var by *user
		if t.CreatedBy != "" {
			by = o.memberByEmail(t.CreatedBy).user
		}
		s.st.mintOrgTokenBySession(o, by, t.Name, created)
	}
	o.applySettings(s.st, f.Settings)
	return nil
}

// seedTeamMembership puts a seeded member on a team with the team role
// given ("" for null), stored as null at or below the member's minimum.
func seedTeamMembership(st *store, m *member, t *team, role string) {
	var tr *teamRole
	if r := lookupTeamRole(role); r != nil && r.priority > m.role.minTeamRole.priority {
		tr = r
	}
	addTeamMember(st, m, t, tr)
}

// seedJoined reports whether email is a joined member of the organization
// or a member the seed file adds who is not pending.
func seedJoined(o *organization, f seedFile, email string) bool {
	if m := o.memberByEmail(email); m != nil && m.user != nil {
		return true
	}
	for _, m := range f.Members {
		if strings.EqualFold(m.Email, email) && !m.Pending && !m.Expired {
			return true
		}
	}
	return false
}

func checkSeedSlug(kind, slug string) error {
	if !validSlug(slug) || len(slug) > slugMaxLength {
		return fmt.Errorf("%w: %s slug %q: %s", ErrBadSeed, kind, slug, msgSlugInvalid)
	}
	return nil
}

// orgSeed is Seed: the organization's active teams, projects, members and
// team memberships with ids at or above fromID, as a seed file. The caller
// holds s.mu.
func (s *Server) orgSeed(o *organization, fromID int64) seedFile {
	var f seedFile
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, t := range o.activeBySlug {
		if t.id >= fromID {
			f.Teams = append(f.Teams, seedTeam{ID: id(t.id), Slug: t.slug, Name: t.name, SCIM: t.idpProvisioned})
		}
	}
	slices.SortFunc(f.Teams, func(a, b seedTeam) int { return compareIDs(a.ID, b.ID) })
	for _, p := range o.projects {
		if p.id < fromID {
			continue
		}
		teams := slices.Collect(maps.Values(p.teams))
		slices.SortFunc(teams, func(a, b *team) int { return cmp.Compare(p.teamLinks[a.id], p.teamLinks[b.id]) })
		slugs := make([]string, 0, len(teams))
		for _, t := range teams {
			slugs = append(slugs, t.slug)
		}
		f.Projects = append(f.Projects, seedProject{ID: id(p.id), Slug: p.slug, Name: p.name, Platform: p.platform, Teams: slugs})
	}
	slices.SortFunc(f.Projects, func(a, b seedProject) int { return compareIDs(a.ID, b.ID) })
	now := s.now()
	var memberships []*teamMembership
	for _, m := range o.sortedMembers() {
		for _, tm := range m.activeTeams() {
			if tm.id >= fromID {
				memberships = append(memberships, tm)
			}
		}
		if m.id < fromID {
			continue
		}
		sm := seedMember{
			ID: id(m.id), Email: m.currentEmail(), Role: m.role.id,
			Pending: m.pending, Expired: m.pending && m.inviteExpired(now),
			SSOLinked: m.ssoLinked, IDPProvisioned: m.idpProvisioned,
		}
		if u := m.user; u != nil {
			sm.Has2FA = u.has2FA
			if u.lastLogin != nil {
				sm.LastLogin = u.lastLogin.Format(time.RFC3339Nano)
			}
			if u.lastActive != nil {
				sm.LastActive = u.lastActive.Format(time.RFC3339Nano)
			}
		}
		if m.inviter != nil {
			sm.InvitedBy = m.inviter.email
		}
		f.Members = append(f.Members, sm)
	}
	// Memberships go in the order they were made, which lists keep.
	slices.SortFunc(memberships, func(a, b *teamMembership) int { return cmp.Compare(a.id, b.id) })
	for _, tm := range memberships {
		f.TeamMembers = append(f.TeamMembers, seedTeamMember{Team: tm.team.slug, Email: tm.member.currentEmail(), Role: tm.storedRole()})
	}
	return f
}

// storedRole is the membership's stored team role, "" for null.
func (tm *teamMembership) storedRole() string {
	if tm.role == nil {
		return ""
	}
	return tm.role.id
}

// compareIDs orders ids written in decimal without leading zeros.
func compareIDs(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}
