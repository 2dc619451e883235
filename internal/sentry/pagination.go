package sentry

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	// pageSize is Sentry's largest page; anything above is a 400.
	pageSize = 100
	// defaultMaxPages bounds every list: 1,000,000 objects at 100 a page,
	// far more than any organization has. A list that goes on longer is a
	// server sending cursors that never end.
	defaultMaxPages = 10_000
)

// paginate walks a list endpoint whose pages are JSON arrays of T, one page
// at a time, following Sentry's Link-header cursors. Stopping the loop early
// stops the requests too. An error is yielded once, last.
func paginate[T any](ctx context.Context, c *Client, path string, query url.Values) iter.Seq2[T, error] {
	return paginatePages(ctx, c, path, query, func(page []T) []T { return page })
}

// paginatePages is paginate for endpoints whose page is an object around the
// items (the audit log's {"rows": [...]}): items picks them out of a page.
func paginatePages[P, T any](ctx context.Context, c *Client, path string, query url.Values, items func(P) []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q := url.Values{}
		for k, v := range query {
			q[k] = append([]string(nil), v...)
		}
		if q.Get("per_page") == "" {
			q.Set("per_page", strconv.Itoa(pageSize))
		}
		seen := make(map[string]bool)
		if cursor := q.Get("cursor"); cursor != "" {
			seen[cursor] = true
		}

		for pages := 1; ; pages++ {
			var (
				page   P
				header http.Header
			)
			if err := c.do(ctx, http.MethodGet, path, q, nil, &page, responseHeader(&header)); err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items(page) {
				if !yield(item, nil) {
					return
				}
			}

			cursor, ok := nextCursor(header)
			if !ok {
				return
			}
			if seen[cursor] {
				yield(zero, fmt.Errorf("GET %s: Sentry sent the next-page cursor %q a second time; stopped paging to avoid an endless loop", path, cursor))
				return
			}
			if pages >= c.maxPages {
				yield(zero, endlessListError(path, pages))
				return
			}
			seen[cursor] = true
			// Only the cursor is taken from the Link URL: its host is
			// Sentry's idea of itself, which a proxy in between may not
			// share.
			q.Set("cursor", cursor)
		}
	}
}

// endlessListError is the error of a list stopped at the page bound.
func endlessListError(path string, pages int) error {
	return fmt.Errorf("GET %s: the list did not end after %d pages and was stopped; Sentry kept announcing another page", path, pages)
}

// listAll reads every page of a list endpoint whose pages are JSON arrays.
func listAll[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	return collect(paginate[T](ctx, c, path, query))
}

// collect gathers a paginated sequence, stopping at the first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	out := make([]T, 0)
	for item, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, nil
}

// nextCursor finds the rel="next" entry of the Link header and returns its
// cursor while Sentry says results="true" behind it.
func nextCursor(h http.Header) (string, bool) {
	for _, link := range parseLinkHeader(h.Values("Link")) {
		if !hasToken(link.params["rel"], "next") {
			continue
		}
		if link.params["results"] != "true" {
			return "", false
		}
		cursor := link.params["cursor"]
		if cursor == "" {
			if u, err := url.Parse(link.target); err == nil {
				cursor = u.Query().Get("cursor")
			}
		}
		return cursor, cursor != ""
	}
	return "", false
}

func hasToken(list, token string) bool {
	for _, t := range strings.Fields(list) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

type link struct {
	target string
	params map[string]string
}

// parseLinkHeader reads RFC 8288 Link values as Sentry writes them:
// `<url>; rel="next"; results="true"; cursor="100:1:0", <url>; ...`.
// Commas and semicolons are only separators outside <> and quotes, and
// parameter names are case-insensitive.
func parseLinkHeader(values []string) []link {
	var links []link
	for _, v := range values {
		for {
			v = strings.TrimLeft(v, " \t,")
			if v == "" || v[0] != '<' {
				break
			}
			end := strings.IndexByte(v, '>')
			if end < 0 {
				break
			}
			l := link{target: v[1:end], params: make(map[string]string)}
			v = parseLinkParams(v[end+1:], l.params)
			links = append(links, l)
		}
	}
	return links
}

// parseLinkParams reads `; name="value"` pairs into params and returns what
// follows them: the rest of the header, from the comma before the next link.
func parseLinkParams(v string, params map[string]string) string {
	for {
		v = strings.TrimLeft(v, " \t")
		if v == "" || v[0] == ',' {
			return v
		}
		if v[0] != ';' {
			// Not a parameter: skip to the next link.
			if i := strings.IndexByte(v, ','); i >= 0 {
				return v[i:]
			}
			return ""
		}
		v = strings.TrimLeft(v[1:], " \t")

		nameEnd := strings.IndexAny(v, "=;,")
		if nameEnd < 0 {
			nameEnd = len(v)
		}
		name := strings.ToLower(strings.TrimSpace(v[:nameEnd]))
		v = v[nameEnd:]

		var value string
		if v != "" && v[0] == '=' {
			v = strings.TrimLeft(v[1:], " \t")
			if v != "" && v[0] == '"' {
				value, v = readQuoted(v)
			} else {
				valueEnd := strings.IndexAny(v, ";,")
				if valueEnd < 0 {
					valueEnd = len(v)
				}
				value = strings.TrimSpace(v[:valueEnd])
				v = v[valueEnd:]
			}
		}
		if name != "" {
			params[name] = value
		}
	}
}

// readQuoted reads a quoted string, with backslash escapes, from the start
// of v and returns its value and what follows the closing quote.
func readQuoted(v string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			}
		case '"':
			return b.String(), v[i+1:]
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String(), ""
}
