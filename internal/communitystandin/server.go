// Package communitystandin is a stand-in for the community Sentry provider
// (registry.terraform.io/jianyuan/sentry), for tests only.
//
// Terraform plans a state that names a provider only when that provider is
// installed, even when moved blocks hand all its resources to another
// provider or removed blocks forget them. The community provider cannot be
// built on a machine that has only the Go module proxy, so the tests of
// migrating from it serve this stand-in in its place: it serves the
// community provider's schema as recorded from release 0.15.4
// (testdata/README.md) over protocol 6, which the release speaks too, and
// keeps every state it is given as it is. It never talks to Sentry: its
// reads return the prior state unchanged and it refuses to create, change,
// import or apply anything. The tests that need the community provider's
// real reads run the real provider, from the filesystem mirror named by
// SENTRY_ACC_COMMUNITY_MIRROR.
package communitystandin

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Server is the stand-in's provider server.
type Server struct {
	schemas *Schemas
}

var _ tfprotov6.ProviderServer = (*Server)(nil)

// New returns a stand-in serving the recorded schema.
func New() (*Server, error) {
	s, err := RecordedSchemas()
	if err != nil {
		return nil, err
	}
	return &Server{schemas: s}, nil
}

// what names the stand-in in its diagnostics, so that a test's failure
// says which provider refused.
const what = "the stand-in for the community provider (" + Address + " " + Version + ", tests only)"

func errorDiag(summary, detail string, args ...any) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
	}}
}

func (s *Server) resource(typeName string) (*tfprotov6.Schema, []*tfprotov6.Diagnostic) {
	if rs, ok := s.schemas.Resources[typeName]; ok {
		return rs, nil
	}
	return nil, errorDiag("Unknown resource type", "%s has no resource type %q.", what, typeName)
}

// decode reads a value Terraform sent; a missing value is null.
func decode(dv *tfprotov6.DynamicValue, typ tftypes.Type) (tftypes.Value, error) {
	if dv == nil {
		return tftypes.NewValue(typ, nil), nil
	}
	return dv.Unmarshal(typ)
}

func (s *Server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{}
	for _, name := range sortedKeys(s.schemas.Resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.schemas.DataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: name})
	}
	return resp, nil
}

func (s *Server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		Provider:                 s.schemas.Provider,
		ResourceSchemas:          s.schemas.Resources,
		DataSourceSchemas:        s.schemas.DataSources,
		Functions:                map[string]*tfprotov6.Function{},
		EphemeralResourceSchemas: map[string]*tfprotov6.Schema{},
	}, nil
}

func (s *Server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

// ValidateProviderConfig accepts any configuration Terraform found valid
// against the schema.
func (s *Server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

// ConfigureProvider accepts the configuration; the stand-in makes no
// client, since it never talks to Sentry.
func (s *Server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (s *Server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

func (s *Server) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	_, diags := s.resource(req.TypeName)
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: diags}, nil
}

// UpgradeResourceState decodes a state of the recorded schema version
// with the recorded schema. Attributes the schema does not have are
// dropped, as the community provider's SDK and framework halves both do.
// The stand-in has none of the provider's state upgraders, so a state of
// another version is an error.
func (s *Server) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	rs, diags := s.resource(req.TypeName)
	if diags != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: diags}, nil
	}
	if req.Version != rs.Version {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("Unsupported state version",
			"The %s state is of schema version %d; %s reads only version %d, the recorded one, and has none of "+
				"the provider's state upgraders.", req.TypeName, req.Version, what, rs.Version)}, nil
	}
	if req.RawState == nil || req.RawState.JSON == nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("Unreadable state",
			"The %s state has no JSON (states written before Terraform 0.12 are not supported by %s).",
			req.TypeName, what)}, nil
	}
	typ := rs.ValueType()
	val, err := req.RawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}})
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("Unreadable state",
			"The %s state does not match the recorded schema: %s.", req.TypeName, err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, val)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

func (s *Server) UpgradeResourceIdentity(_ context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: errorDiag("Resource identity not supported",
		"%s has no resource identities (%s).", what, req.TypeName)}, nil
}

// ReadResource returns the prior state unchanged: the stand-in does not
// ask Sentry, so an object deleted or changed there stays as the state
// has it.
func (s *Server) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if _, diags := s.resource(req.TypeName); diags != nil {
		return &tfprotov6.ReadResourceResponse{Diagnostics: diags}, nil
	}
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange plans a no-op for an object whose proposed state is
// its prior one and a destroy for an object leaving the configuration;
// creating or changing an object is an error, since the stand-in cannot
// carry it out.
func (s *Server) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	rs, diags := s.resource(req.TypeName)
	if diags != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: diags}, nil
	}
	typ := rs.ValueType()
	prior, err := decode(req.PriorState, typ)
	if err != nil {
		return nil, fmt.Errorf("decoding the prior state of %s: %w", req.TypeName, err)
	}
	proposed, err := decode(req.ProposedNewState, typ)
	if err != nil {
		return nil, fmt.Errorf("decoding the proposed state of %s: %w", req.TypeName, err)
	}
	switch {
	case proposed.IsNull():
		// A destroy, planned as proposed; applying it is refused.
	case prior.IsNull():
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("Cannot create",
			"The plan would create a %s, which %s cannot do: it never writes to Sentry. Manage the object with "+
				"the real provider, or give the test a state that already holds it.", req.TypeName, what)}, nil
	case !prior.Equal(proposed):
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("Cannot change",
			"The plan would change %s of a %s, which %s cannot do: it never writes to Sentry. Make the "+
				"configuration match the state.", changedPaths(prior, proposed), req.TypeName, what)}, nil
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: req.ProposedNewState, PlannedPrivate: req.PriorPrivate}, nil
}

// changedPaths lists where two values of one type differ, for an error.
func changedPaths(a, b tftypes.Value) string {
	diffs, err := a.Diff(b)
	if err != nil || len(diffs) == 0 {
		return "the object"
	}
	seen := map[string]bool{}
	var paths []string
	for _, d := range diffs {
		p := pathString(d.Path)
		if p != "" && !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return "the object"
	}
	sort.Strings(paths)
	return strings.Join(paths, ", ")
}

// pathString writes a path as in configuration: teams[0].role.
func pathString(p *tftypes.AttributePath) string {
	var b strings.Builder
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(string(s))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(s))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(s))
		case tftypes.ElementKeyValue:
			b.WriteString("[...]")
		}
	}
	return b.String()
}

func (s *Server) ApplyResourceChange(_ context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: errorDiag("Cannot apply",
		"Terraform asked to apply a change to a %s, which %s cannot do: it never writes to Sentry, so it "+
			"plans only no-ops and destroys, and applies nothing. Run the real provider to apply.", req.TypeName, what)}, nil
}

func (s *Server) ImportResourceState(_ context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: errorDiag("Cannot import",
		"%s cannot import a %s: it never reads Sentry.", what, req.TypeName)}, nil
}

func (s *Server) MoveResourceState(_ context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: errorDiag("Move not supported",
		"%s cannot move state into a %s (nor does the community provider).", what, req.TargetTypeName)}, nil
}

func (s *Server) GenerateResourceConfig(_ context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: errorDiag("Cannot generate configuration",
		"%s cannot generate configuration for a %s.", what, req.TypeName)}, nil
}

func (s *Server) ValidateDataResourceConfig(_ context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	if _, ok := s.schemas.DataSources[req.TypeName]; !ok {
		return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: errorDiag("Unknown data source",
			"%s has no data source %q.", what, req.TypeName)}, nil
	}
	return &tfprotov6.ValidateDataResourceConfigResponse{}, nil
}

// ReadDataSource refuses: a data source's result comes from Sentry, which
// the stand-in never asks.
func (s *Server) ReadDataSource(_ context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return &tfprotov6.ReadDataSourceResponse{Diagnostics: errorDiag("Cannot read data source",
		"%s cannot read the data source %s: it never asks Sentry.", what, req.TypeName)}, nil
}

func (s *Server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

func (s *Server) CallFunction(_ context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{
		Text: fmt.Sprintf("%s has no functions (%s)", what, req.Name)}}, nil
}

func (s *Server) ValidateEphemeralResourceConfig(_ context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: noEphemeral(req.TypeName)}, nil
}

func (s *Server) OpenEphemeralResource(_ context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: noEphemeral(req.TypeName)}, nil
}

func (s *Server) RenewEphemeralResource(_ context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{Diagnostics: noEphemeral(req.TypeName)}, nil
}

func (s *Server) CloseEphemeralResource(_ context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{Diagnostics: noEphemeral(req.TypeName)}, nil
}

func noEphemeral(typeName string) []*tfprotov6.Diagnostic {
	return errorDiag("Unknown ephemeral resource", "%s has no ephemeral resources (%s).", what, typeName)
}
