package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// rpcClient calls the provider's gRPC service with messages built from the
// protocol's registered descriptors.
type rpcClient struct {
	conn *grpc.ClientConn
}

// call invokes method with a request of the fields, and fails the test if
// the response has error diagnostics.
func (c rpcClient) call(ctx context.Context, t testing.TB, method string, fields map[string]any) {
	t.Helper()
	req := newProtoMessage(t, "tfplugin6."+method+".Request", fields)
	resp := newProtoMessage(t, "tfplugin6."+method+".Response", nil)
	if err := c.conn.Invoke(ctx, "/tfplugin6.Provider/"+method, req, resp); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	diags := resp.Get(resp.Descriptor().Fields().ByName("diagnostics")).List()
	for i := range diags.Len() {
		d := diags.Get(i).Message()
		f := d.Descriptor().Fields()
		if d.Get(f.ByName("severity")).Enum() == 1 { // Diagnostic.Severity ERROR
			t.Errorf("%s: %s: %s", method, d.Get(f.ByName("summary")).String(), d.Get(f.ByName("detail")).String())
		}
	}
}

func newProtoMessage(t testing.TB, name string, fields map[string]any) *dynamicpb.Message {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		t.Fatal(err)
	}
	md := mustBe[protoreflect.MessageDescriptor](t, d)
	m := dynamicpb.NewMessage(md)
	for k, v := range fields {
		fd := md.Fields().ByName(protoreflect.Name(k))
		if fd == nil {
			t.Fatalf("%s has no field %s", name, k)
		}
		switch v := v.(type) {
		case string:
			m.Set(fd, protoreflect.ValueOfString(v))
		case []byte: // a DynamicValue's JSON
			dv := dynamicpb.NewMessage(fd.Message())
			dv.Set(fd.Message().Fields().ByName("json"), protoreflect.ValueOfBytes(v))
			m.Set(fd, protoreflect.ValueOfMessage(dv))
		}
	}
	return m
}

// TestServerReleasesRequestMemory serves the provider as Terraform runs it
// (terraform-plugin-go's server over gRPC) and checks that what a request
// leaves on the heap is freed when it returns: the framework's server keeps
// something of every request's context until StopProvider (see NewProtocol6).
func TestServerReleasesRequestMemory(t *testing.T) {
	t.Setenv("TF_LOG_SDK", "off")
	t.Setenv("TF_LOG_PROVIDER", "off")
	sim := sentrysim.New(sentrysim.Options{Organization: "acme"})
	api := httptest.NewServer(sim)
	defer api.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go func() {
		if err := tf6server.Serve("registry.terraform.io/sentryrbac/sentry", NewProtocol6("test"),
			tf6server.WithDebug(ctx, reattach, closed), tf6server.WithGoPluginLogger(hclog.NewNullLogger())); err != nil {
			t.Error(err)
		}
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case <-time.After(30 * time.Second):
		t.Fatal("the provider server did not start")
	}
	defer func() { cancel(); <-closed }()
	conn, err := grpc.NewClient("unix://"+cfg.Addr.String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := rpcClient{conn: conn}
	c.call(ctx, t, "GetProviderSchema", nil)
	c.call(ctx, t, "ConfigureProvider", map[string]any{
		"terraform_version": "1.14.0",
		"config": []byte(fmt.Sprintf(`{"auth_token":%q,"organization":"acme","base_url":%q,"scim_token":null,"name_pattern":null}`,
			sim.Tokens().Owner, api.URL)),
	})

	// Teams that are gone: every read asks Sentry once and removes one.
	read := func(n int) {
		var wg sync.WaitGroup
		work := make(chan int)
		for range 10 {
			wg.Go(func() {
				for i := range work {
					c.call(ctx, t, "ReadResource", map[string]any{
						"type_name": "sentry_team",
						"current_state": []byte(fmt.Sprintf(`{"id":"%d","organization":"acme","slug":"team-%d",`+
							`"name":"t","date_created":"2020-01-01T00:00:00Z","timeouts":null}`, 100000+i, i)),
					})
				}
			})
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	read(100)
	before := heap()
	const n = 1000
	read(n)
	after := heap()
	perRead := (int64(after) - int64(before)) / n
	t.Logf("heap %d KiB before, %d KiB after %d reads: %d bytes per read", before>>10, after>>10, n, perRead)
	// The framework alone keeps about 13 KiB a read; what is left is about
	// 250 bytes, its list entry and the released context.
	if perRead > 2048 {
		t.Errorf("each read leaves %d bytes on the heap; want at most 2 KiB", perRead)
	}
}

func TestRequestContextReleased(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(t.Context(), key{}, "v"))
	defer cancel()
	rc := newRequestContext(parent)
	child, cancelChild := context.WithCancel(rc)
	defer cancelChild()
	if rc.Value(key{}) != "v" || child.Value(key{}) != "v" {
		t.Fatal("the request's values are not reachable")
	}
	if rc.Done() != parent.Done() {
		t.Fatal("Done is not the request's own channel")
	}
	rc.release()
	if rc.Value(key{}) != nil || !errors.Is(rc.Err(), context.Canceled) {
		t.Fatal("a released context still holds the request")
	}
	select {
	case <-rc.Done():
	default:
		t.Fatal("a released context is not done")
	}
	// A context derived during the request ends with the request.
	cancel()
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a context derived during the request outlived it")
	}
}
