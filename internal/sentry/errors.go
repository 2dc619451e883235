package sentry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// maxRawDetail bounds how much of a body that is not Sentry's JSON (a proxy's
// HTML page, say) ends up in an error message.
const maxRawDetail = 200

// redacted replaces the token wherever a server echoes it back.
const redacted = "[REDACTED]"

// APIError is Sentry's answer to a request that did not succeed (any status
// outside 2xx), after retries.
type APIError struct {
	// Method is the HTTP method, "GET", "POST"...
	Method string
	// Path is the request path relative to the API root, such as
	// "teams/acme/backend/": no host, no query.
	Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Detail is Sentry's "detail" message: a string as is, a list joined
	// with "; ", an object's "message". A 429's bare JSON string, and a
	// shortened copy of a body that is not JSON, also land here, as does a
	// SCIM error's scimType ("invalidFilter") when it has no detail.
	Detail string
	// Code is detail.code when Sentry sent detail as an object, such as
	// "sso-required" or "2fa-required".
	Code string
	// Fields holds field errors by field name, "non_field_errors" included.
	Fields map[string][]string
	// RequestID identifies the request to Sentry's support: the request id
	// header, else the "errorId" of a 500 body.
	RequestID string
	// MovedTo is the new slug Sentry names when it answers a write with a
	// redirect because the project was renamed (see [IsMoved]).
	MovedTo string
	// Location is where a redirect pointed, without host for Sentry's own
	// redirects.
	Location string
}

// Error renders the method, path, status and Sentry's messages in a stable
// order.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if msg := e.message(); msg != "" {
		b.WriteString(": " + msg)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// message is Sentry's own words for the error: Messages joined with "; ".
// It is what Error shows after the status.
func (e *APIError) message() string {
	return strings.Join(e.Messages(), "; ")
}

// Messages lists Sentry's messages as written: Detail first, then each
// field's errors as "field: messages", fields sorted by name.
// non_field_errors read as sentences of their own, and are left out when
// they only repeat Detail (Sentry's 409 on teams sends both).
func (e *APIError) Messages() []string {
	var parts []string
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	names := make([]string, 0, len(e.Fields))
	for name := range e.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		msgs := strings.Join(e.Fields[name], " ")
		if msgs == "" {
			continue
		}
		if name == "non_field_errors" {
			if strings.TrimSuffix(msgs, ".") != strings.TrimSuffix(e.Detail, ".") {
				parts = append(parts, msgs)
			}
			continue
		}
		parts = append(parts, name+": "+msgs)
	}
	return parts
}

// IsNotFound reports whether err is, or wraps, a 404 APIError.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is, or wraps, a 409 APIError.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsForbidden reports whether err is, or wraps, a 403 APIError.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

func hasStatus(err error, code int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == code
}

// Keys of Sentry's error bodies that describe the error rather than name a
// field: detail, a 500's errorId, and the SCIM error envelope.
var errorMetaKeys = map[string]bool{
	"detail":   true,
	"errorId":  true,
	"schemas":  true,
	"status":   true,
	"scimType": true,
}

// newAPIError reads Sentry's error body, whatever shape it has; token is
// masked out of everything kept.
func newAPIError(method, path string, resp *http.Response, body []byte, token string) *APIError {
	e := &APIError{
		Method:     method,
		Path:       path,
		StatusCode: resp.StatusCode,
		RequestID:  requestID(resp.Header),
	}
	if token != "" {
		// Masked in the raw body, before parsing or shortening, so that no
		// part of it survives in any field.
		body = bytes.ReplaceAll(body, []byte(token), []byte(redacted))
	}
	if isRedirect(resp.StatusCode) {
		// Only a write ends here with a redirect (reads follow it): its
		// body is Sentry's ProjectMoved, not an error to take apart.
		e.fillMoved(resp, body, token)
		return e
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return e
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	// Numbers stay as written ("errorId" may be numeric on some installs).
	dec.UseNumber()
	if !json.Valid(trimmed) || dec.Decode(&doc) != nil {
		e.Detail = rawDetail(trimmed)
		return e
	}
	e.fill(doc)
	return e
}

func (e *APIError) fill(doc any) {
	switch v := doc.(type) {
	case string:
		// A 429 body is a bare JSON string.
		e.Detail = v
	case []any:
		e.Detail = strings.Join(stringList(v), "; ")
	case map[string]any:
		if detail, ok := v["detail"]; ok {
			e.fillDetail(detail)
		}
		if scimType, ok := v["scimType"].(string); ok && e.Detail == "" {
			// Sentry's SCIM filter errors say only this.
			e.Detail = scimType
		}
		if e.RequestID == "" {
			e.RequestID = stringify(v["errorId"])
		}
		for name, value := range v {
			if errorMetaKeys[name] {
				continue
			}
			if e.Fields == nil {
				e.Fields = make(map[string][]string)
			}
			e.Fields[name] = messages(value)
		}
	case nil:
	default:
		e.Detail = compactJSON(v)
	}
}

func (e *APIError) fillDetail(detail any) {
	switch d := detail.(type) {
	case string:
		e.Detail = d
	case []any:
		e.Detail = strings.Join(stringList(d), "; ")
	case map[string]any:
		if msg, ok := d["message"].(string); ok {
			e.Detail = msg
		}
		if code, ok := d["code"].(string); ok {
			e.Code = code
		}
		if e.Detail == "" && e.Code == "" {
			e.Detail = compactJSON(d)
		}
	case nil:
	default:
		e.Detail = compactJSON(d)
	}
}

// messages turns a field's errors into a list: Sentry sends a list of
// strings, sometimes a single string, and for nested serializers an object.
func messages(value any) []string {
	switch v := value.(type) {
	case []any:
		return stringList(v)
	case nil:
		return nil
	default:
		return []string{stringify(v)}
	}
}

func stringList(values []any) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if s := stringify(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func stringify(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case nil:
		return ""
	default:
		return compactJSON(s)
	}
}

func compactJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// htmlTitle finds the title of an HTML page.
var htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// rawDetail describes a body that is not JSON: an HTML error page (a proxy's,
// a load balancer's) by its title, anything else shortened.
func rawDetail(body []byte) string {
	if bytes.HasPrefix(body, []byte("<")) {
		if m := htmlTitle.FindSubmatch(body); m != nil {
			if title := strings.Join(strings.Fields(html.UnescapeString(string(m[1]))), " "); title != "" {
				return shorten(fmt.Sprintf("an HTML page titled %q", title))
			}
		}
	}
	return shorten(string(body))
}

// shorten collapses whitespace and cuts a raw body to maxRawDetail bytes on
// a character boundary, so an HTML error page stays a one-line hint.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxRawDetail {
		return s
	}
	cut := maxRawDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// requestID returns the id a Sentry install or the proxy in front of it gave
// the request, if any.
func requestID(h http.Header) string {
	for _, name := range []string{"X-Request-Id", "X-Sentry-Request-Id", "Sentry-Request-Id"} {
		if id := strings.TrimSpace(h.Get(name)); id != "" {
			return id
		}
	}
	return ""
}
