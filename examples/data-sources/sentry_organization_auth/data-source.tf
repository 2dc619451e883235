data "sentry_organization_auth" "sso" {}

check "sso_enforced" {
  assert {
    condition     = data.sentry_organization_auth.sso.has_provider && data.sentry_organization_auth.sso.require_link
    error_message = "The organization must require SSO sign-in."
  }
  assert {
    condition     = data.sentry_organization_auth.sso.pending_links_count == 0
    error_message = "${data.sentry_organization_auth.sso.pending_links_count} members have not linked their SSO identity."
  }
}
