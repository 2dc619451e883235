# Who changed member roles in the last week.
data "sentry_audit_log" "role_changes" {
  event  = "member.edit"
  period = "7d"
}

output "role_changes" {
  value = [
    for e in data.sentry_audit_log.role_changes.entries :
    "${e.date_created} ${e.actor_name}: ${e.note}"
  ]
}

# Everything one person did during an incident window. actor_id is the
# user's id, which the sentry_members data source shows as user_id.
data "sentry_audit_log" "incident" {
  actor_id = "4505000000000003"
  start    = "2026-11-20T09:00:00Z"
  end      = "2026-11-20T12:00:00Z"
}

# The 20 newest invitations, with the invited email from each entry's data.
data "sentry_audit_log" "invites" {
  event = "member.invite"
  limit = 20
}

output "recent_invites" {
  value = [
    for e in data.sentry_audit_log.invites.entries : jsondecode(e.data).email
  ]
}
