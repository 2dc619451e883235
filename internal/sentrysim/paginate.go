package sentrysim

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Sentry's page size: the default, and the most a page may ask for.
const (
	defaultPerPage = 100
	maxPerPage     = 100
)

// cursor is a pagination cursor as Sentry writes it, "value:offset:is_prev".
// For offset pages the value is the page size and the offset the page
// number.
type cursor struct {
	value      int64
	offset     int64
	isPrev     bool
	hasResults bool
}

// String is Cursor.__str__.
func (c cursor) String() string {
	prev := "0"
	if c.isPrev {
		prev = "1"
	}
	return strconv.FormatInt(c.value, 10) + ":" + strconv.FormatInt(c.offset, 10) + ":" + prev
}

// requestCursor is a cursor as a client sent it. Sentry reads the value as
// a float when it has a dot, else as an integer.
type requestCursor struct {
	value  float64
	offset int64
	isPrev bool
}

// pageError is bad pagination input: 400 with a detail, or the 500 Sentry
// gives when the input reaches the database as a negative slice.
type pageError struct {
	status int
	detail string
}

func (e *pageError) write(w http.ResponseWriter) {
	if e.status == http.StatusInternalServerError {
		writeInternalError(w)
		return
	}
	writeDetail(w, e.status, e.detail)
}

// readPerPage is Endpoint.get_per_page.
func readPerPage(r *http.Request) (int64, *pageError) {
	values, present := r.URL.Query()["per_page"]
	if !present {
		return defaultPerPage, nil
	}
	n, ok := pythonInt(values[0])
	if !ok {
		return 0, &pageError{http.StatusBadRequest, "Invalid per_page parameter."}
	}
	if n > maxPerPage {
		return 0, &pageError{http.StatusBadRequest, "Invalid per_page value. Cannot exceed " + strconv.Itoa(maxPerPage) + "."}
	}
	return n, nil
}

// readCursor is Endpoint.get_cursor_from_request: no cursor, or an empty
// one, is the first page.
func readCursor(r *http.Request) (*requestCursor, *pageError) {
	raw := r.URL.Query().Get("cursor")
	if raw == "" {
		return nil, nil
	}
	invalid := &pageError{http.StatusBadRequest, "Invalid cursor parameter."}
	bits := strings.Split(raw, ":")
	if len(bits) != 3 {
		return nil, invalid
	}
	var c requestCursor
	if strings.Contains(bits[0], ".") {
		v, err := strconv.ParseFloat(strings.TrimSpace(bits[0]), 64)
		if err != nil {
			return nil, invalid
		}
		c.value = v
	} else {
		v, ok := pythonInt(bits[0])
		if !ok {
			return nil, invalid
		}
		c.value = float64(v)
	}
	offset, ok := pythonInt(bits[1])
	if !ok {
		return nil, invalid
	}
	prev, ok := pythonInt(bits[2])
	if !ok {
		return nil, invalid
	}
	c.offset, c.isPrev = offset, prev != 0
	return &c, nil
}

// offsetPage is OffsetPaginator.get_result over a list of total items: the
// bounds of the page within the list, and the cursors around it. Its
// arithmetic is Sentry's, quirks included: a cursor whose value is not the
// page size reads a window of the cursor's size and keeps its last rows.
func offsetPage(total int, limit int64, in *requestCursor) (lo, hi int, prev, next cursor, perr *pageError) {
	if in == nil {
		in = &requestCursor{}
	}
	limit = min(limit, maxPerPage)
	page := in.offset
	offset, stop, perr := offsetWindow(limit, in)
	if perr != nil {
		return 0, 0, cursor{}, cursor{}, perr
	}
	start, end := clampIndex(offset, total), clampIndex(stop, total)
	if end < start {
		end = start
	}
	if in.value != float64(limit) {
		// results[-(limit + 1):]
		s, _ := pythonSlice(end-start, -(limit + 1), math.MaxInt64)
		start += s
	}
	next = cursor{value: limit, offset: page + 1, hasResults: int64(end-start) > limit}
	prev = cursor{value: limit, offset: page - 1, isPrev: true, hasResults: page > 0}
	// results[:limit]
	_, e := pythonSlice(end-start, 0, limit)
	return start, start + e, prev, next, nil
}

// offsetWindow is the queryset slice OffsetPaginator.get_result asks for,
// [offset:stop] before Django truncates the bounds to integers, or the
// error Sentry answers a negative one with. limit is the page size.
func offsetWindow(limit int64, in *requestCursor) (offset, stop float64, perr *pageError) {
	offset = float64(in.offset) * in.value
	step := in.value
	if step == 0 {
		step = float64(limit)
	}
	stop = offset + step + 1
	if offset < 0 {
		return 0, 0, &pageError{http.StatusBadRequest, "Pagination offset cannot be negative"}
	}
	// The queryset slice: Django truncates the bounds to integers and
	// refuses negative ones.
	if stop < 0 {
		return 0, 0, &pageError{status: http.StatusInternalServerError}
	}
	return offset, stop, nil
}

// clampIndex truncates a slice bound as Python's int() does and keeps it
// within the list.
func clampIndex(f float64, total int) int {
	if f >= float64(total) {
		return total
	}
	return int(f)
}

// paginate is Sentry's Endpoint.paginate with the OffsetPaginator, over a
// list already filtered and ordered: it returns the requested page and sets
// the Link header. On bad input it answers the request and returns false.
func paginate[T any](c *call, items []T) ([]T, bool) {
	perPage, in, ok := readPageRequest(c)
	if !ok {
		return nil, false
	}
	lo, hi, prev, next, perr := offsetPage(len(items), perPage, in)
	if perr != nil {
		perr.write(c.w)
		return nil, false
	}
	setLinkHeader(c.w, c.r, prev, next)
	return items[lo:hi], true
}

// readPageRequest reads per_page and the cursor; on bad input it answers
// the request and returns false.
func readPageRequest(c *call) (int64, *requestCursor, bool) {
	perPage, perr := readPerPage(c.r)
	if perr != nil {
		perr.write(c.w)
		return 0, nil, false
	}
	in, perr := readCursor(c.r)
	if perr != nil {
		perr.write(c.w)
		return 0, nil, false
	}
	return perPage, in, true
}

// paginateMatching is paginate over the items that keep accepts, in their
// order, without building that list: the page is the same, and so is the
// Link header. It counts matches only as far as the page reaches, since
// the page and its cursors depend on the length of the list only up to
// there, so the first pages of a long list cost little; a deep page costs
// one cheap pass over the items before it.
func paginateMatching[T any](c *call, items []T, keep func(T) bool) ([]T, bool) {
	perPage, in, ok := readPageRequest(c)
	if !ok {
		return nil, false
	}
	req := in
	if req == nil {
		req = &requestCursor{}
	}
	offset, stop, perr := offsetWindow(min(perPage, maxPerPage), req)
	if perr != nil {
		perr.write(c.w)
		return nil, false
	}
	// Where the window starts and ends among the matches, were there
	// len(items) of them: offsetPage clamps both bounds to the length of
	// the list, so counting matches up to the end of the window gives it
	// the answer the whole count would. first is where the window's first
	// match is among the items.
	from, reach := clampIndex(offset, len(items)), clampIndex(max(offset, stop), len(items))
	count, first := 0, len(items)
	for i, it := range items {
		if count == reach {
			break
		}
		if keep(it) {
			if count == from {
				first = i
			}
			count++
		}
	}
	lo, hi, prev, next, perr := offsetPage(count, perPage, in)
	if perr != nil {
		perr.write(c.w)
		return nil, false
	}
	setLinkHeader(c.w, c.r, prev, next)
	if lo >= hi {
		return nil, true
	}
	// Matches from lo up to hi; the window's first match is number from.
	page := make([]T, 0, hi-lo)
	n := from
	for _, it := range items[first:] {
		if n == hi {
			break
		}
		if keep(it) {
			if n >= lo {
				page = append(page, it)
			}
			n++
		}
	}
	return page, true
}

// setLinkHeader is Endpoint.add_cursor_headers.
func setLinkHeader(w http.ResponseWriter, r *http.Request, prev, next cursor) {
	w.Header().Set("Link", cursorLink(r, "previous", prev)+", "+cursorLink(r, "next", next))
}

// cursorLink is Endpoint.build_cursor_link: the request's URL without its
// cursor, query parameters in the order Django keeps them, then the new
// cursor.
func cursorLink(r *http.Request, rel string, c cursor) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + pythonQuote(r.URL.Path, "/") + "?" + queryWithout(r.URL.RawQuery, "cursor")
	results := "false"
	if c.hasResults {
		results = "true"
	}
	cs := c.String()
	return "<" + base + "&cursor=" + cs + `>; rel="` + rel + `"; results="` + results + `"; cursor="` + cs + `"`
}

// queryWithout re-encodes a query string as Django's QueryDict.urlencode
// does, leaving out one parameter: values grouped under their key, keys in
// the order they first appeared.
func queryWithout(raw, drop string) string {
	var keys []string
	values := make(map[string][]string)
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = pythonUnquotePlus(k), pythonUnquotePlus(v)
		if k == drop {
			continue
		}
		if _, seen := values[k]; !seen {
			keys = append(keys, k)
		}
		values[k] = append(values[k], v)
	}
	var b strings.Builder
	for _, k := range keys {
		for _, v := range values[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(pythonQuotePlus(k))
			b.WriteByte('=')
			b.WriteString(pythonQuotePlus(v))
		}
	}
	return b.String()
}
