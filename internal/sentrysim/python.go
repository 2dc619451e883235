package sentrysim

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Python's renderings of values, which Sentry's messages and audit notes
// carry: str(), repr() and the like.

// joinPythonStr is ", ".join(str(x) for x in v).
func joinPythonStr(v any, sep string) string {
	var items []string
	switch l := v.(type) {
	case []string:
		items = l
	case []any:
		for _, x := range l {
			items = append(items, pythonStr(x))
		}
	default:
		return pythonStr(v)
	}
	return strings.Join(items, sep)
}

// pythonStr is Python's str() of a value the audit data holds.
func pythonStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return pythonFloatRepr(x)
	case json.Number:
		return x.String()
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = pythonRepr(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if s, ok := e.(string); ok {
				parts[i] = pythonRepr(s)
			} else {
				parts[i] = pythonStr(e)
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// pythonRepr is repr() of a string: single quotes unless the text holds
// one and no double quote.
func pythonRepr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\' || r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pythonFloatRepr is repr() of a float.
func pythonFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if abs := math.Abs(f); abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mantissa, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		if len(exp) < 2 {
			exp = strings.Repeat("0", 2-len(exp)) + exp
		}
		return mantissa + "e" + string(sign) + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pythonTruthy is Python's truth test on a JSON value.
func pythonTruthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	case json.Number:
		f, err := v.Float64()
		return err != nil || f != 0
	}
	return true
}

// scimPythonStr is str() of a parsed JSON scalar; ok is false for lists and
// objects.
func scimPythonStr(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case nil:
		return "None", true
	case bool:
		if v {
			return "True", true
		}
		return "False", true
	case json.Number:
		return pythonNumberString(v), true
	}
	return "", false
}
