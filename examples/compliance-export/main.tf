# The quarterly audit log export for compliance review:
#
#   terraform apply
#   terraform output -raw audit_log_json > audit-2026-Q3.json
#
# It reads the last 90 days of the audit log, newest first, and turns them
# into one JSON array, each entry with its data decoded, ready for a reviewer
# or an archive. For exact quarter boundaries, set start and end instead:
#
#   terraform apply -var start=2026-07-01T00:00:00Z -var end=2026-10-01T00:00:00Z

variable "period" {
  description = "How far back to read, in Sentry's period syntax, when start and end are not set."
  type        = string
  default     = "90d"
}

variable "start" {
  description = "Start of the export (RFC 3339); set together with end."
  type        = string
  default     = null
}

variable "end" {
  description = "End of the export (RFC 3339); set together with start."
  type        = string
  default     = null
}

data "sentry_audit_log" "quarter" {
  period = var.start == null ? var.period : null
  start  = var.start
  end    = var.end
  # Reading stops at the limit; raise it for a busy organization.
  limit = 50000
}

output "audit_log_json" {
  description = "The audit log entries as a JSON array, newest first."
  value = jsonencode([
    for e in data.sentry_audit_log.quarter.entries : merge(e, { data = jsondecode(e.data) })
  ])
}

output "audit_log_summary" {
  description = "The number of entries of each event."
  value = {
    for event in distinct(data.sentry_audit_log.quarter.entries[*].event) :
    event => length([for e in data.sentry_audit_log.quarter.entries : e if e.event == event])
  }
}
