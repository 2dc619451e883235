package sentry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// errorFor has a test server answer GET teams/acme/backend/ with status,
// body and headers, and returns the client's error as an *APIError.
func errorFor(t *testing.T, status int, body string, header map[string]string) *APIError {
	t.Helper()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}), func(cfg *Config) { cfg.MaxRetries = -1 })

	_, err := c.GetTeam(context.Background(), "acme", "backend")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("GetTeam error = %v (%T), want *APIError", err, err)
	}
	return apiErr
}

func TestAPIErrorParsing(t *testing.T) {
	t.Parallel()
	longHTML := "<html>\n  <head><title>502 Bad Gateway</title></head>\n<body>" + strings.Repeat("nginx gateway error ", 40) + "</body></html>"

	tests := []struct {
		name   string
		status int
		body   string
		header map[string]string
		want   APIError
		text   string
	}{
		{
			name:   "detail string",
			status: 404,
			body:   `{"detail": "The requested resource does not exist"}`,
			want:   APIError{Detail: "The requested resource does not exist"},
			text:   "GET teams/acme/backend/: 404 Not Found: The requested resource does not exist",
		},
		{
			name:   "detail list",
			status: 400,
			body:   `{"detail": ["The name cannot be blank.", "Try again."]}`,
			want:   APIError{Detail: "The name cannot be blank.; Try again."},
		},
		{
			name:   "detail object with code",
			status: 401,
			body:   `{"detail": {"code": "sso-required", "message": "Must login via SSO", "extra": {"loginUrl": "https://sentry.io/auth/login/acme/"}}}`,
			want:   APIError{Detail: "Must login via SSO", Code: "sso-required"},
		},
		{
			name:   "field errors",
			status: 400,
			body:   `{"slug": ["The slug \"x\" is already in use."]}`,
			want:   APIError{Fields: map[string][]string{"slug": {`The slug "x" is already in use.`}}},
			text:   `GET teams/acme/backend/: 400 Bad Request: slug: The slug "x" is already in use.`,
		},
		{
			name:   "field error as a single string",
			status: 400,
			body:   `{"email": "Enter a valid email address."}`,
			want:   APIError{Fields: map[string][]string{"email": {"Enter a valid email address."}}},
		},
		{
			name:   "fields sorted",
			status: 400,
			body:   `{"teamRoles": ["Invalid teams"], "email": ["The user x has already been invited"], "orgRole": ["You do not have permission to set that org-level role"]}`,
			want: APIError{Fields: map[string][]string{
				"teamRoles": {"Invalid teams"},
				"email":     {"The user x has already been invited"},
				"orgRole":   {"You do not have permission to set that org-level role"},
			}},
			text: "GET teams/acme/backend/: 400 Bad Request: email: The user x has already been invited; " +
				"orgRole: You do not have permission to set that org-level role; teamRoles: Invalid teams",
		},
		{
			name:   "non_field_errors",
			status: 400,
			body:   `{"non_field_errors": ["Name or slug is required"]}`,
			want:   APIError{Fields: map[string][]string{"non_field_errors": {"Name or slug is required"}}},
			text:   "GET teams/acme/backend/: 400 Bad Request: Name or slug is required",
		},
		{
			name:   "conflict with detail and non_field_errors",
			status: 409,
			body:   `{"non_field_errors": ["A team with this slug already exists."], "detail": "A team with this slug already exists."}`,
			want: APIError{
				Detail: "A team with this slug already exists.",
				Fields: map[string][]string{"non_field_errors": {"A team with this slug already exists."}},
			},
			text: "GET teams/acme/backend/: 409 Conflict: A team with this slug already exists.",
		},
		{
			name:   "429 bare string",
			status: 429,
			body:   `"You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"`,
			want:   APIError{Detail: "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"},
		},
		{
			name:   "500 with error id and request id header",
			status: 500,
			body:   `{"detail": "Internal Error", "errorId": "5f0c0e"}`,
			header: map[string]string{"X-Request-Id": "req-1"},
			want:   APIError{Detail: "Internal Error", RequestID: "req-1"},
			text:   "GET teams/acme/backend/: 500 Internal Server Error: Internal Error (request id req-1)",
		},
		{
			name:   "500 error id without header",
			status: 500,
			body:   `{"detail": "Internal Error", "errorId": "5f0c0e"}`,
			want:   APIError{Detail: "Internal Error", RequestID: "5f0c0e"},
		},
		{
			name:   "SCIM envelope",
			status: 400,
			body:   `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "scimType": "invalidFilter", "detail": "Invalid filter"}`,
			want:   APIError{Detail: "Invalid filter"},
		},
		{
			name:   "empty body",
			status: 502,
			body:   "",
			want:   APIError{},
			text:   "GET teams/acme/backend/: 502 Bad Gateway",
		},
		{
			name:   "malformed JSON",
			status: 400,
			body:   `{"detail": "unterminated`,
			want:   APIError{Detail: `{"detail": "unterminated`},
		},
		{
			name:   "JSON followed by garbage",
			status: 400,
			body:   `{"detail": "x"} trailing`,
			want:   APIError{Detail: `{"detail": "x"} trailing`},
		},
		{
			name:   "unknown status",
			status: 599,
			body:   `{"detail": "odd"}`,
			want:   APIError{Detail: "odd"},
			text:   "GET teams/acme/backend/: 599: odd",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := errorFor(t, tt.status, tt.body, tt.header)
			tt.want.Method = http.MethodGet
			tt.want.Path = "teams/acme/backend/"
			tt.want.StatusCode = tt.status
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", *got, tt.want)
			}
			if tt.text != "" && got.Error() != tt.text {
				t.Errorf("Error() = %q\nwant      %q", got.Error(), tt.text)
			}
		})
	}

	t.Run("HTML page is named by its title", func(t *testing.T) {
		t.Parallel()
		got := errorFor(t, http.StatusBadGateway, longHTML, nil)
		if got.Detail != `an HTML page titled "502 Bad Gateway"` {
			t.Errorf("Detail = %q", got.Detail)
		}
	})

	t.Run("other raw body is shortened", func(t *testing.T) {
		t.Parallel()
		got := errorFor(t, http.StatusBadGateway, "upstream\n"+strings.Repeat("connect error ", 40), nil)
		if !strings.HasPrefix(got.Detail, "upstream connect error") {
			t.Errorf("Detail = %q", got.Detail)
		}
		if len(got.Detail) > maxRawDetail+3 || !strings.HasSuffix(got.Detail, "...") {
			t.Errorf("Detail is %d bytes, want at most %d ending in ...: %q", len(got.Detail), maxRawDetail+3, got.Detail)
		}
		if strings.Contains(got.Detail, "\n") {
			t.Errorf("Detail keeps newlines: %q", got.Detail)
		}
	})
}

func TestAPIErrorUpdateTeamText(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(t, w, http.StatusBadRequest, map[string]any{"slug": []string{`The slug "x" is already in use.`}})
	}))
	slug := "x"
	_, err := c.UpdateTeam(context.Background(), "acme", "backend", UpdateTeamRequest{Slug: &slug})
	want := `PUT teams/acme/backend/: 400 Bad Request: slug: The slug "x" is already in use.`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestAPIErrorNeverShowsToken(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`{"detail": "Invalid token ` + testToken + `"}`,
		`{"token": ["` + testToken + ` is not allowed"]}`,
		`"` + testToken + `"`,
		"<html>" + strings.Repeat("x", 190) + testToken + "</html>",
		"not json " + testToken,
	}
	for _, body := range bodies {
		got := errorFor(t, http.StatusUnauthorized, body, nil)
		if strings.Contains(got.Error(), testToken) || strings.Contains(got.Error(), testToken[:20]) {
			t.Errorf("Error() shows the token: %q", got.Error())
		}
		if !hasStatus(got, http.StatusUnauthorized) {
			t.Errorf("%v is not a 401", got)
		}
	}
}

func TestIsHelpers(t *testing.T) {
	t.Parallel()
	checks := map[string]func(error) bool{
		"IsNotFound":  IsNotFound,
		"IsConflict":  IsConflict,
		"IsForbidden": IsForbidden,
	}
	statusOf := map[string]int{
		"IsNotFound":  404,
		"IsConflict":  409,
		"IsForbidden": 403,
		"none":        429,
	}
	for name, check := range checks {
		for helper, status := range statusOf {
			err := &APIError{Method: "GET", Path: "teams/acme/x/", StatusCode: status}
			wrapped := fmt.Errorf("reading team: %w", err)
			want := helper == name
			if got := check(err); got != want {
				t.Errorf("%s(%d) = %v, want %v", name, status, got, want)
			}
			if got := check(wrapped); got != want {
				t.Errorf("%s(wrapped %d) = %v, want %v", name, status, got, want)
			}
		}
		if check(nil) || check(errors.New("404 not found")) {
			t.Errorf("%s is true for a non-APIError", name)
		}
	}
}
