# The demo organization: run `make demo` from the repository root. It starts
# the Sentry emulator and points the provider at it through SENTRY_BASE_URL,
# SENTRY_AUTH_TOKEN and SENTRY_ORG, so this file holds no credentials.

terraform {
  required_providers {
    sentry = {
      source = "sentryrbac/sentry"
    }
  }
}

provider "sentry" {}

locals {
  teams = {
    payments      = "Payments"
    identity      = "Identity"
    notifications = "Notifications"
    platform      = "Platform"
  }
}

resource "sentry_team" "domain" {
  for_each = local.teams

  slug = each.key
  name = each.value
}

# A team for outside contractors; later it gets access to a single project.
resource "sentry_team" "contractors" {
  slug = "contractors"
  name = "Contractors"
}

output "teams" {
  description = "Team slugs and their Sentry ids."
  value = merge(
    { for slug, team in sentry_team.domain : slug => team.id },
    { (sentry_team.contractors.slug) = sentry_team.contractors.id },
  )
}
