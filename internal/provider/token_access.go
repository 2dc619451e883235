package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// Organization auth tokens on today's Sentry: since 2025-09 on sentry.io and
// release 25.10 of self-hosted Sentry, the org-auth-tokens endpoints
// authenticate only a signed-in browser session
// (authentication_classes = (SessionNoAuthTokenAuthentication,) in
// src/sentry/api/endpoints/organization_auth_tokens.py and
// organization_auth_token_details.py, getsentry/sentry PR #99457). Every
// request made with an auth token gets 403 "Authentication credentials were
// not provided.", whatever the method, scope, organization or token id.
//
// The provider learns which Sentry it talks to once per run: from the first
// token request a resource makes anyway (a refresh), else from one probe, a
// read of the token list, shared by every resource, import and data source
// of the provider process (orgTokenAccess, in providerData).

// orgTokenAccess is what this provider run knows about whether Sentry lets
// the provider's auth token manage organization auth tokens. The zero value
// knows nothing yet.
type orgTokenAccess struct {
	// refused and allowed are set by the first answer that tells.
	refused atomic.Bool
	allowed atomic.Bool
	// probe is the run's one probe request.
	probe sharedReads[struct{}, bool]
	// warned is the once-per-run warning about tokens kept in state.
	warned sync.Once
}

// learn records what a token request's outcome says: a session-only refusal,
// or an answer from an endpoint that accepted the token. It reports whether
// err is the session-only refusal.
func (a *orgTokenAccess) learn(err error) bool {
	if sentry.IsSessionOnly(err) {
		a.refused.Store(true)
		return true
	}
	if err == nil || sentry.IsNotFound(err) {
		a.allowed.Store(true)
	}
	return false
}

// sessionOnly reports whether Sentry refuses the provider's auth token on the
// organization auth token endpoints, probing at most once per run. Only
// Sentry's session-only refusal counts: any other failure of the probe is
// logged and reported as false, so the operation itself meets and reports it.
func (a *orgTokenAccess) sessionOnly(ctx context.Context, client *sentry.Client, org string) bool {
	if a.refused.Load() {
		return true
	}
	if a.allowed.Load() {
		return false
	}
	refused, err := a.probe.get(ctx, struct{}{}, func(ctx context.Context) (bool, error) {
		_, err := client.ListOrgAuthTokens(ctx, org)
		if sentry.IsSessionOnly(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		tflog.Debug(ctx, "could not tell whether Sentry accepts auth tokens on the organization auth token endpoints",
			map[string]any{"organization": org, "error": err.Error()})
		return false
	}
	if refused {
		a.refused.Store(true)
	} else {
		a.allowed.Store(true)
	}
	return refused
}

// sessionOnlyCause is why the provider cannot manage organization auth
// tokens on today's Sentry.
const sessionOnlyCause = "Since 2025-09 on sentry.io, and from release 25.10 of self-hosted Sentry, only a signed-in " +
	"browser session may list, create, rename or revoke organization auth tokens: Sentry answers every request " +
	"made with an auth token, such as the provider's auth_token, with 403 \"Authentication credentials were not " +
	"provided.\"."

// removedBlockHint shows how to stop managing a token without revoking it.
func removedBlockHint(address string) string {
	return fmt.Sprintf("To stop managing a token without revoking it, replace its resource block with a removed "+
		"block (Terraform 1.7 and later):\n\n  removed {\n    from = %s\n    lifecycle {\n      destroy = false\n    }\n  }\n\n"+
		"The token stays live in Sentry; revoke it there, under Settings, Auth Tokens, when it is no longer needed.", address)
}

// legacyHint says where the resource still works.
const legacyHint = "sentry_api_token still creates, renames and revokes tokens on self-hosted Sentry releases before 25.10."

// addSessionOnlyError reports that Sentry refuses to do what the plan, the
// import or the apply asks for (action, as "create organization auth token
// \"ci\" in organization \"acme\""), with the cause and the way forward
// (next, specific to the action).
func addSessionOnlyError(diags *diag.Diagnostics, action, next string) {
	diags.AddError("Organization Auth Tokens Need a Browser Session",
		fmt.Sprintf("Sentry does not let the provider %s. %s\n\n%s\n\n%s\n\n%s",
			action, sessionOnlyCause, next, removedBlockHint("sentry_api_token.NAME"), legacyHint))
}

// newTokenHint is the way forward for a token the provider cannot create.
const newTokenHint = "Create the token in Sentry instead, under Settings, Auth Tokens (Organization Tokens), and hand " +
	"its value to CI yourself; then take this resource block out of the configuration."

// renameHint is the way forward for a token the provider cannot rename.
const renameHint = "Keep the name the token has in state, and rename the token in Sentry, under Settings, Auth Tokens, " +
	"if you need to."

// destroyHint is the way forward for a token the provider cannot revoke.
const destroyHint = "Revoke the token in Sentry instead, under Settings, Auth Tokens, and stop managing it here."

// warnTokensKept adds, once per run, the warning that organization auth
// tokens in state are kept as last read because Sentry no longer shows them
// to the provider.
func (a *orgTokenAccess) warnTokensKept(diags *diag.Diagnostics) {
	a.warned.Do(func() {
		diags.AddWarning("Organization Auth Tokens Kept as Last Read",
			strings.Join([]string{
				"Sentry refused to show organization auth tokens to the provider. " + sessionOnlyCause,
				"The provider keeps every sentry_api_token in state as it was last read, so a refresh no longer " +
					"sees a token renamed or revoked in Sentry. The tokens keep working for CI as before. This " +
					"warning is shown once per run.",
				"Manage organization auth tokens in Sentry, under Settings, Auth Tokens. " +
					removedBlockHint("sentry_api_token.NAME") + " Creating, renaming or destroying a sentry_api_token " +
					"fails at plan time.",
				legacyHint,
			}, "\n\n"))
	})
}
