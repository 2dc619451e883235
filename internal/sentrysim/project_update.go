package sentrysim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// PUT /projects/{org}/{project}/, as ProjectDetailsEndpoint.put has it
// (src/sentry/core/endpoints/project_details.py, the cell-silo version
// with ProjectMemberSerializer and ProjectAdminSerializer), checked
// against tests/sentry/core/endpoints/test_project_details.py.
//
// What the emulator keeps: every field the two serializers declare is
// validated with DRF's field rules and stored as the ProjectOption Sentry
// writes, and GET shows it where DetailedProjectSerializer has a key for
// it. A few fields' deeper checks run code the emulator does not have and
// are left out, so the emulator accepts what Sentry might refuse:
// groupingEnhancements and fingerprintingRules are not parsed (Sentry
// parses them with its grouping rule grammars), safeFields are not checked
// as PII selectors, relayPiiConfig is not checked as a PII config,
// symbolSources is kept as sent (it is JSON-checked, not matched against
// stored secrets), highlightContext's keys are not matched against
// Sentry's key pattern. The preprod* fields are stored but no body shows
// them, as the emulator's detailed body has no preprod keys. Fields that
// need a plan feature the emulator's organizations lack (targetSampleRate,
// tempestFetchScreenshots, non-empty dynamicSamplingBiases) are refused as
// Sentry refuses them without it. Keys neither serializer declares are
// dropped unread, as DRF drops them.

const (
	msgNotInteger       = "A valid integer is required."
	msgNotNumber        = "A valid number is required."
	msgPatternMismatch  = "This value does not match the required pattern."
	msgDigestsOrder     = "The minimum delay on digests must be lower than the maximum."
	msgEmptyOrigins     = "Empty value will block all requests, use * to accept from all domains"
	msgNoFeature        = "You do not have that feature enabled"
	msgSensitiveTooLong = "List of sensitive fields is too long."

	// maxSensitiveFieldChars is MAX_SENSITIVE_FIELD_CHARS.
	maxSensitiveFieldChars = 4000
	// storeCrashReportsMax is STORE_CRASH_REPORTS_MAX.
	storeCrashReportsMax = 100
)

// Project option keys the endpoint writes and the detailed body reads.
const (
	optDigestsMin   = "digests:mail:minimum_delay"
	optDigestsMax   = "digests:mail:maximum_delay"
	optResolveAge   = "sentry:resolve_age"
	optOrigins      = "sentry:origins"
	optToken        = "sentry:token"
	optTokenHeader  = "sentry:token_header"
	optBlacklisted  = "sentry:blacklisted_ips"
	optReleases     = "sentry:releases"
	optErrorMessage = "sentry:error_messages"
)

var (
	securityTokenPattern       = regexp.MustCompile(`^[-a-zA-Z0-9+/=\s]+$`)
	securityTokenHeaderPattern = regexp.MustCompile(`^[a-zA-Z0-9_\-]+$`)
)

// autofixTuningChoices are AutofixAutomationTuningSettings' values.
var autofixTuningChoices = []string{"off", "super_low", "low", "medium", "high", "always"}

// putField is one field of ProjectMemberSerializer or ProjectAdminSerializer:
// clean is the field's to_internal_value and validate_<field>, returning
// the value a Python handler would see (nil for None) or DRF's messages;
// a message list's value may be an object for a ListField's per-item
// errors.
type putField struct {
	name  string
	admin bool
	clean func(c *call, p *project, v any) (any, any)
}

// errs wraps messages the way clean returns them.
func errs(messages ...string) any { return messages }

// projectPutFields are the serializers' fields in declaration order, the
// order DRF validates them and writes their errors in: the member fields,
// then the admin serializer's own.
var projectPutFields = []putField{
	{name: "isBookmarked", clean: cleanBool},
	{name: "autofixAutomationTuning", clean: func(_ *call, _ *project, v any) (any, any) {
		if v == nil {
			return nil, errs(msgNull)
		}
		if s := pythonStr(v); slices.Contains(autofixTuningChoices, s) {
			return s, nil
		}
		return nil, errs(invalidChoice(v))
	}},
	{name: "seerScannerAutomation", clean: cleanBool},
	{name: "seerNightshiftTweaks", clean: cleanJSON(true)},
	{name: "preprodSizeStatusChecksEnabled", clean: cleanBool},
	{name: "preprodSizeStatusChecksRules", clean: cleanJSON(false)},
	{name: "preprodSizePrCommentsEnabled", clean: cleanBool},
	{name: "preprodSizePrCommentsRules", clean: cleanJSON(false)},
	{name: "preprodSnapshotStatusChecksEnabled", clean: cleanBool},
	{name: "preprodSnapshotStatusChecksFailOnAdded", clean: cleanBool},
	{name: "preprodSnapshotStatusChecksFailOnRemoved", clean: cleanBool},
	{name: "preprodSnapshotStatusChecksFailOnChanged", clean: cleanBool},
	{name: "preprodSnapshotStatusChecksFailOnRenamed", clean: cleanBool},
	{name: "preprodSizeEnabledByCustomer", clean: cleanNullBool},
	{name: "preprodDistributionEnabledByCustomer", clean: cleanNullBool},
	{name: "preprodDistributionPrCommentsEnabledByCustomer", clean: cleanNullBool},
	{name: "preprodSnapshotPrCommentsEnabled", clean: cleanNullBool},
	{name: "preprodSnapshotPrCommentsPostOnAdded", clean: cleanNullBool},
	{name: "preprodSnapshotPrCommentsPostOnRemoved", clean: cleanNullBool},
	{name: "preprodSnapshotPrCommentsPostOnChanged", clean: cleanNullBool},
	{name: "preprodSnapshotPrCommentsPostOnRenamed", clean: cleanNullBool},
	{name: "preprodSizeEnabledQuery", clean: cleanChar(charField{allowNull: true})},
	{name: "preprodDistributionEnabledQuery", clean: cleanChar(charField{allowNull: true})},

	{name: "name", admin: true, clean: cleanChar(charField{maxLength: 200})},
	{name: "slug", admin: true, clean: cleanProjectSlug},
	{name: "platform", admin: true, clean: func(_ *call, _ *project, v any) (any, any) {
		s, e := charField{allowNull: true, allowBlank: true}.clean(v)
		if e != nil {
			return nil, e
		}
		// validate_platform: Project.is_valid_platform, which takes
		// nothing and "other" too.
		if s != "" && s != "other" && !projectPlatforms[s] {
			return nil, errs(msgInvalidPlatform)
		}
		if v == nil {
			return nil, nil
		}
		return s, nil
	}},
	{name: "subjectPrefix", admin: true, clean: cleanChar(charField{maxLength: 200, allowBlank: true})},
	{name: "subjectTemplate", admin: true, clean: cleanChar(charField{maxLength: 200})},
	// EmptyIntegerField: "" is None.
	{name: "resolveAge", admin: true, clean: func(_ *call, _ *project, v any) (any, any) {
		if v == "" {
			return nil, nil
		}
		return cleanInt(v, nil, nil, true)
	}},
	{name: "highlightContext", admin: true, clean: cleanHighlightContext},
	{name: "highlightTags", admin: true, clean: cleanStringList},
	{name: "digestsMinDelay", admin: true, clean: cleanDigestDelay},
	{name: "digestsMaxDelay", admin: true, clean: cleanDigestDelay},
	{name: "securityToken", admin: true, clean: cleanChar(charField{
		maxLength: 255, allowBlank: true,
		pattern: securityTokenPattern.MatchString, patternMessage: msgPatternMismatch,
	})},
	{name: "securityTokenHeader", admin: true, clean: cleanChar(charField{
		maxLength: 64, allowBlank: true,
		pattern: securityTokenHeaderPattern.MatchString, patternMessage: msgPatternMismatch,
	})},
	{name: "verifySSL", admin: true, clean: cleanBool},
	{name: "defaultEnvironment", admin: true, clean: cleanChar(charField{allowNull: true, allowBlank: true})},
	{name: "dataScrubber", admin: true, clean: cleanBool},
	{name: "dataScrubberDefaults", admin: true, clean: cleanBool},
	{name: "sensitiveFields", admin: true, clean: func(c *call, p *project, v any) (any, any) {
		list, e := cleanStringList(c, p, v)
		if e != nil {
			return nil, e
		}
		items, _ := list.([]string)
		total := 0
		for _, s := range items {
			total += len([]rune(s))
		}
		if total > maxSensitiveFieldChars {
			return nil, errs(msgSensitiveTooLong)
		}
		return list, nil
	}},
	{name: "safeFields", admin: true, clean: cleanStringList},
	{name: "storeCrashReports", admin: true, clean: func(_ *call, _ *project, v any) (any, any) {
		lo, hi := int64(-1), int64(storeCrashReportsMax)
		return cleanInt(v, &lo, &hi, true)
	}},
	{name: "relayPiiConfig", admin: true, clean: cleanChar(charField{allowNull: true, allowBlank: true})},
	{name: "builtinSymbolSources", admin: true, clean: cleanStringList},
	{name: "symbolSources", admin: true, clean: func(_ *call, _ *project, v any) (any, any) {
		s, e := charField{allowNull: true, allowBlank: true}.clean(v)
		if e != nil {
			return nil, e
		}
		if s != "" && !json.Valid([]byte(s)) {
			// parse_sources: "Sources are not valid serialised JSON."
			return nil, errs("Sources are not valid serialised JSON.")
		}
		if v == nil {
			return nil, nil
		}
		return s, nil
	}},
	{name: "scrubIPAddresses", admin: true, clean: cleanBool},
	{name: "groupingConfig", admin: true, clean: refuseAfter(charField{allowNull: true, allowBlank: true}, "Grouping config cannot be manually set.")},
	{name: "groupingEnhancements", admin: true, clean: cleanChar(charField{allowNull: true, allowBlank: true})},
	{name: "fingerprintingRules", admin: true, clean: cleanChar(charField{allowNull: true, allowBlank: true})},
	{name: "secondaryGroupingConfig", admin: true, clean: refuseAfter(charField{allowNull: true, allowBlank: true}, "Secondary grouping config cannot be manually set.")},
	{name: "secondaryGroupingExpiry", admin: true, clean: func(_ *call, _ *project, v any) (any, any) {
		lo := int64(1)
		if _, e := cleanInt(v, &lo, nil, true); e != nil {
			return nil, e
		}
		return nil, errs("Secondary grouping expiry cannot be manually set.")
	}},
	{name: "scrapeJavaScript", admin: true, clean: cleanBool},
	{name: "enableAutoReleaseCreation", admin: true, clean: cleanBool},
	{name: "allowedDomains", admin: true, clean: cleanAllowedDomains},
	{name: "copy_from_project", admin: true, clean: cleanCopyFrom},
	{name: "targetSampleRate", admin: true, clean: func(_ *call, _ *project, v any) (any, any) {
		if e := cleanFloat(v, 0, 1); e != nil {
			return nil, e
		}
		// validate_targetSampleRate: no organization here has custom
		// dynamic sampling.
		return nil, errs("Organization does not have the custom dynamic sample rate feature enabled.")
	}},
	{name: "dynamicSamplingBiases", admin: true, clean: func(_ *call, _ *project, v any) (any, any) {
		list, ok := v.([]any)
		if !ok {
			return nil, errs(`Expected a list of items but got type "` + pythonTypeName(v) + `".`)
		}
		return list, nil
	}},
	{name: "tempestFetchScreenshots", admin: true, clean: func(c *call, p *project, v any) (any, any) {
		if _, e := cleanBool(c, p, v); e != nil {
			return nil, e
		}
		return nil, errs("Organization does not have the tempest feature enabled.")
	}},
	{name: "scmSourceContextEnabled", admin: true, clean: cleanBool},
	{name: "options", admin: true, clean: func(_ *call, _ *project, v any) (any, any) {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errs(`Expected a dictionary of items but got type "` + pythonTypeName(v) + `".`)
		}
		return m, nil
	}},
	{name: "debugFilesRole", admin: true, clean: func(c *call, _ *project, v any) (any, any) {
		if v == nil {
			return nil, nil
		}
		if s := pythonStr(v); settingRoleChoice(c.org, s) {
			return s, nil
		}
		return nil, errs(invalidChoice(v))
	}},
}

func cleanBool(_ *call, _ *project, v any) (any, any) {
	b, e := booleanField(v)
	if e != nil {
		return nil, e
	}
	return b, nil
}

// cleanNullBool is BooleanField(allow_null=True).
func cleanNullBool(c *call, p *project, v any) (any, any) {
	if v == nil {
		return nil, nil
	}
	return cleanBool(c, p, v)
}

// cleanJSON is JSONField: any JSON value, null only when allowed.
func cleanJSON(allowNull bool) func(*call, *project, any) (any, any) {
	return func(_ *call, _ *project, v any) (any, any) {
		if v == nil && !allowNull {
			return nil, errs(msgNull)
		}
		return v, nil
	}
}

// cleanChar is a CharField; a null it allows is None.
func cleanChar(f charField) func(*call, *project, any) (any, any) {
	return func(_ *call, _ *project, v any) (any, any) {
		s, e := f.clean(v)
		if e != nil {
			return nil, e
		}
		if v == nil {
			return nil, nil
		}
		return s, nil
	}
}

// refuseAfter is a CharField whose validate_<field> always refuses.
func refuseAfter(f charField, message string) func(*call, *project, any) (any, any) {
	return func(_ *call, _ *project, v any) (any, any) {
		if _, e := f.clean(v); e != nil {
			return nil, e
		}
		return nil, errs(message)
	}
}

// cleanProjectSlug is SentrySerializerSlugField(max_length=
// PROJECT_SLUG_MAX_LENGTH) and validate_slug: reserved slugs, and another
// project of the organization with the slug, are a 400 here, not the 409
// of project creation.
func cleanProjectSlug(c *call, p *project, v any) (any, any) {
	f := projectSlugField()
	f.allowNull = false
	s, e := f.clean(v)
	if e != nil {
		return nil, e
	}
	if reservedProjectSlugs[s] {
		return nil, errs(`The slug "` + s + `" is reserved and not allowed.`)
	}
	if other := c.org.projectSlugs[s]; other != nil && other != p {
		return nil, errs("Another project (" + other.name + ") is already using that slug")
	}
	return s, nil
}

// cleanInt is DRF's IntegerField: int(str(value)) once a trailing ".0" is
// cut, then the bounds.
func cleanInt(v any, lo, hi *int64, allowNull bool) (any, any) {
	if v == nil {
		if allowNull {
			return nil, nil
		}
		return nil, errs(msgNull)
	}
	var text string
	switch x := v.(type) {
	case json.Number:
		text = pythonNumberString(x)
	case string:
		text = x
	default:
		return nil, errs(msgNotInteger)
	}
	text = strings.TrimSpace(text)
	if i := strings.Index(text, "."); i >= 0 && strings.Trim(text[i+1:], "0") == "" {
		text = text[:i]
	}
	n, ok := pythonInt(text)
	if !ok {
		return nil, errs(msgNotInteger)
	}
	var out []string
	if lo != nil && n < *lo {
		out = append(out, "Ensure this value is greater than or equal to "+strconv.FormatInt(*lo, 10)+".")
	}
	if hi != nil && n > *hi {
		out = append(out, "Ensure this value is less than or equal to "+strconv.FormatInt(*hi, 10)+".")
	}
	if out != nil {
		return nil, out
	}
	return n, nil
}

// cleanDigestDelay is digestsMinDelay's and digestsMaxDelay's
// IntegerField(min_value=60, max_value=3600).
func cleanDigestDelay(_ *call, _ *project, v any) (any, any) {
	lo, hi := int64(60), int64(3600)
	return cleanInt(v, &lo, &hi, false)
}

// cleanFloat is FloatField with bounds; it reports only errors.
func cleanFloat(v any, lo, hi float64) any {
	var f float64
	switch x := v.(type) {
	case nil:
		return errs(msgNull)
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return errs(msgNotNumber)
		}
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil {
			return errs(msgNotNumber)
		}
	default:
		return errs(msgNotNumber)
	}
	switch {
	case f < lo:
		return errs("Ensure this value is greater than or equal to " + pythonStr(json.Number(strconv.FormatFloat(lo, 'f', -1, 64))) + ".")
	case f > hi:
		return errs("Ensure this value is less than or equal to " + pythonStr(json.Number(strconv.FormatFloat(hi, 'f', -1, 64))) + ".")
	}
	return nil
}

// cleanList is ListField over a child field: a list (not a string or an
// object), each item through the child, item errors keyed by index.
func cleanList(v any, child func(any) (string, []string)) (any, any) {
	items, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, errs(msgNull)
		}
		return nil, errs(`Expected a list of items but got type "` + pythonTypeName(v) + `".`)
	}
	out := make([]string, 0, len(items))
	var itemErrors object
	for i, item := range items {
		s, e := child(item)
		if e != nil {
			itemErrors = append(itemErrors, field{strconv.Itoa(i), e})
			continue
		}
		out = append(out, s)
	}
	if itemErrors != nil {
		return nil, itemErrors
	}
	return out, nil
}

// cleanStringList is ListField(child=CharField()).
func cleanStringList(_ *call, _ *project, v any) (any, any) {
	return cleanList(v, charField{}.clean)
}

// cleanAllowedDomains is EmptyListField(child=OriginField(allow_blank=True))
// and validate_allowedDomains: "" passes the field, blanks are dropped,
// and nothing left is refused.
func cleanAllowedDomains(_ *call, _ *project, v any) (any, any) {
	var list []string
	if v != "" {
		out, e := cleanList(v, func(item any) (string, []string) {
			s, e := charField{allowBlank: true}.clean(item)
			if e != nil || s == "" {
				return s, e
			}
			if !validOrigin(s) {
				return "", []string{s + " is not an acceptable domain"}
			}
			return s, nil
		})
		if e != nil {
			return nil, e
		}
		list, _ = out.([]string)
	}
	kept := make([]string, 0, len(list))
	for _, s := range list {
		if s != "" {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return nil, errs(msgEmptyOrigins)
	}
	return kept, nil
}

// validOrigin is OriginField.is_valid_origin
// (src/sentry/api/serializers/rest_framework/origin.py): "*", or a
// pattern whose domain part, after any scheme, has no port.
func validOrigin(s string) bool {
	if s == "*" {
		return true
	}
	rest := s
	if _, after, ok := strings.Cut(s, "://"); ok {
		rest = after
	}
	domain, _, _ := strings.Cut(rest, "/")
	return !strings.Contains(domain, ":")
}

// cleanHighlightContext is HighlightContextField: an object of lists of
// strings, duplicates dropped. Its key pattern is not checked.
func cleanHighlightContext(_ *call, _ *project, v any) (any, any) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errs(`Expected a dictionary of items but got type "` + pythonTypeName(v) + `".`)
	}
	out := make(map[string]any, len(m))
	for k, raw := range m {
		items, ok := raw.([]any)
		if !ok {
			return nil, errs("Key '" + k + "' is invalid, must be a list of strings")
		}
		var seen []string
		for _, item := range items {
			s, ok := item.(string)
			if !ok {
				return nil, errs("Key '" + k + "' is invalid, must be a list of strings")
			}
			if !slices.Contains(seen, s) {
				seen = append(seen, s)
			}
		}
		out[k] = seen
	}
	return out, nil
}

// cleanCopyFrom is copy_from_project's IntegerField and
// validate_copy_from_project.
func cleanCopyFrom(c *call, _ *project, v any) (any, any) {
	n, e := cleanInt(v, nil, nil, false)
	if e != nil {
		return nil, e
	}
	id, _ := n.(int64)
	other := c.org.projects[id]
	if other == nil {
		return nil, errs("Project to copy settings from not found.")
	}
	if !c.access.hasProjectAccess(other) {
		return nil, errs("Project settings cannot be copied from a project you do not have access to.")
	}
	for _, t := range other.teams {
		if !c.access.hasAnyTeamScope(t, scopesOf("team:write")) {
			return nil, errs("Project settings cannot be copied from a project with a team you do not have write access to.")
		}
	}
	return other, nil
}

// updateProject is PUT /projects/{org}/{project}/.
func updateProject(c *call) {
	if c.user() == nil {
		// `if not request.user.is_authenticated`, before the body is
		// read: a bare 400.
		emptyResponse(c, http.StatusBadRequest)
		return
	}
	b, ok := readBody(c)
	if !ok {
		return
	}
	p := c.project
	// has_elevated_scopes: project:write or project:admin organization-wide
	// or through a team role on one of the project's teams.
	elevated := c.access.scopes.hasAny(scopesOf("project:write", "project:admin")) ||
		c.access.hasAnyProjectScope(p, scopesOf("project:write", "project:admin"))

	result := make(map[string]any)
	var fe fieldErrors
	for _, f := range projectPutFields {
		v, present := b[f.name]
		if !present || (f.admin && !elevated) {
			continue
		}
		value, e := f.clean(c, p, v)
		if e != nil {
			fe = append(fe, field{f.name, e})
			continue
		}
		result[f.name] = value
	}
	if elevated && fe.empty() {
		// ProjectAdminSerializer.validate: against the stored delay where
		// only one is sent; an unset option is None and checks nothing.
		minDelay, minSet := result["digestsMinDelay"]
		if !minSet {
			minDelay, minSet = p.options[optDigestsMin]
		}
		maxDelay, maxSet := result["digestsMaxDelay"]
		if !maxSet {
			maxDelay, maxSet = p.options[optDigestsMax]
		}
		lo, _ := minDelay.(int64)
		hi, _ := maxDelay.(int64)
		if minSet && maxSet && hi != 0 && lo > hi {
			fe.add("digestsMinDelay", msgDigestsOrder)
		}
	}
	if !fe.empty() {
		// validated_data is empty after a failed validation, so the
		// dynamicSamplingBiases check below never comes first.
		c.fieldErrors(fe)
		return
	}
	if resultTruthy(result["dynamicSamplingBiases"]) {
		// No organization here has dynamic sampling.
		c.detail(http.StatusForbidden, "dynamicSamplingBiases is not a valid field")
		return
	}
	if !elevated {
		// Any admin field sent with a truthy value is a 403; falsy ones
		// pass and are dropped, as the endpoint checks
		// request.data.get(key).
		for _, f := range projectPutFields {
			if pythonTruthy(b[f.name]) && !resultTruthy(result[f.name]) {
				c.forbidden()
				return
			}
		}
	}

	changed := make(map[string]any)
	if s, _ := result["slug"].(string); s != "" {
		old := p.slug
		c.org.renameProject(p, s)
		changed["new_slug"] = s
		changed["old_slug"] = old
		// ProjectRedirect.record: the old slug keeps leading here.
		c.org.projectRedirects[old] = p
	}
	if s, _ := result["name"].(string); s != "" {
		p.name = s
		changed["new_project"] = s
	}
	if s, _ := result["platform"].(string); s != "" {
		p.platform = s
	}
	if u := c.user(); u != nil {
		if on, present := result["isBookmarked"].(bool); present {
			p.setBookmark(u, on)
		}
	}

	for _, o := range projectOptionFields {
		v, present := result[o.field]
		switch {
		case !present:
			continue
		case o.when == whenTruthy && !resultTruthy(v):
			continue
		case o.when == whenNotNone && v == nil:
			continue
		}
		p.setOption(o.key, v)
		if o.audit {
			changed[o.key] = v
		}
	}
	if v, present := result["resolveAge"]; present {
		n, _ := v.(int64)
		p.setOption(optResolveAge, n)
		changed[optResolveAge] = v
	}
	if v, present := result["storeCrashReports"]; present {
		if old, set := p.options["sentry:store_crash_reports"]; !set || old != v {
			changed["sentry:store_crash_reports"] = v
			if v == nil {
				delete(p.options, "sentry:store_crash_reports")
			} else {
				p.setOption("sentry:store_crash_reports", v)
			}
		}
	}
	if s, present := result["relayPiiConfig"].(string); present {
		p.setOption("sentry:relay_pii_config", s)
		changed["sentry:relay_pii_config"] = nullableString(strings.TrimSpace(s))
	}
	if s, present := result["symbolSources"].(string); present {
		p.setOption("sentry:symbol_sources", s)
		changed["sentry:symbol_sources"] = redactedSources(s)
	}
	if v, present := result["defaultEnvironment"]; present {
		if v == nil {
			delete(p.options, "sentry:default_environment")
		} else {
			p.setOption("sentry:default_environment", v)
		}
	}
	if _, present := result["dynamicSamplingBiases"]; present {
		// An empty list: get_user_biases([]) is every bias at its default.
		p.setOption("sentry:dynamic_sampling_biases", []any{})
		changed["sentry:dynamic_sampling_biases"] = []any{}
	}
	if v, present := result["debugFilesRole"]; present {
		if v == nil {
			delete(p.options, optDebugFilesRole)
		} else {
			p.setOption(optDebugFilesRole, v)
		}
		changed[optDebugFilesRole] = v
	}

	if elevated {
		options, _ := result["options"].(map[string]any)
		if failed, detail := applyLegacyOptions(c, p, options); failed {
			if detail == "" {
				writeInternalError(c.w)
			} else {
				c.detail(http.StatusBadRequest, detail)
			}
			return
		}
		if other, ok := result["copy_from_project"].(*project); ok {
			copyProjectSettings(c, p, other)
		}
		if _, ok := changed["sentry:dynamic_sampling_biases"]; ok && len(changed) == 1 {
			// Sentry answers here, before the project.edit entry.
			c.json(http.StatusOK, projectDetailBody(c, p))
			return
		}
		if v, ok := options["sentry:uptime_autodetection"]; ok {
			p.setOption("sentry:uptime_autodetection", pythonTruthy(v))
		}
	}

	data := p.auditData()
	for k, v := range changed {
		if _, clash := data[k]; !clash {
			data[k] = v
		}
	}
	c.audit("project.edit", p.id, nil, data)
	c.json(http.StatusOK, projectDetailBody(c, p))
}

// optionWhen is the test the endpoint puts on a validated value before
// storing it.
type optionWhen int

const (
	whenTruthy  optionWhen = iota // if result.get(field)
	whenNotNone                   // if result.get(field) is not None
	whenPresent                   // if field in result
)

// projectOptionField is one `project.update_option(key, result[field])`
// of the endpoint; audit is whether it lands in the project.edit data
// under the option key.
type projectOptionField struct {
	field string
	key   string
	when  optionWhen
	audit bool
}

// projectOptionFields are the plain option writes, in the endpoint's order.
var projectOptionFields = []projectOptionField{
	{field: "digestsMinDelay", key: optDigestsMin, when: whenTruthy},
	{field: "digestsMaxDelay", key: optDigestsMax, when: whenTruthy},
	{field: "subjectPrefix", key: "mail:subject_prefix", when: whenNotNone, audit: true},
	{field: "subjectTemplate", key: "mail:subject_template", when: whenTruthy},
	{field: "scrubIPAddresses", key: "sentry:scrub_ip_address", when: whenNotNone, audit: true},
	{field: "groupingEnhancements", key: "sentry:grouping_enhancements", when: whenNotNone, audit: true},
	{field: "fingerprintingRules", key: "sentry:fingerprinting_rules", when: whenNotNone, audit: true},
	{field: "securityToken", key: optToken, when: whenNotNone, audit: true},
	{field: "securityTokenHeader", key: optTokenHeader, when: whenNotNone, audit: true},
	{field: "verifySSL", key: "sentry:verify_ssl", when: whenNotNone, audit: true},
	{field: "dataScrubber", key: "sentry:scrub_data", when: whenNotNone, audit: true},
	{field: "dataScrubberDefaults", key: "sentry:scrub_defaults", when: whenNotNone, audit: true},
	{field: "sensitiveFields", key: "sentry:sensitive_fields", when: whenNotNone, audit: true},
	{field: "safeFields", key: "sentry:safe_fields", when: whenNotNone, audit: true},
	{field: "highlightContext", key: "sentry:highlight_context", when: whenNotNone, audit: true},
	{field: "highlightTags", key: "sentry:highlight_tags", when: whenNotNone, audit: true},
	{field: "builtinSymbolSources", key: "sentry:builtin_symbol_sources", when: whenNotNone, audit: true},
	{field: "scrapeJavaScript", key: "sentry:scrape_javascript", when: whenNotNone, audit: true},
	{field: "enableAutoReleaseCreation", key: "sentry:enable_auto_release_creation", when: whenNotNone, audit: true},
	{field: "allowedDomains", key: optOrigins, when: whenTruthy, audit: true},
	{field: "scmSourceContextEnabled", key: "sentry:scm_source_context_enabled", when: whenNotNone, audit: true},
	{field: "autofixAutomationTuning", key: "sentry:autofix_automation_tuning", when: whenNotNone, audit: true},
	{field: "seerScannerAutomation", key: "sentry:seer_scanner_automation", when: whenNotNone, audit: true},
	{field: "seerNightshiftTweaks", key: "sentry:seer_nightshift_tweaks", when: whenPresent, audit: true},
	{field: "preprodSizeStatusChecksEnabled", key: "sentry:preprod_size_status_checks_enabled", when: whenNotNone, audit: true},
	{field: "preprodSizeStatusChecksRules", key: "sentry:preprod_size_status_checks_rules", when: whenNotNone, audit: true},
	{field: "preprodSizePrCommentsEnabled", key: "sentry:preprod_size_pr_comments_enabled", when: whenNotNone, audit: true},
	{field: "preprodSizePrCommentsRules", key: "sentry:preprod_size_pr_comments_rules", when: whenNotNone, audit: true},
	{field: "preprodSizeEnabledByCustomer", key: "sentry:preprod_size_enabled_by_customer", when: whenPresent, audit: true},
	{field: "preprodSizeEnabledQuery", key: "sentry:preprod_size_enabled_query", when: whenPresent, audit: true},
	{field: "preprodDistributionEnabledByCustomer", key: "sentry:preprod_distribution_enabled_by_customer", when: whenPresent, audit: true},
	{field: "preprodDistributionEnabledQuery", key: "sentry:preprod_distribution_enabled_query", when: whenPresent, audit: true},
	{field: "preprodSnapshotStatusChecksEnabled", key: "sentry:preprod_snapshot_status_checks_enabled", when: whenNotNone, audit: true},
	{field: "preprodSnapshotStatusChecksFailOnAdded", key: "sentry:preprod_snapshot_status_checks_fail_on_added", when: whenNotNone, audit: true},
	{field: "preprodSnapshotStatusChecksFailOnRemoved", key: "sentry:preprod_snapshot_status_checks_fail_on_removed", when: whenNotNone, audit: true},
	{field: "preprodSnapshotStatusChecksFailOnChanged", key: "sentry:preprod_snapshot_status_checks_fail_on_changed", when: whenNotNone, audit: true},
	{field: "preprodSnapshotStatusChecksFailOnRenamed", key: "sentry:preprod_snapshot_status_checks_fail_on_renamed", when: whenNotNone, audit: true},
	{field: "preprodDistributionPrCommentsEnabledByCustomer", key: "sentry:preprod_distribution_pr_comments_enabled_by_customer", when: whenPresent, audit: true},
	{field: "preprodSnapshotPrCommentsEnabled", key: "sentry:preprod_snapshot_pr_comments_enabled", when: whenPresent, audit: true},
	{field: "preprodSnapshotPrCommentsPostOnAdded", key: "sentry:preprod_snapshot_pr_comments_post_on_added", when: whenPresent, audit: true},
	{field: "preprodSnapshotPrCommentsPostOnRemoved", key: "sentry:preprod_snapshot_pr_comments_post_on_removed", when: whenPresent, audit: true},
	{field: "preprodSnapshotPrCommentsPostOnChanged", key: "sentry:preprod_snapshot_pr_comments_post_on_changed", when: whenPresent, audit: true},
	{field: "preprodSnapshotPrCommentsPostOnRenamed", key: "sentry:preprod_snapshot_pr_comments_post_on_renamed", when: whenPresent, audit: true},
}

// legacyOption is one key of the `options` object the endpoint still
// reads for callers with write access: how its value is stored.
type legacyOption struct {
	key   string // the key in the request's options
	store string // the ProjectOption key
	// convert turns the sent value into the stored one; false means
	// Python would raise (a 500).
	convert func(v any) (any, bool)
	// feature is the organization feature the key needs besides
	// projects:custom-inbound-filters, which every project here has.
	feature string
	filter  bool
}

func optBool(v any) (any, bool) { return pythonTruthy(v), true }

// optFlag stores "1" or "0".
func optFlag(v any) (any, bool) {
	if pythonTruthy(v) {
		return "1", true
	}
	return "0", true
}

// optLines is clean_newline_inputs: lines trimmed (and lowered unless
// case matters), empty ones dropped.
func optLines(caseInsensitive bool) func(v any) (any, bool) {
	return func(v any) (any, bool) {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out := []string{}
		for _, line := range strings.Split(s, "\n") {
			if caseInsensitive {
				line = strings.ToLower(line)
			}
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
		return out, true
	}
}

// optInt is int() of a JSON value.
func optInt(v any) (any, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1), true
		}
		return int64(0), true
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		if f, err := x.Float64(); err == nil {
			return int64(f), true
		}
	case string:
		return pythonInt(x)
	}
	return nil, false
}

// optLowerList is [s.strip().lower() for s in value].
func optLowerList(v any) (any, bool) {
	items, ok := v.([]any)
	if !ok {
		s, isString := v.(string)
		if !isString {
			return nil, false
		}
		items = make([]any, 0, len(s))
		for _, r := range s {
			items = append(items, string(r))
		}
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, false
		}
		out = append(out, strings.ToLower(strings.TrimSpace(s)))
	}
	return out, true
}

func optString(v any) (any, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	return v, v != nil
}

// optCrashReports is convert_crashreport_count(value, allow_none=True).
func optCrashReports(v any) (any, bool) {
	if v == nil {
		return nil, true
	}
	return optInt(v)
}

// optPiiConfig is value.strip() or None.
func optPiiConfig(v any) (any, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	return nullableString(strings.TrimSpace(s)), true
}

// legacyOptions are the keys the endpoint reads from `options`, in its
// order; others are ignored, as Sentry ignores them.
var legacyOptions = []legacyOption{
	{key: "sentry:origins", store: optOrigins, convert: optLines(true)},
	{key: "sentry:resolve_age", store: optResolveAge, convert: optInt},
	{key: "sentry:scrub_data", store: "sentry:scrub_data", convert: optBool},
	{key: "sentry:scrub_defaults", store: "sentry:scrub_defaults", convert: optBool},
	{key: "sentry:safe_fields", store: "sentry:safe_fields", convert: optLowerList},
	{key: "sentry:store_crash_reports", store: "sentry:store_crash_reports", convert: optCrashReports},
	{key: "sentry:relay_pii_config", store: "sentry:relay_pii_config", convert: optPiiConfig},
	{key: "sentry:sensitive_fields", store: "sentry:sensitive_fields", convert: optLowerList},
	{key: "sentry:scrub_ip_address", store: "sentry:scrub_ip_address", convert: optBool},
	{key: "sentry:grouping_config", store: "sentry:grouping_config", convert: optString},
	{key: "sentry:fingerprinting_rules", store: "sentry:fingerprinting_rules", convert: optString},
	{key: "mail:subject_prefix", store: "mail:subject_prefix", convert: optString},
	{key: "sentry:default_environment", store: "sentry:default_environment", convert: optString},
	{key: "sentry:csp_ignored_sources_defaults", store: "sentry:csp_ignored_sources_defaults", convert: optBool},
	{key: "sentry:csp_ignored_sources", store: "sentry:csp_ignored_sources", convert: optLines(true)},
	{key: "sentry:blacklisted_ips", store: optBlacklisted, convert: optLines(true)},
	{key: "feedback:branding", store: "feedback:branding", convert: optFlag},
	{key: "sentry:replay_rage_click_issues", store: "sentry:replay_rage_click_issues", convert: optBool},
	{key: "sentry:replay_hydration_error_issues", store: "sentry:replay_hydration_error_issues", convert: optBool},
	{key: "sentry:feedback_user_report_notifications", store: "sentry:feedback_user_report_notifications", convert: optBool},
	{key: "sentry:feedback_ai_spam_detection", store: "sentry:feedback_ai_spam_detection", convert: optBool},
	{key: "sentry:toolbar_allowed_origins", store: "sentry:toolbar_allowed_origins", convert: optLines(true)},
	{key: "sentry:relay_automatic_json_expansion", store: "sentry:relay_automatic_json_expansion", convert: optBool},
	{key: "filters:react-hydration-errors", store: "filters:react-hydration-errors", convert: optFlag},
	{key: "filters:chunk-load-error", store: "filters:chunk-load-error", convert: optFlag},
	{key: "filters:blacklisted_ips", store: optBlacklisted, convert: optLines(true)},
	{key: "filters:releases", store: optReleases, convert: optLines(true), filter: true},
	{key: "filters:error_messages", store: optErrorMessage, convert: optLines(false), filter: true},
	{key: "filters:log_messages", store: "sentry:log_messages", convert: optLines(false), filter: true, feature: "ourlogs-ingestion"},
	{key: "filters:trace_metric_names", store: "sentry:trace_metric_names", convert: optLines(false), filter: true, feature: "tracemetrics-ingestion"},
}

// applyLegacyOptions stores the `options` keys one by one, as the
// endpoint does: a filter whose feature is missing ends the request with
// a 400 detail, a value Python cannot convert with a 500 (detail ""),
// after the keys before it were stored, and with no audit entry.
func applyLegacyOptions(c *call, p *project, options map[string]any) (bool, string) {
	for _, o := range legacyOptions {
		v, present := options[o.key]
		if !present {
			continue
		}
		if o.feature != "" && !c.org.hasFeature(o.feature) {
			return true, msgNoFeature
		}
		stored, ok := o.convert(v)
		if !ok {
			return true, ""
		}
		if stored == nil {
			delete(p.options, o.store)
			continue
		}
		p.setOption(o.store, stored)
	}
	return false, ""
}

// copyProjectSettings is Project.copy_settings_from for what the emulator
// keeps: the other project's options and its teams (environments, rules
// and ownership the emulator does not have).
func copyProjectSettings(c *call, p, other *project) {
	for k, v := range other.options {
		p.setOption(k, v)
	}
	for _, t := range other.linkedTeams() {
		c.s.st.linkProjectTeam(p, t)
	}
}

// redactedSources is the symbol sources as the audit entry keeps them:
// parsed, with secrets hidden (redact_source_secrets); nothing when they
// do not parse.
func redactedSources(s string) any {
	var sources []map[string]any
	if err := json.Unmarshal([]byte(s), &sources); err != nil {
		return []any{}
	}
	out := make([]any, len(sources))
	for i, src := range sources {
		for _, secret := range []string{"password", "secret_key", "private_key"} {
			if _, ok := src[secret]; ok {
				src[secret] = map[string]any{"hidden-secret": true}
			}
		}
		out[i] = src
	}
	return out
}

// resultTruthy is Python's truth test on a validated value.
func resultTruthy(v any) bool {
	switch x := v.(type) {
	case int64:
		return x != 0
	case []string:
		return len(x) > 0
	case *project:
		return x != nil
	}
	return pythonTruthy(v)
}

// setOption is Project.update_option.
func (p *project) setOption(key string, v any) {
	if p.options == nil {
		p.options = make(map[string]any)
	}
	p.options[key] = v
}

// renameProject changes a project's slug, keeping the index in step.
func (o *organization) renameProject(p *project, slug string) {
	delete(o.projectSlugs, p.slug)
	p.slug = slug
	o.projectSlugs[slug] = p
}

// projectMoved answers a project path whose slug is not a project's: a
// slug a project had before a rename (a ProjectRedirect) is a 302 to the
// same path with the new slug, once the caller passes the permission
// check on that project (which keeps the rename hidden from others);
// anything else is a 404. ProjectEndpoint.convert_args and
// handle_exception_with_details (src/sentry/api/bases/project.py).
func projectMoved(c *call, allowed scopeSet) {
	slug := c.path("project")
	p := c.org.projectRedirects[slug]
	if p == nil || isDecimal(slug) {
		c.notFound()
		return
	}
	if !c.access.hasAnyProjectScope(p, allowed) {
		c.forbidden()
		return
	}
	// request.get_full_path(), with the old path part replaced.
	requested := c.r.URL.EscapedPath()
	if c.r.URL.RawQuery != "" {
		requested += "?" + c.r.URL.RawQuery
	}
	org := c.path("org")
	moved := strings.ReplaceAll(requested, "projects/"+org+"/"+slug+"/", "projects/"+org+"/"+p.slug+"/")
	if moved == requested {
		c.notFound()
		return
	}
	c.w.Header().Set("Location", moved)
	c.json(http.StatusFound, object{
		{"slug", p.slug},
		{"detail", object{{"extra", object{{"url", moved}, {"slug", p.slug}}}}},
	})
}
