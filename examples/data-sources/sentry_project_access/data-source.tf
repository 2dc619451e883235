# Who reaches the "api" project, and how.
data "sentry_project_access" "api" {
  project = "api"
}

output "api_admins" {
  value = [for a in data.sentry_project_access.api.projects[0].access : a.email if a.effective_role == "admin"]
}

# Every project: people who reach a project only through open membership.
data "sentry_project_access" "all" {}

output "open_membership_only" {
  value = flatten([for p in data.sentry_project_access.all.projects :
  [for a in p.access : "${a.email} on ${p.slug}" if a.global_reason == "open_membership" && length(a.teams) == 0]])
}
