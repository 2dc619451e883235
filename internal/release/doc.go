// Package release holds tests of the release configuration: the GoReleaser
// file the Terraform Registry's release process depends on.
package release
