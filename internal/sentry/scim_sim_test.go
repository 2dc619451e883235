package sentry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// scimSim serves a fresh emulator and returns a client with its SCIM
// token, one with its owner's token, and a count of the SCIM PATCH
// requests it has answered.
func scimSim(t *testing.T) (sim *sentrysim.Server, scim, owner *Client, patches *atomic.Int64) {
	t.Helper()
	sim = sentrysim.New(sentrysim.Options{LegacyOrgTokens: true})
	patches = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/scim/v2/") {
			patches.Add(1)
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	clientFor := func(token string) *Client {
		c, err := NewClient(Config{BaseURL: srv.URL, Token: token, MaxRetries: -1})
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		return c
	}
	return sim, clientFor(sim.SCIMToken("acme")), clientFor(sim.Tokens().Owner), patches
}

func TestSCIMGroupsAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, scim, owner, patches := scimSim(t)

	g, err := scim.CreateSCIMGroup(ctx, "acme", "Backend Eng")
	if err != nil {
		t.Fatalf("CreateSCIMGroup: %v", err)
	}
	if g.ID == "" || g.DisplayName != "Backend Eng" || g.Members == nil || len(g.Members) != 0 {
		t.Fatalf("created %+v", g)
	}
	if _, err := scim.CreateSCIMGroup(ctx, "acme", "backend eng"); !IsConflict(err) {
		t.Errorf("same slug: %v", err)
	}

	// 150 members, added one operation each: two PATCH requests.
	ids := make([]string, 150)
	ops := make([]SCIMPatchOp, len(ids))
	for i := range ids {
		u, err := scim.CreateSCIMUser(ctx, "acme", fmt.Sprintf("user%03d@example.com", i), "")
		if err != nil {
			t.Fatalf("CreateSCIMUser %d: %v", i, err)
		}
		ids[i] = u.ID
		ops[i] = SCIMGroupMembershipOps(nil, []string{u.ID})[0]
	}
	if err := scim.PatchSCIMGroup(ctx, "acme", g.ID, ops); err != nil {
		t.Fatalf("PatchSCIMGroup: %v", err)
	}
	if n := patches.Load(); n != 2 {
		t.Errorf("%d PATCH requests, want 2", n)
	}
	g, err = scim.GetSCIMGroup(ctx, "acme", g.ID)
	if err != nil {
		t.Fatalf("GetSCIMGroup: %v", err)
	}
	if got, want := g.MemberIDs(), sortedIDs(ids); !slices.Equal(got, want) {
		t.Fatalf("%d members, want %d", len(got), len(want))
	}
	if g.Members[0].Display == "" {
		t.Errorf("member %+v has no display", g.Members[0])
	}

	// Remove twenty and add a newcomer in one request.
	extra, err := scim.CreateSCIMUser(ctx, "acme", "extra@example.com", "")
	if err != nil {
		t.Fatalf("CreateSCIMUser: %v", err)
	}
	newIDs := append(slices.Clone(ids[10:140]), extra.ID)
	diff := SCIMGroupMembershipOps(g.MemberIDs(), newIDs)
	if len(diff) != 21 || diff[0].Op != "add" {
		t.Fatalf("%d operations, want 1 add and 20 removes", len(diff))
	}
	if err := scim.PatchSCIMGroup(ctx, "acme", g.ID, diff); err != nil {
		t.Fatalf("PatchSCIMGroup: %v", err)
	}
	g, err = scim.GetSCIMGroup(ctx, "acme", g.ID)
	if err != nil {
		t.Fatalf("GetSCIMGroup: %v", err)
	}
	if got, want := g.MemberIDs(), sortedIDs(newIDs); !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	if again := SCIMGroupMembershipOps(g.MemberIDs(), newIDs); again != nil {
		t.Errorf("a second diff is not empty: %v", again)
	}

	// Rename: the slug follows, and the teams API sees a team it may not
	// change.
	if err := scim.PatchSCIMGroup(ctx, "acme", g.ID, []SCIMPatchOp{SCIMRenameOp("Platform Eng")}); err != nil {
		t.Fatalf("rename: %v", err)
	}
	team, err := owner.GetTeam(ctx, "acme", "platform-eng")
	if err != nil {
		t.Fatalf("GetTeam: %v", err)
	}
	if team.ID != g.ID || team.Name != "Platform Eng" || !team.IDPProvisioned() || team.MemberCount != 0 {
		t.Errorf("team %+v", team)
	}
	name := "Manual"
	if _, err := owner.UpdateTeam(ctx, "acme", team.ID, UpdateTeamRequest{Name: &name}); !IsForbidden(err) {
		t.Errorf("UpdateTeam of a SCIM team: %v", err)
	}

	// An unknown member undoes the PATCH it was in.
	err = scim.PatchSCIMGroup(ctx, "acme", g.ID, []SCIMPatchOp{SCIMRenameOp("Other"), {Op: "add", Path: "members", Value: []SCIMGroupMember{{Value: "1"}}}})
	var apiErr *APIError
	if !IsNotFound(err) || !errors.As(err, &apiErr) || apiErr.Detail != "User not found." {
		t.Errorf("unknown member: %v", err)
	}
	if g, _ := scim.GetSCIMGroup(ctx, "acme", g.ID); g == nil || g.DisplayName != "Platform Eng" {
		t.Errorf("after the failed PATCH: %+v", g)
	}

	// Lists page through every group; the filter matches by slug.
	for i := range 105 {
		if _, err := scim.CreateSCIMGroup(ctx, "acme", fmt.Sprintf("Team %03d", i)); err != nil {
			t.Fatalf("CreateSCIMGroup: %v", err)
		}
	}
	all, err := scim.ListSCIMGroups(ctx, "acme", "")
	if err != nil || len(all) != 106 {
		t.Fatalf("ListSCIMGroups: %d groups, %v", len(all), err)
	}
	found, err := scim.ListSCIMGroups(ctx, "acme", `displayName eq "platform ENG"`)
	if err != nil || len(found) != 1 || found[0].ID != g.ID || len(found[0].Members) != len(newIDs) {
		t.Fatalf("filtered: %+v, %v", found, err)
	}
	if _, err := scim.ListSCIMGroups(ctx, "acme", `displayName co "x"`); !errors.As(err, &apiErr) || apiErr.Detail != "invalidFilter" {
		t.Errorf("bad filter: %v", err)
	}

	if err := scim.DeleteSCIMGroup(ctx, "acme", g.ID); err != nil {
		t.Fatalf("DeleteSCIMGroup: %v", err)
	}
	if _, err := scim.GetSCIMGroup(ctx, "acme", g.ID); !IsNotFound(err) {
		t.Errorf("after delete: %v", err)
	}
	if err := scim.DeleteSCIMGroup(ctx, "acme", g.ID); !IsNotFound(err) {
		t.Errorf("second delete: %v", err)
	}
}

func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestSCIMUsersAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, scim, owner, _ := scimSim(t)

	u, err := scim.CreateSCIMUser(ctx, "acme", "new@example.com", "manager")
	if err != nil {
		t.Fatalf("CreateSCIMUser: %v", err)
	}
	if u.ID == "" || u.UserName != "new@example.com" || !u.Active || u.SentryOrgRole != "manager" {
		t.Fatalf("created %+v", u)
	}
	got, err := owner.GetMember(ctx, "acme", u.ID)
	if err != nil || got.Email != "new@example.com" || got.OrgRole != "manager" || !got.Pending {
		t.Fatalf("the SCIM user as a member: %+v, %v", got, err)
	}

	var apiErr *APIError
	if _, err := scim.CreateSCIMUser(ctx, "acme", "member@acme.example", ""); !IsConflict(err) {
		t.Errorf("joined member: %v", err)
	}
	if _, err := scim.CreateSCIMUser(ctx, "acme", "x@example.com", "owner"); !errors.As(err, &apiErr) ||
		apiErr.StatusCode != http.StatusBadRequest || apiErr.Detail != "Invalid organization role." {
		t.Errorf("owner role: %v", err)
	}
	if _, err := scim.CreateSCIMUser(ctx, "acme", "new@example.com", ""); !errors.As(err, &apiErr) ||
		apiErr.StatusCode != http.StatusBadRequest || !strings.Contains(apiErr.Detail, "has already been invited") {
		t.Errorf("invited again: %v", err)
	}

	other, err := scim.CreateSCIMUser(ctx, "acme", "other@example.com", "")
	if err != nil || other.SentryOrgRole != "member" {
		t.Fatalf("CreateSCIMUser: %+v, %v", other, err)
	}
	if err := scim.DeleteSCIMUser(ctx, "acme", other.ID); err != nil {
		t.Fatalf("DeleteSCIMUser: %v", err)
	}
	if err := scim.DeleteSCIMUser(ctx, "acme", other.ID); !IsNotFound(err) {
		t.Errorf("second delete: %v", err)
	}

	// With SCIM off, Sentry refuses the token as it refuses a scope.
	if err := sim.SetFeature("acme", "sso-scim", false); err != nil {
		t.Fatal(err)
	}
	if _, err := scim.ListSCIMGroups(ctx, "acme", ""); !IsForbidden(err) {
		t.Errorf("SCIM off: %v", err)
	}
	// The SCIM token is no user token: the teams list needs org:read.
	if err := sim.SetFeature("acme", "sso-scim", true); err != nil {
		t.Fatal(err)
	}
	if _, err := scim.ListTeams(ctx, "acme"); !IsForbidden(err) {
		t.Errorf("teams list with the SCIM token: %v", err)
	}
	if _, err := owner.ListTeams(ctx, "acme"); err != nil {
		t.Errorf("teams list with the owner token: %v", err)
	}
}
