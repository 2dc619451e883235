package sentry

import (
	"errors"
	"net/http"
	"strings"
)

// Sentry's error vocabulary: the refusals a caller answers differently from
// any other error of the same status. Sentry tells them apart only by the
// English text of its messages (and by which field carries them), so that
// text is matched here and nowhere else. Each predicate reports whether err
// is, or wraps, an *APIError with that meaning.

// IsAlreadyMember reports Sentry's refusal to invite an address that is
// already invited or already a member: a 400 on the email field ("The user x
// has already been invited", "The user x is already a member"), not a 409.
func IsAlreadyMember(err error) bool {
	e := apiErrorOf(err, http.StatusBadRequest)
	return e != nil && e.fieldSays("email", "already been invited", "already a member")
}

// IsRoleAboveToken reports Sentry's refusal to give a role above the
// token's user's own: a 400 on the orgRole field ("You do not have
// permission to set that org-level role"). Other orgRole errors (an
// unknown role) are not this refusal.
func IsRoleAboveToken(err error) bool {
	e := apiErrorOf(err, http.StatusBadRequest)
	return e != nil && e.fieldSays("orgRole", "do not have permission")
}

// IsOwnRoleChange reports Sentry's refusal to let a user change their own
// role: "You cannot make changes to your own role." (a 400).
func IsOwnRoleChange(err error) bool {
	e := apiErrorOf(err, 0)
	return e != nil && e.says("your own role")
}

// IsInviteByOthers reports Sentry's refusal to let a user without
// member:admin change an invitation someone else sent: "You cannot modify
// invitations sent by someone else." (403 on PUT, 400 on DELETE).
func IsInviteByOthers(err error) bool {
	e := apiErrorOf(err, 0)
	return e != nil && e.says("invitations sent by someone else")
}

// IsLastOwner reports Sentry's refusal to remove the organization's last
// owner: a 403 "You cannot remove the only remaining owner or manager of the
// organization." (the SCIM API says "... only remaining owner ...").
func IsLastOwner(err error) bool {
	e := apiErrorOf(err, http.StatusForbidden)
	return e != nil && e.says("only") && e.says("owner")
}

// IsOrgTokenRefused reports Sentry's refusal of an organization auth token
// where only a user token will do. Sentry answers a member PUT made with
// one with a bare 400 and no body; an answer that explains itself names the
// organization token.
func IsOrgTokenRefused(err error) bool {
	e := apiErrorOf(err, http.StatusBadRequest)
	if e == nil {
		return false
	}
	if e.says("organization") && e.says("token") {
		return true
	}
	return e.Detail == "" && len(e.Fields) == 0 && isMemberPath(e.Path)
}

// IsInvalidTeams reports Sentry's answer to a member request that names a
// team the organization does not have: a 400 {"teamRoles": ["Invalid
// teams"]} (or on the older teams field).
func IsInvalidTeams(err error) bool {
	e := apiErrorOf(err, http.StatusBadRequest)
	return e != nil && (e.fieldSays("teamRoles", "invalid teams") || e.fieldSays("teams", "invalid teams"))
}

// IsTeamNotFound reports Sentry's 404 "Team does not exist." for a
// project-team link naming an unknown team (an unknown project is the plain
// "The requested resource does not exist").
func IsTeamNotFound(err error) bool {
	e := apiErrorOf(err, http.StatusNotFound)
	return e != nil && e.says("team does not exist")
}

// IsIdPManaged reports Sentry's refusal to change an object the
// organization's identity provider manages through SCIM: a 403 "This team
// is managed through your organization's identity provider." (or "This user
// ...").
func IsIdPManaged(err error) bool {
	e := apiErrorOf(err, http.StatusForbidden)
	return e != nil && e.says("managed through your organization's identity provider")
}

// IsSessionOnly reports Sentry's refusal of any bearer token on an endpoint
// that authenticates only a signed-in browser session: a 403
// "Authentication credentials were not provided." (DRF's NotAuthenticated,
// a 403 because SessionAuthentication names no challenge). Since 2025-09 on
// sentry.io and 25.10 self-hosted the organization auth token endpoints
// answer every API request so (getsentry/sentry PR #99457,
// src/sentry/api/endpoints/organization_auth_tokens.py).
func IsSessionOnly(err error) bool {
	e := apiErrorOf(err, http.StatusForbidden)
	return e != nil && e.says("authentication credentials were not provided")
}

// apiErrorOf returns the *APIError in err's chain when it has the status
// (any status when status is 0), else nil.
// IsSSORequired reports Sentry's SsoRequired refusal (detail.code
// "sso-required", a 401 "Must login via SSO"): the organization requires
// its SSO provider and the request's user has not signed in through it.
// Sentry's current permission code raises it for browser sessions only
// (src/sentry/api/permissions.py, SentryPermission.determine_access);
// older releases and proxies in front of Sentry are the way a token meets
// it.
func IsSSORequired(err error) bool {
	e := apiErrorOf(err, 0)
	return e != nil && e.Code == "sso-required"
}

// Is2FARequired reports Sentry's TwoFactorRequired refusal (detail.code
// "2fa-required", a 401 "Organization requires two-factor authentication
// to be enabled"): the organization requires 2FA and the request's user
// has not enrolled it. Like SsoRequired, current Sentry raises it for
// browser sessions only.
func Is2FARequired(err error) bool {
	e := apiErrorOf(err, 0)
	return e != nil && e.Code == "2fa-required"
}

func apiErrorOf(err error, status int) *APIError {
	var e *APIError
	if !errors.As(err, &e) || (status != 0 && e.StatusCode != status) {
		return nil
	}
	return e
}

// says reports whether Sentry's message, any part of it, contains text,
// ignoring case.
func (e *APIError) says(text string) bool {
	return strings.Contains(strings.ToLower(e.message()), strings.ToLower(text))
}

// fieldSays reports whether the field's errors contain one of the texts,
// ignoring case.
func (e *APIError) fieldSays(field string, texts ...string) bool {
	msg := strings.ToLower(strings.Join(e.Fields[field], " "))
	if msg == "" {
		return false
	}
	for _, text := range texts {
		if strings.Contains(msg, strings.ToLower(text)) {
			return true
		}
	}
	return false
}

// isMemberPath reports whether an API path is one organization member's:
// organizations/{org}/members/{id}/.
func isMemberPath(p string) bool {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	return len(parts) == 4 && parts[0] == "organizations" && parts[2] == "members"
}
