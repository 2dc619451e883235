// Package provider implements the Sentry Terraform provider: the provider
// block, its resources and data sources, and their acceptance tests.
//
// Each resource lives in <name>_resource.go with all that is its own:
// schema, model, create, read, update, delete, import, the conversion from
// Sentry's object to its state (which its list resource builds through
// too, so an attribute is added once) and its drift report. Its list
// resource (for terraform query) is in <name>_list_resource.go and each
// data source in <name>_data_source.go, with tests beside them in files of
// the same stem; tests that cross resources (access scenarios, faults,
// drift, request counts, bad input, terraform query, sweepers) have files
// of their own. What every resource shares is in resource_base.go
// (provider data, sessions, the organization, timeouts), import_id.go and
// identity.go, validators.go, diagnostics.go, recover.go (creates whose
// answer was lost), drift.go (the engine that explains drift from the
// audit log) and shared_reads.go (reads shared by a run). Resources reach
// Sentry only through the internal/sentry client, which they obtain from
// providerData when they first need it, so a missing token is reported by
// the resource that needed it.
package provider
