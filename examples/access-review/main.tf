# Quarterly access review: who reaches each project, through what, with
# which role, and whether each person is safe; the quarter's access
# changes from the audit log, by actor; and the organization's access
# policy as check blocks, which warn on every plan and apply.
#
#   terraform apply
#   terraform output -raw access_review_csv > access-review.csv
#   terraform output -json access_changes_by_actor > access-changes.json

data "sentry_project_access" "all" {}

data "sentry_members" "all" {}

data "sentry_audit_log" "quarter" {
  period = "90d"
}

locals {
  members_by_email = { for m in data.sentry_members.all.members : lower(m.email) => m }
  inactive_before  = timeadd(plantimestamp(), "-2160h") # 90 days

  # One row per person per project.
  review_rows = flatten([
    for p in data.sentry_project_access.all.projects : [
      for a in p.access : {
        project        = p.slug
        email          = a.email
        org_role       = a.org_role
        effective_role = a.effective_role
        path           = a.global_access ? a.global_reason : "teams"
        teams          = join(" ", [for t in a.teams : "${t.team}:${t.role}"])
        has_2fa        = try(local.members_by_email[lower(a.email)].has_2fa, null)
        sso_linked     = try(local.members_by_email[lower(a.email)].sso_linked, null)
        idp            = try(local.members_by_email[lower(a.email)].idp_provisioned, null)
        last_active    = try(local.members_by_email[lower(a.email)].last_active, null)
      }
    ]
  ])

  access_events = ["member.invite", "member.add", "member.accept-invite", "member.edit", "member.remove",
    "member.join-team", "member.leave-team", "team.create", "team.remove", "project-team.add",
  "project-team.remove", "org.edit", "sso.enable", "sso.disable"]
  access_changes = [for e in data.sentry_audit_log.quarter.entries : e if contains(local.access_events, e.event)]

  owners       = [for m in data.sentry_members.all.members : m if m.role == "owner" && !m.pending]
  inactive     = [for m in data.sentry_members.all.members : m if !m.pending && m.role != "member" && (m.last_active == null || timecmp(coalesce(m.last_active, "1970-01-01T00:00:00Z"), local.inactive_before) < 0)]
  outsiders    = [for r in local.review_rows : r if r.path == "open_membership" && r.teams == ""]
  stale_invite = [for m in data.sentry_members.all.members : m if m.pending && m.expired]
}

output "access_review_csv" {
  description = "One row per person per project, for the compliance file."
  value = join("\n", concat(
    ["project,email,org_role,effective_role,path,teams,has_2fa,sso_linked,idp_provisioned,last_active"],
    [for r in local.review_rows : join(",", [r.project, r.email, r.org_role, r.effective_role, r.path, r.teams,
    tostring(r.has_2fa), tostring(r.sso_linked), tostring(r.idp), coalesce(r.last_active, "never")])]
  ))
}

output "access_changes_by_actor" {
  description = "The quarter's access changes from the audit log, by who made them."
  value = { for actor in distinct([for e in local.access_changes : coalesce(e.actor_name, "(unknown)")]) :
    actor => [for e in local.access_changes : "${e.date_created} ${e.event} ${coalesce(e.target_user, e.target_object, "")}" if coalesce(e.actor_name, "(unknown)") == actor]
  }
}

check "owners_have_2fa" {
  assert {
    condition     = alltrue([for m in local.owners : m.has_2fa == true])
    error_message = "Owners without 2FA: ${join(", ", [for m in local.owners : m.email if m.has_2fa != true])}."
  }
}

check "at_most_two_owners" {
  assert {
    condition     = length(local.owners) <= 2
    error_message = "${length(local.owners)} owners, at most 2 allowed: ${join(", ", [for m in local.owners : m.email])}."
  }
}

check "inactive_members_demoted" {
  assert {
    condition     = length(local.inactive) == 0
    error_message = "Inactive for 90 days with a role above member: ${join(", ", [for m in local.inactive : "${m.email} (${m.role}, last active ${coalesce(m.last_active, "never")})"])}."
  }
}

check "projects_reached_only_through_owning_teams" {
  assert {
    condition     = length(local.outsiders) == 0
    error_message = "Reached outside the owning teams through open membership: ${join(", ", distinct([for r in local.outsiders : "${r.email} on ${r.project}"]))}."
  }
}

check "no_expired_invitations" {
  assert {
    condition     = length(local.stale_invite) == 0
    error_message = "Pending invitations past their expiry: ${join(", ", [for m in local.stale_invite : m.email])}."
  }
}
