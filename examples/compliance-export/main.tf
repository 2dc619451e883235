# The quarterly audit log export for compliance review:
#
#   terraform apply
#   terraform output -raw audit_log_json > audit-2026-Q3.json
#
# It reads the last 90 days of the audit log, newest first, and writes each
# entry with its data decoded, ready for a reviewer or an archive.

variable "period" {
  description = "How far back to read, in Sentry's period syntax."
  type        = string
  default     = "90d"
}

data "sentry_audit_log" "quarter" {
  period = var.period
  limit  = 50000
}

output "audit_log_json" {
  description = "The audit log entries as a JSON array."
  value = jsonencode([
    for e in data.sentry_audit_log.quarter.entries : merge(e, { data = jsondecode(e.data) })
  ])
}

output "audit_log_summary" {
  description = "Entries per event."
  value = {
    for event in distinct(data.sentry_audit_log.quarter.entries[*].event) :
    event => length([for e in data.sentry_audit_log.quarter.entries : e if e.event == event])
  }
}
