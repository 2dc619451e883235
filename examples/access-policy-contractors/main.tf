# Contractor team: contractors have the member role, are on the contractor
# team only, their invitations expire (Sentry's are valid 30 days; the check
# flags expired ones), and members cannot delete events.

terraform {
  required_providers {
    sentry = {
      source = "sentryrbac/sentry"
    }
  }
}

provider "sentry" {}

variable "contractors" {
  type    = set(string)
  default = ["contractor-1@example.com"]
}

resource "sentry_organization_access" "this" {
  open_membership     = false
  events_member_admin = false
}

resource "sentry_team" "contractors" {
  slug = "contractors"
  name = "Contractors"
}

resource "sentry_member" "contractor" {
  for_each = var.contractors
  email    = each.key
  role     = "member"
  teams    = [{ team = sentry_team.contractors.slug }]
}

data "sentry_members" "all" {
  include_teams = true
  depends_on    = [sentry_member.contractor]
}

locals {
  contractor_members = [for m in data.sentry_members.all.members : m if contains(var.contractors, m.email)]
  off_policy = [
    for m in local.contractor_members : m.email
    if m.role != "member" || m.teams == null || length(m.teams == null ? [] : m.teams) != 1 || try(m.teams[0], "") != sentry_team.contractors.slug
  ]
  expired_invitations = [for m in local.contractor_members : m.email if m.pending && m.expired]
}

check "contractors_policy" {
  assert {
    condition     = length(local.off_policy) == 0
    error_message = "Contractors off policy (role other than member, or another team): ${join(", ", local.off_policy)}."
  }
  assert {
    condition     = length(local.expired_invitations) == 0
    error_message = "Contractor invitations expired (Sentry's last 30 days): ${join(", ", local.expired_invitations)}. Resend or remove them."
  }
  assert {
    condition     = sentry_organization_access.this.events_member_admin == false
    error_message = "Members may delete events (events_member_admin is on)."
  }
}
