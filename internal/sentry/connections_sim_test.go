package sentry

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// TestConnectionsReusedAtTerraformParallelism sends waves of concurrent
// requests, as Terraform's refresh does at -parallelism=30, and counts the
// connections the server accepts: the client keeps them open between waves
// instead of opening new ones.
func TestConnectionsReusedAtTerraformParallelism(t *testing.T) {
	const parallelism, waves = 30, 5
	sim := sentrysim.New(sentrysim.Options{Organization: "acme"})
	server := httptest.NewUnstartedServer(sim)
	server.Config.ConnState = sim.ConnState
	server.Start()
	t.Cleanup(server.Close)
	c, err := NewClient(Config{BaseURL: server.URL, Token: sim.Tokens().Owner})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateTeam(ctx, "acme", CreateTeamRequest{Slug: "backend"}); err != nil {
		t.Fatal(err)
	}

	for range waves {
		var wg sync.WaitGroup
		for range parallelism {
			wg.Go(func() {
				if _, err := c.GetTeam(ctx, "acme", "backend"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if got := sim.Stats().Connections; got > 2*parallelism {
		t.Fatalf("%d waves of %d requests opened %d connections, want at most %d", waves, parallelism, got, 2*parallelism)
	}
}
