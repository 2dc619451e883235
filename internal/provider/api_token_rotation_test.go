package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestRotationDays(t *testing.T) {
	cases := []struct {
		value string
		days  int64
		want  string // substring of the problem, empty when valid
	}{
		{value: "1", days: 1},
		{value: "90", days: 90},
		{value: "3650", days: 3650},
		{value: "1.5", want: "rotation_days is 1.5, which is not a whole number of days"},
		{value: "0.5", want: "such as 1."},
		{value: "4000.5", want: "such as 3650."},
		{value: "0", want: "rotation_days is 0; it must be from 1 (a day) to 3650 (ten years)"},
		{value: "-7", want: "rotation_days is -7"},
		{value: "3651", want: "rotation_days is 3651"},
		{value: "1e11", want: "rotation_days is 1e+11"},
		{value: "1e400", want: "rotation_days is 1e+400"},
	}
	for _, c := range cases {
		f, _, err := big.ParseFloat(c.value, 10, 512, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		days, problem := rotationDays(f)
		if c.want == "" {
			if problem != "" || days != c.days {
				t.Errorf("rotationDays(%s) = %d, %q; want %d", c.value, days, problem, c.days)
			}
			continue
		}
		if !strings.Contains(problem, c.want) {
			t.Errorf("rotationDays(%s) problem %q does not contain %q", c.value, problem, c.want)
		}
	}
}

// TestAPITokenStateFromIntegerSchema decodes state written when
// rotation_days was an integer attribute: Terraform's type was number then
// as now, so the state needs no upgrade.
func TestAPITokenStateFromIntegerSchema(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const old = `{"id":"4505000000000077","organization":"acme","name":"ci-deploy-prod","name_pattern":null,` +
		`"rotation_days":30,"keepers":null,"token":"sntrys_x","scopes":["org:ci"],"token_last_characters":"x",` +
		`"date_created":"2026-01-02T03:04:05Z","date_last_used":null,"rotate_after":"2026-02-01T03:04:05Z"}`
	resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "sentry_api_token",
		Version:  0,
		RawState: &tfprotov6.RawState{JSON: []byte(old)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("%s: %s", d.Summary, d.Detail)
	}
	schemaResp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schemaResp.ResourceSchemas["sentry_api_token"].ValueType()
	state, err := resp.UpgradedState.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var days big.Float
	if err := attrs["rotation_days"].As(&days); err != nil {
		t.Fatal(err)
	}
	if days.Cmp(big.NewFloat(30)) != 0 {
		t.Fatalf("rotation_days = %s, want 30", days.String())
	}
}
