# The demo organization: run `make demo` from the repository root. It starts
# the Sentry emulator, as today's Sentry behaves, with the projects, people and
# org auth tokens in seed.json, and points the provider at it through
# SENTRY_BASE_URL, SENTRY_AUTH_TOKEN, SENTRY_SCIM_TOKEN and SENTRY_ORG, so this
# file holds no credentials.

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

  # Which team owns which project.
  ownership = {
    "payment-api"          = "payments"
    "billing-worker"       = "payments"
    "auth-service"         = "identity"
    "notification-service" = "notifications"
    "platform-api"         = "platform"
  }
}

resource "sentry_team" "domain" {
  for_each = local.teams

  slug = each.key
  name = each.value
}

resource "sentry_team_project" "owner" {
  for_each = local.ownership

  project = each.key
  team    = sentry_team.domain[each.value].slug
}

# Outside contractors see one project only.
resource "sentry_team" "contractors" {
  slug = "contractors"
  name = "Contractors"
}

resource "sentry_team_project" "contractors" {
  project = "payment-api"
  team    = sentry_team.contractors.slug
}

# Members with org and team roles. Admins, managers and owners are team
# admins everywhere, so their teams carry no role.
resource "sentry_member" "jane" {
  email = "jane@acme.example"
  role  = "member"
  teams = [
    { team = sentry_team.domain["payments"].slug, role = "admin" },
    { team = sentry_team.domain["identity"].slug, role = "contributor" },
  ]
}

resource "sentry_member" "lee" {
  email = "lee@acme.example"
  role  = "manager"
  teams = [{ team = sentry_team.domain["platform"].slug }]
}

resource "sentry_member" "olga" {
  email = "olga@acme.example"
  role  = "owner"
  teams = [{ team = sentry_team.domain["notifications"].slug }]
}

resource "sentry_member" "sam" {
  email = "sam@contractor.example"
  role  = "member"
  teams = [{ team = sentry_team.contractors.slug, role = "contributor" }]
}

resource "sentry_member" "ravi" {
  email = "ravi@acme.example"
  role  = "billing"
}

# On-call engineers whose teams come from the identity provider: their
# members leave teams out, so the SCIM group below owns that membership.
resource "sentry_member" "noor" {
  email = "noor@acme.example"
  role  = "member"
}

resource "sentry_member" "kai" {
  email = "kai@acme.example"
  role  = "member"
}

# Token governance. Today's Sentry lets only a signed-in person make and
# revoke organization auth tokens, in its settings page (seed.json's tokens
# were made so). The audit log lists them: each must be younger than 90 days
# and follow the naming convention, or a check fails with a warning that
# names it.
data "sentry_api_tokens" "all" {}

locals {
  token_rotation_days = 90
  token_name_pattern  = "^[a-z0-9-]+-(prod|staging|dev)$"
  token_cutoff        = timeadd(plantimestamp(), "-${local.token_rotation_days * 24}h")

  tokens_overdue  = [for t in data.sentry_api_tokens.all.tokens : t.name if timecmp(t.date_created, local.token_cutoff) < 0]
  tokens_misnamed = [for t in data.sentry_api_tokens.all.tokens : t.name if !can(regex(local.token_name_pattern, t.name))]
}

check "token_rotation" {
  assert {
    condition     = length(local.tokens_overdue) == 0
    error_message = "Org auth tokens older than ${local.token_rotation_days} days: ${join(", ", local.tokens_overdue)}. Replace them in Sentry (Settings > Auth Tokens)."
  }
}

check "token_naming" {
  assert {
    condition     = length(local.tokens_misnamed) == 0
    error_message = "Org auth tokens named against the convention ${local.token_name_pattern}: ${join(", ", local.tokens_misnamed)}."
  }
}

# An on-call group synced from the identity provider.
resource "sentry_scim_group" "sre" {
  display_name = "SRE On Call"
  members      = [sentry_member.noor.id, sentry_member.kai.id]
}

# Compliance reads: everyone in the organization, and the last day of the
# audit log. depends_on makes them read after the changes above.
data "sentry_members" "all" {
  depends_on = [
    sentry_member.jane, sentry_member.lee, sentry_member.olga, sentry_member.sam, sentry_member.ravi,
    sentry_member.noor, sentry_member.kai,
  ]
}

data "sentry_audit_log" "last_day" {
  period = "24h"

  depends_on = [
    sentry_team_project.owner, sentry_team_project.contractors, sentry_scim_group.sre,
    sentry_member.jane, sentry_member.lee, sentry_member.olga, sentry_member.sam, sentry_member.ravi,
    sentry_member.noor, sentry_member.kai,
  ]
}

locals {
  roles  = distinct([for m in data.sentry_members.all.members : m.role])
  events = distinct([for e in data.sentry_audit_log.last_day.entries : e.event])
}

output "summary" {
  description = "Teams, members by role, and audit events by type."
  value = {
    teams = sort(concat([for t in sentry_team.domain : t.slug], [sentry_team.contractors.slug, sentry_scim_group.sre.team_slug]))
    projects_by_team = {
      for link in concat(values(sentry_team_project.owner), [sentry_team_project.contractors]) :
      link.team => link.project...
    }
    members_by_role = {
      for role in local.roles : role => length([for m in data.sentry_members.all.members : m if m.role == role])
    }
    audit_events_by_type = {
      for event in local.events : event => length([for e in data.sentry_audit_log.last_day.entries : e if e.event == event])
    }
    org_auth_tokens = {
      for t in data.sentry_api_tokens.all.tokens : t.name => "made ${t.date_created} by ${t.created_by}"
    }
    org_auth_tokens_overdue  = local.tokens_overdue
    org_auth_tokens_misnamed = local.tokens_misnamed
  }
}
