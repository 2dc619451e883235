// Command sentry-import writes a Terraform import block for every team,
// member, project-team link, organization auth token and SCIM group of a
// Sentry organization. It is for Terraform 1.5 to 1.13 and OpenTofu, which
// have import blocks and -generate-config-out but not terraform query:
//
//	go run github.com/sentryrbac/terraform-provider-sentry/internal/cmd/sentry-import@latest -organization acme -out imports.tf
//	terraform plan -generate-config-out=generated.tf
//
// Like the provider, it reads SENTRY_AUTH_TOKEN, SENTRY_SCIM_TOKEN,
// SENTRY_BASE_URL and SENTRY_ORG; -organization and -base-url override the
// last two. Tokens are read only from the environment, since command lines
// are visible to other users and kept in shell history. -types picks
// resource types. It lists what the provider's list resources list, so the
// imports plan without changes, names each resource after its slug or
// email, never overwrites a file, and reports progress on stderr.
//
// A type that cannot be listed in the organization is skipped with a
// warning on stderr, and the others are imported: SCIM groups without a
// SCIM token or with SCIM off, and organization auth tokens on Sentry
// releases that let only a signed-in browser session list them (sentry.io
// since 2025-09, self-hosted 25.10 and later).
//
// With -from-state it moves a workspace in from the community provider
// (jianyuan/sentry) instead, without asking Sentry anything: it reads the
// workspace's state as terraform show -json prints it and writes one file
// of moved, removed and import blocks with the sentry_member and
// sentry_team_project resources they need:
//
//	terraform show -json > state.json
//	go run github.com/sentryrbac/terraform-provider-sentry/internal/cmd/sentry-import@latest -from-state state.json -out migration.tf
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "sentry-import: %v\n", err)
		}
		os.Exit(2)
	}
}

// Environment variables, the provider's.
const (
	envAuthToken    = "SENTRY_AUTH_TOKEN" //nolint:gosec // the variable's name, not a credential
	envSCIMToken    = "SENTRY_SCIM_TOKEN" //nolint:gosec // the variable's name, not a credential
	envBaseURL      = "SENTRY_BASE_URL"
	envOrganization = "SENTRY_ORG"

	defaultBaseURL = sentry.DefaultBaseURL
)

// resourceType is a resource type the command writes imports for.
type resourceType struct {
	name string
	// prefix starts resource names that would otherwise be empty or start
	// with a digit.
	prefix string
}

// resourceTypes are every type, in the order the file lists them.
var resourceTypes = []resourceType{
	{inventory.TypeTeam, "team"},
	{inventory.TypeSCIMGroup, "group"},
	{inventory.TypeMember, "member"},
	{inventory.TypeTeamProject, "link"},
	{inventory.TypeOrgAuthToken, "token"},
}

// object is one object to import.
type object struct {
	// importID is what the resource's ImportState accepts.
	importID string
	// label is what the resource name is made from: a slug, an email.
	label string
	// sortKey orders objects whose names are alike: their id.
	sortKey string
	// name is the resource name, set by assignNames.
	name string
}

// lister lists an organization's objects of one resource type.
type lister interface {
	list(ctx context.Context, t resourceType) ([]object, error)
}

// settings is what the flags and the environment ask for.
type settings struct {
	organization string
	baseURL      string
	authToken    string
	scimToken    string
	out          string
	types        []resourceType
	// fromState is the file -from-state reads, "-" for standard input.
	fromState string
}

func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (settings, error) {
	fs := flag.NewFlagSet("sentry-import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: sentry-import -organization SLUG -out FILE [-types LIST] [-base-url URL]\n"+
			"       sentry-import -from-state STATE.json -out FILE\n\n"+
			"Writes an import block for every object of a Sentry organization to FILE; then run\n"+
			"terraform plan -generate-config-out=generated.tf to have Terraform write their configuration.\n"+
			"Needs %s (a user auth token with org:read, member:read and team:read) and, for\n"+
			"sentry_scim_group, %s.\n\n"+
			"With -from-state, writes the move of a workspace from the community provider\n"+
			"(jianyuan/sentry) instead, from its terraform show -json, asking Sentry nothing.\n\n", envAuthToken, envSCIMToken)
		fs.PrintDefaults()
	}
	var s settings
	var types string
	fs.StringVar(&s.organization, "organization", getenv(envOrganization), "the organization's slug (default $"+envOrganization+")")
	fs.StringVar(&s.baseURL, "base-url", getenv(envBaseURL), "Sentry's URL (default $"+envBaseURL+", else "+defaultBaseURL+")")
	fs.StringVar(&s.out, "out", "imports.tf", "file to write; it must not exist")
	fs.StringVar(&types, "types", "", "comma-separated resource types to import (default all: "+typeNames(resourceTypes)+")")
	fs.StringVar(&s.fromState, "from-state", "", "move in from the community provider: the output of terraform show -json\n"+
		"for its workspace (- for standard input); -out defaults to "+defaultMigrationOut)
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected arguments %q: every setting is a flag, such as -out %s", fs.Args(), fs.Arg(0))
	}
	if s.fromState != "" {
		return s, fromStateArgs(fs, &s)
	}
	var err error
	if s.types, err = parseTypes(types); err != nil {
		return s, err
	}
	if s.baseURL == "" {
		s.baseURL = defaultBaseURL
	}
	s.authToken = strings.TrimSpace(getenv(envAuthToken))
	s.scimToken = strings.TrimSpace(getenv(envSCIMToken))
	switch {
	case s.organization == "":
		return s, fmt.Errorf("no organization: set -organization or %s to the organization's slug", envOrganization)
	case s.out == "":
		return s, errors.New("-out is empty: name the file to write, such as -out imports.tf")
	case s.authToken == "":
		return s, fmt.Errorf("%s is not set: set it to a Sentry user auth token with org:read, member:read and team:read", envAuthToken)
	case s.scimToken == "" && types != "" && hasType(s.types, inventory.TypeSCIMGroup):
		return s, fmt.Errorf("sentry_scim_group needs %s, the SCIM token from the organization's Auth settings", envSCIMToken)
	}
	return s, nil
}

// defaultMigrationOut is -out's default with -from-state.
const defaultMigrationOut = "migration.tf"

// fromStateArgs checks the flags of -from-state, which asks Sentry
// nothing: the flags about listing an organization are refused.
func fromStateArgs(fs *flag.FlagSet, s *settings) error {
	var listing []string
	out := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "organization", "base-url", "types":
			listing = append(listing, "-"+f.Name)
		case "out":
			out = true
		}
	})
	if len(listing) > 0 {
		return fmt.Errorf("-from-state takes the organization and everything else from the state: leave out %s",
			strings.Join(listing, " and "))
	}
	if !out {
		s.out = defaultMigrationOut
	}
	if s.out == "" {
		return errors.New("-out is empty: name the file to write, such as -out " + defaultMigrationOut)
	}
	return nil
}

// parseTypes reads -types: resource type names separated by commas, in
// any order; empty means all.
func parseTypes(list string) ([]resourceType, error) {
	if strings.TrimSpace(list) == "" {
		return resourceTypes, nil
	}
	want := make(map[string]bool)
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !hasType(resourceTypes, name) {
			return nil, fmt.Errorf("-types: %q is not a resource type this command imports; choose from %s", name, typeNames(resourceTypes))
		}
		want[name] = true
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("-types names no resource type; choose from %s", typeNames(resourceTypes))
	}
	var out []resourceType
	for _, t := range resourceTypes {
		if want[t.name] {
			out = append(out, t)
		}
	}
	return out, nil
}

func hasType(types []resourceType, name string) bool {
	for _, t := range types {
		if t.name == name {
			return true
		}
	}
	return false
}

func typeNames(types []resourceType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.name
	}
	return strings.Join(names, ",")
}

// run is the command: parse, list, name, write.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	s, err := parseArgs(args, getenv, stderr)
	if err != nil {
		return err
	}
	if s.fromState != "" {
		return migrate(s, os.Stdin, stderr)
	}
	// Fail before the listing, which can take minutes, when the file is
	// there; writeNew checks again when it creates it.
	if _, err := os.Lstat(s.out); err == nil {
		return errFileExists(s.out)
	}
	l, err := newLister(s, stderr)
	if err != nil {
		return err
	}
	return importAll(ctx, s, l, stderr)
}

// importAll lists the objects and writes the file.
func importAll(ctx context.Context, s settings, l lister, stderr io.Writer) error {
	sections, err := listAll(ctx, l, s.types, stderr)
	if err != nil {
		return err
	}
	if err := writeNew(s.out, render(s.organization, sections)); err != nil {
		return err
	}
	total := 0
	for _, sec := range sections {
		total += len(sec.objects)
	}
	fmt.Fprintf(stderr, "sentry-import: wrote %d import blocks to %s; next: terraform plan -generate-config-out=generated.tf\n", total, s.out)
	return nil
}

// section is the objects of one resource type, named, or why the type was
// skipped.
type section struct {
	typ     resourceType
	objects []object
	skipped *inventory.SkippedError
}

// listAll lists every type in turn, reporting each on stderr, and names
// the objects.
func listAll(ctx context.Context, l lister, types []resourceType, stderr io.Writer) ([]section, error) {
	var out []section
	for _, t := range types {
		start := time.Now()
		fmt.Fprintf(stderr, "sentry-import: listing %s...\n", t.name)
		objects, err := l.list(ctx, t)
		if skipped, ok := inventory.IsSkipped(err); ok {
			// The type cannot be listed here (no SCIM, or tokens only a
			// browser session may list): say why and go on with the
			// other types.
			fmt.Fprintf(stderr, "sentry-import: warning: %s\n", skipped)
			out = append(out, section{typ: t, skipped: skipped})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", t.name, err)
		}
		assignNames(t.prefix, objects)
		fmt.Fprintf(stderr, "sentry-import: %d %s in %s\n", len(objects), t.name, time.Since(start).Round(time.Millisecond))
		out = append(out, section{typ: t, objects: objects})
	}
	return out, nil
}
