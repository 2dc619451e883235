package provider

import (
	"context"
	"maps"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// opCounter calls a resource's Create, Update and Delete directly against
// the emulator and counts the API requests each makes, so that the figures
// in the docs' performance section are checked, not assumed.
type opCounter struct {
	t   *testing.T
	r   resource.Resource
	sim *sentrysim.Server
}

func (c opCounter) create(values map[string]tftypes.Value) (tfsdk.State, int64) {
	c.t.Helper()
	plan := planFor(c.t, c.r, values)
	resp := resource.CreateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	c.sim.ResetStats()
	c.r.Create(context.Background(), resource.CreateRequest{Plan: plan, Config: tfsdk.Config(plan)}, &resp)
	if resp.Diagnostics.HasError() {
		c.t.Fatalf("create: %v", resp.Diagnostics)
	}
	return resp.State, c.sim.Stats().Total()
}

// update plans the prior state with changes and applies it; config holds
// the configured attributes (the plan for every other).
func (c opCounter) update(prior tfsdk.State, changes map[string]tftypes.Value) (tfsdk.State, int64) {
	c.t.Helper()
	var priorAttrs map[string]tftypes.Value
	if err := prior.Raw.As(&priorAttrs); err != nil {
		c.t.Fatal(err)
	}
	// As hands out the value's own map: change a copy.
	attrs := maps.Clone(priorAttrs)
	for name, v := range changes {
		attrs[name] = v
	}
	plan := tfsdk.Plan{Schema: prior.Schema, Raw: tftypes.NewValue(prior.Raw.Type(), attrs)}
	u, ok := c.r.(interface {
		Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse)
	})
	if !ok {
		c.t.Fatal("the resource has no Update")
	}
	resp := resource.UpdateResponse{State: prior}
	c.sim.ResetStats()
	u.Update(context.Background(), resource.UpdateRequest{Plan: plan, State: prior, Config: tfsdk.Config(plan)}, &resp)
	if resp.Diagnostics.HasError() {
		c.t.Fatalf("update: %v", resp.Diagnostics)
	}
	return resp.State, c.sim.Stats().Total()
}

func (c opCounter) delete(state tfsdk.State) int64 {
	c.t.Helper()
	resp := resource.DeleteResponse{State: state}
	c.sim.ResetStats()
	c.r.Delete(context.Background(), resource.DeleteRequest{State: state}, &resp)
	if resp.Diagnostics.HasError() {
		c.t.Fatalf("delete: %v", resp.Diagnostics)
	}
	return c.sim.Stats().Total()
}

func expectRequests(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s made %d API requests, want %d", what, got, want)
	}
}

// TestRequestsPerOperation checks the requests each resource makes to
// create, update and delete, as the performance section lists them.
func TestRequestsPerOperation(t *testing.T) {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	teamRoles := tftypes.Set{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"team": tftypes.String, "role": tftypes.String}}}
	teamsOf := func(slug, role string) tftypes.Value {
		return tftypes.NewValue(teamRoles, []tftypes.Value{tftypes.NewValue(teamRoles.ElementType, map[string]tftypes.Value{
			"team": str(slug), "role": str(role),
		})})
	}

	t.Run("sentry_team", func(t *testing.T) {
		r := &teamResource{}
		sim, _ := simResource(t, r)
		c := opCounter{t, r, sim}
		slug := randomName()
		state, n := c.create(map[string]tftypes.Value{"slug": str(slug), "name": str(slug)})
		expectRequests(t, "create", n, 1)
		state, n = c.update(state, map[string]tftypes.Value{"name": str(slug + " renamed")})
		expectRequests(t, "rename", n, 1)
		expectRequests(t, "delete", c.delete(state), 1)
	})

	t.Run("sentry_team_project", func(t *testing.T) {
		r := &teamProjectResource{}
		sim, client := simResource(t, r)
		c := opCounter{t, r, sim}
		pfx := randomName()
		team, project := pfx+"-team", pfx+"-project"
		if _, err := client.CreateTeam(context.Background(), "acme", createTeamRequest(team)); err != nil {
			t.Fatal(err)
		}
		if err := sim.AddProject("acme", team, project); err != nil {
			t.Fatal(err)
		}
		state, n := c.create(map[string]tftypes.Value{"project": str(project), "team": str(team)})
		expectRequests(t, "create", n, 1)
		expectRequests(t, "delete", c.delete(state), 1)
	})

	t.Run("sentry_member", func(t *testing.T) {
		r := &memberResource{}
		sim, client := simResource(t, r)
		c := opCounter{t, r, sim}
		pfx := randomName()
		team := pfx + "-team"
		if _, err := client.CreateTeam(context.Background(), "acme", createTeamRequest(team)); err != nil {
			t.Fatal(err)
		}
		plain, n := c.create(map[string]tftypes.Value{"email": str(pfx + "-plain@example.com"), "role": str("member")})
		expectRequests(t, "invite without teams", n, 1)
		expectRequests(t, "delete", c.delete(plain), 1)

		state, n := c.create(map[string]tftypes.Value{
			"email": str(pfx + "-teams@example.com"), "role": str("member"), "teams": teamsOf(team, "admin"),
		})
		expectRequests(t, "invite with teams", n, 2)
		state, n = c.update(state, map[string]tftypes.Value{"role": str("manager"), "teams": teamsOf(team, "admin")})
		expectRequests(t, "role change with teams", n, 1)
		expectRequests(t, "delete", c.delete(state), 1)
	})

	t.Run("sentry_api_token", func(t *testing.T) {
		r := &apiTokenResource{}
		sim, _ := simResource(t, r, legacyOrgTokens)
		c := opCounter{t, r, sim}
		name := randomName()
		state, n := c.create(map[string]tftypes.Value{"name": str(name)})
		expectRequests(t, "create", n, 1)
		state, n = c.update(state, map[string]tftypes.Value{"name": str(name + "-renamed")})
		expectRequests(t, "rename", n, 2)
		expectRequests(t, "delete", c.delete(state), 1)
	})

	t.Run("sentry_scim_group", func(t *testing.T) {
		r := &scimGroupResource{}
		sim, _ := simResource(t, r)
		if err := sim.SetFeature("acme", "sso-scim", true); err != nil {
			t.Fatal(err)
		}
		r.data.scimToken = sim.SCIMToken("acme")
		c := opCounter{t, r, sim}
		name := randomName()
		state, n := c.create(map[string]tftypes.Value{"display_name": str(name)})
		expectRequests(t, "create", n, 2)
		// team_slug follows a rename, so Terraform plans it unknown.
		state, n = c.update(state, map[string]tftypes.Value{
			"display_name": str(name + " renamed"), "team_slug": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		})
		expectRequests(t, "rename", n, 3)
		expectRequests(t, "delete", c.delete(state), 1)
	})
}

// createTeamRequest makes a team whose name is its slug.
func createTeamRequest(slug string) sentry.CreateTeamRequest {
	return sentry.CreateTeamRequest{Slug: slug, Name: slug}
}
