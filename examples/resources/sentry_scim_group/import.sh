# organization/group-id; a group's id is its team's numeric id.
terraform import sentry_scim_group.sre acme/4505000000000123
