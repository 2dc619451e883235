package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentrysim"
)

func orgAccessConfig(env *accEnv, t *testing.T, role, body string) string {
	return env.providerConfig(t, role) + "\nresource \"sentry_organization_access\" \"test\" {\n" + body + "}\n"
}

// setOrg changes organization settings behind Terraform's back, as the
// settings page would, with the owner's token.
func setOrg(t *testing.T, env *accEnv, fields map[string]any) {
	t.Helper()
	if _, err := env.client(t, "owner").UpdateOrganization(context.Background(), env.org, fields); err != nil {
		t.Fatal(err)
	}
}

func TestAccOrganizationAccess_lifecycle(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "the test changes the organization's settings")
	ctx := context.Background()
	const managed = "  open_membership     = false\n  allow_member_invite = false\n  events_member_admin = false\n  debug_files_role    = \"manager\"\n"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				// Create adopts the organization and writes only what is configured.
				Config:           orgAccessConfig(env, t, "owner", managed),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("sentry_organization_access.test", tfjsonpath.New("id"), knownvalue.StringExact(env.org)),
					statecheck.ExpectKnownValue("sentry_organization_access.test", tfjsonpath.New("open_membership"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("sentry_organization_access.test", tfjsonpath.New("allow_join_requests"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("sentry_organization_access.test", tfjsonpath.New("default_role"), knownvalue.StringExact("member")),
				},
				Check: func(*terraform.State) error {
					o, err := env.client(t, "owner").GetOrganization(ctx, env.org)
					if err != nil {
						return err
					}
					if o.OpenMembership || o.AllowMemberInvite || o.EventsMemberAdmin || o.DebugFilesRole != "manager" || !o.AllowJoinRequests {
						return fmt.Errorf("Sentry has %+v", o)
					}
					return nil
				},
			},
			{
				ResourceName:      "sentry_organization_access.test",
				ImportState:       true,
				ImportStateId:     env.org,
				ImportStateVerify: true,
			},
			{
				// A setting the configuration leaves out is not drift.
				PreConfig:          func() { setOrg(t, env, map[string]any{"allowJoinRequests": false, "enhancedPrivacy": true}) },
				Config:             orgAccessConfig(env, t, "owner", managed),
				PlanOnly:           true,
				ExpectNonEmptyPlan: false,
			},
			{
				// Open membership switched on in the UI is drift, set back.
				PreConfig: func() { setOrg(t, env, map[string]any{"openMembership": true}) },
				Config:    orgAccessConfig(env, t, "owner", managed),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("sentry_organization_access.test", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("sentry_organization_access.test", tfjsonpath.New("open_membership"), knownvalue.Bool(false)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					o, err := env.client(t, "owner").GetOrganization(ctx, env.org)
					if err != nil {
						return err
					}
					if o.OpenMembership || o.AllowJoinRequests || !o.EnhancedPrivacy {
						return fmt.Errorf("Sentry has %+v: the update touched unmanaged settings or missed open_membership", o)
					}
					return nil
				},
			},
		},
		// Destroy leaves the settings as they are.
		CheckDestroy: func(*terraform.State) error {
			o, err := env.client(t, "owner").GetOrganization(ctx, env.org)
			if err != nil {
				return err
			}
			if o.OpenMembership || o.AllowMemberInvite {
				return fmt.Errorf("destroy changed the settings: %+v", o)
			}
			return nil
		},
	})
}

func TestAccOrganizationAccess_badInput(t *testing.T) {
	env := newAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      orgAccessConfig(env, t, "owner", "  default_role = \"boss\"\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)default_role.*value must be one of`),
			},
			{
				// Sentry drops defaultRole from a manager; the plan says so.
				Config:      orgAccessConfig(env, t, "manager", "  default_role = \"admin\"\n"),
				PlanOnly:    true,
				ExpectError: wrappedText("Only an owner may change default_role"),
			},
		},
	})
}

func TestAccOrganizationAccess_require2FA(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "the test sets members' 2FA")
	on := true
	for _, email := range []string{"owner@acme.example", "manager@acme.example"} {
		if err := env.sim.SetMemberPosture(env.org, sentrysim.MemberPosture{Email: email, Has2FA: &on}); err != nil {
			t.Fatal(err)
		}
	}
	other := randomEmail()
	if _, err := env.sim.AddMember(env.org, other, "member"); err != nil {
		t.Fatal(err)
	}
	memberOnly := `  require_2fa               = true
  acknowledged_2fa_removals = ["member@acme.example"]
`
	both := fmt.Sprintf("  require_2fa               = true\n  acknowledged_2fa_removals = [\"member@acme.example\", %q]\n", other)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      orgAccessConfig(env, t, "owner", "  require_2fa = true\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)remove 2 member.*member@acme\.example.*` + regexp.QuoteMeta(other)),
			},
			{
				Config:      orgAccessConfig(env, t, "owner", memberOnly),
				PlanOnly:    true,
				ExpectError: wrappedText("1 of them are not in acknowledged_2fa_removals: " + other),
			},
			{
				Config:           orgAccessConfig(env, t, "owner", both),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: func(*terraform.State) error {
					members, err := env.client(t, "owner").ListMembers(context.Background(), env.org, "")
					if err != nil {
						return err
					}
					for _, m := range members {
						if (m.Email == other || m.Email == "member@acme.example") && !m.Pending {
							return fmt.Errorf("%s is still a joined member", m.Email)
						}
						if m.Email == "manager@acme.example" && m.Pending {
							return fmt.Errorf("the manager with 2FA was removed")
						}
					}
					return nil
				},
			},
		},
	})
}

func TestAccOrganizationAccess_require2FARefusals(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "the test sets the owner's 2FA and SSO")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      orgAccessConfig(env, t, "owner", "  require_2fa = true\n"),
				PlanOnly:    true,
				ExpectError: wrappedText("owner@acme.example, whose token the provider uses, has none"),
			},
			{
				PreConfig: func() {
					on, provider := true, "okta"
					if err := env.sim.SetMemberPosture(env.org, sentrysim.MemberPosture{Email: "owner@acme.example", Has2FA: &on}); err != nil {
						t.Fatal(err)
					}
					if _, err := env.sim.SetOrgSettings(env.org, sentrysim.OrgSettings{SSOProvider: &provider}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      orgAccessConfig(env, t, "owner", "  require_2fa = true\n"),
				PlanOnly:    true,
				ExpectError: wrappedText("has an SSO provider"),
			},
		},
	})
}

// TestOrganizationAccess2FACheckRequests counts the requests of the
// require_2fa check on a 10,000-member organization: the provider's own
// membership, then one pass of the members search (100 pages of 100).
func TestOrganizationAccess2FACheckRequests(t *testing.T) {
	sim := sentrysim.New(sentrysim.Options{Organization: "acme"})
	var seed bytes.Buffer
	type member struct {
		Email  string `json:"email"`
		Role   string `json:"role"`
		Has2FA bool   `json:"has2fa"`
	}
	members := make([]member, 0, 9997)
	for i := range 9997 {
		members = append(members, member{Email: fmt.Sprintf("m%05d@example.com", i), Role: "member", Has2FA: i%10 != 0})
	}
	if err := json.NewEncoder(&seed).Encode(map[string]any{"members": members}); err != nil {
		t.Fatal(err)
	}
	if err := sim.LoadSeed("acme", &seed); err != nil {
		t.Fatal(err)
	}
	on := true
	if err := sim.SetMemberPosture("acme", sentrysim.MemberPosture{Email: "owner@acme.example", Has2FA: &on}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := sentry.NewClient(sentry.Config{BaseURL: srv.URL + "/api/", Token: sim.Tokens().Owner, UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r := &organizationAccessResource{}
	current, err := client.GetOrganization(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()
	var diags diag.Diagnostics
	r.check2FARemovals(context.Background(), client, "acme", current, types.SetNull(types.StringType), &diags)
	if got := sim.Stats().Total(); got != 101 {
		t.Errorf("the 2FA check made %d requests, want 101 (one for the caller, 100 pages)", got)
	}
	// 1,000 seeded members have no 2FA, and so have the seeded manager
	// and member.
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), "remove 1002 member(s)") {
		t.Fatalf("diagnostics %v", diags)
	}
}

// TestAccOrganizationAccess_driftExplained switches two managed settings and
// one unmanaged one in Sentry as the manager, and runs terraform plan: each
// managed setting's warning must say what changed, who changed it (the
// org.edit entry's actor), when and from where; the unmanaged one is not
// drift and is not named.
func TestAccOrganizationAccess_driftExplained(t *testing.T) {
	ctx := context.Background()
	env := newAccEnv(t)
	env.needSim(t, "the test changes the organization's settings as the manager")
	tf := newTFRunner(t, orgAccessConfig(env, t, "owner", "  open_membership     = false\n  events_member_admin = false\n"))
	if out, err := tf.apply(); err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	if _, err := env.client(t, "manager").UpdateOrganization(ctx, env.org,
		map[string]any{"openMembership": true, "eventsMemberAdmin": true, "allowJoinRequests": false}); err != nil {
		t.Fatal(err)
	}
	entries, err := env.client(t, "owner").ListAuditLog(ctx, env.org, sentry.AuditLogQuery{Event: "org.edit", Limit: 1})
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit log of org.edit: %v, %d entries", err, len(entries))
	}
	by := " by manager@acme.example (org.edit) at " + entries[0].DateCreated.UTC().Format(time.RFC3339) + " from " + entries[0].IPAddress
	changes, out, err := tf.plan()
	if err != nil || !changes {
		t.Fatalf("terraform plan: changes %v, %v\n%s", changes, err, out)
	}
	object := fmt.Sprintf("sentry_organization_access %q: ", env.org)
	for _, want := range []string{
		object + `open_membership changed outside Terraform from "false" to "true"` + by,
		object + `events_member_admin changed outside Terraform from "false" to "true"` + by,
	} {
		if !wrappedText(want).MatchString(out) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "allow_join_requests changed") {
		t.Errorf("an unmanaged setting is reported as drift:\n%s", out)
	}
}

// TestAccOrganizationAccess_timeouts applies with a timeouts block, which
// then plans empty, and makes Sentry answer slower than the update limit:
// the update must stop at the limit with an error.
func TestAccOrganizationAccess_timeouts(t *testing.T) {
	env := newAccEnv(t)
	env.needSim(t, "the test slows the emulator down")
	config := func(open bool) string {
		return orgAccessConfig(env, t, "owner", fmt.Sprintf("  open_membership = %v\n  timeouts {\n    update = \"300ms\"\n    read = \"1m\"\n  }\n", open))
	}
	tf := newTFRunner(t, config(false))
	if out, err := tf.apply(); err != nil {
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	if changes, out, err := tf.plan(); err != nil || changes {
		t.Fatalf("plan after apply: changes %v, %v\n%s", changes, err, out)
	}
	tf.writeConfig(config(true))
	// Every answer after the refresh and the plan's reads takes longer
	// than the update may.
	c := env.sim.Config()
	c.Latency = 5 * time.Second
	if err := env.sim.SetConfig(c); err != nil {
		t.Fatal(err)
	}
	out, err := tf.apply()
	if err == nil {
		t.Fatalf("the update should stop at its 300ms limit:\n%s", out)
	}
	if !strings.Contains(out, "sentry_organization_access.test") || !regexp.MustCompile(`(?i)deadline|timed out|timeout`).MatchString(out) {
		t.Fatalf("the error should say the update ran out of time:\n%s", out)
	}
}
