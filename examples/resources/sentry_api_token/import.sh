# organization/token-id; the id is in the token's URL in Sentry's settings.
# Sentry never shows a token's value again, so token is null after import.
terraform import sentry_api_token.ci acme/4505000000000077
