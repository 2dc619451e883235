package sentrysim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// OrgSettings are the organization settings the emulator keeps, as the
// organization details endpoint names them. A nil field is left as it is.
type OrgSettings struct {
	// AllowMemberInvite off is Sentry's disable_member_invite flag:
	// members (member:invite only) may no longer invite.
	AllowMemberInvite *bool `json:"allowMemberInvite,omitempty"`
	// Require2FA is the require_2fa flag.
	Require2FA *bool `json:"require2FA,omitempty"`
	// SSORequired stands for an SSO provider that does not let members
	// in without a linked identity.
	SSORequired *bool `json:"ssoRequired,omitempty"`
	// SSOProvider names the organization's auth provider ("saml2",
	// "okta"); "" removes it. A provider without SSORequired lets members
	// in without a linked identity.
	SSOProvider *string `json:"ssoProvider,omitempty"`
	// OpenMembership is the allow_joinleave flag: every member may join
	// every team and reach every project.
	OpenMembership *bool `json:"openMembership,omitempty"`
}

// MemberPosture is what the emulator knows of a member's sign-in: whether
// its user enrolled 2FA, whether it linked its SSO identity, and when the
// user last signed in and was last active (Sentry's user.last_login and
// user.last_active). A nil field is left as it is.
type MemberPosture struct {
	Email      string     `json:"email"`
	Has2FA     *bool      `json:"has2fa,omitempty"`
	SSOLinked  *bool      `json:"ssoLinked,omitempty"`
	LastLogin  *time.Time `json:"lastLogin,omitempty"`
	LastActive *time.Time `json:"lastActive,omitempty"`
}

// SetOrgSettings changes the organization's settings and returns them all.
func (s *Server) SetOrgSettings(org string, set OrgSettings) (OrgSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.controlOrg(org)
	if err != nil {
		return OrgSettings{}, err
	}
	o.applySettings(s.st, set)
	return o.settings(), nil
}

func (o *organization) applySettings(st *store, set OrgSettings) {
	if set.AllowMemberInvite != nil {
		o.disableMemberInvite = !*set.AllowMemberInvite
	}
	if set.Require2FA != nil {
		o.require2FA = *set.Require2FA
	}
	if set.SSORequired != nil {
		o.ssoRequired = *set.SSORequired
	}
	if set.SSOProvider != nil {
		o.ssoProvider = *set.SSOProvider
		if o.ssoProvider == "" {
			o.ssoRequired = false
		}
	}
	if set.OpenMembership != nil {
		o.allowJoinLeave = *set.OpenMembership
	}
	if o.hasAuthProvider() && o.authProviderID == 0 {
		o.authProviderID = st.newID()
	}
}

func (o *organization) settings() OrgSettings {
	allow, require2FA, sso, open := !o.disableMemberInvite, o.require2FA, o.ssoRequired, o.allowJoinLeave
	provider := ""
	if o.hasAuthProvider() {
		provider = o.authProviderKey()
	}
	return OrgSettings{AllowMemberInvite: &allow, Require2FA: &require2FA, SSORequired: &sso,
		SSOProvider: &provider, OpenMembership: &open}
}

// SetMemberPosture sets whether the joined member's user has 2FA and
// whether the member linked its SSO identity.
func (s *Server) SetMemberPosture(org string, p MemberPosture) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.controlOrg(org)
	if err != nil {
		return err
	}
	m := o.memberByEmail(p.Email)
	if m == nil || m.user == nil {
		return ErrNoMember
	}
	if p.Has2FA != nil {
		m.user.has2FA = *p.Has2FA
	}
	if p.SSOLinked != nil {
		m.ssoLinked = *p.SSOLinked
	}
	if p.LastLogin != nil {
		t := p.LastLogin.UTC()
		m.user.lastLogin = &t
	}
	if p.LastActive != nil {
		t := p.LastActive.UTC()
		m.user.lastActive = &t
	}
	return nil
}

// registerSettingsControls adds POST /_sim/organizations/{org}/settings
// (an OrgSettings object; the answer holds every setting) and POST
// /_sim/organizations/{org}/member-posture (a MemberPosture object).
func (s *Server) registerSettingsControls() {
	s.mux.HandleFunc("POST /_sim/organizations/{org}/settings", func(w http.ResponseWriter, r *http.Request) {
		var set OrgSettings
		if !decodeControl(w, r, &set) {
			return
		}
		all, err := s.SetOrgSettings(r.PathValue("org"), set)
		if err != nil {
			writeControlError(w, http.StatusNotFound, err)
			return
		}
		writeJSON(w, http.StatusOK, all)
	})
	s.mux.HandleFunc("POST /_sim/organizations/{org}/member-posture", func(w http.ResponseWriter, r *http.Request) {
		var p MemberPosture
		if !decodeControl(w, r, &p) {
			return
		}
		if err := s.SetMemberPosture(r.PathValue("org"), p); err != nil {
			writeControlError(w, http.StatusNotFound, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// decodeControl reads a control's JSON object, refusing unknown fields.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		msg := "extra data after the object"
		if err != nil {
			msg = err.Error()
		}
		writeDetail(w, http.StatusBadRequest, "invalid control: "+msg)
		return false
	}
	return true
}

// SetProjectBookmark bookmarks the project for the user with the email,
// or removes the bookmark; bookmarked projects lead that user's
// organization projects list.
func (s *Server) SetProjectBookmark(org, projectSlug, email string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.controlOrg(org)
	if err != nil {
		return err
	}
	p := o.lookupProject(projectSlug)
	if p == nil {
		return fmt.Errorf("%w: %q", ErrNoProject, projectSlug)
	}
	u := s.st.usersByEmail[strings.ToLower(email)]
	if u == nil {
		return ErrNoMember
	}
	p.setBookmark(u, on)
	return nil
}
