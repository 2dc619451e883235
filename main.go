// Command terraform-provider-sentry serves the Sentry provider to Terraform.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/sentryrbac/terraform-provider-sentry/internal/provider"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	if !debug {
		for name, value := range quietLogSettings(os.Environ()) {
			if err := os.Setenv(name, value); err != nil {
				log.Fatal(err)
			}
		}
	}
	// What providerserver.Serve does, with the framework's server wrapped
	// so that it frees each request's memory (see provider.NewProtocol6).
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if err := tf6server.Serve("registry.terraform.io/sentryrbac/sentry", provider.NewProtocol6(version), opts...); err != nil {
		log.Fatal(err)
	}
}
