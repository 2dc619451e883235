package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// TestAddMemberErrorOrgTokenBare400 covers Sentry's answer to a member PUT
// made with an organization token: a 400 with no body at all, which the
// client classifies by the request it answers.
func TestAddMemberErrorOrgTokenBare400(t *testing.T) {
	r := &memberResource{}
	for _, tc := range []struct {
		name string
		err  *sentry.APIError
		want string
	}{
		{"member PUT", &sentry.APIError{Method: "PUT", Path: "organizations/acme/members/42/", StatusCode: 400},
			"user auth token (sntryu_...)"},
		{"elsewhere", &sentry.APIError{Method: "PUT", Path: "teams/acme/backend/", StatusCode: 400},
			"Sentry answered 400 Bad Request when asked to update member a@x.io."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			r.addMemberError(&diags, "Unable to Update Member", "update member a@x.io", "acme", "a@x.io", tc.err)
			if diags.ErrorsCount() != 1 || !strings.Contains(diags.Errors()[0].Detail(), tc.want) {
				t.Errorf("got %v, want a detail containing %q", diags, tc.want)
			}
		})
	}
}
