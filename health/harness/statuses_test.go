package harness

// Every status KubeRay 1.5.1 to 1.7.0 can write, not only the fixtures': the RayJob and RayService
// checks are run on each combination of the values the operator writes (ray-operator/apis/ray/v1
// at those tags) and must give what docs/design.md's table says. The table is written out here a
// second time, as rules in Go, so a branch of the Lua that strays from it fails.

import (
	"os"
	"path/filepath"
	"testing"
)

var (
	jobDeploymentStatuses = []string{"", "Initializing", "Waiting", "Running", "Complete", "Failed", "ValidationFailed", "Suspending", "Suspended", "Retrying"}
	jobStatuses           = []string{"", "PENDING", "RUNNING", "STOPPED", "SUCCEEDED", "FAILED"}
	jobReasons            = []string{"", "SubmissionFailed", "DeadlineExceeded", "PreRunningDeadlineExceeded", "AppFailed",
		"JobDeploymentStatusTransitionGracePeriodExceeded", "JobStatusCheckTimeoutExceeded", "ValidationFailed"}
	appStatuses = []string{"", "NOT_STARTED", "DEPLOYING", "RUNNING", "DEPLOY_FAILED", "DELETING", "UNHEALTHY"}
)

// The table's RayJob column: jobDeploymentStatus decides; Complete is Degraded only when Ray says STOPPED.
func rayJobHealth(ds, js string) string {
	switch ds {
	case "", "Initializing", "Running", "Retrying":
		return "Progressing"
	case "Waiting", "Suspending", "Suspended":
		return "Suspended"
	case "Complete":
		if js == "STOPPED" {
			return "Degraded"
		}
		return "Healthy"
	case "Failed", "ValidationFailed":
		return "Degraded"
	}
	return "Unknown"
}

func script(t *testing.T, kind string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "ray.io", kind, "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// run: the check in Argo CD's sandbox (the fixtures run in both modes; the enumeration, thousands
// of cases, in the one the program ships it in).
func run(t *testing.T, lua string, obj map[string]any) string {
	t.Helper()
	hs, err := ExecuteHealthLua(lua, obj, Modes[0])
	if err != nil {
		t.Fatalf("%v", err)
	}
	if hs.Message == "" {
		t.Errorf("no message")
	}
	return hs.Status
}

func TestEveryRayJobStatus(t *testing.T) {
	lua := script(t, "RayJob")
	n := 0
	for _, ds := range append(jobDeploymentStatuses, "SomethingNew") {
		for _, js := range jobStatuses {
			for _, reason := range jobReasons {
				for _, failed := range []any{nil, 0, 2} {
					status := map[string]any{"jobDeploymentStatus": ds, "jobStatus": js, "reason": reason, "message": "m"}
					if failed != nil {
						status["failed"] = failed
					}
					obj := map[string]any{"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": map[string]any{"name": "j", "generation": 1}, "status": status}
					if got, want := run(t, lua, obj), rayJobHealth(ds, js); got != want {
						t.Errorf("jobDeploymentStatus %q, jobStatus %q, reason %q, failed %v: %s, the table says %s", ds, js, reason, failed, got, want)
					}
					n++
				}
			}
		}
	}
	t.Logf("%d RayJob statuses", n)
}

type cond struct{ typ, status, reason string }

// The table's RayService column, in its order.
func rayServiceHealth(conds []cond, observedGen int, readyGen int, pending, active string) string {
	byType := map[string]cond{}
	for _, c := range conds {
		byType[c.typ] = c
	}
	is := func(typ, status string) bool { c, ok := byType[typ]; return ok && c.status == status }
	failedApp := func(s string) bool { return s == "DEPLOY_FAILED" || s == "UNHEALTHY" }
	if len(conds) == 0 {
		return "Progressing" // the cases below give no serviceStatus
	}
	if is("Suspended", "True") || is("Suspending", "True") {
		return "Suspended"
	}
	ready, hasReady := byType["Ready"]
	stale := hasReady && ready.reason == "ValidationFailed" && readyGen < observedGen
	if hasReady && ready.status == "False" && !stale {
		switch ready.reason {
		case "InitializingTimeout", "ValidationFailed":
			return "Degraded"
		case "SuspendInProgress", "SuspendComplete":
			return "Suspended"
		}
	}
	if is("RollbackInProgress", "True") {
		return "Progressing"
	}
	if is("UpgradeInProgress", "True") {
		if failedApp(pending) {
			return "Degraded"
		}
		return "Progressing"
	}
	if hasReady && ready.status == "True" {
		if failedApp(active) {
			return "Degraded"
		}
		return "Healthy"
	}
	if hasReady && ready.reason == "ZeroServeEndpoints" {
		return "Degraded"
	}
	if failedApp(pending) || failedApp(active) {
		return "Degraded"
	}
	return "Progressing"
}

// rayService: the object for these conditions, with an application of each status in the pending
// and the active cluster ("" for none reported), Ready written at readyGen, the status at 2.
func rayService(conds []cond, pending, active string, readyGen int) map[string]any {
	list := []any{}
	for _, c := range conds {
		m := map[string]any{"type": c.typ, "status": c.status, "reason": c.reason, "message": "m"}
		if c.typ == "Ready" {
			m["observedGeneration"] = readyGen
		}
		list = append(list, m)
	}
	apps := func(s string) map[string]any {
		if s == "" {
			return map[string]any{"rayClusterName": "c"}
		}
		return map[string]any{"rayClusterName": "c", "applicationStatuses": map[string]any{"app": map[string]any{"status": s, "message": "m"}}}
	}
	status := map[string]any{"conditions": list, "observedGeneration": 2, "numServeEndpoints": 1, "pendingServiceStatus": apps(pending), "activeServiceStatus": apps(active)}
	return map[string]any{"apiVersion": "ray.io/v1", "kind": "RayService", "metadata": map[string]any{"name": "s", "generation": 2}, "status": status}
}

func TestEveryRayServiceStatus(t *testing.T) {
	lua := script(t, "RayService")
	readies := []cond{{}, {"Ready", "True", "NonZeroServeEndpoints"}, {"Ready", "False", "Initializing"}, {"Ready", "False", "InitializingTimeout"},
		{"Ready", "False", "ZeroServeEndpoints"}, {"Ready", "False", "ValidationFailed"}, {"Ready", "False", "SuspendInProgress"}, {"Ready", "False", "SuspendComplete"}}
	upgrades := []cond{{}, {"UpgradeInProgress", "True", "BothActivePendingClustersExist"}, {"UpgradeInProgress", "False", "NoPendingCluster"},
		{"UpgradeInProgress", "False", "Initializing"}, {"UpgradeInProgress", "Unknown", "NoActiveCluster"}, {"UpgradeInProgress", "False", "SuspendComplete"}}
	rollbacks := []cond{{}, {"RollbackInProgress", "True", "DesiredClusterSpecChanged"}, {"RollbackInProgress", "False", "SuspendComplete"}}
	suspends := [][]cond{{}, {{"Suspending", "True", "SuspendRequested"}}, {{"Suspending", "False", "SuspendComplete"}, {"Suspended", "True", "SuspendComplete"}},
		{{"Suspending", "False", "SuspendComplete"}, {"Suspended", "False", "RayServiceResumed"}}}
	check := func(conds []cond, pending, active string, readyGen int) {
		want := rayServiceHealth(conds, 2, readyGen, pending, active)
		if got := run(t, lua, rayService(conds, pending, active, readyGen)); got != want {
			t.Errorf("conditions %v, pending app %q, active app %q, Ready at generation %d: %s, the table says %s", conds, pending, active, readyGen, got, want)
		}
	}
	n := 0
	// Every combination of the conditions, with no failed application, a failed pending one and a failed active one
	for _, r := range readies {
		for _, u := range upgrades {
			for _, rb := range rollbacks {
				for _, s := range suspends {
					var conds []cond
					for _, c := range append([]cond{r, u, rb}, s...) {
						if c.typ != "" {
							conds = append(conds, c)
						}
					}
					gens := []int{2}
					if r.reason == "ValidationFailed" {
						gens = []int{1, 2} // a stale refusal, and a current one
					}
					for _, apps := range [][2]string{{"", ""}, {"DEPLOY_FAILED", ""}, {"", "UNHEALTHY"}} {
						for _, g := range gens {
							check(conds, apps[0], apps[1], g)
							n++
						}
					}
				}
			}
		}
	}
	// Every application status in each cluster, where the applications decide
	for _, conds := range [][]cond{
		{{"Ready", "True", "NonZeroServeEndpoints"}, {"UpgradeInProgress", "True", "BothActivePendingClustersExist"}},
		{{"Ready", "True", "NonZeroServeEndpoints"}, {"UpgradeInProgress", "False", "NoPendingCluster"}},
		{{"Ready", "False", "Initializing"}, {"UpgradeInProgress", "False", "Initializing"}},
	} {
		for _, pending := range appStatuses {
			for _, active := range appStatuses {
				check(conds, pending, active, 2)
				n++
			}
		}
	}
	t.Logf("%d RayService statuses", n)
}
