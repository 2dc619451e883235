resource "sentry_team" "payments" {
  slug = "payments"
  name = "Payments"
}

# Without a slug, Sentry makes one from the name ("data-platform").
resource "sentry_team" "data" {
  name = "Data Platform"
}

# Every resource takes the standard timeouts block; the defaults (create 10m,
# read 5m, update 10m, delete 10m) suit most organizations.
resource "sentry_team" "platform" {
  slug = "platform"
  name = "Platform"

  timeouts {
    create = "3m"
  }
}
