package sentrysim

import (
	"cmp"
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// SCIM v2 Groups: teams the identity provider owns.

// listSCIMGroups is GET /organizations/{org}/scim/v2/Groups. The filter
// value is slugified and matched against team slugs.
func listSCIMGroups(c *call) {
	if !scimEnabled(c) {
		return
	}
	q, ok := readSCIMQuery(c)
	if !ok {
		return
	}
	teams := c.org.activeBySlug
	if q.filter != "" {
		slug := djangoSlugify(q.filter)
		teams = slices.DeleteFunc(slices.Clone(teams), func(t *team) bool { return !strings.EqualFold(t.slug, slug) })
	}
	page, ok := scimPage(c, q, teams)
	if !ok {
		return
	}
	withMembers := !slices.Contains(q.excluded, "members")
	resources := make([]object, len(page))
	for i, t := range page {
		resources[i] = scimGroupBody(t, withMembers)
	}
	c.json(http.StatusOK, scimList(q, len(teams), resources))
}

// scimLookupTeam finds the active team a group path names, by id or slug;
// otherwise it answers Sentry's SCIM 404.
func scimLookupTeam(c *call) *team {
	if t := c.org.lookupTeam(c.path("team")); t != nil {
		return t
	}
	c.json(http.StatusNotFound, scimError(msgSCIMGroupNotFound))
	return nil
}

// getSCIMGroup is GET /organizations/{org}/scim/v2/Groups/{id}.
func getSCIMGroup(c *call) {
	if !scimEnabled(c) {
		return
	}
	t := scimLookupTeam(c)
	if t == nil {
		return
	}
	q, ok := readSCIMQuery(c)
	if !ok {
		return
	}
	c.json(http.StatusOK, scimGroupBody(t, !slices.Contains(q.excluded, "members")))
}

// createSCIMGroup is POST /organizations/{org}/scim/v2/Groups: a team
// named displayName, its slug the slugified name, managed by the identity
// provider and with no members. A taken slug is the teams endpoint's 409.
func createSCIMGroup(c *call) {
	if !scimEnabled(c) {
		return
	}
	raw, ok := readRequestData(c, scimParsing)
	if !ok {
		return
	}
	b, isObject := raw.(map[string]any)
	displayName, present := b["displayName"]
	if !isObject || !present {
		// Sentry reads request.data["displayName"] unchecked.
		writeInternalError(c.w)
		return
	}
	var fe fieldErrors
	var slug string
	// A list or object has no slug worth checking: its name is refused.
	if jsonScalar(displayName) {
		var errs []string
		slug, errs = slugField(true).clean(djangoSlugify(pythonStr(displayName)))
		if errs != nil {
			fe.add("slug", errs...)
		}
	}
	name, errs := charField{maxLength: teamNameMaxSize, allowNull: true, allowBlank: true}.clean(displayName)
	if errs != nil {
		fe.add("name", errs...)
	}
	if !fe.empty() {
		c.fieldErrors(fe)
		return
	}
	if c.org.teamSlugs[slug] != nil {
		c.json(http.StatusConflict, object{
			{"non_field_errors", []string{msgTeamSlugConflict}},
			{"detail", msgTeamSlugConflict},
		})
		return
	}
	if name == "" {
		name = slug
	}
	t := c.s.st.addTeam(c.org, slug, name, true, c.s.now())
	c.audit("team.create", t.id, nil, t.auditData())
	c.json(http.StatusCreated, scimGroupBody(t, true))
}

// deleteSCIMGroup is DELETE /organizations/{org}/scim/v2/Groups/{id}: the
// teams endpoint's deletion, allowed here for teams the identity provider
// manages.
func deleteSCIMGroup(c *call) {
	if !scimEnabled(c) {
		return
	}
	t := scimLookupTeam(c)
	if t == nil {
		return
	}
	removeTeam(c, t)
}

// scimFailure is a PATCH that stops: the status and body to answer, or a
// 500 when body is nil. rollback undoes what the PATCH changed, as
// Sentry's transaction does when an exception leaves it.
type scimFailure struct {
	status   int
	body     any
	rollback bool
}

func scimCrash() *scimFailure {
	return &scimFailure{status: http.StatusInternalServerError, rollback: true}
}

func (f *scimFailure) write(c *call) {
	if f.body == nil {
		writeInternalError(c.w)
		return
	}
	c.json(f.status, f.body)
}

// scimTeamSnapshot is what a group PATCH may change, kept to undo it.
type scimTeamSnapshot struct {
	t           *team
	name, slug  string
	provisioned bool
	members     map[int64]*teamMembership
	requests    map[int64]bool
	auditLen    int
}

func scimSnapshotTeam(t *team) *scimTeamSnapshot {
	return &scimTeamSnapshot{
		t: t, name: t.name, slug: t.slug, provisioned: t.idpProvisioned,
		members: maps.Clone(t.members), requests: maps.Clone(t.accessRequests),
		auditLen: len(t.org.audit),
	}
}

func (s *scimTeamSnapshot) restore() {
	t := s.t
	for id, tm := range t.members {
		if s.members[id] != tm {
			delete(tm.member.teams, t.id)
		}
	}
	t.members = maps.Clone(s.members)
	for _, tm := range s.members {
		tm.member.teams[t.id] = tm
	}
	t.accessRequests = maps.Clone(s.requests)
	t.name = s.name
	t.org.renameTeam(t, s.slug)
	t.idpProvisioned = s.provisioned
	t.org.audit = t.org.audit[:s.auditLen]
}

// patchSCIMGroup is PATCH /organizations/{org}/scim/v2/Groups/{id}, with
// at most 100 operations: add members, remove a member
// (`members[value eq "id"]`, or Azure's value list), replace the members,
// and rename (Okta's value object, or Azure's displayName path). Any PATCH
// marks the team as managed by the identity provider. Operations run in
// order inside one transaction: an unknown member (404) or a bad rename
// (400) undoes them all, while an unsupported replace path answers 400
// and keeps what came before it, as Sentry does.
func patchSCIMGroup(c *call) {
	if !scimEnabled(c) {
		return
	}
	t := scimLookupTeam(c)
	if t == nil {
		return
	}
	raw, ok := readRequestData(c, scimParsing)
	if !ok {
		return
	}
	if _, errs := validateSCIMPatch(raw, scimGroupPatchRules); errs != nil {
		c.json(http.StatusBadRequest, scimError(scimErrorJSON(errs)))
		return
	}
	// Sentry works on the operations as sent, not as validated.
	ops, ok := scimPatchOps(raw)
	if !ok {
		writeInternalError(c.w)
		return
	}
	if len(ops) > scimMaxPatchOps {
		c.json(http.StatusBadRequest, scimError(msgSCIMTooManyOps))
		return
	}
	// Removals are looked at before anything changes: a bad filter there
	// fails the whole PATCH untouched.
	for _, op := range ops {
		if scimOpName(op) != "remove" {
			continue
		}
		inPath, f := scimPathHasMembers(op)
		if f == nil && inPath {
			_, f = scimRemovedMemberID(op)
		}
		if f != nil {
			f.write(c)
			return
		}
	}

	snap := scimSnapshotTeam(t)
	t.idpProvisioned = true
	for _, op := range ops {
		f := applySCIMGroupOp(c, t, op)
		if f == nil {
			continue
		}
		if f.rollback {
			snap.restore()
		}
		f.write(c)
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// scimPatchOps is the operations of a PATCH body that validateSCIMPatch
// passed, as sent: validation made the body an object whose Operations
// are objects. ok is false for anything else, which validation lets
// through only by mistake.
func scimPatchOps(raw any) (ops []map[string]any, ok bool) {
	b, ok := raw.(map[string]any)
	if !ok {
		return nil, false
	}
	items, ok := b["Operations"].([]any)
	if !ok {
		return nil, false
	}
	ops = make([]map[string]any, len(items))
	for i, item := range items {
		if ops[i], ok = item.(map[string]any); !ok {
			return nil, false
		}
	}
	return ops, true
}

// scimOpName is an operation's "op", lower-cased as Sentry compares it;
// validation made it a string.
func scimOpName(op map[string]any) string {
	name, _ := op["op"].(string)
	return strings.ToLower(name)
}

// applySCIMGroupOp carries out one group operation.
func applySCIMGroupOp(c *call, t *team, op map[string]any) *scimFailure {
	switch scimOpName(op) {
	case "add":
		path, present := op["path"]
		if !present {
			return scimCrash()
		}
		if path == "members" {
			value, present := op["value"]
			if !present {
				return scimCrash()
			}
			return scimAddMembers(c, t, value)
		}
	case "remove":
		inPath, f := scimPathHasMembers(op)
		if f != nil || !inPath {
			return f
		}
		id, f := scimRemovedMemberID(op)
		if f != nil {
			return f
		}
		m, f := scimMemberByID(t.org, id)
		if f != nil {
			return f
		}
		if tm := m.teams[t.id]; tm != nil {
			c.audit("member.leave-team", tm.id, m.user, scimMembershipAuditData(tm))
			delete(t.members, m.id)
			delete(m.teams, t.id)
		}
	case "replace":
		path, present := op["path"]
		switch {
		case path == "members":
			value, present := op["value"]
			if !present {
				return scimCrash()
			}
			return scimReplaceMembers(c, t, value)
		case !present:
			value, isObject := op["value"].(map[string]any)
			if !isObject {
				return scimCrash()
			}
			name, present := value["displayName"]
			if !present {
				return scimCrash()
			}
			return scimRenameTeam(c, t, name)
		case path == "displayName":
			value, present := op["value"]
			if !present {
				return scimCrash()
			}
			return scimRenameTeam(c, t, value)
		default:
			return &scimFailure{status: http.StatusBadRequest, body: scimError(msgSCIMUnsupportedAttr)}
		}
	}
	return nil
}

// scimPathHasMembers is `"members" in operation["path"]`: the path must
// be there and be a string.
func scimPathHasMembers(op map[string]any) (bool, *scimFailure) {
	path, isString := op["path"].(string)
	if !isString {
		return false, scimCrash()
	}
	return strings.Contains(path, "members"), nil
}

var scimBracketFilter = regexp.MustCompile(`\[(.*?)\]`)

// scimRemovedMemberID is _get_member_id_for_remove_op: Azure's
// value[0].value, or the filter inside the path's brackets.
func scimRemovedMemberID(op map[string]any) (any, *scimFailure) {
	if value, present := op["value"]; present {
		list, isList := value.([]any)
		if !isList || len(list) == 0 {
			return nil, scimCrash()
		}
		first, isObject := list[0].(map[string]any)
		if !isObject {
			return nil, scimCrash()
		}
		id, present := first["value"]
		if !present {
			return nil, scimCrash()
		}
		return id, nil
	}
	path, _ := op["path"].(string)
	match := scimBracketFilter.FindStringSubmatch(path)
	if match == nil {
		return nil, &scimFailure{status: http.StatusBadRequest, body: scimInvalidFilter, rollback: true}
	}
	value, ferr := parseSCIMFilter(match[1])
	switch ferr {
	case scimFilterInvalid:
		return nil, &scimFailure{status: http.StatusBadRequest, body: scimInvalidFilter, rollback: true}
	case scimFilterCrash:
		return nil, scimCrash()
	}
	return value, nil
}

// scimMemberByID is OrganizationMember.objects.get(organization, id=v):
// Django turns v into an integer as int() would; an unknown member is
// SCIM's 404, a value int() refuses a 500.
func scimMemberByID(org *organization, v any) (*member, *scimFailure) {
	var id int64
	switch v := v.(type) {
	case nil:
		return nil, &scimFailure{status: http.StatusNotFound, body: scimError(msgSCIMUserNotFound), rollback: true}
	case json.Number:
		if n, err := v.Int64(); err == nil {
			id = n
		} else if f, err := v.Float64(); err == nil && !math.IsInf(f, 0) && math.Abs(f) < math.MaxInt64 {
			id = int64(f)
		} else {
			return nil, scimCrash()
		}
	case string:
		n, ok := pythonInt(v)
		if !ok {
			return nil, scimCrash()
		}
		id = n
	case bool:
		if v {
			id = 1
		}
	default:
		return nil, scimCrash()
	}
	m := org.members[id]
	if m == nil {
		return nil, &scimFailure{status: http.StatusNotFound, body: scimError(msgSCIMUserNotFound), rollback: true}
	}
	return m, nil
}

// scimAddMembers is _add_members_operation: each {"value": id} joins the
// team unless already on it.
func scimAddMembers(c *call, t *team, value any) *scimFailure {
	list, isList := value.([]any)
	if !isList {
		return scimCrash()
	}
	for _, item := range list {
		entry, isObject := item.(map[string]any)
		if !isObject {
			return scimCrash()
		}
		id, present := entry["value"]
		if !present {
			return scimCrash()
		}
		m, f := scimMemberByID(t.org, id)
		if f != nil {
			return f
		}
		if m.teams[t.id] != nil {
			continue
		}
		tm := addTeamMember(c.s.st, m, t, nil)
		c.audit("member.join-team", tm.id, m.user, scimMembershipAuditData(tm))
	}
	return nil
}

// scimReplaceMembers is the members replace of Sentry's current SCIM
// group PATCH (src/sentry/core/endpoints/scim/teams.py, getsentry/sentry
// PR #109670): the wanted ids are int(v["value"]) of each entry; members
// on the team but not wanted leave it, each with a member.leave-team
// entry, in id order (Python's set order for small ints); wanted members
// not yet on the team join through _add_members_operation, each with a
// member.join-team entry (an unknown one is SCIM's 404); members who stay
// keep their membership and team role, with no audit entry.
func scimReplaceMembers(c *call, t *team, value any) *scimFailure {
	list, isList := value.([]any)
	if !isList {
		return scimCrash()
	}
	wanted := make(map[int64]bool, len(list))
	ids := make([]int64, len(list))
	for i, item := range list {
		entry, isObject := item.(map[string]any)
		if !isObject {
			return scimCrash()
		}
		raw, present := entry["value"]
		if !present {
			return scimCrash()
		}
		id, ok := scimPythonInt(raw)
		if !ok {
			return scimCrash()
		}
		wanted[id] = true
		ids[i] = id
	}
	leaving := make([]*teamMembership, 0, len(t.members))
	for id, tm := range t.members {
		if !wanted[id] {
			leaving = append(leaving, tm)
		}
	}
	slices.SortFunc(leaving, func(a, b *teamMembership) int { return cmp.Compare(a.member.id, b.member.id) })
	for _, tm := range leaving {
		c.audit("member.leave-team", tm.id, tm.member.user, scimMembershipAuditData(tm))
		delete(t.members, tm.member.id)
		delete(tm.member.teams, t.id)
	}
	joining := make([]any, 0, len(list))
	for i, item := range list {
		if t.members[ids[i]] == nil {
			joining = append(joining, item)
		}
	}
	return scimAddMembers(c, t, joining)
}

// scimPythonInt is Python's int() on a JSON value: ok is false where
// int() raises (None, a list, a string that is not an integer).
func scimPythonInt(v any) (int64, bool) {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, true
		}
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) || math.Abs(f) >= math.MaxInt64 {
			return 0, false
		}
		return int64(f), true
	case string:
		return pythonInt(v)
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// scimMembershipAuditData is OrganizationMemberTeam.get_audit_log_data.
func scimMembershipAuditData(tm *teamMembership) map[string]any {
	return map[string]any{
		"team_slug": tm.team.slug,
		"member_id": tm.member.id,
		"email":     tm.member.currentEmail(),
		"is_active": true,
	}
}

// scimRenameTeam is _rename_team_operation: the team details serializer
// with the new name and its slugified form, then a team.edit entry.
func scimRenameTeam(c *call, t *team, newName any) *scimFailure {
	var fe fieldErrors
	name, errs := charField{maxLength: teamNameMaxSize}.clean(newName)
	if errs != nil {
		fe.add("name", errs...)
	}
	if jsonScalar(newName) {
		slug, errs := slugField(false).clean(djangoSlugify(pythonStr(newName)))
		if errs == nil {
			if other := t.org.teamSlugs[slug]; other != nil && other != t {
				errs = []string{`The slug "` + slug + `" is already in use.`}
			}
		}
		if errs != nil {
			fe.add("slug", errs...)
		}
		if fe.empty() {
			t.name = name
			t.org.renameTeam(t, slug)
			c.audit("team.edit", t.id, nil, t.auditData())
			return nil
		}
	}
	return &scimFailure{status: http.StatusBadRequest, body: object(fe), rollback: true}
}
