// Package inventory enumerates the objects of a Sentry organization that the
// provider manages: teams, SCIM groups, members, team-project links and
// organization auth tokens. Each object comes normalized the way the
// provider's resources read it, so that an imported object plans empty.
//
// Every listing is an iterator. Teams, members and team-project links are
// read a page (100 objects) at a time, so stopping the loop, or reaching
// Options.Limit, stops the requests; SCIM groups, and the team member lists
// behind members' teams, are read in full before the first object, and
// tokens come in one answer. An error is yielded once, last.
//
// Members' teams are read by [MemberTeams], the one reader of them: the
// member listing reads the team lists straight from Sentry, the provider's
// data sources through the run's shared reads ([TeamLists]). Sentry's own
// role rules are in internal/sentry (roles.go); TeamRoleAsRead and
// MemberEmail are how the provider reads a member.
package inventory

import (
	"errors"
	"fmt"
	"iter"
)

// Resource types, as the provider names them.
const (
	TypeTeam         = "sentry_team"
	TypeSCIMGroup    = "sentry_scim_group"
	TypeMember       = "sentry_member"
	TypeTeamProject  = "sentry_team_project"
	TypeOrgAuthToken = "sentry_api_token"
)

// Types are the resource types the package lists, in an order where each
// type's references (team slugs, member ids) come from an earlier one.
var Types = []string{TypeTeam, TypeSCIMGroup, TypeMember, TypeTeamProject, TypeOrgAuthToken}

// Options are what every listing takes.
type Options struct {
	// Limit stops the listing after this many objects; zero or less means
	// no limit.
	Limit int
	// Progress, when set, is told how far the listing has come, from the
	// goroutine that ranges over the listing.
	Progress func(Progress)
}

// Progress reports how far a listing has come.
type Progress struct {
	// Type is the resource type being listed (TypeTeam, ...).
	Type string
	// Step is what is being read: "teams", "members", "team members",
	// "SCIM groups", "projects" or "tokens".
	Step string
	// Done counts what Step has read so far: objects listed, or for
	// "team members" the teams whose members have been read.
	Done int
	// Total is how many there are to read in Step, or zero when not known
	// in advance.
	Total int
}

// String describes the progress for a terminal: "sentry_member: team
// members 12/60".
func (p Progress) String() string {
	if p.Total > 0 {
		return fmt.Sprintf("%s: %s %d/%d", p.Type, p.Step, p.Done, p.Total)
	}
	return fmt.Sprintf("%s: %s %d", p.Type, p.Step, p.Done)
}

func (o Options) report(typ, step string, done, total int) {
	if o.Progress != nil {
		o.Progress(Progress{Type: typ, Step: step, Done: done, Total: total})
	}
}

// SkippedError says why a listing could not run at all in this
// organization, as opposed to failing: no SCIM token was given, SCIM is
// off, or Sentry lets only a browser session list organization auth
// tokens. Callers listing a whole organization show Reason and go on with
// the other types.
type SkippedError struct {
	// Type is the resource type that was skipped.
	Type string
	// Reason says why, and what would make the listing possible.
	Reason string
	// Err is the API error behind the skip, if any.
	Err error
}

func (e *SkippedError) Error() string { return e.Type + " skipped: " + e.Reason }

func (e *SkippedError) Unwrap() error { return e.Err }

// IsSkipped reports whether err is a [SkippedError] and returns it.
func IsSkipped(err error) (*SkippedError, bool) {
	var s *SkippedError
	if errors.As(err, &s) {
		return s, true
	}
	return nil, false
}

// limited passes on the items of seq until limit items have been yielded
// (no limit when limit <= 0), reporting each one; errors pass through.
func limited[T any](seq iter.Seq2[T, error], o Options, typ, step string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		n := 0
		for item, err := range seq {
			if err != nil {
				yield(item, err)
				return
			}
			n++
			o.report(typ, step, n, 0)
			if !yield(item, nil) {
				return
			}
			if o.Limit > 0 && n >= o.Limit {
				return
			}
		}
	}
}

// fail is a sequence of one error.
func fail[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
