# workspace/main.tf moved to this provider by hand, as the guide "Migrating
# from the community provider" shows: teams change provider and nothing
# else; each sentry_organization_member moves to a sentry_member whose
# teams come from the sentry_team_member resources, which are forgotten;
# projects stay with the community provider, here named "community". The
# test adds the provider blocks.

locals {
  organization = "acme"

  teams = {
    backend  = "Backend"
    frontend = "Frontend"
    mobile   = "Mobile"
    data     = "Data"
    sre      = "SRE"
    security = "Security"
  }

  # A membership the community provider made without a role is a
  # contributor's, which this provider writes out for members.
  engineers = {
    alice = { email = "alice@example.com", team = "backend", team_role = "admin" }
    bob   = { email = "bob@example.com", team = "backend", team_role = "contributor" }
    carol = { email = "carol@example.com", team = "frontend", team_role = "admin" }
    dan   = { email = "dan@example.com", team = "frontend", team_role = "contributor" }
    erin  = { email = "erin@example.com", team = "mobile", team_role = "contributor" }
    frank = { email = "frank@example.com", team = "data", team_role = "admin" }
    grace = { email = "grace@example.com", team = "sre", team_role = "contributor" }
    heidi = { email = "heidi@example.com", team = "security", team_role = "admin" }
  }
}

resource "sentry_team" "teams" {
  for_each = local.teams

  organization = local.organization
  name         = each.value
  slug         = each.key
}

resource "sentry_team" "platform" {
  organization = local.organization
  name         = "Platform Engineering"
}

# Members: one moved block per resource moves every instance.

moved {
  from = sentry_organization_member.engineers
  to   = sentry_member.engineers
}

resource "sentry_member" "engineers" {
  for_each = local.engineers

  organization = local.organization
  email        = each.value.email
  role         = "member"
  teams        = [{ team = sentry_team.teams[each.value.team].slug, role = each.value.team_role }]
}

moved {
  from = sentry_organization_member.ivan
  to   = sentry_member.ivan
}

# A manager's team role is admin at least: Sentry keeps no role for it.
resource "sentry_member" "ivan" {
  organization = local.organization
  email        = "ivan@example.com"
  role         = "manager"
  teams        = [{ team = sentry_team.teams["sre"].slug }]
}

moved {
  from = sentry_organization_member.judy
  to   = sentry_member.judy
}

resource "sentry_member" "judy" {
  organization = local.organization
  email        = "judy@example.com"
  role         = "owner"
  teams        = [{ team = sentry_team.teams["security"].slug }]
}

moved {
  from = sentry_organization_member.mallory
  to   = sentry_member.mallory
}

resource "sentry_member" "mallory" {
  organization = local.organization
  email        = "mallory@example.com"
  role         = "billing"
  teams        = []
}

moved {
  from = sentry_organization_member.niaj
  to   = sentry_member.niaj
}

resource "sentry_member" "niaj" {
  organization = local.organization
  email        = "niaj@example.com"
  role         = "member"
  teams = [
    { team = sentry_team.platform.slug, role = "contributor" },
    { team = sentry_team.teams["data"].slug, role = "admin" },
  ]
}

moved {
  from = sentry_organization_member.olivia
  to   = sentry_member.olivia
}

resource "sentry_member" "olivia" {
  organization = local.organization
  email        = "Olivia.Smith@example.com"
  role         = "member"
  teams        = [{ team = sentry_team.teams["frontend"].slug, role = "contributor" }]
}

moved {
  from = sentry_organization_member.peggy
  to   = sentry_member.peggy
}

resource "sentry_member" "peggy" {
  organization = local.organization
  email        = "peggy@example.com"
  role         = "manager"
  teams        = [{ team = sentry_team.platform.slug }]
}

moved {
  from = sentry_organization_member.contractors
  to   = sentry_member.contractors
}

resource "sentry_member" "contractors" {
  count = 3

  organization = local.organization
  email        = "contractor-${count.index}@vendor.example"
  role         = "member"
  teams        = [{ team = sentry_team.teams["mobile"].slug, role = "contributor" }]
}

moved {
  from = sentry_organization_member.sybil
  to   = sentry_member.sybil
}

resource "sentry_member" "sybil" {
  organization = local.organization
  email        = "sybil@example.com"
  role         = "member"
  teams        = []
}

moved {
  from = sentry_organization_member.trent
  to   = sentry_member.trent
}

resource "sentry_member" "trent" {
  organization = local.organization
  email        = "trent@example.com"
  role         = "member"
  teams        = [{ team = sentry_team.teams["sre"].slug, role = "contributor" }]
}

# Team memberships are now part of each sentry_member: forget them, leaving
# them in Sentry. One removed block per resource covers every instance.

removed {
  from = sentry_team_member.engineers
  lifecycle {
    destroy = false
  }
}

removed {
  from = sentry_team_member.contractors
  lifecycle {
    destroy = false
  }
}

removed {
  from = sentry_team_member.ivan_sre
  lifecycle {
    destroy = false
  }
}

removed {
  from = sentry_team_member.judy_security
  lifecycle {
    destroy = false
  }
}

removed {
  from = sentry_team_member.niaj_platform
  lifecycle {
    destroy = false
  }
}

removed {
  from = sentry_team_member.niaj_data
  lifecycle {
    destroy = false
  }
}

removed {
  from = sentry_team_member.olivia_frontend
  lifecycle {
    destroy = false
  }
}

removed {
  from = sentry_team_member.peggy_platform
  lifecycle {
    destroy = false
  }
}

removed {
  from = sentry_team_member.trent_sre
  lifecycle {
    destroy = false
  }
}

# Projects have no counterpart in this provider: they stay with the
# community provider, which keeps managing their teams.

resource "sentry_project" "api" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.teams["backend"].slug]
  name         = "API"
  slug         = "api"
  platform     = "go"
}

resource "sentry_project" "web" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.teams["frontend"].slug, sentry_team.platform.slug]
  name         = "Web"
  slug         = "web"
  platform     = "javascript-react"
}

resource "sentry_project" "ios" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.teams["mobile"].slug]
  name         = "iOS"
  slug         = "ios"
  platform     = "apple-ios"
}

resource "sentry_project" "android" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.teams["mobile"].slug]
  name         = "Android"
  slug         = "android"
  platform     = "android"
}

resource "sentry_project" "pipeline" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.teams["data"].slug, sentry_team.teams["backend"].slug]
  name         = "Data Pipeline"
  slug         = "data-pipeline"
  platform     = "python"
}

resource "sentry_project" "status" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.teams["sre"].slug]
  name         = "Status Page"
}

resource "sentry_project" "auth" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.teams["security"].slug, sentry_team.teams["backend"].slug]
  name         = "Auth Service"
  slug         = "auth-service"
  platform     = "go"
}

resource "sentry_project" "billing" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.teams["security"].slug]
  name         = "Billing"
  slug         = "billing-api"
  platform     = "java"
}

resource "sentry_project" "docs" {
  provider = community

  organization = local.organization
  teams        = [sentry_team.platform.slug]
  name         = "Docs"
  slug         = "docs"
}
