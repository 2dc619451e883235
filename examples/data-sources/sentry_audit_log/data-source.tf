# Who changed member roles in the last week.
data "sentry_audit_log" "role_changes" {
  event  = "member.edit"
  period = "7d"
}

# Everything one person did during an incident window.
data "sentry_audit_log" "incident" {
  actor_id = "4505000000000003"
  start    = "2026-11-20T09:00:00Z"
  end      = "2026-11-20T12:00:00Z"
}

output "role_changes" {
  value = [
    for e in data.sentry_audit_log.role_changes.entries :
    "${e.date_created} ${e.actor_name}: ${e.note}"
  ]
}
