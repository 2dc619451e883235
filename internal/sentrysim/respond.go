package sentrysim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
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
	body, err := appendJSON(make([]byte, 0, 512), v)
	if err != nil {
		// Only a bug in a handler gets here; answer as Sentry does when
		// it fails.
		status = http.StatusInternalServerError
		body, _ = appendJSON(nil, internalErrorBody())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

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
			(*fe)[i].value = append((*fe)[i].value.([]string), messages...)
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
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
