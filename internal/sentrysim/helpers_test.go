package sentrysim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testNow is the test servers' clock, so dates in bodies are predictable.
var testNow = time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)

func newTestServer(t testing.TB) *Server {
	t.Helper()
	return New(Options{Organization: "acme", Now: func() time.Time { return testNow }})
}

// response is a recorded answer with its body decoded.
type response struct {
	status int
	header http.Header
	raw    string
	body   any
}

// send sends a request straight to the handler. body is sent as JSON
// unless it is a string, which is sent as is.
func send(t testing.TB, h http.Handler, method, path, token string, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	req := httptest.NewRequestWithContext(context.Background(), method, "http://example.com"+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v: %s", method, path, err, rec.Body.String())
		}
	}
	return res
}

// expect fails unless the response has the status and, when want is not
// nil, a body equal to want once both are JSON-normalised.
func (r response) expect(t testing.TB, status int, want any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	if want == nil {
		return
	}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var norm any
	if err := json.Unmarshal(b, &norm); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.body, norm) {
		t.Fatalf("body %s, want %s", r.raw, b)
	}
}

// obj is the body as a JSON object.
func (r response) obj(t testing.TB) map[string]any {
	t.Helper()
	m, ok := r.body.(map[string]any)
	if !ok {
		t.Fatalf("body is not an object: %s", r.raw)
	}
	return m
}

// list is the body as a JSON array of objects.
func (r response) list(t testing.TB) []map[string]any {
	t.Helper()
	arr, ok := r.body.([]any)
	if !ok {
		t.Fatalf("body is not an array: %s", r.raw)
	}
	out := make([]map[string]any, len(arr))
	for i, v := range arr {
		out[i] = jsonAs[map[string]any](t, v)
	}
	return out
}

// jsonAs is v, a decoded JSON value or audit data, as a T; the test fails
// when it holds something else.
func jsonAs[T any](t testing.TB, v any) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%#v is a %T, want a %T", v, v, x)
	}
	return x
}

// jsonField is an object's field as a T; the test fails when the field is
// missing or holds something else.
func jsonField[T any](t testing.TB, obj map[string]any, key string) T {
	t.Helper()
	x, ok := obj[key].(T)
	if !ok {
		t.Fatalf("field %q is %#v, want a %T", key, obj[key], x)
	}
	return x
}

func detail(s string) map[string]any { return map[string]any{"detail": s} }

// mustCreateTeam creates a team and returns its body.
func mustCreateTeam(t testing.TB, s *Server, org, token string, body map[string]any) map[string]any {
	t.Helper()
	res := send(t, s, http.MethodPost, "/api/0/organizations/"+org+"/teams/", token, body)
	res.expect(t, http.StatusCreated, nil)
	return res.obj(t)
}

func teamPath(org, team string) string { return fmt.Sprintf("/api/0/teams/%s/%s/", org, team) }
