package sentrysim

import (
	"crypto/md5" //nolint:gosec // Sentry picks a project's color from an MD5 of its slug; nothing secret.
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	msgProjectSlugConflict = "A project with this slug already exists."
	msgTeamDoesNotExist    = "Team does not exist."
	msgInvalidPlatform     = "Invalid platform"

	// projectNameMaxLength is ProjectPostSerializer's limit on names;
	// projectSlugMaxLength is PROJECT_SLUG_MAX_LENGTH. Slugs made from a
	// name are cut at 50, as slugify_instance is told to (uniqueSlug).
	projectNameMaxLength = 50
	projectSlugMaxLength = 100
)

// reservedProjectSlugs is RESERVED_PROJECT_SLUGS: names that may not be
// project names, and that slugs made from a name step around.
var reservedProjectSlugs = map[string]bool{
	"$all": true, "api-keys": true, "audit-log": true, "auth": true, "members": true,
	"projects": true, "rate-limits": true, "repos": true, "settings": true, "teams": true,
	"billing": true, "payments": true, "legal": true, "subscription": true, "support": true,
	"integrations": true, "developer-settings": true, "usage": true,
}

// projectPlatforms is GETTING_STARTED_DOCS_PLATFORMS, what
// Project.is_valid_platform accepts besides "other" and nothing.
var projectPlatforms = func() map[string]bool {
	ids := []string{
		"android", "apple", "apple-ios", "apple-macos", "bun", "capacitor", "cloudflare-pages",
		"cloudflare-workers", "cordova", "dart", "deno", "dotnet", "dotnet-aspnet", "dotnet-aspnetcore",
		"dotnet-awslambda", "dotnet-gcpfunctions", "dotnet-maui", "dotnet-uwp", "dotnet-winforms",
		"dotnet-wpf", "dotnet-xamarin", "electron", "elixir", "flutter", "go", "go-echo", "go-fasthttp",
		"go-fiber", "go-gin", "go-http", "go-iris", "go-martini", "go-negroni", "ionic", "java",
		"java-log4j2", "java-logback", "java-spring", "java-spring-boot", "javascript",
		"javascript-angular", "javascript-astro", "javascript-ember", "javascript-gatsby",
		"javascript-nextjs", "javascript-react", "javascript-remix", "javascript-solid",
		"javascript-solidstart", "javascript-svelte", "javascript-sveltekit", "javascript-nuxt",
		"javascript-vue", "kotlin", "minidump", "native", "native-qt", "nintendo-switch", "node",
		"node-awslambda", "node-azurefunctions", "node-connect", "node-express", "node-fastify",
		"node-gcpfunctions", "node-hapi", "node-koa", "node-nestjs", "php", "php-laravel", "php-symfony",
		"powershell", "python", "python-aiohttp", "python-asgi", "python-awslambda", "python-bottle",
		"python-celery", "python-chalice", "python-django", "python-falcon", "python-fastapi",
		"python-flask", "python-gcpfunctions", "python-pylons", "python-pymongo", "python-pyramid",
		"python-quart", "python-rq", "python-sanic", "python-serverless", "python-starlette",
		"python-tornado", "python-tryton", "python-wsgi", "react-native", "ruby", "ruby-rack",
		"ruby-rails", "rust", "unity", "unreal",
	}
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}()

// consolePlatforms are CONSOLES: valid platforms an organization must
// enable first, which no organization here has.
var consolePlatforms = map[string]bool{"nintendo-switch": true, "playstation": true, "xbox": true}

// projectFeatures is what a new project's body lists under features.
var projectFeatures = []string{
	"alert-filters", "custom-inbound-filters", "discard-groups", "minidump", "rate-limits",
	"servicehooks", "similarity-indexing", "similarity-indexing-v2", "similarity-view",
	"similarity-view-v2",
}

var (
	// teamProjectPermission is TeamProjectPermission, a TeamPermission.
	teamProjectPermission = &permission{
		name: "TeamProjectPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("project:read", "project:write", "project:admin"),
			"POST":   scopesOf("project:write", "project:admin", "org:write", "org:admin"),
			"PUT":    scopesOf("project:write", "project:admin"),
			"DELETE": scopesOf("project:admin"),
		},
		teamScoped: true,
	}
	// organizationProjectsPermission is OrganizationProjectsPermission.
	organizationProjectsPermission = &permission{
		name: "OrganizationProjectsPermission",
		methods: map[string]scopeSet{
			"GET":  scopesOf("org:read", "org:write", "org:admin"),
			"POST": scopesOf("project:read", "project:write", "project:admin"),
		},
	}
	// projectPermission is ProjectPermission.
	projectPermission = &permission{
		name: "ProjectPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("project:read", "project:write", "project:admin"),
			"POST":   scopesOf("project:write", "project:admin"),
			"PUT":    scopesOf("project:write", "project:admin"),
			"DELETE": scopesOf("project:admin"),
		},
	}
	// relaxedProjectPermission is project details' RelaxedProjectPermission:
	// PUT checks its fields one by one, so any project scope gets that far.
	relaxedProjectPermission = &permission{
		name: "RelaxedProjectPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("project:read", "project:write", "project:admin"),
			"POST":   scopesOf("project:write", "project:admin"),
			"PUT":    scopesOf("project:read", "project:write", "project:admin"),
			"DELETE": scopesOf("project:admin"),
		},
	}
	// projectTeamsPermission is ProjectTeamsPermission: removing a team is
	// allowed with write access, as it destroys nothing.
	projectTeamsPermission = &permission{
		name: "ProjectTeamsPermission",
		methods: map[string]scopeSet{
			"POST":   scopesOf("project:write", "project:admin"),
			"DELETE": scopesOf("project:write", "project:admin"),
		},
	}
)

func (s *Server) registerProjectRoutes() {
	s.register(route{method: http.MethodGet, pattern: "/teams/{org}/{team}/projects/", name: "team-projects",
		perm: teamProjectPermission, target: targetTeam, handle: listTeamProjects})
	s.register(route{method: http.MethodPost, pattern: "/teams/{org}/{team}/projects/", name: "team-projects",
		perm: teamProjectPermission, target: targetTeam, handle: createTeamProject})
	s.register(route{method: http.MethodGet, pattern: "/organizations/{org}/projects/", name: "organization-projects",
		perm: organizationProjectsPermission, target: targetOrganization, handle: listOrganizationProjects})
	s.register(route{method: http.MethodGet, pattern: "/projects/{org}/{project}/", name: "project-details",
		perm: relaxedProjectPermission, target: targetProject, handle: getProject})
	s.register(route{method: http.MethodPut, pattern: "/projects/{org}/{project}/", name: "project-details",
		perm: relaxedProjectPermission, target: targetProject, handle: updateProject})
	s.register(route{method: http.MethodDelete, pattern: "/projects/{org}/{project}/", name: "project-details",
		perm: relaxedProjectPermission, target: targetProject, handle: deleteProject})
	s.register(route{method: http.MethodGet, pattern: "/projects/{org}/{project}/teams/", name: "project-teams",
		perm: projectPermission, target: targetProject, handle: listProjectTeams})
	s.register(route{method: http.MethodPost, pattern: "/projects/{org}/{project}/teams/{team}/", name: "project-team-details",
		perm: projectTeamsPermission, target: targetProject, handle: addProjectTeam})
	s.register(route{method: http.MethodDelete, pattern: "/projects/{org}/{project}/teams/{team}/", name: "project-team-details",
		perm: projectTeamsPermission, target: targetProject, handle: removeProjectTeam})
}

// lookupProject finds a project by slug or, for an all-digit value, by id.
// Deleted projects are gone from both indexes.
func (o *organization) lookupProject(idOrSlug string) *project {
	if isDecimal(idOrSlug) {
		id, err := strconv.ParseInt(idOrSlug, 10, 64)
		if err != nil {
			return nil
		}
		return o.projects[id]
	}
	return o.projectSlugs[idOrSlug]
}

// addProject stores a new project owned by one team; the caller has made
// the slug unique.
func (st *store) addProject(org *organization, owner *team, slug, name, platform string, now time.Time) *project {
	return st.addProjectID(org, 0, owner, slug, name, platform, now)
}

// addProjectID is addProject with the project's id, or 0 for a new one;
// a nil owner leaves the project without a team, as Sentry keeps projects
// whose last team is gone.
func (st *store) addProjectID(org *organization, id int64, owner *team, slug, name, platform string, now time.Time) *project {
	p := &project{
		id: st.idOr(id), org: org, slug: slug, name: name, platform: platform, dateCreated: now,
		teams: make(map[int64]*team), teamLinks: make(map[int64]int64),
	}
	org.projects[p.id] = p
	org.projectSlugs[slug] = p
	if owner != nil {
		st.linkProjectTeam(p, owner)
	}
	return p
}

// linkProjectTeam is Project.add_team; a link already there is kept as it
// is.
func (st *store) linkProjectTeam(p *project, t *team) {
	if p.teams[t.id] != nil {
		return
	}
	p.teams[t.id] = t
	p.teamLinks[t.id] = st.newID()
}

// unlinkProjectTeam is Project.remove_team.
func unlinkProjectTeam(p *project, t *team) {
	delete(p.teams, t.id)
	delete(p.teamLinks, t.id)
}

// removeProject is the end of Sentry's project deletion: the project and
// its team links are gone, and so is its slug, with the ProjectRedirect
// rows that point at it (their project key cascades,
// src/sentry/models/projectredirect.py).
func (o *organization) removeProject(p *project) {
	delete(o.projects, p.id)
	delete(o.projectSlugs, p.slug)
	for slug, to := range o.projectRedirects {
		if to == p {
			delete(o.projectRedirects, slug)
		}
	}
	clear(p.teams)
	clear(p.teamLinks)
}

// linkedTeams lists a project's teams in the order they were linked, as
// Sentry reads its ProjectTeam rows.
func (p *project) linkedTeams() []*team {
	teams := make([]*team, 0, len(p.teams))
	for _, t := range p.teams {
		teams = append(teams, t)
	}
	slices.SortFunc(teams, func(a, b *team) int { return cmpInt64(p.teamLinks[a.id], p.teamLinks[b.id]) })
	return teams
}

// auditData is project.get_audit_log_data(); status 0 is active, and a
// project here is never public.
func (p *project) auditData() map[string]any {
	return map[string]any{"id": p.id, "slug": p.slug, "name": p.name, "status": 0, "public": false}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hasProjectAccess is Access.has_project_access: global access, or
// membership of one of the project's teams.
func (a *access) hasProjectAccess(p *project) bool {
	if p.org != a.org {
		return false
	}
	if a.global {
		return true
	}
	if a.member == nil {
		return false
	}
	for id := range p.teams {
		if a.member.teams[id] != nil {
			return true
		}
	}
	return false
}

// hasAnyProjectScope is ProjectPermission's object check: with access to
// the project, one of the scopes organization-wide or from the team role
// on one of the project's teams. Access alone is not enough: open
// membership gives a billing member global access, but billing has no
// project scope and no team, so it reads no project
// (src/sentry/api/bases/project.py, src/sentry/auth/access.py).
func (a *access) hasAnyProjectScope(p *project, allowed scopeSet) bool {
	if !a.hasProjectAccess(p) {
		return false
	}
	if a.scopes.hasAny(allowed) {
		return true
	}
	for _, t := range p.teams {
		if a.teamScopes(t).hasAny(allowed) {
			return true
		}
	}
	return false
}

// projectCaller is get_access_by_project for one project: whether the
// caller is on one of its teams, may see it, and the scopes its team roles
// give there.
type projectCaller struct {
	isMember  bool
	hasAccess bool
	scopes    scopeSet
}

func callerOnProject(c *call, p *project) projectCaller {
	var m *member
	if u := c.user(); u != nil {
		if cm := p.org.membersByUser[u.id]; cm != nil && !cm.pending {
			m = cm
		}
	}
	var pc projectCaller
	if m != nil {
		for id := range p.teams {
			tm := m.teams[id]
			if tm == nil {
				continue
			}
			pc.isMember = true
			if p.org.hasFeature("team-roles") {
				pc.scopes |= tm.effectiveRole().scopes
			}
		}
	}
	pc.hasAccess = pc.isMember || p.org.allowJoinLeave || (m != nil && m.role.global)
	if !pc.hasAccess {
		pc.scopes = 0
		return pc
	}
	if m != nil {
		pc.scopes |= m.role.minTeamRole.scopes
	}
	return pc
}

// projectColor is Project.color: Sentry's get_hashed_color of the slug in
// upper case, a hue from the first three hex digits of its MD5.
func projectColor(slug string) string {
	sum := md5.Sum([]byte(strings.ToUpper(slug))) //nolint:gosec // A color, not a secret.
	hue := float64(int(sum[0])<<4|int(sum[1])>>4) / 4096
	r, g, b := hlsToRGB(hue, 0.5, 0.5)
	return fmt.Sprintf("#%02x%02x%02x", int(r*255), int(g*255), int(b*255))
}

// hlsToRGB is Python's colorsys.hls_to_rgb.
func hlsToRGB(h, l, s float64) (float64, float64, float64) {
	if s == 0 {
		return l, l, l
	}
	m2 := l + s - l*s
	if l <= 0.5 {
		m2 = l * (1 + s)
	}
	m1 := 2*l - m2
	return hlsValue(m1, m2, h+1.0/3), hlsValue(m1, m2, h), hlsValue(m1, m2, h-1.0/3)
}

func hlsValue(m1, m2, hue float64) float64 {
	// Python's float modulo takes the divisor's sign.
	hue = math.Mod(hue, 1)
	if hue < 0 {
		hue++
	}
	switch {
	case hue < 1.0/6:
		return m1 + (m2-m1)*hue*6
	case hue < 0.5:
		return m2
	case hue < 2.0/3:
		return m1 + (m2-m1)*(2.0/3-hue)*6
	}
	return m1
}

// nullableString is a value Sentry stores as NULL when nothing was given.
func nullableString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// projectTeamRefs is the short team list project bodies carry.
func projectTeamRefs(p *project) []any {
	teams := p.linkedTeams()
	out := make([]any, len(teams))
	for i, t := range teams {
		out[i] = object{{"id", strconv.FormatInt(t.id, 10)}, {"slug", t.slug}, {"name", t.name}}
	}
	return out
}

// insightFlags are the per-module flags every project body carries, all
// false for a project that has received no data.
var insightFlags = []string{
	"hasInsightsHttp", "hasInsightsDb", "hasInsightsAssets", "hasInsightsAppStart",
	"hasInsightsScreenLoad", "hasInsightsVitals", "hasInsightsCaches", "hasInsightsQueues",
	"hasInsightsAgentMonitoring", "hasInsightsMCP", "hasLogs", "hasTraceMetrics",
}

func appendFalse(o object, keys ...string) object {
	for _, k := range keys {
		o = append(o, field{k, false})
	}
	return o
}

// projectWithTeamBody is ProjectWithTeamSerializer, the body of the team
// link endpoints: "team" (the first team) is left out of a project with no
// team.
func projectWithTeamBody(c *call, p *project) object {
	pc := callerOnProject(c, p)
	o := object{
		{"id", strconv.FormatInt(p.id, 10)},
		{"slug", p.slug},
		{"name", p.name},
		{"platform", nullableString(p.platform)},
		{"dateCreated", sentryTime(p.dateCreated)},
		{"isBookmarked", p.bookmarkedBy(c.user())},
		{"isMember", pc.isMember},
		{"features", projectFeatures},
		{"firstEvent", nil},
		{"firstTransactionEvent", false},
		{"access", pc.scopes.names()},
		{"hasAccess", pc.hasAccess},
	}
	o = appendFalse(o, "hasMinifiedStackTrace", "hasFeedbacks", "hasMonitors", "hasNewFeedbacks",
		"hasProfiles", "hasReplays", "hasFlags", "hasSessions")
	o = appendFalse(o, insightFlags...)
	o = append(o,
		field{"isInternal", false},
		field{"isPublic", false},
		field{"avatar", object{{"avatarType", "letter_avatar"}, {"avatarUuid", nil}}},
		field{"color", projectColor(p.slug)},
		field{"status", "active"},
	)
	teams := projectTeamRefs(p)
	if len(teams) > 0 {
		o = append(o, field{"team", teams[0]})
	}
	return append(o, field{"teams", teams})
}

// projectSummaryBody is ProjectSummarySerializer, the body of project
// lists and of a new project: "team" is null for a project with no team.
func projectSummaryBody(c *call, p *project, latestDeploys bool) object {
	pc := callerOnProject(c, p)
	teams := projectTeamRefs(p)
	var first any
	if len(teams) > 0 {
		first = teams[0]
	}
	o := object{
		{"team", first},
		{"teams", teams},
		{"id", strconv.FormatInt(p.id, 10)},
		{"slug", p.slug},
		{"name", p.name},
		{"isBookmarked", p.bookmarkedBy(c.user())},
		{"isMember", pc.isMember},
		{"access", pc.scopes.names()},
		{"hasAccess", pc.hasAccess},
		{"dateCreated", sentryTime(p.dateCreated)},
		{"environments", []string{}},
		{"features", projectFeatures},
		{"firstEvent", nil},
		{"firstTransactionEvent", false},
	}
	o = appendFalse(o, "hasSessions", "hasProfiles", "hasReplays", "hasFlags", "hasMonitors",
		"hasFeedbacks", "hasNewFeedbacks", "hasMinifiedStackTrace")
	o = appendFalse(o, insightFlags...)
	o = append(o,
		field{"platform", nullableString(p.platform)},
		field{"platforms", []string{}},
		field{"latestRelease", nil},
		field{"hasUserReports", false},
	)
	if latestDeploys {
		o = append(o, field{"latestDeploys", nil})
	}
	return o
}

// projectDetailBody is DetailedProjectSerializer: the project's options
// where they were set, Sentry's defaults where not
// (src/sentry/api/serializers/models/project.py).
func projectDetailBody(c *call, p *project) object {
	o := projectWithTeamBody(c, p)
	opt := func(key string, def any) any {
		if v, ok := p.options[key]; ok {
			return v
		}
		return def
	}
	// Project.get_security_token makes a random one on first use; a digest
	// of the id stays the same from read to read.
	securityToken := opt(optToken, nil)
	if securityToken == nil {
		sum := sha256.Sum256([]byte("security-token:" + strconv.FormatInt(p.id, 10)))
		securityToken = hex.EncodeToString(sum[:16])
	}
	symbolSources := opt("sentry:symbol_sources", "")
	if symbolSources == "" {
		symbolSources = "[]"
	}
	return append(o,
		field{"latestRelease", nil},
		field{"options", object{
			{"sentry:csp_ignored_sources_defaults", pythonTruthy(opt("sentry:csp_ignored_sources_defaults", true))},
			{"sentry:csp_ignored_sources", joinLines(opt("sentry:csp_ignored_sources", nil))},
			{"sentry:reprocessing_active", false},
			{"filters:blacklisted_ips", joinLines(opt(optBlacklisted, nil))},
			{"filters:releases", joinLines(opt(optReleases, nil))},
			{"filters:error_messages", joinLines(opt(optErrorMessage, nil))},
			{"feedback:branding", opt("feedback:branding", "1") == "1"},
		}},
		field{"digestsMinDelay", opt(optDigestsMin, 300)},
		field{"digestsMaxDelay", opt(optDigestsMax, 1800)},
		field{"subjectPrefix", opt("mail:subject_prefix", "")},
		field{"allowedDomains", opt(optOrigins, []string{"*"})},
		field{"resolveAge", opt(optResolveAge, 0)},
		field{"dataScrubber", pythonTruthy(opt("sentry:scrub_data", true))},
		field{"dataScrubberDefaults", pythonTruthy(opt("sentry:scrub_defaults", true))},
		field{"safeFields", opt("sentry:safe_fields", []string{})},
		field{"storeCrashReports", opt("sentry:store_crash_reports", nil)},
		field{"sensitiveFields", opt("sentry:sensitive_fields", []string{})},
		field{"subjectTemplate", opt("mail:subject_template", "$shortID - $title")},
		field{"securityToken", securityToken},
		field{"securityTokenHeader", opt(optTokenHeader, nil)},
		field{"verifySSL", pythonTruthy(opt("sentry:verify_ssl", false))},
		field{"scrubIPAddresses", pythonTruthy(opt("sentry:scrub_ip_address", false))},
		field{"scrapeJavaScript", pythonTruthy(opt("sentry:scrape_javascript", true))},
		field{"groupingConfig", opt("sentry:grouping_config", "newstyle:2023-01-11")},
		field{"groupingEnhancements", opt("sentry:grouping_enhancements", "")},
		field{"derivedGroupingEnhancements", ""},
		field{"secondaryGroupingExpiry", 0},
		field{"secondaryGroupingConfig", nil},
		field{"fingerprintingRules", opt("sentry:fingerprinting_rules", "")},
		field{"organization", organizationBody(c, p.org)},
		field{"platforms", []string{}},
		field{"processingIssues", 0},
		field{"defaultEnvironment", opt("sentry:default_environment", nil)},
		field{"relayPiiConfig", opt("sentry:relay_pii_config", nil)},
		field{"builtinSymbolSources", opt("sentry:builtin_symbol_sources", []string{})},
		// No organization here has dynamic sampling: always null.
		field{"dynamicSamplingBiases", nil},
		field{"symbolSources", symbolSources},
		field{"tempestFetchScreenshots", false},
		field{"debugFilesRole", opt(optDebugFilesRole, nil)},
		field{"isDynamicallySampled", false},
		field{"enableAutoReleaseCreation", pythonTruthy(opt("sentry:enable_auto_release_creation", true))},
		field{"autofixAutomationTuning", opt("sentry:autofix_automation_tuning", "off")},
		field{"seerScannerAutomation", pythonTruthy(opt("sentry:seer_scanner_automation", false))},
		field{"seerNightshiftTweaks", opt("sentry:seer_nightshift_tweaks", nil)},
		field{"highlightTags", opt("sentry:highlight_tags", []string{})},
		field{"highlightContext", opt("sentry:highlight_context", object{})},
		field{"highlightPreset", object{{"tags", []string{}}, {"context", object{}}}},
		field{"scmSourceContextEnabled", pythonTruthy(opt("sentry:scm_source_context_enabled", false))},
	)
}

// joinLines is "\n".join(option or []), how the body shows list options.
func joinLines(v any) string {
	lines, _ := v.([]string)
	return strings.Join(lines, "\n")
}

// projectsOfTeam lists the projects a team is linked to, by slug.
func projectsOfTeam(t *team) []*project {
	var out []*project
	for _, p := range t.org.projects {
		if p.teams[t.id] != nil {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, compareProjectSlugs)
	return out
}

func compareProjectSlugs(a, b *project) int { return strings.Compare(a.slug, b.slug) }

// statsPeriodError is the nested error body the project lists keep for a
// bad statsPeriod.
func statsPeriodError(c *call, message string) {
	c.json(http.StatusBadRequest, object{{"error", object{{"params", object{{"stats_period", object{{"message", message}}}}}}}})
}

// listTeamProjects is GET /teams/{org}/{team}/projects/.
func listTeamProjects(c *call) {
	switch c.r.URL.Query().Get("statsPeriod") {
	case "", "24h", "14d", "30d":
	default:
		statsPeriodError(c, "Invalid stats_period. Valid choices are '', '24h', '14d', and '30d'")
		return
	}
	page, ok := paginate(c, projectsOfTeam(c.team))
	if !ok {
		return
	}
	out := make([]object, len(page))
	for i, p := range page {
		out[i] = projectSummaryBody(c, p, true)
	}
	c.json(http.StatusOK, out)
}

// projectSlugField is the slug of ProjectPostSerializer.
func projectSlugField() charField {
	return charField{
		maxLength:      projectSlugMaxLength,
		allowNull:      true,
		invalid:        msgSlugInvalid,
		pattern:        validSlug,
		patternMessage: msgSlugInvalid,
	}
}

// createTeamProject is POST /teams/{org}/{team}/projects/: a project owned
// by the team in the path.
func createTeamProject(c *call) {
	b, ok := readBody(c)
	if !ok {
		return
	}
	var fe fieldErrors
	var name, slug, platform string
	if !b.has("name") {
		fe.add("name", msgRequired)
	} else {
		v, errs := charField{maxLength: projectNameMaxLength}.clean(b["name"])
		if errs == nil && reservedProjectSlugs[v] {
			errs = []string{`The name "` + v + `" is reserved and not allowed.`}
		}
		if errs != nil {
			fe.add("name", errs...)
		}
		name = v
	}
	if b.has("slug") {
		v, errs := projectSlugField().clean(b["slug"])
		if errs != nil {
			fe.add("slug", errs...)
		}
		slug = v
	}
	if b.has("platform") {
		v, errs := charField{allowNull: true, allowBlank: true}.clean(b["platform"])
		switch {
		case errs != nil:
		case v != "" && v != "other" && !projectPlatforms[v]:
			errs = []string{msgInvalidPlatform}
		case consolePlatforms[v]:
			errs = []string{"Console platform '" + v + "' is not enabled for this organization"}
		}
		if errs != nil {
			fe.add("platform", errs...)
		}
		platform = v
	}
	if b.has("default_rules") {
		if _, errs := booleanField(b["default_rules"]); errs != nil {
			fe.add("default_rules", errs...)
		}
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}

	org := c.org
	if slug == "" {
		slug = uniqueSlug(name, func(s string) bool {
			return org.projectSlugs[s] != nil || reservedProjectSlugs[s]
		})
	}
	if org.projectSlugs[slug] != nil {
		// The database's unique constraint, caught by the endpoint.
		c.detail(http.StatusConflict, msgProjectSlugConflict)
		return
	}
	p := c.s.st.addProject(org, c.team, slug, name, platform, c.s.now())
	event, data := "project.create", p.auditData()
	if origin, ok := b["origin"]; ok && pythonTruthy(origin) {
		event = "project.create-with-origin"
		data["origin"] = origin
	}
	c.audit(event, p.id, nil, data)
	c.json(http.StatusCreated, projectSummaryBody(c, p, true))
}

// listOrganizationProjects is GET /organizations/{org}/projects/.
func listOrganizationProjects(c *call) {
	q := c.r.URL.Query()
	switch q.Get("statsPeriod") {
	case "", "1h", "24h", "7d", "14d", "30d", "90d":
	default:
		statsPeriodError(c, "Invalid stats_period. Valid choices are '', '1h', '24h', '7d', '14d', '30d', and '90d'")
		return
	}
	if dataset, ok := q["dataset"]; ok {
		switch dataset[len(dataset)-1] {
		case "", "discover", "metricsEnhanced", "metrics":
		default:
			c.detail(http.StatusBadRequest, "dataset must be one of: , discover, metricsEnhanced, metrics")
			return
		}
	}

	projects := make([]*project, 0, len(c.org.projects))
	for _, p := range c.org.projects {
		// An organization token sees the projects of the organization's
		// teams, which leaves out projects with no team.
		if c.user() == nil && len(p.teams) == 0 {
			continue
		}
		projects = append(projects, p)
	}
	projects, ok := filterProjects(c, projects, q.Get("query"))
	if !ok {
		return
	}
	slices.SortFunc(projects, compareProjectSlugs)
	if u := c.user(); u != nil && q.Get("all_projects") != "1" {
		// src/sentry/core/endpoints/organization_projects.py orders a
		// signed-in user's list by
		// ("-is_bookmarked", "slug"): the user's bookmarked projects
		// (ProjectBookmark) first. all_projects=1 and organization tokens
		// order by slug alone.
		slices.SortStableFunc(projects, func(a, b *project) int {
			ab, bb := a.bookmarkedBy(u), b.bookmarkedBy(u)
			switch {
			case ab && !bb:
				return -1
			case bb && !ab:
				return 1
			}
			return 0
		})
	}

	latestDeploys := !slices.Contains(q["collapse"], "latestDeploys")
	if q.Get("all_projects") == "1" {
		out := make([]object, len(projects))
		for i, p := range projects {
			out[i] = projectSummaryBody(c, p, latestDeploys)
		}
		c.json(http.StatusOK, out)
		return
	}
	page, ok := paginate(c, projects)
	if !ok {
		return
	}
	out := make([]object, len(page))
	for i, p := range page {
		out[i] = projectSummaryBody(c, p, latestDeploys)
	}
	c.json(http.StatusOK, out)
}

// filterProjects applies the projects list's ?query=: free text matches
// name or slug, id:, slug:, team:, !team: and is_member: filter, unknown
// keys match nothing.
func filterProjects(c *call, projects []*project, query string) ([]*project, bool) {
	if query == "" {
		return projects, true
	}
	tokens := tokenizeQuery(query)
	out := projects
	for _, key := range tokens.keys {
		values := tokens.values[key]
		var keep func(*project) bool
		switch key {
		case "query":
			text := strings.ToLower(strings.Join(values, " "))
			keep = func(p *project) bool {
				return strings.Contains(strings.ToLower(p.name), text) || strings.Contains(strings.ToLower(p.slug), text)
			}
		case "id":
			ids := make([]int64, 0, len(values))
			for _, v := range values {
				id, err := strconv.ParseInt(v, 10, 64)
				if !isDecimal(v) || err != nil {
					statsPeriodError(c, "All 'id' values must be integers.")
					return nil, false
				}
				ids = append(ids, id)
			}
			keep = func(p *project) bool { return slices.Contains(ids, p.id) }
		case "slug":
			keep = func(p *project) bool { return slices.Contains(values, p.slug) }
		case "team", "!team":
			exclude := key == "!team"
			keep = func(p *project) bool {
				linked := false
				for _, t := range p.teams {
					if slices.Contains(values, t.slug) {
						linked = true
					}
				}
				return linked != exclude
			}
		case "is_member":
			u := c.user()
			keep = func(p *project) bool {
				if u == nil {
					return false
				}
				m := p.org.membersByUser[u.id]
				if m == nil {
					return false
				}
				for id := range p.teams {
					if m.teams[id] != nil {
						return true
					}
				}
				return false
			}
		default:
			keep = func(*project) bool { return false }
		}
		out = slices.DeleteFunc(slices.Clone(out), func(p *project) bool { return !keep(p) })
	}
	return out, true
}

// getProject is GET /projects/{org}/{project}/.
func getProject(c *call) {
	c.json(http.StatusOK, projectDetailBody(c, c.project))
}

// deleteProject is DELETE /projects/{org}/{project}/: Sentry marks the
// project for deletion, renames it out of the way and removes it in the
// background; here it is gone at once.
func deleteProject(c *call) {
	b, ok := readBody(c)
	if !ok {
		return
	}
	p := c.project
	event, data := "project.remove", p.auditData()
	if origin, ok := b["origin"]; ok && pythonTruthy(origin) {
		event = "project.remove-with-origin"
		data["origin"] = origin
	}
	c.org.removeProject(p)
	c.audit(event, p.id, nil, data)
	c.w.WriteHeader(http.StatusNoContent)
}

// compareNames orders names roughly as Sentry's database collation
// (en_US.UTF-8) does: letters before case, and lower case first between
// names that differ only in case.
func compareNames(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(b, a)
}

// listProjectTeams is GET /projects/{org}/{project}/teams/: the project's
// teams by name.
func listProjectTeams(c *call) {
	teams := c.project.linkedTeams()
	slices.SortStableFunc(teams, func(a, b *team) int { return compareNames(a.name, b.name) })
	page, ok := paginate(c, teams)
	if !ok {
		return
	}
	out := make([]object, len(page))
	for i, t := range page {
		out[i] = teamBody(c, t, teamExpand{})
	}
	c.json(http.StatusOK, out)
}

// pathTeam resolves the {team} of a project-team path, with the 404 detail
// Sentry gives there.
func pathTeam(c *call) *team {
	t := c.org.lookupTeam(c.path("team"))
	if t == nil {
		c.detail(http.StatusNotFound, msgTeamDoesNotExist)
	}
	return t
}

// addProjectTeam is POST /projects/{org}/{project}/teams/{team}/: 201 with
// the project whether or not the link was new.
func addProjectTeam(c *call) {
	t := pathTeam(c)
	if t == nil {
		return
	}
	p := c.project
	c.s.st.linkProjectTeam(p, t)
	c.audit("project-team.add", p.id, nil, map[string]any{"team_slug": t.slug, "project_slug": p.slug})
	c.json(http.StatusCreated, projectWithTeamBody(c, p))
}

// removeProjectTeam is DELETE /projects/{org}/{project}/teams/{team}/: a
// team admin may only take away teams it administers. 200 with the
// project whether or not there was a link.
func removeProjectTeam(c *call) {
	t := pathTeam(c)
	if t == nil {
		return
	}
	if !c.access.hasAnyTeamScope(t, scopesOf("project:write")) {
		c.json(http.StatusForbidden, object{{"detail", []string{detailForbidden}}})
		return
	}
	p := c.project
	unlinkProjectTeam(p, t)
	c.audit("project-team.remove", p.id, nil, map[string]any{"team_slug": t.slug, "project_slug": p.slug})
	c.json(http.StatusOK, projectWithTeamBody(c, p))
}
