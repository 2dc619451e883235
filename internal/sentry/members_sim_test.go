package sentry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// memberSim serves a fresh emulator and returns it with a client factory.
func memberSim(t *testing.T) (*sentrysim.Server, func(token string) *Client) {
	t.Helper()
	sim := sentrysim.New(sentrysim.Options{LegacyOrgTokens: true})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, func(token string) *Client {
		c, err := NewClient(Config{BaseURL: srv.URL, Token: token, MaxRetries: -1})
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		return c
	}
}

func roleOf(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func teamRolesOf(m *Member) map[string]string {
	out := make(map[string]string)
	for _, tr := range m.TeamRoles {
		out[tr.TeamSlug] = roleOf(tr.Role)
	}
	return out
}

func TestMemberLifecycleAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, clientFor := memberSim(t)
	org := sim.Organization()
	owner := clientFor(sim.Tokens().Owner)
	for _, slug := range []string{"backend", "frontend", "ops"} {
		if _, err := owner.CreateTeam(ctx, org, CreateTeamRequest{Slug: slug}); err != nil {
			t.Fatalf("CreateTeam %s: %v", slug, err)
		}
	}

	// Invite: a pending member on backend, with the role sent dropped.
	no := false
	invited, err := owner.InviteMember(ctx, org, InviteMemberRequest{
		Email: "jane@example.com", OrgRole: "member", SendInvite: &no,
		TeamRoles: []MemberTeamRole{{TeamSlug: "backend", Role: strPtr("admin")}},
	})
	if err != nil {
		t.Fatalf("InviteMember: %v", err)
	}
	if !invited.Pending || invited.User != nil || invited.InviteStatus != "approved" || invited.Expired || invited.ID == "" {
		t.Fatalf("invited %+v", invited)
	}
	got, err := owner.GetMember(ctx, org, invited.ID)
	if err != nil {
		t.Fatalf("GetMember: %v", err)
	}
	if !slices.Equal(got.Teams, []string{"backend"}) || teamRolesOf(got)["backend"] != "<null>" {
		t.Errorf("after invite: teams %v, roles %v", got.Teams, teamRolesOf(got))
	}

	// A second invite for the address is a 400 on the email field.
	_, err = owner.InviteMember(ctx, org, InviteMemberRequest{Email: "jane@example.com", OrgRole: "member"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest ||
		!slices.Equal(apiErr.Fields["email"], []string{"The user jane@example.com has already been invited"}) {
		t.Errorf("duplicate invite: %v", err)
	}
	pending, err := owner.ListMembers(ctx, org, "isInvited:true")
	if err != nil || len(pending) != 1 || pending[0].ID != invited.ID {
		t.Errorf("pending invites %+v, err %v", pending, err)
	}

	// Accept.
	janeToken, err := sim.AcceptInvite(org, "jane@example.com")
	if err != nil {
		t.Fatalf("AcceptInvite: %v", err)
	}
	jane := clientFor(janeToken)
	me, err := jane.GetMember(ctx, org, "me")
	if err != nil {
		t.Fatalf("GetMember me: %v", err)
	}
	if me.ID != invited.ID || me.Pending || me.User == nil || me.User.Email != "jane@example.com" || me.User.ID == "" {
		t.Fatalf("accepted %+v", me)
	}

	// Team roles: the members PUT stores roles as sent and replaces the
	// whole team set.
	roles := []MemberTeamRole{{TeamSlug: "backend", Role: strPtr("admin")}, {TeamSlug: "frontend", Role: strPtr("contributor")}}
	updated, err := owner.UpdateMember(ctx, org, invited.ID, UpdateMemberRequest{OrgRole: strPtr("member"), TeamRoles: &roles})
	if err != nil {
		t.Fatalf("UpdateMember: %v", err)
	}
	if r := teamRolesOf(updated); len(r) != 2 || r["backend"] != "admin" || r["frontend"] != "contributor" {
		t.Errorf("team roles after PUT %v", r)
	}

	teamMembers, err := owner.ListTeamMembers(ctx, org, "backend")
	if err != nil {
		t.Fatalf("ListTeamMembers: %v", err)
	}
	var found bool
	for _, m := range teamMembers {
		if m.ID == invited.ID {
			found = true
			if roleOf(m.TeamRole) != "admin" || m.TeamSlug != "backend" {
				t.Errorf("team member %+v", m)
			}
		}
	}
	if !found {
		t.Error("jane is not on backend")
	}

	// Team membership by itself.
	if res, err := owner.AddTeamMember(ctx, org, invited.ID, "ops"); err != nil || res != TeamMemberAdded {
		t.Errorf("AddTeamMember: %v, %v", res, err)
	}
	if res, err := owner.AddTeamMember(ctx, org, invited.ID, "ops"); err != nil || res != TeamMemberAlreadyPresent {
		t.Errorf("AddTeamMember again: %v, %v", res, err)
	}
	got, err = owner.GetMember(ctx, org, invited.ID)
	if err != nil {
		t.Fatalf("GetMember: %v", err)
	}
	if r := teamRolesOf(got); len(r) != 3 || r["backend"] != "admin" || r["frontend"] != "contributor" || r["ops"] != "<null>" {
		t.Errorf("teams after add %v", r)
	}

	// A role change without the teams would drop them: send both.
	teams := got.TeamRoles
	updated, err = owner.UpdateMember(ctx, org, invited.ID, UpdateMemberRequest{OrgRole: strPtr("manager"), TeamRoles: &teams})
	if err != nil {
		t.Fatalf("promote: %v", err)
	}
	if updated.OrgRole != "manager" || len(updated.TeamRoles) != 3 {
		t.Errorf("promoted %+v", updated)
	}
	if _, err := jane.UpdateMember(ctx, org, invited.ID, UpdateMemberRequest{OrgRole: strPtr("member"), TeamRoles: &teams}); err == nil {
		t.Error("jane changed her own role")
	}

	// Lists and search.
	all, err := owner.ListMembers(ctx, org, "")
	if err != nil || len(all) != 4 {
		t.Errorf("%d members, err %v", len(all), err)
	}
	var emails []string
	for m, err := range owner.Members(ctx, org, "email:jane@example.com") {
		if err != nil {
			t.Fatal(err)
		}
		emails = append(emails, m.Email)
	}
	if !slices.Equal(emails, []string{"jane@example.com"}) {
		t.Errorf("search %v", emails)
	}

	// Remove.
	if err := owner.DeleteMember(ctx, org, invited.ID); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	if _, err := owner.GetMember(ctx, org, invited.ID); !IsNotFound(err) {
		t.Errorf("GetMember after delete: %v", err)
	}
	if err := owner.DeleteMember(ctx, org, invited.ID); !IsNotFound(err) {
		t.Errorf("second delete: %v", err)
	}
}

func TestMemberRulesAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, clientFor := memberSim(t)
	org := sim.Organization()
	owner, manager, member := clientFor(sim.Tokens().Owner), clientFor(sim.Tokens().Manager), clientFor(sim.Tokens().Member)
	if _, err := owner.CreateTeam(ctx, org, CreateTeamRequest{Slug: "backend"}); err != nil {
		t.Fatal(err)
	}
	ownerMember, err := owner.GetMember(ctx, org, "me")
	if err != nil {
		t.Fatal(err)
	}

	// Field errors come back by field.
	_, err = manager.InviteMember(ctx, org, InviteMemberRequest{Email: "x@example.com", OrgRole: "owner"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || len(apiErr.Fields["orgRole"]) != 1 {
		t.Errorf("manager inviting an owner: %v", err)
	}
	_, err = owner.InviteMember(ctx, org, InviteMemberRequest{Email: "x@example.com", OrgRole: "member",
		TeamRoles: []MemberTeamRole{{TeamSlug: "nope"}}})
	if !errors.As(err, &apiErr) || !slices.Equal(apiErr.Fields["teamRoles"], []string{"Invalid teams"}) {
		t.Errorf("unknown team: %v", err)
	}

	// A manager cannot demote the owner.
	if _, err := manager.UpdateMember(ctx, org, ownerMember.ID, UpdateMemberRequest{OrgRole: strPtr("member")}); !IsForbidden(err) {
		t.Errorf("demoting the owner: %v", err)
	}

	// Members may invite members.
	invite, err := member.InviteMember(ctx, org, InviteMemberRequest{Email: "y@example.com", OrgRole: "member"})
	if err != nil {
		t.Fatalf("member invites: %v", err)
	}
	// The invite expires; only a regenerated one can be resent.
	if err := sim.ExpireInvite(org, "y@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.UpdateMember(ctx, org, invite.ID, UpdateMemberRequest{Reinvite: true}); err == nil {
		t.Error("an expired invite was resent")
	}
	resent, err := owner.UpdateMember(ctx, org, invite.ID, UpdateMemberRequest{Reinvite: true, Regenerate: true})
	if err != nil || resent.Expired {
		t.Errorf("regenerated: %+v, %v", resent, err)
	}

	// SCIM members cannot be removed here.
	if err := sim.SetMemberProvisioned(org, "member@"+org+".example", true); err != nil {
		t.Fatal(err)
	}
	memberMe, err := member.GetMember(ctx, org, "me")
	if err != nil {
		t.Fatal(err)
	}
	if !memberMe.IDPProvisioned() {
		t.Error("the member is not shown as provisioned")
	}
	if err := owner.DeleteMember(ctx, org, memberMe.ID); !IsForbidden(err) {
		t.Errorf("deleting a SCIM member: %v", err)
	}

	// The last owner or manager stays.
	managerMe, err := manager.GetMember(ctx, org, "me")
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.DeleteMember(ctx, org, managerMe.ID); err != nil {
		t.Fatalf("removing the manager: %v", err)
	}
	if err := owner.DeleteMember(ctx, org, ownerMember.ID); !IsForbidden(err) {
		t.Errorf("removing the last owner: %v", err)
	}
}
