package provider

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// answerErr is the error the client returns for a POST that Sentry (or the
// proxy in front of it) answers with status and body.
func answerErr(t *testing.T, status int, body string) error {
	t.Helper()
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	defer server.Close()
	c, err := sentry.NewClient(sentry.Config{BaseURL: server.URL, Token: "sntryu_test", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateTeam(context.Background(), "acme", sentry.CreateTeamRequest{Slug: randomName()})
	if err == nil {
		t.Fatalf("a %d answer gave no error", status)
	}
	return err
}

// fakeCreates plays a create's answers in order and counts the lookups.
type fakeCreates struct {
	answers []error
	creates int
	lookups int
	// foundAfter is the lookup (from 1) from which the object is there; 0
	// means never.
	foundAfter int
	lookupErr  error
}

func (f *fakeCreates) recovery() createRecovery[string] {
	return createRecovery[string]{
		create: func(context.Context) (string, error) {
			f.creates++
			if err := f.answers[min(f.creates, len(f.answers))-1]; err != nil {
				return "", err
			}
			return "created", nil
		},
		find: func(context.Context, time.Time) (string, bool, error) {
			f.lookups++
			if f.lookupErr != nil {
				return "", false, f.lookupErr
			}
			if f.foundAfter > 0 && f.lookups >= f.foundAfter {
				return "found", true, nil
			}
			return "", false, nil
		},
		exists: sentry.IsConflict,
	}
}

func TestCreateWithRecovery(t *testing.T) {
	lost := answerErr(t, http.StatusBadGateway, "<html>502 Bad Gateway</html>")
	conflict := answerErr(t, http.StatusConflict, `{"detail": "A team with this slug already exists."}`)
	invalid := answerErr(t, http.StatusBadRequest, `{"slug": ["Enter a valid slug."]}`)
	if !sentry.IsOutcomeUnknown(lost) || sentry.IsOutcomeUnknown(conflict) || sentry.IsOutcomeUnknown(invalid) {
		t.Fatalf("outcome classification: 502 %v, 409 %v, 400 %v", sentry.IsOutcomeUnknown(lost),
			sentry.IsOutcomeUnknown(conflict), sentry.IsOutcomeUnknown(invalid))
	}

	cases := []struct {
		name             string
		fake             fakeCreates
		want             string
		wantErr          error
		wantUnconfirmed  bool
		creates, lookups int
		found            bool
	}{
		{name: "first answer arrives", fake: fakeCreates{answers: []error{nil}}, want: "created", creates: 1},
		{name: "refusal is final", fake: fakeCreates{answers: []error{invalid}}, wantErr: invalid, creates: 1},
		{name: "conflict on the first create is final", fake: fakeCreates{answers: []error{conflict}, foundAfter: 1},
			wantErr: conflict, creates: 1},
		{name: "lost answer, object there", fake: fakeCreates{answers: []error{lost}, foundAfter: 1},
			want: "found", found: true, creates: 1, lookups: 1},
		{name: "lost answer, object absent, created again", fake: fakeCreates{answers: []error{lost, nil}},
			want: "created", creates: 2, lookups: 1},
		{name: "lost twice, then the repeat is a duplicate of the lost one",
			fake: fakeCreates{answers: []error{lost, conflict}, foundAfter: 2},
			want: "found", found: true, creates: 2, lookups: 2},
		{name: "repeat is a duplicate of something older", fake: fakeCreates{answers: []error{lost, conflict}},
			wantErr: conflict, creates: 2, lookups: 2},
		{name: "lookup fails", fake: fakeCreates{answers: []error{lost}, lookupErr: invalid},
			wantErr: lost, wantUnconfirmed: true, creates: 1, lookups: 1},
		{name: "never answered, never there", fake: fakeCreates{answers: []error{lost}},
			wantErr: lost, creates: createAttempts, lookups: createAttempts},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, how, err := createWithRecovery(context.Background(), c.fake.recovery())
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("error %v, want %v", err, c.wantErr)
				}
				var unconfirmed *unconfirmedCreateError
				if errors.As(err, &unconfirmed) != c.wantUnconfirmed {
					t.Fatalf("unconfirmed = %v, want %v", !c.wantUnconfirmed, c.wantUnconfirmed)
				}
			} else if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
			if c.fake.creates != c.creates || c.fake.lookups != c.lookups {
				t.Fatalf("%d creates and %d lookups, want %d and %d", c.fake.creates, c.fake.lookups, c.creates, c.lookups)
			}
			if c.wantErr == nil && how.found != c.found {
				t.Fatalf("found = %v, want %v", how.found, c.found)
			}
			if c.wantErr == nil && (how.lost != nil) != (c.creates > 1 || c.found) {
				t.Fatalf("lost = %v after %d creates", how.lost, c.creates)
			}
		})
	}
}

func TestRecoveryDiagnostics(t *testing.T) {
	lost := answerErr(t, http.StatusBadGateway, "")
	slug := randomName()
	var diags diag.Diagnostics
	addRecoveredWarning(&diags, `team "`+slug+`"`, "42", recoveredCreate{lost: lost, found: true})
	if len(diags) != 1 || diags.HasError() || !strings.Contains(diags[0].Detail(), "id 42 is now in state") {
		t.Fatalf("recovered warning: %v", diags)
	}
	diags = nil
	addRecoveredWarning(&diags, `team "`+slug+`"`, "42", recoveredCreate{})
	if len(diags) != 0 {
		t.Fatalf("a create whose answer arrived warned: %v", diags)
	}
	if addUnconfirmedCreate(&diags, "Unable to Create Team", "create team", mayExistImport("team", "acme/"+slug), lost) || len(diags) != 0 {
		t.Fatal("an error without a failed lookup was reported as unconfirmed")
	}
	err := &unconfirmedCreateError{create: lost, lookup: errors.New("GET teams/acme/" + slug + "/: 503")}
	if !addUnconfirmedCreate(&diags, "Unable to Create Team", "create team", mayExistImport("team", "acme/"+slug), err) {
		t.Fatal("an unconfirmed create was not reported")
	}
	detail := diags[0].Detail()
	for _, want := range []string{"may exist in Sentry", "terraform import <resource address> acme/" + slug, "503"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail %q lacks %q", detail, want)
		}
	}
}
