terraform {
  required_providers {
    sentry = {
      source = "sentryrbac/sentry"
    }
  }
}

# SENTRY_AUTH_TOKEN (with org:write) and SENTRY_ORG come from the environment.
provider "sentry" {}
