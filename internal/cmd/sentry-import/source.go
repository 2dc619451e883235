package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
	"github.com/sentryrbac/terraform-provider-sentry/internal/sentry"
)

// inventoryLister lists through the inventory package, the same listings
// the provider's list resources use, and turns each object into an import.
type inventoryLister struct {
	org string
	// client uses the auth token; scim the SCIM token, nil without one.
	client, scim *sentry.Client
	// progress is told how far a listing has come.
	progress func(inventory.Progress)
}

func newLister(s settings, stderr io.Writer) (*inventoryLister, error) {
	userAgent := "sentry-import/" + version
	client, err := sentry.NewClient(sentry.Config{BaseURL: s.baseURL, Token: s.authToken, UserAgent: userAgent})
	if err != nil {
		return nil, err
	}
	l := &inventoryLister{org: s.organization, client: client, progress: throttledProgress(stderr, 2*time.Second)}
	if s.scimToken != "" {
		if l.scim, err = sentry.NewClient(sentry.Config{BaseURL: s.baseURL, Token: s.scimToken, UserAgent: userAgent}); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *inventoryLister) list(ctx context.Context, t resourceType) ([]object, error) {
	opts := inventory.Options{Progress: l.progress}
	org := l.org
	switch t.name {
	case inventory.TypeTeam:
		return collect(inventory.Teams(ctx, l.client, org, inventory.TeamOptions{Options: opts}), func(t inventory.Team) object {
			return object{importID: org + "/" + t.ID, label: t.Slug, sortKey: t.ID}
		})
	case inventory.TypeSCIMGroup:
		return collect(inventory.SCIMGroups(ctx, l.client, l.scim, org, opts), func(g inventory.SCIMGroup) object {
			return object{importID: org + "/" + g.ID, label: g.TeamSlug, sortKey: g.ID}
		})
	case inventory.TypeMember:
		// The members' teams come into state when Terraform reads each
		// imported member: the listing does not need them.
		return collect(inventory.Members(ctx, l.client, org, inventory.MemberOptions{Options: opts}), func(m inventory.Member) object {
			return object{importID: org + "/" + m.ID, label: m.Email, sortKey: m.ID}
		})
	case inventory.TypeTeamProject:
		return collect(inventory.TeamProjects(ctx, l.client, org, inventory.TeamProjectOptions{Options: opts}), func(p inventory.TeamProject) object {
			return object{importID: org + "/" + p.Project + "/" + p.Team, label: p.Project + "_" + p.Team, sortKey: p.Project + "/" + p.Team}
		})
	case inventory.TypeOrgAuthToken:
		return collect(inventory.OrgAuthTokens(ctx, l.client, org, opts), func(t inventory.OrgAuthToken) object {
			return object{importID: org + "/" + t.ID, label: t.Name, sortKey: t.ID}
		})
	}
	return nil, fmt.Errorf("no listing for %s", t.name)
}

func collect[T any](seq iter.Seq2[T, error], toObject func(T) object) ([]object, error) {
	var out []object
	for item, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, toObject(item))
	}
	return out, nil
}

// throttledProgress prints a listing's progress at most once per interval,
// so a large organization shows it is moving without flooding stderr.
func throttledProgress(w io.Writer, every time.Duration) func(inventory.Progress) {
	var last time.Time
	return func(p inventory.Progress) {
		if now := time.Now(); now.Sub(last) >= every {
			last = now
			fmt.Fprintf(w, "sentry-import: %s\n", p)
		}
	}
}
