# Microservice team isolation: payments engineers alone see the payments
# projects. This holds only while open membership is off; the check blocks
# fail when the policy is broken out of band.

terraform {
  required_providers {
    sentry = {
      source = "sentryrbac/sentry"
    }
  }
}

provider "sentry" {}

resource "sentry_organization_access" "this" {
  open_membership     = false
  allow_member_invite = false
}

resource "sentry_team" "payments" {
  slug = "payments"
  name = "Payments"
}

resource "sentry_team_project" "payments" {
  for_each = toset(["payment-api", "billing-worker"])
  project  = each.key
  team     = sentry_team.payments.slug
}

data "sentry_members" "all" {
  include_teams = true
  depends_on    = [sentry_team_project.payments]
}

locals {
  # Who may be on more than one team: owners and managers see every team anyway.
  global_roles = ["owner", "manager"]
  payments_outsiders = [
    for m in data.sentry_members.all.members : m.email
    if m.teams != null && contains(m.teams == null ? [] : m.teams, "payments") && length(m.teams == null ? [] : m.teams) > 1 && !contains(local.global_roles, m.role)
  ]
}

check "open_membership_off" {
  assert {
    condition     = sentry_organization_access.this.open_membership == false
    error_message = "Open membership is on: every member reaches every project, payments included."
  }
}

check "payments_team_only" {
  assert {
    condition     = length(local.payments_outsiders) == 0
    error_message = "Members on payments and another team: ${join(", ", local.payments_outsiders)}."
  }
}
