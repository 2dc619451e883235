resource "sentry_member" "lee" {
  email = "lee@example.com"
}

resource "sentry_member" "jane" {
  email = "jane@example.com"
}

# The provider block needs the organization's SCIM token for this resource:
#   export SENTRY_SCIM_TOKEN=...   # from Settings, Auth, once SCIM is enabled

# A group synced from the identity provider: a Sentry team the identity
# provider owns, with its members.
resource "sentry_scim_group" "sre" {
  display_name = "SRE"
  members = [
    sentry_member.lee.id,
    sentry_member.jane.id,
  ]
}

# The group's team can own projects like any other team.
resource "sentry_team_project" "sre_platform_api" {
  project = "platform-api"
  team    = sentry_scim_group.sre.team_slug
}
