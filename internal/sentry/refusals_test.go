package sentry

import (
	"fmt"
	"net/http"
	"testing"
)

// TestRefusalPredicates checks each predicate against Sentry's recorded
// answers (sentry-api/README.md and the emulator's bodies): true for its own
// refusal, false for every other one.
func TestRefusalPredicates(t *testing.T) {
	t.Parallel()
	predicates := map[string]func(error) bool{
		"IsAlreadyMember":   IsAlreadyMember,
		"IsRoleAboveToken":  IsRoleAboveToken,
		"IsOwnRoleChange":   IsOwnRoleChange,
		"IsInviteByOthers":  IsInviteByOthers,
		"IsLastOwner":       IsLastOwner,
		"IsOrgTokenRefused": IsOrgTokenRefused,
		"IsInvalidTeams":    IsInvalidTeams,
		"IsTeamNotFound":    IsTeamNotFound,
		"IsIdPManaged":      IsIdPManaged,
		"IsSessionOnly":     IsSessionOnly,
		"IsSSORequired":     IsSSORequired,
		"Is2FARequired":     Is2FARequired,
	}
	const (
		members = "organizations/acme/members/"
		member  = "organizations/acme/members/42/"
	)
	tests := []struct {
		name   string
		method string
		path   string
		status int
		body   string
		want   string // the one predicate that holds, or "" for none
	}{
		{"already invited", "POST", members, 400, `{"email": ["The user jane@example.com has already been invited"]}`, "IsAlreadyMember"},
		{"already a member", "POST", members, 400, `{"email": ["The user jane@example.com is already a member"]}`, "IsAlreadyMember"},
		{"invalid email", "POST", members, 400, `{"email": ["Enter a valid email address."]}`, ""},
		{"role above the caller's", "POST", members, 400, `{"orgRole": ["You do not have permission to set that org-level role"]}`, "IsRoleAboveToken"},
		{"role above the caller's on PUT", "PUT", member, 400, `{"orgRole": ["You do not have permission to set that org-level role"]}`, "IsRoleAboveToken"},
		{"unknown role", "POST", members, 400, `{"orgRole": ["\"superuser\" is not a valid choice."]}`, ""},
		{"own role", "PUT", member, 400, `{"detail": "You cannot make changes to your own role."}`, "IsOwnRoleChange"},
		{"invite by someone else on PUT", "PUT", member, 403, `{"detail": "You cannot modify invitations sent by someone else."}`, "IsInviteByOthers"},
		{"invite by someone else on DELETE", "DELETE", member, 400, `{"detail": "You cannot modify invitations sent by someone else."}`, "IsInviteByOthers"},
		{"last owner or manager", "DELETE", member, 403, `{"detail": "You cannot remove the only remaining owner or manager of the organization."}`, "IsLastOwner"},
		{"last owner through SCIM", "DELETE", "organizations/acme/scim/v2/Users/42", 403,
			`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "403", "detail": "You cannot remove the only remaining owner of the organization."}`, "IsLastOwner"},
		{"organization token on a member PUT", "PUT", member, 400, ``, "IsOrgTokenRefused"},
		{"bare 400 elsewhere", "PUT", "teams/acme/backend/", 400, ``, ""},
		{"invalid teams", "POST", members, 400, `{"teamRoles": ["Invalid teams"]}`, "IsInvalidTeams"},
		// SsoRequired and TwoFactorRequired (src/sentry/api/exceptions.py)
		// as SentryAPIException renders them.
		{"SSO required", "GET", members, 401,
			`{"detail": {"code": "sso-required", "message": "Must login via SSO", "extra": {"loginUrl": "/auth/login/acme/"}}}`, "IsSSORequired"},
		{"2FA required", "GET", members, 401,
			`{"detail": {"code": "2fa-required", "message": "Organization requires two-factor authentication to be enabled", "extra": {}}}`, "Is2FARequired"},
		{"superuser required", "GET", members, 403,
			`{"detail": {"code": "superuser-required", "message": "You need to re-authenticate for superuser.", "extra": {}}}`, ""},
		{"invalid teams on the older field", "PUT", member, 400, `{"teams": ["Invalid teams"]}`, "IsInvalidTeams"},
		{"invalid team role", "POST", members, 400, `{"teamRoles": ["Invalid team-role"]}`, ""},
		{"team does not exist", "POST", "projects/acme/web/teams/ghost/", 404, `{"detail": "Team does not exist."}`, "IsTeamNotFound"},
		{"project does not exist", "POST", "projects/acme/ghost/teams/backend/", 404, `{"detail": "The requested resource does not exist"}`, ""},
		{"team managed by the identity provider", "PUT", "teams/acme/backend/", 403,
			`{"detail": "This team is managed through your organization's identity provider."}`, "IsIdPManaged"},
		{"member managed by the identity provider", "DELETE", member, 403,
			`{"detail": "This user is managed through your organization's identity provider."}`, "IsIdPManaged"},
		{"missing scope", "DELETE", member, 403, `{"detail": "You do not have permission to perform this action."}`, ""},
		{"superior", "DELETE", member, 403, `{"detail": "You cannot remove a member who has more access than you."}`, ""},
		{"team slug conflict", "POST", "organizations/acme/teams/", 409,
			`{"non_field_errors": ["A team with this slug already exists."], "detail": "A team with this slug already exists."}`, ""},
		{"slug in use", "PUT", "teams/acme/backend/", 400, `{"slug": ["The slug \"x\" is already in use."]}`, ""},
		{"rate limited", "POST", members, 429, `"You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"`, ""},
		{"invites throttled", "POST", members, 429, `{"detail": "You are being rate limited for too many invitations."}`, ""},
		{"not found", "GET", member, 404, `{"detail": "The requested resource does not exist"}`, ""},
		{"org auth tokens on today's Sentry", "POST", "organizations/acme/org-auth-tokens/", 403,
			`{"detail": "Authentication credentials were not provided."}`, "IsSessionOnly"},
		{"org auth token revoke on today's Sentry", "DELETE", "organizations/acme/org-auth-tokens/7/", 403,
			`{"detail": "Authentication credentials were not provided."}`, "IsSessionOnly"},
		{"no credentials elsewhere is a 401", "GET", members, 401, `{"detail": "Authentication credentials were not provided."}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
			apiErr := newAPIError(tt.method, tt.path, resp, []byte(tt.body), testToken)
			wrapped := fmt.Errorf("changing member: %w", apiErr)
			for name, is := range predicates {
				want := name == tt.want
				if got := is(wrapped); got != want {
					t.Errorf("%s(%d %s) = %v, want %v", name, tt.status, tt.body, got, want)
				}
			}
		})
	}
	for name, is := range predicates {
		if is(nil) || is(fmt.Errorf("Team does not exist: %s", "already a member")) {
			t.Errorf("%s is true for an error that is not Sentry's", name)
		}
	}
}

func TestAPIErrorMessages(t *testing.T) {
	t.Parallel()
	e := &APIError{
		Detail: "A team with this slug already exists.",
		Fields: map[string][]string{
			"non_field_errors": {"A team with this slug already exists"},
			"slug":             {"Too long.", "Bad."},
			"empty":            {},
		},
	}
	got := e.Messages()
	want := []string{"A team with this slug already exists.", "slug: Too long. Bad."}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Messages() = %q, want %q", got, want)
	}
	if e.message() != "A team with this slug already exists.; slug: Too long. Bad." {
		t.Errorf("message() = %q", e.message())
	}
}
