package provider

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// mustBe is v as a T; it fails the test if v is not one.
func mustBe[T any](t testing.TB, v any) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%T is not a %v", v, reflect.TypeFor[T]())
	}
	return x
}

// simEnv is an emulated organization "acme" (today's Sentry, or with
// legacyOrgTokens one that accepts auth tokens on its organization auth
// token endpoints) with provider data holding the owner's token and the
// SCIM token, for tests that call resources' and
// list resources' methods directly, without Terraform.
type simEnv struct {
	sim    *sentrysim.Server
	data   *providerData
	client *sentry.Client
	scim   *sentry.Client
}

func newSimEnv(t *testing.T, opts ...envOption) *simEnv {
	t.Helper()
	sim := sentrysim.New(sentrysim.Options{Organization: "acme", LegacyOrgTokens: hasOption(opts, legacyOrgTokens)})
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	data := &providerData{organization: "acme", baseURL: server.URL + "/api/", authToken: sim.Tokens().Owner,
		scimToken: sim.SCIMToken("acme"), userAgent: "test"}
	client, err := data.client()
	if err != nil {
		t.Fatal(err)
	}
	scim, err := data.scim()
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, data: data, client: client, scim: scim}
}

// configure hands the provider data to a resource.
func (e *simEnv) configure(t *testing.T, r resource.ResourceWithConfigure) {
	t.Helper()
	var resp resource.ConfigureResponse
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: e.data}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
}

// schemas returns a resource's schema and identity schema.
func schemas(t *testing.T, r resource.ResourceWithIdentity) (resource.SchemaResponse, resource.IdentitySchemaResponse) {
	t.Helper()
	ctx := context.Background()
	var s resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &s)
	var i resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &i)
	if s.Diagnostics.HasError() || i.Diagnostics.HasError() {
		t.Fatal(s.Diagnostics, i.Diagnostics)
	}
	return s, i
}

// emptyState and emptyIdentity are null values of a resource's schemas, as
// the framework hands them to ImportState.
func emptyState(ctx context.Context, s resource.SchemaResponse) tfsdk.State {
	return tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(s.Schema.Type().TerraformType(ctx), nil)}
}

func emptyIdentity(ctx context.Context, i resource.IdentitySchemaResponse) *tfsdk.ResourceIdentity {
	return &tfsdk.ResourceIdentity{Schema: i.IdentitySchema, Raw: tftypes.NewValue(i.IdentitySchema.Type().TerraformType(ctx), nil)}
}

// identityValue is v as an identity of the schema.
func identityValue(t *testing.T, i resource.IdentitySchemaResponse, v any) *tfsdk.ResourceIdentity {
	t.Helper()
	ctx := context.Background()
	id := emptyIdentity(ctx, i)
	if d := id.Set(ctx, v); d.HasError() {
		t.Fatal(d)
	}
	return id
}

// importResult is what an import followed by its read left.
type importResult struct {
	imported resource.ImportStateResponse
	read     resource.ReadResponse
}

// importAndRead runs ImportState with the string id or the identity, then
// Read on what it stored, as Terraform does for an import block.
func importAndRead(t *testing.T, r interface {
	resource.ResourceWithIdentity
	resource.ResourceWithImportState
}, id string, identity *tfsdk.ResourceIdentity) importResult {
	t.Helper()
	ctx := context.Background()
	s, i := schemas(t, r)
	req := resource.ImportStateRequest{ID: id, Identity: identity}
	resp := resource.ImportStateResponse{State: emptyState(ctx, s), Identity: emptyIdentity(ctx, i)}
	if identity != nil {
		resp.Identity = &tfsdk.ResourceIdentity{Schema: identity.Schema, Raw: identity.Raw.Copy()}
	}
	r.ImportState(ctx, req, &resp)
	out := importResult{imported: resp}
	if resp.Diagnostics.HasError() {
		return out
	}
	// Attributes ImportState does not set are null; the framework sets
	// the timeouts block's the same way.
	readReq := resource.ReadRequest{State: resp.State, Identity: resp.Identity}
	out.read = resource.ReadResponse{
		State:    tfsdk.State{Schema: s.Schema, Raw: resp.State.Raw.Copy()},
		Identity: &tfsdk.ResourceIdentity{Schema: i.IdentitySchema, Raw: resp.Identity.Raw.Copy()},
	}
	r.Read(ctx, readReq, &out.read)
	return out
}
