# A team by organization and slug, or by organization and Sentry's numeric id.
terraform import sentry_team.payments acme/payments
terraform import sentry_team.payments acme/4505000000000001

# A bare slug uses the provider's organization.
terraform import sentry_team.payments payments
