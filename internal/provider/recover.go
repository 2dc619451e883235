package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// A create whose answer is lost (a dropped connection, a timeout, a 5xx from
// Sentry or the proxy in front of it) may have made the object or not. The
// client never resends such a POST, because a second one could make a second
// object; instead the resource looks the object up and takes it into state,
// or sends the create again when Sentry has none.

// createAttempts bounds how often one Create sends its POST while the
// answers leave the outcome unknown and the lookup finds nothing. Where
// one answer in ten is a 5xx or a connection dropped before the change
// (sentry.io under a shared rate limit, as the fault suite and sentry-bench
// -shared load it), three attempts leave one create in a thousand failed:
// about one failure in every apply of 300 objects. Five leave one in
// 100,000.
const createAttempts = 5

// recoveryWindow is how long before a create began an object found by the
// lookup may be dated and still count as that create's own. It allows for
// the difference between this machine's clock and Sentry's; anything older
// was there before and is never adopted.
const recoveryWindow = time.Minute

// createRecovery describes one create for createWithRecovery.
type createRecovery[T any] struct {
	// create sends the POST.
	create func(ctx context.Context) (T, error)
	// find looks for the object a lost create may have made: one that
	// matches the plan and that Sentry dated at or after since. ok is
	// false when there is none.
	find func(ctx context.Context, since time.Time) (obj T, ok bool, err error)
	// exists reports whether a create failed because the object is
	// already there, which after a lost attempt may be that attempt's
	// doing. Nil when Sentry never refuses a repeat.
	exists func(error) bool
}

// recoveredCreate tells how a create ended when it succeeded.
type recoveredCreate struct {
	// lost is the error that hid the outcome of an earlier attempt; nil
	// when the first answer arrived.
	lost error
	// found is true when the object came from the lookup rather than from
	// a create's answer.
	found bool
}

// unconfirmedCreateError is a create whose outcome stayed unknown because the
// lookup after it failed too: the object may exist in Sentry.
type unconfirmedCreateError struct {
	create, lookup error
}

func (e *unconfirmedCreateError) Error() string {
	return fmt.Sprintf("%s; looking the object up afterwards failed as well: %s", e.create, e.lookup)
}

func (e *unconfirmedCreateError) Unwrap() error { return e.create }

// createWithRecovery sends a create, and after each answer that leaves its
// outcome unknown looks the object up: found, it is returned; not found, the
// create is sent again, up to createAttempts times in all.
func createWithRecovery[T any](ctx context.Context, rc createRecovery[T]) (T, recoveredCreate, error) {
	var (
		zero T
		how  recoveredCreate
	)
	since := time.Now().Add(-recoveryWindow)
	for attempt := 1; ; attempt++ {
		obj, err := rc.create(ctx)
		if err == nil {
			return obj, how, nil
		}
		repeated := how.lost != nil && rc.exists != nil && rc.exists(err)
		if !sentry.IsOutcomeUnknown(err) && !repeated {
			return zero, how, err
		}
		if ctx.Err() != nil {
			return zero, how, err
		}
		found, ok, lookupErr := rc.find(ctx, since)
		if lookupErr != nil {
			return zero, how, &unconfirmedCreateError{create: err, lookup: lookupErr}
		}
		if ok {
			if how.lost == nil {
				how.lost = err
			}
			how.found = true
			return found, how, nil
		}
		// Sentry refused a repeat as a duplicate, yet has no object the
		// lost attempt can have made: the duplicate was there before.
		if repeated || attempt >= createAttempts {
			return zero, how, err
		}
		if how.lost == nil {
			how.lost = err
		}
	}
}

// addRecoveredWarning tells the user a create's answer was lost and what the
// provider did about it.
func addRecoveredWarning(diags *diag.Diagnostics, what, id string, how recoveredCreate) {
	if how.lost == nil {
		return
	}
	if how.found {
		diags.AddWarning("Recovered "+what+" After a Lost Answer",
			fmt.Sprintf("Sentry's answer to creating %s was lost (%s), so the provider looked it up and found it: id %s "+
				"is now in state. Nothing needs doing.", what, how.lost, id))
		return
	}
	diags.AddWarning("Created "+what+" Again After a Lost Answer",
		fmt.Sprintf("Sentry's answer to creating %s was lost (%s) and Sentry had no such object afterwards, so the "+
			"provider sent the create again: id %s is now in state. Nothing needs doing.", what, how.lost, id))
}

// addUnconfirmedCreate reports a create whose outcome stayed unknown because
// the lookup after it failed too, and returns false for any other error.
// next says what to do about an object that may exist, such as the import
// command.
func addUnconfirmedCreate(diags *diag.Diagnostics, summary, action, next string, err error) bool {
	var unconfirmed *unconfirmedCreateError
	if !errors.As(err, &unconfirmed) {
		return false
	}
	diags.AddError(summary, fmt.Sprintf("Could not %s: %s.\n\n%s", action, unconfirmed, next))
	return true
}

// mayExistImport is addUnconfirmedCreate's next step for an object that can
// be imported: what, such as "team", and its import ID.
func mayExistImport(what, importID string) string {
	return fmt.Sprintf("The %s may exist in Sentry even so. If the next apply reports that it already exists, bring it "+
		"under Terraform with: terraform import <resource address> %s", what, importID)
}
