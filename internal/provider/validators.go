package provider

import (
	"context"
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
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
	switch {
	case slug == "":
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slug",
			fmt.Sprintf("The slug must not be empty. Sentry's slug rule is %s.", sentrySlugRule))
	case utf8.RuneCountInString(slug) > v.maxLength:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slug",
			fmt.Sprintf("The slug %q is %d characters long; Sentry allows at most %d.", slug, utf8.RuneCountInString(slug), v.maxLength))
	case onlyDigits.MatchString(slug):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slug",
			fmt.Sprintf("The slug %q is only digits, which Sentry would take for an id. Sentry's slug rule is %s: add a letter, "+
				"a hyphen or an underscore.", slug, sentrySlugRule))
	case !slugCharacters.MatchString(slug):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Slug",
			fmt.Sprintf("The slug %q does not match Sentry's slug rule %s: use only lowercase letters, digits, underscores "+
				"and hyphens.", slug, sentrySlugRule))
	}
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
	if n < v.min || n > v.maxCount {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Length",
			fmt.Sprintf("The %s is %d characters long; Sentry requires %d to %d characters.",
				v.what, n, v.min, v.maxCount))
	}
}
