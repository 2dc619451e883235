package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// Environment variables that stand in for provider block attributes.
const (
	envAuthToken    = "SENTRY_AUTH_TOKEN" //nolint:gosec // the variable's name, not a credential
	envOrganization = "SENTRY_ORG"
	envBaseURL      = "SENTRY_BASE_URL"
	envSCIMToken    = "SENTRY_SCIM_TOKEN" //nolint:gosec // the variable's name, not a credential

	// defaultBaseURL is the client's: one source of truth for Sentry's
	// SaaS address.
	defaultBaseURL = sentry.DefaultBaseURL
)

var (
	_ provider.Provider                  = (*sentryProvider)(nil)
	_ provider.ProviderWithListResources = (*sentryProvider)(nil)
)

// New returns a constructor for the provider at the given release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &sentryProvider{version: version}
	}
}

type sentryProvider struct {
	version string
}

type providerModel struct {
	AuthToken    types.String `tfsdk:"auth_token"`
	Organization types.String `tfsdk:"organization"`
	BaseURL      types.String `tfsdk:"base_url"`
	SCIMToken    types.String `tfsdk:"scim_token"`
	NamePattern  types.String `tfsdk:"name_pattern"`
	ExplainDrift types.Bool   `tfsdk:"explain_drift"`
}

func (p *sentryProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "sentry"
	resp.Version = p.version
}

func (p *sentryProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages a Sentry organization's access control: teams, members and their roles, " +
			"organization auth tokens and SCIM groups, and reads the members list and the audit log.",
		Attributes: map[string]schema.Attribute{
			"auth_token": schema.StringAttribute{
				MarkdownDescription: "A Sentry user auth token, sent as a Bearer token. Falls back to `" + envAuthToken + "`. " +
					"Resources need `team:admin` and `member:admin`; the audit log needs `org:write`.",
				Optional:  true,
				Sensitive: true,
			},
			"organization": schema.StringAttribute{
				MarkdownDescription: "Slug of the organization every resource uses unless it sets its own `organization`. " +
					"Falls back to `" + envOrganization + "`.",
				Optional: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Sentry's URL, with or without `/api/`: `" + defaultBaseURL + "` (the default), a regional host " +
					"such as `https://de.sentry.io/`, or a self-hosted install. Falls back to `" + envBaseURL + "`. " +
					"It may not carry a query string, a fragment, or a user name or password.",
				Optional:   true,
				Validators: []validator.String{baseURLValidator{}},
			},
			"scim_token": schema.StringAttribute{
				MarkdownDescription: "The SCIM bearer token Sentry shows in the organization's SCIM settings. Only `sentry_scim_group` " +
					"uses it. Falls back to `" + envSCIMToken + "`.",
				Optional:  true,
				Sensitive: true,
			},
			"name_pattern": schema.StringAttribute{
				MarkdownDescription: "A regular expression (RE2 syntax) every `sentry_api_token` name must match, checked at " +
					"plan time: the organization's token naming convention, such as `^[a-z0-9-]+-(prod|staging|dev)$`.",
				Optional:   true,
				Validators: []validator.String{regexpValidator{}},
			},
			"explain_drift": schema.BoolAttribute{
				MarkdownDescription: "Whether a refresh that finds an object changed or removed outside Terraform says who " +
					"did it, when and from where, as a warning, from Sentry's audit log (default `true`). A refresh " +
					"without drift reads nothing more; with drift, the audit log is read once per event name per run. " +
					"Reading the audit log needs `org:write`; without it one warning per run says so.",
				Optional: true,
			},
		},
	}
}

func (p *sentryProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	settings := []struct {
		value types.String
		attr  string
	}{
		{config.AuthToken, "auth_token"},
		{config.Organization, "organization"},
		{config.BaseURL, "base_url"},
		{config.SCIMToken, "scim_token"},
		{config.NamePattern, "name_pattern"},
	}
	for _, s := range settings {
		if s.value.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(s.attr), "Unknown Provider Setting",
				fmt.Sprintf("The provider's %q is not known until apply. Set it from a value known at plan time, "+
					"such as a variable or an environment variable.", s.attr))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	baseURL := stringOrEnv(config.BaseURL, envBaseURL, defaultBaseURL)
	if err := checkBaseURL(baseURL); err != nil {
		source := "base_url"
		if config.BaseURL.IsNull() || config.BaseURL.ValueString() == "" {
			source = "the " + envBaseURL + " environment variable"
		}
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid Sentry Base URL", baseURLErrorDetail(source, err))
		return
	}

	data := &providerData{
		organization: stringOrEnv(config.Organization, envOrganization, ""),
		baseURL:      baseURL,
		authToken:    stringOrEnv(config.AuthToken, envAuthToken, ""),
		scimToken:    stringOrEnv(config.SCIMToken, envSCIMToken, ""),
		namePattern:  config.NamePattern.ValueString(),
		userAgent:    userAgent(p.version, req.TerraformVersion),
		explainDrift: config.ExplainDrift.IsNull() || config.ExplainDrift.ValueBool(),
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
}

func (p *sentryProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newTeamResource,
		newTeamProjectResource,
		newAPITokenResource,
		newSCIMGroupResource,
		newMemberResource,
		newOrganizationAccessResource,
	}
}

// ListResources are the resources terraform query (Terraform 1.14+) can
// list, to import a whole organization in one step.
func (p *sentryProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		newTeamListResource,
		newTeamProjectListResource,
		newAPITokenListResource,
		newSCIMGroupListResource,
		newMemberListResource,
	}
}

func (p *sentryProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newMembersDataSource,
		newAuditLogDataSource,
		newAPITokensDataSource,
		newOrganizationAuthDataSource,
		newOrganizationAccessDataSource,
		newProjectAccessDataSource,
	}
}

// stringOrEnv returns the configured value, else the environment variable,
// else the fallback.
func stringOrEnv(v types.String, env, fallback string) string {
	if !v.IsNull() && v.ValueString() != "" {
		return v.ValueString()
	}
	if e := os.Getenv(env); e != "" {
		return e
	}
	return fallback
}

// checkBaseURL rejects what can never reach Sentry, without a network call
// (self-hosted installs must not be probed at configure time), with the same
// rules the client applies when it is built. Its errors never contain a
// password the URL may carry.
func checkBaseURL(raw string) error {
	trimmed := strings.TrimSpace(raw)
	u, err := url.Parse(trimmed)
	switch {
	case err != nil:
		// url.Error quotes the whole URL, password included: keep only
		// the reason.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return fmt.Errorf("%s is not a valid URL (%w)", redactedURL(trimmed), err)
	case u.User != nil:
		return fmt.Errorf("%s contains a user name or password: remove it (everything up to and including the @ after "+
			"the scheme), since Sentry is authenticated with the provider's auth_token", redactedURL(trimmed))
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("%s has a query string: remove the ? and everything after it, so it is only Sentry's address "+
			"such as %s", strconv.Quote(trimmed), withoutQuery(u))
	case u.Fragment != "" || strings.Contains(trimmed, "#"):
		return fmt.Errorf("%s has a fragment: remove the # and everything after it, so it is only Sentry's address "+
			"such as %s", strconv.Quote(trimmed), withoutQuery(u))
	}
	if _, err := sentry.NormaliseBaseURL(trimmed); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "sentry: "))
	}
	return nil
}

// redactedURL quotes a URL for a message with any password replaced, and
// without the URL at all when it does not parse (it may hold a password).
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return "the URL (not shown, as it may hold a password)"
		}
		return strconv.Quote(raw)
	}
	return strconv.Quote(u.Redacted())
}

// withoutQuery is the URL with its query and fragment removed.
func withoutQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return c.String()
}

// baseURLErrorDetail explains a bad base URL, naming where it came from.
func baseURLErrorDetail(source string, err error) string {
	return fmt.Sprintf("The Sentry base URL in %s is not usable: %s.\n\nSet %s to Sentry's address, such as "+
		"%s, a regional host such as https://de.sentry.io/, or a self-hosted install such as "+
		"https://sentry.example.com/.", source, err, source, defaultBaseURL)
}

// userAgent names the provider, the framework and Terraform, so Sentry's
// operators can tell this provider's traffic apart.
func userAgent(providerVersion, terraformVersion string) string {
	framework := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/hashicorp/terraform-plugin-framework" {
				framework = strings.TrimPrefix(dep.Version, "v")
			}
		}
	}
	if terraformVersion == "" {
		terraformVersion = "unknown"
	}
	return fmt.Sprintf("terraform-provider-sentry/%s terraform-plugin-framework/%s Terraform/%s",
		providerVersion, framework, terraformVersion)
}

// providerData is what Configure hands to every resource and data source.
// Missing settings are reported only when a resource needs them, so a plan
// that touches no Sentry object still works without credentials.
type providerData struct {
	organization string
	baseURL      string
	authToken    string
	scimToken    string
	userAgent    string
	// namePattern is the naming rule for organization auth tokens.
	namePattern string

	clientOnce sync.Once
	apiClient  *sentry.Client
	clientErr  error

	scimOnce   sync.Once
	scimClient *sentry.Client
	scimErr    error

	// tokens remembers the organization auth tokens this run created.
	tokens tokenLedger
	// orgTokens is whether Sentry lets the auth token manage organization
	// auth tokens, learned once a run (token_access.go).
	orgTokens orgTokenAccess
	// scimTeams is the slugs of each organization's SCIM teams, read once
	// a run and only when an imported member needs them.
	scimTeams sharedReads[string, map[string]bool]
	// teamReads are the teams lists and team member lists data sources
	// share, read once a run.
	teamReads teamReads

	// explainDrift is the explain_drift setting; drift is the run's audit
	// log cache for it, made on first use.
	explainDrift bool
	driftOnce    sync.Once
	drift        *driftExplainer
}

// scim returns the API client for the provider's SCIM token, which only
// the SCIM v2 endpoints accept.
func (d *providerData) scim() (*sentry.Client, error) {
	d.scimOnce.Do(func() {
		if d.scimToken == "" {
			d.scimErr = errMissingSetting{attr: "scim_token", env: envSCIMToken,
				hint: "the SCIM token from the organization's Auth settings, shown when SCIM provisioning is enabled"}
			return
		}
		d.scimClient, d.scimErr = sentry.NewClient(sentry.Config{
			BaseURL: d.baseURL, Token: d.scimToken, UserAgent: d.userAgent,
		})
	})
	return d.scimClient, d.scimErr
}

// client returns the API client for the provider's auth token, made once so
// every resource shares its connection pool.
func (d *providerData) client() (*sentry.Client, error) {
	d.clientOnce.Do(func() {
		if d.authToken == "" {
			d.clientErr = errMissingSetting{attr: "auth_token", env: envAuthToken,
				hint: "a Sentry user auth token with team:admin and member:admin"}
			return
		}
		d.apiClient, d.clientErr = sentry.NewClient(sentry.Config{
			BaseURL: d.baseURL, Token: d.authToken, UserAgent: d.userAgent,
		})
	})
	return d.apiClient, d.clientErr
}

// resolveOrganization picks the resource's own organization, else the
// provider's.
func (d *providerData) resolveOrganization(v types.String) (string, error) {
	if org, ok := d.orgOrDefault(v.ValueString()); ok {
		return org, nil
	}
	return "", errMissingSetting{attr: "organization", env: envOrganization,
		hint: "the organization's slug, in the provider block or in the resource's own organization attribute"}
}

// orgOrDefault is the one rule for "the object's own organization, else
// the provider's": own when it is set, else the provider's organization.
// ok is false when neither is set, and each caller says so in its own
// words (a missing setting, an import ID or identity without one).
func (d *providerData) orgOrDefault(own string) (string, bool) {
	if own != "" {
		return own, true
	}
	if d == nil || d.organization == "" {
		return "", false
	}
	return d.organization, true
}

// errMissingSetting names the provider attribute and environment variable
// that would supply a missing setting.
type errMissingSetting struct {
	attr, env, hint string
}

func (e errMissingSetting) Error() string {
	return fmt.Sprintf("the provider's %q is not set: set it in the provider block or the %s environment variable (%s)",
		e.attr, e.env, e.hint)
}
