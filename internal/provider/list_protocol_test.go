package provider

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// TestListResourceOverProtocol drives a list resource through the plugin
// protocol the way Terraform 1.14 does for terraform query: schemas,
// provider configuration, then the ListResource call.
func TestListResourceOverProtocol(t *testing.T) {
	ctx := context.Background()
	env := newSimEnv(t)
	pfx := randomName()
	slug, name := pfx+"-backend", pfx+" Backend"
	if _, err := env.client.CreateTeam(ctx, "acme", sentry.CreateTeamRequest{Slug: slug, Name: name}); err != nil {
		t.Fatal(err)
	}
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	listServer, ok := server.(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatal("the provider server cannot list")
	}

	schemaResp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemaResp.Diagnostics) != 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, schemaResp.Diagnostics)
	}
	var listed []string
	for name := range schemaResp.ListResourceSchemas {
		listed = append(listed, name)
	}
	slices.Sort(listed)
	want := []string{"sentry_api_token", "sentry_member", "sentry_scim_group", "sentry_team", "sentry_team_project"}
	if !slices.Equal(listed, want) {
		t.Fatalf("list resources %v, want %v", listed, want)
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || len(identities.Diagnostics) != 0 || len(identities.IdentitySchemas) != len(want) {
		t.Fatalf("GetResourceIdentitySchemas: %v %v %v", err, identities.Diagnostics, identities.IdentitySchemas)
	}

	providerType := schemaResp.Provider.ValueType()
	providerConfig, err := tfprotov6.NewDynamicValue(providerType, tftypes.NewValue(providerType, map[string]tftypes.Value{
		"auth_token":    tftypes.NewValue(tftypes.String, env.data.authToken),
		"organization":  tftypes.NewValue(tftypes.String, "acme"),
		"base_url":      tftypes.NewValue(tftypes.String, env.data.baseURL),
		"scim_token":    tftypes.NewValue(tftypes.String, env.data.scimToken),
		"explain_drift": tftypes.NewValue(tftypes.Bool, nil),
		"name_pattern":  tftypes.NewValue(tftypes.String, nil),
	}))
	if err != nil {
		t.Fatal(err)
	}
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &providerConfig})
	if err != nil || len(configured.Diagnostics) != 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}

	listType := schemaResp.ListResourceSchemas["sentry_team"].ValueType()
	listConfig, err := tfprotov6.NewDynamicValue(listType, tftypes.NewValue(listType, map[string]tftypes.Value{
		"organization": tftypes.NewValue(tftypes.String, nil),
		"query":        tftypes.NewValue(tftypes.String, "slug:"+slug),
	}))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := listServer.ListResource(ctx, &tfprotov6.ListResourceRequest{
		TypeName: "sentry_team", Config: &listConfig, IncludeResource: true, Limit: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	var results []tfprotov6.ListResourceResult
	for r := range stream.Results {
		results = append(results, r)
	}
	if len(results) != 1 || len(results[0].Diagnostics) != 0 {
		t.Fatalf("results %+v", results)
	}
	r := results[0]
	if r.DisplayName != name+" ("+slug+")" || r.Identity == nil || r.Resource == nil {
		t.Fatalf("result %+v", r)
	}
	resourceType := schemaResp.ResourceSchemas["sentry_team"].ValueType()
	value, err := r.Resource.Unmarshal(resourceType)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := value.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var gotSlug string
	if err := attrs["slug"].As(&gotSlug); err != nil || gotSlug != slug {
		t.Errorf("slug %q %v", gotSlug, err)
	}
	identityType := identities.IdentitySchemas["sentry_team"].ValueType()
	identity, err := r.Identity.IdentityData.Unmarshal(identityType)
	if err != nil {
		t.Fatal(err)
	}
	var ids map[string]tftypes.Value
	if err := identity.As(&ids); err != nil {
		t.Fatal(err)
	}
	var org string
	if err := ids["organization"].As(&org); err != nil || org != "acme" {
		t.Errorf("identity organization %q %v", org, err)
	}
}
