package sentrysim

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// seedFile is what a seed file holds:
//
//	{"teams": [{"slug": "backend", "name": "Backend"},
//	           {"slug": "okta-sre", "name": "Okta SRE", "scim": true}],
//	 "projects": [{"slug": "api", "name": "API", "teams": ["backend"]}],
//	 "members": [{"email": "ann@example.com", "role": "member",
//	              "teams": [{"team": "backend", "role": "admin"}]},
//	             {"email": "new@example.com", "role": "member",
//	              "pending": true, "expired": true}],
//	 "org_tokens": [{"name": "ci"}]}
type seedFile struct {
	Teams []struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
		// SCIM marks a team made through SCIM: a SCIM group, managed by
		// the identity provider.
		SCIM bool `json:"scim"`
	} `json:"teams"`
	Projects []struct {
		Slug  string   `json:"slug"`
		Name  string   `json:"name"`
		Teams []string `json:"teams"`
	} `json:"projects"`
	Members []struct {
		Email string `json:"email"`
		Role  string `json:"role"`
		Teams []struct {
			Team string `json:"team"`
			Role string `json:"role"`
		} `json:"teams"`
		// Pending makes the member an invitation nobody has accepted;
		// Expired (which implies Pending) one whose 30 days are over.
		Pending bool `json:"pending"`
		Expired bool `json:"expired"`
		// Has2FA and SSOLinked are a joined member's sign-in posture.
		Has2FA    bool `json:"has2fa"`
		SSOLinked bool `json:"sso_linked"`
	} `json:"members"`
	// OrgTokens are organization auth tokens. One with CreatedBy (a
	// joined member's email, in the organization or in this file) was
	// made by that person in Sentry's settings page: the audit log gets
	// its org-auth-token.create entry, dated DateCreated (RFC 3339; now
	// when empty).
	OrgTokens []struct {
		Name        string `json:"name"`
		CreatedBy   string `json:"created_by"`
		DateCreated string `json:"date_created"`
	} `json:"org_tokens"`
	// Settings are the organization's settings, as /_sim/ takes them:
	// {"allowMemberInvite": false, "require2FA": true, "ssoRequired": true}.
	Settings OrgSettings `json:"settings"`
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
	for _, m := range f.Members {
		if !strings.Contains(m.Email, "@") {
			return fmt.Errorf("%w: %q is not an email address", ErrBadSeed, m.Email)
		}
		key := strings.ToLower(m.Email)
		if (m.Pending || m.Expired) && (m.Has2FA || m.SSOLinked) {
			return fmt.Errorf("%w: the invitation of %s has no user to hold 2FA or an SSO link", ErrBadSeed, m.Email)
		}
		if m.Pending || m.Expired {
			if invited[key] {
				return fmt.Errorf("%w: the invitation of %s: the address is already a member or invited", ErrBadSeed, m.Email)
			}
			invitedNow[key] = true
		} else if invitedNow[key] {
			return fmt.Errorf("%w: %s is both invited and a member", ErrBadSeed, m.Email)
		}
		invited[key] = true
		if lookupOrgRole(m.Role) == nil {
			return fmt.Errorf("%w: %q for %s", ErrBadRole, m.Role, m.Email)
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

	now := s.now()
	for _, t := range f.Teams {
		name := t.Name
		if name == "" {
			name = t.Slug
		}
		s.st.addTeam(o, t.Slug, name, t.SCIM, now)
	}
	for _, p := range f.Projects {
		name := p.Name
		if name == "" {
			name = p.Slug
		}
		if len(p.Teams) == 0 {
			// Sentry keeps projects whose last team is gone.
			proj := &project{
				id: s.st.newID(), org: o, slug: p.Slug, name: name, dateCreated: now,
				teams: make(map[int64]*team), teamLinks: make(map[int64]int64),
			}
			o.projects[proj.id] = proj
			o.projectSlugs[proj.slug] = proj
			continue
		}
		proj := s.st.addProject(o, o.lookupTeam(p.Teams[0]), p.Slug, name, "", now)
		for _, slug := range p.Teams[1:] {
			s.st.linkProjectTeam(proj, o.lookupTeam(slug))
		}
	}
	for _, m := range f.Members {
		role := lookupOrgRole(m.Role)
		var mem *member
		if m.Pending || m.Expired {
			mem = s.st.addInvite(o, m.Email, role, now)
			if m.Expired {
				mem.inviteExpiresAt = now.Add(-24 * time.Hour)
			}
		} else {
			mem = s.st.addMember(o, s.st.addUser(m.Email, now), role, now)
			mem.user.has2FA, mem.ssoLinked = m.Has2FA, m.SSOLinked
		}
		for _, tm := range m.Teams {
			var tr *teamRole
			if r := lookupTeamRole(tm.Role); r != nil && r.priority > role.minTeamRole.priority {
				tr = r
			}
			addTeamMember(s.st, mem, o.lookupTeam(tm.Team), tr)
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
