# organization/project-slug/team-slug
terraform import sentry_team_project.contractors acme/payment-api/contractors
