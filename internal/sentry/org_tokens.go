package sentry

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// OrgAuthToken is an organization auth token. Sentry gives them the org:ci
// scope only, whatever is asked for.
type OrgAuthToken struct {
	ID                  string     `json:"id"`
	Name                string     `json:"name"`
	Scopes              []string   `json:"scopes"`
	TokenLastCharacters string     `json:"tokenLastCharacters"`
	DateCreated         time.Time  `json:"dateCreated"`
	DateLastUsed        *time.Time `json:"dateLastUsed"`
	ProjectLastUsedID   *string    `json:"projectLastUsedId"`
	// Token is the secret itself. Sentry sends it once, in the answer to
	// CreateOrgAuthToken; reads leave it empty.
	Token string `json:"token"`
}

// String describes the token without its secret, so that printing one with
// %v or %+v cannot leak it.
func (t OrgAuthToken) String() string {
	secret := ""
	if t.Token != "" {
		secret = " " + redacted
	}
	return fmt.Sprintf("OrgAuthToken{ID:%s Name:%q Scopes:%v TokenLastCharacters:%s%s}",
		t.ID, t.Name, t.Scopes, t.TokenLastCharacters, secret)
}

// GoString is String for %#v.
func (t OrgAuthToken) GoString() string { return t.String() }

type orgAuthTokenName struct {
	Name string `json:"name"`
}

func orgAuthTokensPath(org string, id ...string) string {
	return endpoint(append([]string{"organizations", org, "org-auth-tokens"}, id...)...)
}

// CreateOrgAuthToken mints an organization auth token named name. The
// answer is the only place the token's value ever appears. The call is not
// repeated after a failure that may have reached Sentry: a second attempt
// would mint a second token.
func (c *Client) CreateOrgAuthToken(ctx context.Context, org, name string) (*OrgAuthToken, error) {
	var t OrgAuthToken
	path := orgAuthTokensPath(org)
	code, err := c.doObject(ctx, http.MethodPost, path, orgAuthTokenName{Name: name}, &t, "token", func() string { return t.ID })
	if err != nil {
		return nil, err
	}
	if t.Token == "" {
		// The token exists but its value is lost: the caller must find it
		// by name and revoke it.
		return nil, answerLacks(http.MethodPost, path, code, "token value")
	}
	return &t, nil
}

// GetOrgAuthToken reads a token by its numeric id; a deleted token is a 404.
func (c *Client) GetOrgAuthToken(ctx context.Context, org, id string) (*OrgAuthToken, error) {
	var t OrgAuthToken
	if _, err := c.doObject(ctx, http.MethodGet, orgAuthTokensPath(org, id), nil, &t, "token", func() string { return t.ID }); err != nil {
		return nil, err
	}
	return &t, nil
}

// ListOrgAuthTokens returns the organization's tokens, most recently used
// first. Sentry sends them all in one answer.
func (c *Client) ListOrgAuthTokens(ctx context.Context, org string) ([]OrgAuthToken, error) {
	tokens := make([]OrgAuthToken, 0)
	if err := c.do(ctx, http.MethodGet, orgAuthTokensPath(org), nil, nil, &tokens); err != nil {
		return nil, err
	}
	return tokens, nil
}

// RenameOrgAuthToken changes a token's name.
func (c *Client) RenameOrgAuthToken(ctx context.Context, org, id, name string) error {
	return c.do(ctx, http.MethodPut, orgAuthTokensPath(org, id), nil, orgAuthTokenName{Name: name}, nil)
}

// DeleteOrgAuthToken revokes a token; a deleted or unknown one is a 404.
func (c *Client) DeleteOrgAuthToken(ctx context.Context, org, id string) error {
	return c.do(ctx, http.MethodDelete, orgAuthTokensPath(org, id), nil, nil, nil)
}
