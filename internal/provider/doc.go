// Package provider implements the Sentry Terraform provider: the provider
// block, its resources and data sources, and their acceptance tests.
//
// Each resource lives in <name>_resource.go with its tests beside it in
// <name>_resource_test.go. Resources reach Sentry only through the
// internal/sentry client, which they obtain from providerData when they first
// need it, so a missing token is reported by the resource that needed it.
package provider
