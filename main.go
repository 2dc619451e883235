// Command terraform-provider-sentry serves the Sentry provider to Terraform.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

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
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/sentryrbac/sentry",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
