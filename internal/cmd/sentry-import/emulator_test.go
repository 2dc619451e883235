package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// serve serves the emulator with the seed loaded, and returns it with the
// environment the command and the provider read.
func (o seedOrg) serve(t *testing.T) (*sentrysim.Server, map[string]string) {
	t.Helper()
	sim := sentrysim.New(sentrysim.Options{Organization: "acme", LegacyOrgTokens: true})
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
	sim, vars := largeOrg.serve(t)
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
