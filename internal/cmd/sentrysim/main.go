// Command sentrysim serves the in-memory Sentry emulator on a local
// address, for the demo and for trying configurations by hand. It prints
// one JSON line on stdout with the base URL, the organization and the
// seeded tokens, then serves until interrupted:
//
//	go run ./internal/cmd/sentrysim -addr 127.0.0.1:0 -org acme
//
// Logs go to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		log.Printf("sentrysim: %v", err)
		os.Exit(1)
	}
}

// announcement is the line a script reads to find the emulator.
type announcement struct {
	BaseURL      string            `json:"base_url"`
	Organization string            `json:"organization"`
	Tokens       map[string]string `json:"tokens"`
}

// shutdownGrace is how long requests under way get to finish.
const shutdownGrace = 5 * time.Second

// run parses the flags, listens, announces itself on stdout and serves
// until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sentrysim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on; port 0 picks a free one")
	org := fs.String("org", "acme", "slug of the seeded organization")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	sim := sentrysim.New(sentrysim.Options{Organization: *org})
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(os.Stderr, "sentrysim: ", log.LstdFlags),
	}

	tokens := sim.Tokens()
	line, err := json.Marshal(announcement{
		BaseURL:      "http://" + ln.Addr().String() + "/api/",
		Organization: sim.Organization(),
		Tokens:       map[string]string{"owner": tokens.Owner, "manager": tokens.Manager, "member": tokens.Member},
	})
	if err != nil {
		_ = ln.Close()
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		_ = ln.Close()
		return err
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
