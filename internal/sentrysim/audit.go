package sentrysim

import (
	"crypto/md5" //nolint:gosec // Sentry's gravatar URLs carry an MD5 of the email; nothing secret.
	"encoding/hex"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// audit records an entry in the organization's audit log, as Sentry's
// create_audit_entry does after a change: the actor is the calling user,
// or the organization token's name. event is the log's event name
// ("team.create"); targetObject is the changed object's id (0: none); data
// is what Sentry stores with it.
func (c *call) audit(event string, targetObject int64, targetUser *user, data map[string]any) {
	e := &auditEntry{
		id:           c.s.st.newID(),
		event:        event,
		ipAddress:    remoteIP(c.r),
		targetObject: targetObject,
		targetUser:   targetUser,
		data:         data,
		// The database keeps microseconds.
		dateCreated: c.s.now().Truncate(time.Microsecond),
	}
	if p := c.principal; p != nil {
		e.actor = p.user
		if p.user == nil {
			e.actorLabel = p.token.name
		}
	}
	c.org.appendAudit(e)
}

// appendAudit adds an entry to the log. The log stays in date order for
// the list's binary searches; only a clock that went back (or an entry
// dated in the past, as a seed file's) puts one anywhere but at the end.
func (o *organization) appendAudit(e *auditEntry) {
	log := o.audit
	if n := len(log); n == 0 || compareAudit(log[n-1], e) <= 0 {
		o.audit = append(log, e)
		return
	}
	i, _ := slices.BinarySearchFunc(log, e, compareAudit)
	o.audit = slices.Insert(log, i, e)
}

// compareAudit orders entries by date, and by id among entries of the same
// instant: the order of the organization's log.
func compareAudit(a, b *auditEntry) int {
	if c := a.dateCreated.Compare(b.dateCreated); c != 0 {
		return c
	}
	return cmpInt64(a.id, b.id)
}

// auditFeature is the plan feature behind the audit log: without it, as on
// Sentry's lower plans, the list is always empty.
const auditFeature = "audit-log"

// maxAuditActorID is the largest actor id the list accepts. Sentry's
// serializer caps it at 2147483647 (a 32-bit user id); the emulator hands
// out 64-bit ids to users too, so it accepts any 64-bit id.
const maxAuditActorID = math.MaxInt64

// organizationAuditPermission is OrganizationAuditPermission: reading the
// log takes org:write, which managers and owners hold.
var organizationAuditPermission = &permission{
	name:    "OrganizationAuditPermission",
	methods: map[string]scopeSet{"GET": scopesOf("org:write")},
}

func (s *Server) registerAuditRoutes() {
	s.register(route{method: http.MethodGet, pattern: "/organizations/{org}/audit-logs/", name: "organization-audit-logs",
		perm: organizationAuditPermission, target: targetOrganization, handle: listAuditLogs})
}

// auditEvent is one of Sentry's registered audit log events: its API name
// and how its note is written.
type auditEvent struct {
	name string
	note func(e *auditEntry) string
}

// tmpl is an event whose note is a template over the entry's data, as
// AuditLogEvent.template is.
func tmpl(name, template string) auditEvent {
	return auditEvent{name: name, note: func(e *auditEntry) string { return formatTemplate(template, e.data) }}
}

// fixed is an event whose note never changes (or that has no template).
func fixed(name, note string) auditEvent {
	return auditEvent{name: name, note: func(*auditEntry) string { return note }}
}

// auditEventTable is every event Sentry registers, in its registration
// order, which is the order of the list's "options".
var auditEventTable = []auditEvent{
	tmpl("member.invite", "invited member {email}"),
	{name: "member.add", note: func(e *auditEntry) string {
		if e.targetUser == e.actor {
			return "joined the organization"
		}
		return "add member " + memberDisplay(e)
	}},
	fixed("member.accept-invite", "accepted the membership invite"),
	{name: "member.edit", note: func(e *auditEntry) string {
		role := "N/A"
		if v := e.data["role"]; pythonTruthy(v) {
			role = pythonStr(v)
		}
		teams := "N/A"
		if v, ok := e.data["team_slugs"]; ok {
			teams = joinPythonStr(v, ", ")
		}
		return "edited member " + memberDisplay(e) + " (role: " + role + ", teams: " + teams + ")"
	}},
	{name: "member.remove", note: func(e *auditEntry) string {
		if e.targetUser == e.actor {
			return "left the organization"
		}
		return "removed member " + memberDisplay(e)
	}},
	{name: "member.join-team", note: func(e *auditEntry) string {
		if e.targetUser == e.actor {
			return formatTemplate("joined team {team_slug}", e.data)
		}
		return "added " + memberDisplay(e) + formatTemplate(" to team {team_slug}", e.data)
	}},
	{name: "member.leave-team", note: func(e *auditEntry) string {
		if e.targetUser == e.actor {
			return formatTemplate("left team {team_slug}", e.data)
		}
		return "removed " + memberDisplay(e) + formatTemplate(" from team {team_slug}", e.data)
	}},
	{name: "member.pending", note: func(e *auditEntry) string {
		return "required member " + memberDisplay(e) + " to setup 2FA"
	}},
	fixed("org.create", "created the organization"),
	{name: "org.edit", note: func(e *auditEntry) string {
		return "edited the organization setting: " + dataItems(e.data, ", ")
	}},
	fixed("org.remove", "removed the organization"),
	fixed("org.restore", "restored the organization"),
	tmpl("team.create", "created team {slug}"),
	tmpl("team.edit", "edited team {slug}"),
	tmpl("team.remove", "removed team {slug}"),
	tmpl("project.create", "created project {slug}"),
	{name: "project.edit", note: func(e *auditEntry) string {
		if _, ok := e.data["old_slug"]; ok {
			return formatTemplate("renamed project slug from {old_slug} to {new_slug}", e.data)
		}
		parts := make([]string, 0, len(e.data))
		for _, k := range sortedKeys(e.data) {
			parts = append(parts, "in "+k+" to "+pythonStr(e.data[k]))
		}
		return "edited project settings " + strings.Join(parts, " ")
	}},
	fixed("project.change-performance-issue-detection", "edited project performance issue detector settings "),
	tmpl("project.remove", "removed project {slug}"),
	tmpl("project.remove-with-origin", "removed project {slug} in {origin}"),
	tmpl("project.request-transfer", "requested to transfer project {slug}"),
	tmpl("project.accept-transfer", "accepted transfer of project {slug}"),
	tmpl("project.enable", "enable project filter {state}"),
	tmpl("project.disable", "disable project filter {state}"),
	tmpl("tagkey.remove", "removed tags matching {key} = *"),
	tmpl("projectkey.create", "added project key {public_key}"),
	tmpl("projectkey.edit", "edited project key {public_key}"),
	tmpl("projectkey.remove", "removed project key {public_key}"),
	tmpl("projectkey.change", "edited project key {public_key}"),
	tmpl("sso.enable", "enabled sso ({provider})"),
	tmpl("sso.disable", "disabled sso ({provider})"),
	{name: "sso.edit", note: func(e *auditEntry) string {
		return "edited sso settings: " + dataItems(e.data, ", ")
	}},
	fixed("sso-identity.link", "linked their account to a new identity"),
	tmpl("api-key.create", "added api key {label}"),
	tmpl("api-key.edit", "edited api key {label}"),
	tmpl("api-key.remove", "removed api key {label}"),
	tmpl("rule.create", `added rule "{label}"`),
	tmpl("rule.edit", `edited rule "{label}"`),
	tmpl("rule.remove", `removed rule "{label}"`),
	tmpl("rule.mute", `muted rule "{label}"`),
	tmpl("rule.disable", `disabled rule "{label}"`),
	tmpl("servicehook.create", `added a service hook for "{url}"`),
	tmpl("servicehook.edit", `edited the service hook for "{url}"`),
	tmpl("servicehook.remove", `removed the service hook for "{url}"`),
	tmpl("integration.disable", "disabled {provider} integration"),
	tmpl("integration.upgrade", "upgraded {name} for the {provider} integration"),
	tmpl("integration.add", "installed {name} for the {provider} integration"),
	tmpl("integration.edit", "edited the {name} for the {provider} integration"),
	tmpl("integration.remove", "uninstalled {name} for the {provider} integration"),
	tmpl("sentry-app.add", "created sentry app {sentry_app}"),
	tmpl("sentry-app.remove", "removed sentry app {sentry_app}"),
	tmpl("sentry-app.install", "installed sentry app {sentry_app}"),
	tmpl("sentry-app.uninstall", "uninstalled sentry app {sentry_app}"),
	tmpl("integration.rotate-client-secret", "rotated a client secret for {status} integration {sentry_app}"),
	tmpl("monitor.add", "added monitor {name}"),
	tmpl("monitor.edit", "edited monitor {name}"),
	tmpl("monitor.remove", "removed monitor {name}"),
	tmpl("monitor.environment.remove", "removed an environment from monitor {name}"),
	tmpl("monitor.environment.edit", "edited an environment from monitor {name}"),
	tmpl("internal-integration.create", "created internal integration {name}"),
	tmpl("internal-integration.disable", "disabled internal integration {name}"),
	tmpl("internal-integration.add-token", "created a token for internal integration {sentry_app}"),
	tmpl("internal-integration.remove-token", "revoked a token for internal integration {sentry_app}"),
	tmpl("invite-request.create", "request added to invite {email}"),
	tmpl("invite-request.remove", "removed the invite request for {email}"),
	tmpl("alertrule.create", `added metric alert rule "{label}"`),
	tmpl("alertrule.edit", `edited metric alert rule "{label}"`),
	tmpl("alertrule.remove", `removed metric alert rule "{label}"`),
	tmpl("alertrule.mute", `muted metric alert rule "{label}"`),
	tmpl("sampling_priority.enabled", `enabled dynamic sampling priority "{name}"`),
	tmpl("sampling_priority.disabled", `disabled dynamic sampling priority "{name}"`),
	tmpl("notification_action.create", "added an action with the '{trigger}' trigger"),
	tmpl("notification_action.edit", "edited an action with the '{trigger}' trigger"),
	tmpl("notification_action.remove", "removed an action with the '{trigger}' trigger"),
	tmpl("team-and-project.created", "created team {team_slug} and added user as Team Admin while creating project {project_slug}"),
	tmpl("org-auth-token.create", "added org auth token {name}"),
	tmpl("org-auth-token.remove", "removed org auth token {name}"),
	fixed("project.ownership-rule.edit", "modified ownership rules"),
	tmpl("project-team.remove", "removed team {team_slug} from project {project_slug}"),
	tmpl("project-team.add", "added team {team_slug} to project {project_slug}"),
	tmpl("metric.block", "blocked metric {metric_mri} for project {project_slug}"),
	tmpl("metric.tags.block", "blocked {tags} tags of metric {metric_mri} for project {project_slug}"),
	tmpl("metric.unblock", "unblocked metric {metric_mri} for project {project_slug}"),
	tmpl("metric.tags.unblock", "unblocked {tags} tags of metric {metric_mri} for project {project_slug}"),
	tmpl("issue.delete", "Deleted issue {issue_id} for project {project_slug}"),
	tmpl("span_extraction_rule_config.create", "Created span-based metric for span attribute {span_attribute} for project {project_slug}"),
	tmpl("span_extraction_rule_config.update", "Updated span-based metric for span attribute {span_attribute} for project {project_slug}"),
	tmpl("span_extraction_rule_config.delete", "Deleted span-based metric for span attribute {span_attribute} for project {project_slug}"),
	tmpl("project_template.create", "Created project template {name} for organization {organization_id}"),
	tmpl("uptime_monitor.add", "added uptime monitor {name}"),
	tmpl("uptime_monitor.edit", "edited uptime monitor {name}"),
	tmpl("uptime_monitor.remove", "removed uptime monitor {name}"),
	tmpl("workflow_engine_detector.add", "added workflow engine detector {name}"),
	tmpl("workflow_engine_detector.edit", "edited workflow engine detector {name}"),
	tmpl("workflow_engine_detector.remove", "removed workflow engine detector {name}"),
	tmpl("member.reinvite", "reinvited member {email}"),
	fixed("data-secrecy.waived", "waived data secrecy"),
	fixed("data-secrecy.reinstated", ""),
	tmpl("playstation-client-id.create", "added playstation client id {client_id}"),
	tmpl("playstation-client-id.remove", "removed playstation client id {client_id}"),
	tmpl("trusted-relay.add", "added trusted relay {name} with public key {public_key}"),
	tmpl("trusted-relay.edit", "edited trusted relay {name} with public key {public_key}"),
}

var (
	auditEventsByName = func() map[string]*auditEvent {
		m := make(map[string]*auditEvent, len(auditEventTable))
		for i := range auditEventTable {
			m[auditEventTable[i].name] = &auditEventTable[i]
		}
		return m
	}()
	// auditEventNames is the list's "options": every event name, in
	// Sentry's registration order.
	auditEventNames = func() []string {
		names := make([]string, len(auditEventTable))
		for i, e := range auditEventTable {
			names[i] = e.name
		}
		return names
	}()
)

// memberDisplay is _get_member_display: the email in the data, else the
// target user's display name.
func memberDisplay(e *auditEntry) string {
	if v, ok := e.data["email"]; ok && v != nil {
		return pythonStr(v)
	}
	if e.targetUser != nil {
		return e.targetUser.displayName()
	}
	return "(unknown member)"
}

// displayName is User.get_display_name.
func (u *user) displayName() string {
	if u.name != "" {
		return u.name
	}
	return u.email
}

// formatTemplate is str.format over the entry's data: {key} becomes the
// value as Python's str() writes it.
func formatTemplate(template string, data map[string]any) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(template, '{')
		if i < 0 {
			b.WriteString(template)
			return b.String()
		}
		j := strings.IndexByte(template[i:], '}')
		if j < 0 {
			b.WriteString(template)
			return b.String()
		}
		b.WriteString(template[:i])
		b.WriteString(pythonStr(data[template[i+1:i+j]]))
		template = template[i+j+1:]
	}
}

// dataItems writes "key value" pairs, keys sorted: the emulator's data has
// no insertion order to keep.
func dataItems(data map[string]any, sep string) string {
	parts := make([]string, 0, len(data))
	for _, k := range sortedKeys(data) {
		parts = append(parts, k+" "+pythonStr(data[k]))
	}
	return strings.Join(parts, sep)
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// listAuditLogs is GET /organizations/{org}/audit-logs/: the entries,
// newest first, through Sentry's DateTimePaginator, with every event name
// Sentry knows beside them.
func listAuditLogs(c *call) {
	q := c.r.URL.Query()
	var fe fieldErrors
	event, hasEvent := lastQueryValue(q, "event")
	// A blank optional field is left out, as DRF does with query data.
	event = strings.TrimSpace(event)
	hasEvent = hasEvent && event != ""
	actorRaw, hasActor := lastQueryValue(q, "actor")
	hasActor = hasActor && actorRaw != ""
	var actorID int64
	if hasActor {
		id, msg := integerField(actorRaw, maxAuditActorID)
		if msg != "" {
			fe.add("actor", msg)
		}
		actorID = id
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}
	start, end, hasRange, msg := auditDateRange(q, c.s.now())
	if msg != "" {
		c.detail(http.StatusBadRequest, msg)
		return
	}

	keep := func(e *auditEntry) bool {
		return (!hasEvent || e.event == event) &&
			(!hasActor || e.actor != nil && e.actor.id == actorID) &&
			(!hasRange || !e.dateCreated.Before(start) && !e.dateCreated.After(end))
	}
	var log []*auditEntry
	if c.org.hasFeature(auditFeature) && (!hasEvent || auditEventsByName[event] != nil) {
		log = c.org.audit
	}
	if hasRange {
		// The log is in date order: only the entries in the range need
		// a look.
		from := sort.Search(len(log), func(i int) bool { return !log[i].dateCreated.Before(start) })
		to := sort.Search(len(log), func(i int) bool { return log[i].dateCreated.After(end) })
		log = log[from:max(from, to)]
	}

	page, ok := dateTimePaginate(c, log, keep)
	if !ok {
		return
	}
	// Each user is serialized once, as Sentry's get_attrs does.
	users := make(map[*user]rawJSON)
	writeJSONBody(c.w, http.StatusOK, func(b []byte) ([]byte, error) {
		b = append(b, `{"rows":[`...)
		for i, e := range page {
			if i > 0 {
				b = append(b, ',')
			}
			w := objectWriter{b: append(b, '{')}
			writeAuditEntryFields(&w, c, e, users)
			if w.err != nil {
				return nil, w.err
			}
			b = append(w.b, '}')
		}
		b = append(b, `],"options":`...)
		b = append(b, auditEventNamesJSON...)
		return append(b, '}'), nil
	})
}

// auditEventNamesJSON is the list's "options", encoded once.
var auditEventNamesJSON = mustJSON(auditEventNames)

// lastQueryValue is QueryDict.get: the last value given for the key.
func lastQueryValue(q url.Values, key string) (string, bool) {
	vs, ok := q[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// integerField is DRF's IntegerField with a max_value: the value or the
// message it fails with.
func integerField(raw string, maxValue int64) (int64, string) {
	if len(raw) > 1000 {
		return 0, "String value too large."
	}
	s := strings.TrimSpace(raw)
	// DRF drops a decimal point followed only by zeros ("7.00").
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	n, ok := pythonInt(s)
	if !ok {
		if !isLongInteger(s) {
			return 0, "A valid integer is required."
		}
		// Python's int has no size limit: the number is valid, and too
		// large, or too small to match anything.
		if strings.HasPrefix(s, "-") {
			return math.MinInt64, ""
		}
		n = math.MaxInt64
		if maxValue == math.MaxInt64 {
			return 0, "Ensure this value is less than or equal to " + strconv.FormatInt(maxValue, 10) + "."
		}
	}
	if n > maxValue {
		return 0, "Ensure this value is less than or equal to " + strconv.FormatInt(maxValue, 10) + "."
	}
	return n, ""
}

// Constant parts of audit log bodies, encoded once.
var (
	auditNoActor   = mustJSON(object{{"name", nil}})
	auditUserTail  = mustFields(object{{"lastActive", nil}, {"isSuperuser", false}, {"isStaff", false}, {"experiments", object{}}})
	auditSelfExtra = mustFields(object{
		{"options", object{
			{"theme", "light"},
			{"language", "en"},
			{"stacktraceOrder", -1},
			{"defaultIssueEvent", "recommended"},
			{"timezone", "UTC"},
			{"clock24Hours", false},
			{"prefersIssueDetailsStreamlinedUI", false},
		}},
		{"flags", object{{"newsletter_consent_prompt", false}}},
	})
	auditUserAvatar = mustJSON(object{{"avatarType", "letter_avatar"}, {"avatarUuid", nil}, {"avatarUrl", nil}})
	emptyJSONObject = rawJSON("{}")
)

// writeAuditEntryFields writes AuditLogEntrySerializer's fields; users
// holds the user bodies already written for the page.
func writeAuditEntryFields(w *objectWriter, c *call, e *auditEntry, users map[*user]rawJSON) {
	userBody := func(u *user) rawJSON {
		b, ok := users[u]
		if !ok {
			b = appendAuditUserBody(nil, c, u)
			users[u] = b
		}
		return b
	}
	w.id(e.id)
	switch {
	case e.actor != nil:
		w.raw("actor", userBody(e.actor))
	case e.actorLabel != "":
		w.key("actor")
		w.b = appendObject(w.b, func(a *objectWriter) { a.str("name", e.actorLabel) })
	default:
		w.raw("actor", auditNoActor)
	}
	w.str("event", e.event)
	w.str("ipAddress", e.ipAddress)
	note := ""
	if ev := auditEventsByName[e.event]; ev != nil {
		note = ev.note(e)
	}
	w.str("note", note)
	if e.targetObject != 0 {
		w.integer("targetObject", e.targetObject)
	} else {
		w.null("targetObject")
	}
	if e.targetUser != nil {
		w.raw("targetUser", userBody(e.targetUser))
	} else {
		w.null("targetUser")
	}
	if e.data == nil {
		w.raw("data", emptyJSONObject)
	} else {
		w.value("data", e.data)
	}
	w.time("dateCreated", e.dateCreated)
}

// appendAuditUserBody writes Sentry's UserSerializer, as the audit log
// shows actors and target users; the caller sees its own options and
// identities too.
func appendAuditUserBody(b []byte, c *call, u *user) []byte {
	self := c.user() == u
	return appendObject(b, func(w *objectWriter) {
		writeUserHead(w, u)
		w.boolean("hasPasswordAuth", u.hasPassword)
		w.boolean("isManaged", false)
		w.time("dateJoined", u.dateJoined)
		w.null("lastLogin")
		w.boolean("has2fa", u.has2FA)
		w.splice(auditUserTail)
		// The emulator keeps one verified email per user, under the
		// user's id.
		w.key("emails")
		w.b = append(w.b, '[')
		w.b = appendObject(w.b, func(e *objectWriter) {
			e.id(u.id)
			e.str("email", u.email)
			e.boolean("is_verified", true)
		})
		w.b = append(w.b, ']')
		if self {
			w.splice(auditSelfExtra)
		}
		w.raw("avatar", auditUserAvatar)
		if self {
			w.raw("identities", emptyJSONList)
		}
	})
}

// gravatarURL is get_gravatar_url(email, size=32).
func gravatarURL(email string) string { return string(appendGravatarURL(nil, email)) }

// writeAvatarURL writes a user body's avatarUrl field.
func writeAvatarURL(w *objectWriter, email string) {
	w.key("avatarUrl")
	w.b = append(appendGravatarURL(append(w.b, '"'), email), '"')
}

// appendGravatarURL writes gravatarURL(email).
func appendGravatarURL(b []byte, email string) []byte {
	sum := md5.Sum([]byte(strings.ToLower(email))) //nolint:gosec // Gravatar's key, not a secret.
	b = append(b, "https://gravatar.com/avatar/"...)
	b = hex.AppendEncode(b, sum[:])
	return append(b, "?s=32&d=mm"...)
}

// maxStatsPeriod is Sentry's MAX_STATS_PERIOD, the default range.
const maxStatsPeriod = 90 * 24 * time.Hour

// auditDateRange is get_date_range_from_params(optional=True): the range
// the query asks for, if any, or the message of Sentry's InvalidParams.
func auditDateRange(q url.Values, now time.Time) (start, end time.Time, ok bool, msg string) {
	get := func(k string) (string, bool) { return lastQueryValue(q, k) }
	statsPeriod, hasStatsPeriod := get("statsPeriod")
	periodStart, _ := get("statsPeriodStart")
	periodEnd, _ := get("statsPeriodEnd")
	tfStart, _ := get("timeframeStart")
	tfEnd, _ := get("timeframeEnd")
	if timeframe, has := get("timeframe"); has {
		statsPeriod, hasStatsPeriod = timeframe, true
	} else if tfStart != "" || tfEnd != "" {
		if tfStart == "" || tfEnd == "" {
			return start, end, false, "timeframeStart and timeframeEnd are both required"
		}
		periodStart, periodEnd = tfStart, tfEnd
	}

	start, end = now.Add(-maxStatsPeriod), now
	startRaw, _ := get("start")
	endRaw, _ := get("end")
	switch {
	case hasStatsPeriod:
		t, ok := timeBeforeNow(statsPeriod, now)
		if !ok {
			return start, end, false, "Invalid statsPeriod: " + pythonRepr(statsPeriod)
		}
		start = t
	case periodStart != "" || periodEnd != "":
		if periodStart == "" || periodEnd == "" {
			return start, end, false, "statsPeriodStart and statsPeriodEnd are both required"
		}
		var ok bool
		if start, ok = timeBeforeNow(periodStart, now); !ok {
			return start, end, false, "Invalid statsPeriod: " + pythonRepr(periodStart)
		}
		if end, ok = timeBeforeNow(periodEnd, now); !ok {
			return start, end, false, "Invalid statsPeriod: " + pythonRepr(periodEnd)
		}
	case startRaw != "" || endRaw != "":
		if startRaw == "" || endRaw == "" {
			return start, end, false, "start and end are both required"
		}
		var ok bool
		if start, ok = parseDatetimeString(startRaw); !ok {
			return start, end, false, startRaw + " is not a valid ISO8601 date query"
		}
		if end, ok = parseDatetimeString(endRaw); !ok {
			return start, end, false, endRaw + " is not a valid ISO8601 date query"
		}
	default:
		return start, end, false, ""
	}
	if !start.Before(end) {
		return start, end, false, "start must be before end"
	}
	return start, end, true, ""
}

// timeBeforeNow is get_datetime_from_stats_period: now less a period such
// as "24h", "90d", "2w", "30m" or "45" (seconds).
func timeBeforeNow(period string, now time.Time) (time.Time, bool) {
	// re.match with "$" also takes one trailing newline.
	p := strings.TrimSuffix(period, "\n")
	if p == "" {
		return time.Time{}, false
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	unit, digits := time.Second, p
	if u, ok := units[p[len(p)-1]]; ok {
		unit, digits = u, p[:len(p)-1]
	}
	if !isDecimal(digits) {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	// Python fails with OverflowError once the result would fall before
	// the year 1; a Duration ends long before that, so a period that does
	// not fit is out of range here.
	if err != nil || n > math.MaxInt64/int64(unit) {
		return time.Time{}, false
	}
	t := now.Add(-time.Duration(n) * unit)
	if t.Year() < 1 {
		return time.Time{}, false
	}
	return t, true
}

// parseDatetimeString is Sentry's parse_datetime_string: an ISO 8601 date
// or date and time (UTC unless it names an offset), else a Unix timestamp.
func parseDatetimeString(value string) (time.Time, bool) {
	if t, ok := parseISOTime(strings.ReplaceAll(value, "Z", "+00:00")); ok {
		return t.UTC(), true
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 253402300799 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.RoundToEven(frac*1e6))*1000).UTC(), true
}

// parseISOTime is datetime.fromisoformat for the forms clients send: a
// date, optionally a separator and a time with 0 to 9 fraction digits, and
// an offset.
func parseISOTime(s string) (time.Time, bool) {
	layouts := []string{"2006-01-02", "20060102"}
	if len(s) < 8 {
		return time.Time{}, false
	}
	dateLen := 10
	if len(s) >= 10 && s[4] == '-' {
		layouts = layouts[:1]
	} else {
		dateLen = 8
		layouts = layouts[1:]
	}
	if len(s) < dateLen {
		return time.Time{}, false
	}
	date, err := time.ParseInLocation(layouts[0], s[:dateLen], time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	rest := s[dateLen:]
	if rest == "" {
		return date, true
	}
	// Any single character separates the date from the time.
	rest = rest[1:]
	loc := time.UTC
	if i := strings.IndexAny(rest, "+-"); i >= 0 {
		off, ok := parseUTCOffset(rest[i:])
		if !ok {
			return time.Time{}, false
		}
		loc = time.FixedZone("", off)
		rest = rest[:i]
	}
	clock, ok := parseClock(rest)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc).Add(clock), true
}

// parseClock reads HH[:MM[:SS[.fff]]] or HHMMSS[.fff] as a time of day.
func parseClock(s string) (time.Duration, bool) {
	main, frac, hasFrac := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	main = strings.ReplaceAll(main, ":", "")
	if !isDecimal(main) || len(main)%2 != 0 || len(main) > 6 || len(main) == 0 {
		return 0, false
	}
	var parts [3]int
	for i := 0; i < len(main)/2; i++ {
		parts[i], _ = strconv.Atoi(main[2*i : 2*i+2])
	}
	if parts[0] > 23 || parts[1] > 59 || parts[2] > 59 {
		return 0, false
	}
	d := time.Duration(parts[0])*time.Hour + time.Duration(parts[1])*time.Minute + time.Duration(parts[2])*time.Second
	if hasFrac {
		if len(main) != 6 || !isDecimal(frac) || len(frac) > 9 {
			return 0, false
		}
		// Python keeps microseconds.
		us, _ := strconv.Atoi((frac + "000000")[:6])
		d += time.Duration(us) * time.Microsecond
	}
	return d, true
}

// parseUTCOffset reads +HH[:MM[:SS]] as seconds east of UTC.
func parseUTCOffset(s string) (int, bool) {
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	if !isDecimal(digits) || (len(digits) != 2 && len(digits) != 4 && len(digits) != 6) {
		return 0, false
	}
	var parts [3]int
	for i := 0; i < len(digits)/2; i++ {
		parts[i], _ = strconv.Atoi(digits[2*i : 2*i+2])
	}
	if parts[0] > 23 || parts[1] > 59 || parts[2] > 59 {
		return 0, false
	}
	return sign * (parts[0]*3600 + parts[1]*60 + parts[2]), true
}
