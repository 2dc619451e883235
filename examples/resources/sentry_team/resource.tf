resource "sentry_team" "payments" {
  slug = "payments"
  name = "Payments"
}

# Without a slug, Sentry makes one from the name ("data-platform").
resource "sentry_team" "data" {
  name = "Data Platform"
}
