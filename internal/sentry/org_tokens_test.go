package sentry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// mintedSecret stands for a token value Sentry returns; no test output may
// show it.
const mintedSecret = "sntrys_eyJpYXQiOjE3MDAwMDAwMDB9_minted-secret"

const orgTokenJSON = `{
	"id": "77",
	"name": "CI deploys",
	"scopes": ["org:ci"],
	"tokenLastCharacters": "cret",
	"dateCreated": "2024-03-01T12:30:45.123Z",
	"dateLastUsed": null,
	"projectLastUsedId": null,
	"token": "` + mintedSecret + `"
}`

func TestCreateOrgAuthToken(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusCreated, orgTokenJSON)
	tok, err := c.CreateOrgAuthToken(context.Background(), "acme", "CI deploys")
	if err != nil {
		t.Fatalf("CreateOrgAuthToken: %v", err)
	}
	want := time.Date(2024, 3, 1, 12, 30, 45, 123000000, time.UTC)
	if tok.ID != "77" || tok.Name != "CI deploys" || len(tok.Scopes) != 1 || tok.Scopes[0] != "org:ci" ||
		tok.TokenLastCharacters != "cret" || !tok.DateCreated.Equal(want) || tok.DateLastUsed != nil ||
		tok.ProjectLastUsedID != nil || tok.Token != mintedSecret {
		t.Errorf("token fields wrong: %v", tok)
	}
	checkRequest(t, *reqs, "POST", "/api/0/organizations/acme/org-auth-tokens/", map[string]any{"name": "CI deploys"})
}

func TestCreateOrgAuthTokenNotRetried(t *testing.T) {
	t.Parallel()
	for name, first := range map[string]func(http.ResponseWriter, *http.Request){
		"502":                status(http.StatusBadGateway, ""),
		"504":                status(http.StatusGatewayTimeout, ""),
		"dropped connection": dropConnection(t),
	} {
		seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){first, status(http.StatusCreated, orgTokenJSON)}}
		c := newTestClient(t, seq)
		if _, err := c.CreateOrgAuthToken(context.Background(), "acme", "ci"); err == nil {
			t.Errorf("%s: a second token was minted", name)
		}
		if seq.hits.Load() != 1 {
			t.Errorf("%s: POST sent %d times, want once", name, seq.hits.Load())
		}
	}
}

func TestCreateOrgAuthTokenRetriedOn429(t *testing.T) {
	t.Parallel()
	// Sentry's rate limiter answers before the endpoint runs.
	seq := &sequence{answers: []func(http.ResponseWriter, *http.Request){status(http.StatusTooManyRequests, `"slow down"`), status(http.StatusCreated, orgTokenJSON)}}
	c := newTestClient(t, seq)
	if _, err := c.CreateOrgAuthToken(context.Background(), "acme", "ci"); err != nil {
		t.Fatalf("CreateOrgAuthToken: %v", err)
	}
	if seq.hits.Load() != 2 {
		t.Errorf("%d requests, want 2", seq.hits.Load())
	}
}

func TestCreateOrgAuthTokenBlankName(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusBadRequest, `{"detail": ["The name cannot be blank."]}`)
	_, err := c.CreateOrgAuthToken(context.Background(), "acme", "")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || apiErr.Detail != "The name cannot be blank." {
		t.Errorf("err = %v", err)
	}
}

func TestOrgAuthTokenSecretStaysOut(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)

	// An answer the client cannot decode: the error must not quote it.
	c, _ := recordingServer(t, http.StatusCreated, `{"id": 77, "token": "`+mintedSecret+`"}`)
	_, err := c.CreateOrgAuthToken(ctx, "acme", "ci")
	if err == nil {
		t.Fatal("a malformed answer decoded")
	}
	if strings.Contains(err.Error(), mintedSecret) {
		t.Error("the decode error quotes the token")
	}

	ok, _ := recordingServer(t, http.StatusCreated, orgTokenJSON)
	tok, err := ok.CreateOrgAuthToken(ctx, "acme", "ci")
	if err != nil {
		t.Fatal(err)
	}
	printed := fmt.Sprintf("%v %+v %#v %s %v", tok, tok, tok, tok, *tok)
	if strings.Contains(printed, mintedSecret) || strings.Contains(printed, "minted") {
		t.Error("printing the token shows the secret")
	} else if !strings.Contains(printed, "CI deploys") || !strings.Contains(printed, redacted) {
		t.Errorf("printed form %s", printed)
	}
	if logs.Len() == 0 {
		t.Error("nothing was logged")
	}
	if strings.Contains(logs.String(), mintedSecret) {
		t.Error("the logs contain the token")
	}
	raw, err := json.Marshal(tok)
	if err != nil || !strings.Contains(string(raw), mintedSecret) {
		t.Error("the JSON form lost the token, which callers store")
	}
}

func TestGetOrgAuthToken(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, `{"id": "77", "name": "ci", "scopes": ["org:ci"], "tokenLastCharacters": "ab12",
		"dateCreated": "2024-03-01T12:30:45.123Z", "dateLastUsed": "2024-04-02T08:00:00.000Z", "projectLastUsedId": "4505"}`)
	tok, err := c.GetOrgAuthToken(context.Background(), "acme", "77")
	if err != nil {
		t.Fatalf("GetOrgAuthToken: %v", err)
	}
	if tok.DateLastUsed == nil || !tok.DateLastUsed.Equal(time.Date(2024, 4, 2, 8, 0, 0, 0, time.UTC)) ||
		tok.ProjectLastUsedID == nil || *tok.ProjectLastUsedID != "4505" || tok.Token != "" {
		t.Errorf("token = %v", tok)
	}
	checkRequest(t, *reqs, "GET", "/api/0/organizations/acme/org-auth-tokens/77/", nil)
}

func TestGetOrgAuthTokenDeleted(t *testing.T) {
	t.Parallel()
	c, _ := recordingServer(t, http.StatusNotFound, `{"detail": "The requested resource does not exist"}`)
	if _, err := c.GetOrgAuthToken(context.Background(), "acme", "77"); !IsNotFound(err) {
		t.Errorf("err = %v, want a 404", err)
	}
}

func TestListOrgAuthTokens(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusOK, `[{"id": "2", "name": "b", "scopes": ["org:ci"]}, {"id": "1", "name": "a", "scopes": ["org:ci"]}]`)
	tokens, err := c.ListOrgAuthTokens(context.Background(), "acme")
	if err != nil {
		t.Fatalf("ListOrgAuthTokens: %v", err)
	}
	if len(tokens) != 2 || tokens[0].ID != "2" || tokens[1].Name != "a" {
		t.Errorf("tokens = %v", tokens)
	}
	// One request, no pagination parameters: Sentry sends the whole list.
	checkRequest(t, *reqs, "GET", "/api/0/organizations/acme/org-auth-tokens/", nil)

	empty, _ := recordingServer(t, http.StatusOK, `[]`)
	none, err := empty.ListOrgAuthTokens(context.Background(), "acme")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("empty list = %v, %v", none, err)
	}
}

func TestRenameOrgAuthToken(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusNoContent, "")
	if err := c.RenameOrgAuthToken(context.Background(), "acme", "77", "renamed"); err != nil {
		t.Fatalf("RenameOrgAuthToken: %v", err)
	}
	checkRequest(t, *reqs, "PUT", "/api/0/organizations/acme/org-auth-tokens/77/", map[string]any{"name": "renamed"})

	bad, _ := recordingServer(t, http.StatusBadRequest, `{"detail": "The name cannot be blank."}`)
	var apiErr *APIError
	if err := bad.RenameOrgAuthToken(context.Background(), "acme", "77", ""); !errors.As(err, &apiErr) || apiErr.Detail != "The name cannot be blank." {
		t.Errorf("err = %v", err)
	}
}

func TestDeleteOrgAuthToken(t *testing.T) {
	t.Parallel()
	c, reqs := recordingServer(t, http.StatusNoContent, "")
	if err := c.DeleteOrgAuthToken(context.Background(), "acme", "77"); err != nil {
		t.Fatalf("DeleteOrgAuthToken: %v", err)
	}
	checkRequest(t, *reqs, "DELETE", "/api/0/organizations/acme/org-auth-tokens/77/", nil)

	gone, _ := recordingServer(t, http.StatusNotFound, `{"detail": "The requested resource does not exist"}`)
	if err := gone.DeleteOrgAuthToken(context.Background(), "acme", "77"); !IsNotFound(err) {
		t.Errorf("err = %v, want a 404", err)
	}
}
