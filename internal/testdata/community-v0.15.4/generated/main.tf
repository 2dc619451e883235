# What stays of workspace/main.tf when sentry-import -from-state writes the
# rest (migration.tf), as that file's header says: teams, unchanged, now
# this provider's; projects, which stay with the community provider (here
# named "sentry-community") and leave their teams to the sentry_team_project
# resources the migration imports. The member and membership resources are
# deleted. The test adds the terraform and provider blocks.

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

resource "sentry_project" "api" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.teams["backend"].slug]
  name         = "API"
  slug         = "api"
  platform     = "go"

  lifecycle {
    ignore_changes = [teams]
  }
}

resource "sentry_project" "web" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.teams["frontend"].slug, sentry_team.platform.slug]
  name         = "Web"
  slug         = "web"
  platform     = "javascript-react"

  lifecycle {
    ignore_changes = [teams]
  }
}

resource "sentry_project" "ios" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.teams["mobile"].slug]
  name         = "iOS"
  slug         = "ios"
  platform     = "apple-ios"

  lifecycle {
    ignore_changes = [teams]
  }
}

resource "sentry_project" "android" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.teams["mobile"].slug]
  name         = "Android"
  slug         = "android"
  platform     = "android"

  lifecycle {
    ignore_changes = [teams]
  }
}

resource "sentry_project" "pipeline" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.teams["data"].slug, sentry_team.teams["backend"].slug]
  name         = "Data Pipeline"
  slug         = "data-pipeline"
  platform     = "python"

  lifecycle {
    ignore_changes = [teams]
  }
}

resource "sentry_project" "status" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.teams["sre"].slug]
  name         = "Status Page"

  lifecycle {
    ignore_changes = [teams]
  }
}

resource "sentry_project" "auth" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.teams["security"].slug, sentry_team.teams["backend"].slug]
  name         = "Auth Service"
  slug         = "auth-service"
  platform     = "go"

  lifecycle {
    ignore_changes = [teams]
  }
}

resource "sentry_project" "billing" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.teams["security"].slug]
  name         = "Billing"
  slug         = "billing-api"
  platform     = "java"

  lifecycle {
    ignore_changes = [teams]
  }
}

resource "sentry_project" "docs" {
  provider = sentry-community

  organization = local.organization
  teams        = [sentry_team.platform.slug]
  name         = "Docs"
  slug         = "docs"

  lifecycle {
    ignore_changes = [teams]
  }
}
