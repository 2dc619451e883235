package sentry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentry redirects one thing: a project path written with a slug the
// project had before a rename. ProjectEndpoint.convert_args finds the
// slug in ProjectRedirect and answers every method with 302, a Location
// of the same path under the new slug, and the body
// {"slug": new, "detail": {"extra": {"url": location, "slug": new}}}
// (ProjectMoved and handle_exception_with_details in
// src/sentry/api/bases/project.py).
//
// A read follows the redirect: the answer is the same project under its
// new slug, which is how a resource learns of the rename. A write does
// not: Go's client would repeat a POST, PUT or DELETE answered 301, 302 or
// 303 as a GET without its body, which reads instead of writing and
// reports success or a confusing 405. The client hands the redirect back
// as an [*APIError] that [IsMoved] recognises, and nothing is repeated.

// maxRedirects is how many redirects a read follows, as Go's default
// policy does.
const maxRedirects = 10

// followReadsOnly is the http.Client's CheckRedirect: it follows redirects
// of GET and HEAD (through next, the caller's own policy, when there is
// one) and hands back the redirect itself for every other method.
func followReadsOnly(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		// via[0] is the request the caller made; req is Go's follow-up,
		// already turned into a GET for a 301, 302 or 303.
		if m := via[0].Method; m != http.MethodGet && m != http.MethodHead {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
}

// IsMoved reports whether err is, or wraps, a redirect that the client did
// not follow: Sentry's answer to a write addressed to a project by a slug
// it no longer has (the project was renamed). [APIError.MovedTo] holds the
// new slug when Sentry named it. The request was not repeated, so nothing
// changed in Sentry; retrying the same request gets the same answer.
func IsMoved(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && isRedirect(apiErr.StatusCode)
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// fillMoved describes a redirect answer in e: the new slug and address
// from Sentry's ProjectMoved body (or the Location header), and a Detail
// that says what happened. body has the token masked already.
func (e *APIError) fillMoved(resp *http.Response, body []byte, token string) {
	var moved struct {
		Slug   string `json:"slug"`
		Detail struct {
			Extra struct {
				URL  string `json:"url"`
				Slug string `json:"slug"`
			} `json:"extra"`
		} `json:"detail"`
	}
	// Anything else (a proxy's HTML page) leaves the fields empty.
	_ = json.Unmarshal(bytes.TrimSpace(body), &moved)
	e.MovedTo = moved.Slug
	if e.MovedTo == "" {
		e.MovedTo = moved.Detail.Extra.Slug
	}
	e.Location = moved.Detail.Extra.URL
	if e.Location == "" {
		e.Location = resp.Header.Get("Location")
	}
	if token != "" {
		e.Location = strings.ReplaceAll(e.Location, token, redacted)
	}
	e.Location = shorten(e.Location)

	notRepeated := fmt.Sprintf("the %s was not repeated there, so nothing changed in Sentry", e.Method)
	switch {
	case e.MovedTo != "":
		e.Detail = fmt.Sprintf("Sentry answered that the object moved to the slug %q (the project was renamed); %s",
			e.MovedTo, notRepeated)
	case e.Location != "":
		e.Detail = fmt.Sprintf("Sentry answered with a redirect to %s; %s", e.Location, notRepeated)
	default:
		e.Detail = "Sentry answered with a redirect; " + notRepeated
	}
}
