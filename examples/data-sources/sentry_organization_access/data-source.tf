# The settings as Sentry has them, read on every plan: a check on
# sentry_organization_access's own attributes would see the configured values.
data "sentry_organization_access" "live" {}

check "open_membership_off" {
  assert {
    condition     = !data.sentry_organization_access.live.open_membership
    error_message = "Open membership is on: every member reaches every project."
  }
}
