# A member by organization and email address, or by organization and
# Sentry's numeric member id.
terraform import sentry_member.jane acme/jane@example.com
terraform import sentry_member.jane acme/4505000000000042
