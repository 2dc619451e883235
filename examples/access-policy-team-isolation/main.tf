# Microservice team isolation: payments engineers alone see the payments
# projects. This holds only while open membership is off and nobody below
# manager sits on the payments team and another one; the check blocks fail
# when the policy is broken out of band (a member added to a second team in
# Sentry, open membership switched back on in the settings page).
#
#   export SENTRY_AUTH_TOKEN=... SENTRY_ORG=acme
#   terraform apply
#   terraform plan   # on a schedule: a broken rule is a "Check block assertion failed" warning
#
# The data sources are read during plan, so the apply that sets open
# membership back still reports it; the plan after it does not.

terraform {
  required_providers {
    sentry = {
      source = "sentryrbac/sentry"
    }
  }
}

provider "sentry" {}

variable "team" {
  description = "Slug of the team that alone works on the isolated projects."
  type        = string
  default     = "payments"
}

variable "projects" {
  description = "Slugs of the projects (they exist already) only the team may reach."
  type        = set(string)
  default     = ["payment-api", "billing-worker"]
}

resource "sentry_organization_access" "this" {
  open_membership     = false
  allow_member_invite = false
}

resource "sentry_team" "isolated" {
  slug = var.team
  name = title(replace(var.team, "-", " "))
  # Made once open membership is off, so that nobody joins it meanwhile.
  depends_on = [sentry_organization_access.this]
}

resource "sentry_team_project" "isolated" {
  for_each = var.projects
  project  = each.key
  team     = sentry_team.isolated.slug
}

# The checks read what Sentry has, on every plan: the resource's own
# open_membership is planned from the configuration, so a check on it would
# pass whatever Sentry has. The data sources refer to the team, not to the
# resources the checks watch: on the first apply they are read once the team
# exists (after the settings, through its depends_on), and after that during
# every plan. A reference to a resource that has a change pending (open
# membership being set back) would put the read, and the check, off to apply;
# so would a data block inside the check block, which also makes every plan
# count as a change for terraform plan -detailed-exitcode.
data "sentry_organization_access" "live" {
  organization = sentry_team.isolated.organization
}

data "sentry_members" "all" {
  organization  = sentry_team.isolated.organization
  include_teams = true
}

locals {
  # Who may be on more than one team: owners and managers see every team anyway.
  global_roles = ["owner", "manager"]
  outsiders = [
    for m in data.sentry_members.all.members : m.email
    if contains(coalesce(m.teams, []), var.team) && length(coalesce(m.teams, [])) > 1 && !contains(local.global_roles, m.role)
  ]
}

check "open_membership_off" {
  assert {
    condition     = !data.sentry_organization_access.live.open_membership
    error_message = "Open membership is on: every member may join ${var.team} and reaches its projects."
  }
}

check "team_isolation" {
  assert {
    condition     = length(local.outsiders) == 0
    error_message = "Members on ${var.team} and another team: ${join(", ", local.outsiders)}."
  }
}
