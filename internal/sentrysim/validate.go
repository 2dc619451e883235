package sentrysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBodyBytes bounds request bodies; Sentry's API takes nothing near it.
const maxBodyBytes = 1 << 20

// DRF's stock validation messages.
const (
	msgRequired     = "This field is required."
	msgNull         = "This field may not be null."
	msgBlank        = "This field may not be blank."
	msgNotString    = "Not a valid string."
	msgNotBoolean   = "Must be a valid boolean."
	msgNullChars    = "Null characters are not allowed."
	msgSlugInvalid  = "Enter a valid slug consisting of lowercase letters, numbers, underscores or hyphens. It cannot be entirely numeric."
	slugMaxLength   = 50
	teamNameMaxSize = 64
)

// body is a parsed request body: DRF's request.data.
type body map[string]any

// has reports whether the client sent the field at all.
func (b body) has(name string) bool {
	_, ok := b[name]
	return ok
}

// bodyParsing is how an endpoint turns a request body into data, where
// Sentry's REST and SCIM endpoints differ.
type bodyParsing int

const (
	// restParsing is DRF's default parsers, as Sentry's REST endpoints
	// use them: JSON or a form, chosen by Content-Type; any other media
	// type, or none, is 415.
	restParsing bodyParsing = iota
	// scimParsing is SCIMEndpoint's content negotiation: the body is
	// always JSON, whatever the Content-Type says, and a request without
	// a Content-Type has empty data.
	scimParsing
)

// readRequestData parses the request body as the endpoint's parsers do:
// DRF's request.data, an empty object when there is no body. On failure
// it answers the request and returns false.
func readRequestData(c *call, parsing bodyParsing) (any, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			c.detail(http.StatusRequestEntityTooLarge, "Request body too large.")
			return nil, false
		}
		c.detail(http.StatusBadRequest, "Could not read the request body.")
		return nil, false
	}
	contentType := c.r.Header.Get("Content-Type")
	if len(raw) == 0 || parsing == scimParsing && contentType == "" {
		return map[string]any{}, true
	}
	if parsing == scimParsing {
		return decodeJSONData(c, raw)
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return decodeJSONData(c, raw)
	case mediaType == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			c.detail(http.StatusBadRequest, "Could not parse the form body.")
			return nil, false
		}
		data := make(map[string]any, len(form))
		for k, vs := range form {
			data[k] = vs[len(vs)-1]
		}
		return data, true
	default:
		c.detail(http.StatusUnsupportedMediaType, "Unsupported media type \""+contentType+"\" in request.")
		return nil, false
	}
}

// decodeJSONData is JSONParser: one JSON value, numbers kept as written.
func decodeJSONData(c *call, raw []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.detail(http.StatusBadRequest, "JSON parse error - "+err.Error())
		return nil, false
	}
	if dec.More() {
		c.detail(http.StatusBadRequest, "JSON parse error - Extra data")
		return nil, false
	}
	return v, true
}

// readBody reads a REST endpoint's body for a serializer, which wants a
// dictionary. On failure it answers the request and returns false.
func readBody(c *call) (body, bool) {
	v, ok := readRequestData(c, restParsing)
	if !ok {
		return nil, false
	}
	return asObject(c, v)
}

// asObject is a serializer's check that the data is a dictionary.
func asObject(c *call, v any) (body, bool) {
	switch v := v.(type) {
	case map[string]any:
		return body(v), true
	case nil:
		c.fieldErrors(nonFieldErrors(msgNull))
	default:
		c.fieldErrors(nonFieldErrors("Invalid data. Expected a dictionary, but got " + pythonTypeName(v) + "."))
	}
	return nil, false
}

// charField is DRF's CharField.
type charField struct {
	maxLength  int
	allowNull  bool
	allowBlank bool
	// invalid replaces "Not a valid string." (RegexField subclasses such
	// as Sentry's slug field reuse their own message).
	invalid string
	// check is a test of the field's default_validators, which DRF runs
	// before CharField's own (AllowedEmailField's email validators);
	// checkMessage is its message.
	check        func(string) bool
	checkMessage string
	// pattern is a RegexField's test, run after the length check.
	pattern func(string) bool
	// patternMessage is the RegexField's message.
	patternMessage string
}

// clean runs the field over a value the client sent, trimming whitespace as
// CharField does. A null (valid only with allowNull) cleans to "".
func (f charField) clean(v any) (value string, errs []string) {
	if v == nil {
		if !f.allowNull {
			return "", []string{msgNull}
		}
		return "", nil
	}
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = pythonNumberString(v)
	default:
		// bools, lists and objects are refused rather than guessed at.
		if f.invalid != "" {
			return "", []string{f.invalid}
		}
		return "", []string{msgNotString}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if !f.allowBlank {
			return "", []string{msgBlank}
		}
		return "", nil
	}
	// DRF runs every validator and reports every failure.
	if f.check != nil && !f.check(s) {
		errs = append(errs, f.checkMessage)
	}
	if f.maxLength > 0 && utf8.RuneCountInString(s) > f.maxLength {
		errs = append(errs, "Ensure this field has no more than "+strconv.Itoa(f.maxLength)+" characters.")
	}
	if strings.ContainsRune(s, 0) {
		errs = append(errs, msgNullChars)
	}
	if f.pattern != nil && !f.pattern(s) {
		errs = append(errs, f.patternMessage)
	}
	return s, errs
}

// slugField is Sentry's SentrySerializerSlugField(max_length=50).
func slugField(allowNull bool) charField {
	return charField{
		maxLength:      slugMaxLength,
		allowNull:      allowNull,
		invalid:        msgSlugInvalid,
		pattern:        validSlug,
		patternMessage: msgSlugInvalid,
	}
}

// validSlug is Sentry's MIXED_SLUG_PATTERN, ^(?![0-9]+$)[a-z0-9_\-]+$.
func validSlug(s string) bool {
	if s == "" || isDecimal(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if (ch < 'a' || ch > 'z') && (ch < '0' || ch > '9') && ch != '_' && ch != '-' {
			return false
		}
	}
	return true
}

// booleanField is DRF's BooleanField.
func booleanField(v any) (bool, []string) {
	switch v := v.(type) {
	case nil:
		return false, []string{msgNull}
	case bool:
		return v, nil
	case string:
		switch v {
		case "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1":
			return true, nil
		case "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0":
			return false, nil
		}
	case json.Number:
		if f, err := v.Float64(); err == nil {
			switch f {
			case 1:
				return true, nil
			case 0:
				return false, nil
			}
		}
	}
	return false, []string{msgNotBoolean}
}
