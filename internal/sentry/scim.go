package sentry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Sentry's SCIM v2 API: Groups are teams that the organization's identity
// provider manages, Users are organization members.
//
// SCIM calls authenticate with the organization's SCIM token (the
// provider's scim_token), not a user auth token: make a Client for them
// with NewClient and Config.Token set to that token. Sentry answers SCIM
// errors as {"schemas": [...], "detail": "..."}, which [APIError] reads
// like any other error body.

const (
	scimSchemaPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimSchemaGroup   = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimSchemaUser    = "urn:ietf:params:scim:schemas:core:2.0:User"

	// MaxSCIMPatchOps is the most operations Sentry accepts in one SCIM
	// PATCH; [Client.PatchSCIMGroup] splits longer lists.
	MaxSCIMPatchOps = 100

	// scimPageSize is the largest page Sentry documents for SCIM lists.
	scimPageSize = 100
)

// SCIMGroup is a SCIM group: a Sentry team managed by the identity
// provider. ID is the team's id and DisplayName its name.
type SCIMGroup struct {
	ID          string            `json:"id"`
	DisplayName string            `json:"displayName"`
	Members     []SCIMGroupMember `json:"members"`
}

// SCIMGroupMember is one member of a SCIM group: Value is the
// organization member's id, Display (in answers) its email.
type SCIMGroupMember struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
}

// SCIMPatchOp is one operation of a SCIM PATCH. Build group operations
// with [SCIMGroupMembershipOps] and [SCIMRenameOp].
type SCIMPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// SCIMUser is a SCIM user: an organization member. ID is the member's id
// and UserName its email.
type SCIMUser struct {
	ID            string `json:"id"`
	UserName      string `json:"userName"`
	Active        bool   `json:"active"`
	SentryOrgRole string `json:"sentryOrgRole"`
}

// scimEndpoint is endpoint for SCIM's paths, which have no trailing
// slash. An empty last segment keeps its slashes, so that Client.do
// reports the empty identifier.
func scimEndpoint(org string, segments ...string) string {
	p := endpoint(append([]string{"organizations", org, "scim", "v2"}, segments...)...)
	if strings.HasSuffix(p, "//") {
		return p
	}
	return strings.TrimSuffix(p, "/")
}

type scimPatchRequest struct {
	Schemas    []string      `json:"schemas"`
	Operations []SCIMPatchOp `json:"Operations"`
}

type scimListResponse[T any] struct {
	TotalResults int `json:"totalResults"`
	StartIndex   int `json:"startIndex"`
	ItemsPerPage int `json:"itemsPerPage"`
	Resources    []T `json:"Resources"`
}

// CreateSCIMGroup creates a team named displayName, with the slugified
// name as its slug and no members, managed by the identity provider. A
// taken slug is a 409 ([IsConflict]).
func (c *Client) CreateSCIMGroup(ctx context.Context, org, displayName string) (*SCIMGroup, error) {
	body := struct {
		Schemas     []string `json:"schemas"`
		DisplayName string   `json:"displayName"`
	}{[]string{scimSchemaGroup}, displayName}
	var g SCIMGroup
	if _, err := c.doObject(ctx, http.MethodPost, scimEndpoint(org, "Groups"), body, &g, "SCIM group", func() string { return g.ID }); err != nil {
		return nil, err
	}
	return &g, nil
}

// GetSCIMGroup reads one group with its members; id is the team's id. An
// unknown or deleted group is a 404 ([IsNotFound]).
func (c *Client) GetSCIMGroup(ctx context.Context, org, id string) (*SCIMGroup, error) {
	var g SCIMGroup
	if _, err := c.doObject(ctx, http.MethodGet, scimEndpoint(org, "Groups", id), nil, &g, "SCIM group", func() string { return g.ID }); err != nil {
		return nil, err
	}
	return &g, nil
}

// ListSCIMGroups returns every group of the organization with its
// members, reading all pages. filter, when not empty, is a SCIM filter
// expression; Sentry supports only `displayName eq "Name"`, which it
// matches against team slugs after slugifying the name.
func (c *Client) ListSCIMGroups(ctx context.Context, org, filter string) ([]SCIMGroup, error) {
	path := scimEndpoint(org, "Groups")
	out := make([]SCIMGroup, 0)
	start := 1
	for pages := 1; ; pages++ {
		q := url.Values{"startIndex": {strconv.Itoa(start)}, "count": {strconv.Itoa(scimPageSize)}}
		if filter != "" {
			q.Set("filter", filter)
		}
		var page scimListResponse[SCIMGroup]
		if err := c.do(ctx, http.MethodGet, path, q, nil, &page); err != nil {
			return nil, err
		}
		if page.StartIndex != 0 && page.StartIndex != start {
			// A server that ignores startIndex would send the same page
			// again and again.
			return nil, fmt.Errorf("GET %s: Sentry answered startIndex=%d with the page at %d; stopped paging to avoid an endless loop", path, start, page.StartIndex)
		}
		out = append(out, page.Resources...)
		// SCIM pages by offset: the next page starts after this one, and
		// there is none once the total is reached. An empty page ends the
		// list too, even if the total (counted before a team was deleted,
		// say) promised more.
		start += len(page.Resources)
		if len(page.Resources) == 0 || start > page.TotalResults {
			return out, nil
		}
		if pages >= c.maxPages {
			return nil, endlessListError(path, pages)
		}
	}
}

// PatchSCIMGroup applies operations to a group, in order, in requests of
// at most [MaxSCIMPatchOps] operations. Sentry runs each request in one
// transaction, but the requests are separate: when one fails, those
// before it have been applied. Sentry also marks the team as managed by
// the identity provider. No operations, no request.
func (c *Client) PatchSCIMGroup(ctx context.Context, org, id string, ops []SCIMPatchOp) error {
	path := scimEndpoint(org, "Groups", id)
	for start := 0; start < len(ops); start += MaxSCIMPatchOps {
		end := min(start+MaxSCIMPatchOps, len(ops))
		body := scimPatchRequest{Schemas: []string{scimSchemaPatchOp}, Operations: ops[start:end]}
		// Adding a member twice or removing one twice changes nothing, so a
		// repeated request is harmless.
		if err := c.do(ctx, http.MethodPatch, path, nil, body, nil, idempotent()); err != nil {
			if start == 0 {
				return err
			}
			return fmt.Errorf("operations %d to %d of %d (those before were applied): %w", start+1, end, len(ops), err)
		}
	}
	return nil
}

// DeleteSCIMGroup deletes a group's team. Sentry frees the slug at once
// and removes the team in the background.
func (c *Client) DeleteSCIMGroup(ctx context.Context, org, id string) error {
	return c.do(ctx, http.MethodDelete, scimEndpoint(org, "Groups", id), nil, nil, nil)
}

// SCIMGroupMembershipOps returns the fewest operations that turn a
// group's member set oldIDs into newIDs: one "add" with every member to
// add, then one "remove" per member to remove, in Sentry's filter syntax.
// Duplicates are ignored; no change gives no operations.
func SCIMGroupMembershipOps(oldIDs, newIDs []string) []SCIMPatchOp {
	oldSet := make(map[string]bool, len(oldIDs))
	for _, id := range oldIDs {
		oldSet[id] = true
	}
	newSet := make(map[string]bool, len(newIDs))
	var add []SCIMGroupMember
	for _, id := range newIDs {
		if !oldSet[id] && !newSet[id] {
			add = append(add, SCIMGroupMember{Value: id})
		}
		newSet[id] = true
	}
	var ops []SCIMPatchOp
	if len(add) > 0 {
		ops = append(ops, SCIMPatchOp{Op: "add", Path: "members", Value: add})
	}
	removed := make(map[string]bool)
	for _, id := range oldIDs {
		if !newSet[id] && !removed[id] {
			removed[id] = true
			ops = append(ops, SCIMPatchOp{Op: "remove", Path: `members[value eq "` + id + `"]`})
		}
	}
	return ops
}

// SCIMRenameOp returns the operation that renames a group; Sentry
// changes the team's slug to match.
func SCIMRenameOp(displayName string) SCIMPatchOp {
	return SCIMPatchOp{Op: "replace", Value: map[string]string{"displayName": displayName}}
}

// CreateSCIMUser invites userName (an email) to the organization as a
// member managed by the identity provider, with orgRole or, when empty,
// the default role. Sentry refuses "owner" (400); an email that is
// already a member's is a 409 ([IsConflict]), one already invited a 400.
// The provider does not manage SCIM users (the identity provider does):
// acceptance tests use it to set up the members of SCIM groups.
func (c *Client) CreateSCIMUser(ctx context.Context, org, userName, orgRole string) (*SCIMUser, error) {
	body := struct {
		Schemas       []string `json:"schemas"`
		UserName      string   `json:"userName"`
		SentryOrgRole string   `json:"sentryOrgRole,omitempty"`
	}{[]string{scimSchemaUser}, userName, orgRole}
	var u SCIMUser
	if _, err := c.doObject(ctx, http.MethodPost, scimEndpoint(org, "Users"), body, &u, "SCIM user", func() string { return u.ID }); err != nil {
		return nil, err
	}
	return &u, nil
}

// DeleteSCIMUser removes a member. Sentry refuses (403) to remove the
// organization's only owner. Like [Client.CreateSCIMUser], only
// acceptance tests use it, to clean up after themselves.
func (c *Client) DeleteSCIMUser(ctx context.Context, org, id string) error {
	return c.do(ctx, http.MethodDelete, scimEndpoint(org, "Users", id), nil, nil, nil)
}

// MemberIDs returns the ids of the group's members, sorted.
func (g *SCIMGroup) MemberIDs() []string {
	ids := make([]string, len(g.Members))
	for i, m := range g.Members {
		ids[i] = m.Value
	}
	slices.Sort(ids)
	return ids
}
