package sentrysim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// Sentry's standard error details.
const (
	detailNotFound         = "The requested resource does not exist"
	detailForbidden        = "You do not have permission to perform this action."
	detailNotAuthenticated = "Authentication credentials were not provided."
	detailInvalidToken     = "Invalid token"
	detailInternal         = "Internal Error"
)

// field is one member of an ordered JSON object.
type field struct {
	key   string
	value any
}

// object is a JSON object that keeps its keys in the order given, as
// Python's dicts do, where a Go map would sort them.
type object []field

// MarshalJSON writes the fields in order.
func (o object) MarshalJSON() ([]byte, error) { return appendJSON(nil, o) }

// writeJSON sends v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONBody(w, status, func(b []byte) ([]byte, error) { return appendJSON(b, v) })
}

// writeJSONBody sends the JSON body that write appends to a buffer.
func writeJSONBody(w http.ResponseWriter, status int, write func(b []byte) ([]byte, error)) {
	buf, pooled := bodyBuffers.Get().(*[]byte)
	if !pooled {
		buf = new([]byte)
	}
	defer func() {
		// Very large bodies are not kept, so one huge answer does not pin
		// its memory.
		if cap(*buf) <= maxPooledBody {
			bodyBuffers.Put(buf)
		}
	}()
	body, err := write((*buf)[:0])
	if err != nil {
		// Only a bug in a handler gets here; answer as Sentry does when
		// it fails.
		status = http.StatusInternalServerError
		body, _ = appendJSON(nil, internalErrorBody())
	} else {
		*buf = body[:0]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// bodyBuffers reuses response buffers: a page of a hundred members is a few
// hundred kilobytes, and growing a new buffer to that size for every
// request costs more than writing it.
var bodyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 4096)
	return &b
}}

const maxPooledBody = 4 << 20

// writeDetail sends Sentry's `{"detail": "..."}` error body.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, object{{"detail", detail}})
}

// fieldErrors is a serializer's validation errors: field name to messages,
// in the order the fields were checked.
type fieldErrors object

// add appends a message to a field's list.
func (fe *fieldErrors) add(name string, messages ...string) {
	for i := range *fe {
		if (*fe)[i].key == name {
			// add is the only writer, so the value is always a []string.
			have, _ := (*fe)[i].value.([]string)
			(*fe)[i].value = append(have, messages...)
			return
		}
	}
	*fe = append(*fe, field{name, append([]string(nil), messages...)})
}

func (fe fieldErrors) empty() bool { return len(fe) == 0 }

// writeFieldErrors sends a 400 with the serializer's field errors, as
// `{"slug": ["..."], "non_field_errors": ["..."]}`.
func writeFieldErrors(w http.ResponseWriter, fe fieldErrors) {
	writeJSON(w, http.StatusBadRequest, object(fe))
}

// nonFieldErrors is the body of a serializer-level validation error.
func nonFieldErrors(messages ...string) fieldErrors {
	return fieldErrors{{"non_field_errors", messages}}
}

func internalErrorBody() object {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return object{{"detail", detailInternal}, {"errorId", hex.EncodeToString(b[:])}}
}

// writeInternalError is the 500 Sentry sends for an unhandled exception.
func writeInternalError(w http.ResponseWriter) {
	writeJSON(w, http.StatusInternalServerError, internalErrorBody())
}

// sentryTime formats a timestamp as Sentry's API does: UTC, milliseconds, Z.
func sentryTime(t time.Time) string {
	var b [24]byte
	return string(appendSentryTime(b[:0], t))
}

// appendSentryTime writes a timestamp as sentryTime formats it.
func appendSentryTime(dst []byte, t time.Time) []byte {
	// Written by hand: time.Format is a large share of a list page.
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	}
	var b [24]byte
	put := func(i, v, width int) {
		for j := i + width - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, year, 4)
	b[4] = '-'
	put(5, int(month), 2)
	b[7] = '-'
	put(8, day, 2)
	b[10] = 'T'
	put(11, hour, 2)
	b[13] = ':'
	put(14, minute, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, t.Nanosecond()/1e6, 3)
	b[23] = 'Z'
	return append(dst, b[:]...)
}
