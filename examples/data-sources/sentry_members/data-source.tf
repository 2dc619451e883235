# Every owner and manager, for an access review.
data "sentry_members" "owners" {
  role = "owner"
}

data "sentry_members" "managers" {
  role = "manager"
}

# Invitations nobody has accepted, with the teams they were given.
data "sentry_members" "pending" {
  pending       = true
  include_teams = true
}

# Members without two-factor authentication, in Sentry's search syntax.
data "sentry_members" "no_2fa" {
  query = "has2fa:false"
}

output "access_review" {
  value = {
    owners   = data.sentry_members.owners.members[*].email
    managers = data.sentry_members.managers.members[*].email
    pending  = { for m in data.sentry_members.pending.members : m.email => m.teams }
  }
}
