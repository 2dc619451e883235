resource "sentry_team" "platform" {
  slug = "platform"
  name = "Platform"
}

resource "sentry_team" "payments" {
  slug = "payments"
  name = "Payments"
}

resource "sentry_team" "identity" {
  slug = "identity"
  name = "Identity"
}

# A manager: admins, managers and owners are team admins on every team they
# join, so their teams need no role.
resource "sentry_member" "lee" {
  email = "lee@example.com"
  role  = "manager"
  teams = [
    { team = sentry_team.platform.slug },
  ]
}

# A member who is team admin of payments and a contributor on identity.
resource "sentry_member" "jane" {
  email = "jane@example.com"
  role  = "member"
  teams = [
    { team = sentry_team.payments.slug, role = "admin" },
    { team = sentry_team.identity.slug, role = "contributor" },
  ]
}

# Without teams, the member's teams are left alone: joined in Sentry's UI,
# through SCIM, or managed elsewhere.
resource "sentry_member" "auditor" {
  email       = "auditor@example.com"
  role        = "billing"
  send_invite = false
}
