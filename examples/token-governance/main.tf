# Token governance on today's Sentry: the organization's live org auth
# tokens, read from its audit log, checked against a rotation period and a
# naming rule on every plan.
#
#   terraform plan
#
# A token that breaks a rule makes its check fail, which Terraform reports as
# a warning naming the token, its id and who made it; the plan itself goes
# on. Run the plan on a schedule (a nightly CI job) and alert on the
# warnings ("Check block assertion failed").

variable "rotation_days" {
  description = "How many days a token may live before it must be replaced."
  type        = number
  default     = 90
}

variable "name_pattern" {
  description = "The naming rule every token's name must match (a regular expression)."
  type        = string
  default     = "^[a-z0-9-]+-(prod|staging|dev)$"
}

data "sentry_api_tokens" "all" {}

locals {
  # The moment a token made earlier is overdue for rotation.
  rotation_cutoff = timeadd(plantimestamp(), "-${var.rotation_days * 24}h")

  described = {
    for t in data.sentry_api_tokens.all.tokens :
    t.id => "${t.name} (id ${t.id}, made ${t.date_created} by ${t.created_by != null ? t.created_by : "unknown"})"
  }
  overdue = [
    for t in data.sentry_api_tokens.all.tokens : local.described[t.id]
    if timecmp(t.date_created, local.rotation_cutoff) < 0
  ]
  misnamed = [
    for t in data.sentry_api_tokens.all.tokens : local.described[t.id]
    if !can(regex(var.name_pattern, t.name))
  ]
}

check "token_rotation" {
  assert {
    condition     = length(local.overdue) == 0
    error_message = "Org auth tokens older than ${var.rotation_days} days: ${join("; ", local.overdue)}. Make a new token in Sentry (Settings > Auth Tokens), give it to its consumer, then revoke the old one."
  }
}

check "token_naming" {
  assert {
    condition     = length(local.misnamed) == 0
    error_message = "Org auth tokens whose names break the rule ${var.name_pattern}: ${join("; ", local.misnamed)}. Sentry can rename a token in Settings > Auth Tokens; the audit log keeps the name it was made with, so revoke it and make a well-named one instead."
  }
}

output "tokens" {
  description = "The live org auth tokens: name, who made them and when."
  value       = values(local.described)
}
