package sentrysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Python's behaviour on values, as Sentry's Python code treats what a
// request sends and what the audit log holds: str(), repr(), truthiness,
// int(), type names, urllib's quoting, slices. Each helper here is the one
// copy of its Python behaviour in the package.

// joinPythonStr is ", ".join(str(x) for x in v), as the audit notes write
// lists.
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

// jsonScalar reports whether a parsed JSON value is a string, number,
// boolean or null, whose str() is its text rather than a rendering of a
// structure.
func jsonScalar(v any) bool {
	switch v.(type) {
	case nil, string, bool, json.Number:
		return true
	}
	return false
}

// pythonStr is Python's str() of a value a request sent or the audit data
// holds. A json.Number is the int or float Python's json module parses it
// into (pythonNumberString): DRF's messages ("\"{input}\" is not a valid
// choice."), the audit notes' str.format and SCIM's slugified names all
// format that parsed value, never the text the client sent.
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
		return pythonNumberString(x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = pythonRepr(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pythonValueRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		// A dict keeps the order its keys were sent in, which a Go map
		// has lost: the keys are written sorted, exact for one key.
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, pythonRepr(k)+": "+pythonValueRepr(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// pythonValueRepr is repr() of a parsed JSON value, as str() of a list or
// dict writes its items: strings quoted, everything else as str() has it.
func pythonValueRepr(v any) string {
	if s, ok := v.(string); ok {
		return pythonRepr(s)
	}
	return pythonStr(v)
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

// pythonFloatRepr is repr() of a float, which str() also is: the
// shortest text that reads back as the same float, in exponent form when
// the decimal exponent is below -4 or at least 16 (1e-05, 1e+16), else
// with at least one digit after the point (100.0, 0.0001).
func pythonFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	// The shortest digits of a float below 1e-4 or from 1e16 up have a
	// decimal exponent below -4 or from 16 up, and no others do.
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

// pythonTypeName is type(v).__name__ for a parsed JSON value, as DRF's
// messages name what they got ("Expected a dictionary, but got list.").
func pythonTypeName(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "dict"
	case []any:
		return "list"
	case string:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		if jsonFloatText(v) {
			return "float"
		}
		return "int"
	default:
		return "object"
	}
}

// jsonFloatText reports whether Python's json module parses a number as
// a float: one with a fraction or an exponent. Any other is an int.
func jsonFloatText(n json.Number) bool {
	return strings.ContainsAny(string(n), ".eE")
}

// pythonNumberString is str() of the number Python's json module parses
// n into: an int with all its digits (Python's ints are unbounded, and -0
// is 0), a float in repr form (pythonFloatRepr), one too large for a float
// being inf.
func pythonNumberString(n json.Number) string {
	if jsonFloatText(n) {
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return n.String()
		}
		return pythonFloatRepr(f)
	}
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if i, ok := new(big.Int).SetString(string(n), 10); ok {
		return i.String()
	}
	return n.String()
}

// pythonQuote is urllib.parse.quote: everything but letters, digits, _.-~
// and the safe characters is percent-encoded.
func pythonQuote(s, safe string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			strings.IndexByte("_.-~", ch) >= 0 || strings.IndexByte(safe, ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[ch>>4])
		b.WriteByte(hexDigits[ch&15])
	}
	return b.String()
}

// pythonQuotePlus is urllib.parse.quote_plus.
func pythonQuotePlus(s string) string {
	return strings.ReplaceAll(pythonQuote(s, " "), " ", "+")
}

// pythonUnquotePlus is urllib.parse.unquote_plus: bad escapes stay as they
// are and bad UTF-8 becomes U+FFFD.
func pythonUnquotePlus(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				buf = append(buf, byte(v))
				i += 2
				continue
			}
		}
		buf = append(buf, s[i])
	}
	if !utf8.Valid(buf) {
		return strings.ToValidUTF8(string(buf), "\uFFFD")
	}
	return string(buf)
}

// pythonInt is Python's int() on a string: surrounding whitespace, a sign
// and single underscores between digits are allowed.
func pythonInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	sign := ""
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(sign+strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// isLongInteger reports whether Python's int() takes s, whatever its size.
func isLongInteger(s string) bool {
	s = strings.TrimLeft(strings.TrimSpace(s), "+-")
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return false
	}
	return isDecimal(strings.ReplaceAll(s, "_", ""))
}

// pythonSlice resolves the bounds of list[start:stop] on a list of n items
// as Python does with negative and out-of-range bounds.
func pythonSlice(n int, start, stop int64) (int, int) {
	resolve := func(i int64) int {
		if i < 0 {
			i += int64(n)
			if i < 0 {
				return 0
			}
		}
		if i > int64(n) {
			return n
		}
		return int(i)
	}
	s, e := resolve(start), resolve(stop)
	if e < s {
		e = s
	}
	return s, e
}

// pythonIsSpace is str.isspace: false for the empty string.
func pythonIsSpace(rs []rune) bool {
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// isPythonSpace is \s on ASCII in Python's re: it also counts the
// information separators.
func isPythonSpace(ch byte) bool {
	return ch == ' ' || ch >= '\t' && ch <= '\r' || ch >= 0x1c && ch <= 0x1f
}

// isDecimal is Python's str.isdecimal for the ASCII digits paths can hold:
// Sentry takes an all-digit path segment as an id.
func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
