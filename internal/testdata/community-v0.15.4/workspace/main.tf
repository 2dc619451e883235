# A workspace managed by the community Sentry provider, as its users write
# them: teams, members (some joined, some with pending or expired
# invitations), team memberships with team roles, and projects owned by one
# or two teams: 53 objects. README.md in the parent directory says how it was
# applied and recorded.

terraform {
  required_providers {
    sentry = {
      source  = "jianyuan/sentry"
      version = "0.15.4"
    }
  }
}

variable "base_url" {
  type = string
}

provider "sentry" {
  base_url = var.base_url
}

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

  engineers = {
    alice = { email = "alice@example.com", team = "backend", team_role = "admin" }
    bob   = { email = "bob@example.com", team = "backend", team_role = "contributor" }
    carol = { email = "carol@example.com", team = "frontend", team_role = "admin" }
    dan   = { email = "dan@example.com", team = "frontend", team_role = null }
    erin  = { email = "erin@example.com", team = "mobile", team_role = "contributor" }
    frank = { email = "frank@example.com", team = "data", team_role = "admin" }
    grace = { email = "grace@example.com", team = "sre", team_role = null }
    heidi = { email = "heidi@example.com", team = "security", team_role = "admin" }
  }
}

resource "sentry_team" "teams" {
  for_each = local.teams

  organization = local.organization
  name         = each.value
  slug         = each.key
}

# A team whose slug Sentry makes from its name.
resource "sentry_team" "platform" {
  organization = local.organization
  name         = "Platform Engineering"
}

resource "sentry_organization_member" "engineers" {
  for_each = local.engineers

  organization = local.organization
  email        = each.value.email
  role         = "member"
}

resource "sentry_team_member" "engineers" {
  for_each = local.engineers

  organization = local.organization
  member_id    = sentry_organization_member.engineers[each.key].internal_id
  team         = sentry_team.teams[each.value.team].slug
  role         = each.value.team_role
}

resource "sentry_organization_member" "ivan" {
  organization = local.organization
  email        = "ivan@example.com"
  role         = "manager"
}

resource "sentry_organization_member" "judy" {
  organization = local.organization
  email        = "judy@example.com"
  role         = "owner"
}

resource "sentry_organization_member" "mallory" {
  organization = local.organization
  email        = "mallory@example.com"
  role         = "billing"
}

resource "sentry_organization_member" "niaj" {
  organization = local.organization
  email        = "niaj@example.com"
  role         = "member"
}

resource "sentry_organization_member" "olivia" {
  organization = local.organization
  email        = "Olivia.Smith@example.com"
  role         = "member"
}

resource "sentry_organization_member" "peggy" {
  organization = local.organization
  email        = "peggy@example.com"
  role         = "manager"
}

resource "sentry_organization_member" "contractors" {
  count = 3

  organization = local.organization
  email        = "contractor-${count.index}@vendor.example"
  role         = "member"
}

# Team memberships written one by one.
resource "sentry_team_member" "ivan_sre" {
  organization = local.organization
  member_id    = sentry_organization_member.ivan.internal_id
  team         = sentry_team.teams["sre"].slug
  role         = "admin"
}

resource "sentry_team_member" "niaj_platform" {
  organization = local.organization
  member_id    = sentry_organization_member.niaj.internal_id
  team         = sentry_team.platform.slug
  role         = "contributor"
}

resource "sentry_team_member" "niaj_data" {
  organization = local.organization
  member_id    = sentry_organization_member.niaj.internal_id
  team         = sentry_team.teams["data"].slug
  role         = "admin"
}

resource "sentry_team_member" "olivia_frontend" {
  organization = local.organization
  member_id    = sentry_organization_member.olivia.internal_id
  team         = sentry_team.teams["frontend"].slug
}

resource "sentry_team_member" "judy_security" {
  organization = local.organization
  member_id    = sentry_organization_member.judy.internal_id
  team         = sentry_team.teams["security"].slug
}

resource "sentry_team_member" "contractors" {
  count = 3

  organization = local.organization
  member_id    = sentry_organization_member.contractors[count.index].internal_id
  team         = sentry_team.teams["mobile"].slug
  role         = "contributor"
}

resource "sentry_team_member" "peggy_platform" {
  organization = local.organization
  member_id    = sentry_organization_member.peggy.internal_id
  team         = sentry_team.platform.slug
  role         = "admin"
}

resource "sentry_project" "api" {
  organization = local.organization
  teams        = [sentry_team.teams["backend"].slug]
  name         = "API"
  slug         = "api"
  platform     = "go"
}

resource "sentry_project" "web" {
  organization = local.organization
  teams        = [sentry_team.teams["frontend"].slug, sentry_team.platform.slug]
  name         = "Web"
  slug         = "web"
  platform     = "javascript-react"
}

resource "sentry_project" "ios" {
  organization = local.organization
  teams        = [sentry_team.teams["mobile"].slug]
  name         = "iOS"
  slug         = "ios"
  platform     = "apple-ios"
}

resource "sentry_project" "android" {
  organization = local.organization
  teams        = [sentry_team.teams["mobile"].slug]
  name         = "Android"
  slug         = "android"
  platform     = "android"
}

resource "sentry_project" "pipeline" {
  organization = local.organization
  teams        = [sentry_team.teams["data"].slug, sentry_team.teams["backend"].slug]
  name         = "Data Pipeline"
  slug         = "data-pipeline"
  platform     = "python"
}

resource "sentry_project" "status" {
  organization = local.organization
  teams        = [sentry_team.teams["sre"].slug]
  name         = "Status Page"
}

resource "sentry_project" "auth" {
  organization = local.organization
  teams        = [sentry_team.teams["security"].slug, sentry_team.teams["backend"].slug]
  name         = "Auth Service"
  slug         = "auth-service"
  platform     = "go"
}

resource "sentry_project" "billing" {
  organization = local.organization
  teams        = [sentry_team.teams["security"].slug]
  name         = "Billing"
  slug         = "billing-api"
  platform     = "java"
}

resource "sentry_project" "docs" {
  organization = local.organization
  teams        = [sentry_team.platform.slug]
  name         = "Docs"
  slug         = "docs"
}

# Invitations nobody accepts; the recording lets these two expire.
resource "sentry_organization_member" "sybil" {
  organization = local.organization
  email        = "sybil@example.com"
  role         = "member"
}

resource "sentry_organization_member" "trent" {
  organization = local.organization
  email        = "trent@example.com"
  role         = "member"
}

resource "sentry_team_member" "trent_sre" {
  organization = local.organization
  member_id    = sentry_organization_member.trent.internal_id
  team         = sentry_team.teams["sre"].slug
}
