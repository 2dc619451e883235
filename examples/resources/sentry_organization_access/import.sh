# The organization's slug.
terraform import sentry_organization_access.this acme
