# Contractor team: contractors have the member role, are on the contractor
# team only, their invitations expire (Sentry's are valid 30 days; the check
# flags expired ones), and members cannot delete events. The check blocks
# fail when the policy is broken out of band: a contractor given another role
# or team in Sentry, events admin switched on in the settings page.
#
#   export SENTRY_AUTH_TOKEN=... SENTRY_ORG=acme
#   terraform apply
#   terraform plan   # on a schedule: a broken rule is a "Check block assertion failed" warning
#
# The data sources are read during plan, so the apply that puts a contractor
# or the setting back still reports the breach; the plan after it does not.

terraform {
  required_providers {
    sentry = {
      source = "sentryrbac/sentry"
    }
  }
}

provider "sentry" {}

variable "contractors" {
  description = "Emails of the contractors."
  type        = set(string)
  default     = ["contractor-1@example.com"]
}

variable "team" {
  description = "Slug of the contractors' team."
  type        = string
  default     = "contractors"
}

resource "sentry_organization_access" "this" {
  open_membership     = false
  events_member_admin = false
}

resource "sentry_team" "contractors" {
  slug = var.team
  name = title(replace(var.team, "-", " "))
  # Contractors join once open membership and events admin are off.
  depends_on = [sentry_organization_access.this]
}

resource "sentry_member" "contractor" {
  for_each = var.contractors
  email    = each.key
  role     = "member"
  teams    = [{ team = sentry_team.contractors.slug }]
}

# The checks read what Sentry has, on every plan. The data sources refer to
# the team, not to the resources the checks watch: on the first apply they are
# read once the team exists, and after that during every plan. A reference to
# a resource with a change pending (a contractor or a setting being put back)
# would put the read, and the check, off to apply.
data "sentry_members" "all" {
  organization  = sentry_team.contractors.organization
  include_teams = true
}

data "sentry_organization_access" "live" {
  organization = sentry_team.contractors.organization
}

locals {
  contractor_members = [for m in data.sentry_members.all.members : m if contains(var.contractors, m.email)]
  off_policy = [
    for m in local.contractor_members : "${m.email} (role ${m.role}, teams ${join(", ", coalesce(m.teams, []))})"
    if m.role != "member" || coalesce(m.teams, []) != tolist([var.team])
  ]
  expired_invitations = [for m in local.contractor_members : m.email if m.pending && m.expired]
}

check "contractors_policy" {
  assert {
    condition     = length(local.off_policy) == 0
    error_message = "Contractors off policy (a role other than member, or another team than ${var.team}): ${join("; ", local.off_policy)}."
  }
  assert {
    condition     = length(local.expired_invitations) == 0
    error_message = "Contractor invitations expired (Sentry's last 30 days): ${join(", ", local.expired_invitations)}. Resend or remove them."
  }
}

check "events_admin_off" {
  assert {
    condition     = !data.sentry_organization_access.live.events_member_admin
    error_message = "Members may delete and discard issues: events_member_admin is on."
  }
}
