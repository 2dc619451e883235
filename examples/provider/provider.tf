# Credentials come from the environment:
#   export SENTRY_AUTH_TOKEN=sntryu_...   # a user auth token
#   export SENTRY_ORG=acme
provider "sentry" {}

# Or, for a regional or self-hosted Sentry, set everything explicitly.
provider "sentry" {
  alias        = "self_hosted"
  base_url     = "https://sentry.example.com/"
  organization = "acme"
  auth_token   = var.sentry_auth_token
}

variable "sentry_auth_token" {
  type      = string
  sensitive = true
}
