package sentrysim

import (
	"strings"
	"unicode"
)

// queryTokens is a tokenized search query: each key's values, keys in the
// order Sentry's tokenize_query produces them (free text, as "query",
// first).
type queryTokens struct {
	keys   []string
	values map[string][]string
}

func (q *queryTokens) add(key, value string) {
	if _, ok := q.values[key]; !ok {
		q.keys = append(q.keys, key)
	}
	q.values[key] = append(q.values[key], value)
}

// tokenizeQuery is sentry.search.utils.tokenize_query: `key:value` terms
// become tags, the rest free text under "query"; AND and OR are dropped.
func tokenizeQuery(query string) queryTokens {
	out := queryTokens{values: make(map[string][]string)}
	var free, tags []string
	for _, token := range splitQueryIntoTokens(query) {
		if u := strings.ToUpper(token); u == "OR" || u == "AND" || strings.Trim(token, "()") == "" {
			continue
		}
		isTag := false
		runes := []rune(token)
		for i, ch := range runes {
			if i == 0 && (ch == '"' || ch == '\'' || ch == ':') {
				break
			}
			if ch == ':' {
				isTag = i+1 >= len(runes) || runes[i+1] != ':' && runes[i+1] != ' '
				break
			}
		}
		if isTag {
			tags = append(tags, token)
		} else {
			free = append(free, token)
		}
	}
	for _, f := range free {
		out.add("query", strings.Trim(f, `"()`))
	}
	for _, tag := range tags {
		i := strings.IndexByte(tag, ':')
		key := removeSurroundingQuotes(strings.TrimLeft(tag[:i], "("))
		value := removeSurroundingQuotes(strings.TrimRight(tag[i+1:], ")"))
		out.add(key, value)
	}
	return out
}

// splitQueryIntoTokens is sentry.search.utils.split_query_into_tokens:
// whitespace separates tokens except inside quotes or after a word ending
// in a colon.
func splitQueryIntoTokens(query string) []string {
	runes := []rune(query)
	var tokens []string
	var token []rune
	quoted := false
	var quoteType rune
	var endOfPrevWord rune
	for i := 0; i < len(runes); i++ {
		ch := runes[i]
		var next rune
		hasNext := i < len(runes)-1
		if hasNext {
			next = runes[i+1]
		}
		token = append(token, ch)
		if hasNext && !unicode.IsSpace(ch) && unicode.IsSpace(next) {
			endOfPrevWord = ch
		}
		if unicode.IsSpace(ch) && !quoted && endOfPrevWord != ':' {
			if !pythonIsSpace(token) {
				tokens = append(tokens, strings.Trim(string(token), " "))
				token = token[:0]
			}
		}
		if ch == '\'' || ch == '"' {
			if !quoted || quoteType == ch {
				quoted = !quoted
				if quoted {
					quoteType = ch
				}
			}
		}
		if quoted && ch == '\\' && hasNext && next == quoteType {
			token = append(token, next)
			i++
		}
	}
	if !pythonIsSpace(token) {
		tokens = append(tokens, strings.Trim(string(token), " "))
	}
	return tokens
}

// removeSurroundingQuotes is Sentry's helper of that name: it drops
// leading and trailing double quotes, keeping an escaped closing one.
func removeSurroundingQuotes(text string) string {
	rs := []rune(text)
	n := len(rs)
	if n <= 1 {
		return text
	}
	half := float64(n) / 2
	left := 0
	for float64(left) <= half {
		if rs[left] != '"' {
			break
		}
		left++
	}
	right := n - 1
	for float64(right) >= half {
		if rs[right] != '"' || rs[right-1] == '\\' {
			break
		}
		right--
	}
	if right+1 < left {
		return ""
	}
	return string(rs[left : right+1])
}
