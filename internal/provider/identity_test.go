package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func identityOf(t *testing.T, id *tfsdk.ResourceIdentity) map[string]string {
	t.Helper()
	if id == nil || id.Raw.IsFullyNull() {
		return nil
	}
	out := map[string]string{}
	for name := range id.Schema.GetAttributes() {
		var v types.String
		if d := id.GetAttribute(context.Background(), path.Root(name), &v); d.HasError() {
			t.Fatal(d)
		}
		out[name] = v.ValueString()
	}
	return out
}

func sameIdentity(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestIdentitySchemas(t *testing.T) {
	cases := []struct {
		r    resource.ResourceWithIdentity
		keys []string
	}{
		{&teamResource{}, []string{"id"}},
		{&memberResource{}, []string{"id"}},
		{&apiTokenResource{}, []string{"id"}},
		{&scimGroupResource{}, []string{"id"}},
		{&teamProjectResource{}, []string{"project", "team"}},
	}
	for _, c := range cases {
		_, i := schemas(t, c.r)
		attrs := i.IdentitySchema.Attributes
		if len(attrs) != len(c.keys)+1 {
			t.Errorf("%T: identity attributes %v", c.r, attrs)
		}
		if org, ok := attrs["organization"].(identityschema.StringAttribute); !ok || !org.OptionalForImport {
			t.Errorf("%T: organization must be optional for import: %#v", c.r, attrs["organization"])
		}
		for _, k := range c.keys {
			if a, ok := attrs[k].(identityschema.StringAttribute); !ok || !a.RequiredForImport {
				t.Errorf("%T: %s must be required for import: %#v", c.r, k, attrs[k])
			}
		}
	}
}

func TestImportByIdentity(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t, legacyOrgTokens)
	pfx := randomName()
	slug, project := pfx+"-backend", pfx+"-api"
	email := pfx + "-Jane@Example.com"
	team, err := env.client.CreateTeam(ctx, "acme", sentry.CreateTeamRequest{Slug: slug, Name: pfx + " Backend"})
	if err != nil {
		t.Fatal(err)
	}
	no := false
	member, err := env.client.InviteMember(ctx, "acme", sentry.InviteMemberRequest{Email: email, OrgRole: "member", SendInvite: &no})
	if err != nil {
		t.Fatal(err)
	}
	token, err := env.client.CreateOrgAuthToken(ctx, "acme", pfx+"-ci")
	if err != nil {
		t.Fatal(err)
	}
	group, err := env.scim.CreateSCIMGroup(ctx, "acme", pfx+" Okta Group")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.sim.AddProject("acme", slug, project); err != nil {
		t.Fatal(err)
	}

	type importable interface {
		resource.ResourceWithIdentity
		resource.ResourceWithImportState
		resource.ResourceWithConfigure
	}
	cases := []struct {
		name     string
		r        importable
		identity any
		want     map[string]string
	}{
		{"team", &teamResource{}, orgIDIdentity{Organization: types.StringNull(), ID: types.StringValue(team.ID)},
			map[string]string{"organization": "acme", "id": team.ID}},
		{"member", &memberResource{}, orgIDIdentity{Organization: types.StringValue("acme"), ID: types.StringValue(member.ID)},
			map[string]string{"organization": "acme", "id": member.ID}},
		{"token", mustBe[importable](t, newAPITokenResource()), newOrgIDIdentity("acme", token.ID),
			map[string]string{"organization": "acme", "id": token.ID}},
		{"scim group", &scimGroupResource{}, newOrgIDIdentity("acme", group.ID),
			map[string]string{"organization": "acme", "id": group.ID}},
		{"team project", &teamProjectResource{}, teamProjectIdentity{Organization: types.StringNull(),
			Project: types.StringValue(project), Team: types.StringValue(slug)},
			map[string]string{"organization": "acme", "project": project, "team": slug}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.configure(t, c.r)
			_, i := schemas(t, c.r)
			res := importAndRead(t, c.r, "", identityValue(t, i, c.identity))
			if res.imported.Diagnostics.HasError() || res.read.Diagnostics.HasError() {
				t.Fatalf("import: %v; read: %v", res.imported.Diagnostics, res.read.Diagnostics)
			}
			if got := identityOf(t, res.imported.Identity); !sameIdentity(got, c.want) {
				t.Errorf("identity after import %v, want %v", got, c.want)
			}
			if got := identityOf(t, res.read.Identity); !sameIdentity(got, c.want) {
				t.Errorf("identity after read %v, want %v", got, c.want)
			}
			var org types.String
			res.read.State.GetAttribute(ctx, path.Root("organization"), &org)
			if org.ValueString() != "acme" {
				t.Errorf("organization %s", org)
			}
		})
	}

	// A string id sets the identity too: at once when it is the numeric
	// id, else in the read that follows (a slug, an email).
	r := &teamResource{}
	env.configure(t, r)
	res := importAndRead(t, r, "acme/"+slug, nil)
	if res.read.Diagnostics.HasError() {
		t.Fatal(res.read.Diagnostics)
	}
	if got := identityOf(t, res.imported.Identity); got != nil {
		t.Errorf("identity after import by slug %v, want none until read", got)
	}
	if got, want := identityOf(t, res.read.Identity), map[string]string{"organization": "acme", "id": team.ID}; !sameIdentity(got, want) {
		t.Errorf("identity after read %v, want %v", got, want)
	}
	res = importAndRead(t, r, team.ID, nil)
	if got, want := identityOf(t, res.imported.Identity), map[string]string{"organization": "acme", "id": team.ID}; !sameIdentity(got, want) {
		t.Errorf("identity after import by id %v, want %v", got, want)
	}
	m := &memberResource{}
	env.configure(t, m)
	res = importAndRead(t, m, "acme/"+email, nil)
	if res.read.Diagnostics.HasError() {
		t.Fatal(res.read.Diagnostics)
	}
	if got, want := identityOf(t, res.read.Identity), map[string]string{"organization": "acme", "id": member.ID}; !sameIdentity(got, want) {
		t.Errorf("member identity after import by email %v, want %v", got, want)
	}

	// An identity names objects by id only.
	_, i := schemas(t, r)
	res = importAndRead(t, r, "", identityValue(t, i, newOrgIDIdentity("acme", slug)))
	if !res.imported.Diagnostics.HasError() || !strings.Contains(res.imported.Diagnostics[0].Detail(), "not a numeric id") {
		t.Errorf("identity with a slug: %v", res.imported.Diagnostics)
	}
	tp := &teamProjectResource{}
	env.configure(t, tp)
	_, i = schemas(t, tp)
	res = importAndRead(t, tp, "", identityValue(t, i, newTeamProjectIdentity("acme", strings.ToUpper(project), slug)))
	if !res.imported.Diagnostics.HasError() {
		t.Error("a team-project identity with a bad slug was accepted")
	}

	// Without an organization anywhere, the identity must name one.
	bare := &teamResource{}
	bare.data = &providerData{}
	_, i = schemas(t, bare)
	res = importAndRead(t, bare, "", identityValue(t, i, orgIDIdentity{Organization: types.StringNull(), ID: types.StringValue(team.ID)}))
	if !res.imported.Diagnostics.HasError() || !strings.Contains(res.imported.Diagnostics[0].Detail(), "names no organization") {
		t.Errorf("identity without an organization: %v", res.imported.Diagnostics)
	}
}

// TestReadKeepsIdentityWhenGone checks that a read removing a vanished
// object from a state written before identities still answers with one,
// which the framework requires after every read.
func TestReadKeepsIdentityWhenGone(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t)
	r := &teamResource{}
	env.configure(t, r)
	s, i := schemas(t, r)
	state := emptyState(ctx, s)
	model := teamModel{ID: types.StringValue("4505999999999999"), Organization: types.StringValue("acme"), Slug: types.StringValue("gone"),
		Name: types.StringValue("Gone"), DateCreated: types.StringValue("2024-01-01T00:00:00Z"), Timeouts: noTimeouts(true)}
	if d := state.Set(ctx, model); d.HasError() {
		t.Fatal(d)
	}
	resp := resource.ReadResponse{State: state, Identity: emptyIdentity(ctx, i)}
	r.Read(ctx, resource.ReadRequest{State: state, Identity: emptyIdentity(ctx, i)}, &resp)
	if resp.Diagnostics.HasError() || !resp.State.Raw.IsNull() {
		t.Fatalf("read of a vanished team: %v", resp.Diagnostics)
	}
	if got := identityOf(t, resp.Identity); got["id"] != "4505999999999999" || got["organization"] != "acme" {
		t.Errorf("identity %v", got)
	}
}

// TestCreateSetsIdentity checks that a create answers with the identity.
func TestCreateSetsIdentity(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t)
	r := &teamResource{}
	env.configure(t, r)
	s, i := schemas(t, r)
	slug := randomName()
	plan := tfsdk.Plan{Schema: s.Schema}
	plan.Raw = emptyState(ctx, s).Raw
	if d := plan.Set(ctx, teamModel{ID: types.StringUnknown(), Organization: types.StringValue("acme"), Slug: types.StringValue(slug),
		Name: types.StringValue(slug), DateCreated: types.StringUnknown(), Timeouts: noTimeouts(true)}); d.HasError() {
		t.Fatal(d)
	}
	resp := resource.CreateResponse{State: emptyState(ctx, s), Identity: emptyIdentity(ctx, i)}
	r.Create(ctx, resource.CreateRequest{Plan: plan, Identity: emptyIdentity(ctx, i)}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	team, err := env.client.GetTeam(ctx, "acme", slug)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := identityOf(t, resp.Identity), map[string]string{"organization": "acme", "id": team.ID}; !sameIdentity(got, want) {
		t.Errorf("identity after create %v, want %v", got, want)
	}
}
