package sentrysim

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// appendJSON encodes a response tree as Sentry's renderer does: compact,
// keys in the order given, <, > and & left alone, U+2028 and U+2029
// escaped. The types handlers build with are written directly, which keeps
// a page of a hundred teams cheap; anything else goes through
// encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case rawJSON:
		return append(b, v...), nil
	case object:
		b = append(b, '{')
		written := false
		for _, f := range v {
			if fields, ok := f.value.(encodedFields); ok {
				// Fields already written, in place of this one.
				if len(fields) > 0 {
					if written {
						b = append(b, ',')
					}
					b, written = append(b, fields...), true
				}
				continue
			}
			if written {
				b = append(b, ',')
			}
			written = true
			b = appendJSONString(b, f.key)
			b = append(b, ':')
			if b, err = appendJSON(b, f.value); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case fieldErrors:
		return appendJSON(b, object(v))
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	case []object:
		b = append(b, '[')
		for i, o := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, o); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		return appendStdJSON(b, v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return append(b, raw...), nil
	}
}

// rawJSON is a value already encoded, written as it is: constant parts of
// bodies are encoded once rather than on every request.
type rawJSON []byte

// mustJSON encodes a constant body part once, at start-up.
func mustJSON(v any) rawJSON {
	b, err := appendJSON(nil, v)
	if err != nil {
		panic("sentrysim: cannot encode a constant: " + err.Error())
	}
	return b
}

// mustFields encodes an object's constant fields once, at start-up.
func mustFields(o object) encodedFields {
	b := mustJSON(o)
	return encodedFields(b[1 : len(b)-1])
}

// encodedFields are some of an object's fields already written as JSON,
// `"a":1,"b":2`. An object writes them in place of the field that holds
// them, whatever its key, so that a body an objectWriter wrote can still be
// extended with more fields.
type encodedFields []byte

// objectWriter writes a JSON object straight into a buffer, exactly as
// appendJSON writes the same object: list pages write their rows this way,
// as building an object for each row costs more than writing it.
type objectWriter struct {
	b      []byte
	fields int
	// err is the first value that failed to encode.
	err error
}

// key starts a field. Keys are the serializers' field names, which JSON
// writes as they are (printable ASCII without quotes or backslashes), so
// they are copied without a look at each byte.
func (w *objectWriter) key(k string) {
	if w.fields > 0 {
		w.b = append(w.b, ',')
	}
	w.fields++
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *objectWriter) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

func (w *objectWriter) boolean(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *objectWriter) integer(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *objectWriter) null(k string) {
	w.key(k)
	w.b = append(w.b, "null"...)
}

// id writes the "id" field as Sentry's serializers do, as a decimal
// string.
func (w *objectWriter) id(id int64) {
	w.key("id")
	w.b = append(w.b, '"')
	w.b = strconv.AppendInt(w.b, id, 10)
	w.b = append(w.b, '"')
}

// time writes a timestamp as sentryTime formats it.
func (w *objectWriter) time(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = appendSentryTime(w.b, t)
	w.b = append(w.b, '"')
}

func (w *objectWriter) raw(k string, v rawJSON) {
	w.key(k)
	w.b = append(w.b, v...)
}

// list writes a list of values appendJSON takes; a failure is kept in
// w.err.
func (w *objectWriter) list(k string, items []any) {
	w.key(k)
	b := append(w.b, '[')
	for i, v := range items {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, v); err != nil {
			if w.err == nil {
				w.err = err
			}
			return
		}
	}
	w.b = append(b, ']')
}

// splice writes fields already encoded.
func (w *objectWriter) splice(f encodedFields) {
	if len(f) == 0 {
		return
	}
	if w.fields > 0 {
		w.b = append(w.b, ',')
	}
	w.fields++
	w.b = append(w.b, f...)
}

// value writes any value appendJSON takes; a failure is kept in w.err.
func (w *objectWriter) value(k string, v any) {
	w.key(k)
	b, err := appendJSON(w.b, v)
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	w.b = b
}

// fieldsOf is what an objectWriter wrote, as the fields of an object; a
// failure to encode stays a failure when the object is written.
func (w *objectWriter) fieldsOf() any {
	if w.err != nil {
		return encodeFailure{w.err}
	}
	return encodedFields(w.b)
}

// encodeFailure is a value whose encoding fails with err.
type encodeFailure struct{ err error }

func (f encodeFailure) MarshalJSON() ([]byte, error) { return nil, f.err }

// appendObject writes one object with fill writing its fields.
func appendObject(b []byte, fill func(w *objectWriter)) []byte {
	w := objectWriter{b: append(b, '{')}
	fill(&w)
	return append(w.b, '}')
}

// appendStdJSON writes a value as encoding/json's Marshal does, which is
// how the emulator writes maps (audit entries' data): keys sorted, and <,
// > and & escaped. The types audit data holds are written directly;
// anything else, and any string that needs escaping, goes through
// encoding/json.
func appendStdJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendStdJSONString(b, v)
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case []int64:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, n := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, n, 10)
		}
		return append(b, ']'), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendStdJSONString(b, s); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendStdJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		var keyBuf [16]string
		keys := keyBuf[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendStdJSONString(b, k); err != nil {
				return nil, err
			}
			b = append(b, ':')
			if b, err = appendStdJSON(b, v[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// appendStdJSONString writes a string as encoding/json does: one that
// needs no escaping is copied, any other goes through encoding/json.
func appendStdJSONString(b []byte, s string) ([]byte, error) {
	if plainJSONString(s) && !strings.ContainsAny(s, "<>&") {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"'), nil
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// appendJSONString writes a JSON string, escaping as Python's json module
// does with ensure_ascii off.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	// Most strings need no escaping: copy them whole.
	if plainJSONString(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&15])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// plainJSONString reports whether s is printable ASCII without quotes or
// backslashes, which JSON writes as it is. It looks at eight bytes at a
// time: most of a list page's bytes pass through here.
func plainJSONString(s string) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	// hasZero reports whether any byte of x is zero.
	hasZero := func(x uint64) bool { return (x-ones)&^x&highs != 0 }
	for len(s) >= 8 {
		_ = s[7]
		x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		// Non-ASCII, a control character (below 0x20), '"' or '\\'.
		if x&highs != 0 || (x-0x20*ones)&^x&highs != 0 || hasZero(x^('"'*ones)) || hasZero(x^('\\'*ones)) {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
