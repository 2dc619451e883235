package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// TestTeamFromCommunityState takes a sentry_team state as the community
// provider (jianyuan/sentry, terraform-plugin-sdk/v2, schema version 0)
// writes it, with the team's slug for id and attributes this provider does
// not have, through UpgradeResourceState as Terraform does after the
// provider source changes, then reads it: the read finds the team by slug
// and keeps Sentry's numeric id, so sentry_team needs no move of its own.
func TestTeamFromCommunityState(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t)
	slug := randomName()
	team, err := env.client.CreateTeam(ctx, "acme", sentry.CreateTeamRequest{Slug: slug, Name: "Backend"})
	if err != nil {
		t.Fatal(err)
	}
	community := fmt.Sprintf(`{"id":%q,"organization":"acme","name":"Backend","slug":%q,"internal_id":%q,`+
		`"team_id":%q,"has_access":true,"is_member":false,"is_pending":false}`, slug, slug, team.ID, team.ID)

	upgraded, err := NewProtocol6("test")().UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "sentry_team", Version: 0, RawState: &tfprotov6.RawState{JSON: []byte(community)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range upgraded.Diagnostics {
		t.Fatalf("upgrade: %s: %s", d.Summary, d.Detail)
	}
	r := &teamResource{}
	env.configure(t, r)
	s, i := schemas(t, r)
	raw, err := upgraded.UpgradedState.Unmarshal(s.Schema.Type().TerraformType(ctx))
	if err != nil {
		t.Fatal(err)
	}
	state := tfsdk.State{Schema: s.Schema, Raw: raw}
	read := resource.ReadResponse{State: tfsdk.State{Schema: s.Schema, Raw: raw.Copy()}, Identity: emptyIdentity(ctx, i)}
	r.Read(ctx, resource.ReadRequest{State: state}, &read)
	if read.Diagnostics.HasError() {
		t.Fatal(read.Diagnostics)
	}
	var got teamModel
	if d := read.State.Get(ctx, &got); d.HasError() {
		t.Fatal(d)
	}
	if got.ID.ValueString() != team.ID || got.Slug.ValueString() != slug || got.Name.ValueString() != "Backend" ||
		got.Organization.ValueString() != "acme" || got.DateCreated.IsNull() {
		t.Errorf("state after read = %+v, want id %s, slug %s", got, team.ID, slug)
	}
}
