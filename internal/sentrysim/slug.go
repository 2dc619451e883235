package sentrysim

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"strings"
)

// slugSuffixAlphabet is the alphabet of Sentry's collision suffixes, as
// Sentry spells it: no 8, and 0 twice.
const slugSuffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456790"

// slugSuffixSizes is Sentry's schedule of collision suffixes: (attempts,
// length), shortest first.
var slugSuffixSizes = [][2]int{{1, 2}, {5, 3}, {20, 5}, {1, 12}}

// djangoSlugify is django.utils.text.slugify: fold to ASCII, lowercase,
// keep letters, digits, underscores, hyphens and spaces, turn runs of
// spaces and hyphens into one hyphen, and trim hyphens and underscores.
func djangoSlugify(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		b.WriteString(asciiFold(r))
	}
	lowered := strings.ToLower(b.String())

	var out strings.Builder
	pendingHyphen := false
	for i := 0; i < len(lowered); i++ {
		ch := lowered[i]
		switch {
		case ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_':
			if pendingHyphen {
				out.WriteByte('-')
				pendingHyphen = false
			}
			out.WriteByte(ch)
		case ch == '-' || isPythonSpace(ch):
			pendingHyphen = true
		}
	}
	if pendingHyphen {
		out.WriteByte('-')
	}
	return strings.Trim(out.String(), "-_")
}

// asciiFold is the ASCII that Unicode's NFKD decomposition leaves of a
// character once non-ASCII marks are dropped, for the Latin letters, spaces
// and full-width forms names are made of; anything else folds to nothing,
// as it does in Django.
func asciiFold(r rune) string {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return string(r - 0xFEE0)
	case r == 0x00A0 || r >= 0x2000 && r <= 0x200A || r == 0x202F || r == 0x205F || r == 0x3000:
		return " "
	}
	if s, ok := latinFold[r]; ok {
		return s
	}
	return ""
}

var latinFold = func() map[rune]string {
	m := map[rune]string{
		0x00A8: " ", 0x00AA: "a", 0x00AF: " ", 0x00B2: "2", 0x00B3: "3", 0x00B4: " ",
		0x00B8: " ", 0x00B9: "1", 0x00BA: "o", 0x00BC: "14", 0x00BD: "12", 0x00BE: "34",
		0x0132: "IJ", 0x0133: "ij", 0x013F: "L", 0x0140: "l", 0x0149: "n", 0x017F: "s",
	}
	// Runs of precomposed letters, one base letter each.
	runs := []struct {
		from  rune
		bases string // "." for a letter with no decomposition
	}{
		{0x00C0, "AAAAAA.CEEEEIIII.NOOOOO..UUUUY.."},
		{0x00E0, "aaaaaa.ceeeeiiii.nooooo..uuuuy.y"},
		{0x0100, "AaAaAaCcCcCcCcDd..EeEeEeEeEeGgGgGgGgHh..IiIiIiIiI."},
		{0x0134, "JjKk.LlLlLl"},
		{0x0143, "NnNnNn"},
		{0x014C, "OoOoOo..RrRrRrSsSsSsSsTtTt..UuUuUuUuUuUuWwYyYZzZzZz"},
	}
	for _, run := range runs {
		for i, base := range run.bases {
			if base != '.' {
				m[run.from+rune(i)] = string(base)
			}
		}
	}
	return m
}()

// uniqueSlug is Sentry's slugify_instance for teams and projects: the
// slugified name cut to the slug length limit (50 for both), made unique within the organization (and never all
// digits) with a random suffix; a name with nothing to slugify gets a
// random one.
func uniqueSlug(name string, taken func(string) bool) string {
	base := djangoSlugify(name)
	if len(base) > slugMaxLength {
		base = base[:slugMaxLength]
	}
	base = strings.TrimSpace(strings.Trim(base, "-"))
	if base == "" {
		base = randomHex(12)
	}
	if !taken(base) && !isDecimal(base) {
		return base
	}
	value := base
	for _, size := range slugSuffixSizes {
		for range size[0] {
			keep := min(len(base), slugMaxLength-size[1]-1)
			value = base[:keep] + "-" + randomString(size[1], slugSuffixAlphabet)
			if !taken(value) {
				return value
			}
		}
	}
	// Sentry gives up here and lets the database refuse the duplicate.
	return value
}

func randomString(n int, alphabet string) string {
	max := big.NewInt(int64(len(alphabet)))
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("sentrysim: no randomness: " + err.Error())
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// randomHex is the start of a random UUID's hex form.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic("sentrysim: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)[:n]
}
