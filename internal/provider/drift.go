package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// Drift explained: when a refresh finds a managed object changed or gone,
// the resource's Read describes the drift (driftReport) and explainDrift
// adds a warning saying what changed, and who changed it, when and from
// where, from Sentry's audit log.
//
// Cost: a Read that finds no drift never calls explainDrift, so a refresh
// without drift reads nothing more. With drift, the audit log is read once
// per organization and event name per provider run (driftExplainer, in
// providerData): every Read that needs team.edit waits for, and shares, the
// one read of team.edit entries. Each read looks back driftLookBack, at most
// driftMaxEntries entries (a few pages), newest first.
//
// Each resource's drift report (teamDrift, memberDrift, ...) lives in its
// resource file, beside its Read: what it compares, and where Sentry's
// audit log records each kind of change (event names and targets as
// Sentry's endpoints write them). This file is the engine they share.

// Bounds of each audit log read.
const (
	driftLookBack     = 30 * 24 * time.Hour
	driftLookBackText = "30d"
	driftMaxEntries   = 300
)

// driftReport is what a resource's Read found: the object and what about
// it differs from the prior state.
type driftReport struct {
	// object names the object by its type and Sentry identity, such as
	// `sentry_team "backend" (id 42)`.
	object string
	// gone is set when Sentry no longer has the object; removal then says
	// where the audit log records that, and goneNote what happens next.
	gone     bool
	removal  []auditLookup
	goneNote string
	// changes are the attributes that differ.
	changes []driftChange
}

// driftChange is one attribute that changed outside Terraform.
type driftChange struct {
	// what says what changed, as `name changed outside Terraform from "a"
	// to "b"`.
	what string
	// lookups are where the audit log records such a change, most
	// specific first; the newest entry of the first lookup that has one
	// explains the change.
	lookups []auditLookup
	// unrecorded, when set, is why Sentry's audit log has no entry for
	// this change; the log is then not read.
	unrecorded string
}

// auditLookup selects the entries of one event about one object: those
// whose target object is target, or, where Sentry targets another id (a
// team membership, a project), whose data has every key in data with one
// of its values (emails compared without case). Where the entry's data
// records the object as the change left it, it must also agree with after
// (the value Sentry has now), so an older change to the same object is
// not taken for this one.
type auditLookup struct {
	event  string
	target string
	data   map[string][]string
	after  map[string]string
	// hasKey, when set, asks that the entry's data has this key: an
	// org.edit entry names each setting it changed.
	hasKey string
	// removedSlug matches a team.remove entry by the team's slug: Sentry
	// renames a team it deletes to its slug, a hyphen and a random suffix
	// (cut to 50 characters), and logs the renamed team.
	removedSlug string
}

// hasDrift reports whether the report has anything to say.
func (d driftReport) hasDrift() bool { return d.gone || len(d.changes) > 0 }

// forgetGone handles a Read that finds the object deleted in Sentry: it
// logs why (msg and fields), explains the removal from the audit log,
// keeps the object's identity for Terraform and removes it from state, so
// the next plan creates it again.
func (b *resourceBase) forgetGone(ctx context.Context, resp *resource.ReadResponse, org string, d driftReport, identity any,
	msg string, fields map[string]any) {
	tflog.Warn(ctx, msg, fields)
	b.explainDrift(ctx, org, d, &resp.Diagnostics)
	keepIdentity(ctx, resp.Identity, identity, &resp.Diagnostics)
	resp.State.RemoveResource(ctx)
}

// explainDrift adds the drift warning for the report, when there is drift
// and the provider's explain_drift is on. It never adds an error: without
// access to the audit log the warning says only what changed, and one
// warning per run says why.
func (b *resourceBase) explainDrift(ctx context.Context, org string, d driftReport, diags *diag.Diagnostics) {
	if !d.hasDrift() || b.data == nil || !b.data.explainDrift {
		return
	}
	explainer := b.data.driftExplainer()
	var lines []string
	if d.gone {
		lines = append(lines, explainer.explain(ctx, b.data, org, d.object+": removed outside Terraform", d.removal, "", diags))
	}
	for _, c := range d.changes {
		lines = append(lines, explainer.explain(ctx, b.data, org, d.object+": "+c.what, c.lookups, c.unrecorded, diags))
	}
	summary := d.object + " changed outside Terraform"
	if d.gone {
		summary = d.object + " removed outside Terraform"
	}
	detail := strings.Join(lines, "\n")
	if d.goneNote != "" {
		detail += "\n\n" + d.goneNote
	}
	diags.AddWarning(summary, detail)
}

// driftExplainer is the provider run's audit log cache and its one-time
// notice. It lives in providerData, so every resource of a run shares it.
type driftExplainer struct {
	// reads holds one read per organization and event.
	reads sharedReads[auditKey, []sentry.AuditEntry]
	// notice is the once-per-run warning about why drift could not be
	// attributed.
	notice sync.Once
}

// auditKey is one organization's entries of one event; the event
// probeEvent is the probe of the whole log.
type auditKey struct {
	org, event string
}

// probeEvent keys the read of one entry of the whole log, which tells an
// empty log (a plan without the audit log) from a log without matching
// entries. No event has this name.
const probeEvent = "(any)"

// driftExplainer returns the run's explainer, made on first use.
func (d *providerData) driftExplainer() *driftExplainer {
	d.driftOnce.Do(func() { d.drift = &driftExplainer{} })
	return d.drift
}

// read returns the organization's entries of the event, newest first (for
// probeEvent, the newest entry of any event), read once a run and shared
// by every caller (see sharedReads).
func (x *driftExplainer) read(ctx context.Context, client *sentry.Client, org, event string) ([]sentry.AuditEntry, error) {
	return x.reads.get(ctx, auditKey{org, event}, func(ctx context.Context) ([]sentry.AuditEntry, error) {
		q := sentry.AuditLogQuery{Event: event, StatsPeriod: driftLookBackText, Limit: driftMaxEntries}
		if event == probeEvent {
			q = sentry.AuditLogQuery{Limit: 1}
		}
		tflog.Debug(ctx, "reading the audit log to explain drift", map[string]any{"organization": org, "event": event})
		return client.ListAuditLog(ctx, org, q)
	})
}

// logIsEmpty reports whether the organization's audit log has no entry at
// all, which is how Sentry answers plans without the audit log.
func (x *driftExplainer) logIsEmpty(ctx context.Context, client *sentry.Client, org string) bool {
	entries, err := x.read(ctx, client, org, probeEvent)
	return err == nil && len(entries) == 0
}

// explain is one line of a drift warning: what, and who did it, when and
// from where if the audit log says so.
func (x *driftExplainer) explain(ctx context.Context, data *providerData, org, what string,
	lookups []auditLookup, unrecorded string, diags *diag.Diagnostics) string {
	if unrecorded != "" {
		return what + " (" + unrecorded + ")"
	}
	if len(lookups) == 0 {
		return what
	}
	client, err := data.client()
	if err != nil {
		x.warnOnce(diags, "Sentry's audit log cannot be read without the provider's auth_token: set auth_token or "+
			envAuthToken+" to a user auth token with org:write (an owner's or a manager's).")
		return what
	}
	sawRows := false
	for _, l := range lookups {
		entries, err := x.read(ctx, client, org, l.event)
		if err != nil {
			// A run being stopped has nothing to explain.
			if ctx.Err() == nil {
				x.warnOnce(diags, auditReadProblem(org, err))
			}
			return what
		}
		sawRows = sawRows || len(entries) > 0
		for i := range entries {
			if l.matches(&entries[i]) {
				return what + " " + attribution(&entries[i])
			}
		}
	}
	if !sawRows && x.logIsEmpty(ctx, client, org) {
		x.warnOnce(diags, fmt.Sprintf("Sentry's audit log of organization %q is empty: Sentry answers so when the "+
			"organization's plan does not include the audit log (on sentry.io it comes with the Business plan and "+
			"above).", org))
		return what
	}
	return what + fmt.Sprintf(" (no matching entry in Sentry's audit log of the last %d days)", int(driftLookBack.Hours()/24))
}

// warnOnce adds the run's single warning about unattributed drift.
func (x *driftExplainer) warnOnce(diags *diag.Diagnostics, why string) {
	x.notice.Do(func() {
		diags.AddWarning("Drift Not Attributed",
			"The provider found objects changed outside Terraform but cannot say who changed them. "+why+
				"\n\nThe plan is not affected. Set explain_drift = false in the provider block to stop looking up "+
				"who made out-of-band changes. This warning is shown once per run.")
	})
}

// auditReadProblem explains a failed audit log read.
func auditReadProblem(org string, err error) string {
	var apiErr *sentry.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusForbidden:
			return fmt.Sprintf("Sentry refused to show the audit log of organization %q (403 Forbidden): it needs a "+
				"user auth token with org:write, whose user is an owner or manager. Use such a token as the provider's "+
				"auth_token to see who made each change.", org)
		case http.StatusUnauthorized:
			return "Sentry refused the provider's auth_token when reading the audit log (401 Unauthorized)."
		}
	}
	return fmt.Sprintf("Reading the audit log of organization %q failed: %s.", org, err)
}

// attribution is "by who (event) at time from ip".
func attribution(e *sentry.AuditEntry) string {
	actor := e.Actor.Email
	if actor == "" {
		actor = e.Actor.Name
	}
	if actor == "" {
		actor = "an unknown actor"
	}
	s := fmt.Sprintf("by %s (%s) at %s", actor, e.Event, e.DateCreated.UTC().Format(time.RFC3339))
	if e.IPAddress != "" {
		s += " from " + e.IPAddress
	}
	return s
}

// matches reports whether the entry is the lookup's: its event, and its
// target or data.
func (l auditLookup) matches(e *sentry.AuditEntry) bool {
	if e.Event != l.event {
		return false
	}
	data := auditData(e.Data)
	if _, ok := data[l.hasKey]; l.hasKey != "" && !ok {
		return false
	}
	for key, want := range l.after {
		if got, ok := data[key]; ok && !strings.EqualFold(got, want) {
			return false
		}
	}
	if l.target != "" && e.TargetObject != nil && strconv.FormatInt(*e.TargetObject, 10) == l.target {
		return true
	}
	if l.removedSlug != "" {
		return isRemovedSlug(data["slug"], l.removedSlug)
	}
	if len(l.data) == 0 {
		return false
	}
	for key, want := range l.data {
		got, ok := data[key]
		if !ok || !anyEqualFold(want, got) {
			return false
		}
	}
	return true
}

// auditData is an entry's data with every value as a string: strings as
// they are, numbers as written.
func auditData(raw json.RawMessage) map[string]string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		}
	}
	return out
}

// isRemovedSlug reports whether got is slug as Sentry renames a team it
// deletes: slug, a hyphen and 32 hex digits, cut to 50 characters.
func isRemovedSlug(got, slug string) bool {
	if got == slug {
		return true
	}
	suffix, ok := strings.CutPrefix(got, slug+"-")
	if !ok || (len(suffix) != 32 && len(got) != 50) || len(suffix) > 32 {
		return false
	}
	return strings.Trim(suffix, "0123456789abcdef") == ""
}

func anyEqualFold(values []string, s string) bool {
	for _, v := range values {
		if v != "" && strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// byTarget looks up an event by its target object.
func byTarget(event, id string) auditLookup { return auditLookup{event: event, target: id} }

// changed is `attr changed outside Terraform from "before" to "after"`.
func changed(attr, before, after string) string {
	return fmt.Sprintf("%s changed outside Terraform from %q to %q", attr, before, after)
}

// known reports whether a prior value can be compared: an attribute whose
// prior value is null or unknown (just imported) is never drift.
func known(v interface {
	IsNull() bool
	IsUnknown() bool
},
) bool {
	return !v.IsNull() && !v.IsUnknown()
}
