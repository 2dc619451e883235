resource "sentry_team" "payments" {
  slug = "payments"
  name = "Payments"
}

resource "sentry_team" "contractors" {
  slug = "contractors"
  name = "Contractors"
}

# The payments team owns two projects; the contractors team may see only one.
resource "sentry_team_project" "payments" {
  for_each = toset(["payment-api", "billing-worker"])

  project = each.key
  team    = sentry_team.payments.slug
}

resource "sentry_team_project" "contractors" {
  project = "payment-api"
  team    = sentry_team.contractors.slug
}
