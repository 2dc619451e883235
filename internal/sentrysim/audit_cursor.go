package sentrysim

import (
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// dtCursor is a Cursor of Sentry's DateTimePaginator: the value is a time
// in epoch milliseconds (an int, or a float when the client sent one).
type dtCursor struct {
	value      float64
	isFloat    bool
	offset     int64
	isPrev     bool
	hasResults bool
}

// String is Cursor.__str__.
func (c dtCursor) String() string {
	v := strconv.FormatInt(int64(c.value), 10)
	if c.isFloat {
		v = pythonFloatRepr(c.value)
	}
	prev := "0"
	if c.isPrev {
		prev = "1"
	}
	return v + ":" + strconv.FormatInt(c.offset, 10) + ":" + prev
}

// intCursor makes a cursor from a key, an int in Python.
func intCursor(v int64, offset int64, isPrev, has bool) dtCursor {
	return dtCursor{value: float64(v), offset: offset, isPrev: isPrev, hasResults: has}
}

// auditKey is DateTimePaginator.get_item_key for the "-datetime" order:
// epoch milliseconds as a float, rounded up going forward and down going
// back.
func auditKey(e *auditEntry, forPrev bool) float64 {
	t := e.dateCreated.UTC()
	f, _ := strconv.ParseFloat(strconv.FormatInt(t.Unix(), 10)+"."+leftPad6(t.Nanosecond()/1000), 64)
	f *= 1000
	if forPrev {
		return math.Floor(f)
	}
	return math.Ceil(f)
}

func leftPad6(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 6-len(s)) + s
}

// cursorTime is DateTimePaginator.value_from_cursor, to the microsecond.
func cursorTime(v float64) (time.Time, bool) {
	secs := v / 1000
	if math.IsNaN(secs) || math.IsInf(secs, 0) || secs < -62135596800 || secs > 253402300799 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(secs)
	us := math.RoundToEven(frac * 1e6)
	return time.Unix(int64(sec), int64(us)*1000).UTC(), true
}

// dateTimePaginate is Endpoint.paginate with Sentry's DateTimePaginator
// over the log's entries that keep accepts, newest first: keyset pages
// whose cursor holds a date and an offset among the rows at that date. log
// is in date order, oldest first. It returns the page and sets the Link
// header; on bad input it answers the request and returns false.
func dateTimePaginate(c *call, log []*auditEntry, keep func(*auditEntry) bool) ([]*auditEntry, bool) {
	limit, perr := readPerPage(c.r)
	if perr != nil {
		perr.write(c.w)
		return nil, false
	}
	rc, perr := readCursor(c.r)
	if perr != nil {
		perr.write(c.w)
		return nil, false
	}
	in := dtCursor{}
	if rc != nil {
		raw := c.r.URL.Query().Get("cursor")
		in = dtCursor{value: rc.value, isFloat: strings.Contains(strings.SplitN(raw, ":", 2)[0], "."), offset: rc.offset, isPrev: rc.isPrev}
	}
	limit = min(limit, maxPerPage)
	var at time.Time
	if in.value != 0 {
		var ok bool
		if at, ok = cursorTime(in.value); !ok {
			writeInternalError(c.w)
			return nil, false
		}
	}

	// BasePaginator.get_result: the rows from the offset on, one more than
	// the page, two going back from a date, so that the row at the cursor
	// can be dropped.
	extra := int64(1)
	if in.isPrev && in.value != 0 {
		extra++
	}
	stop := in.offset + limit + extra
	if in.offset < 0 || stop < 0 {
		// Django refuses negative slices; Sentry answers 500.
		writeInternalError(c.w)
		return nil, false
	}
	var results []*auditEntry
	skipped := int64(0)
	take := func(e *auditEntry) bool {
		if !keep(e) {
			return true
		}
		if skipped < in.offset {
			skipped++
			return true
		}
		results = append(results, e)
		return int64(len(results)) < stop-in.offset
	}
	// build_queryset: from the cursor's date on, descending going forward
	// and ascending going back.
	switch {
	case stop <= in.offset:
	case in.isPrev:
		lo := 0
		if in.value != 0 {
			lo = sort.Search(len(log), func(i int) bool { return !log[i].dateCreated.Before(at) })
		}
		for i := lo; i < len(log) && take(log[i]); i++ {
		}
	default:
		hi := len(log)
		if in.value != 0 {
			hi = sort.Search(len(log), func(i int) bool { return log[i].dateCreated.After(at) })
		}
		for i := hi - 1; i >= 0 && take(log[i]); i-- {
		}
	}

	if in.isPrev && in.value != 0 {
		if len(results) > 0 && auditKey(results[0], true) == in.value {
			results = results[1:]
		} else if int64(len(results)) == in.offset+limit+extra {
			// Sentry compares with the offset added, so this only trims
			// on the first page back.
			results = results[:len(results)-1]
		}
	}
	if in.isPrev {
		slices.Reverse(results)
	}

	page, prev, next := buildDateTimeCursors(in, results, limit)
	setDateTimeLinkHeader(c.w, c.r, prev, next)
	return page, true
}

// buildDateTimeCursors is sentry.utils.cursors.build_cursor for a
// descending key: the page to show and the cursors around it.
func buildDateTimeCursors(in dtCursor, results []*auditEntry, limit int64) (page []*auditEntry, prev, next dtCursor) {
	n := int64(len(results))

	// _build_next_values
	value, valueIsFloat := in.value, in.isFloat
	if value == 0 && n > 0 {
		value, valueIsFloat = auditKey(results[0], false), false
	}
	switch {
	case in.isPrev:
		next = dtCursor{value: value, isFloat: valueIsFloat, offset: 0, hasResults: true}
	case n == 0:
		next = dtCursor{value: value, isFloat: valueIsFloat, offset: in.offset}
	default:
		hasNext := n > limit
		nextValue := auditKey(results[n-1], false)
		if nextValue == value {
			next = intCursor(int64(nextValue), in.offset+limit, false, hasNext)
			break
		}
		offset := int64(0)
		i := n - 1
		if hasNext {
			i--
		}
		for ; i >= 0; i-- {
			// Descending: rows at or below the next value are skipped.
			if auditKey(results[i], false) <= nextValue {
				offset++
			} else {
				break
			}
		}
		next = intCursor(int64(nextValue), offset, false, hasNext)
	}

	// _build_prev_values
	var hasPrev bool
	if in.isPrev {
		hasPrev = n > limit
	} else {
		hasPrev = in.value != 0 || in.offset != 0
	}
	first := 0
	if in.isPrev && hasPrev {
		first = 1
	}
	prevValue := 0.0
	if n > 0 && first < int(n) {
		prevValue = auditKey(results[first], true)
	}
	prevOffset := int64(0)
	if in.isPrev {
		prevOffset = in.offset
	}
	switch {
	case !in.isPrev || n == 0:
	case prevValue == in.value:
		prevOffset = in.offset + limit
	default:
		prevOffset = 0
		i := 1
		if hasPrev {
			i = 2
		}
		for ; i < int(n); i++ {
			// The query going back is ascending: rows at or above the
			// previous value are skipped.
			if auditKey(results[i], true) >= prevValue {
				prevOffset++
			} else {
				break
			}
		}
	}
	prev = intCursor(int64(prevValue), prevOffset, true, hasPrev)

	switch {
	case in.isPrev && hasPrev:
		page = results[1:]
	case !in.isPrev:
		s, e := pythonSlice(len(results), 0, limit)
		page = results[s:e]
	default:
		page = results
	}
	return page, prev, next
}

// setDateTimeLinkHeader is Endpoint.add_cursor_headers for these cursors.
func setDateTimeLinkHeader(w http.ResponseWriter, r *http.Request, prev, next dtCursor) {
	link := func(rel string, c dtCursor) string {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		results := "false"
		if c.hasResults {
			results = "true"
		}
		cs := c.String()
		return "<" + scheme + "://" + r.Host + pythonQuote(r.URL.Path, "/") + "?" + queryWithout(r.URL.RawQuery, "cursor") +
			"&cursor=" + cs + `>; rel="` + rel + `"; results="` + results + `"; cursor="` + cs + `"`
	}
	w.Header().Set("Link", link("previous", prev)+", "+link("next", next))
}
