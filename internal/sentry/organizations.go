package sentry

import (
	"context"
	"net/http"
	"net/url"
)

// Organization is what the organization details endpoint tells of an
// organization's access settings (GET /organizations/{org}/?detailed=0).
type Organization struct {
	ID                         string `json:"id"`
	Slug                       string `json:"slug"`
	Name                       string `json:"name"`
	OpenMembership             bool   `json:"openMembership"`
	AllowJoinRequests          bool   `json:"allowJoinRequests"`
	AllowMemberInvite          bool   `json:"allowMemberInvite"`
	AllowMemberProjectCreation bool   `json:"allowMemberProjectCreation"`
	Require2FA                 bool   `json:"require2FA"`
	DefaultRole                string `json:"defaultRole"`
	EventsMemberAdmin          bool   `json:"eventsMemberAdmin"`
	AlertsMemberWrite          bool   `json:"alertsMemberWrite"`
	AttachmentsRole            string `json:"attachmentsRole"`
	DebugFilesRole             string `json:"debugFilesRole"`
	AllowSharedIssues          bool   `json:"allowSharedIssues"`
	EnhancedPrivacy            bool   `json:"enhancedPrivacy"`
	AllowSuperuserAccess       bool   `json:"allowSuperuserAccess"`
	HasAuthProvider            bool   `json:"hasAuthProvider"`
	// Access is the caller's scopes in the organization; OrgRole its role
	// (empty for a caller that is not a member).
	Access  []string `json:"access"`
	OrgRole string   `json:"orgRole"`
}

// HasScope reports whether the caller holds the scope in the organization.
func (o *Organization) HasScope(scope string) bool {
	for _, s := range o.Access {
		if s == scope {
			return true
		}
	}
	return false
}

// GetOrganization reads an organization's settings, without its teams and
// projects.
func (c *Client) GetOrganization(ctx context.Context, org string) (*Organization, error) {
	var o Organization
	if err := c.do(ctx, http.MethodGet, endpoint("organizations", org), url.Values{"detailed": {"0"}}, nil, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// UpdateOrganization sends the settings in fields (Sentry's field names:
// "openMembership", "require2FA", ...) and returns the organization as
// Sentry has it afterwards. Sentry ignores defaultRole from a caller
// without org:admin; sending require2FA=true, changed or not, makes Sentry
// turn every member without two-factor authentication back into an
// invitation.
func (c *Client) UpdateOrganization(ctx context.Context, org string, fields map[string]any) (*Organization, error) {
	var o Organization
	if err := c.do(ctx, http.MethodPut, endpoint("organizations", org), nil, fields, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// AuthProvider is an organization's SSO provider
// (GET /organizations/{org}/auth-provider/, not in Sentry's public schema).
type AuthProvider struct {
	ID                string `json:"id"`
	ProviderName      string `json:"provider_name"`
	PendingLinksCount int    `json:"pending_links_count"`
	LoginURL          string `json:"login_url"`
	DefaultRole       string `json:"default_role"`
	RequireLink       bool   `json:"require_link"`
	SCIMEnabled       bool   `json:"scim_enabled"`
}

// GetAuthProvider reads the organization's SSO provider; nil, without an
// error, when it has none (Sentry answers 204 No Content).
func (c *Client) GetAuthProvider(ctx context.Context, org string) (*AuthProvider, error) {
	var p AuthProvider
	var status int
	if err := c.do(ctx, http.MethodGet, endpoint("organizations", org, "auth-provider"), nil, nil, &p, responseStatus(&status)); err != nil {
		return nil, err
	}
	if status == http.StatusNoContent || p.ID == "" {
		return nil, nil
	}
	return &p, nil
}
