package sentrysim

import (
	"math/bits"
	"strings"
)

// scopeSet is a set of Sentry scopes as a bit mask: access checks run on
// every request, and a mask keeps them to an AND.
type scopeSet uint32

// scopeNames lists every scope Sentry knows, in alphabetical order, so that a
// set written out bit by bit comes out sorted.
var scopeNames = [...]string{
	"alerts:read",
	"alerts:write",
	"event:admin",
	"event:read",
	"event:write",
	"member:admin",
	"member:invite",
	"member:read",
	"member:write",
	"org:admin",
	"org:billing",
	"org:ci",
	"org:integrations",
	"org:read",
	"org:write",
	"project:admin",
	"project:distribution",
	"project:read",
	"project:releases",
	"project:write",
	"team:admin",
	"team:read",
	"team:write",
}

var scopeBits = func() map[string]scopeSet {
	m := make(map[string]scopeSet, len(scopeNames))
	for i, name := range scopeNames {
		m[name] = 1 << i
	}
	return m
}()

// scopesOf builds a set from scope names; unknown names are left out, as
// Sentry ignores scopes it does not know.
func scopesOf(names ...string) scopeSet {
	var s scopeSet
	for _, n := range names {
		s |= scopeBits[n]
	}
	return s
}

func (s scopeSet) has(name string) bool {
	b, ok := scopeBits[name]
	return ok && s&b != 0
}

// hasAny is Sentry's `any(s in scopes for s in allowed)`.
func (s scopeSet) hasAny(allowed scopeSet) bool { return s&allowed != 0 }

// names lists the set's scopes, sorted.
func (s scopeSet) names() []string {
	out := make([]string, 0, bits.OnesCount32(uint32(s)))
	for i, name := range scopeNames {
		if s&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

func (s scopeSet) String() string { return strings.Join(s.names(), " ") }

// withImplied adds what each scope implies (X:admin implies X:write implies
// X:read), the way Sentry's token form fills in lower scopes when a higher
// one is picked.
func (s scopeSet) withImplied() scopeSet {
	for _, name := range s.names() {
		resource, level, ok := strings.Cut(name, ":")
		if !ok {
			continue
		}
		switch level {
		case "admin":
			s |= scopesOf(resource+":write", resource+":read")
		case "write":
			s |= scopesOf(resource + ":read")
		}
	}
	return s
}

// tokenScopes are the scopes a user may put on an auth token.
var tokenScopes = scopesOf(
	"org:read", "org:write", "org:admin", "org:integrations", "org:ci",
	"member:invite", "member:read", "member:write", "member:admin",
	"team:read", "team:write", "team:admin",
	"project:read", "project:write", "project:admin", "project:releases", "project:distribution",
	"event:read", "event:write", "event:admin",
	"alerts:read", "alerts:write",
)

// teamRole is one of Sentry's team-level roles (SENTRY_TEAM_ROLES).
type teamRole struct {
	id       string
	priority int
	scopes   scopeSet
}

var (
	teamRoleContributor = &teamRole{
		id:       "contributor",
		priority: 0,
		scopes: scopesOf("event:read", "event:write", "project:releases", "project:read",
			"org:read", "member:read", "team:read", "alerts:read"),
	}
	teamRoleAdmin = &teamRole{
		id:       "admin",
		priority: 1,
		scopes: scopesOf("event:read", "event:write", "event:admin", "org:read", "member:read",
			"project:read", "project:write", "project:admin", "project:releases",
			"team:read", "team:write", "team:admin", "org:integrations", "alerts:read", "alerts:write"),
	}
	// teamRoles is ordered lowest first; the first is Sentry's default.
	teamRoles = []*teamRole{teamRoleContributor, teamRoleAdmin}
)

func lookupTeamRole(id string) *teamRole {
	for _, r := range teamRoles {
		if r.id == id {
			return r
		}
	}
	return nil
}

// orgRole is one of Sentry's organization roles (SENTRY_ROLES, plus SaaS's
// billing role).
type orgRole struct {
	id       string
	priority int
	scopes   scopeSet
	// global roles see every team as if they were on it.
	global bool
	// retired roles can no longer be given where team roles are on.
	retired bool
	// minTeamRole is the team role every member with this org role has on
	// every team it can access, whatever the stored team role says.
	minTeamRole *teamRole
}

var (
	orgRoleBilling = &orgRole{
		id: "billing", priority: 0, minTeamRole: teamRoleContributor,
		scopes: scopesOf("org:billing"),
	}
	orgRoleMember = &orgRole{
		id: "member", priority: 1, minTeamRole: teamRoleContributor,
		scopes: scopesOf("event:read", "event:write", "event:admin", "project:releases", "project:read",
			"org:read", "member:invite", "member:read", "team:read", "alerts:read", "alerts:write"),
	}
	orgRoleAdmin = &orgRole{
		id: "admin", priority: 2, minTeamRole: teamRoleAdmin, retired: true,
		scopes: scopesOf("event:read", "event:write", "event:admin", "org:read", "member:read", "member:invite",
			"project:read", "project:write", "project:admin", "project:releases",
			"team:read", "team:write", "team:admin", "org:integrations", "alerts:read", "alerts:write"),
	}
	orgRoleManager = &orgRole{
		id: "manager", priority: 3, minTeamRole: teamRoleAdmin, global: true,
		scopes: scopesOf("event:read", "event:write", "event:admin",
			"member:invite", "member:read", "member:write", "member:admin",
			"project:read", "project:write", "project:admin", "project:releases",
			"team:read", "team:write", "team:admin", "org:read", "org:write", "org:integrations",
			"alerts:read", "alerts:write"),
	}
	orgRoleOwner = &orgRole{
		id: "owner", priority: 4, minTeamRole: teamRoleAdmin, global: true,
		scopes: scopesOf("org:read", "org:write", "org:admin", "org:integrations",
			"member:invite", "member:read", "member:write", "member:admin",
			"team:read", "team:write", "team:admin",
			"project:read", "project:write", "project:admin", "project:releases",
			"event:read", "event:write", "event:admin", "alerts:read", "alerts:write"),
	}
	// orgRoles is ordered lowest first, as Sentry lists them.
	orgRoles = []*orgRole{orgRoleBilling, orgRoleMember, orgRoleAdmin, orgRoleManager, orgRoleOwner}
)

func lookupOrgRole(id string) *orgRole {
	for _, r := range orgRoles {
		if r.id == id {
			return r
		}
	}
	return nil
}

// permission is one of Sentry's permission classes: for each HTTP method,
// the scopes of which the caller needs at least one. A method missing from
// the map is refused to every token, as Sentry does (HEAD and OPTIONS
// included).
type permission struct {
	name    string
	methods map[string]scopeSet
	// teamScoped classes (TeamPermission) also accept the scopes the
	// caller's team role grants on the team in the path.
	teamScoped bool
	// userRequired classes (IsAuthenticated) check no scopes: they let in
	// any request that authenticated a user and refuse the rest.
	userRequired bool
}

func (p *permission) allowed(method string) scopeSet { return p.methods[method] }

var (
	// organizationTeamsPermission is OrganizationTeamsPermission: members
	// hold no team:write, so only admins, managers and owners create teams.
	organizationTeamsPermission = &permission{
		name: "OrganizationTeamsPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("org:read", "org:write", "org:admin"),
			"POST":   scopesOf("org:write", "org:admin", "team:write"),
			"PUT":    scopesOf("org:write", "org:admin", "team:write"),
			"DELETE": scopesOf("org:admin", "team:write"),
		},
	}
	// teamPermission is TeamPermission.
	teamPermission = &permission{
		name: "TeamPermission",
		methods: map[string]scopeSet{
			"GET":    scopesOf("team:read", "team:write", "team:admin"),
			"POST":   scopesOf("team:write", "team:admin"),
			"PUT":    scopesOf("team:write", "team:admin"),
			"DELETE": scopesOf("team:admin"),
		},
		teamScoped: true,
	}
)
