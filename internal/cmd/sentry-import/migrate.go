package main

// Moving a workspace in from the community provider (jianyuan/sentry):
// -from-state reads `terraform show -json` of a workspace that uses it and
// writes one file of moved, removed and import blocks, with the
// sentry_member and sentry_team_project resources they need.
//
// Facts from the community provider's source (v0.15.4) the file relies on:
//
//   - sentry_organization_member (sentry/resource_sentry_organization_member.go):
//     id "<org>/<member id>", internal_id the member id, role the org role
//     as Sentry returned it. sentry_member's MoveState takes it as it is.
//   - sentry_team_member (internal/provider/resource_team_member.go): id
//     "<org>/<team slug>/<member id>", member_id the member's numeric id,
//     team the team's slug. role is only what the configuration set (null
//     after an import, and never read back); effective_role is what each
//     refresh read from Sentry: the org role's minimum team role when that
//     is admin, else the team role Sentry stores, else contributor. Its
//     refresh never notices that the member left the team.
//   - sentry_project (internal/provider/resource_project.go): id and slug
//     are the project's slug, teams the slugs of its teams.
//   - sentry_team: id is the slug; this provider's sentry_team reads that
//     state as its own once the provider source changes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/zclconf/go-cty/cty"

	"github.com/sentryrbac/terraform-provider-sentry/internal/inventory"
)

// The community provider's resource types the migration handles.
const (
	communityMember     = "sentry_organization_member"
	communityTeamMember = "sentry_team_member"
	communityProject    = "sentry_project"
	communityTeam       = "sentry_team"
)

// communityResource is one resource instance of the community provider in
// the state.
type communityResource struct {
	// address is Terraform's, module path and instance key included.
	address string
	// module is the module path, "" in the root module.
	module   string
	mode     tfjson.ResourceMode
	typ      string
	name     string
	index    any
	values   map[string]any
	resource string // the address without the instance key
}

func (r communityResource) str(attr string) string {
	switch v := r.values[attr].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// keyLabel is the instance key as part of a resource name.
func (r communityResource) keyLabel() string {
	switch k := r.index.(type) {
	case string:
		return k
	case json.Number:
		return k.String()
	}
	return ""
}

// isCommunityProvider reports whether a provider address is the community
// provider's, on any registry host.
func isCommunityProvider(address string) bool {
	parts := strings.Split(address, "/")
	n := len(parts)
	return n >= 2 && strings.EqualFold(parts[n-2], "jianyuan") && strings.EqualFold(parts[n-1], "sentry")
}

// readCommunityState reads `terraform show -json` and returns the
// community provider's resources, root module first, in the state's order,
// and the root-module names of this provider's types already in use.
func readCommunityState(r io.Reader, source string) ([]communityResource, map[string]map[string]bool, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", source, err)
	}
	var probe struct {
		Version   *int              `json:"version"`
		Resources []json.RawMessage `json:"resources"`
	}
	if json.Unmarshal(data, &probe) == nil && probe.Version != nil && probe.Resources != nil {
		return nil, nil, fmt.Errorf("%s is a state file (terraform.tfstate); -from-state reads the JSON Terraform shows "+
			"for it: run terraform show -json > state.json in the workspace and pass that", source)
	}
	var state tfjson.State
	state.UseJSONNumber(true)
	if err := state.UnmarshalJSON(data); err != nil {
		return nil, nil, fmt.Errorf("%s is not the output of terraform show -json: %w", source, err)
	}
	if state.Values == nil || state.Values.RootModule == nil {
		return nil, nil, fmt.Errorf("%s holds no resources: is the workspace's state empty?", source)
	}
	taken := map[string]map[string]bool{}
	var out []communityResource
	var walk func(m *tfjson.StateModule, root bool)
	walk = func(m *tfjson.StateModule, root bool) {
		for _, res := range m.Resources {
			if root && res.Mode == tfjson.ManagedResourceMode {
				if taken[res.Type] == nil {
					taken[res.Type] = map[string]bool{}
				}
				taken[res.Type][res.Name] = true
			}
			if !isCommunityProvider(res.ProviderName) || res.DeposedKey != "" {
				continue
			}
			resource := res.Address
			if res.Index != nil {
				resource = resource[:strings.LastIndex(resource, "[")]
			}
			out = append(out, communityResource{
				address: res.Address, module: m.Address, mode: res.Mode, typ: res.Type, name: res.Name,
				index: res.Index, values: res.AttributeValues, resource: resource,
			})
		}
		for _, child := range m.ChildModules {
			walk(child, false)
		}
	}
	walk(state.Values.RootModule, true)
	return out, taken, nil
}

// migration is what the file says and does.
type migration struct {
	source string
	// members are the root module's sentry_organization_member
	// resources, each named and with its instances.
	members []memberResource
	// removals are the root module's sentry_team_member resources, each
	// with its instances.
	removals []removal
	// links are the project-team links of the root module's projects,
	// named, each an import and a sentry_team_project.
	links []teamLink
	// projects are the root module's sentry_project instances.
	projects []communityResource
	teams    int
	// kept are the root module's other community resources and data
	// sources: they stay with the community provider.
	kept []communityResource
	// elsewhere are community resources in child modules: not migrated.
	elsewhere []communityResource
}

// memberResource is a sentry_organization_member resource and the
// sentry_member it moves to as a whole: Terraform hands the community
// provider's state over reliably only when a whole resource moves between
// types (an instance moved on its own to a resource of another type can
// reach sentry_member's MoveState as if it were this provider's), so the
// sentry_member has the same instance keys.
type memberResource struct {
	// from is the community resource's address, without instance keys.
	from string
	// typeName is the community resource's name.
	typeName string
	name     string
	// instances are in key order: one without a key, for_each's string
	// keys, or count's numbers from 0.
	instances []migratedMember
}

type migratedMember struct {
	from communityResource
	// key is the instance key: nil, a string (for_each) or an int (count).
	key any
	// member is who it is in Sentry.
	member memberKey
	config memberConfig
	// note says why teams is left out, when it is.
	note string
}

// address is the sentry_member instance's address after the type:
// name, name["key"] or name[0].
func (r memberResource) address(mm migratedMember) string {
	return r.name + instanceSuffix(mm.key)
}

// instanceSuffix is an instance key as Terraform writes it in an address.
func instanceSuffix(key any) string {
	switch k := key.(type) {
	case string:
		return "[" + string(hclwrite.TokensForValue(cty.StringVal(k)).Bytes()) + "]"
	case int:
		return "[" + strconv.Itoa(k) + "]"
	}
	return ""
}

type removal struct {
	resource  string
	instances []removedMembership
}

type removedMembership struct {
	from communityResource
	// member is the sentry_member that now lists the team, "" when none.
	member string
	// note says why no sentry_member lists it.
	note string
}

type teamLink struct {
	object
	organization, project, team, from string
}

// memberKey identifies a member across resources: organization and
// numeric member id.
type memberKey struct{ org, id string }

// communityMemberKey is a community member's organization and id, from
// organization and internal_id, else from id ("org/member-id"), as
// sentry_member's MoveState finds them.
func communityMemberKey(r communityResource) (memberKey, error) {
	org, id := r.str("organization"), r.str("internal_id")
	if idOrg, idMember, ok := strings.Cut(r.str("id"), "/"); ok {
		if org == "" {
			org = idOrg
		}
		if id == "" {
			id = idMember
		}
	}
	if org == "" || !isDigits(id) {
		return memberKey{}, fmt.Errorf("%s: the state does not say which member it is (organization %q, internal_id %q, id %q); "+
			"refresh it with the community provider (terraform apply -refresh-only), or delete it from the state and "+
			"import the member as sentry_member", r.address, org, r.str("internal_id"), r.str("id"))
	}
	return memberKey{org, id}, nil
}

// compareAddresses orders resources by address, numeric instance keys as
// numbers.
func compareAddresses(a, b communityResource) int {
	if a.resource != b.resource {
		return strings.Compare(a.resource, b.resource)
	}
	return compareKeys(a.keyLabel(), b.keyLabel())
}

// instanceKeysProblem says why a sentry_member cannot have the community
// resource's instance keys, "" when it can: count makes the keys 0 to n-1,
// so a state missing one in between cannot be reproduced without a new
// member.
func instanceKeysProblem(r *memberResource) string {
	kinds := map[string]bool{}
	for _, mm := range r.instances {
		kinds[fmt.Sprintf("%T", mm.key)] = true
	}
	if len(kinds) > 1 || kinds["<nil>"] && len(r.instances) > 1 {
		return fmt.Sprintf("%s has instances with keys of different kinds, which Terraform never writes: "+
			"was the state edited by hand?", r.from)
	}
	for i, mm := range r.instances {
		if k, ok := mm.key.(int); ok && k != i {
			return fmt.Sprintf("%s has count index %d but not %d: a sentry_member with count makes every index "+
				"from 0, so move the instances to the indexes 0 to %d first (terraform state mv, with the community "+
				"provider), then run sentry-import again", r.from, k, i, len(r.instances)-1)
		}
	}
	return ""
}

// planMigration decides the file from the community resources.
func planMigration(source string, resources []communityResource, taken map[string]map[string]bool) (*migration, error) {
	m := &migration{source: source}
	var problems []string
	var members, memberships, projects []communityResource
	for _, r := range resources {
		switch {
		case r.module != "":
			m.elsewhere = append(m.elsewhere, r)
		case r.mode != tfjson.ManagedResourceMode:
			m.kept = append(m.kept, r)
		case r.typ == communityMember:
			members = append(members, r)
		case r.typ == communityTeamMember:
			memberships = append(memberships, r)
		case r.typ == communityProject:
			projects = append(projects, r)
		case r.typ == communityTeam:
			m.teams++
		default:
			m.kept = append(m.kept, r)
		}
	}

	for _, list := range [][]communityResource{members, memberships, projects} {
		slices.SortFunc(list, compareAddresses)
	}

	// Members: each resource a moved block and a sentry_member of the
	// same name, with the same instance keys.
	byKey := map[memberKey]string{}
	resourceOf := map[string]*memberResource{}
	var order []*memberResource
	for _, r := range members {
		key, err := communityMemberKey(r)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if first, dup := byKey[key]; dup {
			problems = append(problems, fmt.Sprintf("%s and %s are the same member (%s/%s): keep one, delete the other from "+
				"the state (terraform state rm), then run sentry-import again", first, r.address, key.org, key.id))
			continue
		}
		byKey[key] = r.address
		var instanceKey any
		switch k := r.index.(type) {
		case string:
			instanceKey = k
		case json.Number:
			n, err := strconv.Atoi(k.String())
			if err != nil || n < 0 {
				problems = append(problems, fmt.Sprintf("%s: instance key %s is not a count index", r.address, k))
				continue
			}
			instanceKey = n
		}
		res := resourceOf[r.resource]
		if res == nil {
			res = &memberResource{from: r.resource, typeName: r.name}
			resourceOf[r.resource] = res
			order = append(order, res)
		}
		res.instances = append(res.instances, migratedMember{from: r, key: instanceKey, member: key, config: memberConfig{
			organization: key.org, email: r.str("email"), role: r.str("role"),
		}})
	}
	objects := make([]object, 0, len(order))
	for _, res := range order {
		if problem := instanceKeysProblem(res); problem != "" {
			problems = append(problems, problem)
		}
		objects = append(objects, object{label: res.typeName, sortKey: res.from})
	}
	assignUniqueNames(objects, func(label string) string { return keptName("member", label) }, taken[inventory.TypeMember])
	type memberRef struct{ resource, instance int }
	indexOf := map[memberKey]memberRef{}
	for _, o := range objects {
		res := resourceOf[o.sortKey]
		res.name = o.name
		for j, mm := range res.instances {
			indexOf[mm.member] = memberRef{len(m.members), j}
		}
		m.members = append(m.members, *res)
	}

	// Memberships: each resource removed from the state; each instance a
	// team on its member, or a note saying why not.
	outside := map[memberKey][]string{}
	for _, r := range m.elsewhere {
		if r.typ == communityTeamMember && r.mode == tfjson.ManagedResourceMode {
			key := memberKey{r.str("organization"), r.str("member_id")}
			outside[key] = append(outside[key], r.address)
		}
	}
	teamRoles := map[memberKey]map[string]string{}
	removalOf := map[string]int{}
	for _, r := range memberships {
		key := memberKey{r.str("organization"), r.str("member_id")}
		if idParts := strings.Split(r.str("id"), "/"); key.org == "" && len(idParts) == 3 {
			key = memberKey{idParts[0], idParts[2]}
		}
		team := r.str("team")
		if team == "" {
			problems = append(problems, fmt.Sprintf("%s: the state has no team; refresh it with the community provider "+
				"(terraform apply -refresh-only) and run sentry-import again", r.address))
			continue
		}
		rm := removedMembership{from: r}
		ref, ok := indexOf[key]
		switch {
		case !ok:
			rm.note = fmt.Sprintf("member %s of %q is not a %s in this state's root module, so no sentry_member lists "+
				"team %q for it: the membership stays in Sentry and is no longer managed. To manage it, import the "+
				"member (id %q) as a sentry_member with this team in teams.", key.id, key.org, communityMember, team,
				key.org+"/"+key.id)
		case len(outside[key]) > 0:
			rm.member = m.members[ref.resource].address(m.members[ref.resource].instances[ref.instance])
			rm.note = fmt.Sprintf("sentry_member.%s leaves teams out: more of its memberships are in child modules (%s).",
				rm.member, strings.Join(outside[key], ", "))
		default:
			rm.member = m.members[ref.resource].address(m.members[ref.resource].instances[ref.instance])
			if teamRoles[key] == nil {
				teamRoles[key] = map[string]string{}
			}
			role := r.str("effective_role")
			if role == "" {
				role = r.str("role")
			}
			// Two resources for one membership: Sentry has one role, the
			// higher one the state recorded.
			if role != "" && teamRoles[key][team] != "admin" {
				teamRoles[key][team] = role
			} else if _, seen := teamRoles[key][team]; !seen {
				teamRoles[key][team] = ""
			}
		}
		j, ok := removalOf[r.resource]
		if !ok {
			j = len(m.removals)
			removalOf[r.resource] = j
			m.removals = append(m.removals, removal{resource: r.resource})
		}
		m.removals[j].instances = append(m.removals[j].instances, rm)
	}
	slices.SortFunc(m.removals, func(a, b removal) int { return strings.Compare(a.resource, b.resource) })
	for _, r := range m.removals {
		slices.SortFunc(r.instances, func(a, b removedMembership) int { return compareAddresses(a.from, b.from) })
	}
	slices.SortFunc(m.kept, compareAddresses)
	slices.SortFunc(m.elsewhere, compareAddresses)
	for key, ref := range indexOf {
		mm := &m.members[ref.resource].instances[ref.instance]
		if len(outside[key]) > 0 {
			mm.note = fmt.Sprintf("teams is left out, so this provider leaves the member's teams alone: some of its "+
				"memberships are in child modules (%s), which sentry-import does not migrate. Once they are "+
				"migrated, list all its teams here.", strings.Join(outside[key], ", "))
			continue
		}
		roles, ok := teamRoles[key]
		if !ok {
			continue
		}
		mm.config.manageTeams = true
		for team, role := range roles {
			var stored *string
			if role != "" {
				stored = &role
			}
			// The role as sentry_member reads it for the member's org
			// role, for the plan to show no change.
			mm.config.teams = append(mm.config.teams, memberTeamConfig{team: team, role: inventory.TeamRoleAsRead(stored, mm.config.role)})
		}
	}

	// Projects stay; their teams become sentry_team_project imports.
	seen := map[string]string{}
	for _, r := range projects {
		m.projects = append(m.projects, r)
		org, slug := r.str("organization"), r.str("slug")
		if slug == "" {
			slug = r.str("id")
		}
		teams, _ := r.values["teams"].([]any)
		if org == "" || slug == "" {
			problems = append(problems, fmt.Sprintf("%s: the state has no organization or slug; refresh it with the "+
				"community provider (terraform apply -refresh-only) and run sentry-import again", r.address))
			continue
		}
		for _, t := range teams {
			team, _ := t.(string)
			if team == "" {
				continue
			}
			id := org + "/" + slug + "/" + team
			if prev, dup := seen[id]; dup {
				problems = append(problems, fmt.Sprintf("%s and %s are the same project (%s/%s): keep one, delete the other "+
					"from the state (terraform state rm), then run sentry-import again", prev, r.address, org, slug))
				break
			}
			seen[id] = r.address
			m.links = append(m.links, teamLink{
				object:       object{importID: id, label: slug + "_" + team, sortKey: slug + "/" + team + "/" + org},
				organization: org, project: slug, team: team, from: r.address,
			})
		}
	}
	objs := make([]object, len(m.links))
	linkAt := map[string]teamLink{}
	for i, l := range m.links {
		objs[i] = l.object
		linkAt[l.sortKey] = l
	}
	assignUniqueNames(objs, func(label string) string { return baseName("link", label) }, taken[inventory.TypeTeamProject])
	for i, o := range objs {
		m.links[i] = linkAt[o.sortKey]
		m.links[i].object = o
	}

	if len(problems) > 0 {
		return nil, fmt.Errorf("%s cannot be migrated as it is:\n  %s", source, strings.Join(problems, "\n  "))
	}
	if len(m.members)+len(m.removals)+len(m.links) == 0 && m.teams == 0 {
		return nil, fmt.Errorf("%s has no sentry_team, %s, %s or %s of the community provider (jianyuan/sentry) in its "+
			"root module: there is nothing to migrate", source, communityMember, communityTeamMember, communityProject)
	}
	return m, nil
}

// migrationHeader explains the file.
const migrationHeader = `# Moving in from the community Sentry provider (jianyuan/sentry), written by
# sentry-import from %s:
# %s.
#
# Needs Terraform 1.8 or later (moved blocks between resource types). Before
# planning, change the configuration:
#
#   1. In required_providers, point sentry at this provider:
#        sentry = { source = "sentryrbac/sentry" }
#      and set its provider block for it (auth_token, or SENTRY_AUTH_TOKEN,
#      where the community provider had token; base_url as before).
#   2. Delete the community sentry_organization_member and sentry_team_member
#      resource blocks: this file replaces them.%s
#
# Then terraform init (with the community provider still installable: the
# state names it until the move is applied) and terraform plan. The plan
# should show 0 to add, 0 to change, 0 to destroy, and Terraform sends Sentry
# nothing but reads. Then terraform apply; once applied, the moved, removed
# and import blocks do nothing and can be deleted.
#
# What the blocks below do:
#   - each sentry_organization_member resource moves whole to a
#     sentry_member with the same count or for_each keys, each instance's
#     email, role and teams written out (Terraform hands the community
#     provider's state over reliably only when a whole resource moves
#     between types); a member's teams are those of its sentry_team_member
#     resources in the state, with the team roles Sentry had at their last
#     refresh;
#   - each sentry_team_member is dropped from the state, leaving Sentry as
#     it is;
#   - each team of a sentry_project is imported as a sentry_team_project.
# sentry_team needs nothing here: once the provider source changes, this
# provider reads the community teams' state as its own.
`

// keepCommunityStep is step 3, when resources stay with the community
// provider.
const keepCommunityStep = `
#   3. Keep the community provider, under another local name, for what this
#      provider has no counterpart of (listed at the end of this file):
#        sentry-community = { source = "jianyuan/sentry" }
#      with a provider "sentry-community" block holding its old settings, and
#      provider = sentry-community in each of those resource and data blocks.`

// renderMigration writes the migration file.
func renderMigration(m *migration) []byte {
	var b bytes.Buffer
	counts := []string{
		plural(countMembers(m.members), communityMember),
		plural(countInstances(m.removals), communityTeamMember),
		plural(len(m.links), "project team"),
		plural(m.teams, communityTeam),
	}
	step3 := ""
	if len(m.projects)+len(m.kept) > 0 {
		step3 = keepCommunityStep
	}
	fmt.Fprintf(&b, migrationHeader, m.source, strings.Join(counts, ", "), step3)

	if len(m.members) > 0 {
		startSection(&b, "# Members: sentry_organization_member -> sentry_member.\n\n")
	}
	for _, r := range m.members {
		f := hclwrite.NewEmptyFile()
		body := f.Body()
		moved := body.AppendNewBlock("moved", nil).Body()
		moved.SetAttributeTraversal("from", hcl.Traversal{hcl.TraverseRoot{Name: communityMember}, hcl.TraverseAttr{Name: r.typeName}})
		moved.SetAttributeTraversal("to", hcl.Traversal{hcl.TraverseRoot{Name: inventory.TypeMember}, hcl.TraverseAttr{Name: r.name}})
		body.AppendNewline()
		instances := make([]memberInstance, len(r.instances))
		for i, mm := range r.instances {
			instances[i] = memberInstance{key: mm.key, config: mm.config}
			switch {
			case mm.note == "":
			case mm.key == nil:
				writeComment(&b, mm.note)
			default:
				writeComment(&b, "sentry_member."+r.address(mm)+": "+mm.note)
			}
		}
		appendMember(body, r.name, instances)
		b.Write(f.Bytes())
		b.WriteByte('\n')
	}

	if len(m.removals) > 0 {
		startSection(&b, "# Team memberships: each sentry_team_member leaves the state, and Sentry is left\n"+
			"# as it is; the sentry_member above lists the team.\n\n")
	}
	for _, r := range m.removals {
		for _, in := range r.instances {
			line := in.from.address + ": "
			if in.member != "" {
				line += "on sentry_member." + in.member
			} else {
				line += "not carried over"
			}
			if in.note != "" {
				line += "; " + in.note
			}
			writeComment(&b, line)
		}
		f := hclwrite.NewEmptyFile()
		removed := f.Body().AppendNewBlock("removed", nil).Body()
		removed.SetAttributeTraversal("from", hcl.Traversal{hcl.TraverseRoot{Name: communityTeamMember},
			hcl.TraverseAttr{Name: strings.TrimPrefix(r.resource, communityTeamMember+".")}})
		removed.AppendNewBlock("lifecycle", nil).Body().SetAttributeValue("destroy", cty.False)
		b.Write(f.Bytes())
		b.WriteByte('\n')
	}

	if len(m.projects) > 0 {
		listSection(&b, "# Project teams. This provider has no sentry_project: projects stay with the\n"+
			"# community provider (step 3 above). Their teams are imported below as\n"+
			"# sentry_team_project, so they are managed in two places; add\n"+
			"#   lifecycle { ignore_changes = [teams] }\n"+
			"# to each community sentry_project so that only the links below manage them:\n", m.projects)
		b.WriteByte('\n')
	}
	for _, l := range m.links {
		f := hclwrite.NewEmptyFile()
		body := f.Body()
		to := hcl.Traversal{hcl.TraverseRoot{Name: inventory.TypeTeamProject}, hcl.TraverseAttr{Name: l.name}}
		imp := body.AppendNewBlock("import", nil).Body()
		imp.SetAttributeTraversal("to", to)
		imp.SetAttributeValue("id", cty.StringVal(l.importID))
		body.AppendNewline()
		res := body.AppendNewBlock("resource", []string{inventory.TypeTeamProject, l.name}).Body()
		res.SetAttributeValue("organization", cty.StringVal(l.organization))
		res.SetAttributeValue("project", cty.StringVal(l.project))
		res.SetAttributeValue("team", cty.StringVal(l.team))
		writeComment(&b, "a team of "+l.from)
		b.Write(f.Bytes())
		b.WriteByte('\n')
	}

	listSection(&b, "# Staying with the community provider (step 3 above): this provider has no\n"+
		"# counterpart for these, and this file leaves them as they are.\n", m.kept)
	listSection(&b, "# Not migrated: community resources in child modules. sentry-import migrates the\n"+
		"# root module; move these into it first (moved blocks, with the community\n"+
		"# provider), or migrate them inside their module by hand as the guide\n"+
		"# \"Migrating from the community provider\" shows. Until then they stay with the\n"+
		"# community provider, whose local name the module must keep.\n", m.elsewhere)
	out := hclwrite.Format(b.Bytes())
	return append(bytes.TrimRight(out, "\n"), '\n')
}

// startSection starts a part of the file after one blank line.
func startSection(b *bytes.Buffer, text string) {
	trimmed := bytes.TrimRight(b.Bytes(), "\n")
	b.Truncate(len(trimmed))
	b.WriteString("\n\n" + text)
}

// listSection starts a section with header followed by the addresses of
// rs, one a comment line; it writes nothing when rs is empty.
func listSection(b *bytes.Buffer, header string, rs []communityResource) {
	if len(rs) == 0 {
		return
	}
	startSection(b, header)
	for _, r := range rs {
		fmt.Fprintf(b, "#   %s\n", r.address)
	}
}

// writeComment writes text as comment lines of at most about 80 columns.
func writeComment(b *bytes.Buffer, text string) {
	line := "#"
	for _, word := range strings.Fields(text) {
		if len(line)+1+len(word) > 80 && line != "#" {
			b.WriteString(line + "\n")
			line = "#"
		}
		line += " " + word
	}
	b.WriteString(line + "\n")
}

func plural(n int, what string) string {
	if what == "project team" && n != 1 {
		return fmt.Sprintf("%d project teams", n)
	}
	return fmt.Sprintf("%d %s", n, what)
}

func countMembers(rs []memberResource) int {
	n := 0
	for _, r := range rs {
		n += len(r.instances)
	}
	return n
}

func countInstances(rs []removal) int {
	n := 0
	for _, r := range rs {
		n += len(r.instances)
	}
	return n
}

// migrate is the command with -from-state: read, decide, write.
func migrate(s settings, stdin io.Reader, stderr io.Writer) error {
	in, source := stdin, "standard input"
	if s.fromState != "-" {
		f, err := os.Open(s.fromState)
		if err != nil {
			return fmt.Errorf("-from-state: %w", err)
		}
		defer f.Close()
		in, source = f, s.fromState
	}
	resources, taken, err := readCommunityState(in, source)
	if err != nil {
		return err
	}
	m, err := planMigration(source, resources, taken)
	if err != nil {
		return err
	}
	if err := writeNew(s.out, renderMigration(m)); err != nil {
		return err
	}
	for _, r := range m.removals {
		for _, in := range r.instances {
			if in.member == "" {
				fmt.Fprintf(stderr, "sentry-import: warning: %s is not carried over: %s\n", in.from.address, in.note)
			}
		}
	}
	for _, r := range m.members {
		for _, mm := range r.instances {
			if mm.note != "" {
				fmt.Fprintf(stderr, "sentry-import: warning: sentry_member.%s: %s\n", r.address(mm), mm.note)
			}
		}
	}
	if len(m.elsewhere) > 0 {
		fmt.Fprintf(stderr, "sentry-import: warning: %d community resources in child modules are not migrated (listed at the end of %s)\n",
			len(m.elsewhere), s.out)
	}
	fmt.Fprintf(stderr, "sentry-import: wrote %s: %d moved, %d removed and %d import blocks; next: change the configuration "+
		"as its header says, then terraform init and terraform plan\n", s.out, len(m.members), len(m.removals), len(m.links))
	return nil
}
