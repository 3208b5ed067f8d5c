// argocd-rbac answers RBAC questions with Argo CD's own evaluator (github.com/argoproj/argo-cd/v3
// util/rbac, the code argocd-server enforces with), for ml-gitops's tests: no cluster, no server.
//
// It reads one JSON document on stdin:
//
//	{"policy": "<argocd-rbac-cm policy.csv>", "defaultRole": "<policy.default>",
//	 "projects": [{"name": "<AppProject>", "roles": [{"name": "", "policies": [""], "groups": [""]}]}],
//	 "queries": [{"subject": "", "groups": [""], "resource": "", "action": "", "object": ""}]}
//
// and writes one JSON array: for each query, whether Argo CD allows it. A query is decided as
// argocd-server's RBACPolicyEnforcer.EnforceClaims decides a logged-in user's request (server/
// rbacpolicy): the project named by the object (applications, applicationsets, clusters, exec,
// logs and repositories: `<project>/…`; projects: the project itself) contributes its roles as a
// runtime policy, built as AppProject.ProjectPoliciesString builds it; the subject is tried, then
// each of its groups that a grouping line names. The built-in policy and the default role apply,
// as in argocd-server. (Those two functions are restated here, line for line: their packages import
// gitops-engine, a nested module that the Go module proxy does not serve.)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/argoproj/argo-cd/v3/util/assets"
	"github.com/argoproj/argo-cd/v3/util/rbac"
)

type role struct {
	Name     string   `json:"name"`
	Policies []string `json:"policies"`
	Groups   []string `json:"groups"`
}

type project struct {
	Name  string `json:"name"`
	Roles []role `json:"roles"`
}

type query struct {
	Subject  string   `json:"subject"`
	Groups   []string `json:"groups"`
	Resource string   `json:"resource"`
	Action   string   `json:"action"`
	Object   string   `json:"object"`
}

type input struct {
	Policy      string    `json:"policy"`
	DefaultRole string    `json:"defaultRole"`
	Projects    []project `json:"projects"`
	Queries     []query   `json:"queries"`
}

// projectPolicies is AppProject.ProjectPoliciesString (pkg/apis/application/v1alpha1).
func projectPolicies(p project) string {
	var policies []string
	for _, r := range p.Roles {
		policies = append(policies, fmt.Sprintf("p, proj:%s:%s, projects, get, %s, allow", p.Name, r.Name, p.Name))
		policies = append(policies, r.Policies...)
		for _, g := range r.Groups {
			policies = append(policies, fmt.Sprintf("g, %s, proj:%s:%s", g, p.Name, r.Name))
		}
	}
	return strings.Join(policies, "\n")
}

// projectOf is RBACPolicyEnforcer.getProjectFromRequest (server/rbacpolicy).
func projectOf(q query, projects map[string]project) (project, bool) {
	switch q.Resource {
	case rbac.ResourceApplicationSets, rbac.ResourceApplications, rbac.ResourceRepositories, rbac.ResourceClusters, rbac.ResourceLogs, rbac.ResourceExec:
		if parts := strings.Split(q.Object, "/"); len(parts) >= 2 {
			p, ok := projects[parts[0]]
			return p, ok
		}
	case rbac.ResourceProjects:
		p, ok := projects[q.Object]
		return p, ok
	}
	return project{}, false
}

// allowed is RBACPolicyEnforcer.EnforceClaims (server/rbacpolicy) for a user (not a project token).
func allowed(enf *rbac.Enforcer, q query, projects map[string]project) (bool, error) {
	name, policy := "", ""
	if p, ok := projectOf(q, projects); ok {
		name, policy = p.Name, projectPolicies(p)
	}
	enforcer := enf.CreateEnforcerWithRuntimePolicy(name, policy)
	if enf.EnforceWithCustomEnforcer(enforcer, q.Subject, q.Resource, q.Action, q.Object) {
		return true, nil
	}
	grouping, err := enforcer.GetGroupingPolicy()
	if err != nil {
		return false, err
	}
	for _, g := range q.Groups {
		for _, line := range grouping {
			if line[0] == g {
				if enf.EnforceWithCustomEnforcer(enforcer, g, q.Resource, q.Action, q.Object) {
					return true, nil
				}
				break
			}
		}
	}
	return false, nil
}

func run() error {
	var in input
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("reading the input: %w", err)
	}
	enf := rbac.NewEnforcer(nil, "argocd", "argocd-rbac-cm", nil)
	enf.EnableLog(false)
	if err := enf.SetBuiltinPolicy(assets.BuiltinPolicyCSV); err != nil {
		return fmt.Errorf("the built-in policy: %w", err)
	}
	if err := enf.SetUserPolicy(in.Policy); err != nil {
		return fmt.Errorf("policy.csv: %w", err)
	}
	enf.SetDefaultRole(in.DefaultRole)
	projects := map[string]project{}
	for _, p := range in.Projects {
		projects[p.Name] = p
	}
	answers := make([]bool, len(in.Queries))
	for i, q := range in.Queries {
		ok, err := allowed(enf, q, projects)
		if err != nil {
			return fmt.Errorf("query %d: %w", i, err)
		}
		answers[i] = ok
	}
	return json.NewEncoder(os.Stdout).Encode(answers)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "argocd-rbac: %v\n", err)
		os.Exit(1)
	}
}
