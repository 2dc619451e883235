package tfcli

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-exec/tfexec"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// ServeInProcess serves server under address from this process, in
// go-plugin's debug mode as terraform-plugin-testing serves providers, until
// ctx ends. It returns what TF_REATTACH_PROVIDERS must say for address and a
// channel closed once the server has stopped. The provider's logs follow
// TF_LOG and TF_ACC_LOG_PATH as in the other acceptance tests, instead of
// going to stderr; go-plugin's own logging is dropped.
func ServeInProcess(ctx context.Context, t *testing.T, address string, server tfprotov6.ProviderServer) (tfexec.ReattachConfig, <-chan struct{}, error) {
	reattachCh := make(chan *plugin.ReattachConfig)
	closeCh := make(chan struct{})
	serveErr := make(chan error, 1)
	go func() {
		serveErr <- tf6server.Serve(address, func() tfprotov6.ProviderServer { return server },
			tf6server.WithDebug(ctx, reattachCh, closeCh),
			tf6server.WithoutLogStderrOverride(),
			tf6server.WithLoggingSink(t),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()))
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattachCh:
	case err := <-serveErr:
		return tfexec.ReattachConfig{}, nil, fmt.Errorf("serving %s: %w", address,
			errors.Join(err, errors.New("the server ended before it started")))
	case <-time.After(30 * time.Second):
		return tfexec.ReattachConfig{}, nil, fmt.Errorf("serving %s: no reattach configuration within 30s", address)
	}
	if cfg == nil {
		return tfexec.ReattachConfig{}, nil, fmt.Errorf("serving %s: no reattach configuration", address)
	}
	return tfexec.ReattachConfig{
		Protocol:        string(cfg.Protocol),
		ProtocolVersion: cfg.ProtocolVersion,
		Pid:             cfg.Pid,
		Test:            cfg.Test,
		Addr:            tfexec.ReattachConfigAddr{Network: cfg.Addr.Network(), String: cfg.Addr.String()},
	}, closeCh, nil
}
