package sentrysim

import (
	"net/http"
	"slices"
	"strconv"
)

// The organization details endpoint (GET and PUT /organizations/{org}/)
// and the auth provider endpoint, as
// src/sentry/core/endpoints/organization_details.py,
// src/sentry/api/serializers/models/organization.py,
// src/sentry/api/endpoints/organization_auth_provider_details.py and
// src/sentry/api/serializers/models/auth_provider.py have them.

// Sentry's messages for require2FA (organization_details.py).
const (
	msgNo2FA       = "Cannot require two-factor authentication without personal two-factor enabled."
	msgSSOEnabled  = "Cannot require two-factor authentication with SSO enabled"
	msgInvalidRole = "Invalid role"
)

var (
	// organizationPermission is OrganizationPermission
	// (src/sentry/api/bases/organization.py).
	organizationPermission = &permission{
		name: "OrganizationPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("org:read", "org:write", "org:admin"),
			"POST":   scopesOf("org:write", "org:admin"),
			"PUT":    scopesOf("org:write", "org:admin"),
			"DELETE": scopesOf("org:admin"),
		},
	}
	// organizationAuthProviderPermission is OrganizationAuthProviderPermission.
	organizationAuthProviderPermission = &permission{
		name: "OrganizationAuthProviderPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("org:read"),
			"POST":   scopesOf("org:admin"),
			"PUT":    scopesOf("org:admin"),
			"DELETE": scopesOf("org:admin"),
		},
	}
)

func (s *Server) registerOrganizationRoutes() {
	s.register(route{method: http.MethodGet, pattern: "/organizations/{org}/", name: "organization-details",
		perm: organizationPermission, target: targetOrganization, handle: getOrganization})
	s.register(route{method: http.MethodPut, pattern: "/organizations/{org}/", name: "organization-details",
		perm: organizationPermission, target: targetOrganization, handle: updateOrganization})
	s.register(route{method: http.MethodGet, pattern: "/organizations/{org}/auth-provider/", name: "organization-auth-provider",
		perm: organizationAuthProviderPermission, target: targetOrganization, handle: getAuthProvider})
}

// Option keys and their defaults (src/sentry/constants.py): an option
// never set reads as its default.
const (
	optJoinRequests      = "sentry:join_requests"
	optEventsMemberAdmin = "sentry:events_member_admin"
	optAlertsMemberWrite = "sentry:alerts_member_write"
	optAttachmentsRole   = "sentry:attachments_role"
	optDebugFilesRole    = "sentry:debug_files_role"
)

var orgOptionDefaults = map[string]any{
	optJoinRequests:      true,
	optEventsMemberAdmin: true,
	optAlertsMemberWrite: true,
	optAttachmentsRole:   "member",
	optDebugFilesRole:    "admin",
}

// option is Organization.get_option with the option's default.
func (o *organization) option(key string) any {
	if v, ok := o.options[key]; ok {
		return v
	}
	return orgOptionDefaults[key]
}

func (o *organization) boolOption(key string) bool {
	v, _ := o.option(key).(bool)
	return v
}

func (o *organization) stringOption(key string) string {
	v, _ := o.option(key).(string)
	return v
}

// roleScopes is Organization.get_scopes (src/sentry/models/organization.py):
// the member role loses event:admin
// when eventsMemberAdmin is off and alerts:write when alertsMemberWrite is
// off; other roles keep theirs.
func (o *organization) roleScopes(r *orgRole) scopeSet {
	s := r.scopes
	if r != orgRoleMember {
		return s
	}
	if !o.boolOption(optEventsMemberAdmin) {
		s &^= scopesOf("event:admin")
	}
	if !o.boolOption(optAlertsMemberWrite) {
		s &^= scopesOf("alerts:write")
	}
	return s
}

// hasAuthProvider reports whether the organization has an SSO provider,
// which is what OrganizationSerializer._has_sso_enabled asks.
func (o *organization) hasAuthProvider() bool { return o.ssoProvider != "" || o.ssoRequired }

func (o *organization) authProviderKey() string {
	if o.ssoProvider != "" {
		return o.ssoProvider
	}
	return "saml2"
}

// settingRoleChoice is roles.get_choices() (defaultRole) and roles.get()
// (attachmentsRole, debugFilesRole): the organization roles; billing only
// where the organization has it (SaaS).
func settingRoleChoice(o *organization, name string) bool {
	r := lookupOrgRole(name)
	if r == nil {
		return false
	}
	return r != orgRoleBilling || o.hasFeature("invite-billing")
}

// orgFieldKind is how a setting is validated and stored.
type orgFieldKind int

const (
	orgFieldFlag   orgFieldKind = iota // a BooleanField stored in Organization.flags
	orgFieldOption                     // a field stored as an OrganizationOption
)

// orgSetting is one access setting of OrganizationSerializer.
type orgSetting struct {
	name string
	kind orgFieldKind
	// flag is the flag's name in the org.edit data; inverted flags store
	// the opposite of the field (disable_shared_issues for
	// allowSharedIssues).
	flag     string
	inverted bool
	field    func(o *organization) *bool
	// option is the option key; role options are CharFields checked with
	// roles.get().
	option string
	role   bool
}

// orgSettings are the settings the emulator keeps, in the order
// OrganizationSerializer declares them (the order of its error bodies);
// ORG_OPTIONS order decides the order options are saved in, which only
// the org.edit data shows, and a map has none.
var orgSettings = []orgSetting{
	{name: "openMembership", kind: orgFieldFlag, flag: "allow_joinleave", field: func(o *organization) *bool { return &o.allowJoinLeave }},
	{name: "allowSharedIssues", kind: orgFieldFlag, flag: "disable_shared_issues", inverted: true, field: func(o *organization) *bool { return &o.disableSharedIssues }},
	{name: "allowMemberInvite", kind: orgFieldFlag, flag: "disable_member_invite", inverted: true, field: func(o *organization) *bool { return &o.disableMemberInvite }},
	{name: "allowMemberProjectCreation", kind: orgFieldFlag, flag: "disable_member_project_creation", inverted: true, field: func(o *organization) *bool { return &o.disableMemberProjectCreation }},
	{name: "allowSuperuserAccess", kind: orgFieldFlag, flag: "prevent_superuser_access", inverted: true, field: func(o *organization) *bool { return &o.preventSuperuserAccess }},
	{name: "enhancedPrivacy", kind: orgFieldFlag, flag: "enhanced_privacy", field: func(o *organization) *bool { return &o.enhancedPrivacy }},
	{name: "attachmentsRole", kind: orgFieldOption, option: optAttachmentsRole, role: true},
	{name: "debugFilesRole", kind: orgFieldOption, option: optDebugFilesRole, role: true},
	{name: "eventsMemberAdmin", kind: orgFieldOption, option: optEventsMemberAdmin},
	{name: "alertsMemberWrite", kind: orgFieldOption, option: optAlertsMemberWrite},
	{name: "isEarlyAdopter", kind: orgFieldFlag, flag: "early_adopter", field: func(o *organization) *bool { return &o.earlyAdopter }},
	{name: "require2FA", kind: orgFieldFlag, flag: "require_2fa", field: func(o *organization) *bool { return &o.require2FA }},
	{name: "allowJoinRequests", kind: orgFieldOption, option: optJoinRequests},
}

// getOrganization is GET /organizations/{org}/: the detailed serializer
// with teams and projects unless ?detailed=0; feature flags only with
// ?include_feature_flags= other than "0" (the endpoint's default is "0").
func getOrganization(c *call) {
	q := c.r.URL.Query()
	detailed := q.Get("detailed") != "0"
	features := q.Has("include_feature_flags") && q.Get("include_feature_flags") != "0"
	c.json(http.StatusOK, organizationDetailBody(c, c.org, detailed, features))
}

// updateOrganization is PUT /organizations/{org}/. A caller with org:admin
// gets OwnerOrganizationSerializer, which adds defaultRole; for anyone
// else defaultRole is not a field at all, and DRF drops it unread. The
// serializer is partial: only the fields sent are validated and saved.
func updateOrganization(c *call) {
	b, ok := readBody(c)
	if !ok {
		return
	}
	o := c.org
	owner := c.access.scopes.has("org:admin")

	var fe fieldErrors
	var name, slug string
	if v, present := b["name"]; present {
		s, errs := charField{maxLength: 64}.clean(v)
		name = s
		if errs != nil {
			fe.add("name", errs...)
		}
	}
	if v, present := b["slug"]; present {
		s, errs := slugField(false).clean(v)
		slug = s
		if errs != nil {
			fe.add("slug", errs...)
		}
	}
	values := make(map[string]any)
	for _, f := range orgSettings {
		v, present := b[f.name]
		if !present {
			continue
		}
		if f.role {
			s, errs := charField{}.clean(v)
			if errs == nil && !settingRoleChoice(o, s) {
				errs = []string{msgInvalidRole}
			}
			if errs != nil {
				fe.add(f.name, errs...)
				continue
			}
			values[f.name] = s
			continue
		}
		on, errs := booleanField(v)
		if errs == nil && f.name == "require2FA" && on {
			// validate_require2FA: the acting user's own 2FA first, then SSO.
			if u := c.user(); u == nil || !u.has2FA {
				errs = []string{msgNo2FA}
			} else if o.hasAuthProvider() {
				errs = []string{msgSSOEnabled}
			}
		}
		if errs != nil {
			fe.add(f.name, errs...)
			continue
		}
		values[f.name] = on
	}
	defaultRole := ""
	if v, present := b["defaultRole"]; present && owner {
		s := ""
		if v != nil {
			s = pythonStr(v)
		}
		switch {
		case v == nil:
			fe.add("defaultRole", msgNull)
		case !settingRoleChoice(o, s):
			fe.add("defaultRole", invalidChoice(v))
		default:
			defaultRole = s
		}
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}
	if slug != "" && slug != o.slug {
		if other := c.s.st.orgsBySlug[slug]; other != nil && other != o {
			c.json(http.StatusBadRequest, object{{"slug", []string{`The slug "` + slug + `" is in use by another organization.`}}})
			return
		}
	}

	// OrganizationSerializer.save: options first ("to X" when first set
	// to other than the default, "from X to Y" when changed), then the
	// tracked fields and flags ("to True"). The data is a dict, unordered
	// to the reader of the audit log.
	changed := make(map[string]any)
	for _, f := range orgSettings {
		v, present := values[f.name]
		if !present || f.kind != orgFieldOption {
			continue
		}
		old, set := o.options[f.option]
		o.options[f.option] = v
		switch {
		case !set && v != orgOptionDefaults[f.option]:
			changed[f.name] = "to " + pythonSettingStr(v)
		case set && old != v:
			changed[f.name] = "from " + pythonSettingStr(old) + " to " + pythonSettingStr(v)
		}
	}
	for _, f := range orgSettings {
		v, present := values[f.name]
		if !present || f.kind != orgFieldFlag {
			continue
		}
		on, _ := v.(bool)
		stored := on != f.inverted
		p := f.field(o)
		if *p != stored {
			*p = stored
			changed[f.flag] = "to " + pythonSettingStr(stored)
		}
	}
	if name != "" && name != o.name {
		changed["name"] = "from " + o.name + " to " + name
		o.name = name
	}
	if slug != "" && slug != o.slug {
		changed["slug"] = "from " + o.slug + " to " + slug
		delete(c.s.st.orgsBySlug, o.slug)
		o.slug = slug
		c.s.st.orgsBySlug[slug] = o
	}
	if defaultRole != "" && defaultRole != o.defaultRole {
		changed["default_role"] = "from " + o.defaultRole + " to " + defaultRole
		o.defaultRole = defaultRole
	}
	if len(changed) > 0 {
		c.audit("org.edit", o.id, nil, changed)
	}
	if on, _ := values["require2FA"].(bool); on {
		// handle_2fa_required queues remove_2fa_non_compliant_members on
		// commit whenever require2FA=true is sent, changed or not. The
		// emulator runs it at once.
		remove2FANonCompliant(c)
	}
	c.json(http.StatusOK, organizationDetailBody(c, o, true, false))
}

// pythonSettingStr is str() of a setting's value: True/False for bools.
func pythonSettingStr(v any) string {
	if b, ok := v.(bool); ok {
		if b {
			return "True"
		}
		return "False"
	}
	return pythonStr(v)
}

// remove2FANonCompliant is TwoFactorComplianceTask.remove_non_compliant_members
// (src/sentry/tasks/auth/auth.py): every joined member whose user has no
// 2FA, whatever the role, is turned back into an invitation
// (OrganizationMember.remove_user in src/sentry/models/organizationmember.py:
// the user is unlinked, the email kept,
// a new invite token valid for 30 days; teams and role stay), with a
// member.pending entry naming the user, targeting the organization.
func remove2FANonCompliant(c *call) {
	o := c.org
	now := c.s.now()
	for _, m := range slices.Clone(o.sortedMembers()) {
		u := m.user
		if u == nil || u.has2FA {
			continue
		}
		c.audit("member.pending", o.id, u, m.auditData())
		delete(o.membersByUser, u.id)
		m.email = u.email
		m.user = nil
		m.pending = true
		m.inviteExpiresAt = now.Add(inviteValidFor)
	}
	o.memberSetChanged()
}

// organizationDetailBody is DetailedOrganizationSerializer, and with
// withLists DetailedOrganizationSerializerWithProjectsAndTeams: every
// active team and project, by slug.
func organizationDetailBody(c *call, o *organization, withLists, features bool) object {
	body := organizationBody(c, o)
	if !features {
		body = slices.DeleteFunc(body, func(f field) bool { return f.key == "features" })
	}
	allowed := allowedOrgRoles(c, nil, true)
	teamRoleFeature := o.hasFeature("team-roles")
	orgRoleList := make([]object, 0, len(orgRoles))
	available := make([]object, 0, len(orgRoles))
	for _, r := range orgRoles {
		if r == orgRoleBilling && !o.hasFeature("invite-billing") {
			continue
		}
		isAllowed := slices.Contains(allowed, r)
		info := orgRoleInfo[r]
		available = append(available, object{{"id", r.id}, {"name", info[0]}})
		orgRoleList = append(orgRoleList, object{
			{"id", r.id}, {"name", info[0]}, {"desc", info[1]}, {"scopes", o.roleScopes(r).names()},
			{"allowed", isAllowed}, {"isAllowed", isAllowed}, {"isRetired", teamRoleFeature && r.retired},
			{"isTeamRolesAllowed", teamRolesAllowed(r)}, {"is_global", r.global}, {"isGlobal", r.global},
			{"minimumTeamRole", r.minTeamRole.id},
		})
	}
	teamRoleList := make([]object, 0, len(teamRoles))
	for _, r := range teamRoles {
		info := teamRoleInfo[r]
		teamRoleList = append(teamRoleList, object{
			{"id", r.id}, {"name", info[0]}, {"desc", info[1]}, {"scopes", r.scopes.names()},
			{"allowed", false}, {"isAllowed", false}, {"isRetired", false}, {"isTeamRolesAllowed", true},
			{"isMinimumRoleFor", info[2]},
		})
	}
	pendingRequests := 0
	for _, t := range o.teams {
		pendingRequests += len(t.accessRequests)
	}
	body = append(body,
		field{"experiments", object{}},
		field{"quota", object{{"maxRate", nil}, {"maxRateInterval", nil}, {"accountLimit", 0}, {"projectLimit", 100}}},
		field{"isDefault", false},
		field{"defaultRole", o.defaultRole},
		field{"availableRoles", available},
		field{"orgRoleList", orgRoleList},
		field{"teamRoleList", teamRoleList},
		field{"openMembership", o.allowJoinLeave},
		field{"allowSharedIssues", !o.disableSharedIssues},
		field{"enhancedPrivacy", o.enhancedPrivacy},
		field{"dataScrubber", false},
		field{"dataScrubberDefaults", false},
		field{"sensitiveFields", []string{}},
		field{"safeFields", []string{}},
		field{"storeCrashReports", 0},
		field{"attachmentsRole", o.stringOption(optAttachmentsRole)},
		field{"debugFilesRole", o.stringOption(optDebugFilesRole)},
		field{"eventsMemberAdmin", o.boolOption(optEventsMemberAdmin)},
		field{"alertsMemberWrite", o.boolOption(optAlertsMemberWrite)},
		field{"scrubIPAddresses", false},
		field{"scrapeJavaScript", true},
		field{"allowJoinRequests", o.boolOption(optJoinRequests)},
		field{"relayPiiConfig", nil},
		field{"codecovAccess", false},
		field{"hideAiFeatures", false},
		field{"githubPRBot", true},
		field{"githubOpenPRBot", true},
		field{"githubNudgeInvite", true},
		field{"genAIConsent", false},
		field{"aggregatedDataConsent", false},
		field{"issueAlertsThreadFlag", true},
		field{"metricAlertsThreadFlag", true},
		field{"rollbackEnabled", false},
		field{"streamlineOnly", nil},
		field{"trustedRelays", []any{}},
		// Sentry enforces SSO on browser sessions only; a token never
		// needs it.
		field{"requiresSso", false},
		field{"pendingAccessRequests", pendingRequests},
		field{"isDynamicallySampled", false},
		field{"access", c.access.scopes.names()},
		field{"onboardingTasks", []any{}},
	)
	if m := c.access.member; m != nil {
		body = append(body, field{"role", m.role.id}, field{"orgRole", m.role.id})
	}
	if !withLists {
		return body
	}
	teams := make([]object, 0, len(o.activeBySlug))
	for _, t := range o.activeBySlug {
		teams = append(teams, teamBody(c, t, teamExpand{}))
	}
	projects := make([]*project, 0, len(o.projects))
	for _, p := range o.projects {
		projects = append(projects, p)
	}
	slices.SortFunc(projects, compareProjectSlugs)
	projectBodies := make([]object, 0, len(projects))
	for _, p := range projects {
		projectBodies = append(projectBodies, projectSummaryBody(c, p, true))
	}
	return append(body, field{"teams", teams}, field{"projects", projectBodies})
}

// getAuthProvider is GET /organizations/{org}/auth-provider/: 204 with no
// body without a provider; else AuthProviderSerializer, whose
// pending_links_count counts every member without the sso:linked flag,
// invitations included.
func getAuthProvider(c *call) {
	o := c.org
	if !o.hasAuthProvider() {
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	pending := 0
	for _, m := range o.members {
		if !m.ssoLinked {
			pending++
		}
	}
	base := "http://" + c.r.Host
	if c.r.TLS != nil {
		base = "https://" + c.r.Host
	}
	c.json(http.StatusOK, object{
		{"id", strconv.FormatInt(o.authProviderID, 10)},
		{"provider_name", o.authProviderKey()},
		{"pending_links_count", pending},
		{"login_url", base + "/organizations/" + o.slug + "/issues/"},
		{"default_role", o.defaultRole},
		{"require_link", o.ssoRequired},
		{"scim_enabled", o.hasFeature(scimFeature)},
	})
}
