package sentrysim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
)

func TestOffsetPage(t *testing.T) {
	cases := []struct {
		name       string
		total      int
		limit      int64
		cursor     *requestCursor
		lo, hi     int
		prev, next string
		prevHas    bool
		nextHas    bool
		status     int
	}{
		{"first page", 250, 100, nil, 0, 100, "100:-1:1", "100:1:0", false, true, 0},
		{"middle page", 250, 100, &requestCursor{value: 100, offset: 1}, 100, 200, "100:0:1", "100:2:0", true, true, 0},
		{"last page", 250, 100, &requestCursor{value: 100, offset: 2}, 200, 250, "100:1:1", "100:3:0", true, false, 0},
		{"exact fit", 200, 100, &requestCursor{value: 100, offset: 1}, 100, 200, "100:0:1", "100:2:0", true, false, 0},
		{"past the end", 50, 100, &requestCursor{value: 100, offset: 3}, 50, 50, "100:2:1", "100:4:0", true, false, 0},
		{"empty", 0, 100, nil, 0, 0, "100:-1:1", "100:1:0", false, false, 0},
		// A cursor of another page size reads its own window and keeps
		// the last rows of it, as Sentry does.
		{"cursor of another size", 250, 10, &requestCursor{value: 100, offset: 1}, 190, 200, "10:0:1", "10:2:0", true, true, 0},
		{"float value", 250, 100, &requestCursor{value: 1.5, offset: 2}, 3, 5, "100:1:1", "100:3:0", true, false, 0},
		{"zero page size", 10, 0, nil, 0, 0, "0:-1:1", "0:1:0", false, true, 0},
		{"negative offset", 10, 100, &requestCursor{value: 100, offset: -1}, 0, 0, "", "", false, false, 400},
		{"negative slice", 10, -5, nil, 0, 0, "", "", false, false, 500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lo, hi, prev, next, perr := offsetPage(c.total, c.limit, c.cursor)
			if c.status != 0 {
				if perr == nil || perr.status != c.status {
					t.Fatalf("error %v, want status %d", perr, c.status)
				}
				return
			}
			if perr != nil {
				t.Fatal(perr.detail)
			}
			if lo != c.lo || hi != c.hi || prev.String() != c.prev || next.String() != c.next ||
				prev.hasResults != c.prevHas || next.hasResults != c.nextHas {
				t.Fatalf("got [%d:%d] prev %s/%t next %s/%t", lo, hi, prev, prev.hasResults, next, next.hasResults)
			}
		})
	}
}

func TestCursorLinkKeepsQuery(t *testing.T) {
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet,
		"http://sentry.example:9000/api/0/organizations/acme/teams/?query=slug%3Aa+b&cursor=100:1:0&detailed=0&query=x%2Fy&cursor=zz", nil)
	got := cursorLink(req, "next", cursor{value: 100, offset: 2, hasResults: true})
	want := `<http://sentry.example:9000/api/0/organizations/acme/teams/?query=slug%3Aa+b&query=x%2Fy&detailed=0&cursor=100:2:0>; rel="next"; results="true"; cursor="100:2:0"`
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestPythonInt(t *testing.T) {
	for in, want := range map[string]int64{"10": 10, " 7 ": 7, "+3": 3, "-2": -2, "1_000": 1000} {
		if got, ok := pythonInt(in); !ok || got != want {
			t.Errorf("pythonInt(%q) = %d, %t", in, got, ok)
		}
	}
	for _, bad := range []string{"", "x", "1.0", "_1", "1__0", "1_", "0x10"} {
		if _, ok := pythonInt(bad); ok {
			t.Errorf("pythonInt(%q) accepted", bad)
		}
	}
}

func TestTokenizeQuery(t *testing.T) {
	cases := []struct {
		query string
		want  map[string][]string
		keys  []string
	}{
		{"slug:a slug:b", map[string][]string{"slug": {"a", "b"}}, []string{"slug"}},
		{"is:resolved foo bar tag:value", map[string][]string{"query": {"foo", "bar"}, "is": {"resolved"}, "tag": {"value"}},
			[]string{"query", "is", "tag"}},
		{`user:"foo bar" AND (baz)`, map[string][]string{"user": {"foo bar"}, "query": {"baz"}}, []string{"query", "user"}},
		{"user: bar", map[string][]string{"query": {"user: bar"}}, []string{"query"}},
		{"email:a@b.c  ", map[string][]string{"email": {"a@b.c"}}, []string{"email"}},
	}
	for _, c := range cases {
		got := tokenizeQuery(c.query)
		if !reflect.DeepEqual(got.values, c.want) || !slices.Equal(got.keys, c.keys) {
			t.Errorf("tokenizeQuery(%q) = %v %v, want %v %v", c.query, got.keys, got.values, c.keys, c.want)
		}
	}
}

func TestDjangoSlugify(t *testing.T) {
	cases := map[string]string{
		"Backend Eng":           "backend-eng",
		"  --Hello,  World!-- ": "hello-world",
		"_under_score_":         "under_score",
		"Crème Brûlée":          "creme-brulee",
		"Łódź":                  "odz",
		"ＡＢＣ　１２３":               "abc-123",
		"日本語":                   "",
		"a\tb\nc":               "a-b-c",
		"x ½":                   "x-12",
	}
	for in, want := range cases {
		if got := djangoSlugify(in); got != want {
			t.Errorf("djangoSlugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUniqueSlugSuffixSchedule(t *testing.T) {
	var tried []string
	// Everything is taken: Sentry tries one 2-character suffix, five of
	// 3, twenty of 5 and one of 12, and then gives up.
	uniqueSlug("Busy", func(s string) bool { tried = append(tried, s); return true })
	if len(tried) != 28 {
		t.Fatalf("%d attempts", len(tried))
	}
	lengths := []int{}
	for _, s := range tried[1:] {
		lengths = append(lengths, len(s)-len("busy-"))
	}
	want := []int{2, 3, 3, 3, 3, 3, 5}
	if !slices.Equal(lengths[:7], want) || lengths[26] != 12 {
		t.Fatalf("suffix lengths %v", lengths)
	}
	long := uniqueSlug("", func(string) bool { return false })
	if len(long) != 12 {
		t.Fatalf("empty name: %q", long)
	}
}

func TestAppendJSON(t *testing.T) {
	got, err := appendJSON(nil, object{
		{"s", "a\"b\\c\n\t\x01<&>é\u2028"},
		{"n", nil},
		{"list", []any{1, int64(2), true, []string{"x"}}},
		{"nested", []object{{{"k", "v"}}}},
		{"other", map[string]int{"z": 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"s":"a\"b\\c\n\t\u0001<&>é\u2028","n":null,"list":[1,2,true,["x"]],"nested":[{"k":"v"}],"other":{"z":1}}`
	if string(got) != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

// TestPythonStrNumbers pins str() of a number from a request body as
// Python writes the value its json module parses: DRF's choice messages,
// the audit notes and SCIM's slugified names all format that value. The
// expectations are CPython's str(json.loads(text)).
func TestPythonStrNumbers(t *testing.T) {
	for _, c := range []struct {
		in   json.Number
		want string
	}{
		{"1", "1"},
		{"7", "7"},
		{"-0", "0"},
		{"-12", "-12"},
		{"9007199254740993", "9007199254740993"},
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		{"-123456789012345678901234567890", "-123456789012345678901234567890"},
		{"1.0", "1.0"},
		{"2.0", "2.0"},
		{"-0.0", "-0.0"},
		{"1.50", "1.5"},
		{"1e2", "100.0"},
		{"1E2", "100.0"},
		{"1e+2", "100.0"},
		{"1234567.5", "1234567.5"},
		{"1e16", "1e+16"},
		{"1E16", "1e+16"},
		{"1e22", "1e+22"},
		{"9999999999999998", "9999999999999998"},
		{"9999999999999998.0", "9999999999999998.0"},
		{"123456789012345678.0", "1.2345678901234568e+17"},
		{"9007199254740993.0", "9007199254740992.0"},
		{"1e-5", "1e-05"},
		{"1.5e-5", "1.5e-05"},
		{"0.0001", "0.0001"},
		{"0.00012", "0.00012"},
		{"0.1", "0.1"},
		{"0.30000000000000004", "0.30000000000000004"},
		{"1.7976931348623157e308", "1.7976931348623157e+308"},
		{"5e-324", "5e-324"},
		{"1e-400", "0.0"},
		{"1e400", "inf"},
		{"-1e400", "-inf"},
	} {
		if got := pythonStr(c.in); got != c.want {
			t.Errorf("pythonStr(%s) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   any
		want string
	}{
		{map[string]any{}, "dict"},
		{[]any{}, "list"},
		{"", "str"},
		{true, "bool"},
		{json.Number("1"), "int"},
		{json.Number("-0"), "int"},
		{json.Number("123456789012345678901234567890"), "int"},
		{json.Number("1.5"), "float"},
		{json.Number("1.0"), "float"},
		{json.Number("1e2"), "float"},
		{json.Number("1E2"), "float"},
	} {
		if got := pythonTypeName(c.in); got != c.want {
			t.Errorf("pythonTypeName(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestPythonStrValues pins str() of the other values a JSON body parses
// into, as CPython writes them: a list or dict writes its items' repr.
func TestPythonStrValues(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{nil, "None"},
		{true, "True"},
		{false, "False"},
		{"1.50", "1.50"},
		{[]any{json.Number("1.50"), "a", true, false, nil}, "[1.5, 'a', True, False, None]"},
		{[]any{[]any{json.Number("1e2")}, "it's"}, `[[100.0], "it's"]`},
		{map[string]any{}, "{}"},
		{map[string]any{"a": []any{json.Number("1"), "b"}}, "{'a': [1, 'b']}"},
		{map[string]any{"k": json.Number("1E2"), "n": nil}, "{'k': 100.0, 'n': None}"},
	} {
		if got := pythonStr(c.in); got != c.want {
			t.Errorf("pythonStr(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := invalidChoice(json.Number("1.50")); got != `"1.5" is not a valid choice.` {
		t.Errorf("invalidChoice(1.50) = %q", got)
	}
	if got := joinPythonStr([]any{"a", json.Number("1e-5"), json.Number("10")}, ", "); got != "a, 1e-05, 10" {
		t.Errorf("joinPythonStr = %q", got)
	}
}
