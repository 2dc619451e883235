package provider

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ datasource.DataSource              = (*apiTokensDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*apiTokensDataSource)(nil)
)

// The audit events behind the data source, as src/sentry/audit_log/events
// registers them (ORGAUTHTOKEN_ADD and ORGAUTHTOKEN_REMOVE). Sentry writes
// them in src/sentry/api/endpoints/organization_auth_tokens.py (POST) and
// organization_auth_token_details.py (DELETE) with target_object = the
// token's id and data = OrgAuthToken.get_audit_log_data(), {"name",
// "scopes"} (src/sentry/models/orgauthtoken.py). A rename (PUT on the
// details endpoint) writes no entry.
const (
	orgTokenCreateEvent = "org-auth-token.create" //nolint:gosec // An audit event name, not a credential.
	orgTokenRemoveEvent = "org-auth-token.remove" //nolint:gosec // An audit event name, not a credential.
)

// defaultTokenAuditLimit bounds each of the two event reads: 100 pages of
// 100 entries.
const defaultTokenAuditLimit = 10000

// noTokenAuditWarning explains a list that is empty because Sentry shows
// the organization no audit log at all.
const noTokenAuditWarning = "Sentry returned no audit log entries for organization %q at all, although the " +
	"organization has members, so its log should at least hold their invitations. The token list is built from the " +
	"audit log's org-auth-token.create and org-auth-token.remove entries, so it is empty too, whatever tokens exist. " +
	"Sentry answers with an empty list, not an error, when the organization's plan does not include the audit log: " +
	auditLogPlanHint

func newAPITokensDataSource() datasource.DataSource {
	return &apiTokensDataSource{limit: defaultTokenAuditLimit}
}

// apiTokensDataSource lists an organization's live org auth tokens as its
// audit log records them: since Sentry 25.10 (sentry.io 2025-09) the token
// endpoints answer only a signed-in browser session, and the audit log is
// what the API still shows of tokens.
type apiTokensDataSource struct {
	dataSourceBase
	// limit is how many entries of each event are read at most.
	limit int
}

type apiTokensDataModel struct {
	Organization types.String `tfsdk:"organization"`
	NamePrefix   types.String `tfsdk:"name_prefix"`
	Tokens       types.List   `tfsdk:"tokens"`
}

var apiTokenDataAttrTypes = map[string]attr.Type{
	"id":           types.StringType,
	"name":         types.StringType,
	"scopes":       types.ListType{ElemType: types.StringType},
	"date_created": types.StringType,
	"created_by":   types.StringType,
}

func (d *apiTokensDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_tokens"
}

func (d *apiTokensDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's live organization auth tokens, as Sentry's audit log records them: " +
			"every token with an `org-auth-token.create` entry and no later `org-auth-token.remove` entry. Today's " +
			"Sentry lists tokens only to a signed-in browser session, so the audit log is where the API shows them. " +
			"Reading it needs a user auth token with `org:write` (an owner's or a manager's); on sentry.io the audit " +
			"log comes with the Business plan and above.",
		Attributes: map[string]schema.Attribute{
			"organization": schema.StringAttribute{
				MarkdownDescription: "Slug of the organization. Defaults to the provider's `organization`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{lengthValidator{what: "organization slug", min: 1, maxCount: 50}},
			},
			"name_prefix": schema.StringAttribute{
				MarkdownDescription: "Only tokens whose name, as recorded at creation, starts with this text " +
					"(case-sensitive). Filtered by the provider after reading, so it saves no request.",
				Optional: true,
			},
			"tokens": schema.ListNestedAttribute{
				MarkdownDescription: "The live tokens, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": computed("The token's id, as `sentry_api_token` and Sentry's settings page know it."),
					"name": computed("The token's name when it was made. Sentry records no audit entry for a rename, " +
						"so a token renamed later keeps its first name here."),
					"scopes": schema.ListAttribute{
						ElementType:         types.StringType,
						Computed:            true,
						MarkdownDescription: "The token's scopes when it was made: always `org:ci` for organization auth tokens.",
					},
					"date_created": computed("When the token was made (RFC 3339, UTC)."),
					"created_by": computed("Who made the token: the person's email, or their name when the audit " +
						"log has no email for them; null when it names nobody."),
				}},
			},
		},
	}
}

// tokenAuditRead is what one event's read of the audit log found.
type tokenAuditRead struct {
	entries []sentry.AuditEntry
	// full is false when the read stopped at the limit: older entries
	// may exist.
	full bool
	err  error
}

// readTokenEvents reads one event's entries, newest first, at most limit.
func readTokenEvents(ctx context.Context, client *sentry.Client, org, event string, limit int) tokenAuditRead {
	entries, err := client.ListAuditLog(ctx, org, sentry.AuditLogQuery{Event: event, Limit: limit})
	return tokenAuditRead{entries: entries, full: len(entries) < limit, err: err}
}

func (d *apiTokensDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config apiTokensDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := d.session(config.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	limit := cmp.Or(d.limit, defaultTokenAuditLimit)

	// The two events are independent reads, each filtered by Sentry: the
	// whole log is never walked.
	removedCh := make(chan tokenAuditRead, 1)
	go func() { removedCh <- readTokenEvents(ctx, client, org, orgTokenRemoveEvent, limit) }()
	created := readTokenEvents(ctx, client, org, orgTokenCreateEvent, limit)
	removed := <-removedCh
	action := fmt.Sprintf("list the org auth tokens of organization %q from its audit log", org)
	if err := cmp.Or(created.err, removed.err); err != nil {
		addAuditReadError(&resp.Diagnostics, action, err)
		return
	}

	tokens, cutoff := liveOrgTokens(created.entries, removed.entries, removed.full)
	if !created.full {
		resp.Diagnostics.AddWarning("Token List May Be Incomplete", fmt.Sprintf("Organization %q has more than %d "+
			"org-auth-token.create entries in its audit log; the provider read the newest %d, so tokens made before %s "+
			"are not listed.", org, limit, limit, formatTime(created.entries[len(created.entries)-1].DateCreated)))
	}
	if !cutoff.IsZero() {
		resp.Diagnostics.AddWarning("Token List May Be Incomplete", fmt.Sprintf("Organization %q has more than %d "+
			"org-auth-token.remove entries in its audit log; the provider read the newest %d. Whether a token made "+
			"before %s was revoked is not known, so such tokens are not listed.", org, limit, limit, formatTime(cutoff)))
	}
	if len(created.entries) == 0 && len(removed.entries) == 0 {
		d.warnIfNoAuditLog(ctx, client, org, &resp.Diagnostics)
	}

	if p := config.NamePrefix.ValueString(); p != "" {
		tokens = slices.DeleteFunc(tokens, func(t orgTokenRecord) bool { return !strings.HasPrefix(t.name, p) })
	}
	list, diags := orgTokenList(tokens)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	config.Organization = types.StringValue(org)
	config.Tokens = list
	resp.Diagnostics.Append(resp.State.Set(ctx, config)...)
}

// warnIfNoAuditLog tells an organization without tokens from one whose
// plan hides the audit log, which Sentry answers the same way: an empty
// list. One entry of the unfiltered log settles it (one request); only if
// that is empty too is the members list asked whether there should be a
// history.
func (d *apiTokensDataSource) warnIfNoAuditLog(ctx context.Context, client *sentry.Client, org string, diags *diag.Diagnostics) {
	any1, err := client.ListAuditLog(ctx, org, sentry.AuditLogQuery{Limit: 1})
	if err != nil || len(any1) > 0 {
		return
	}
	warnIfMembers(ctx, client, org, noTokenAuditWarning, diags)
}

// orgTokenRecord is a live token as its create entry records it.
type orgTokenRecord struct {
	id          int64
	name        string
	scopes      []string
	dateCreated time.Time
	createdBy   string
}

// liveOrgTokens pairs the create entries with the remove entries, both
// newest first, and returns the tokens never removed, newest first. When
// the removals were not read in full (removedFull false), a token made
// before the oldest removal read may have been removed by an entry not
// read: such tokens are left out, and cutoff is that oldest removal's
// date. A token is always made before it is removed, so every token made
// after cutoff has all its removals among those read.
func liveOrgTokens(created, removed []sentry.AuditEntry, removedFull bool) (tokens []orgTokenRecord, cutoff time.Time) {
	gone := make(map[int64]bool, len(removed))
	for _, e := range removed {
		if e.TargetObject != nil {
			gone[*e.TargetObject] = true
		}
	}
	if !removedFull && len(removed) > 0 {
		cutoff = removed[len(removed)-1].DateCreated
	}
	seen := make(map[int64]bool, len(created))
	for _, e := range created {
		if e.TargetObject == nil || gone[*e.TargetObject] || seen[*e.TargetObject] {
			continue
		}
		if !cutoff.IsZero() && e.DateCreated.Before(cutoff) {
			continue
		}
		seen[*e.TargetObject] = true
		var data struct {
			Name   string   `json:"name"`
			Scopes []string `json:"scopes"`
		}
		// Data of another shape leaves name and scopes empty; the token
		// still counts.
		_ = json.Unmarshal(e.Data, &data)
		tokens = append(tokens, orgTokenRecord{
			id: *e.TargetObject, name: data.Name, scopes: data.Scopes,
			dateCreated: e.DateCreated, createdBy: cmp.Or(e.Actor.Email, e.Actor.Name),
		})
	}
	// Sentry's log is newest first already; entries of the same instant
	// are put in id order so that reads agree.
	slices.SortStableFunc(tokens, func(a, b orgTokenRecord) int {
		return cmp.Or(b.dateCreated.Compare(a.dateCreated), cmp.Compare(b.id, a.id))
	})
	return tokens, cutoff
}

// orgTokenList is the tokens attribute.
func orgTokenList(tokens []orgTokenRecord) (types.List, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := make([]attr.Value, 0, len(tokens))
	for _, t := range tokens {
		scopes := types.ListNull(types.StringType)
		if t.scopes != nil {
			vals := make([]attr.Value, len(t.scopes))
			for i, s := range t.scopes {
				vals[i] = types.StringValue(s)
			}
			var d diag.Diagnostics
			scopes, d = types.ListValue(types.StringType, vals)
			diags.Append(d...)
		}
		obj, d := types.ObjectValue(apiTokenDataAttrTypes, map[string]attr.Value{
			"id":           types.StringValue(strconv.FormatInt(t.id, 10)),
			"name":         optionalString(t.name),
			"scopes":       scopes,
			"date_created": types.StringValue(formatTime(t.dateCreated)),
			"created_by":   optionalString(t.createdBy),
		})
		diags.Append(d...)
		elems = append(elems, obj)
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: apiTokenDataAttrTypes}, elems)
	diags.Append(d...)
	return list, diags
}
