package provider

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestTeamUnconfirmedCreateImportHint loses a team create's answer and fails
// the lookup after it, and checks that the error's import command is one
// ImportState accepts: the slug when the plan has one, never the team's name,
// which is not an import ID.
func TestTeamUnconfirmedCreateImportHint(t *testing.T) {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	cases := []struct {
		name   string
		values map[string]tftypes.Value
		want   string
		absent string
	}{
		{
			name:   "with slug",
			values: map[string]tftypes.Value{"slug": str("data-platform"), "name": str("Data Platform")},
			want:   "terraform import <resource address> acme/data-platform",
		},
		{
			name:   "named only",
			values: map[string]tftypes.Value{"name": str("Data Platform")},
			want:   `terraform import <resource address> acme/<team slug or id> (of the team named "Data Platform")`,
			absent: "acme/Data Platform",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The create's answer is a 503 (it may have made the team), and
			// the lookup after it is refused.
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				status := http.StatusForbidden
				if r.Method == http.MethodPost {
					status = http.StatusServiceUnavailable
				}
				w.WriteHeader(status)
				_, _ = io.WriteString(w, `{"detail": "no"}`)
			}))
			t.Cleanup(server.Close)

			r := &teamResource{}
			var configured resource.ConfigureResponse
			r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: &providerData{
				organization: "acme", baseURL: server.URL, authToken: "sntryu_test", userAgent: "test",
			}}, &configured)
			plan := planFor(t, r, tc.values)
			resp := resource.CreateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
			r.Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)

			errs := resp.Diagnostics.Errors()
			if len(errs) != 1 || !strings.Contains(errs[0].Detail(), "may exist in Sentry") {
				t.Fatalf("want one unconfirmed-create error, got %v", resp.Diagnostics)
			}
			detail := errs[0].Detail()
			if !strings.Contains(detail, tc.want) {
				t.Errorf("error detail does not contain %q:\n%s", tc.want, detail)
			}
			if tc.absent != "" && strings.Contains(detail, tc.absent) {
				t.Errorf("error detail suggests the import ID %q, which ImportState refuses:\n%s", tc.absent, detail)
			}
		})
	}
}
