package sentrysim

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// firstID is where ids start: the size of Sentry's snowflake ids, so that a
// client storing them in 32 bits fails here as it would against Sentry.
const firstID int64 = 4505000000000001

// store is every organization's state. The Server's lock guards it; nothing
// in here locks.
type store struct {
	nextID int64

	orgs       map[int64]*organization
	orgsBySlug map[string]*organization

	users        map[int64]*user
	usersByEmail map[string]*user

	// tokens is keyed by the token string: Sentry keeps a hash, the
	// emulator has nothing to protect.
	tokens map[string]*token
}

func newStore() *store {
	return &store{
		nextID:       firstID,
		orgs:         make(map[int64]*organization),
		orgsBySlug:   make(map[string]*organization),
		users:        make(map[int64]*user),
		usersByEmail: make(map[string]*user),
		tokens:       make(map[string]*token),
	}
}

// newID hands out ids from one sequence for every kind of object, so an id
// never means two things. Every id in the store is below nextID.
func (st *store) newID() int64 {
	id := st.nextID
	st.nextID++
	return id
}

// idOr returns explicit when it is set (a seed file's id, which the caller
// has checked is at or above nextID and moved nextID past), else a new id.
func (st *store) idOr(explicit int64) int64 {
	if explicit != 0 {
		return explicit
	}
	return st.newID()
}

// organization is a Sentry organization with everything it owns.
type organization struct {
	id          int64
	slug        string
	name        string
	dateCreated time.Time

	// allowJoinLeave is the "Open Membership" flag (on by default): members
	// may see and join every team.
	allowJoinLeave bool
	// features holds plan features by Sentry's name without the
	// "organizations:" prefix ("team-roles").
	features map[string]bool
	// disableMemberInvite is Sentry's disable_member_invite flag (the
	// settings' allowMemberInvite turned off): only callers with
	// member:write or member:admin may invite.
	disableMemberInvite bool
	// require2FA is the require_2fa flag, and ssoRequired an SSO provider
	// that does not let unlinked members in. Sentry enforces both only on
	// browser sessions: a bearer token is served as usual
	// (SentryPermission.determine_access in src/sentry/api/permissions.py
	// returns for token auth before needs_sso and is_not_2fa_compliant).
	require2FA  bool
	ssoRequired bool
	// The organization's other flags (Organization.flags), as the
	// organization details endpoint sets them.
	enhancedPrivacy              bool
	disableSharedIssues          bool
	disableMemberProjectCreation bool
	preventSuperuserAccess       bool
	earlyAdopter                 bool
	// defaultRole is Organization.default_role.
	defaultRole string
	// options holds the OrganizationOption rows by key
	// ("sentry:join_requests"); a missing key is an option never set,
	// which reads as its default (see orgOptionDefaults).
	options map[string]any
	// ssoProvider is the auth provider's key ("saml2", "okta"), empty
	// without one; ssoRequired (require_link) implies a provider.
	ssoProvider    string
	authProviderID int64

	members       map[int64]*member
	membersByUser map[int64]*member
	// memberOrder caches the members sorted by id; see sortedMembers.
	memberOrder atomic.Pointer[[]*member]

	// teams holds every team, pending deletion included: ids and slugs stay
	// taken until the deletion job removes the row.
	teams        map[int64]*team
	teamSlugs    map[string]*team
	activeBySlug []*team // active teams ordered by slug, for lists

	audit []*auditEntry

	// projects holds every project, by id and by slug.
	projects     map[int64]*project
	projectSlugs map[string]*project
	// projectRedirects are Sentry's ProjectRedirect rows: a slug a
	// project had before a rename, which still leads to it (with a 302)
	// while no project holds it.
	projectRedirects map[string]*project
}

func (o *organization) hasFeature(name string) bool { return o.features[name] }

// member is an organization membership: a user with an org role, or a
// pending invite that has no user yet.
type member struct {
	id          int64
	org         *organization
	user        *user // nil while the invite is pending
	email       string
	role        *orgRole
	dateCreated time.Time
	// pending is an invite not yet accepted.
	pending bool
	// teams is this member's team memberships by team id.
	teams map[int64]*teamMembership
	// idpProvisioned members were made through SCIM: the identity
	// provider owns them, and the members API refuses to remove them.
	idpProvisioned bool
	// idpRoleRestricted members had their org role set through SCIM
	// (sentryOrgRole): Sentry flags them idp:role-restricted.
	idpRoleRestricted bool
	// ssoLinked is the sso:linked flag: the member signed in through the
	// organization's SSO provider.
	ssoLinked bool
	// inviterName is who sent a pending invite; inviteExpiresAt is when it
	// lapses (Sentry: 30 days after it was sent).
	inviterName     string
	inviteExpiresAt time.Time
	// inviter is the user who sent the invite (nil for seeded members and
	// invites made by a token without a user): members may resend and
	// withdraw only their own invites, and removing a member withdraws
	// the invites it sent.
	inviter *user
}

// teamMembership is OrganizationMemberTeam: a member on a team.
type teamMembership struct {
	// id is the membership's own id, which Sentry's member.join-team and
	// member.leave-team entries name as their target object.
	id     int64
	member *member
	team   *team
	// role is the stored team role; nil is Sentry's null, which means the
	// minimum the org role gives.
	role *teamRole
}

// effectiveRole is the higher of the stored team role and the member's
// minimum team role.
func (tm *teamMembership) effectiveRole() *teamRole {
	minimum := tm.member.role.minTeamRole
	if tm.role != nil && tm.role.priority > minimum.priority {
		return tm.role
	}
	return minimum
}

type teamStatus int

// Sentry's TeamStatus values; they show in audit entries.
const (
	teamActive          teamStatus = 0
	teamPendingDeletion teamStatus = 1
)

// team is a Sentry team.
type team struct {
	id             int64
	org            *organization
	slug           string
	name           string
	dateCreated    time.Time
	status         teamStatus
	idpProvisioned bool
	// members is who is on the team, by member id.
	members map[int64]*teamMembership
	// accessRequests are members who asked to join and may not add
	// themselves, by member id.
	accessRequests map[int64]bool
}

// project is a Sentry project; teams are the teams that own it, by id.
type project struct {
	id          int64
	org         *organization
	slug        string
	name        string
	platform    string
	dateCreated time.Time
	teams       map[int64]*team
	// teamLinks holds the id of each team link (Sentry's ProjectTeam row)
	// by team id; lists show a project's teams in link order.
	teamLinks map[int64]int64
	// bookmarks holds the ids of the users who bookmarked the project
	// (Sentry's ProjectBookmark rows).
	bookmarks map[int64]bool
	// options holds the ProjectOption rows by key
	// ("digests:mail:minimum_delay"); a missing key is an option never
	// set, which the detailed body shows as Sentry's default.
	options map[string]any
}

// bookmarkedBy reports whether the user bookmarked the project; false for
// callers without a user, as ProjectSerializer's isBookmarked
// (src/sentry/api/serializers/models/project.py).
func (p *project) bookmarkedBy(u *user) bool { return u != nil && p.bookmarks[u.id] }

// setBookmark adds the user's ProjectBookmark, or with on false removes it.
func (p *project) setBookmark(u *user, on bool) {
	if !on {
		delete(p.bookmarks, u.id)
		return
	}
	if p.bookmarks == nil {
		p.bookmarks = make(map[int64]bool)
	}
	p.bookmarks[u.id] = true
}

func (t *team) active() bool { return t.status == teamActive }

// auditData is team.get_audit_log_data().
func (t *team) auditData() map[string]any {
	return map[string]any{"id": t.id, "slug": t.slug, "name": t.name, "status": int(t.status)}
}

// user is a Sentry user account; one user may belong to many organizations.
type user struct {
	id          int64
	email       string
	name        string
	dateJoined  time.Time
	isActive    bool
	hasPassword bool
	// has2FA: the user enrolled a second factor.
	has2FA bool
	// lastLogin and lastActive are when the user last signed in and was
	// last seen; nil (JSON null) until then.
	lastLogin, lastActive *time.Time
}

type tokenKind int

const (
	// userToken is a personal auth token (sntryu_): it acts as its user,
	// bounded by its scopes.
	userToken tokenKind = iota
	// orgToken is an organization auth token (sntrys_): bound to one
	// organization, with no user behind it.
	orgToken
	// scimToken is the bearer token of an organization's SCIM
	// integration, an internal integration's token: it acts within its
	// organization with the integration's scopes, on the SCIM v2
	// endpoints and on any other endpoint those scopes open.
	scimToken
)

// token is a bearer credential.
type token struct {
	id        int64
	value     string
	kind      tokenKind
	user      *user         // userToken
	org       *organization // orgToken, scimToken
	name      string
	scopes    scopeSet
	created   time.Time
	expiresAt time.Time // zero: never
	// createdBy is the person who made an organization token (nil for the
	// emulator's own org:ci token).
	createdBy *user
	// deactivated tokens fail authentication as unknown ones do.
	deactivated bool
	// lastUsed is when an organization token last authenticated a
	// request, in Unix nanoseconds (0: never). Reads under the shared
	// lock set it, hence the atomic.
	lastUsed atomic.Int64
}

func (t *token) expired(now time.Time) bool {
	return !t.expiresAt.IsZero() && !now.Before(t.expiresAt)
}

// auditEntry is one row of an organization's audit log.
type auditEntry struct {
	id           int64
	actor        *user
	actorLabel   string
	event        string
	ipAddress    string
	targetObject int64
	targetUser   *user
	data         map[string]any
	dateCreated  time.Time
}

// newTokenValue makes a token string as Sentry does: a prefix and 64 hex
// characters.
func newTokenValue(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("sentrysim: no randomness for a token: " + err.Error())
	}
	return prefix + hex.EncodeToString(b[:])
}

// addOrganization creates an empty organization with Sentry's defaults.
func (st *store) addOrganization(slug, name string, now time.Time) *organization {
	org := &organization{
		id:             st.newID(),
		slug:           slug,
		name:           name,
		dateCreated:    now,
		allowJoinLeave: true,
		defaultRole:    "member",
		options:        make(map[string]any),
		features:       map[string]bool{"team-roles": true, "sso-scim": true, "invite-members": true, "audit-log": true},
		members:        make(map[int64]*member),
		membersByUser:  make(map[int64]*member),
		teams:          make(map[int64]*team),
		teamSlugs:      make(map[string]*team),
		projects:       make(map[int64]*project),
		projectSlugs:   make(map[string]*project),

		projectRedirects: make(map[string]*project),
	}
	st.orgs[org.id] = org
	st.orgsBySlug[slug] = org
	return org
}

// addUser creates a user account, or returns the one with that email.
func (st *store) addUser(email string, now time.Time) *user {
	key := strings.ToLower(email)
	if u := st.usersByEmail[key]; u != nil {
		return u
	}
	u := &user{id: st.newID(), email: email, name: email, dateJoined: now, isActive: true, hasPassword: true}
	st.users[u.id] = u
	st.usersByEmail[key] = u
	return u
}

// addMember makes a user a joined member of an organization.
func (st *store) addMember(org *organization, u *user, role *orgRole, now time.Time) *member {
	return st.addMemberID(org, 0, u, role, now)
}

// addMemberID is addMember with the new member's id, or 0 for a new one.
func (st *store) addMemberID(org *organization, id int64, u *user, role *orgRole, now time.Time) *member {
	if m := org.membersByUser[u.id]; m != nil {
		m.role = role
		return m
	}
	m := &member{
		id: st.idOr(id), org: org, user: u, email: u.email, role: role,
		dateCreated: now, teams: make(map[int64]*teamMembership),
	}
	org.members[m.id] = m
	org.memberSetChanged()
	org.membersByUser[u.id] = m
	return m
}

// addInvite makes a pending invitation for an address, valid for the usual
// 30 days and sent by no user.
func (st *store) addInvite(org *organization, email string, role *orgRole, now time.Time) *member {
	return st.addInviteID(org, 0, email, role, now)
}

// addInviteID is addInvite with the invitation's id, or 0 for a new one.
func (st *store) addInviteID(org *organization, id int64, email string, role *orgRole, now time.Time) *member {
	m := &member{
		id: st.idOr(id), org: org, email: email, role: role, dateCreated: now,
		pending: true, teams: make(map[int64]*teamMembership), inviteExpiresAt: now.Add(inviteValidFor),
	}
	org.members[m.id] = m
	org.memberSetChanged()
	return m
}

// addUserToken gives a user a personal token with the given scopes.
func (st *store) addUserToken(u *user, scopes scopeSet, now time.Time) *token {
	t := &token{id: st.newID(), value: newTokenValue("sntryu_"), kind: userToken, user: u, scopes: scopes, created: now}
	st.tokens[t.value] = t
	return t
}

// lookupOrganization finds an organization by slug or, for an all-digit
// value, by id, as Sentry's id_or_slug lookups do.
func (st *store) lookupOrganization(idOrSlug string) *organization {
	if isDecimal(idOrSlug) {
		id, err := strconv.ParseInt(idOrSlug, 10, 64)
		if err != nil {
			return nil
		}
		return st.orgs[id]
	}
	return st.orgsBySlug[idOrSlug]
}

// lookupTeam finds an active team by slug or id. Teams pending deletion are
// invisible, as they are to every read in Sentry.
func (o *organization) lookupTeam(idOrSlug string) *team {
	var t *team
	if isDecimal(idOrSlug) {
		id, err := strconv.ParseInt(idOrSlug, 10, 64)
		if err != nil {
			return nil
		}
		t = o.teams[id]
	} else {
		t = o.teamSlugs[idOrSlug]
	}
	if t == nil || !t.active() {
		return nil
	}
	return t
}

// addTeam stores a new active team; the caller has made the slug unique.
func (st *store) addTeam(org *organization, slug, name string, provisioned bool, now time.Time) *team {
	return st.addTeamID(org, 0, slug, name, provisioned, now)
}

// addTeamID is addTeam with the team's id, or 0 for a new one.
func (st *store) addTeamID(org *organization, id int64, slug, name string, provisioned bool, now time.Time) *team {
	t := &team{
		id: st.idOr(id), org: org, slug: slug, name: name, dateCreated: now,
		idpProvisioned: provisioned,
		members:        make(map[int64]*teamMembership),
		accessRequests: make(map[int64]bool),
	}
	org.teams[t.id] = t
	org.teamSlugs[slug] = t
	org.insertActive(t)
	return t
}

// renameTeam changes a team's slug, keeping the indexes in step.
func (o *organization) renameTeam(t *team, slug string) {
	if slug == t.slug {
		return
	}
	o.removeActive(t)
	delete(o.teamSlugs, t.slug)
	t.slug = slug
	o.teamSlugs[slug] = t
	if t.active() {
		o.insertActive(t)
	}
}

// scheduleTeamDeletion is Sentry's DELETE: the team is renamed out of the
// way and marked pending deletion, and its memberships go with it, as the
// deletion job Sentry schedules at once would remove them.
func (o *organization) scheduleTeamDeletion(t *team, newSlug string) {
	o.renameTeam(t, newSlug)
	o.removeActive(t)
	t.status = teamPendingDeletion
	for memberID, tm := range t.members {
		delete(tm.member.teams, t.id)
		delete(t.members, memberID)
	}
	clear(t.accessRequests)
	// The deletion job removes the team's project links too; the projects
	// stay, possibly with no team.
	for _, p := range o.projects {
		delete(p.teams, t.id)
		delete(p.teamLinks, t.id)
	}
}

func compareTeamSlugs(a, b *team) int { return strings.Compare(a.slug, b.slug) }

func (o *organization) insertActive(t *team) {
	i, _ := slices.BinarySearchFunc(o.activeBySlug, t, compareTeamSlugs)
	o.activeBySlug = slices.Insert(o.activeBySlug, i, t)
}

func (o *organization) removeActive(t *team) {
	i, found := slices.BinarySearchFunc(o.activeBySlug, t, compareTeamSlugs)
	if found && o.activeBySlug[i] == t {
		o.activeBySlug = slices.Delete(o.activeBySlug, i, i+1)
	}
}

// addTeamMember puts a member on a team with a stored role (nil for null);
// a new membership gets its id from st.
func addTeamMember(st *store, m *member, t *team, role *teamRole) *teamMembership {
	if tm := m.teams[t.id]; tm != nil {
		tm.role = role
		return tm
	}
	tm := &teamMembership{id: st.newID(), member: m, team: t, role: role}
	m.teams[t.id] = tm
	t.members[m.id] = tm
	delete(t.accessRequests, m.id)
	return tm
}

// memberCount is Sentry's member total: members on the team whose invite
// has been accepted.
func (t *team) memberCount() int {
	n := 0
	for _, tm := range t.members {
		if !tm.member.pending {
			n++
		}
	}
	return n
}
