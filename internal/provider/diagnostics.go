package provider

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// addAPIError reports a failed Sentry call: what was attempted, what Sentry
// said, and what the user can do next. permissionHint says which token scopes
// and roles the operation needs; it is shown on 403 answers.
func addAPIError(diags *diag.Diagnostics, summary, action string, err error, permissionHint string) {
	diags.AddError(summary, apiErrorDetail(action, err, permissionHint))
}

// idpManagedHint explains Sentry's refusal to change what SCIM provisioned.
const idpManagedHint = "The organization's identity provider manages this through SCIM, and Sentry refuses changes " +
	"made any other way. Make the change in the identity provider (or with sentry_scim_group for a SCIM group), and " +
	"stop managing the object with this resource (terraform state rm)."

// addSCIMAPIError is addAPIError for calls made with the provider's SCIM
// token, whose 401 answers are about scim_token rather than auth_token.
func addSCIMAPIError(diags *diag.Diagnostics, summary, action string, err error) {
	diags.AddError(summary, apiErrorDetailWith(action, err, scimPermissionHint, scimTokenSetting))
}

// tokenSetting is the provider setting, and its environment variable, that
// supplied the token a request was made with.
type tokenSetting struct {
	attr, env string
}

var (
	authTokenSetting = tokenSetting{attr: "auth_token", env: envAuthToken}
	scimTokenSetting = tokenSetting{attr: "scim_token", env: envSCIMToken}
)

// apiErrorDetail explains an error from a call made with the provider's auth
// token, or with its SCIM token when the call went to Sentry's SCIM API.
func apiErrorDetail(action string, err error, permissionHint string) string {
	setting := authTokenSetting
	var apiErr *sentry.APIError
	if errors.As(err, &apiErr) && isSCIMPath(apiErr.Path) {
		setting = scimTokenSetting
	}
	return apiErrorDetailWith(action, err, permissionHint, setting)
}

// isSCIMPath reports whether an API path is under Sentry's SCIM v2 API,
// which only the SCIM token is sent to.
func isSCIMPath(p string) bool {
	return strings.Contains("/"+strings.TrimPrefix(p, "/"), "/scim/v2/")
}

func apiErrorDetailWith(action string, err error, permissionHint string, setting tokenSetting) string {
	var apiErr *sentry.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Sprintf("Could not %s: %s.\n\nCheck that Sentry is reachable at the provider's base_url and try again.",
			action, err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Sentry answered %d %s when asked to %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode), action)
	if msg := sentryMessage(apiErr); msg != "" {
		fmt.Fprintf(&b, ": %s", msg)
	}
	b.WriteString(".")

	var next string
	switch {
	case sentry.IsSSORequired(apiErr):
		next = fmt.Sprintf("The organization requires single sign-on, and the user who owns the provider's %s has "+
			"not signed in to it through the organization's SSO provider (or the link is no longer valid). Have that "+
			"user sign in to Sentry through SSO to link their identity, or set %s (or %s) to a token of a user "+
			"whose SSO identity is linked.", setting.attr, setting.attr, setting.env)
	case sentry.Is2FARequired(apiErr):
		next = fmt.Sprintf("The organization requires two-factor authentication, and the user who owns the provider's "+
			"%s has not enabled it. Enable 2FA on that user's account (User Settings > Security), or set %s (or %s) "+
			"to a token of a user who has 2FA enabled.", setting.attr, setting.attr, setting.env)
	default:
		next = nextStepForStatus(apiErr, permissionHint, setting)
	}
	if apiErr.RequestID != "" {
		next = strings.TrimSpace(next + " Sentry request id: " + apiErr.RequestID + ".")
	}
	if next != "" {
		b.WriteString("\n\n" + next)
	}
	return b.String()
}

// nextStepForStatus is what the user can do about an answer with that
// status.
func nextStepForStatus(apiErr *sentry.APIError, permissionHint string, setting tokenSetting) string {
	var next string
	switch {
	case sentry.IsMoved(apiErr) && apiErr.MovedTo != "":
		return fmt.Sprintf("The project was renamed in Sentry: use its new slug %q in the configuration, and refresh "+
			"the state (terraform apply -refresh-only) if it still has the old one.", apiErr.MovedTo)
	case sentry.IsMoved(apiErr):
		return "Something between the provider and Sentry's API redirected the request; check the provider's base_url."
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized:
		next = fmt.Sprintf("Sentry refused the provider's %s: it is missing, invalid, expired or revoked. Set %s in the "+
			"provider block or the %s environment variable to a valid token.", setting.attr, setting.attr, setting.env)
	case http.StatusForbidden:
		next = "The token, or the user who owns it, may not do this."
		if sentry.IsIdPManaged(apiErr) {
			next = idpManagedHint
		} else if permissionHint != "" {
			next += " " + permissionHint
		}
	case http.StatusNotFound:
		next = "Check that the organization and object exist and that the token's user can see them."
	case http.StatusTooManyRequests:
		next = "Sentry is rate limiting this token and the provider's retries ran out. Run again later, or lower Terraform's -parallelism."
	default:
		if apiErr.StatusCode >= 500 {
			next = "Sentry had a server error; run again later."
		}
	}
	return next
}

// sentryMessage renders Sentry's own words (APIError.Messages) as one
// clause, each message without its closing period, to be set in a sentence.
func sentryMessage(e *sentry.APIError) string {
	parts := e.Messages()
	for i, p := range parts {
		parts[i] = strings.TrimSuffix(p, ".")
	}
	return strings.Join(parts, "; ")
}

// capitalize upper-cases the first letter of a sentence built from an error.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// withNextStep adds what to do to an error detail that has no next step of
// its own.
func withNextStep(detail, next string) string {
	return detail + "\n\n" + next
}
