package main

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/text/unicode/norm"
)

// maxNameLength keeps resource names short enough to read in a plan; longer
// ones are cut, and a cut that collides gets a suffix like any other.
const maxNameLength = 64

// baseName turns a slug, email or display name into a Terraform resource
// name: lowercase ASCII letters, digits and underscores, never starting
// with a digit. Accents are dropped ("Zoë" is "zoe"); other characters
// become underscores, runs of them one. A name left empty or starting with
// a digit gets the prefix: "2fa" as a team is "team_2fa".
func baseName(prefix, raw string) string {
	var b strings.Builder
	gap := false
	for _, r := range norm.NFKD.String(raw) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining mark left by decomposing an accented letter.
			continue
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r = unicode.ToLower(r)
		default:
			gap = b.Len() > 0
			continue
		}
		if gap {
			b.WriteByte('_')
			gap = false
		}
		b.WriteRune(r)
	}
	name := b.String()
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		name = strings.TrimSuffix(prefix+"_"+name, "_")
	}
	if len(name) > maxNameLength {
		name = strings.TrimRight(name[:maxNameLength], "_")
	}
	return name
}

// assignNames gives every object of one resource type a unique name made
// from its label, and sorts them by it. Where labels make the same name,
// the object with the lowest sort key keeps it and the others get _2, _3
// and so on, skipping names other labels make, so the result does not
// depend on the order objects come in.
func assignNames(prefix string, objects []object) {
	assignUniqueNames(objects, func(label string) string { return baseName(prefix, label) }, nil)
}

// keptName is a resource name for a label that is already one, such as
// a resource's own name: kept as it is when Terraform accepts it, else
// made into one by baseName.
func keptName(prefix, label string) string {
	if hclsyntax.ValidIdentifier(label) && len(label) <= maxNameLength {
		return label
	}
	return baseName(prefix, label)
}

// assignUniqueNames is assignNames with the name made by nameOf, and
// names already used elsewhere (reserved) never given: an object whose
// name is reserved gets a suffix as if another object had it first.
func assignUniqueNames(objects []object, nameOf func(label string) string, reserved map[string]bool) {
	for i := range objects {
		objects[i].name = nameOf(objects[i].label)
	}
	slices.SortStableFunc(objects, func(a, b object) int {
		return cmp.Or(strings.Compare(a.name, b.name), compareKeys(a.sortKey, b.sortKey))
	})
	taken := make(map[string]bool, len(objects)+len(reserved))
	for name := range reserved {
		taken[name] = true
	}
	for _, o := range objects {
		taken[o.name] = true
	}
	prev := ""
	for i := range objects {
		base := objects[i].name
		if (i > 0 && base == prev) || reserved[base] {
			for n := 2; ; n++ {
				candidate := base + "_" + strconv.Itoa(n)
				if !taken[candidate] {
					objects[i].name = candidate
					taken[candidate] = true
					break
				}
			}
		}
		prev = base
	}
	slices.SortFunc(objects, func(a, b object) int { return strings.Compare(a.name, b.name) })
}

// compareKeys orders numeric ids as numbers and anything else as text.
func compareKeys(a, b string) int {
	if isDigits(a) && isDigits(b) {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
