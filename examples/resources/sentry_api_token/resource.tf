# A CI token for release and source map uploads, rotated every 90 days.
# create_before_destroy makes the new token before the old one is deleted,
# so CI is never without a token.
resource "sentry_api_token" "ci" {
  name          = "github-actions-prod"
  name_pattern  = "^[a-z0-9-]+-(prod|staging|dev)$"
  rotation_days = 90

  # Change a value to rotate the token now.
  keepers = {
    ci_system = "github-actions"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Hand the token to CI, for example as a secret of your CI system's
# Terraform provider. It is sensitive: Terraform does not print it.
output "sentry_ci_token" {
  value     = sentry_api_token.ci.token
  sensitive = true
}
