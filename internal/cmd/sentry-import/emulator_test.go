package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

// seedOrg is a generated seed file of the emulator, and the objects it
// holds with the three members every emulated organization starts with.
type seedOrg struct {
	file    string
	objects map[string]int
}

var (
	largeOrg = seedOrg{"../../sentrysim/testdata/large-org.json", map[string]int{
		"sentry_team": 200, "sentry_scim_group": 10, "sentry_member": 1003, "sentry_team_project": 300, "sentry_api_token": 20,
	}}
	smallOrg = seedOrg{"../../sentrysim/testdata/small-org.json", map[string]int{
		"sentry_team": 40, "sentry_scim_group": 2, "sentry_member": 203, "sentry_team_project": 60, "sentry_api_token": 4,
	}}
)

// total is the number of objects to import.
func (o seedOrg) total() int {
	n := 0
	for _, c := range o.objects {
		n += c
	}
	return n
}

// Sentry's two ways with organization auth tokens: releases before 25.10
// list them for a bearer token; today's Sentry (sentry.io since 2025-09,
// self-hosted 25.10 and later) lists them only to a browser session.
const (
	legacyTokens = true
	todaysTokens = false
)

// serve serves the emulator with the seed loaded, listing organization
// auth tokens as legacyOrgTokens says, and returns it with the environment
// the command and the provider read.
func (o seedOrg) serve(t *testing.T, legacyOrgTokens bool) (*sentrysim.Server, map[string]string) {
	t.Helper()
	sim := sentrysim.New(sentrysim.Options{Organization: "acme", LegacyOrgTokens: legacyOrgTokens})
	f, err := os.Open(o.file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := sim.LoadSeed("acme", f); err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	return sim, map[string]string{
		envBaseURL:      server.URL + "/api/",
		envOrganization: sim.Organization(),
		envAuthToken:    sim.Tokens().Owner,
		envSCIMToken:    sim.SCIMToken(sim.Organization()),
	}
}

func TestRunAgainstEmulator(t *testing.T) {
	sim, vars := largeOrg.serve(t, legacyTokens)
	out := filepath.Join(t.TempDir(), "imports.tf")
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-out", out}, env(vars), &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	blocks := parseImports(t, data)
	counts := map[string]int{}
	total := 0
	for to, id := range blocks {
		typ, _, _ := strings.Cut(to, ".")
		counts[typ]++
		total++
		if !strings.HasPrefix(id, "acme/") {
			t.Errorf("%s: id %q has no organization", to, id)
		}
	}
	for typ, want := range largeOrg.objects {
		if counts[typ] != want {
			t.Errorf("%d %s, want %d", counts[typ], typ, want)
		}
	}
	for _, token := range []string{vars[envAuthToken], vars[envSCIMToken]} {
		if strings.Contains(stderr.String(), token) || strings.Contains(string(data), token) {
			t.Error("a token was printed")
		}
	}
	if !strings.Contains(stderr.String(), "sentry-import: 1003 sentry_member in") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
	// Spot checks: a member by its email in Sentry's case, a team whose
	// slug starts with a digit, a link, a SCIM group.
	for to, prefix := range map[string]string{
		"sentry_member.owner_acme_example":  "acme/",
		"sentry_team.team_8x_identity_core": "acme/",
		"sentry_scim_group.okta_payments":   "acme/",
	} {
		if !strings.HasPrefix(blocks[to], prefix) {
			t.Errorf("no import of %s", to)
		}
	}
	requests := sim.Stats().Total()
	t.Logf("%d import blocks from %d API requests", total, requests)
	// One list request per 100 objects and type, and no read per object.
	if requests > 40 {
		t.Errorf("listing took %d requests", requests)
	}

	// Without a SCIM token, SCIM groups are skipped with a note.
	delete(vars, envSCIMToken)
	stderr.Reset()
	out2 := filepath.Join(t.TempDir(), "imports.tf")
	if err := run(context.Background(), []string{"-out", out2}, env(vars), &stderr); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(out2)
	if strings.Contains(string(data), "sentry_scim_group.") || !strings.Contains(stderr.String(), "sentry_scim_group skipped") {
		t.Errorf("SCIM groups without a SCIM token:\n%s", stderr.String())
	}
}

// TestRunAgainstTodaysSentry imports an organization from a Sentry that
// lets only a browser session list organization auth tokens, holding
// tokens people made there: every other object is imported, and tokens
// are skipped with one warning that says why.
func TestRunAgainstTodaysSentry(t *testing.T) {
	sim, vars := smallOrg.serve(t, todaysTokens)
	made, err := sim.CreateOrgToken(sim.Organization(), "manager@acme.example", acctest.RandomWithPrefix("tf-acc")+"-deploy")
	if err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()
	out := filepath.Join(t.TempDir(), "imports.tf")
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-out", out}, env(vars), &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for to := range parseImports(t, data) {
		typ, _, _ := strings.Cut(to, ".")
		counts[typ]++
	}
	for typ, want := range smallOrg.objects {
		if typ == "sentry_api_token" {
			want = 0
		}
		if counts[typ] != want {
			t.Errorf("%d %s, want %d", counts[typ], typ, want)
		}
	}
	if strings.Contains(string(data), made.ID) || !strings.Contains(string(data), "sentry_api_token skipped") {
		t.Errorf("the file does not say tokens were skipped, or imports one:\n%.600s", data)
	}
	warnings := regexp.MustCompile(`(?m)^sentry-import: warning: .*$`).FindAllString(stderr.String(), -1)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "sentry_api_token skipped: since 2025-09 on sentry.io and 25.10 self-hosted") ||
		!strings.Contains(warnings[0], "browser session") || !strings.Contains(warnings[0], "sentry_api_tokens data source") {
		t.Errorf("want one warning about tokens, got %q:\n%s", warnings, stderr.String())
	}
	for _, secret := range []string{vars[envAuthToken], vars[envSCIMToken], made.Value} {
		if strings.Contains(stderr.String(), secret) || strings.Contains(string(data), secret) {
			t.Error("a token was printed")
		}
	}
	t.Logf("%d import blocks from %d API requests", len(parseImports(t, data)), sim.Stats().Total())
}
