package provider

import (
	"context"
	"fmt"
	"math/big"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// sentrySlugRule is Sentry's own slug pattern, quoted in error messages.
// Go's regexp has no look-ahead, so the "not only digits" half is checked
// separately.
const sentrySlugRule = `^(?![0-9]+$)[a-z0-9_\-]+$`

var (
	slugCharacters = regexp.MustCompile(`^[a-z0-9_-]+$`)
	onlyDigits     = regexp.MustCompile(`^[0-9]+$`)
)

// slugValidator checks a slug the way Sentry will, so a bad slug fails at
// plan time with Sentry's rule rather than at apply time.
type slugValidator struct {
	maxLength int
}

func (v slugValidator) Description(context.Context) string {
	return fmt.Sprintf("must match Sentry's slug rule %s (lowercase letters, digits, underscores and hyphens, not only digits) "+
		"and be at most %d characters", sentrySlugRule, v.maxLength)
}

func (v slugValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v slugValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	slug := req.ConfigValue.ValueString()
	attr := attributeName(req.Path)
	switch {
	case slug == "":
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slug",
			fmt.Sprintf("The %s must not be empty: set it to a slug matching Sentry's slug rule %s.", attr, sentrySlugRule))
	case utf8.RuneCountInString(slug) > v.maxLength:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slug",
			fmt.Sprintf("The %s %q is %d characters long; Sentry allows at most %d. Shorten %s.",
				attr, slug, utf8.RuneCountInString(slug), v.maxLength, attr))
	case onlyDigits.MatchString(slug):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slug",
			fmt.Sprintf("The %s %q is only digits, which Sentry would take for an id. Sentry's slug rule is %s: add a letter, "+
				"a hyphen or an underscore to %s.", attr, slug, sentrySlugRule, attr))
	case !slugCharacters.MatchString(slug):
		fix := "use only lowercase letters, digits, underscores and hyphens"
		if suggestion := slugify(slug); suggestion != "" && len(suggestion) <= v.maxLength {
			fix += fmt.Sprintf(", such as %s = %q", attr, suggestion)
		}
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slug",
			fmt.Sprintf("The %s %q does not match Sentry's slug rule %s: %s.", attr, slug, sentrySlugRule, fix))
	}
}

// slugify suggests a slug for a value that is not one: lowercase, with runs
// of other characters turned into a hyphen. It returns "" when nothing
// usable is left.
func slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-'):
			b.WriteRune(r)
			hyphen = false
		case !hyphen:
			b.WriteByte('-')
			hyphen = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" || onlyDigits.MatchString(out) {
		return ""
	}
	return out
}

// lengthValidator checks a free-text value's length in characters, quoting
// Sentry's limit.
type lengthValidator struct {
	what          string
	min, maxCount int
}

func (v lengthValidator) Description(context.Context) string {
	return fmt.Sprintf("must be %d to %d characters", v.min, v.maxCount)
}

func (v lengthValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v lengthValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	n := utf8.RuneCountInString(req.ConfigValue.ValueString())
	attr := attributeName(req.Path)
	switch {
	case n < v.min:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Length",
			fmt.Sprintf("The %s is %d characters long; Sentry requires %d to %d characters. Set %s to at least %d "+
				"characters, or leave it out where it is optional.", v.what, n, v.min, v.maxCount, attr, v.min))
	case n > v.maxCount:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Length",
			fmt.Sprintf("The %s is %d characters long; Sentry requires %d to %d characters. Shorten %s to at most %d "+
				"characters.", v.what, n, v.min, v.maxCount, attr, v.maxCount))
	}
}

// trimmedNameValidator refuses a name Sentry would change: Sentry strips
// leading and trailing whitespace from names, so a name that has any would
// differ from what Sentry stores and every plan would show a change, and a
// name of only whitespace becomes blank.
type trimmedNameValidator struct {
	// what names the value in messages, such as "team name".
	what string
}

func (v trimmedNameValidator) Description(context.Context) string {
	return "must not start or end with whitespace, and must not be only whitespace"
}

func (v trimmedNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v trimmedNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	trimmed := strings.TrimSpace(name)
	switch {
	case name == "":
		// lengthValidator reports an empty name.
	case trimmed == "":
		resp.Diagnostics.AddAttributeError(req.Path, "Blank Name",
			fmt.Sprintf("The %s %q is only whitespace, which Sentry strips to a blank name. Set %s to visible text, "+
				"such as \"Backend\".", v.what, name, attributeName(req.Path)))
	case trimmed != name:
		resp.Diagnostics.AddAttributeError(req.Path, "Name Has Surrounding Whitespace",
			fmt.Sprintf("The %s %q starts or ends with whitespace, which Sentry strips, so every plan would show a "+
				"change. Remove it: %s = %q.", v.what, name, attributeName(req.Path), trimmed))
	}
}

// attributeName is the last step of an attribute path, as written in
// configuration.
func attributeName(p path.Path) string {
	steps := p.Steps()
	if len(steps) == 0 {
		return p.String()
	}
	if name, ok := steps[len(steps)-1].(path.PathStepAttributeName); ok {
		return string(name)
	}
	return p.String()
}

// Bounds of sentry_api_token.rotation_days: a day to ten years.
const (
	minRotationDays = 1
	maxRotationDays = 3650
)

// rotationDaysValidator checks that rotation_days is a whole number of days
// in range. The attribute is a number rather than an integer so that a
// fractional value gets this message instead of the framework's conversion
// error, and a huge one cannot overflow the rotation date.
type rotationDaysValidator struct{}

func (rotationDaysValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a whole number of days from %d to %d", minRotationDays, maxRotationDays)
}

func (v rotationDaysValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (rotationDaysValidator) ValidateNumber(_ context.Context, req validator.NumberRequest, resp *validator.NumberResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, problem := rotationDays(req.ConfigValue.ValueBigFloat()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Rotation Period", problem)
	}
}

// rotationDays returns a valid rotation_days value as an integer, else a
// message that names the attribute and what it accepts.
func rotationDays(f *big.Float) (int64, string) {
	if f == nil {
		return 0, "rotation_days has no value."
	}
	text := f.Text('g', 10)
	if !f.IsInt() {
		whole, _ := f.Int(nil)
		return 0, fmt.Sprintf("rotation_days is %s, which is not a whole number of days. Set rotation_days to a whole "+
			"number from %d to %d, such as %s.", text, minRotationDays, maxRotationDays, nearestDays(whole))
	}
	n, _ := f.Int64()
	if f.Cmp(big.NewFloat(minRotationDays)) < 0 || f.Cmp(big.NewFloat(maxRotationDays)) > 0 {
		return 0, fmt.Sprintf("rotation_days is %s; it must be from %d (a day) to %d (ten years). Set rotation_days "+
			"within that range, such as 90.", text, minRotationDays, maxRotationDays)
	}
	return n, ""
}

// nearestDays suggests a valid whole number of days near a fractional
// one, given its integer part.
func nearestDays(whole *big.Int) string {
	switch {
	case whole == nil || whole.Cmp(big.NewInt(minRotationDays)) < 0:
		return strconv.Itoa(minRotationDays)
	case whole.Cmp(big.NewInt(maxRotationDays)) >= 0:
		return strconv.Itoa(maxRotationDays)
	}
	return whole.String()
}

// baseURLValidator catches a bad base_url during terraform validate, before
// any resource is planned.
type baseURLValidator struct{}

func (baseURLValidator) Description(context.Context) string {
	return "must be an http or https URL without a query string, fragment, user name or password"
}

func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	if err := checkBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Sentry Base URL", baseURLErrorDetail("base_url", err))
	}
}

// regexpValidator checks that a value is a valid RE2 regular expression.
type regexpValidator struct{}

func (regexpValidator) Description(context.Context) string {
	return "must be a regular expression in RE2 syntax"
}

func (v regexpValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (regexpValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := regexp.Compile(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Regular Expression",
			fmt.Sprintf("The %s %q is not a valid regular expression (RE2 syntax): %s. Correct the expression; "+
				"to match a character such as [ or ( literally, escape it with a backslash.",
				attributeName(req.Path), req.ConfigValue.ValueString(), err))
	}
}

// rfc3339Validator checks a time's syntax at plan time.
type rfc3339Validator struct{}

func (rfc3339Validator) Description(context.Context) string {
	return "must be an RFC 3339 time such as 2026-07-01T00:00:00Z"
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rfc3339Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Time",
			fmt.Sprintf("%s %q is not an RFC 3339 time: write a date, a time and a time zone, such as "+
				"\"2026-07-01T00:00:00Z\" (Terraform's timestamp() and timeadd() produce this form).",
				req.Path, req.ConfigValue.ValueString()))
	}
}

// numericIDValidator checks that a value is one of Sentry's numeric ids.
type numericIDValidator struct{}

func (numericIDValidator) Description(context.Context) string { return "must be a numeric id" }

func (v numericIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (numericIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !onlyDigits.MatchString(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid ID",
			fmt.Sprintf("%s %q is not a numeric id: use the user's id, such as a member's user_id from the "+
				"sentry_members data source.", req.Path, req.ConfigValue.ValueString()))
	}
}

// emailValidator checks an address's syntax at plan time.
type emailValidator struct{}

func (emailValidator) Description(context.Context) string { return "must be a single email address" }

func (v emailValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (emailValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	addr, err := mail.ParseAddress(value)
	if err != nil || addr.Address != value || !strings.Contains(value[strings.LastIndex(value, "@")+1:], ".") {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Email Address",
			fmt.Sprintf("The email %q is not an email address Sentry can invite: set email to a bare address such as "+
				"\"jane@example.com\", without a display name or angle brackets.", value))
	}
}

// memberIDsValidator checks that members holds numeric member ids.
type memberIDsValidator struct{}

func (memberIDsValidator) Description(context.Context) string {
	return "every element must be a numeric member id"
}

func (v memberIDsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (memberIDsValidator) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() || s.IsNull() {
			continue
		}
		if !onlyDigits.MatchString(s.ValueString()) {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Member ID",
				fmt.Sprintf("%q is not a member id. members takes Sentry's numeric member ids, such as "+
					"sentry_member.<name>.id, not emails or user ids.", s.ValueString()))
		}
	}
}
