package sentry

import (
	"context"
	"testing"
)

// TestRefusalsAgainstEmulator provokes each refusal the emulator can
// produce with Sentry's bodies and checks the predicate that names it.
func TestRefusalsAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, clientFor := memberSim(t)
	org := sim.Organization()
	owner, manager := clientFor(sim.Tokens().Owner), clientFor(sim.Tokens().Manager)
	if _, err := owner.CreateTeam(ctx, org, CreateTeamRequest{Slug: "backend"}); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddProject(org, "backend", "web"); err != nil {
		t.Fatal(err)
	}
	me, err := owner.GetMember(ctx, org, "me")
	if err != nil {
		t.Fatal(err)
	}
	invited, err := owner.InviteMember(ctx, org, InviteMemberRequest{Email: "jane@example.com", OrgRole: "member"})
	if err != nil {
		t.Fatal(err)
	}

	check := func(what string, is func(error) bool, err error) {
		t.Helper()
		if !is(err) {
			t.Errorf("%s: the predicate is false for %v", what, err)
		}
	}
	_, err = owner.InviteMember(ctx, org, InviteMemberRequest{Email: "jane@example.com", OrgRole: "member"})
	check("second invite", IsAlreadyMember, err)
	_, err = manager.InviteMember(ctx, org, InviteMemberRequest{Email: "x@example.com", OrgRole: "owner"})
	check("manager inviting an owner", IsRoleAboveToken, err)
	_, err = owner.InviteMember(ctx, org, InviteMemberRequest{Email: "x@example.com", OrgRole: "member",
		TeamRoles: []MemberTeamRole{{TeamSlug: "nope"}}})
	check("unknown team", IsInvalidTeams, err)
	_, err = owner.UpdateMember(ctx, org, me.ID, UpdateMemberRequest{OrgRole: strPtr("manager")})
	check("own role", IsOwnRoleChange, err)
	_, err = owner.AddProjectTeam(ctx, org, "web", "ghost")
	check("link to an unknown team", IsTeamNotFound, err)

	// An organization token (the SCIM integration's has member scopes)
	// gets a bare 400 from the member PUT.
	if err := sim.SetFeature(org, "sso-scim", true); err != nil {
		t.Fatal(err)
	}
	_, err = clientFor(sim.SCIMToken(org)).UpdateMember(ctx, org, invited.ID, UpdateMemberRequest{OrgRole: strPtr("member")})
	check("member PUT with an organization token", IsOrgTokenRefused, err)

	if err := sim.SetTeamProvisioned(org, "backend", true); err != nil {
		t.Fatal(err)
	}
	name := "Renamed"
	_, err = owner.UpdateTeam(ctx, org, "backend", UpdateTeamRequest{Name: &name})
	check("renaming a SCIM team", IsIdPManaged, err)
	if err := sim.SetMemberProvisioned(org, "jane@example.com", true); err != nil {
		t.Fatal(err)
	}
	check("removing a SCIM member", IsIdPManaged, owner.DeleteMember(ctx, org, invited.ID))

	// Today's Sentry serves organization auth tokens to browser sessions
	// only.
	sim.SetLegacyOrgTokens(false)
	_, err = owner.ListOrgAuthTokens(ctx, org)
	check("listing org auth tokens", IsSessionOnly, err)
	_, err = owner.CreateOrgAuthToken(ctx, org, "ci")
	check("creating an org auth token", IsSessionOnly, err)
}
