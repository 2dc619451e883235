# Only the settings named here are managed; the others are read and shown.
resource "sentry_organization_access" "this" {
  open_membership     = false # teams see only their own projects
  allow_member_invite = false # only managers and owners invite
  events_member_admin = false # members cannot delete issues
  default_role        = "member"

  # Turning 2FA on turns members without it back into invitations. The plan
  # lists them and fails unless each is acknowledged here.
  require_2fa               = true
  acknowledged_2fa_removals = ["ci-bot@example.com"]
}
