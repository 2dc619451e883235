terraform {
  required_providers {
    sentry = {
      source = "sentryrbac/sentry"
    }
  }
}

# SENTRY_AUTH_TOKEN (an owner's or manager's, with org:write for the audit log) and SENTRY_ORG come from the environment.
provider "sentry" {}
