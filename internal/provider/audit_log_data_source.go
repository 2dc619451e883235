package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ datasource.DataSource                   = (*auditLogDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*auditLogDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*auditLogDataSource)(nil)
)

// defaultAuditLogLimit is how many entries are read when limit is not set.
const defaultAuditLogLimit = 1000

const auditLogPermissionHint = "Sentry's audit log needs a token with org:write whose user is an owner or manager."

// statsPeriodPattern is the period syntax Sentry accepts: a number and a
// unit (seconds, minutes, hours, days, weeks).
var statsPeriodPattern = regexp.MustCompile(`^[0-9]+[smhdw]$`)

func newAuditLogDataSource() datasource.DataSource {
	return &auditLogDataSource{}
}

// auditLogDataSource reads an organization's audit log, newest first.
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
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's audit log, newest first, filtered by Sentry. Reading it needs a token " +
			"with `org:write`; on sentry.io the audit log comes with the Business plan and above.",
		Attributes: map[string]schema.Attribute{
			"organization": schema.StringAttribute{
				MarkdownDescription: "Slug of the organization. Defaults to the provider's `organization`.",
				Optional:            true,
				Validators:          []validator.String{lengthValidator{what: "organization slug", min: 1, maxCount: 50}},
			},
			"event": schema.StringAttribute{
				MarkdownDescription: "Only entries of this event, such as `member.invite`, `member.edit` or `org-auth-token.create`.",
				Optional:            true,
			},
			"actor_id": schema.StringAttribute{
				MarkdownDescription: "Only changes made by the user with this numeric id.",
				Optional:            true,
				Validators:          []validator.String{numericIDValidator{}},
			},
			"start": schema.StringAttribute{
				MarkdownDescription: "Only entries from this time on (RFC 3339). Set with `end`, instead of `period`.",
				Optional:            true,
				Validators:          []validator.String{rfc3339Validator{}},
			},
			"end": schema.StringAttribute{
				MarkdownDescription: "Only entries up to this time (RFC 3339). Set with `start`.",
				Optional:            true,
				Validators:          []validator.String{rfc3339Validator{}},
			},
			"period": schema.StringAttribute{
				MarkdownDescription: "Only entries of this recent period: a number and a unit, such as `24h`, `7d` or `90d`.",
				Optional:            true,
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: "The most entries to read, newest first (default 1,000). Paging stops once it is reached.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"entries": schema.ListNestedAttribute{
				MarkdownDescription: "The entries, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":            str("The entry's id."),
					"event":         str("The event name."),
					"actor_name":    str("Who made the change: the user's name, or an organization token's label."),
					"actor_id":      str("The user's id; null for changes made with an organization or integration token."),
					"ip_address":    str("The IP address the change came from."),
					"note":          str("Sentry's description of the change."),
					"target_object": str("Id of the object changed (a team, a member, a token); null if none."),
					"target_user":   str("The user the change concerns: their email, else their id once the user is gone; null if none."),
					"data":          str("What Sentry recorded with the event, as a JSON object (`jsondecode` it)."),
					"date_created":  str("When the change was made (RFC 3339)."),
				}},
			},
		},
	}
}

// ValidateConfig checks the date filters Sentry would refuse or read
// otherwise than meant.
func (d *auditLogDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var config auditLogDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if config.Start.IsNull() != config.End.IsNull() {
		missing := "end"
		if config.Start.IsNull() {
			missing = "start"
		}
		resp.Diagnostics.AddAttributeError(path.Root(missing), "Incomplete Date Range",
			"Sentry needs both start and end: set "+missing+" as well, or use period instead.")
	}
	if !config.Period.IsNull() && (!config.Start.IsNull() || !config.End.IsNull()) {
		resp.Diagnostics.AddAttributeError(path.Root("period"), "Conflicting Date Filters",
			"Set either period or start and end, not both: Sentry would ignore start and end.")
	}
	if p := config.Period; !p.IsNull() && !p.IsUnknown() && !statsPeriodPattern.MatchString(p.ValueString()) {
		resp.Diagnostics.AddAttributeError(path.Root("period"), "Invalid Period",
			fmt.Sprintf("The period %q is not a number and a unit (s, m, h, d or w), such as \"24h\" or \"90d\".", p.ValueString()))
	}
	if config.Start.IsUnknown() || config.End.IsUnknown() || config.Start.IsNull() || config.End.IsNull() {
		return
	}
	start, err1 := time.Parse(time.RFC3339, config.Start.ValueString())
	end, err2 := time.Parse(time.RFC3339, config.End.ValueString())
	if err1 == nil && err2 == nil && !start.Before(end) {
		resp.Diagnostics.AddAttributeError(path.Root("end"), "Invalid Date Range",
			fmt.Sprintf("end (%s) must be after start (%s).", config.End.ValueString(), config.Start.ValueString()))
	}
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
	q := sentry.AuditLogQuery{
		Event:       config.Event.ValueString(),
		ActorID:     config.ActorID.ValueString(),
		StatsPeriod: config.Period.ValueString(),
		Limit:       defaultAuditLogLimit,
	}
	if !config.Limit.IsNull() {
		q.Limit = int(config.Limit.ValueInt64())
	}
	if !config.Start.IsNull() {
		q.Start, _ = time.Parse(time.RFC3339, config.Start.ValueString())
		q.End, _ = time.Parse(time.RFC3339, config.End.ValueString())
	}

	entries, err := client.ListAuditLog(ctx, org, q)
	if err != nil {
		var apiErr *sentry.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusForbidden {
			resp.Diagnostics.AddError("Audit Log Needs org:write", withNextStep(
				apiErrorDetail(fmt.Sprintf("read the audit log of organization %q", org), err, ""),
				auditLogPermissionHint+" Set auth_token or SENTRY_AUTH_TOKEN to such a token."))
			return
		}
		addAPIError(&resp.Diagnostics, "Unable to Read Audit Log", fmt.Sprintf("read the audit log of organization %q", org),
			err, auditLogPermissionHint)
		return
	}
	// Every organization's log has entries (its creation, its first
	// invitations); an unfiltered empty answer is what Sentry gives plans
	// without the audit log.
	unfiltered := q.Event == "" && q.ActorID == "" && q.StatsPeriod == "" && q.Start.IsZero()
	if len(entries) == 0 && unfiltered {
		resp.Diagnostics.AddWarning("Empty Audit Log",
			fmt.Sprintf("Sentry returned no audit log entries for organization %q. Sentry answers with an empty list "+
				"when the organization's plan has no audit log: on sentry.io it comes with the Business plan and above.", org))
	}

	elems := make([]attr.Value, 0, len(entries))
	for _, e := range entries {
		obj, diags := types.ObjectValue(auditEntryAttrTypes, auditEntryValues(e))
		resp.Diagnostics.Append(diags...)
		elems = append(elems, obj)
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: auditEntryAttrTypes}, elems)
	resp.Diagnostics.Append(diags...)
	config.Organization = types.StringValue(org)
	config.Entries = list
	resp.Diagnostics.Append(resp.State.Set(ctx, config)...)
}

func auditEntryValues(e sentry.AuditEntry) map[string]attr.Value {
	optional := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	target := types.StringNull()
	if e.TargetObject != nil {
		target = types.StringValue(strconv.FormatInt(*e.TargetObject, 10))
	}
	targetUser := types.StringNull()
	if u := e.TargetUser; u != nil {
		switch {
		case u.Email != "":
			targetUser = types.StringValue(u.Email)
		case u.ID != "":
			targetUser = types.StringValue(u.ID)
		}
	}
	return map[string]attr.Value{
		"id":            types.StringValue(e.ID),
		"event":         types.StringValue(e.Event),
		"actor_name":    optional(e.Actor.Name),
		"actor_id":      optional(e.Actor.ID),
		"ip_address":    optional(e.IPAddress),
		"note":          optional(e.Note),
		"target_object": target,
		"target_user":   targetUser,
		"data":          types.StringValue(canonicalJSON(e.Data)),
		"date_created":  types.StringValue(formatTime(e.DateCreated)),
	}
}

// canonicalJSON re-encodes a JSON object with sorted keys, so the same
// data always reads the same; empty or invalid data is "{}".
func canonicalJSON(raw json.RawMessage) string {
	// Numbers stay as Sentry wrote them: ids do not fit a float64.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if len(raw) == 0 || dec.Decode(&v) != nil || v == nil {
		return "{}"
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(out)
}

// rfc3339Validator checks a time's syntax at plan time.
type rfc3339Validator struct{}

func (rfc3339Validator) Description(context.Context) string {
	return "must be an RFC 3339 time such as 2026-07-01T00:00:00Z"
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rfc3339Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Time",
			fmt.Sprintf("%q is not an RFC 3339 time: write it like \"2026-07-01T00:00:00Z\" (timeadd and timestamp() "+
				"produce this form).", req.ConfigValue.ValueString()))
	}
}

// numericIDValidator checks that a value is one of Sentry's numeric ids.
type numericIDValidator struct{}

func (numericIDValidator) Description(context.Context) string { return "must be a numeric id" }

func (v numericIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (numericIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !onlyDigits.MatchString(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid ID",
			fmt.Sprintf("%q is not a numeric id. Use the user's id, such as a member's user_id.", req.ConfigValue.ValueString()))
	}
}
