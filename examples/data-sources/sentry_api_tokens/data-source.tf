# Every live org auth token, newest first.
data "sentry_api_tokens" "all" {}

output "tokens" {
  value = [
    for t in data.sentry_api_tokens.all.tokens :
    "${t.name} made ${t.date_created} by ${t.created_by}"
  ]
}

# The CI tokens only, by the naming convention.
data "sentry_api_tokens" "ci" {
  name_prefix = "github-actions-"
}

output "ci_token_ids" {
  value = [for t in data.sentry_api_tokens.ci.tokens : t.id]
}
