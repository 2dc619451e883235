package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ datasource.DataSource                   = (*auditLogDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*auditLogDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*auditLogDataSource)(nil)
)

// defaultAuditLogLimit is how many entries are read when limit is not set.
const defaultAuditLogLimit = 1000

// auditLogPermissionHint is the next step for Sentry's 403: the endpoint's
// OrganizationAuditPermission asks for org:write, which only owners' and
// managers' tokens carry.
const auditLogPermissionHint = "Sentry's audit log needs a token with org:write whose user is an owner or manager. " +
	"Set the provider's auth_token or " + envAuthToken + " to such a user auth token."

// noAuditLogWarning explains an empty, unfiltered log of an organization
// that has members: every such organization has a history (its creation,
// its invitations), and Sentry answers organizations whose plan has no audit
// log with an empty list, not an error.
const noAuditLogWarning = "Sentry returned no audit log entries for organization %q, although no filters were set " +
	"and the organization has members, so its log should at least hold their invitations. Sentry answers with an " +
	"empty list, not an error, when the organization's plan does not include the audit log: " + auditLogPlanHint

// auditLogPlanHint says which plans have the audit log and where to look.
const auditLogPlanHint = "on sentry.io the audit log needs the Business plan or above. Check the plan in Sentry " +
	"under Settings > Subscription. Self-hosted Sentry does not restrict the audit log by plan."

// statsPeriodPattern is the period syntax Sentry reads: a number and a unit
// (seconds, minutes, hours, days, weeks).
var statsPeriodPattern = regexp.MustCompile(`^[0-9]+[smhdw]$`)

func newAuditLogDataSource() datasource.DataSource {
	return &auditLogDataSource{}
}

// auditLogDataSource reads an organization's audit log, newest first, with
// the filters applied by Sentry.
type auditLogDataSource struct {
	dataSourceBase
}

type auditLogDataModel struct {
	Organization types.String `tfsdk:"organization"`
	Event        types.String `tfsdk:"event"`
	ActorID      types.String `tfsdk:"actor_id"`
	Start        types.String `tfsdk:"start"`
	End          types.String `tfsdk:"end"`
	Period       types.String `tfsdk:"period"`
	Limit        types.Int64  `tfsdk:"limit"`
	Entries      types.List   `tfsdk:"entries"`
}

var auditEntryAttrTypes = map[string]attr.Type{
	"id":            types.StringType,
	"event":         types.StringType,
	"actor_name":    types.StringType,
	"actor_id":      types.StringType,
	"ip_address":    types.StringType,
	"note":          types.StringType,
	"target_object": types.StringType,
	"target_user":   types.StringType,
	"data":          types.StringType,
	"date_created":  types.StringType,
}

func (d *auditLogDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_audit_log"
}

func (d *auditLogDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's audit log, newest first, with the filters applied by Sentry. Reading it " +
			"needs a user auth token with `org:write` (an owner's or a manager's); on sentry.io the audit log comes " +
			"with the Business plan and above.",
		Attributes: map[string]schema.Attribute{
			"organization": schema.StringAttribute{
				MarkdownDescription: "Slug of the organization. Defaults to the provider's `organization`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{lengthValidator{what: "organization slug", min: 1, maxCount: 50}},
			},
			"event": schema.StringAttribute{
				MarkdownDescription: "Only entries of this event, such as `member.invite`, `member.edit` or " +
					"`org-auth-token.create`. Sentry answers an event name it does not know with no entries.",
				Optional: true,
			},
			"actor_id": schema.StringAttribute{
				MarkdownDescription: "Only changes made by the user with this numeric id (a member's `user_id`).",
				Optional:            true,
				Validators:          []validator.String{numericIDValidator{}},
			},
			"start": schema.StringAttribute{
				MarkdownDescription: "Only entries from this time on (RFC 3339, such as `2026-07-01T00:00:00Z`). " +
					"Set together with `end`, and not with `period`.",
				Optional:   true,
				Validators: []validator.String{rfc3339Validator{}},
			},
			"end": schema.StringAttribute{
				MarkdownDescription: "Only entries up to this time (RFC 3339). Set together with `start`; it must be " +
					"after `start`.",
				Optional:   true,
				Validators: []validator.String{rfc3339Validator{}},
			},
			"period": schema.StringAttribute{
				MarkdownDescription: "Only entries of this recent period, in Sentry's period syntax: a number and a " +
					"unit (`s`, `m`, `h`, `d` or `w`), such as `24h`, `7d` or `90d`. Not together with `start` and `end`.",
				Optional: true,
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: "The most entries to read, newest first; at least 1, default 1,000. Sentry pages " +
					"the log 100 entries a request, and reading stops as soon as the limit is reached.",
				Optional: true,
			},
			"entries": schema.ListNestedAttribute{
				MarkdownDescription: "The entries, newest first, as Sentry returns them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":         computed("The entry's id."),
					"event":      computed("The event name, such as `member.invite`."),
					"actor_name": computed("Who made the change: the user's name, or the token's name for changes made with an organization or integration token."),
					"actor_id":   computed("The id of the user who made the change; null for changes made with an organization or integration token."),
					"ip_address": computed("The IP address the change came from."),
					"note":       computed("Sentry's one-line description of the change, such as `invited member dana@acme.example`."),
					"target_object": computed("The id of the object changed (a team, a member, a token); null when the " +
						"event has none."),
					"target_user": computed("The user the change concerns: the user's email, or the user's numeric id " +
						"when Sentry sends only the id (the user no longer exists); null when the event concerns no user."),
					"data": computed("What Sentry recorded with the event, as a JSON object with sorted keys (`jsondecode` " +
						"it); its fields depend on the event. Numbers are kept exactly as Sentry sent them."),
					"date_created": computed("When the change was made (RFC 3339, UTC)."),
				}},
			},
		},
	}
}

// ValidateConfig catches, at plan time, the filters Sentry would refuse or
// read otherwise than meant.
func (d *auditLogDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var config auditLogDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Unknown values (variables during terraform validate) may turn out
	// either way: only known ones are checked.
	isSet := func(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }
	if (isSet(config.Start) && config.End.IsNull()) || (config.Start.IsNull() && isSet(config.End)) {
		missing, set := "end", "start"
		if config.Start.IsNull() {
			missing, set = "start", "end"
		}
		resp.Diagnostics.AddAttributeError(path.Root(missing), "Incomplete Date Range",
			fmt.Sprintf("%s is set but %s is not: Sentry needs both start and end. Set %s as well, or replace %s with "+
				"period (such as period = \"90d\").", set, missing, missing, set))
	}
	if isSet(config.Period) && (isSet(config.Start) || isSet(config.End)) {
		resp.Diagnostics.AddAttributeError(path.Root("period"), "Conflicting Date Filters",
			"period cannot be combined with start and end: Sentry would use the period and ignore the dates. "+
				"Remove period, or remove start and end.")
	}
	if p := config.Period; isSet(p) {
		switch v := p.ValueString(); {
		case !statsPeriodPattern.MatchString(v):
			resp.Diagnostics.AddAttributeError(path.Root("period"), "Invalid Period",
				fmt.Sprintf("period %q is not in Sentry's period syntax: write a number and a unit (s, m, h, d or w), "+
					"such as \"24h\", \"7d\" or \"90d\".", v))
		case strings.Trim(v[:len(v)-1], "0") == "":
			resp.Diagnostics.AddAttributeError(path.Root("period"), "Invalid Period",
				fmt.Sprintf("period %q is empty: Sentry refuses a period that starts when it ends. Use a number of at "+
					"least 1, such as \"24h\".", v))
		}
	}
	if l := config.Limit; !l.IsNull() && !l.IsUnknown() && l.ValueInt64() < 1 {
		resp.Diagnostics.AddAttributeError(path.Root("limit"), "Invalid Limit",
			fmt.Sprintf("limit is %d; it is the most entries to read and must be at least 1. Leave it out to read up "+
				"to %d entries.", l.ValueInt64(), defaultAuditLogLimit))
	}
	if !isSet(config.Start) || !isSet(config.End) {
		return
	}
	start, errStart := time.Parse(time.RFC3339, config.Start.ValueString())
	end, errEnd := time.Parse(time.RFC3339, config.End.ValueString())
	if errStart == nil && errEnd == nil && !start.Before(end) {
		resp.Diagnostics.AddAttributeError(path.Root("end"), "Invalid Date Range",
			fmt.Sprintf("end (%s) is not after start (%s): Sentry refuses an empty or reversed range. Swap them, or "+
				"move end later.", config.End.ValueString(), config.Start.ValueString()))
	}
}

// auditLogQuery is the client's query for a validated configuration.
func auditLogQuery(config auditLogDataModel) sentry.AuditLogQuery {
	q := sentry.AuditLogQuery{
		Event:       config.Event.ValueString(),
		ActorID:     config.ActorID.ValueString(),
		StatsPeriod: config.Period.ValueString(),
		Limit:       defaultAuditLogLimit,
	}
	if !config.Limit.IsNull() {
		q.Limit = int(config.Limit.ValueInt64())
	}
	// ValidateConfig has checked both times.
	if !config.Start.IsNull() && !config.End.IsNull() {
		q.Start, _ = time.Parse(time.RFC3339, config.Start.ValueString())
		q.End, _ = time.Parse(time.RFC3339, config.End.ValueString())
	}
	return q
}

// unfiltered reports whether the query asks for the whole log; a limit
// does not filter.
func unfiltered(q sentry.AuditLogQuery) bool {
	return q.Event == "" && q.ActorID == "" && q.StatsPeriod == "" && q.Start.IsZero() && q.End.IsZero()
}

func (d *auditLogDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config auditLogDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := d.session(config.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	q := auditLogQuery(config)
	action := fmt.Sprintf("read the audit log of organization %q", org)

	entries, err := client.ListAuditLog(ctx, org, q)
	if err != nil {
		if errors.Is(err, sentry.ErrInvalidAuditLogQuery) {
			resp.Diagnostics.AddError("Invalid Audit Log Filters",
				fmt.Sprintf("The filters cannot be sent to Sentry: %s. Check event, actor_id, start, end, period and limit.",
					strings.TrimPrefix(err.Error(), "sentry: ")))
			return
		}
		addAuditReadError(&resp.Diagnostics, action, err)
		return
	}

	// Only an unfiltered read that comes back empty may be the plan's
	// doing: a filter can match nothing in a log that exists.
	if len(entries) == 0 && unfiltered(q) {
		warnIfMembers(ctx, client, org, noAuditLogWarning, &resp.Diagnostics)
	}

	elems := make([]attr.Value, 0, len(entries))
	for _, e := range entries {
		obj, diags := types.ObjectValue(auditEntryAttrTypes, auditEntryValues(e))
		resp.Diagnostics.Append(diags...)
		elems = append(elems, obj)
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: auditEntryAttrTypes}, elems)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	config.Organization = types.StringValue(org)
	config.Entries = list
	resp.Diagnostics.Append(resp.State.Set(ctx, config)...)
}

// addAuditReadError reports a failed audit log read. A plain 403 is the
// missing scope or role; one with a code (SSO or 2FA required) says what it
// wants itself.
func addAuditReadError(diags *diag.Diagnostics, action string, err error) {
	var apiErr *sentry.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusForbidden && apiErr.Code == "" {
		addAPIError(diags, "Audit Log Needs org:write", action, err, auditLogPermissionHint)
		return
	}
	addAPIError(diags, "Unable to Read Audit Log", action, err, auditLogPermissionHint)
}

// warnIfMembers adds the "Empty Audit Log" warning (a format taking the
// organization) after an empty audit log read when the organization has
// members. Sentry gives an organization whose plan lacks the audit log the
// same answer as an empty log; one with members has a history (their
// invitations at least), so only then is the warning worth giving.
func warnIfMembers(ctx context.Context, client *sentry.Client, org, warning string, diags *diag.Diagnostics) {
	hasMembers, err := organizationHasMembers(ctx, client, org)
	switch {
	case err != nil:
		tflog.Debug(ctx, "audit log is empty; could not list members to tell why", map[string]any{
			"organization": org, "error": err.Error(),
		})
	case hasMembers:
		diags.AddWarning("Empty Audit Log", fmt.Sprintf(warning, org))
	}
}

// organizationHasMembers reads the first page of the members list, one
// request.
func organizationHasMembers(ctx context.Context, client *sentry.Client, org string) (bool, error) {
	next, stop := iter.Pull2(client.Members(ctx, org, ""))
	defer stop()
	_, err, ok := next()
	if err != nil {
		return false, err
	}
	return ok, nil
}

// optionalString is s, or null when s is empty.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func auditEntryValues(e sentry.AuditEntry) map[string]attr.Value {
	targetObject := types.StringNull()
	if e.TargetObject != nil {
		targetObject = types.StringValue(strconv.FormatInt(*e.TargetObject, 10))
	}
	targetUser := types.StringNull()
	if u := e.TargetUser; u != nil {
		// The email names the user for a reviewer; the id is all that is
		// left once the user is gone.
		targetUser = optionalString(u.Email)
		if targetUser.IsNull() {
			targetUser = optionalString(u.ID)
		}
	}
	return map[string]attr.Value{
		"id":            types.StringValue(e.ID),
		"event":         types.StringValue(e.Event),
		"actor_name":    optionalString(e.Actor.Name),
		"actor_id":      optionalString(e.Actor.ID),
		"ip_address":    optionalString(e.IPAddress),
		"note":          optionalString(e.Note),
		"target_object": targetObject,
		"target_user":   targetUser,
		"data":          types.StringValue(canonicalJSON(e.Data)),
		"date_created":  types.StringValue(formatTime(e.DateCreated)),
	}
}

// canonicalJSON re-encodes a JSON value with object keys sorted at every
// level, so the same data always reads the same; empty, null or invalid data
// is "{}".
func canonicalJSON(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	// Numbers stay as Sentry wrote them: ids do not fit a float64.
	dec.UseNumber()
	var v any
	if len(raw) == 0 || dec.Decode(&v) != nil || v == nil {
		return "{}"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Notes and URLs keep their <, > and & as written.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "{}"
	}
	return strings.TrimSuffix(b.String(), "\n")
}
