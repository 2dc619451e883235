package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

var (
	_ resource.Resource                   = (*apiTokenResource)(nil)
	_ resource.ResourceWithConfigure      = (*apiTokenResource)(nil)
	_ resource.ResourceWithImportState    = (*apiTokenResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*apiTokenResource)(nil)
	_ resource.ResourceWithValidateConfig = (*apiTokenResource)(nil)
	_ resource.ResourceWithIdentity       = (*apiTokenResource)(nil)
)

const apiTokenPermissionHint = "Organization auth tokens can be listed, created and renamed with org:read; deleting one " +
	"needs org:write."

// maxTokenNameLength is Sentry's limit on an organization auth token's name.
const maxTokenNameLength = 255

func newAPITokenResource() resource.Resource {
	return &apiTokenResource{now: time.Now}
}

// apiTokenResource is an organization auth token (org-auth-tokens): the
// only kind of token Sentry lets a token-authenticated client mint.
type apiTokenResource struct {
	resourceBase
	// now is the clock rotation is measured against.
	now func() time.Time
}

type apiTokenModel struct {
	ID                  types.String   `tfsdk:"id"`
	Organization        types.String   `tfsdk:"organization"`
	Name                types.String   `tfsdk:"name"`
	NamePattern         types.String   `tfsdk:"name_pattern"`
	RotationDays        types.Number   `tfsdk:"rotation_days"`
	Keepers             types.Map      `tfsdk:"keepers"`
	Token               types.String   `tfsdk:"token"`
	Scopes              types.List     `tfsdk:"scopes"`
	TokenLastCharacters types.String   `tfsdk:"token_last_characters"`
	DateCreated         types.String   `tfsdk:"date_created"`
	DateLastUsed        types.String   `tfsdk:"date_last_used"`
	RotateAfter         types.String   `tfsdk:"rotate_after"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
}

func (r *apiTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_token"
}

func (r *apiTokenResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = orgIDIdentitySchema("organization auth token")
}

func (r *apiTokenResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An organization auth token, for CI/CD: release creation, source map and debug file " +
			"uploads. Sentry gives these tokens the `org:ci` scope and nothing else.\n\n" +
			"Only self-hosted Sentry releases before 25.10 let an auth token manage these tokens. Since 2025-09 on " +
			"sentry.io, and from release 25.10 of self-hosted Sentry, only a signed-in browser session may: there " +
			"tokens already in state are kept as last read (with one warning a run), and a plan that would create, " +
			"rename, replace or destroy a token, or an import, fails at plan time saying what to do instead.\n\n" +
			"The token's value is known only when it is created; the provider keeps it in state (marked sensitive) " +
			"so other resources and outputs can use it.\n\n" +
			"Because the value exists only in Sentry's answer to the create, a create whose answer is lost (a dropped " +
			"connection, a timeout, a server error) must not leave a live token nobody holds: the provider then " +
			"revokes the tokens with this name that Sentry made since the create began (less a minute for clock " +
			"differences) and that this run did not hand to Terraform, creates a fresh one, and says which token ids " +
			"it revoked. Give tokens distinct names; a token another tool creates with the same name in that minute " +
			"would be revoked too.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Sentry's numeric id of the token.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"organization": organizationAttribute(),
			"name": schema.StringAttribute{
				MarkdownDescription: "The token's name, 1 to 255 characters. Changing it renames the token in place.",
				Required:            true,
				Validators:          []validator.String{lengthValidator{what: "token name", min: 1, maxCount: maxTokenNameLength}},
			},
			"name_pattern": schema.StringAttribute{
				MarkdownDescription: "A regular expression (RE2 syntax) `name` must match, checked at plan time, for " +
					"naming conventions such as `^[a-z0-9-]+-(prod|staging|dev)$`. The provider's `name_pattern` " +
					"applies as well.",
				Optional:   true,
				Validators: []validator.String{regexpValidator{}},
			},
			"rotation_days": schema.NumberAttribute{
				MarkdownDescription: "Rotate the token once it is this many days old: from then on, plan shows the token " +
					"replaced. A whole number from 1 to 3650. Use with `lifecycle { create_before_destroy = true }` so " +
					"the new token exists before the old one is deleted.",
				Optional:   true,
				Validators: []validator.Number{rotationDaysValidator{}},
			},
			"keepers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that replace the token when any of them changes, for rotating on " +
					"demand or on an event (a new CI system, a suspected leak).",
				Optional:      true,
				ElementType:   types.StringType,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The token. Sentry shows it only when it is created, so it is null after an import.",
				Computed:            true,
				Sensitive:           true,
				PlanModifiers:       keep,
			},
			"scopes": schema.ListAttribute{
				MarkdownDescription: "The token's scopes: always `[\"org:ci\"]`.",
				Computed:            true,
				ElementType:         types.StringType,
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"token_last_characters": schema.StringAttribute{
				MarkdownDescription: "The last characters of the token, as Sentry's settings page shows them.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"date_created": schema.StringAttribute{
				MarkdownDescription: "When the token was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"date_last_used": schema.StringAttribute{
				MarkdownDescription: "When the token was last used (RFC 3339); null if never.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"rotate_after": schema.StringAttribute{
				MarkdownDescription: "When the token is due for rotation (RFC 3339): `date_created` plus `rotation_days`. " +
					"Null without `rotation_days`.",
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(ctx, true)},
	}
}

func (r *apiTokenResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config apiTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || config.Name.IsUnknown() || config.Name.IsNull() ||
		config.NamePattern.IsNull() || config.NamePattern.IsUnknown() {
		return
	}
	checkTokenName(&resp.Diagnostics, config.Name.ValueString(), config.NamePattern.ValueString(), "name_pattern")
}

// ModifyPlan plans the provider's organization, applies its naming rule,
// works out rotate_after, and plans a replacement when the token is due for
// rotation. On a Sentry that lets only a browser session manage tokens it
// fails a plan that would create, rename or destroy a token, rather than
// its apply.
func (r *apiTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		var state apiTokenModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if !resp.Diagnostics.HasError() && r.sessionOnly(ctx, state.Organization) {
			addSessionOnlyError(&resp.Diagnostics, tokenAction("revoke", state), destroyHint)
		}
		return
	}
	r.planOrganization(ctx, req, resp)
	var plan apiTokenModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data != nil && r.data.namePattern != "" && !plan.Name.IsUnknown() {
		checkTokenName(&resp.Diagnostics, plan.Name.ValueString(), r.data.namePattern, "the provider's name_pattern")
	}

	var state *apiTokenModel
	if !req.State.Raw.IsNull() {
		state = &apiTokenModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	// A replacement comes here twice: as a change of the token in state,
	// then as a create, which this refuses.
	switch {
	case plan.Name.IsUnknown():
	case state == nil:
		if r.sessionOnly(ctx, plan.Organization) {
			addSessionOnlyError(&resp.Diagnostics, tokenAction("create", plan), newTokenHint)
			return
		}
	case !plan.Name.Equal(state.Name):
		if r.sessionOnly(ctx, state.Organization) {
			addSessionOnlyError(&resp.Diagnostics, tokenAction("rename", *state)+fmt.Sprintf(" to %q", plan.Name.ValueString()),
				renameHint)
			return
		}
	}

	switch {
	case plan.RotationDays.IsUnknown():
		plan.RotateAfter = types.StringUnknown()
	case plan.RotationDays.IsNull():
		plan.RotateAfter = types.StringNull()
	case state == nil || plan.DateCreated.IsUnknown():
		plan.RotateAfter = types.StringUnknown()
	default:
		created, err := time.Parse(time.RFC3339, state.DateCreated.ValueString())
		if err != nil {
			resp.Diagnostics.AddError("Invalid Token Creation Date",
				fmt.Sprintf("The token's date_created %q in state is not an RFC 3339 time: %s.", state.DateCreated.ValueString(), err))
			return
		}
		days, problem := rotationDays(plan.RotationDays.ValueBigFloat())
		if problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("rotation_days"), "Invalid Rotation Period", problem)
			return
		}
		due := created.Add(time.Duration(days) * 24 * time.Hour)
		plan.RotateAfter = types.StringValue(formatTime(due))
		if !r.now().Before(due) && r.sessionOnly(ctx, state.Organization) {
			// A replacement would fail: say the token is due instead of
			// failing every plan of the workspace from this day on.
			resp.Diagnostics.AddAttributeWarning(path.Root("rotation_days"), "Organization Auth Token Due for Rotation",
				fmt.Sprintf("Organization auth token %s (%q) has been due for rotation since %s, but the provider cannot "+
					"replace it. %s\n\nRotate it in Sentry: create a new token under Settings, Auth Tokens, hand it to CI, "+
					"and revoke this one. %s", state.ID.ValueString(), state.Name.ValueString(), formatTime(due),
					sessionOnlyCause, removedBlockHint("sentry_api_token.NAME")))
		} else if !r.now().Before(due) {
			tflog.Info(ctx, "organization auth token is due for rotation", map[string]any{
				"token_id": state.ID.ValueString(), "rotate_after": formatTime(due),
			})
			// A value that will change, so Terraform honours the
			// replacement.
			plan.RotateAfter = types.StringUnknown()
			plan.ID = types.StringUnknown()
			plan.Token = types.StringUnknown()
			plan.TokenLastCharacters = types.StringUnknown()
			plan.DateCreated = types.StringUnknown()
			plan.DateLastUsed = types.StringUnknown()
			plan.Scopes = types.ListUnknown(types.StringType)
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("rotate_after"))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
}

func (r *apiTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan apiTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(plan.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	name := plan.Name.ValueString()

	// Creates of tokens with one name take turns, so that revoking the
	// orphans of one cannot catch a token another is about to hand over.
	defer r.data.tokens.lockName(org, name)()
	var revoked []string
	token, how, err := createWithRecovery(ctx, createRecovery[*sentry.OrgAuthToken]{
		create: func(ctx context.Context) (*sentry.OrgAuthToken, error) {
			return client.CreateOrgAuthToken(ctx, org, name)
		},
		// A token made by a lost create can never be used, its value being
		// lost with the answer: revoke it and create the token again.
		find: func(ctx context.Context, since time.Time) (*sentry.OrgAuthToken, bool, error) {
			ids, err := r.revokeOrphans(ctx, client, org, name, since)
			revoked = append(revoked, ids...)
			return nil, false, err
		},
	})
	if err != nil {
		action := fmt.Sprintf("create organization auth token %q in organization %q", name, org)
		next := fmt.Sprintf("A token named %q made by the lost create may be live in Sentry with its value lost, so "+
			"nobody can use it: revoke it in Sentry's settings (Organization Auth Tokens). Do not import it.", name)
		if r.data.orgTokens.learn(err) {
			addSessionOnlyError(&resp.Diagnostics, tokenAction("create", plan), newTokenHint)
		} else if !addUnconfirmedCreate(&resp.Diagnostics, "Unable to Create Organization Auth Token", action, next, err) {
			addAPIError(&resp.Diagnostics, "Unable to Create Organization Auth Token", action, err, apiTokenPermissionHint)
		}
		if len(revoked) > 0 {
			resp.Diagnostics.AddWarning("Revoked Organization Auth Tokens Whose Value Was Lost",
				fmt.Sprintf("Creating organization auth token %q lost Sentry's answer, and with it the token's value; the "+
					"provider revoked the token(s) that create made: id %s.", name, strings.Join(revoked, ", ")))
		}
		return
	}
	r.data.tokens.hold(org, token.ID)
	tflog.Debug(ctx, "created Sentry organization auth token", map[string]any{"organization": org, "token_id": token.ID})
	if how.lost != nil {
		what := "Sentry had no token from it"
		if len(revoked) > 0 {
			what = "the provider revoked the token(s) that create made, id " + strings.Join(revoked, ", ")
		}
		resp.Diagnostics.AddWarning("Created Organization Auth Token Again After a Lost Answer",
			fmt.Sprintf("Sentry's answer to creating organization auth token %q was lost (%s). A token's value exists "+
				"only in that answer, so %s, and created a fresh token: id %s is now in state.", name, how.lost, what, token.ID))
	}
	state := apiTokenState(org, token, plan)
	state.Token = types.StringValue(token.Token)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, token.ID), &resp.Diagnostics)
}

// revokeOrphans revokes the tokens named name that Sentry made since since
// and that this run did not hand to Terraform, and returns their ids.
func (r *apiTokenResource) revokeOrphans(ctx context.Context, client *sentry.Client, org, name string, since time.Time) ([]string, error) {
	tokens, err := client.ListOrgAuthTokens(ctx, org)
	if err != nil {
		return nil, err
	}
	var revoked []string
	for _, t := range tokens {
		if t.Name != name || t.DateCreated.Before(since) || r.data.tokens.held(org, t.ID) {
			continue
		}
		if err := client.DeleteOrgAuthToken(ctx, org, t.ID); err != nil && !sentry.IsNotFound(err) {
			return revoked, fmt.Errorf("revoking organization auth token %s, made by the lost create: %w", t.ID, err)
		}
		tflog.Warn(ctx, "revoked an organization auth token whose value was lost", map[string]any{"organization": org, "token_id": t.ID})
		revoked = append(revoked, t.ID)
	}
	return revoked, nil
}

// tokenLedger remembers the organization auth tokens this provider process
// created and handed to Terraform, which revoking orphans must never touch,
// and serialises the creates of tokens with the same name. The zero value is
// ready to use.
type tokenLedger struct {
	mu    sync.Mutex
	ids   map[string]bool
	names map[string]*sync.Mutex
}

func (l *tokenLedger) hold(org, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ids == nil {
		l.ids = make(map[string]bool)
	}
	l.ids[org+"/"+id] = true
}

func (l *tokenLedger) held(org, id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ids[org+"/"+id]
}

// lockName takes the name's turn and returns the function that gives it up.
func (l *tokenLedger) lockName(org, name string) func() {
	l.mu.Lock()
	if l.names == nil {
		l.names = make(map[string]*sync.Mutex)
	}
	m := l.names[org+"/"+name]
	if m == nil {
		m = new(sync.Mutex)
		l.names[org+"/"+name] = m
	}
	l.mu.Unlock()
	m.Lock()
	return m.Unlock
}

func (r *apiTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state apiTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()

	access := &r.data.orgTokens
	if access.refused.Load() {
		r.keepAsRead(ctx, org, state, resp)
		return
	}
	token, err := client.GetOrgAuthToken(ctx, org, state.ID.ValueString())
	if access.learn(err) {
		r.keepAsRead(ctx, org, state, resp)
		return
	}
	if sentry.IsNotFound(err) {
		r.forgetGone(ctx, resp, org, apiTokenDrift(state, nil), newOrgIDIdentity(org, state.ID.ValueString()),
			"Sentry organization auth token no longer exists; removing it from state",
			map[string]any{"organization": org, "token_id": state.ID.ValueString()})
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Organization Auth Token",
			fmt.Sprintf("read organization auth token %s in organization %q", state.ID.ValueString(), org), err, apiTokenPermissionHint)
		return
	}
	newState := apiTokenState(org, token, state)
	r.explainDrift(ctx, org, apiTokenDrift(state, &newState), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, token.ID), &resp.Diagnostics)
}

// keepAsRead leaves a token in state as it was last read, when Sentry no
// longer shows tokens to the provider, and says why once per run. A token
// just imported has nothing to keep: the import fails.
func (r *apiTokenResource) keepAsRead(ctx context.Context, org string, state apiTokenModel, resp *resource.ReadResponse) {
	if state.Name.IsNull() {
		addSessionOnlyError(&resp.Diagnostics, tokenAction("import", state), importHint)
		return
	}
	tflog.Debug(ctx, "Sentry refuses to show organization auth tokens to the provider; keeping the token as last read",
		map[string]any{"organization": org, "token_id": state.ID.ValueString()})
	r.data.orgTokens.warnTokensKept(&resp.Diagnostics)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, state.ID.ValueString()), &resp.Diagnostics)
}

func (r *apiTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state apiTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	id := state.ID.ValueString()
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()

	access := &r.data.orgTokens
	if !plan.Name.Equal(state.Name) {
		if err := client.RenameOrgAuthToken(ctx, org, id, plan.Name.ValueString()); access.learn(err) {
			addSessionOnlyError(&resp.Diagnostics, tokenAction("rename", state)+fmt.Sprintf(" to %q", plan.Name.ValueString()),
				renameHint)
			return
		} else if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to Rename Organization Auth Token",
				fmt.Sprintf("rename organization auth token %s in organization %q", id, org), err, apiTokenPermissionHint)
			return
		}
	}
	// A rename answers 204 without a body: read the token back. A change
	// of settings Sentry does not hold (rotation_days, name_pattern) needs
	// no request, so it works where Sentry shows tokens to no auth token.
	settingsOnly := plan.Name.Equal(state.Name)
	keep := func() {
		resp.Diagnostics.Append(resp.State.Set(ctx, keptTokenState(plan))...)
		setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, id), &resp.Diagnostics)
	}
	if settingsOnly && access.refused.Load() {
		keep()
		return
	}
	token, err := client.GetOrgAuthToken(ctx, org, id)
	if settingsOnly && access.learn(err) {
		keep()
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to Read Organization Auth Token",
			fmt.Sprintf("read organization auth token %s in organization %q", id, org), err, apiTokenPermissionHint)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, apiTokenState(org, token, plan))...)
	setIdentity(ctx, resp.Identity, newOrgIDIdentity(org, token.ID), &resp.Diagnostics)
}

func (r *apiTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state apiTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, org, ok := r.session(state.Organization, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()

	err := client.DeleteOrgAuthToken(ctx, org, state.ID.ValueString())
	if r.data.orgTokens.learn(err) {
		addSessionOnlyError(&resp.Diagnostics, tokenAction("revoke", state), destroyHint)
		return
	}
	if err != nil && !sentry.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Unable to Delete Organization Auth Token",
			fmt.Sprintf("delete organization auth token %s in organization %q", state.ID.ValueString(), org), err, apiTokenPermissionHint)
	}
}

// ImportState accepts "org/token-id", or a bare id in the provider's
// organization. The token's value cannot be imported: Sentry never shows it
// again.
func (r *apiTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ok := r.importOrgAndID(ctx, req, resp, "organization/token-id or token-id (in the provider's organization)", func(id string) string {
		if onlyDigits.MatchString(id) {
			return ""
		}
		return fmt.Sprintf("ends in %q, which is not a numeric token id (the number in the token's URL in Sentry's "+
			"settings; the token's value or name cannot be imported)", id)
	})
	if !ok {
		return
	}
	var state apiTokenModel
	resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("organization"), &state.Organization)...)
	resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("id"), &state.ID)...)
	if !resp.Diagnostics.HasError() && r.sessionOnly(ctx, state.Organization) {
		addSessionOnlyError(&resp.Diagnostics, tokenAction("import", state), importHint)
	}
}

// importedAPIToken is a token's state as an import leaves it before the
// first read: the settings only configuration holds are null.
func importedAPIToken() apiTokenModel {
	return apiTokenModel{
		NamePattern:  types.StringNull(),
		RotationDays: types.NumberNull(),
		Keepers:      types.MapNull(types.StringType),
		Token:        types.StringNull(),
		Timeouts:     noTimeouts(true),
	}
}

// importHint is the way forward for a token the provider cannot import.
const importHint = "Leave the token out of Terraform and manage it in Sentry, under Settings, Auth Tokens."

// sessionOnly reports whether Sentry lets only a browser session manage the
// organization's tokens, probing at most once per run. Without a known
// organization or the provider's credentials it does not probe and reports
// false: the operation reports what is missing.
func (r *apiTokenResource) sessionOnly(ctx context.Context, organization types.String) bool {
	if r.data == nil || organization.IsUnknown() {
		return false
	}
	var ignored diag.Diagnostics
	client, org, ok := r.session(organization, &ignored)
	if !ok {
		return false
	}
	return r.data.orgTokens.sessionOnly(ctx, client, org)
}

// tokenAction names what was asked for a token, for an error: "create
// organization auth token \"ci\" in organization \"acme\"".
func tokenAction(verb string, t apiTokenModel) string {
	what := "organization auth token"
	if !t.Name.IsNull() && !t.Name.IsUnknown() {
		what += fmt.Sprintf(" %q", t.Name.ValueString())
	}
	if !t.ID.IsNull() && !t.ID.IsUnknown() {
		what += " (id " + t.ID.ValueString() + ")"
	}
	if !t.Organization.IsNull() && !t.Organization.IsUnknown() {
		what += fmt.Sprintf(" in organization %q", t.Organization.ValueString())
	}
	return verb + " " + what
}

// keptTokenState is the state of a token whose only change is to settings
// Sentry does not hold, without reading it from Sentry: the plan, with the
// values it could not know worked out.
func keptTokenState(plan apiTokenModel) apiTokenModel {
	s := plan
	if s.RotateAfter.IsUnknown() {
		s.RotateAfter = types.StringNull()
		created, err := time.Parse(time.RFC3339, s.DateCreated.ValueString())
		if !s.RotationDays.IsNull() && !s.RotationDays.IsUnknown() && err == nil {
			if days, problem := rotationDays(s.RotationDays.ValueBigFloat()); problem == "" {
				s.RotateAfter = types.StringValue(formatTime(created.Add(time.Duration(days) * 24 * time.Hour)))
			}
		}
	}
	if s.Keepers.IsUnknown() {
		s.Keepers = types.MapNull(types.StringType)
	}
	return s
}

// apiTokenState builds the state from Sentry's token, keeping what Sentry
// does not return (the token's value and the configuration-only settings)
// from prior.
func apiTokenState(org string, t *sentry.OrgAuthToken, prior apiTokenModel) apiTokenModel {
	scopes := make([]types.String, 0, len(t.Scopes))
	for _, s := range t.Scopes {
		scopes = append(scopes, types.StringValue(s))
	}
	scopeList, _ := types.ListValueFrom(context.Background(), types.StringType, scopes)
	s := apiTokenModel{
		ID:                  types.StringValue(t.ID),
		Organization:        types.StringValue(org),
		Name:                types.StringValue(t.Name),
		NamePattern:         prior.NamePattern,
		RotationDays:        prior.RotationDays,
		Keepers:             prior.Keepers,
		Token:               prior.Token,
		Scopes:              scopeList,
		TokenLastCharacters: types.StringValue(t.TokenLastCharacters),
		DateCreated:         types.StringValue(formatTime(t.DateCreated)),
		DateLastUsed:        types.StringNull(),
		RotateAfter:         types.StringNull(),
		Timeouts:            prior.Timeouts,
	}
	if s.Token.IsUnknown() {
		s.Token = types.StringNull()
	}
	if s.Keepers.IsUnknown() {
		s.Keepers = types.MapNull(types.StringType)
	}
	if t.DateLastUsed != nil {
		s.DateLastUsed = types.StringValue(formatTime(*t.DateLastUsed))
	}
	if !prior.RotationDays.IsNull() && !prior.RotationDays.IsUnknown() {
		if days, problem := rotationDays(prior.RotationDays.ValueBigFloat()); problem == "" {
			s.RotateAfter = types.StringValue(formatTime(t.DateCreated.Add(time.Duration(days) * 24 * time.Hour)))
		}
	}
	return s
}

// checkTokenName reports a name that breaks a naming rule, quoting it.
func checkTokenName(diags *diag.Diagnostics, name, pattern, source string) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return // reported by regexpValidator or at provider configuration
	}
	if !re.MatchString(name) {
		diags.AddAttributeError(path.Root("name"), "Token Name Breaks the Naming Rule",
			fmt.Sprintf("The token name %q does not match %s %s. Rename the token to follow the rule.", name, source, pattern))
	}
}

// apiTokenDrift compares an organization auth token's prior state with
// Sentry's (nil: gone). Sentry writes org-auth-token.remove with the token
// as target, and records nothing for a rename.
func apiTokenDrift(prior apiTokenModel, now *apiTokenModel) driftReport {
	id := prior.ID.ValueString()
	d := driftReport{object: fmt.Sprintf("sentry_api_token %q (id %s)", prior.Name.ValueString(), id)}
	if !known(prior.Name) {
		return driftReport{}
	}
	if now == nil {
		d.gone = true
		d.removal = []auditLookup{{event: "org-auth-token.remove", target: id, data: map[string][]string{"name": {prior.Name.ValueString()}}}}
		return d
	}
	if !now.Name.Equal(prior.Name) {
		d.changes = append(d.changes, driftChange{
			what:       changed("name", prior.Name.ValueString(), now.Name.ValueString()),
			unrecorded: "Sentry's audit log records no entry for renaming an organization auth token",
		})
	}
	return d
}
