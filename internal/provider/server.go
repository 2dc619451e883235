package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewProtocol6 returns the provider's protocol 6 server, as
// providerserver.NewProtocol6 does, with the per-request memory of the
// framework's server released when each request returns.
//
// The framework's server keeps a cancel function for the context of every
// request it has served, so that StopProvider can cancel them, and drops
// them only in StopProvider, which Terraform sends only to interrupt a run.
// Each of those functions holds the request's whole context: the loggers
// that terraform-plugin-go sets up for every request, and the gRPC stream.
// Over a plan that is about 13 KiB for every request, several requests for
// every object, and none of it freed until the provider exits. This server
// hands the framework a context that lets go of the request's context when
// the request returns, so what is left of a request is about 250 bytes.
func NewProtocol6(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		server := providerserver.NewProtocol6(New(version)())()
		fw, ok := server.(frameworkServer)
		if !ok {
			return server
		}
		return releasingServer{frameworkServer: fw}
	}
}

// frameworkServer is what the framework's server offers: the provider calls
// and the list resource calls.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
}

// releasingServer passes every request to the framework's server under a
// requestContext released when the call returns. Streaming calls (list
// resources, actions) go on after their method returns and keep the
// framework's behaviour; they are once a run, not once an object.
type releasingServer struct {
	frameworkServer
}

// serveReleased calls call with a context that is released when it returns.
func serveReleased[Req, Resp any](ctx context.Context, req Req, call func(context.Context, Req) (Resp, error)) (Resp, error) {
	rc := newRequestContext(ctx)
	defer rc.release()
	return call(rc, req)
}

func (s releasingServer) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.GetMetadata)
}

func (s releasingServer) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.GetProviderSchema)
}

func (s releasingServer) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.GetResourceIdentitySchemas)
}

func (s releasingServer) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ValidateProviderConfig)
}

func (s releasingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ConfigureProvider)
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s releasingServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.UpgradeResourceIdentity)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ReadResource)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.PlanResourceChange)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ApplyResourceChange)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s releasingServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.MoveResourceState)
}

func (s releasingServer) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.GenerateResourceConfig)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ReadDataSource)
}

func (s releasingServer) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return serveReleased(ctx, req, s.frameworkServer.ValidateListResourceConfig)
}

// requestContext is a request's context until release, and from then on a
// cancelled context without values: the request is over, and whatever
// still holds this context (the framework's list of cancel functions) no
// longer holds the request's.
type requestContext struct {
	ctx atomic.Pointer[heldContext]
}

type heldContext struct{ context.Context }

var _ context.Context = (*requestContext)(nil)

// released is the Done channel of every released requestContext.
var released = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func newRequestContext(ctx context.Context) *requestContext {
	rc := &requestContext{}
	rc.ctx.Store(&heldContext{ctx})
	return rc
}

func (rc *requestContext) release() { rc.ctx.Store(nil) }

func (rc *requestContext) Deadline() (time.Time, bool) {
	if h := rc.ctx.Load(); h != nil {
		return h.Deadline()
	}
	return time.Time{}, false
}

// Done is the request context's own channel while it is held, so that
// contexts derived from this one are cancelled with the request (and the
// context package links them to it without a goroutine).
func (rc *requestContext) Done() <-chan struct{} {
	if h := rc.ctx.Load(); h != nil {
		return h.Done()
	}
	return released
}

func (rc *requestContext) Err() error {
	if h := rc.ctx.Load(); h != nil {
		return h.Err()
	}
	return context.Canceled
}

func (rc *requestContext) Value(key any) any {
	if h := rc.ctx.Load(); h != nil {
		return h.Value(key)
	}
	return nil
}
