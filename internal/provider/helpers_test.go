package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

func TestSlugValidator(t *testing.T) {
	cases := []struct {
		slug string
		want string // substring of the error, empty when valid
	}{
		{"backend", ""},
		{"back_end-2", ""},
		{"2fa", ""},
		{strings.Repeat("a", 50), ""},
		{"", "must not be empty"},
		{"Backend", "does not match Sentry's slug rule " + sentrySlugRule},
		{"back end", "does not match"},
		{"bäckend", "does not match"},
		{"12345", "only digits"},
		{strings.Repeat("a", 51), "is 51 characters long; Sentry allows at most 50"},
	}
	for _, c := range cases {
		t.Run(c.slug, func(t *testing.T) {
			resp := &validator.StringResponse{}
			slugValidator{maxLength: 50}.ValidateString(context.Background(), validator.StringRequest{
				Path: path.Root("slug"), ConfigValue: types.StringValue(c.slug),
			}, resp)
			if c.want == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected error: %v", resp.Diagnostics)
				}
				return
			}
			if !resp.Diagnostics.HasError() {
				t.Fatalf("expected an error containing %q", c.want)
			}
			if got := resp.Diagnostics[0].Detail(); !strings.Contains(got, c.want) {
				t.Fatalf("error %q does not contain %q", got, c.want)
			}
		})
	}
}

func TestSlugValidatorSkipsUnknown(t *testing.T) {
	resp := &validator.StringResponse{}
	slugValidator{maxLength: 50}.ValidateString(context.Background(), validator.StringRequest{
		Path: path.Root("slug"), ConfigValue: types.StringUnknown(),
	}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("an unknown slug must not fail validation: %v", resp.Diagnostics)
	}
}

func TestSplitImportID(t *testing.T) {
	cases := []struct {
		id, org, object string
		ok              bool
	}{
		{"acme/backend", "acme", "backend", true},
		{"acme/4505000000000001", "acme", "4505000000000001", true},
		{"backend", "", "backend", true},
		{"", "", "", false},
		{"acme/", "", "", false},
		{"/backend", "", "", false},
		{"a/b/c", "", "", false},
	}
	for _, c := range cases {
		org, object, err := splitImportID(c.id, "org/team")
		if (err == nil) != c.ok || org != c.org || object != c.object {
			t.Errorf("splitImportID(%q) = %q, %q, %v", c.id, org, object, err)
		}
		if err != nil && !strings.Contains(err.Error(), "org/team") {
			t.Errorf("error %q does not list the accepted forms", err)
		}
	}
}

func TestCheckBaseURL(t *testing.T) {
	for _, ok := range []string{"https://sentry.io/api/", "https://de.sentry.io", "http://127.0.0.1:9000/api/", "https://sentry.example.com/prefix/"} {
		if err := checkBaseURL(ok); err != nil {
			t.Errorf("checkBaseURL(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"sentry.io", "ftp://sentry.io/", "https://", "://x"} {
		if err := checkBaseURL(bad); err == nil {
			t.Errorf("checkBaseURL(%q) accepted", bad)
		}
	}
}

func TestUserAgent(t *testing.T) {
	ua := userAgent("1.2.3", "1.11.4")
	if !strings.HasPrefix(ua, "terraform-provider-sentry/1.2.3 terraform-plugin-framework/") || !strings.HasSuffix(ua, " Terraform/1.11.4") {
		t.Fatalf("user agent %q", ua)
	}
}

func TestAPIErrorDetail(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{
			name: "field errors",
			err:  &sentry.APIError{StatusCode: 400, Fields: map[string][]string{"slug": {`The slug "x" is already in use.`}}},
			want: []string{`Sentry answered 400 Bad Request when asked to rename team "x"`, `slug: The slug "x" is already in use.`},
		},
		{
			name: "conflict with duplicated detail",
			err: &sentry.APIError{StatusCode: 409, Detail: "A team with this slug already exists.",
				Fields: map[string][]string{"non_field_errors": {"A team with this slug already exists."}}},
			want: []string{"409 Conflict when asked to rename team \"x\": A team with this slug already exists."},
		},
		{
			name: "forbidden gets the hint",
			err:  &sentry.APIError{StatusCode: 403, Detail: "You do not have permission to perform this action."},
			want: []string{"may not do this. needs team:admin"},
		},
		{
			name: "unauthorized names the setting",
			err:  &sentry.APIError{StatusCode: 401, Detail: "Invalid token"},
			want: []string{"auth_token", envAuthToken},
		},
		{
			name: "SSO required says what the token's user must do",
			err:  &sentry.APIError{StatusCode: 401, Code: "sso-required", Detail: "Must login via SSO"},
			want: []string{"401 Unauthorized", "Must login via SSO", "requires single sign-on", "sign in to Sentry through SSO", "auth_token", envAuthToken},
		},
		{
			name: "2FA required says what the token's user must do",
			err: &sentry.APIError{StatusCode: 401, Code: "2fa-required",
				Detail: "Organization requires two-factor authentication to be enabled"},
			want: []string{"requires two-factor authentication", "Enable 2FA on that user's account", "a token of a user who has 2FA enabled"},
		},
		{
			name: "rate limited",
			err:  &sentry.APIError{StatusCode: 429, Detail: "You are attempting to use this endpoint too frequently."},
			want: []string{"-parallelism"},
		},
		{
			name: "server error with request id",
			err:  &sentry.APIError{StatusCode: 500, Detail: "Internal Error", RequestID: "abc123"},
			want: []string{"server error", "Sentry request id: abc123."},
		},
		{
			name: "renamed project names the new slug",
			err: &sentry.APIError{StatusCode: 302, MovedTo: "billing-api",
				Detail: `Sentry answered that the object moved to the slug "billing-api" (the project was renamed)`},
			want: []string{"302 Found", `use its new slug "billing-api" in the configuration`, "-refresh-only"},
		},
		{
			name: "other redirect points at base_url",
			err:  &sentry.APIError{StatusCode: 301, Detail: "Sentry answered with a redirect to https://sentry.example.com/"},
			want: []string{"301 Moved Permanently", "base_url"},
		},
		{
			name: "network error",
			err:  fmt.Errorf("wrapped: %w", errors.New("dial tcp: connection refused")),
			want: []string{`Could not rename team "x": wrapped: dial tcp: connection refused.`, "base_url"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := apiErrorDetail(`rename team "x"`, c.err, "needs team:admin")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("detail %q does not contain %q", got, w)
				}
			}
			if strings.Count(got, "already exists") > 1 {
				t.Errorf("detail repeats Sentry's message: %q", got)
			}
		})
	}
}

func TestResolveOrganization(t *testing.T) {
	d := &providerData{}
	if _, err := d.resolveOrganization(types.StringNull()); err == nil ||
		!strings.Contains(err.Error(), envOrganization) || !strings.Contains(err.Error(), `"organization"`) {
		t.Fatalf("missing organization error %v must name the attribute and %s", err, envOrganization)
	}
	d.organization = "acme"
	if org, _ := d.resolveOrganization(types.StringNull()); org != "acme" {
		t.Fatalf("provider default not used: %q", org)
	}
	if org, _ := d.resolveOrganization(types.StringValue("other")); org != "other" {
		t.Fatalf("resource organization not preferred: %q", org)
	}
}

func TestMissingTokenNamesSetting(t *testing.T) {
	_, err := (&providerData{baseURL: defaultBaseURL}).client()
	if err == nil || !strings.Contains(err.Error(), `"auth_token"`) || !strings.Contains(err.Error(), envAuthToken) {
		t.Fatalf("missing token error %v must name auth_token and %s", err, envAuthToken)
	}
}

func TestImportOrganization(t *testing.T) {
	var diags diag.Diagnostics
	withDefault := &resourceBase{data: &providerData{organization: "acme"}}
	if org, ok := withDefault.importOrganization("other", "other/x", "x", &diags); !ok || org != "other" {
		t.Errorf("an ID's own organization: got %q, %v", org, ok)
	}
	if org, ok := withDefault.importOrganization("", "x", "x", &diags); !ok || org != "acme" {
		t.Errorf("the provider's organization: got %q, %v", org, ok)
	}
	if diags.HasError() {
		t.Fatal(diags)
	}
	none := &resourceBase{data: &providerData{}}
	if _, ok := none.importOrganization("", "payments", "payments", &diags); ok || !diags.HasError() ||
		!strings.Contains(diags.Errors()[0].Detail(), `import with "<organization>/payments"`) ||
		!strings.Contains(diags.Errors()[0].Detail(), envOrganization) {
		t.Errorf("no organization anywhere: %v", diags)
	}
}
