package sentry

import (
	"context"
	"net/http"
	"net/url"
	"slices"
)

// OrganizationAccessRules is what decides who reaches an organization's
// projects besides team membership: open membership (allow_joinleave)
// and the feature flags, among them "team-roles", without which team
// roles grant nothing beyond the org role.
type OrganizationAccessRules struct {
	OpenMembership bool     `json:"openMembership"`
	Features       []string `json:"features"`
}

// HasFeature reports whether the organization has the feature flag.
func (o *OrganizationAccessRules) HasFeature(name string) bool {
	return slices.Contains(o.Features, name)
}

// GetOrganizationAccessRules reads the organization's open membership
// setting and feature flags in one request (GET /organizations/{org}/
// ?detailed=0&include_feature_flags=1: the endpoint leaves feature flags
// out unless asked).
func (c *Client) GetOrganizationAccessRules(ctx context.Context, org string) (*OrganizationAccessRules, error) {
	var o OrganizationAccessRules
	q := url.Values{"detailed": {"0"}, "include_feature_flags": {"1"}}
	if err := c.do(ctx, http.MethodGet, endpoint("organizations", org), q, nil, &o); err != nil {
		return nil, err
	}
	return &o, nil
}
